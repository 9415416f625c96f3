"""Every output of the model, declared once: name, labels, unit, scopes and how it scales.

One :class:`Declaration` a name says what the output means and the scopes it is recorded
at, with what differs per scope (the meaning, and for a few the label, given as
:class:`On`). The recorder (:mod:`abm.metrics`) writes one column per declaration and
scope into ``model.parquet`` (scope ``"model"``, one row a month), ``regions.parquet``
(scope ``"region"``, one row a month and region) or ``districts.parquet``. The CLI tables,
the browser app, sweeps and their analysis read these declarations instead of listing
names again (the pattern of Mesa's DataCollector reporters and EMA Workbench's declared
outcomes). :data:`OUTPUTS` is the same declarations seen one scope at a time
(:class:`Output`), which is what most readers want.

The columns of a scope are in declaration order.

**Units.** Every recorded value is in *real* units: counts of firms, workers,
GPUs and won are converted from model units (one firm agent stands for
``1 / scale`` real firms) when they are recorded, so results read the same
whatever ``population.firms`` is. ``scaled`` says whether a column was so
converted; shares, ratios and indices need no conversion. The one exception is
``agents``, the number of firm agents, kept for diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL, REGION, DISTRICT = "model", "region", "district"
SCOPES = (MODEL, REGION, DISTRICT)  # the order of OUTPUTS and of the files


@dataclass(frozen=True)
class Output:
    """One recorded output at one scope: a column of one of the files."""

    name: str
    label: str
    label_ko: str
    unit: str  # "" for dimensionless
    scope: str  # MODEL, REGION or DISTRICT
    scaled: bool = False  # converted from model units to real units when recorded
    kind: str = "number"  # number, count, share, money, gpus, flag, index, step, date, id
    doc: str = ""

    @property
    def column(self) -> str:
        return self.name


@dataclass(frozen=True)
class On:
    """What a scope says differently from the declaration's labels: its own labels and doc."""

    label: str
    label_ko: str
    doc: str


