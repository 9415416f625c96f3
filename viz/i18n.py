"""Interface text in English and Korean; region names are always shown in Korean.

Why a dict and not gettext: a few dozen short labels, switched live per browser session
by a toggle, with no build step. Region names come from the scenario (``name_ko``).
"""

from __future__ import annotations

LANGUAGES = ("en", "ko")

_TEXT: dict[str, tuple[str, str]] = {
    # key: (English, Korean)
    "title": ("Korea's regional AI economy", "한국 지역 AI 경제"),
    "scenario": ("Scenario", "시나리오"),
    "seed": ("Seed", "시드"),
    "firms": ("Firms", "기업 수"),
    "firm_agents": ("Number of firms (agents)", "기업 수 (에이전트)"),
    "center": ("Compute center", "컴퓨팅 센터"),
    "site": ("Site", "입지"),
    "capacity": ("Capacity (GPUs, final)", "용량 (GPU, 최종)"),
    "price": ("Price (KRW per GPU-month)", "가격 (원/GPU·월)"),
    "fund": ("National fund (KRW, total)", "국가 재원 (원, 총액)"),
    "allocation": ("Allocation rule", "배분 규칙"),
    "incentives": ("Local subsidy rate", "지방 투자 보조율"),
    "agglomeration": ("Agglomeration", "집적 효과"),
    "strength": ("Strength", "강도"),
    "cap": ("Cap (inf = none)", "상한 (inf = 없음)"),
    "play": ("Play", "재생"),
    "pause": ("Pause", "일시정지"),
    "step": ("Step", "한 단계"),
    "reset": ("Reset", "초기화"),
    "speed": ("Speed (steps/s)", "속도 (단계/초)"),
    "step_label": ("Step", "단계"),
    "live": ("Live run", "실시간 실행"),
    "compare": ("Compare", "비교"),
    "sweep": ("Sweep explorer", "스윕 탐색"),
    "export": ("Export", "내보내기"),
    "map_title": ("Regions", "지역"),
    "size_by": ("Bubble size", "원 크기"),
    "employment": ("Employment", "고용"),
    "network_title": ("Collaboration network", "협력 네트워크"),
    "firms_by_region": ("Firms by region", "지역별 기업 수"),
    "hhi": ("Concentration (HHI)", "집중도 (HHI)"),
    "inter_edges": ("Share of inter-region ties", "지역 간 연결 비율"),
    "gpu": ("GPU utilisation / oversubscription", "GPU 이용률 / 초과 신청"),
    "innovations": ("Innovations per month", "월별 혁신 수"),
    "public_spending": ("Public spending per month (KRW)", "월별 공공 지출 (원)"),
    "kpi_firms": ("Firms", "기업"),
    "kpi_hhi": ("HHI", "HHI"),
    "kpi_capital": ("Capital-region share", "수도권 비중"),
    "kpi_inter": ("Inter-region ties", "지역 간 연결"),
    "kpi_gpu": ("GPU utilisation", "GPU 이용률"),
    "kpi_innov": ("Innovations (month)", "혁신 (월)"),
    "kpi_spend": ("Public spending (cum.)", "공공 지출 (누적)"),
    "pending": ("Changed controls take effect on Reset.", "변경한 값은 초기화 후 적용됩니다."),
    "fix_errors": ("Fix the marked controls before Reset.", "표시된 값을 고친 뒤 초기화하세요."),
    "no_scenarios": (
        "No scenario files found under scenarios/.",
        "scenarios/ 에 시나리오가 없습니다.",
    ),
    "scenario_a": ("Scenario A", "시나리오 A"),
    "scenario_b": ("Scenario B", "시나리오 B"),
    "seeds": ("Seeds per scenario", "시나리오별 시드 수"),
    "steps": ("Months", "개월"),
    "run_compare": ("Run comparison", "비교 실행"),
    "metric": ("Metric", "지표"),
    "band_note": ("Lines: median over seeds; bands: 5-95 %.", "선: 시드 중앙값, 띠: 5-95 %."),
    "results_folder": ("Results folder", "결과 폴더"),
    "no_results": (
        "No sweep results folder (manifest.json + runs/) found under the allowed roots.",
        "허용된 폴더에 스윕 결과(manifest.json + runs/)가 없습니다.",
    ),
    "parameter": ("Parameter", "파라미터"),
    "distribution": ("Distribution", "분포"),
    "sensitivity": ("Sensitivity", "민감도"),
    "download_csv": ("Metrics CSV", "지표 CSV"),
    "download_parquet": ("Metrics Parquet", "지표 Parquet"),
    "download_png": ("Figures PNG", "그림 PNG"),
    "language": ("한국어", "English"),
    "running": ("Running…", "실행 중…"),
    "invalid": ("invalid", "잘못됨"),
    "not_number": ("not a number", "숫자가 아닙니다"),
    "not_integer": ("not a whole number", "정수가 아닙니다"),
}


def tr(key: str, lang: str = "en") -> str:
    """The label ``key`` in ``lang``; the key itself if it is unknown (visible, not fatal)."""
    pair = _TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "ko" else pair[0]


def region_label(name: str, name_ko: str, lang: str = "en") -> str:
    """Korean name always; the English name beside it in the English interface."""
    if lang == "ko" or not name:
        return name_ko or name
    return f"{name_ko} {name}" if name_ko else name
