"""What the model reports each month: concentration, demography, network, compute, money.

Definitions follow ``shared/data/korea-facts.md`` part C (see docs/ODD.md):
HHI = sum of squared regional firm shares, normalised HHI* = (HHI - 1/R)/(1 - 1/R);
E-I index = (external - internal ties) / all ties (Krackhardt); modularity Q of the
region partition; average clustering (nodes of degree < 2 count as 0, as in
networkx); giant-component share; university-industry-government triangles;
crowding-in = private / public investment; public cost per net job and per innovation.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from abm import outputs
from abm.network import KEY_SHIFT
from abm.nodes import BRANCH, FIRM, GOVERNMENT, INITIAL, UNIVERSITY

_KEY = np.int64(1) << KEY_SHIFT

if TYPE_CHECKING:
    from abm.model import RegionalModel


def hhi(shares: np.ndarray) -> float:
    return float(np.sum(np.asarray(shares) ** 2))


def hhi_normalised(value: float, n_regions: int) -> float:
    if n_regions < 2:
        return float("nan")
    return (value - 1.0 / n_regions) / (1.0 - 1.0 / n_regions)


def ei_index(internal: int, external: int) -> float:
    total = internal + external
    return (external - internal) / total if total else float("nan")


def region_modularity(
    u: np.ndarray,
    v: np.ndarray,
    region: np.ndarray,
    n_regions: int,
    ends: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """Newman's Q of the partition of nodes by region.

    ``ends``: the regions of u and v, when the caller has them already.
    """
    m = len(u)
    if m == 0:
        return float("nan")
    ru, rv = ends if ends is not None else (region[u], region[v])
    internal = np.bincount(ru[ru == rv], minlength=n_regions)
    degree = np.bincount(ru, minlength=n_regions) + np.bincount(rv, minlength=n_regions)
    return float(np.sum(internal / m - (degree / (2.0 * m)) ** 2))


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
    t = local_triangles(indptr, indices)[rows].astype(np.float64)
    d = np.diff(indptr)[rows].astype(np.float64)
    local = np.zeros(len(rows))
    two = d >= 2
    local[two] = t[two] / d[two] / (d[two] - 1.0) * 2.0
    return float(np.cumsum(local)[-1] / len(rows))


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
    # are kept over their compact positions, not over every row ever created
    touched = np.zeros(n, dtype=bool)
    touched[u] = True
    touched[v] = True
    pos = np.cumsum(touched) - 1
    parent = np.arange(int(pos[-1]) + 1 if n else 0)
    a, b = pos[np.asarray(u)], pos[np.asarray(v)]
    pa, pb = a, b  # roots: before the first round every tree is a root of its own
    while len(a):
        crossing = pa != pb
        a, b, pa, pb = a[crossing], b[crossing], pa[crossing], pb[crossing]
        if len(a) == 0:
            break
        np.minimum.at(parent, np.maximum(pa, pb), np.minimum(pa, pb))
        while True:  # parent[x] <= x, so this ends at the roots
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
        pa, pb = parent[a], parent[b]  # roots: the trees are flat
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


def _num(x: float) -> float:
    return float(x) if x is not None and math.isfinite(x) else float("nan")


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


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


class Recorder:
    """Owns what the model reports: the monthly rows and the cumulative state behind them.

    Each row holds exactly the outputs declared in :mod:`abm.outputs`, converted to
    real units where the declaration says ``scaled`` (a count, GPU or won total in
    model units divided by the model's scale), so outputs do not depend on how many
    agents stand for the real firms.
    """

    def __init__(self, model: RegionalModel):
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
        self.streak_region, self.streak_since = -1, 0
        self._network: dict[str, float] = {}
        self._model_cols = [o for o in outputs.outputs(outputs.MODEL)]
        self._region_cols = [o for o in outputs.outputs(outputs.REGION)]
        self._district_cols = [o for o in outputs.outputs(outputs.DISTRICT)]

    # ------------------------------------------------------------------ state
    def note_entries(self, regions: np.ndarray, step: int) -> None:
        """Track the current streak of outside entrants all choosing one region (lock-in)."""
        for r in regions.tolist():
            if r != self.streak_region:
                self.streak_region, self.streak_since = r, step

    def recent_innovations(self) -> np.ndarray:
        """Innovations per region over the last 12 months (model units)."""
        if not self.innovation_history:
            return np.zeros(len(self.relocations_total))
        return np.sum(self.innovation_history[-12:], axis=0)

    def frames(self):
        """(model rows, region rows) as DataFrames."""
        import pandas as pd

        return pd.DataFrame(self.model_rows), pd.DataFrame(self.region_rows)

    def district_frame(self):
        """District rows as a DataFrame (the declared columns, also when there are none)."""
        import pandas as pd

        return pd.DataFrame(self.district_rows, columns=[o.name for o in self._district_cols])

    # ------------------------------------------------------------------ rows
    def record(self, model: RegionalModel, compute_network: bool) -> None:
        """Append this month's model row and region rows."""
        raw, regions = self._raw(model, compute_network)
        scale = model.scale
        self.model_rows.append(_convert(raw, self._model_cols, scale))
        self.region_rows.extend(_convert(r, self._region_cols, scale) for r in regions)
        self.district_rows.extend(
            _convert(r, self._district_cols, scale) for r in self._districts(model)
        )
        self.innovation_history.append(model.tally.innovations.copy())
        self.cohort.push(model.month, model.tally.entries)
        self.relocations_total += model.tally.relocations

    def _raw(self, model: RegionalModel, compute_network: bool) -> tuple[dict, list[dict]]:
        """The month's values in model units, keyed by output name."""
        nodes, tally, net = model.nodes, model.tally, model.network
        ids = model.region_ids
        n = len(ids)
        firms = model.firm_rows()
        region = nodes.region[firms]
        count = np.bincount(region, minlength=n)
        employment = np.bincount(region, weights=nodes.size[firms], minlength=n)
        total = int(count.sum())
        shares = count / total if total else np.zeros(n)
        h = hhi(shares) if total else float("nan")

        # network
        u, v = net.u, net.v
        ends = nodes.region[u], nodes.region[v]
        same = ends[0] == ends[1]
        intra, inter = int(same.sum()), int((~same).sum())
        if compute_network or not self._network:
            alive_rows = np.flatnonzero(nodes.view("alive"))
            clustering, giant = clustering_and_giant(nodes.n, u, v, alive_rows, csr=net.csr())
            self._network = {
                "clustering": clustering,
                "giant_share": giant,
                "uig_triangles": uig_triangles(model),
            }
        netm = self._network

        # compute
        public = [c for c in model.market.centers if c.public]
        capacity = sum(c.capacity for c in public)
        granted = sum(c.granted for c in public)
        demand = sum(c.demand for c in public)
        site_capacity = np.zeros(n)
        site_granted = np.zeros(n)
        for c in model.market.centers:
            site_capacity[c.site] += c.capacity
            site_granted[c.site] += c.granted
        need = tally.compute_need
        used = tally.public_gpus + tally.private_gpus + tally.cloud_gpus

        born_1y, alive_1y = self._cohort(model, firms, region, n)
        inbound = tally.relocations.sum(axis=0) + np.bincount(
            region[(nodes.origin[firms] == BRANCH) & (nodes.born[firms] == model.month)],
            minlength=n,
        )

        # money and jobs (cumulative)
        cum = self.cum
        cum["public"] += float(tally.public.sum())
        cum["tax"] += float(tally.tax_expenditure.sum())
        cum["private"] += tally.private_investment
        cum["innovations"] += float(tally.innovations.sum())
        cum["subsidised"] += tally.subsidised_investment
        cum["subsidies"] += tally.subsidies
        jobs = float(employment.sum()) - self.initial_employment if model.steps else 0.0
        public_cost = cum["public"] + cum["tax"]
        step = model.steps
        lock_window = model.config.params.metrics.lock_window
        locked = self.streak_region >= 0 and (step - self.streak_since + 1) >= lock_window
        row = {
            "step": step,
            "date": model.date,
            "agents": total,
            "firms": total,
            "employment": float(employment.sum()),
            "entries": int(tally.entries.sum()),
            "exits": int(tally.exits.sum()),
            "relocations": int(tally.relocations.sum()),
            "innovations": int(tally.innovations.sum()),
            "innovations_cum": cum["innovations"],
            "net_jobs": jobs,
            "hhi": h,
            "hhi_norm": hhi_normalised(h, n) if total else float("nan"),
            "capital_share": float(shares[model.capital]) if model.capital >= 0 else float("nan"),
            "locked_in": bool(locked),
            "lockin_region": int(self.streak_region) if locked else -1,
            "lockin_since": int(self.streak_since) if locked else -1,
            "edges": net.n_edges,
            "intra_edges": intra,
            "inter_edges": inter,
            "inter_edge_share": _ratio(inter, net.n_edges),
            "ei_index": ei_index(intra, inter),
            "clustering": netm["clustering"],
            "modularity": region_modularity(u, v, nodes.region, n, ends),
            "giant_share": netm["giant_share"],
            "uig_triangles": int(netm["uig_triangles"]),
            "gpu_capacity": capacity,
            "gpu_demand": demand,
            "gpu_used": granted,
            "gpu_utilisation": _ratio(granted, capacity),
            "oversubscription": _ratio(demand, granted),
            "compute_need": float(need.sum()),
            "compute_met": _ratio(float(tally.compute_effective.sum()), float(need.sum())),
            "gpus_public": float(tally.public_gpus.sum()),
            "gpus_private": float(tally.private_gpus.sum()),
            "gpus_cloud": float(tally.cloud_gpus.sum()),
            "compute_saving": float(tally.compute_saving.sum()),
            "public_spending": float(tally.public.sum()),
            "public_promised": float(tally.promised),
            "tax_expenditure": float(tally.tax_expenditure.sum()),
            "private_investment": tally.private_investment,
            "public_spending_cum": cum["public"],
            "tax_expenditure_cum": cum["tax"],
            "private_investment_cum": cum["private"],
            "crowding_in": _ratio(cum["subsidised"], cum["subsidies"]),
            "cost_per_job": public_cost / jobs if jobs > 0 else float("nan"),
            "cost_per_innovation": _ratio(public_cost, cum["innovations"]),
            "survival_1y": _ratio(float(alive_1y.sum()), float(born_1y.sum())),
        }
        regions = []
        for i, rid in enumerate(ids):
            regions.append(
                {
                    "step": step,
                    "date": model.date,
                    "region": rid,
                    "agents": int(count[i]),
                    "firms": int(count[i]),
                    "firm_share": float(shares[i]),
                    "employment": float(employment[i]),
                    "entries": int(tally.entries[i]),
                    "exits": int(tally.exits[i]),
                    "relocations_in": int(tally.relocations[:, i].sum()),
                    "relocations_out": int(tally.relocations[i, :].sum()),
                    "inbound": int(inbound[i]),
                    "survival_1y": _ratio(float(alive_1y[i]), float(born_1y[i])),
                    "innovations": int(tally.innovations[i]),
                    "compute_need": float(need[i]),
                    "compute_met": _ratio(float(tally.compute_effective[i]), float(need[i])),
                    "compute_used": float(used[i]),
                    "compute_effective": float(tally.compute_effective[i]),
                    "public_gpus": float(tally.public_gpus[i]),
                    "gpus_private": float(tally.private_gpus[i]),
                    "gpus_cloud": float(tally.cloud_gpus[i]),
                    "compute_saving": float(tally.compute_saving[i]),
                    "gpu_capacity": float(site_capacity[i]),
                    "gpu_utilisation": _ratio(float(site_granted[i]), float(site_capacity[i])),
                    "public_spending": float(tally.public[i]),
                    "tax_expenditure": float(tally.tax_expenditure[i]),
                    "talent_pool": float(model.talent[i]),
                    "graduate_retention": _num(model.retention[i]),
                }
            )
        return row, regions

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

    def _districts(self, model: RegionalModel) -> list[dict]:
        """The month's rows of every district, in model units."""
        if not model.district_ids:
            return []
        nodes, tally = model.nodes, model.tally
        firms = model.firm_rows()
        d = nodes.district[firms]
        inside = d >= 0
        n = len(model.district_ids)
        count = np.bincount(d[inside], minlength=n)
        employment = np.bincount(d[inside], weights=nodes.size[firms][inside], minlength=n)
        _, available = model.district_options()
        open_ = (available > 0) & (model.district_room() >= 1)  # takes one more agent
        return [
            {
                "step": model.steps,
                "date": model.date,
                "district": did,
                "region": model.region_ids[model.district_region[i]],
                "firms": int(count[i]),
                "employment": float(employment[i]),
                "entries": int(tally.district_entries[i]),
                "relocations_in": int(tally.district_moves_in[i]),
                "open": bool(open_[i]),
            }
            for i, did in enumerate(model.district_ids)
        ]


def _convert(raw: dict, declared: list, scale: float) -> dict:
    """The declared outputs of ``raw`` in declaration order, scaled ones in real units."""
    out = {}
    for o in declared:
        value = raw[o.name]
        out[o.name] = float(value) / scale if o.scaled else value
    return out
