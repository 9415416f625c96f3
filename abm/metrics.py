"""Recording the model's outputs each month: the recording context, the recorder, and the
network analytics behind the outputs that need more than a line.

The outputs themselves, with their formulas, are declared in :mod:`abm.outputs`; their
definitions follow the published ones (docs/ODD.md, section 7):
HHI = sum of squared regional firm shares, normalised HHI* = (HHI - 1/R)/(1 - 1/R);
E-I index = (external - internal ties) / all ties (Krackhardt); modularity Q of the
region partition; average clustering (nodes of degree < 2 count as 0, as in
networkx); giant-component share; university-industry-government triangles;
crowding-in = private / public investment; public cost per net job and per innovation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from abm import outputs
from abm.network import KEY_SHIFT
from abm.nodes import BRANCH, FIRM, GOVERNMENT, INITIAL, UNIVERSITY
from abm.outputs import ei_index, hhi, hhi_normalised, region_modularity, region_pairs

__all__ = [
    "CohortWindow",
    "Month",
    "Recorder",
    "average_clustering",
    "clustering_and_giant",
    "csr_from_edges",
    "ei_index",
    "giant_share",
    "hhi",
    "hhi_normalised",
    "local_triangles",
    "region_modularity",
    "uig_triangles",
]

_KEY = np.int64(1) << KEY_SHIFT

if TYPE_CHECKING:
    import datetime as dt

    from abm.compute import ComputeMarket
    from abm.model import RegionalModel, Tally
    from abm.network import CollaborationNetwork
    from abm.nodes import NodeTable


def clustering_and_giant(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    rows: np.ndarray,
    csr: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, float]:
    """Mean local clustering over ``rows`` (degree < 2 counts as 0, as in
    networkx.average_clustering) and the giant component's share of ``rows``.

    ``u``, ``v`` are the ties among ``n`` rows (simple: no duplicates, no self-ties);
    pass the network's neighbour lists as ``csr`` when they exist, to skip building them.
    """
    if len(rows) == 0:
        return float("nan"), float("nan")
    if len(u) == 0:
        return 0.0, 1.0 / len(rows)
    indptr, indices = csr if csr is not None else csr_from_edges(n, u, v)
    return average_clustering(indptr, indices, rows), giant_share(u, v, n, rows)


def csr_from_edges(n: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending neighbour lists (indptr, indices) of the undirected ties u-v among n rows."""
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    keys = np.sort(np.concatenate([u * _KEY + v, v * _KEY + u]))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys >> KEY_SHIFT, minlength=n), out=indptr[1:])
    return indptr, keys & (_KEY - 1)


