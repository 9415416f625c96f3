"""Every output of the model, declared once: name, labels, unit, scope and how it scales.

The recorder (:mod:`abm.metrics`) writes one column per declaration into
``model.parquet`` (scope ``"model"``, one row a month) or ``regions.parquet``
(scope ``"region"``, one row a month and region). The CLI tables, the browser
app, sweeps and their analysis read these declarations instead of listing
names again (the pattern of Mesa's DataCollector reporters and EMA Workbench's
declared outcomes).

**Units.** Every recorded value is in *real* units: counts of firms, workers,
GPUs and won are converted from model units (one firm agent stands for
``1 / scale`` real firms) when they are recorded, so results read the same
whatever ``population.firms`` is. ``scaled`` says whether a column was so
converted; shares, ratios and indices need no conversion. The one exception is
``agents``, the number of firm agents, kept for diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL, REGION = "model", "region"


@dataclass(frozen=True)
class Output:
    """One recorded output."""

    name: str
    label: str
    label_ko: str
    unit: str  # "" for dimensionless
    scope: str  # MODEL or REGION
    scaled: bool = False  # converted from model units to real units when recorded
    kind: str = "number"  # number, count, share, money, gpus, flag, index, step, date, id
    doc: str = ""

    @property
    def column(self) -> str:
        return self.name


def _o(name, label, label_ko, unit, scope, scaled=False, kind="number", doc="") -> Output:
    return Output(name, label, label_ko, unit, scope, scaled, kind, doc)


M, R = MODEL, REGION

OUTPUTS: tuple[Output, ...] = (
    # ----------------------------------------------------------------- keys
    _o("step", "Step", "단계", "month", M, kind="step", doc="Months simulated so far"),
    _o("date", "Month", "월", "", M, kind="date", doc="The month this row describes"),
    _o("step", "Step", "단계", "month", R, kind="step", doc="Months simulated so far"),
    _o("date", "Month", "월", "", R, kind="date", doc="The month this row describes"),
    _o("region", "Region", "지역", "", R, kind="id", doc="Region id"),
    # ----------------------------------------------------------------- firms and jobs
    _o(
        "agents",
        "Firm agents",
        "기업 에이전트",
        "agents",
        M,
        kind="count",
        doc="Firm agents alive (model units; each stands for 1/scale real firms)",
    ),
    _o("firms", "Firms", "기업 수", "firms", M, True, "count", "AI/SW firms alive (real)"),
    _o(
        "employment",
        "Employment",
        "고용",
        "persons",
        M,
        True,
        "count",
        "Employees of all firms (real)",
    ),
    _o(
        "entries",
        "Entries",
        "진입",
        "firms/month",
        M,
        True,
        "count",
        "New firms this month: spin-offs, start-ups, outside entrants, branches (real)",
    ),
    _o("exits", "Exits", "퇴출", "firms/month", M, True, "count", "Firms closed this month (real)"),
    _o(
        "relocations",
        "Relocations",
        "이전",
        "firms/month",
        M,
        True,
        "count",
        "Firms that moved their site this month (real)",
    ),
    _o(
        "innovations",
        "Innovations",
        "혁신",
        "innovations/month",
        M,
        True,
        "count",
        "Successful innovations this month (real)",
    ),
    _o(
        "innovations_cum",
        "Innovations (cumulative)",
        "누적 혁신",
        "innovations",
        M,
        True,
        "count",
        "Innovations since the start (real)",
    ),
    _o(
        "net_jobs",
        "Net jobs",
        "순고용 증가",
        "persons",
        M,
        True,
        "count",
        "Employment minus employment at the start (real)",
    ),
    # ----------------------------------------------------------------- concentration
    _o(
        "hhi",
        "HHI",
        "HHI",
        "",
        M,
        kind="index",
        doc="Herfindahl index of regional firm shares, sum of squared shares",
    ),
    _o(
        "hhi_norm",
        "Normalised HHI",
        "정규화 HHI",
        "",
        M,
        kind="index",
        doc="(HHI - 1/R) / (1 - 1/R): 0 = even spread over R regions, 1 = all in one",
    ),
    _o(
        "capital_share",
        "Capital-region share",
        "수도권 비중",
        "share",
        M,
        kind="share",
        doc="Share of firms in the capital region",
    ),
    _o(
        "locked_in",
        "Locked in",
        "고착",
        "",
        M,
        kind="flag",
        doc="Every outside entrant of the last lock_window months chose one region",
    ),
    _o(
        "lockin_region",
        "Lock-in region",
        "고착 지역",
        "",
        M,
        kind="index",
        doc="Index of the region entrants lock into (-1 none)",
    ),
    _o(
        "lockin_since",
        "Lock-in since",
        "고착 시작",
        "month",
        M,
        kind="step",
        doc="Step the current lock-in streak began (-1 none)",
    ),
    # ----------------------------------------------------------------- network
    _o(
        "edges",
        "Collaboration ties",
        "협력 연결",
        "ties",
        M,
        kind="count",
        doc="Ties in the collaboration graph (model units: between agents)",
    ),
    _o(
        "intra_edges",
        "Ties within regions",
        "지역 내 연결",
        "ties",
        M,
        kind="count",
        doc="Ties whose ends are in one region (model units)",
    ),
    _o(
        "inter_edges",
        "Ties across regions",
        "지역 간 연결",
        "ties",
        M,
        kind="count",
        doc="Ties between regions (model units)",
    ),
    _o(
        "inter_edge_share",
        "Inter-region tie share",
        "지역 간 연결 비중",
        "share",
        M,
        kind="share",
        doc="Share of ties that cross regions",
    ),
    _o(
        "ei_index",
        "E-I index",
        "E-I 지수",
        "",
        M,
        kind="index",
        doc="Krackhardt's (external - internal) / all ties, -1 to 1",
    ),
    _o(
        "clustering",
        "Clustering",
        "군집 계수",
        "",
        M,
        kind="index",
        doc="Mean local clustering coefficient (degree < 2 counts 0)",
    ),
    _o(
        "modularity",
        "Modularity (regions)",
        "모듈성(지역)",
        "",
        M,
        kind="index",
        doc="Newman's Q of the partition of agents by region",
    ),
    _o(
        "giant_share",
        "Giant component",
        "최대 연결 요소",
        "share",
        M,
        kind="share",
        doc="Share of agents in the largest connected component",
    ),
    _o(
        "uig_triangles",
        "U-I-G triangles",
        "산학관 삼각형",
        "triangles",
        M,
        kind="count",
        doc="Triangles of one university, one firm and one government (model units)",
    ),
    # ----------------------------------------------------------------- compute
    _o(
        "gpu_capacity",
        "Public GPU capacity",
        "공공 GPU 용량",
        "GPUs",
        M,
        True,
        "gpus",
        "GPUs of public centers this month (real)",
    ),
    _o(
        "gpu_demand",
        "Public GPU applications",
        "공공 GPU 신청",
        "GPUs",
        M,
        True,
        "gpus",
        "GPUs applied for at public centers, each user counted once (real)",
    ),
    _o(
        "gpu_used",
        "Public GPUs allocated",
        "공공 GPU 배정",
        "GPUs",
        M,
        True,
        "gpus",
        "GPUs public centers allocated (real)",
    ),
    _o(
        "gpu_utilisation",
        "Public GPU utilisation",
        "공공 GPU 가동률",
        "share",
        M,
        kind="share",
        doc="Allocated / capacity of public centers",
    ),
    _o(
        "oversubscription",
        "Oversubscription",
        "경쟁률",
        "ratio",
        M,
        kind="index",
        doc="GPUs applied for / GPUs allocated at public centers (each user counted once)",
    ),
    _o(
        "compute_need",
        "Compute need",
        "컴퓨팅 수요",
        "GPUs",
        M,
        True,
        "gpus",
        "GPUs firms and universities would use at the public price (real)",
    ),
    _o(
        "compute_met",
        "Compute need met",
        "컴퓨팅 충족률",
        "share",
        M,
        kind="share",
        doc="Effective GPUs obtained / need, all users",
    ),
    _o(
        "gpus_public",
        "GPUs from public centers",
        "공공 센터 GPU",
        "GPUs",
        M,
        True,
        "gpus",
        "GPUs users obtained from public centers (real)",
    ),
    _o(
        "gpus_private",
        "GPUs from private centers",
        "민간 센터 GPU",
        "GPUs",
        M,
        True,
        "gpus",
        "GPUs users bought from private centers in their region (real)",
    ),
    _o(
        "gpus_cloud",
        "GPUs from the cloud",
        "클라우드 GPU",
        "GPUs",
        M,
        True,
        "gpus",
        "GPUs users bought from the commercial cloud (real)",
    ),
    _o(
        "compute_saving",
        "Compute money saved",
        "컴퓨팅 비용 절감",
        "KRW/month",
        M,
        True,
        "money",
        "Market value of public GPUs minus what users paid for them (real)",
    ),
    # ----------------------------------------------------------------- money
    _o(
        "public_spending",
        "Public spending",
        "공공 지출",
        "KRW/month",
        M,
        True,
        "money",
        "Grants, subsidies and center money paid this month (real)",
    ),
    _o(
        "public_promised",
        "Public money promised",
        "공공 약정액",
        "KRW/month",
        M,
        True,
        "money",
        "Public money committed this month; equals what is paid (real)",
    ),
    _o(
        "tax_expenditure",
        "Tax expenditure",
        "조세지출",
        "KRW/month",
        M,
        True,
        "money",
        "Corporate tax forgone in special zones this month (real)",
    ),
    _o(
        "private_investment",
        "Private investment",
        "민간 투자",
        "KRW/month",
        M,
        True,
        "money",
        "Investment of new sites and private center builds this month (real)",
    ),
    _o(
        "public_spending_cum",
        "Public spending (cumulative)",
        "누적 공공 지출",
        "KRW",
        M,
        True,
        "money",
        "Public money paid since the start (real)",
    ),
    _o(
        "tax_expenditure_cum",
        "Tax expenditure (cumulative)",
        "누적 조세지출",
        "KRW",
        M,
        True,
        "money",
        "Tax forgone since the start (real)",
    ),
    _o(
        "private_investment_cum",
        "Private investment (cumulative)",
        "누적 민간 투자",
        "KRW",
        M,
        True,
        "money",
        "Private investment since the start (real)",
    ),
    _o(
        "crowding_in",
        "Crowding-in",
        "민간투자 유발",
        "ratio",
        M,
        kind="index",
        doc="Private investment of subsidised sites / subsidies paid to them, cumulative",
    ),
    _o(
        "cost_per_job",
        "Public cost per net job",
        "순고용당 공공비용",
        "KRW/person",
        M,
        kind="money",
        doc="(Public spending + tax expenditure) / net jobs, cumulative",
    ),
    _o(
        "cost_per_innovation",
        "Public cost per innovation",
        "혁신당 공공비용",
        "KRW/innovation",
        M,
        kind="money",
        doc="(Public spending + tax expenditure) / innovations, cumulative",
    ),
    # ----------------------------------------------------------------- regions
    _o(
        "agents",
        "Firm agents",
        "기업 에이전트",
        "agents",
        R,
        kind="count",
        doc="Firm agents in the region (model units)",
    ),
    _o("firms", "Firms", "기업 수", "firms", R, True, "count", "AI/SW firms in the region (real)"),
    _o(
        "firm_share",
        "Firm share",
        "기업 비중",
        "share",
        R,
        kind="share",
        doc="Region's share of all firms",
    ),
    _o(
        "employment",
        "Employment",
        "고용",
        "persons",
        R,
        True,
        "count",
        "Employees of the region's firms (real)",
    ),
    _o(
        "entries",
        "Entries",
        "진입",
        "firms/month",
        R,
        True,
        "count",
        "New firms in the region this month (real)",
    ),
    _o(
        "exits",
        "Exits",
        "퇴출",
        "firms/month",
        R,
        True,
        "count",
        "Firms closed in the region this month (real)",
    ),
    _o(
        "relocations_in",
        "Relocations in",
        "전입",
        "firms/month",
        R,
        True,
        "count",
        "Firms that moved here this month (real)",
    ),
    _o(
        "relocations_out",
        "Relocations out",
        "전출",
        "firms/month",
        R,
        True,
        "count",
        "Firms that moved away this month (real)",
    ),
    _o(
        "innovations",
        "Innovations",
        "혁신",
        "innovations/month",
        R,
        True,
        "count",
        "Innovations of the region's firms this month (real)",
    ),
    _o(
        "compute_need",
        "Compute need",
        "컴퓨팅 수요",
        "GPUs",
        R,
        True,
        "gpus",
        "GPUs the region's users would use at the public price (real)",
    ),
    _o(
        "compute_met",
        "Compute need met",
        "컴퓨팅 충족률",
        "share",
        R,
        kind="share",
        doc="Effective GPUs obtained / need of the region's users",
    ),
    _o(
        "compute_used",
        "GPUs used",
        "사용 GPU",
        "GPUs",
        R,
        True,
        "gpus",
        "GPUs the region's users obtained, public and commercial (real)",
    ),
    _o(
        "compute_effective",
        "Effective GPUs",
        "유효 GPU",
        "GPUs",
        R,
        True,
        "gpus",
        "GPUs obtained weighted by the access kept at the distance (real)",
    ),
    _o(
        "public_gpus",
        "GPUs from public centers",
        "공공 센터 GPU",
        "GPUs",
        R,
        True,
        "gpus",
        "GPUs the region's users obtained from public centers (real)",
    ),
    _o(
        "gpus_private",
        "GPUs from private centers",
        "민간 센터 GPU",
        "GPUs",
        R,
        True,
        "gpus",
        "GPUs the region's users bought from private centers (real)",
    ),
    _o(
        "gpus_cloud",
        "GPUs from the cloud",
        "클라우드 GPU",
        "GPUs",
        R,
        True,
        "gpus",
        "GPUs the region's users bought from the cloud (real)",
    ),
    _o(
        "compute_saving",
        "Compute money saved",
        "컴퓨팅 비용 절감",
        "KRW/month",
        R,
        True,
        "money",
        "Market value of public GPUs the region's users got minus what they paid (real)",
    ),
    _o(
        "gpu_capacity",
        "GPU capacity on site",
        "지역 GPU 용량",
        "GPUs",
        R,
        True,
        "gpus",
        "GPUs of centers sited in the region, public and private (real)",
    ),
    _o(
        "gpu_utilisation",
        "GPU utilisation on site",
        "지역 GPU 가동률",
        "share",
        R,
        kind="share",
        doc="Allocated / capacity of centers sited in the region",
    ),
    _o(
        "public_spending",
        "Public spending",
        "공공 지출",
        "KRW/month",
        R,
        True,
        "money",
        "Public money paid to recipients in the region this month (real)",
    ),
    _o(
        "tax_expenditure",
        "Tax expenditure",
        "조세지출",
        "KRW/month",
        R,
        True,
        "money",
        "Corporate tax forgone in the region this month (real)",
    ),
    _o(
        "talent_pool",
        "Talent pool",
        "인재 풀",
        "persons",
        R,
        True,
        "count",
        "AI/ICT workers available for hire in the region (real)",
    ),
    _o(
        "graduate_retention",
        "Graduate retention",
        "졸업생 지역 잔류율",
        "share",
        R,
        kind="share",
        doc="Share of the month's AI graduates who stay in the region",
    ),
)


def outputs(scope: str | None = None) -> tuple[Output, ...]:
    """The declared outputs of one scope (``"model"`` or ``"region"``), or all."""
    return tuple(o for o in OUTPUTS if scope is None or o.scope == scope)


def get(name: str, scope: str = MODEL) -> Output:
    """The declaration of one output; KeyError names what is declared."""
    for o in OUTPUTS:
        if o.name == name and o.scope == scope:
            return o
    raise KeyError(f"no {scope} output {name!r}; declared: {', '.join(names(scope))}")


def names(scope: str) -> list[str]:
    """Column names of one scope, in declaration order."""
    return [o.name for o in outputs(scope)]


def metrics(scope: str) -> tuple[Output, ...]:
    """The numeric outputs of a scope (no keys, dates or ids): what sweeps and charts use."""
    return tuple(o for o in outputs(scope) if o.kind not in ("step", "date", "id"))