@dataclass(frozen=True)
class Declaration:
    """One output name: what it is, and per scope recorded at, its meaning there."""

    name: str
    label: str
    label_ko: str
    unit: str
    scaled: bool
    kind: str
    at: tuple[tuple[str, On], ...]  # (scope, labels and doc there), in SCOPES order

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes this output is recorded at."""
        return tuple(scope for scope, _ in self.at)

    def output(self, scope: str) -> Output:
        """This output as recorded at ``scope``; KeyError if it is not recorded there."""
        for s, on in self.at:
            if s == scope:
                return Output(
                    self.name, on.label, on.label_ko, self.unit, s, self.scaled, self.kind, on.doc
                )
        raise KeyError(f"output {self.name!r} is not recorded at scope {scope!r}")

    @property
    def same_everywhere(self) -> bool:
        """Whether every scope it is recorded at gives it the same labels and doc."""
        return len({on for _, on in self.at}) == 1

    def meaning(self, where: dict[str, str]) -> str:
        """Its doc, once if every scope says the same, else per scope named by ``where``
        (with the scope's label where it differs from the declaration's)."""
        if self.same_everywhere:
            return self.at[0][1].doc
        parts = []
        for o in (self.output(s) for s in self.scopes):
            label = "" if o.label == self.label else f" ({o.label})"
            parts.append(f"{where[o.scope]}{label}: {o.doc}")
        return "; ".join(parts)


def _d(
    name: str,
    label: str,
    label_ko: str,
    unit: str,
    *,
    scaled: bool = False,
    kind: str = "number",
    everywhere: str = "",
    **at: str | On,
) -> Declaration:
    """A declaration; each keyword ``model=``, ``region=``, ``district=`` names a scope it
    is recorded at, with its doc there (or an :class:`On` where the labels differ too);
    ``everywhere`` records it at every scope with one doc."""
    if everywhere:
        at = dict.fromkeys(SCOPES, everywhere)
    unknown = set(at) - set(SCOPES)
    if unknown or not at:
        raise ValueError(f"output {name!r}: scopes must be some of {SCOPES}, got {sorted(at)}")
    pairs = tuple((s, _on(at[s], label, label_ko)) for s in SCOPES if s in at)
    return Declaration(name, label, label_ko, unit, scaled, kind, pairs)


def _on(meaning: str | On, label: str, label_ko: str) -> On:
    """A scope's labels and doc: given whole, or the declaration's labels with this doc."""
    return meaning if isinstance(meaning, On) else On(label, label_ko, meaning)


DECLARATIONS: tuple[Declaration, ...] = (
    # ----------------------------------------------------------------- keys
    _d("step", "Step", "단계", "month", kind="step", everywhere="Months simulated so far"),
    _d("date", "Month", "월", "", kind="date", everywhere="The month this row describes"),
    _d("district", "District", "지구", "", kind="id", district="District id"),
    _d(
        "region",
        "Region",
        "지역",
        "",
        kind="id",
        region="Region id",
        district="Region id of the district",
    ),
    # ----------------------------------------------------------------- firms and jobs
    _d(
        "agents",
        "Firm agents",
        "기업 에이전트",
        "agents",
        kind="count",
        model="Firm agents alive (model units; each stands for 1/scale real firms)",
        region="Firm agents in the region (model units)",
    ),
    _d(
        "firms",
        "Firms",
        "기업 수",
        "firms",
        scaled=True,
        kind="count",
        model="AI/SW firms alive (real)",
        region="AI/SW firms in the region (real)",
        district="Firms in the district (real)",
    ),
    _d(
        "firm_share",
        "Firm share",
        "기업 비중",
        "share",
        kind="share",
        region="Region's share of all firms",
    ),
    _d(
        "employment",
        "Employment",
        "고용",
        "persons",
        scaled=True,
        kind="count",
        model="Employees of all firms (real)",
        region="Employees of the region's firms (real)",
        district="Employees of the district's firms (real)",
    ),
    _d(
        "entries",
        "Entries",
        "진입",
        "firms/month",
        scaled=True,
        kind="count",
        model="New firms this month: spin-offs, start-ups, outside entrants, branches (real)",
        region="New firms in the region this month (real)",
        district="New firms that chose the district this month (real)",
    ),
    _d(
        "exits",
        "Exits",
        "퇴출",
        "firms/month",
        scaled=True,
        kind="count",
        model="Firms closed this month (real)",
        region="Firms closed in the region this month (real)",
    ),
    _d(
        "relocations",
        "Relocations",
        "이전",
        "firms/month",
        scaled=True,
        kind="count",
        model="Firms that moved their site this month (real)",
    ),
    _d(
        "relocations_in",
        "Relocations in",
        "전입",
        "firms/month",
        scaled=True,
        kind="count",
        region="Firms that moved here this month (real)",
        district="Firms that moved into the district this month (real)",
    ),
    _d(
        "relocations_out",
        "Relocations out",
        "전출",
        "firms/month",
        scaled=True,
        kind="count",
        region="Firms that moved away this month (real)",
    ),
    _d(
        "innovations",
        "Innovations",
        "혁신",
        "innovations/month",
        scaled=True,
        kind="count",
        model="Successful innovations this month (real)",
        region="Innovations of the region's firms this month (real)",
    ),
    _d(
        "innovations_cum",
        "Innovations (cumulative)",
        "누적 혁신",
        "innovations",
        scaled=True,
        kind="count",
        model="Innovations since the start (real)",
    ),
    _d(
        "net_jobs",
        "Net jobs",
        "순고용 증가",
        "persons",
        scaled=True,
        kind="count",
        model="Employment minus employment at the start (real)",
    ),
    # ----------------------------------------------------------------- concentration
    _d(
        "hhi",
        "HHI",
        "HHI",
        "",
        kind="index",
        model="Herfindahl index of regional firm shares, sum of squared shares",
    ),
    _d(
        "hhi_norm",
        "Normalised HHI",
        "정규화 HHI",
        "",
        kind="index",
        model="(HHI - 1/R) / (1 - 1/R): 0 = even spread over R regions, 1 = all in one",
    ),
    _d(
        "capital_share",
        "Capital-region share",
        "수도권 비중",
        "share",
        kind="share",
        model="Share of firms in the capital region",
    ),
    _d(
        "locked_in",
        "Locked in",
        "고착",
        "",
        kind="flag",
        model="Every outside entrant of the last lock_window months chose one region",
    ),
    _d(
        "lockin_region",
        "Lock-in region",
        "고착 지역",
        "",
        kind="index",
        model="Index of the region entrants lock into (-1 none)",
    ),
    _d(
        "lockin_since",
        "Lock-in since",
        "고착 시작",
        "month",
        kind="step",
        model="Step the current lock-in streak began (-1 none)",
    ),
    # ----------------------------------------------------------------- network
    _d(
        "edges",
        "Collaboration ties",
        "협력 연결",
        "ties",
        kind="count",
        model="Ties in the collaboration graph (model units: between agents)",
    ),
    _d(
        "intra_edges",
        "Ties within regions",
        "지역 내 연결",
        "ties",
        kind="count",
        model="Ties whose ends are in one region (model units)",
    ),
    _d(
        "inter_edges",
        "Ties across regions",
        "지역 간 연결",
        "ties",
        kind="count",
        model="Ties between regions (model units)",
    ),
    _d(
        "inter_edge_share",
        "Inter-region tie share",
        "지역 간 연결 비중",
        "share",
        kind="share",
        model="Share of ties that cross regions",
    ),
    _d(
        "ei_index",
        "E-I index",
        "E-I 지수",
        "",
        kind="index",
        model="Krackhardt's (external - internal) / all ties, -1 to 1",
    ),
    _d(
        "clustering",
        "Clustering",
        "군집 계수",
        "",
        kind="index",
        model="Mean local clustering coefficient (degree < 2 counts 0)",
    ),
    _d(
        "modularity",
        "Modularity (regions)",
        "모듈성(지역)",
        "",
        kind="index",
        model="Newman's Q of the partition of agents by region",
    ),
    _d(
        "giant_share",
        "Giant component",
        "최대 연결 요소",
        "share",
        kind="share",
        model="Share of agents in the largest connected component",
    ),
    _d(
        "uig_triangles",
        "U-I-G triangles",
        "산학관 삼각형",
        "triangles",
        kind="count",
        model="Triangles of one university, one firm and one government (model units)",
    ),
    # ----------------------------------------------------------------- compute
    _d(
        "gpu_capacity",
        "Public GPU capacity",
        "공공 GPU 용량",
        "GPUs",
        scaled=True,
        kind="gpus",
        model="GPUs of public centers this month (real)",
        region=On(
            "GPU capacity on site",
            "지역 GPU 용량",
            "GPUs of centers sited in the region, public and private (real)",
        ),
    ),
    _d(
        "gpu_demand",
        "Public GPU applications",
        "공공 GPU 신청",
        "GPUs",
        scaled=True,
        kind="gpus",
        model="GPUs applied for at public centers, each user counted once (real)",
    ),
    _d(
        "gpu_used",
        "Public GPUs allocated",
        "공공 GPU 배정",
        "GPUs",
        scaled=True,
        kind="gpus",
        model="GPUs public centers allocated (real)",
    ),
    _d(
        "gpu_utilisation",
        "Public GPU utilisation",
        "공공 GPU 가동률",
        "share",
        kind="share",
        model="Allocated / capacity of public centers",
        region=On(
            "GPU utilisation on site",
            "지역 GPU 가동률",
            "Allocated / capacity of centers sited in the region",
        ),
    ),
    _d(
        "oversubscription",
        "Oversubscription",
        "경쟁률",
        "ratio",
        kind="index",
        model="GPUs applied for / GPUs allocated at public centers (each user counted once)",
    ),
    _d(
        "compute_need",
        "Compute need",
        "컴퓨팅 수요",
        "GPUs",
        scaled=True,
        kind="gpus",
        model="GPUs firms and universities would use at the public price (real)",
        region="GPUs the region's users would use at the public price (real)",
    ),
    _d(
        "compute_met",
        "Compute need met",
        "컴퓨팅 충족률",
        "share",
        kind="share",
        model="Effective GPUs obtained / need, all users",
        region="Effective GPUs obtained / need of the region's users",
    ),
    _d(
        "compute_used",
        "GPUs used",
        "사용 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        region="GPUs the region's users obtained, public and commercial (real)",
    ),
    _d(
        "compute_effective",
        "Effective GPUs",
        "유효 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        region="GPUs obtained weighted by the access kept at the distance (real)",
    ),
    _d(
        "gpus_public",
        "GPUs from public centers",
        "공공 센터 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        model="GPUs users obtained from public centers (real)",
    ),
    _d(
        "public_gpus",
        "GPUs from public centers",
        "공공 센터 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        region="GPUs the region's users obtained from public centers (real)",
    ),
    _d(
        "gpus_private",
        "GPUs from private centers",
        "민간 센터 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        model="GPUs users bought from private centers in their region (real)",
        region="GPUs the region's users bought from private centers (real)",
    ),
    _d(
        "gpus_cloud",
        "GPUs from the cloud",
        "클라우드 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        model="GPUs users bought from the commercial cloud (real)",
        region="GPUs the region's users bought from the cloud (real)",
    ),
    _d(
        "compute_saving",
        "Compute money saved",
        "컴퓨팅 비용 절감",
        "KRW/month",
        scaled=True,
        kind="money",
        model="Market value of public GPUs minus what users paid for them (real)",
        region="Market value of public GPUs the region's users got minus what they paid (real)",
    ),
    # ----------------------------------------------------------------- money
    _d(
        "public_spending",
        "Public spending",
        "공공 지출",
        "KRW/month",
        scaled=True,
        kind="money",
        model="Grants, subsidies and center money paid this month (real)",
        region="Public money paid to recipients in the region this month (real)",
    ),
    _d(
        "public_promised",
        "Public money promised",
        "공공 약정액",
        "KRW/month",
        scaled=True,
        kind="money",
        model="Public money committed this month; equals what is paid (real)",
    ),
    _d(
        "tax_expenditure",
        "Tax expenditure",
        "조세지출",
        "KRW/month",
        scaled=True,
        kind="money",
        model="Corporate tax forgone in special zones this month (real)",
        region="Corporate tax forgone in the region this month (real)",
    ),
    _d(
        "private_investment",
        "Private investment",
        "민간 투자",
        "KRW/month",
        scaled=True,
        kind="money",
        model="Investment of new sites and private center builds this month (real)",
    ),
    _d(
        "public_spending_cum",
        "Public spending (cumulative)",
        "누적 공공 지출",
        "KRW",
        scaled=True,
        kind="money",
        model="Public money paid since the start (real)",
    ),
    _d(
        "tax_expenditure_cum",
        "Tax expenditure (cumulative)",
        "누적 조세지출",
        "KRW",
        scaled=True,
        kind="money",
        model="Tax forgone since the start (real)",
    ),
    _d(
        "private_investment_cum",
        "Private investment (cumulative)",
        "누적 민간 투자",
        "KRW",
        scaled=True,
        kind="money",
        model="Private investment since the start (real)",
    ),
    _d(
        "crowding_in",
        "Crowding-in",
        "민간투자 유발",
        "ratio",
        kind="index",
        model="Private investment of subsidised sites / subsidies paid to them, cumulative",
    ),
    _d(
        "cost_per_job",
        "Public cost per net job",
        "순고용당 공공비용",
        "KRW/person",
        kind="money",
        model="(Public spending + tax expenditure) / net jobs, cumulative",
    ),
    _d(
        "cost_per_innovation",
        "Public cost per innovation",
        "혁신당 공공비용",
        "KRW/innovation",
        kind="money",
        model="(Public spending + tax expenditure) / innovations, cumulative",
    ),
    # ----------------------------------------------------------------- talent and attraction
    _d(
        "talent_pool",
        "Talent pool",
        "인재 풀",
        "persons",
        scaled=True,
        kind="count",
        region="AI/ICT workers available for hire in the region (real)",
    ),
    _d(
        "graduate_retention",
        "Graduate retention",
        "졸업생 지역 잔류율",
        "share",
        kind="share",
        region="Share of the month's AI graduates who stay in the region",
    ),
    _d(
        "inbound",
        "Inbound firms",
        "외부 기업 유치",
        "firms/month",
        scaled=True,
        kind="count",
        region="Firms from other regions that set up here this month: relocations in plus "
        "branches opened (real)",
    ),
    # ----------------------------------------------------------------- survival and districts
    _d(
        "survival_1y",
        "1-year survival",
        "1년 생존율",
        "share",
        kind="share",
        model="Share of the firms born 12-23 months ago that are alive (Statistics Korea's "
        "1-year survival rate in December); empty until two years are simulated",
        region="Share of the region's firms born 12-23 months ago that are alive (by the "
        "region they are in now); empty until two years are simulated",
    ),
    _d(
        "open",
        "Open",
        "입주 가능",
        "",
        kind="flag",
        district="Designated by this month and with space left",
    ),
)


def _by_scope(declarations: tuple[Declaration, ...]) -> tuple[Output, ...]:
    """The declarations seen one scope at a time: model, region, then district outputs,
    each scope in declaration order."""
    return tuple(d.output(s) for s in SCOPES for d in declarations if s in d.scopes)


def _check_unique(declarations: tuple[Declaration, ...]) -> None:
    seen: set[str] = set()
    for d in declarations:
        if d.name in seen:
            raise ValueError(f"output {d.name!r} is declared twice: declare it once, with scopes")
        seen.add(d.name)


_check_unique(DECLARATIONS)
OUTPUTS: tuple[Output, ...] = _by_scope(DECLARATIONS)


def declaration(name: str) -> Declaration:
    """The declaration of one output name; KeyError names what is declared."""
    for d in DECLARATIONS:
        if d.name == name:
            return d
    raise KeyError(f"no output {name!r}; declared: {', '.join(d.name for d in DECLARATIONS)}")


def outputs(scope: str | None = None) -> tuple[Output, ...]:
    """The declared outputs of one scope (``"model"``, ``"region"``, ``"district"``), or all."""
    return tuple(o for o in OUTPUTS if scope is None or o.scope == scope)


def get(name: str, scope: str = MODEL) -> Output:
    """The declaration of one output at one scope; KeyError names what is declared."""
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
