"""Every output of the model, declared once: name, labels, unit, format, scopes and formula.

One :class:`Declaration` a name says what the output means, how it is shown and, per scope
it is recorded at, its meaning and its **formula** there: a function of the month being
recorded (:class:`abm.metrics.Month`, the recording context: the model's arrays, the
month's tally, the scale and the quantities several formulas share). The recorder
(:mod:`abm.metrics`) evaluates the formulas and writes one column per declaration and
scope into ``model.parquet`` (scope ``"model"``, one row a month), ``regions.parquet``
(scope ``"region"``, one row a month and region) or ``districts.parquet``. The pattern is
Mesa's DataCollector reporters, EMA Workbench's ``ScalarOutcome(function=)`` and
Agents.jl's ``mdata``: adding an output is one declaration here, and the CLI tables, the
browser app, sweeps and their analysis and the ODD's table read it instead of listing
names, labels or formats again. :data:`OUTPUTS` is the same declarations seen one scope
at a time (:class:`Output`), which is what most readers want.

**Formulas.** A model-scope formula returns one value, a region-scope formula an array
(one value a region, in the model's region order) and a district-scope formula one a
district; a scalar at region or district scope is the same for every row (the keys
``step`` and ``date``). Values are in model units; the recorder converts the ``scaled``
ones. A formula may read another model-scope output with ``m.out(name)``; what it reads
is computed on first use, so a run that keeps only some outputs (``RegionalModel(...,
outputs=...)``) computes only those and what they read.

The columns of a scope are in declaration order.

**Units.** Every recorded value is in *real* units: counts of firms, workers,
GPUs and won are converted from model units (one firm agent stands for
``1 / scale`` real firms) when they are recorded, so results read the same
whatever ``population.firms`` is. ``scaled`` says whether a column was so
converted; shares, ratios and indices need no conversion. The one exception is
``agents``, the number of firm agents, kept for diagnostics.

**Formats.** ``fmt`` is how the tables print a value: a Python format spec (``".1%"``,
``",.0f"``), ``"krw"`` (won, printed in 억원) or ``"flag"`` (yes/no); by default the
kind's (:data:`KIND_FORMATS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from abm.metrics import Month

MODEL, REGION, DISTRICT = "model", "region", "district"
SCOPES = (MODEL, REGION, DISTRICT)  # the order of OUTPUTS and of the files
KEYS = ("step", "date", "region", "district")  # identify a row: recorded with every output
NAN = float("nan")

#: How a kind is printed when its declaration gives no ``fmt``.
KIND_FORMATS = {
    "count": ",.0f",
    "share": ".1%",
    "money": "krw",
    "gpus": ",.1f",
    "index": ".3f",
    "flag": "flag",
    "step": "d",
    "number": ".4g",
}

Formula = Callable[["Month"], Any]


# ------------------------------------------------------------------ formula helpers
def ratio(a: Any, b: Any) -> Any:
    """``a / b`` where ``b > 0``, else NaN; elementwise where ``b`` is an array (of the
    regions or districts; ``a`` then an array of the same length)."""
    if not isinstance(b, np.ndarray):
        return a / b if b > 0 else NAN
    out = np.full(len(b), NAN)
    return np.divide(a, b, out=out, where=b > 0)


def finite(x: np.ndarray) -> np.ndarray:
    """``x`` (floats), NaN where it is not finite."""
    return np.where(np.isfinite(x), x, NAN)


def hhi(shares: np.ndarray) -> float:
    """Herfindahl index: the sum of squared shares."""
    return float(np.sum(np.asarray(shares) ** 2))


def hhi_normalised(value: float, n_regions: int) -> float:
    """(HHI - 1/R) / (1 - 1/R): 0 for an even spread over R regions, 1 for all in one."""
    if n_regions < 2:
        return NAN
    return (value - 1.0 / n_regions) / (1.0 - 1.0 / n_regions)


def ei_index(internal: int, external: int) -> float:
    """Krackhardt's E-I index: (external - internal) / all ties."""
    total = internal + external
    return (external - internal) / total if total else NAN


def region_pairs(ru: np.ndarray, rv: np.ndarray, n_regions: int) -> np.ndarray:
    """Ties by the regions of their two ends: an ``n_regions`` x ``n_regions`` matrix of
    counts (row: the region of ``u``). One count over the ties gives what the E-I index
    and the modularity read (ties within a region are its diagonal, a region's tie ends
    its row and column sums), where a mask and three counts over them cost twice as much."""
    code = ru.astype(np.intp) * n_regions
    code += rv
    return np.bincount(code, minlength=n_regions * n_regions).reshape(n_regions, n_regions)


