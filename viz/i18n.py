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
    "gpu": ("GPU utilisation / oversubscription", "GPU 가동률 / 경쟁률"),
    "innovations": ("Innovations per month", "월별 혁신 수"),
    "public_spending": ("Public spending per month (KRW)", "월별 공공 지출 (원)"),
    "kpi_firms": ("Firms", "기업"),
    "kpi_hhi": ("HHI", "HHI"),
    "kpi_capital": ("Capital-region share", "수도권 비중"),
    "kpi_inter": ("Inter-region ties", "지역 간 연결"),
    "kpi_gpu": ("GPU utilisation", "GPU 가동률"),
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
    "band_note": (
        "Lines: median over {n} runs; bands: 5-95 %.",
        "선: {n}회 실행의 중앙값, 띠: 5-95 %.",
    ),
    "results_folder": ("Results folder", "결과 폴더"),
    "no_results": (
        "No sweep results folder (manifest.json + runs/) found under the allowed roots.",
        "허용된 폴더에 스윕 결과(manifest.json + runs/)가 없습니다.",
    ),
    "parameter": ("Parameter", "매개변수"),
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
        "bubble area ∝ {size}; ■ district; ◆ compute center (◇ under construction); "
        "arrows: relocations",
        "원 면적 ∝ {size}; ■ 지구; ◆ 컴퓨팅 센터 (◇ 건설 중); 화살표: 기업 이전",
    ),
    "map_legend_compute": (
        "bubble area ∝ {size}; ◆ compute center (◇ under construction); arrows: GPUs "
        "served to another region; rings: served in the center's own region",
        "원 면적 ∝ {size}; ◆ 컴퓨팅 센터 (◇ 건설 중); 화살표: 다른 지역에 제공한 GPU; "
        "고리: 센터가 있는 지역에 제공한 GPU",
    ),
    "relocation_flows": ("relocations since the start", "시작 이후 기업 이전"),
    "compute_flows": ("GPUs served this month", "이번 달 제공 GPU"),
    "served_locally": ("served in its own region", "자기 지역에 제공"),
    "under_construction": ("under construction, no GPUs yet", "건설 중, 아직 GPU 없음"),
    "flows_relocations": ("Relocations", "기업 이전"),
    "flows_compute": ("Compute served", "컴퓨팅 제공"),
    "firms_word": ("firms", "기업 수"),
    "history": ("observed", "실적"),
    "in_history": ("observed (replayed to {end})", "실적 재현 ({end}까지)"),
    "past_history": ("projection (observed to {end})", "전망 (실적은 {end}까지)"),
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
    "timeline_title": (
        "Policy timeline (hover a mark; the same marks sit at the foot of each chart)",
        "정책 일정 (표시에 마우스를 올리면 내용; 같은 표시가 각 그래프 아래에 있음)",
    ),
    "agents_note": (
        "Firms are real firms; the model runs {agents} firm agents (model units, one per "
        "{per} firms).",
        "기업 수는 실제 기업입니다. 모형은 기업 에이전트 {agents}개(모형 단위, 에이전트 하나가 "
        "기업 {per}개)를 실행합니다.",
    ),
    "band_live_running": (
        "Faint bands: other seeds of these settings (min–max), computing {done}/{n}…",
        "옅은 띠: 같은 설정의 다른 시드 (최소–최대), 계산 중 {done}/{n}…",
    ),
    "band_live_done": (
        "Faint bands: {n} other seeds of these settings (min–max): one run is one draw, "
        "not a forecast.",
        "옅은 띠: 같은 설정의 다른 시드 {n}개 (최소–최대). 한 번의 실행은 하나의 표본일 뿐 "
        "예측이 아닙니다.",
    ),
    "firm_inspector": ("Follow one firm", "기업 하나 따라가기"),
    "firm_hint": (
        "Click a firm (●) in the network, or pick one of the largest firms of the inspected "
        "region or district here; it is followed month by month from then on.",
        "네트워크에서 기업(●)을 클릭하거나, 위에서 보고 있는 지역·지구의 큰 기업을 여기서 "
        "고르면 그때부터 매월 따라갑니다.",
    ),
    "firm_pick": ("A large firm here", "이곳의 큰 기업"),
    "firm_option": ("Firm #{uid} · {employees} employees", "기업 #{uid} · 고용 {employees}명"),
    "firm_title": ("Firm #{uid} · {where} · {age}", "기업 #{uid} · {where} · {age}"),
    "firm_age": ("age {years} years", "업력 {years}년"),
    "firm_left": ("left the model in {date}", "{date}에 퇴출"),
    "firm_gone": ("Firm #{uid} is no longer in the model.", "기업 #{uid}은(는) 모형에 없습니다."),
    "firm_facts": (
        "revenue {revenue}/month · innovations so far {innovations}",
        "월 매출 {revenue} · 누적 혁신 {innovations}",
    ),
    "firm_employees": ("Employees", "고용"),
    "firm_cash": ("Cash", "현금"),
    "firm_knowledge": ("Knowledge", "지식 수준"),
    "firm_compute": ("Compute need met", "컴퓨팅 충족률"),
    "firm_partners": ("Partners (ties)", "협력 상대 (연결)"),
    "stop_following": ("Stop following", "그만 따라가기"),
    "hist_note": (
        "{firms} firms ({agents} agents) · median {median}",
        "기업 {firms}개 (에이전트 {agents}개) · 중앙값 {median}",
    ),
    "firm_count": ("firms", "기업"),
    "no_firms": ("no firms in this region", "이 지역에 기업이 없습니다"),
    # --- player
    "speed_value": ("Speed: up to {n} steps/s", "속도: 초당 최대 {n}단계"),
    "speed_max": ("Speed: as fast as possible", "속도: 최대"),
    "rate_value": ("{n} steps/s", "초당 {n}단계"),
    "run_until": ("Run until", "멈출 달"),
    "run_until_hint": ("YYYY-MM; empty = the end", "YYYY-MM; 비우면 끝까지"),
    "render_every": ("Draw every N steps", "N단계마다 그리기"),
    "render_every_hint": ("1 – 120", "1 – 120"),
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
    "step_queued": (
        "Step queued ({n}): it runs once the model is built.",
        "한 단계 대기 중 ({n}): 모델이 만들어지면 실행됩니다.",
    ),
    "queued_done": (
        "Ran {n} step(s) clicked while the model was being built.",
        "모델을 만드는 동안 누른 {n}단계를 실행했습니다.",
    ),
    "applied_edits": ("Applied on Reset: {edits}", "초기화로 적용됨: {edits}"),
    "pending_list": (
        "Not applied yet (press Reset): {edits}",
        "아직 적용되지 않음 (초기화를 누르세요): {edits}",
    ),
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
    "per_firm": (
        "one firm agent per real firm (as abm compare; slower)",
        "실제 기업 하나당 기업 에이전트 하나 (명령줄의 비교와 같음; 더 느림)",
    ),
    "per_firm_off": (
        "Each option runs with its own firm agents: faster, and an approximation (fewer "
        "agents add noise to every paired difference).",
        "각 선택지를 자신의 기업 에이전트 수로 실행합니다: 더 빠르지만 근사입니다 (에이전트가 "
        "적으면 모든 짝지은 차이에 잡음이 더해집니다).",
    ),
    "agents_per_firm": (
        "One firm agent per real firm ({real} firms).",
        "실제 기업 하나당 에이전트 하나 (기업 {real}개).",
    ),
    "agents_approximation": (
        "Approximation: {firms} firm agents for {real} real firms (one agent for {per} firms); "
        "effects are measured at one agent per real firm.",
        "근사: 실제 기업 {real}개를 기업 에이전트 {firms}개로 (에이전트 하나가 기업 {per}개). "
        "효과는 실제 기업 하나당 에이전트 하나에서 측정합니다.",
    ),
    "compare_progress": ("Running {done} / {total} runs…", "실행 중: {done} / {total}회…"),
    "option_ref": ("Option {letter} (reference)", "선택지 {letter} (기준)"),
    "option_n": ("Option {letter}", "선택지 {letter}"),
    "add_option": ("Add an option", "선택지 추가"),
    "runs_per_option": ("Runs per option", "선택지별 실행 수"),
    "horizon": ("Horizon: last month", "기간: 마지막 달"),
    "horizon_default": ("empty = the scenarios' end, {end}", "비우면 시나리오 끝({end})"),
    "ends_too_soon": (
        "The horizon ends in {end}, before the options differ at all (from {month}: {what}): "
        "every option will show the same values. Leave the horizon empty to run to the "
        "scenarios' end.",
        "기간이 {end}에 끝나 선택지가 달라지기 전입니다 ({month}부터: {what}). 모든 선택지가 "
        "같은 값을 보입니다. 기간을 비우면 시나리오 끝까지 실행합니다.",
    ),
    "differ_from": (
        "The options differ from {month} ({what}); before then they run alike.",
        "선택지는 {month}부터 다릅니다 ({what}). 그 전에는 같게 진행됩니다.",
    ),
    "options_identical": (
        "These options have the same policies: they will show the same values.",
        "선택지들의 정책이 같습니다: 같은 값을 보입니다.",
    ),
    "measured_first": (
        "Measured: the paired runs first differ in {month}.",
        "측정: 짝지은 실행은 {month}에 처음 달라집니다.",
    ),
    "measured_none": (
        "Measured: the paired runs are identical over the whole horizon.",
        "측정: 짝지은 실행이 기간 내내 같습니다.",
    ),
    "view_levels": ("Levels", "수준"),
    "view_difference": ("Difference from {ref}", "{ref} 대비 차이"),
    "band_note_difference": (
        "Lines: median of the paired differences (same seed and parameters on both sides); "
        "bands: their 5-95 % over {n} runs.",
        "선: 짝지은 차이(양쪽 같은 시드·매개변수)의 중앙값, 띠: {n}회 실행의 5-95 %.",
    ),
    "table_at": ("At {month}", "{month} 기준"),
    "question": ("Question (for the report)", "질문 (보고서용)"),
    "download_report": ("Report (HTML)", "보고서 (HTML)"),
    "download_chart_csv": ("Chart data (CSV)", "그래프 자료 (CSV)"),
    "download_runs_csv": ("Every run (CSV)", "모든 실행 (CSV)"),
    "default_question": (
        "What do {options} change against {ref}, to {end}?",
        "{ref} 대비 {options}은(는) {end}까지 무엇을 바꾸는가?",
    ),
    "diff_title": ("{m}: difference from {ref}", "{m}: {ref} 대비 차이"),
    "levels_title": ("{m}: {n} paired runs per option", "{m}: 선택지별 짝지은 실행 {n}회"),
    "report_made": (
        "Made {when} by the browser app (abm app), offline.",
        "{when} 브라우저 앱(abm app)에서 오프라인으로 작성.",
    ),
    "report_options": ("Options", "선택지"),
    "report_run": ("What was run", "실행 내용"),
    "report_runs": (
        "{n} paired runs per option: every option with the same seeds ({seeds}).",
        "선택지별 짝지은 실행 {n}회: 모든 선택지가 같은 시드({seeds})를 씁니다.",
    ),
    "report_horizon": ("Months {a} to {b}.", "기간 {a} – {b}."),
    "report_posterior": (
        "Parameter uncertainty: run i of every option takes the same parameter set drawn from "
        "the calibrated posterior ({n} draws, {k} parameters).",
        "매개변수 불확실성: 모든 선택지의 i번째 실행이 보정된 사후분포에서 뽑은 같은 매개변수 "
        "조합을 씁니다 ({n}개 추출, 매개변수 {k}개).",
    ),
    "report_no_posterior": (
        "Parameters as in the scenarios: the runs differ by their seed only.",
        "매개변수는 시나리오 값 그대로: 실행은 시드만 다릅니다.",
    ),
    "report_history": (
        "Months up to {end} replay observed history (shaded on the charts).",
        "{end}까지는 관측된 실적을 재현합니다 (그래프의 음영).",
    ),
    "report_agents": (
        "Firm agents per run: {n} (results in real units; fewer agents than real firms is an "
        "approximation).",
        "실행당 기업 에이전트: {n}개 (결과는 실제 단위; 실제 기업보다 적은 에이전트는 근사입니다).",
    ),
    "report_timeline": ("How the options differ (policy timeline)", "선택지의 차이 (정책 일정)"),
    "report_table": ("Differences at {month}", "{month}의 차이"),
    "report_table_note": (
        "Each option: median [5 %, 95 %] over its runs. Differences: paired, run by run, "
        "median [5 %, 95 %], and in how many runs the option is higher.",
        "각 선택지: 실행들의 중앙값 [5 %, 95 %]. 차이: 실행별로 짝지은 값의 중앙값 "
        "[5 %, 95 %]와 선택지가 더 높은 실행 수.",
    ),
    "report_charts": ("Charts", "그래프"),
    "report_assumptions": (
        "Assumptions behind the differences",
        "차이를 만드는 가정",
    ),
    "report_assumptions_note": (
        "The sources of the parts of the scenarios in which the options differ, as the "
        "scenario files give them; ASSUMPTION marks a number without a source.",
        "선택지가 다른 시나리오 부분의 출처 (시나리오 파일 그대로). ASSUMPTION은 출처 없는 "
        "가정입니다.",
    ),
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
    "sweep_summary": (
        "{name}: {method} design, {done}/{total} runs ({state}), {ok} ok",
        "{name}: {method} 설계, {done}/{total}회 실행 ({state}), 성공 {ok}회",
    ),
    "state_complete": ("complete", "완료"),
    "state_running": ("running", "진행 중"),
    "state_interrupted": ("interrupted", "중단됨"),
    "sens_few_runs": (
        "No sensitivity bar: fewer than 3 successful runs.",
        "민감도 막대 없음: 성공한 실행이 3회 미만입니다.",
    ),
    "sens_constant_metric": (
        "No sensitivity bar: this metric has the same value in every run.",
        "민감도 막대 없음: 이 지표는 모든 실행에서 값이 같습니다.",
    ),
    "sens_no_parameter": (
        "No sensitivity bar: no numeric parameter varies in this sweep.",
        "민감도 막대 없음: 이 스윕에서 변하는 숫자 매개변수가 없습니다.",
    ),
    "step_month": ("step (month)", "단계 (월)"),
    "download_sweep_csv": ("Runs (CSV)", "실행 결과 (CSV)"),
    # --- info
    "info": ("Info", "정보"),
    "decide": ("Decide", "의사결정"),
    "kind": ("Kind", "종류"),
    "event": ("Event", "사건"),
    "option": ("Option", "선택지"),
    "reference": ("reference", "기준"),
    "info_model": ("The model", "모델"),
    "info_controls": ("Controls", "조절 항목"),
    "info_outputs": ("Outputs", "출력 변수"),
    "info_sources": ("Sources of this scenario's numbers", "이 시나리오 수치의 출처"),
    "info_timeline": ("Policy timeline of this scenario", "이 시나리오의 정책 일정"),
    "item": ("Item", "세부 항목"),
    "original_note": (
        "Meanings, sources and field names are shown as the model declares them (English "
        "original).",
        "의미, 출처, 항목 이름은 모형의 선언 그대로(영문 원문) 보여 줍니다.",
    ),
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


# Units as the declarations write them (abm/outputs.py, abm/schema.py) -> Korean.
UNIT_KO = {
    "firms": "개",
    "firm": "개",
    "agents": "개",
    "persons": "명",
    "firms/month": "개/월",
    "innovations": "건",
    "innovations/month": "건/월",
    "ties": "개",
    "triangles": "개",
    "GPUs": "GPU",
    "KRW": "원",
    "억 KRW": "억 원",
    "KRW/month": "원/월",
    "KRW/GPU-month": "원/GPU·월",
    "KRW/person": "원/명",
    "KRW/innovation": "원/건",
    "KRW/year": "원/년",
    "ratio": "비율",
    "share": "비율",
    "month": "월",
    "months": "개월",
    "km": "km",
    "years": "년",
    "index": "지수",
}


def unit_text(unit: str, lang: str = "en") -> str:
    """A declared unit in ``lang`` (unknown units as declared)."""
    return UNIT_KO.get(unit, unit) if lang == "ko" else unit


def region_label(name: str, name_ko: str, lang: str = "en") -> str:
    """Korean name always; the English name beside it in the English interface."""
    if lang == "ko" or not name:
        return name_ko or name
    return f"{name_ko} {name}" if name_ko else name