def local_triangles(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Triangles through every row of a simple graph given as ascending neighbour lists.

    Each tie is oriented from the lower to the higher (degree, row) end; every
    triangle is then found exactly once, as a pair of out-neighbours of its lowest
    vertex that are tied themselves (Schank & Wagner 2005, "forward"). Out-degrees
    stay below sqrt(2m), so hubs of thousands of ties cost no more than their ties,
    where a wedge count would grow with the square of their degree.
    """
    n = len(indptr) - 1
    deg = np.diff(indptr)
    rank = deg * n + np.arange(n)  # distinct, ordered by degree then row
    row = np.repeat(np.arange(n), deg)
    up = rank[row] < rank[indices]
    src, dst = row[up], indices[up]  # grouped by src, dst ascending: sorted keys
    keys = src * _KEY + dst
    out = np.bincount(src, minlength=n)
    # every pair (i < j) of positions within one src's out-list
    before = np.cumsum(out) - out
    later = out[src] - 1 - (np.arange(len(src)) - before[src])
    first = np.repeat(np.arange(len(src)), later)
    second = first + 1 + np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
    x, y = dst[first], dst[second]
    low = np.where(rank[x] < rank[y], x, y)
    query = low * _KEY + (x + y - low)
    pos = np.searchsorted(keys, query)
    np.minimum(pos, max(len(keys) - 1, 0), out=pos)
    closed = keys[pos] == query if len(keys) else np.zeros(0, dtype=bool)
    return (
        np.bincount(src[first[closed]], minlength=n)
        + np.bincount(x[closed], minlength=n)
        + np.bincount(y[closed], minlength=n)
    )


def average_clustering(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray) -> float:
    """Mean local clustering over ``rows``, degree < 2 counting as 0.

    Bit for bit igraph's ``transitivity_avglocal_undirected(mode="zero")`` on the
    graph of ``rows``: the same per-vertex quotient t / d / (d - 1) * 2 and the same
    left-to-right sum, so outputs did not move when igraph (0.5 s to import, and
    Python lists of every edge to build its graph) left the step loop.
    """
    if len(rows) == 0:
        return float("nan")
    t = local_triangles(indptr, indices)[rows]
    # only rows on a triangle (so of degree >= 2) add anything: the sum runs over them
    # alone, in the order of ``rows``, and skipping the others' +0.0 changes no bit of it
    # (a tenth of the rows at a million firms; the masks over every row cost 13 % of it)
    some = np.flatnonzero(t)
    t = t[some].astype(np.float64)
    d = np.diff(indptr)[rows[some]].astype(np.float64)
    local = t / d / (d - 1.0) * 2.0
    return float((np.cumsum(local)[-1] if len(local) else 0.0) / len(rows))


def giant_share(u: np.ndarray, v: np.ndarray, n: int, rows: np.ndarray) -> float:
    """Share of ``rows`` in the largest connected component of the ties u-v among n rows.

    Min-label hooking with full path compression (Shiloach & Vishkin 1982), in numpy:
    each round hooks every tree onto the smallest root it touches and flattens the
    trees; ties inside one tree leave the work list. A handful of rounds over the
    edge list, twice as fast as scipy's csgraph at 300,000 firms.
    """
    if len(rows) == 0:
        return float("nan")
    # only rows with ties take part (the others are components of one): the trees
    # are kept over their compact positions, not over every row ever created, as int32
    # (rows stay below 2**31): the random gathers of the rounds then touch half the
    # memory (0.76 and 0.77 of the int64 version's CPU at 170,000 and 1.7 million rows)
    touched = np.zeros(n, dtype=bool)
    touched[u] = True
    touched[v] = True
    pos = np.cumsum(touched, dtype=np.int32)
    pos -= 1
    parent = np.arange(int(pos[-1]) + 1 if n else 0, dtype=np.int32)
    a, b = pos[np.asarray(u)], pos[np.asarray(v)]
    # roots: before the first round every tree is a root of its own, and every tie joins
    # two of them (no self-ties), so the first round hooks them all without a filter
    pa, pb = a, b
    while len(a):
        np.minimum.at(parent, np.maximum(pa, pb), np.minimum(pa, pb))
        while True:  # parent[x] <= x, so this ends at the roots
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
        pa, pb = parent[a], parent[b]  # roots: the trees are flat
        crossing = pa != pb
        a, b, pa, pb = a[crossing], b[crossing], pa[crossing], pb[crossing]
    tied = touched[rows]
    largest = int(np.bincount(parent[pos[rows[tied]]]).max()) if tied.any() else 0
    if not tied.all():
        largest = max(largest, 1)
    return float(largest / len(rows))


def uig_triangles(model: RegionalModel) -> int:
    """Triangles with one university, one firm and one government."""
    net, kind = model.network, model.nodes.kind
    if net.n_edges == 0:
        return 0
    indptr, indices = net.csr()
    a, b = net.u, net.v
    ka, kb = kind[a], kind[b]
    pairs = ((ka == UNIVERSITY) & (kb == GOVERNMENT)) | ((ka == GOVERNMENT) & (kb == UNIVERSITY))
    count = 0
    for x, y in zip(a[pairs].tolist(), b[pairs].tolist(), strict=True):
        nx_ = indices[indptr[x] : indptr[x + 1]]
        ny_ = indices[indptr[y] : indptr[y + 1]]
        common = np.intersect1d(nx_, ny_, assume_unique=True)
        count += int(np.sum(kind[common] == FIRM))
    return count


class CohortWindow:
    """The sum of monthly entry arrays over the months ``month - 23 .. month - 12``: the
    cohort whose 1-year survival Statistics Korea reports.

    Kept as a running sum (the month entering the window is added, the one leaving it
    subtracted) instead of summing twelve arrays every month. Entries are integer counts,
    so the running sum equals the direct sum exactly.
    """

    OLDEST, NEWEST = 23, 12  # months back: the window is [month - 23, month - 12]

    def __init__(self, n: int):
        self._pending: deque[tuple[int, np.ndarray]] = deque()  # recorded, not yet in it
        self._inside: deque[tuple[int, np.ndarray]] = deque()  # in the window, oldest first
        self._sum = np.zeros(n, dtype=np.int64)

    def push(self, month: int, entries: np.ndarray) -> None:
        """Record one month's entries by region; months come in increasing order."""
        last = self._pending[-1][0] if self._pending else None
        if last is None and self._inside:
            last = self._inside[-1][0]
        if last is not None and month <= last:
            raise ValueError(f"month {month} recorded after month {last}")
        self._pending.append((month, np.asarray(entries, dtype=np.int64).copy()))

    def born(self, month: int) -> np.ndarray | None:
        """Entries of the window of ``month`` by region, or None where a month of it was
        not recorded (the cohort began before the run). Asked in non-decreasing months."""
        lo, hi = month - self.OLDEST, month - self.NEWEST
        while self._pending and self._pending[0][0] <= hi:
            entering = self._pending.popleft()
            self._inside.append(entering)
            self._sum += entering[1]
        while self._inside and self._inside[0][0] < lo:
            self._sum -= self._inside.popleft()[1]
        full = len(self._inside) == hi - lo + 1 and self._inside[0][0] == lo
        return self._sum.copy() if lo >= 0 and full else None


def _clustering(m: Month) -> float:
    """Mean local clustering over the live nodes (:func:`clustering_and_giant`'s first)."""
    rows, net = m.alive_rows, m.network
    if len(rows) == 0:
        return float("nan")
    if net.n_edges == 0:
        return 0.0
    indptr, indices = net.csr()
    return average_clustering(indptr, indices, rows)


def _giant(m: Month) -> float:
    """The giant component's share of the live nodes (:func:`clustering_and_giant`'s second)."""
    rows, net = m.alive_rows, m.network
    if len(rows) == 0:
        return float("nan")
    if net.n_edges == 0:
        return 1.0 / len(rows)
    return giant_share(net.u, net.v, m.nodes.n, rows)


#: The network analytics worked out every ``network.metrics_every`` months (and in the
#: first and last), their last values carried in between: ``Month.periodic``.
PERIODIC: dict[str, Callable[[Month], float]] = {
    "clustering": _clustering,
    "giant_share": _giant,
    "uig_triangles": lambda m: uig_triangles(m.model),
}


class Month:
    """The recording context: what the formulas of :mod:`abm.outputs` read for one month.

    Given as they are: ``model`` and its ``nodes`` (the node table's arrays), ``network``
    and ``market``; ``tally``, the month's flows by region and district; ``scale`` (firm
    agents per real firm); ``step`` (Mesa's steps, the ``step`` column), ``month`` (the
    model's clock) and ``date``; ``regions`` (ids, the order of every region array) and
    ``capital`` (its index, -1 none); the regions' ``talent`` pools and graduate
    ``retention``; ``cum``, the recorder's running totals through this month, and
    ``initial_employment``. Worked out on first use and kept for the month, because
    several formulas share them: the live ``firms`` and their ``firm_region``; ``count``,
    ``employment`` and ``shares`` by region and their ``total``; the ties' ``tie_ends``,
    ``tie_pairs`` (by the regions of their ends) and ``ties`` (within, across regions);
    ``public_centers``, ``site_capacity`` and ``site_granted``; the 1-year ``cohort``;
    ``inbound``; ``lock_in``; the districts' ``districts``, ``district_regions``,
    ``district_count``, ``district_employment`` and ``district_open``. :meth:`out` reads
    another model-scope output, :meth:`periodic` a network analytic on its schedule. What
    no kept output reads is never computed.
    """

    model: RegionalModel
    nodes: NodeTable
    network: CollaborationNetwork
    market: ComputeMarket
    tally: Tally
    scale: float
    step: int
    month: int
    date: dt.date
    regions: list[str]
    capital: int
    cum: dict[str, float]
    initial_employment: float
    talent: np.ndarray
    retention: np.ndarray

    def __init__(self, model: RegionalModel, recorder: Recorder):
        self.model = model
        self.nodes = model.nodes
        self.network = model.network
        self.market = model.market
        self.tally = model.tally
        self.scale = model.scale
        self.step = model.steps
        self.month = model.month
        self.date = model.date
        self.regions = model.region_ids
        self.capital = model.capital
        self.talent = model.talent  # AI/ICT workers available for hire, by region
        self.retention = model.retention  # share of the month's graduates who stay
        self.cum = recorder.cum
        self.initial_employment = recorder.initial_employment
        self._recorder = recorder
        self._values: dict[str, Any] = {}

    def out(self, name: str) -> Any:
        """The model-scope output ``name`` this month, in model units (computed once)."""
        values = self._values
        if name not in values:
            values[name] = _MODEL_FORMULAS[name](self)
        return values[name]

    def periodic(self, name: str) -> float:
        """A network analytic of :data:`PERIODIC`: worked out in the months the recorder
        is told to (``compute_network``), or when it has no value yet; else the last."""
        carried = self._recorder.analytics
        if name not in carried:
            carried[name] = PERIODIC[name](self)
        return carried[name]

    # ------------------------------------------------------------------ firms
    @cached_property
    def firms(self) -> np.ndarray:
        return self.model.firm_rows()

    @cached_property
    def firm_region(self) -> np.ndarray:
        """The live firms' regions, as indices (counting int16 codes casts them each time)."""
        return self.nodes.region[self.firms].astype(np.intp)

    @cached_property
    def count(self) -> np.ndarray:
        return np.bincount(self.firm_region, minlength=len(self.regions))

    @cached_property
    def employment(self) -> np.ndarray:
        return np.bincount(
            self.firm_region, weights=self.nodes.size[self.firms], minlength=len(self.regions)
        )

    @cached_property
    def total(self) -> int:
        return int(self.count.sum())

    @cached_property
    def shares(self) -> np.ndarray:
        return self.count / self.total if self.total else np.zeros(len(self.regions))

    @cached_property
    def inbound(self) -> np.ndarray:
        """Relocations in plus branches opened this month, by region (model units)."""
        nodes, firms = self.nodes, self.firms
        branch = (nodes.origin[firms] == BRANCH) & (nodes.born[firms] == self.month)
        opened = np.bincount(self.firm_region[branch], minlength=len(self.regions))
        return self.tally.relocations.sum(axis=0) + opened

    @cached_property
    def cohort(self) -> tuple[np.ndarray, np.ndarray]:
        """Firms born 12-23 months ago by region: (entered then, alive now)."""
        return self._recorder._cohort(self.model, self.firms, self.firm_region, len(self.regions))

    @cached_property
    def lock_in(self) -> tuple[bool, int, int]:
        """(locked in, the region, the step its streak began; -1 none)."""
        r = self._recorder
        window = self.model.config.params.metrics.lock_window
        locked = r.streak_region >= 0 and (self.month - r.streak_since + 1) >= window
        if not locked:
            return False, -1, -1
        return True, int(r.streak_region), int(r.streak_since) + 1  # month -> step

    # ------------------------------------------------------------------ network
    @cached_property
    def alive_rows(self) -> np.ndarray:
        return np.flatnonzero(self.nodes.view("alive"))

    @cached_property
    def tie_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """The regions of both ends of every tie."""
        return self.nodes.region[self.network.u], self.nodes.region[self.network.v]

    @cached_property
    def tie_pairs(self) -> np.ndarray:
        """Ties by the regions of their two ends (:func:`abm.outputs.region_pairs`)."""
        return region_pairs(*self.tie_ends, len(self.regions))

    @cached_property
    def ties(self) -> tuple[int, int]:
        """Ties within one region, ties across regions (model units)."""
        within = int(np.trace(self.tie_pairs))
        return within, self.network.n_edges - within

    # ------------------------------------------------------------------ compute
    @cached_property
    def public_centers(self) -> list:
        return [c for c in self.market.centers if c.public]

    @cached_property
    def site_capacity(self) -> np.ndarray:
        """GPUs of the centers sited in each region, public and private (model units)."""
        return self._by_site("capacity")

    @cached_property
    def site_granted(self) -> np.ndarray:
        return self._by_site("granted")

    def _by_site(self, attribute: str) -> np.ndarray:
        out = np.zeros(len(self.regions))
        for c in self.market.centers:
            out[c.site] += getattr(c, attribute)
        return out

    # ------------------------------------------------------------------ districts
    @cached_property
    def districts(self) -> list[str]:
        return self.model.district_ids

    @cached_property
    def district_regions(self) -> list[str]:
        ids = self.regions
        return [ids[r] for r in self.model.district_region.tolist()]

    @cached_property
    def _in_district(self) -> tuple[np.ndarray, np.ndarray]:
        d = self.nodes.district[self.firms]
        inside = d >= 0
        return d[inside], self.nodes.size[self.firms][inside]

    @cached_property
    def district_count(self) -> np.ndarray:
        return np.bincount(self._in_district[0], minlength=len(self.districts))

    @cached_property
    def district_employment(self) -> np.ndarray:
        d, size = self._in_district
        return np.bincount(d, weights=size, minlength=len(self.districts))

    @cached_property
    def district_open(self) -> np.ndarray:
        """Designated by this month and with room for one more agent."""
        _, available = self.model.district_options()
        return (available > 0) & (self.model.district_room() >= 1)


_MODEL_FORMULAS: dict[str, Callable[[Month], Any]] = {
    o.name: o.formula for o in outputs.outputs(outputs.MODEL) if o.formula is not None
}


class Recorder:
    """Owns what the model reports: the monthly rows and the cumulative state behind them.

    Each row holds the outputs declared in :mod:`abm.outputs`, each evaluated by its
    formula on the month's :class:`Month` and converted to real units where the
    declaration says ``scaled`` (a count, GPU or won total in model units divided by the
    model's scale), so outputs do not depend on how many agents stand for the real firms.
    ``keep`` (names, at whatever scope) limits the rows to those outputs and the keys
    (:func:`abm.outputs.kept`): what no kept output reads is not computed, and a scope
    with no kept output has no rows. The running state (totals, the cohort window, the
    lock-in streak, innovation history) is kept every month whatever is recorded, so the
    values recorded are the same either way.
    """

    def __init__(self, model: RegionalModel, keep: Iterable[str] | None = None):
        n = len(model.region_ids)
        self.model_rows: list[dict] = []
        self.region_rows: list[dict] = []
        self.district_rows: list[dict] = []
        self.relocations_total = np.zeros((n, n), dtype=np.int64)
        self.innovation_history: list[np.ndarray] = []
        self.cohort = CohortWindow(n)  # entries by region (model units) of the 1-year cohort
        self.cum = {
            "public": 0.0,
            "tax": 0.0,
            "private": 0.0,
            "innovations": 0.0,
            "subsidised": 0.0,
            "subsidies": 0.0,
        }
        self.initial_employment = float(model.nodes.size[model.firm_rows()].sum())
        self.streak_region, self.streak_since = -1, 0  # since: a month (model.month)
        self.analytics: dict[str, float] = {}  # PERIODIC values carried between months
        kept = outputs.kept(keep)
        self.kept = kept
        self._model_cols = self._columns(outputs.MODEL, kept, keys_alone=True)
        self._region_cols = self._columns(outputs.REGION, kept)
        self._district_cols = self._columns(outputs.DISTRICT, kept)

    @staticmethod
    def _columns(scope: str, kept: frozenset[str] | None, keys_alone: bool = False) -> list:
        """The outputs recorded at ``scope``; none where only keys would be (a model row is
        kept even then: it dates the run's months)."""
        cols = [o for o in outputs.outputs(scope) if kept is None or o.name in kept]
        if keys_alone or any(o.name not in outputs.KEYS for o in cols):
            return cols
        return []

    # ------------------------------------------------------------------ state
    def note_entries(self, regions: np.ndarray, month: int) -> None:
        """Track the current streak of outside entrants all choosing one region (lock-in)."""
        for r in regions.tolist():
            if r != self.streak_region:
                self.streak_region, self.streak_since = r, month

    def recent_innovations(self) -> np.ndarray:
        """Innovations per region over the last 12 months (model units)."""
        if not self.innovation_history:
            return np.zeros(len(self.relocations_total))
        return np.sum(self.innovation_history[-12:], axis=0)

    def frames(self):
        """(model rows, region rows) as DataFrames."""
        import pandas as pd

        return _frame(pd, self.model_rows, self._model_cols), _frame(
            pd, self.region_rows, self._region_cols
        )

    def district_frame(self):
        """District rows as a DataFrame (the recorded columns, also when there are none)."""
        import pandas as pd

        return _frame(pd, self.district_rows, self._district_cols)

    # ------------------------------------------------------------------ rows
    def record(self, model: RegionalModel, compute_network: bool) -> None:
        """Append this month's model row, region rows and district rows.

        ``compute_network``: work the network analytics out afresh this month (else the
        last values are carried; see :data:`PERIODIC`)."""
        tally, cum = model.tally, self.cum
        cum["public"] += float(tally.public.sum())
        cum["tax"] += float(tally.tax_expenditure.sum())
        cum["private"] += tally.private_investment
        cum["innovations"] += float(tally.innovations.sum())
        cum["subsidised"] += tally.subsidised_investment
        cum["subsidies"] += tally.subsidies
        if compute_network:
            self.analytics.clear()
        month = Month(model, self)
        scale, values, row = month.scale, month._values, {}
        for o in self._model_cols:  # as Month.out, without a call per output
            name = o.name
            value = values[name] if name in values else o.formula(month)
            values[name] = value
            row[name] = float(value) / scale if o.scaled else value
        self.model_rows.append(row)
        self.region_rows.extend(_rows(month, self._region_cols, len(model.region_ids)))
        if model.district_ids:
            self.district_rows.extend(_rows(month, self._district_cols, len(model.district_ids)))
        self.innovation_history.append(tally.innovations.copy())
        self.cohort.push(model.month, tally.entries)
        self.relocations_total += tally.relocations

    def _cohort(
        self, model: RegionalModel, firms: np.ndarray, region: np.ndarray, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Firms born 12-23 months ago, by region: (entered then, alive now)."""
        born = self.cohort.born(model.month)
        if born is None:
            return np.zeros(n), np.zeros(n)  # the cohort began before the run: unknown
        age = model.month - model.nodes.born[firms]
        entrant = model.nodes.origin[firms] != INITIAL
        alive = np.bincount(region[entrant & (age >= 12) & (age <= 23)], minlength=n)
        return born.astype(float), alive.astype(float)


def _rows(month: Month, cols: list, n: int) -> list[dict]:
    """``n`` rows (regions or districts) of the outputs ``cols``: each formula gives one
    value a row (an array or list; a scalar is the same in every row), converted to real
    units if scaled."""
    if not cols:
        return []
    scale, columns = month.scale, []
    for o in cols:
        value = o.formula(month)
        if isinstance(value, np.ndarray):  # a few values: Python divides them faster
            values = value.tolist()
            columns.append([x / scale for x in values] if o.scaled else values)
        elif isinstance(value, list):
            columns.append(value)
        else:
            columns.append([float(value) / scale if o.scaled else value] * n)
    names = [o.name for o in cols]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _frame(pd: Any, rows: list[dict], cols: list):
    """Rows as a DataFrame; with no rows, the recorded columns and none."""
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=[o.name for o in cols])