def region_modularity(
    u: np.ndarray,
    v: np.ndarray,
    region: np.ndarray,
    n_regions: int,
    ends: tuple[np.ndarray, np.ndarray] | None = None,
    pairs: np.ndarray | None = None,
) -> float:
    """Newman's Q of the partition of nodes by region.

    ``ends``: the regions of u and v, or ``pairs``: their :func:`region_pairs`, when the
    caller has them already.
    """
    m = len(u)
    if m == 0:
        return NAN
    if pairs is None:
        ru, rv = ends if ends is not None else (region[u], region[v])
        pairs = region_pairs(ru, rv, n_regions)
    internal = np.diagonal(pairs)
    degree = pairs.sum(axis=1) + pairs.sum(axis=0)
    return float(np.sum(internal / m - (degree / (2.0 * m)) ** 2))


# ------------------------------------------------------------------ declarations
@dataclass(frozen=True)
class Output:
    """One recorded output at one scope: a column of one of the files, and its formula."""

    name: str
    label: str
    label_ko: str
    unit: str  # "" for dimensionless
    scope: str  # MODEL, REGION or DISTRICT
    scaled: bool = False  # converted from model units to real units when recorded
    kind: str = "number"  # number, count, share, money, gpus, flag, index, step, date, id
    doc: str = ""
    fmt: str = ""  # how tables print it (see the module doc); "" for keys
    formula: Formula | None = field(default=None, compare=False, repr=False)

    @property
    def column(self) -> str:
        return self.name

    def format(self, value: Any) -> str:
        """``value`` as the tables print it: "-" when missing or NaN."""
        return format_value(value, self.fmt)

    @property
    def shown_unit(self) -> str:
        """The unit of a value as :meth:`format` prints it: "%" for a percentage format,
        "억원" for won (KRW/month: 억원/month), else the declared unit."""
        if self.fmt.endswith("%"):
            return "%"
        if self.fmt == "krw":
            return "억원" + self.unit[3:] if self.unit.startswith("KRW") else "억원"
        return self.unit

    def heading(self, lang: str = "en") -> str:
        """The label with the unit :meth:`format` prints in, e.g. "Employment (persons)",
        "Public spending (억원/month)"."""
        label = self.label_ko if lang == "ko" else self.label
        unit = self.shown_unit
        return f"{label} ({unit})" if unit else label


def format_value(value: Any, fmt: str) -> str:
    """A value in a declared format (see the module doc); "-" when missing or NaN."""
    if fmt == "flag":
        return "-" if value is None else ("yes" if value else "no")
    if value is None or value != value:
        return "-"
    if fmt == "krw":
        return f"{value / 1e8:,.0f}"
    return format(value, fmt) if fmt else str(value)


@dataclass(frozen=True)
class On:
    """One scope of a declaration: its doc and formula there, and its own labels where they
    differ from the declaration's ("" = the declaration's)."""

    doc: str
    formula: Formula = field(compare=False, repr=False)
    label: str = ""
    label_ko: str = ""


@dataclass(frozen=True)
class Declaration:
    """One output name: what it is, how it is shown, and per scope recorded at, its meaning
    and formula there."""

    name: str
    label: str
    label_ko: str
    unit: str
    scaled: bool
    kind: str
    fmt: str
    at: tuple[tuple[str, On], ...]  # (scope, doc and formula there), in SCOPES order

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes this output is recorded at."""
        return tuple(scope for scope, _ in self.at)

    def output(self, scope: str) -> Output:
        """This output as recorded at ``scope``; KeyError if it is not recorded there."""
        for s, on in self.at:
            if s == scope:
                return Output(
                    self.name,
                    on.label or self.label,
                    on.label_ko or self.label_ko,
                    self.unit,
                    s,
                    self.scaled,
                    self.kind,
                    on.doc,
                    self.fmt,
                    on.formula,
                )
        raise KeyError(f"output {self.name!r} is not recorded at scope {scope!r}")

    @property
    def same_everywhere(self) -> bool:
        """Whether every scope it is recorded at gives it the same labels and doc."""
        return len({(on.label, on.label_ko, on.doc) for _, on in self.at}) == 1

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


Scope = tuple[str, Formula] | On


def _d(
    name: str,
    label: str,
    label_ko: str,
    unit: str,
    *,
    scaled: bool = False,
    kind: str = "number",
    fmt: str | None = None,
    everywhere: tuple[str, Formula] | None = None,
    **at: Scope,
) -> Declaration:
    """A declaration; each keyword ``model=``, ``region=``, ``district=`` names a scope it
    is recorded at, with ``(doc, formula)`` there (or an :class:`On` where the labels
    differ too); ``everywhere`` records it at every scope with one doc and formula. ``fmt``
    defaults to the kind's (:data:`KIND_FORMATS`)."""
    if everywhere is not None:
        at = dict.fromkeys(SCOPES, everywhere)
    unknown = set(at) - set(SCOPES)
    if unknown or not at:
        raise ValueError(f"output {name!r}: scopes must be some of {SCOPES}, got {sorted(at)}")
    pairs = tuple((s, _on(name, at[s])) for s in SCOPES if s in at)
    shown = KIND_FORMATS.get(kind, "") if fmt is None else fmt
    return Declaration(name, label, label_ko, unit, scaled, kind, shown, pairs)


