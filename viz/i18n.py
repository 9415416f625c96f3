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
    # --- live view, charts and map
    "hhi_explain": (
        "HHI: sum of squared regional shares of firms (1 = all in one region). "
        "HHI* rescales it so 0 = even spread over the regions, 1 = all in one.",
        "HHI: 지역별 기업 비중의 제곱합 (1 = 한 지역에 집중). "
        "HHI*는 0 = 모든 지역에 고르게, 1 = 한 지역에 집중이 되도록 정규화한 값.",
    ),
    "hhi_norm": ("HHI* (normalised)", "HHI* (정규화)"),
    "oversub_explain": (
        "Oversubscription: GPUs applied for at public centers / GPUs allocated "
        "(Gwangju 2025: 2.69 applied per GPU granted). Above 1 = more demand than supply.",
        "경쟁률: 공공 센터에 신청한 GPU / 배정된 GPU (광주 2025년 2.69:1). "
        "1보다 크면 공급보다 수요가 많음.",
    ),
    "gpu_explain": (
        "GPUs allocated / GPU capacity of each center this month.",
        "센터별 이번 달 배정 GPU / GPU 용량.",
    ),
    "gpu_by_center": ("GPU utilisation by center", "센터별 GPU 가동률"),
    "oversubscription": ("Oversubscription (applied / granted)", "경쟁률 (신청 / 배정)"),
    "inter_explain": (
        "Share of collaboration ties that link firms, universities or governments "
        "in different regions.",
        "서로 다른 지역의 기업·대학·정부를 잇는 협력 연결의 비율.",
    ),
    "map_legend": (
        "bubble area ∝ {size}; ■ district; ◆ compute center; arrows: relocations",
        "원 면적 ∝ {size}; ■ 지구; ◆ 컴퓨팅 센터; 화살표: 기업 이전",
    ),
    "firms_word": ("firms", "기업 수"),
    "history": ("history", "역사"),
    "in_history": ("history (replayed to {end})", "역사 (재현: {end}까지)"),
    "past_history": ("projection (history ended {end})", "전망 (역사는 {end}까지)"),
    "passed_history": (
        "The run passed the end of history ({end})",
        "역사 구간({end})을 지났습니다",
    ),
    "employment_word": ("employment", "고용"),
    "date": ("Date", "날짜"),
    "used": ("used", "가동"),
    "per_gpu_month": ("per GPU-month", "GPU·월당"),
    "custom_chart": ("Pick what to plot", "그래프 선택"),
    "output": ("Output", "출력 변수"),
    "scope": ("Scope", "범위"),
    "scope_model": ("Model-wide", "전체"),
    "scope_region": ("By region", "지역별"),
    "scope_district": ("By district", "지구별"),
    "inspect": ("Inspect a region's or a district's firms", "지역·지구 기업 분포 보기"),
    "district": ("District", "지구"),
    "districts_in": ("Districts", "지구"),
    "of_region": ("of the region's", "지역 대비"),
    "inspect_hint": (
        "Click a region or a district (■) on the map, or pick it here, for its firms' "
        "distributions.",
        "지도에서 지역이나 지구(■)를 클릭하거나 여기서 고르면 해당 기업의 분포를 보여줍니다.",
    ),
    "median": ("median", "중앙값"),
    "firm_count": ("firms", "기업"),
    "no_firms": ("no firms in this region", "이 지역에 기업이 없습니다"),
    # --- player
    "speed_value": ("Speed: {n} steps/s", "속도: 초당 {n}단계"),
    "speed_max": ("Speed: as fast as possible", "속도: 최대"),
    "run_until": ("Run until (YYYY-MM)", "다음 달까지 실행 (YYYY-MM)"),
    "render_every": ("Draw every N steps", "N단계마다 그리기"),
    "bad_month": (
        "not a month YYYY-MM between {a} and {b}",
        "{a}–{b} 사이의 YYYY-MM 형식이 아닙니다",
    ),
    "building": ("Building the model…", "모델을 만드는 중…"),
    "run_error": (
        "The run stopped: {err}. The last good step is kept.",
        "실행이 중단되었습니다: {err}. 마지막 정상 단계를 유지합니다.",
    ),
    "view_error": ("A view could not be drawn: {err}", "화면을 그리지 못했습니다: {err}"),
    "fix_these": ("Fix the marked controls before Reset:", "초기화 전에 표시된 값을 고치세요:"),
    "reached_date": ("Stopped at {date}.", "{date}에 멈췄습니다."),
    # --- save and share
    "share": ("Save and share", "저장 및 공유"),
    "share_note": (
        "The page address holds the applied settings: bookmark or send it to restore them.",
        "페이지 주소에 적용된 설정이 들어 있습니다. 북마크하거나 공유하면 그대로 복원됩니다.",
    ),
    "download_toml": ("Scenario TOML", "시나리오 TOML"),
    "download_data": (
        "Full data (Parquet + CSV + scenario)",
        "전체 데이터 (Parquet + CSV + 시나리오)",
    ),
    "rescan": ("Rescan folders", "폴더 다시 읽기"),
    # --- compare
    "current_settings": ("Current settings (sidebar)", "현재 설정 (사이드바)"),
    "compare_note": (
        "“Current settings” is the scenario applied in the sidebar (after Reset); "
        "the other choices are scenario files as saved.",
        "“현재 설정”은 사이드바에서 초기화로 적용한 시나리오이며, "
        "나머지는 저장된 시나리오 파일입니다.",
    ),
    "seeds_each": ("{n} seeds each", "각 {n}개 시드"),
    "use_posterior": (
        "parameter uncertainty (calibrated posterior)",
        "매개변수 불확실성 (보정된 사후분포)",
    ),
    "no_posterior": (
        "No calibrated posterior is shipped yet (calibration/posterior/): the ensembles vary "
        "seeds only.",
        "보정된 사후분포가 아직 없습니다(calibration/posterior/): 앙상블은 시드만 바꿉니다.",
    ),
    "posterior_keys": (
        "Each run draws one of the posterior's {n} parameter sets ({k} parameters), by weight.",
        "각 실행은 사후분포의 매개변수 조합 {n}개({k}개 매개변수) 중 하나를 "
        "가중치에 따라 뽑습니다.",
    ),
    "used_posterior": (
        "Used: {n} runs a side, each with its own seed and a parameter set drawn from the "
        "calibrated posterior (the same draws on both sides).",
        "사용: 쪽마다 {n}회 실행, 각각 고유한 시드와 보정된 사후분포에서 뽑은 매개변수 조합"
        "(양쪽에 같은 조합).",
    ),
    "used_seeds": (
        "Used: {n} seeds a side; parameters as in the scenarios (no posterior).",
        "사용: 쪽마다 시드 {n}개; 매개변수는 시나리오 그대로 (사후분포 없음).",
    ),
    "compare_failed": ("comparison failed: {err}", "비교 실패: {err}"),
    "table_metric": ("Metric", "지표"),
    "range_msg": ("must be a whole number from {lo} to {hi}", "{lo}–{hi} 사이의 정수여야 합니다"),
    # --- sweep
    "no_ok_runs": (
        "no successful runs with numeric metrics yet",
        "숫자 지표가 있는 성공한 실행이 아직 없습니다",
    ),
    "unknown_folder": ("unknown folder", "알 수 없는 폴더"),
    "sweep_dist_by": ("{m} by {p}", "{p}별 {m}"),
    "sweep_dist": ("distribution of {m}", "{m} 분포"),
    "sweep_sens": ("sensitivity of {m} (Spearman ρ)", "{m} 민감도 (스피어만 ρ)"),
    "sweep_series": ("{m} over time (median, 5-95 %)", "시간에 따른 {m} (중앙값, 5-95 %)"),
    "runs": ("runs", "실행"),
    "design": ("design", "설계"),
    # --- info
    "info": ("Info", "정보"),
    "decide": ("Decide", "의사결정"),
    "info_model": ("The model", "모델"),
    "info_controls": ("Controls", "조절 항목"),
    "info_outputs": ("Outputs", "출력 변수"),
    "info_sources": ("Sources of this scenario's numbers", "이 시나리오 수치의 출처"),
    "unit": ("Unit", "단위"),
    "range": ("Range", "범위"),
    "default": ("Default", "기본값"),
    "meaning": ("Meaning", "의미"),
    "source": ("Source", "출처"),
    "field": ("Field", "항목"),
    "name": ("Name", "이름"),
    "region": ("Region", "지역"),
}


def tr(key: str, lang: str = "en") -> str:
    """The label ``key`` in ``lang``; the key itself if it is unknown (visible, not fatal)."""
    pair = _TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "ko" else pair[0]


def trf(key: str, lang: str = "en", **values: object) -> str:
    """``tr`` with ``{name}`` fields filled in."""
    return tr(key, lang).format(**values)


ALLOCATION_KO = {
    "concentrate": "집중",
    "balanced": "균형",
    "competitive": "경쟁",
    "proportional": "비례",
    "priority": "우선순위",
    "queue": "대기열",
}


def choice_label(value: str, lang: str = "en") -> str:
    """A rule's name as the user reads it (choices are schema words, English)."""
    return ALLOCATION_KO.get(value, value) if lang == "ko" else value


def in_lang(text: str, text_ko: str, lang: str = "en") -> str:
    """The Korean text in the Korean interface when there is one, else the English."""
    return text_ko if lang == "ko" and text_ko else text


def region_label(name: str, name_ko: str, lang: str = "en") -> str:
    """Korean name always; the English name beside it in the English interface."""
    if lang == "ko" or not name:
        return name_ko or name
    return f"{name_ko} {name}" if name_ko else name