def _on(name: str, given: Scope) -> On:
    """A scope's doc and formula: given whole, or as ``(doc, formula)``."""
    if isinstance(given, On):
        return given
    if not (isinstance(given, tuple) and len(given) == 2 and callable(given[1])):
        raise ValueError(f"output {name!r}: give each scope as (doc, formula), got {given!r}")
    return On(given[0], given[1])


DECLARATIONS: tuple[Declaration, ...] = (
    # ----------------------------------------------------------------- keys
    _d(
        "step",
        "Step",
        "단계",
        "month",
        kind="step",
        everywhere=("Months simulated so far", lambda m: m.step),
    ),
    _d(
        "date",
        "Month",
        "월",
        "",
        kind="date",
        everywhere=("The month this row describes", lambda m: m.date),
    ),
    _d(
        "district",
        "District",
        "지구",
        "",
        kind="id",
        district=("District id", lambda m: m.districts),
    ),
    _d(
        "region",
        "Region",
        "지역",
        "",
        kind="id",
        region=("Region id", lambda m: m.regions),
        district=("Region id of the district", lambda m: m.district_regions),
    ),
    # ----------------------------------------------------------------- firms and jobs
    _d(
        "agents",
        "Firm agents",
        "기업 에이전트",
        "agents",
        kind="count",
        model=(
            "Firm agents alive (model units; each stands for 1/scale real firms)",
            lambda m: m.total,
        ),
        region=("Firm agents in the region (model units)", lambda m: m.count),
    ),
    _d(
        "firms",
        "Firms",
        "기업 수",
        "firms",
        scaled=True,
        kind="count",
        model=("AI/SW firms alive (real)", lambda m: m.total),
        region=("AI/SW firms in the region (real)", lambda m: m.count),
        district=("Firms in the district (real)", lambda m: m.district_count),
    ),
    _d(
        "firm_share",
        "Firm share",
        "기업 비중",
        "share",
        kind="share",
        region=("Region's share of all firms", lambda m: m.shares),
    ),
    _d(
        "employment",
        "Employment",
        "고용",
        "persons",
        scaled=True,
        kind="count",
        model=("Employees of all firms (real)", lambda m: float(m.employment.sum())),
        region=("Employees of the region's firms (real)", lambda m: m.employment),
        district=("Employees of the district's firms (real)", lambda m: m.district_employment),
    ),
    _d(
        "entries",
        "Entries",
        "진입",
        "firms/month",
        scaled=True,
        kind="count",
        model=(
            "New firms this month: spin-offs, start-ups, outside entrants, branches (real)",
            lambda m: int(m.tally.entries.sum()),
        ),
        region=("New firms in the region this month (real)", lambda m: m.tally.entries),
        district=(
            "New firms that chose the district this month (real)",
            lambda m: m.tally.district_entries,
        ),
    ),
    _d(
        "outside_entries",
        "Outside entrants",
        "외부 진입",
        "firms/month",
        scaled=True,
        kind="count",
        model=(
            "Outside entrants this month: the new firms that chose a region (real)",
            lambda m: int(m.tally.choices.sum()),
        ),
        region=(
            "Outside entrants that chose the region this month (real); the location-choice "
            "estimator's outcome (abm/calibrate/auxiliary.py)",
            lambda m: m.tally.choices,
        ),
    ),
    _d(
        "incentive_rate",
        "Incentive on offer",
        "입지 인센티브",
        "share of investment",
        kind="share",
        region=(
            "I_r of the location utility at the month's end: subsidy, special-zone relief and "
            "the funds' expected equity as a share of a typical new site's investment",
            lambda m: m.model.incentive_rate(),
        ),
    ),
    _d(
        "compute_access",
        "Compute access",
        "컴퓨팅 접근성",
        "index",
        kind="index",
        region=(
            "A_r of the location utility at the month's end: the value (0-1) of the best "
            "compute option reachable from the region",
            lambda m: m.market.access_value(),
        ),
    ),
    _d(
        "exits",
        "Exits",
        "퇴출",
        "firms/month",
        scaled=True,
        kind="count",
        model=("Firms closed this month (real)", lambda m: int(m.tally.exits.sum())),
        region=("Firms closed in the region this month (real)", lambda m: m.tally.exits),
    ),
    _d(
        "relocations",
        "Relocations",
        "이전",
        "firms/month",
        scaled=True,
        kind="count",
        model=(
            "Firms that moved their site this month (real)",
            lambda m: int(m.tally.relocations.sum()),
        ),
    ),
    _d(
        "relocations_in",
        "Relocations in",
        "전입",
        "firms/month",
        scaled=True,
        kind="count",
        region=(
            "Firms that moved here this month (real)",
            lambda m: m.tally.relocations.sum(axis=0),
        ),
        district=(
            "Firms that moved into the district this month (real)",
            lambda m: m.tally.district_moves_in,
        ),
    ),
    _d(
        "relocations_out",
        "Relocations out",
        "전출",
        "firms/month",
        scaled=True,
        kind="count",
        region=(
            "Firms that moved away this month (real)",
            lambda m: m.tally.relocations.sum(axis=1),
        ),
    ),
    _d(
        "innovations",
        "Innovations",
        "혁신",
        "innovations/month",
        scaled=True,
        kind="count",
        model=(
            "Successful innovations this month (real)",
            lambda m: int(m.tally.innovations.sum()),
        ),
        region=(
            "Innovations of the region's firms this month (real)",
            lambda m: m.tally.innovations,
        ),
    ),
    _d(
        "innovations_cum",
        "Innovations (cumulative)",
        "누적 혁신",
        "innovations",
        scaled=True,
        kind="count",
        model=("Innovations since the start (real)", lambda m: m.cum["innovations"]),
    ),
    _d(
        "net_jobs",
        "Net jobs",
        "순고용 증가",
        "persons",
        scaled=True,
        kind="count",
        model=(
            "Employment minus employment at the start (real)",
            lambda m: float(m.employment.sum()) - m.initial_employment if m.step else 0.0,
        ),
    ),
    # ----------------------------------------------------------------- concentration
    _d(
        "hhi",
        "HHI",
        "HHI",
        "",
        kind="index",
        model=(
            "Herfindahl index of regional firm shares, sum of squared shares",
            lambda m: hhi(m.shares) if m.total else NAN,
        ),
    ),
    _d(
        "hhi_norm",
        "Normalised HHI",
        "정규화 HHI",
        "",
        kind="index",
        model=(
            "(HHI - 1/R) / (1 - 1/R): 0 = even spread over R regions, 1 = all in one",
            lambda m: hhi_normalised(m.out("hhi"), len(m.regions)) if m.total else NAN,
        ),
    ),
    _d(
        "capital_share",
        "Capital-region share",
        "수도권 비중",
        "share",
        kind="share",
        model=(
            "Share of firms in the capital region",
            lambda m: float(m.shares[m.capital]) if m.capital >= 0 else NAN,
        ),
    ),
    _d(
        "locked_in",
        "Locked in",
        "고착",
        "",
        kind="flag",
        model=(
            "Every outside entrant of the last lock_window months chose one region",
            lambda m: m.lock_in[0],
        ),
    ),
    _d(
        "lockin_region",
        "Lock-in region",
        "고착 지역",
        "",
        kind="index",
        fmt="d",
        model=("Index of the region entrants lock into (-1 none)", lambda m: m.lock_in[1]),
    ),
    _d(
        "lockin_since",
        "Lock-in since",
        "고착 시작",
        "month",
        kind="step",
        model=(
            "Step (as in the step column) the current lock-in streak began (-1 none)",
            lambda m: m.lock_in[2],
        ),
    ),
    # ----------------------------------------------------------------- network
    _d(
        "edges",
        "Collaboration ties",
        "협력 연결",
        "ties",
        kind="count",
        model=(
            "Ties in the collaboration graph (model units: between agents)",
            lambda m: m.network.n_edges,
        ),
    ),
    _d(
        "intra_edges",
        "Ties within regions",
        "지역 내 연결",
        "ties",
        kind="count",
        model=("Ties whose ends are in one region (model units)", lambda m: m.ties[0]),
    ),
    _d(
        "inter_edges",
        "Ties across regions",
        "지역 간 연결",
        "ties",
        kind="count",
        model=("Ties between regions (model units)", lambda m: m.ties[1]),
    ),
    _d(
        "inter_edge_share",
        "Inter-region tie share",
        "지역 간 연결 비중",
        "share",
        kind="share",
        model=(
            "Share of ties that cross regions",
            lambda m: ratio(m.ties[1], m.network.n_edges),
        ),
    ),
    _d(
        "ei_index",
        "E-I index",
        "E-I 지수",
        "",
        kind="index",
        model=(
            "Krackhardt's (external - internal) / all ties, -1 to 1",
            lambda m: ei_index(*m.ties),
        ),
    ),
    _d(
        "clustering",
        "Clustering",
        "군집 계수",
        "",
        kind="index",
        model=(
            "Mean local clustering coefficient (degree < 2 counts 0); every "
            "network.metrics_every months, carried between",
            lambda m: m.periodic("clustering"),
        ),
    ),
    _d(
        "modularity",
        "Modularity (regions)",
        "모듈성(지역)",
        "",
        kind="index",
        model=(
            "Newman's Q of the partition of agents by region",
            lambda m: region_modularity(
                m.network.u, m.network.v, m.nodes.region, len(m.regions), pairs=m.tie_pairs
            ),
        ),
    ),
    _d(
        "giant_share",
        "Giant component",
        "최대 연결 요소",
        "share",
        kind="share",
        model=(
            "Share of agents in the largest connected component; every "
            "network.metrics_every months, carried between",
            lambda m: m.periodic("giant_share"),
        ),
    ),
    _d(
        "uig_triangles",
        "U-I-G triangles",
        "산학관 삼각형",
        "triangles",
        kind="count",
        model=(
            "Triangles of one university, one firm and one government (model units); every "
            "network.metrics_every months, carried between",
            lambda m: int(m.periodic("uig_triangles")),
        ),
    ),
    # ----------------------------------------------------------------- compute
    _d(
        "gpu_capacity",
        "Public GPU capacity",
        "공공 GPU 용량",
        "GPUs",
        scaled=True,
        kind="gpus",
        model=(
            "GPUs of public centers this month (real)",
            lambda m: sum(c.capacity for c in m.public_centers),
        ),
        region=On(
            "GPUs of centers sited in the region, public and private (real)",
            lambda m: m.site_capacity,
            "GPU capacity on site",
            "지역 GPU 용량",
        ),
    ),
    _d(
        "gpu_demand",
        "Public GPU applications",
        "공공 GPU 신청",
        "GPUs",
        scaled=True,
        kind="gpus",
        model=(
            "GPUs applied for at public centers, each user counted once (real)",
            lambda m: sum(c.demand for c in m.public_centers),
        ),
    ),
    _d(
        "gpu_used",
        "Public GPUs allocated",
        "공공 GPU 배정",
        "GPUs",
        scaled=True,
        kind="gpus",
        model=(
            "GPUs public centers allocated (real)",
            lambda m: sum(c.granted for c in m.public_centers),
        ),
    ),
    _d(
        "gpu_utilisation",
        "Public GPU utilisation",
        "공공 GPU 가동률",
        "share",
        kind="share",
        fmt=".0%",
        model=(
            "Allocated / capacity of public centers",
            lambda m: ratio(m.out("gpu_used"), m.out("gpu_capacity")),
        ),
        region=On(
            "Allocated / capacity of centers sited in the region",
            lambda m: ratio(m.site_granted, m.site_capacity),
            "GPU utilisation on site",
            "지역 GPU 가동률",
        ),
    ),
    _d(
        "oversubscription",
        "Oversubscription",
        "경쟁률",
        "ratio",
        kind="index",
        fmt=".2f",
        model=(
            "GPUs applied for / GPUs allocated at public centers (each user counted once)",
            lambda m: ratio(m.out("gpu_demand"), m.out("gpu_used")),
        ),
    ),
    _d(
        "compute_need",
        "Compute need",
        "컴퓨팅 수요",
        "GPUs",
        scaled=True,
        kind="gpus",
        model=(
            "GPUs firms and universities would use at the public price (real)",
            lambda m: float(m.tally.compute_need.sum()),
        ),
        region=(
            "GPUs the region's users would use at the public price (real)",
            lambda m: m.tally.compute_need,
        ),
    ),
    _d(
        "compute_met",
        "Compute need met",
        "컴퓨팅 충족률",
        "share",
        kind="share",
        fmt=".0%",
        model=(
            "Effective GPUs obtained / need, all users",
            lambda m: ratio(
                float(m.tally.compute_effective.sum()), float(m.tally.compute_need.sum())
            ),
        ),
        region=(
            "Effective GPUs obtained / need of the region's users",
            lambda m: ratio(m.tally.compute_effective, m.tally.compute_need),
        ),
    ),
    _d(
        "compute_used",
        "GPUs used",
        "사용 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        region=(
            "GPUs the region's users obtained, public and commercial (real)",
            lambda m: m.tally.public_gpus + m.tally.private_gpus + m.tally.cloud_gpus,
        ),
    ),
    _d(
        "compute_effective",
        "Effective GPUs",
        "유효 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        region=(
            "GPUs obtained weighted by the access kept at the distance (real)",
            lambda m: m.tally.compute_effective,
        ),
    ),
    _d(
        "gpus_public",
        "GPUs from public centers",
        "공공 센터 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        model=(
            "GPUs users obtained from public centers (real)",
            lambda m: float(m.tally.public_gpus.sum()),
        ),
        region=(
            "GPUs the region's users obtained from public centers (real)",
            lambda m: m.tally.public_gpus,
        ),
    ),
    _d(
        "gpus_private",
        "GPUs from private centers",
        "민간 센터 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        model=(
            "GPUs users bought from private centers in their region (real)",
            lambda m: float(m.tally.private_gpus.sum()),
        ),
        region=(
            "GPUs the region's users bought from private centers (real)",
            lambda m: m.tally.private_gpus,
        ),
    ),
    _d(
        "gpus_cloud",
        "GPUs from the cloud",
        "클라우드 GPU",
        "GPUs",
        scaled=True,
        kind="gpus",
        model=(
            "GPUs users bought from the commercial cloud (real)",
            lambda m: float(m.tally.cloud_gpus.sum()),
        ),
        region=(
            "GPUs the region's users bought from the cloud (real)",
            lambda m: m.tally.cloud_gpus,
        ),
    ),
    _d(
        "compute_saving",
        "Compute money saved",
        "컴퓨팅 비용 절감",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "Market value of public GPUs minus what users paid for them (real)",
            lambda m: float(m.tally.compute_saving.sum()),
        ),
        region=(
            "Market value of public GPUs the region's users got minus what they paid (real)",
            lambda m: m.tally.compute_saving,
        ),
    ),
    # ----------------------------------------------------------------- money
    _d(
        "public_spending",
        "Public spending",
        "공공 지출",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "Grants, subsidies, vouchers and center money paid this month (real)",
            lambda m: float(m.tally.public.sum()),
        ),
        region=(
            "Public money paid to recipients in the region this month (real)",
            lambda m: m.tally.public,
        ),
    ),
    _d(
        "compute_spending",
        "Compute spending",
        "컴퓨팅 지출",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "Won firms and universities paid for GPUs this month, public, private and cloud, "
            "vouchers deducted (real)",
            lambda m: float(m.tally.compute_spend.sum()),
        ),
        region=(
            "Won the region's firms and universities paid for GPUs this month (real)",
            lambda m: m.tally.compute_spend,
        ),
    ),
    _d(
        "market_price",
        "Commercial GPU price",
        "상용 GPU 가격",
        "KRW/GPU-month",
        kind="money",
        model=(
            "Commercial price per GPU-month: it rises and falls with the share of need public "
            "GPUs leave short (params.compute.price_flexibility)",
            lambda m: float(m.market.price),
        ),
    ),
    _d(
        "npu_revenue",
        "Domestic NPU makers' revenue",
        "국산 NPU 기업 매출",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "Won centers paid domestic NPU makers for the NPU capacity added this month (real)",
            lambda m: float(m.tally.npu_revenue.sum()),
        ),
        region=(
            "Won centers paid the domestic NPU makers of the region this month (real)",
            lambda m: m.tally.npu_revenue,
        ),
    ),
    _d(
        "npu_jobs",
        "Domestic NPU jobs",
        "국산 NPU 일자리",
        "persons",
        scaled=True,
        model=(
            "Jobs this month's NPU purchases support at makers: 12 x npu_revenue / "
            "params.compute.npu_revenue_per_job_krw (real)",
            lambda m: (
                12.0
                * float(m.tally.npu_revenue.sum())
                / m.model.config.params.compute.npu_revenue_per_job_krw
            ),
        ),
        region=(
            "Jobs the region's NPU makers' revenue this month supports (real)",
            lambda m: (
                12.0 * m.tally.npu_revenue / m.model.config.params.compute.npu_revenue_per_job_krw
            ),
        ),
    ),
    _d(
        "voucher_spending",
        "GPU voucher spending",
        "GPU 바우처 지출",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "Commercial compute bills GPU vouchers paid this month, part of public spending (real)",
            lambda m: float(m.tally.vouchers.sum()),
        ),
        region=(
            "Bills of the region's users GPU vouchers paid this month (real)",
            lambda m: m.tally.vouchers,
        ),
    ),
    _d(
        "fund_investment",
        "Fund investment",
        "펀드 투자액",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "Equity venture funds invested this month, whole tickets (real; an asset bought, "
            "not public spending)",
            lambda m: float(m.tally.fund_invested.sum()),
        ),
        region=(
            "Equity venture funds invested in the region's firms this month (real; a mover's "
            "in its new region)",
            lambda m: m.tally.fund_invested,
        ),
    ),
    _d(
        "fund_public_investment",
        "Fund investment, public part",
        "펀드 투자액 중 공공 몫",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "The public share (city and fund of funds) of what funds invested this month (real)",
            lambda m: float(m.tally.fund_public.sum()),
        ),
        region=(
            "The public share of what funds invested in the region's firms this month (real)",
            lambda m: m.tally.fund_public,
        ),
    ),
    _d(
        "fund_firms",
        "Firms invested in",
        "펀드 투자 기업",
        "firms/month",
        scaled=True,
        kind="count",
        model=(
            "Firms a venture fund invested in this month, one per ticket (real)",
            lambda m: float(m.tally.fund_firms.sum()),
        ),
        region=(
            "The region's firms a venture fund invested in this month (real)",
            lambda m: m.tally.fund_firms,
        ),
    ),
    _d(
        "fund_movers",
        "Firms that moved for a fund",
        "펀드로 이전한 기업",
        "firms/month",
        scaled=True,
        kind="count",
        model=(
            "Firms that moved to a fund's region on its relocation condition this month (real)",
            lambda m: int(m.tally.fund_movers.sum()),
        ),
        region=(
            "Firms that moved here on a fund's relocation condition this month (real)",
            lambda m: m.tally.fund_movers,
        ),
    ),
    _d(
        "public_promised",
        "Public money promised",
        "공공 약정액",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "Public money committed this month; equals what is paid (real)",
            lambda m: float(m.tally.promised),
        ),
    ),
    _d(
        "tax_expenditure",
        "Tax expenditure",
        "조세지출",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "Corporate tax forgone in special zones this month (real)",
            lambda m: float(m.tally.tax_expenditure.sum()),
        ),
        region=(
            "Corporate tax forgone in the region this month (real)",
            lambda m: m.tally.tax_expenditure,
        ),
    ),
    _d(
        "private_investment",
        "Private investment",
        "민간 투자",
        "KRW/month",
        scaled=True,
        kind="money",
        model=(
            "Investment of new sites and private center builds this month (real)",
            lambda m: m.tally.private_investment,
        ),
    ),
    _d(
        "public_spending_cum",
        "Public spending (cumulative)",
        "누적 공공 지출",
        "KRW",
        scaled=True,
        kind="money",
        model=("Public money paid since the start (real)", lambda m: m.cum["public"]),
    ),
    _d(
        "tax_expenditure_cum",
        "Tax expenditure (cumulative)",
        "누적 조세지출",
        "KRW",
        scaled=True,
        kind="money",
        model=("Tax forgone since the start (real)", lambda m: m.cum["tax"]),
    ),
    _d(
        "private_investment_cum",
        "Private investment (cumulative)",
        "누적 민간 투자",
        "KRW",
        scaled=True,
        kind="money",
        model=("Private investment since the start (real)", lambda m: m.cum["private"]),
    ),
    _d(
        "crowding_in",
        "Crowding-in",
        "민간투자 유발",
        "ratio",
        kind="index",
        fmt=".1f",
        model=(
            "Private investment of subsidised sites / subsidies paid to them, cumulative",
            lambda m: ratio(m.cum["subsidised"], m.cum["subsidies"]),
        ),
    ),
    _d(
        "cost_per_job",
        "Public cost per net job",
        "순고용당 공공비용",
        "KRW/person",
        kind="money",
        model=(
            "(Public spending + tax expenditure) / net jobs, cumulative",
            lambda m: _per_job(m.cum["public"] + m.cum["tax"], m.out("net_jobs")),
        ),
    ),
    _d(
        "cost_per_innovation",
        "Public cost per innovation",
        "혁신당 공공비용",
        "KRW/innovation",
        kind="money",
        model=(
            "(Public spending + tax expenditure) / innovations, cumulative",
            lambda m: ratio(m.cum["public"] + m.cum["tax"], m.cum["innovations"]),
        ),
    ),
    # ----------------------------------------------------------------- talent and attraction
    _d(
        "talent_pool",
        "Talent pool",
        "인재 풀",
        "persons",
        scaled=True,
        kind="count",
        region=(
            "AI/ICT workers available for hire in the region (real)",
            lambda m: m.talent,
        ),
    ),
    _d(
        "tightness",
        "Labour tightness",
        "인력 수급 긴장도",
        "share",
        kind="share",
        region=(
            "Hiring demand / (demand + pool) at the month's end: the location choice's "
            "congestion term",
            lambda m: m.model.tightness(),
        ),
    ),
    _d(
        "unfilled",
        "Unfilled hiring",
        "미충원 인력",
        "persons",
        scaled=True,
        kind="count",
        model=(
            "Staff firms wanted this month and their region's pool could not supply (real)",
            lambda m: float(m.tally.unfilled.sum()),
        ),
        region=(
            "Staff the region's firms wanted this month and its pool could not supply (real)",
            lambda m: m.tally.unfilled,
        ),
    ),
    _d(
        "shortage_rate",
        "Staff shortage rate",
        "인력 부족률",
        "share",
        kind="share",
        model=(
            "Unfilled hiring / (employment + unfilled hiring): the industry surveys' shortage "
            "rate (부족인원 / (현원 + 부족인원))",
            lambda m: ratio(
                float(m.tally.unfilled.sum()),
                float(m.employment.sum()) + float(m.tally.unfilled.sum()),
            ),
        ),
    ),
    _d(
        "short_share",
        "Firms short of staff",
        "인력 부족 기업 비중",
        "share",
        kind="share",
        model=(
            "Share of firms in regions whose pool could not supply this month's hiring",
            lambda m: ratio(float(np.sum(m.count * (m.tally.unfilled > 0))), float(m.total)),
        ),
    ),
    _d(
        "graduate_retention",
        "Graduate retention",
        "졸업생 지역 잔류율",
        "share",
        kind="share",
        fmt=".0%",
        region=(
            "Share of the month's AI graduates who stay in the region",
            lambda m: finite(m.retention),
        ),
    ),
    _d(
        "pledges",
        "Pledges signed",
        "투자협약 체결",
        "firms/month",
        scaled=True,
        kind="count",
        model=(
            "Pledges (MOUs) recruitment programmes signed with firms of other regions this "
            "month (real)",
            lambda m: int(m.tally.pledges.sum()),
        ),
        region=(
            "Pledges (MOUs) the region's recruitment programmes signed with outside firms "
            "this month (real)",
            lambda m: m.tally.pledges,
        ),
    ),
    _d(
        "setups",
        "Recruited set-ups",
        "유치 기업 입주",
        "firms/month",
        scaled=True,
        kind="count",
        model=(
            "Pledges realised this month as head-office moves or new branches (real)",
            lambda m: int(m.tally.setups.sum()),
        ),
        region=(
            "Recruited firms that set up in the region this month: pledges realised as "
            "head-office moves or new branches, part of inbound (real)",
            lambda m: m.tally.setups,
        ),
    ),
    _d(
        "inbound",
        "Inbound firms",
        "외부 기업 유치",
        "firms/month",
        scaled=True,
        kind="count",
        region=(
            "Firms from other regions that set up here this month: relocations in plus "
            "branches opened (real)",
            lambda m: m.inbound,
        ),
    ),
    # ----------------------------------------------------------------- survival and districts
    _d(
        "survival_1y",
        "1-year survival",
        "1년 생존율",
        "share",
        kind="share",
        model=(
            "Share of the firms born 12-23 months ago that are alive (Statistics Korea's "
            "1-year survival rate in December); empty until two years are simulated",
            lambda m: ratio(float(m.cohort[1].sum()), float(m.cohort[0].sum())),
        ),
        region=(
            "Share of the region's firms born 12-23 months ago that are alive (by the "
            "region they are in now); empty until two years are simulated",
            lambda m: ratio(m.cohort[1], m.cohort[0]),
        ),
    ),
    _d(
        "open",
        "Open",
        "입주 가능",
        "",
        kind="flag",
        district=(
            "Designated by this month and with space left",
            lambda m: m.district_open,
        ),
    ),
)


def _per_job(cost: float, jobs: float) -> float:
    return cost / jobs if jobs > 0 else NAN


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
_NAMES = frozenset(d.name for d in DECLARATIONS)


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


def find(name: str, scope: str = MODEL) -> Output | None:
    """:func:`get`, or None where nothing of that name is declared at the scope."""
    try:
        return get(name, scope)
    except KeyError:
        return None


def names(scope: str) -> list[str]:
    """Column names of one scope, in declaration order."""
    return [o.name for o in outputs(scope)]


def metrics(scope: str) -> tuple[Output, ...]:
    """The numeric outputs of a scope (no keys, dates or ids): what sweeps and charts use."""
    return tuple(o for o in outputs(scope) if o.kind not in ("step", "date", "id"))


def kept(read: Iterable[str] | None) -> frozenset[str] | None:
    """The outputs a run computes for readers of the names ``read`` (at whatever scope
    they are recorded; the keys always): None, meaning all of them, when ``read`` is None
    or names something undeclared (a reader asking for an unknown name is told what the
    model reports, so the run reports everything)."""
    if read is None:
        return None
    wanted = frozenset(read)
    if not wanted <= _NAMES:
        return None
    return wanted | frozenset(KEYS)
