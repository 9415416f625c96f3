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
from typing import TYPE_CHECKING

import numpy as np

from abm.network import KEY_SHIFT
from abm.nodes import FIRM, GOVERNMENT, UNIVERSITY

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


def region_modularity(u: np.ndarray, v: np.ndarray, region: np.ndarray, n_regions: int) -> float:
    """Newman's Q of the partition of nodes by region."""
    m = len(u)
    if m == 0:
        return float("nan")
    ru, rv = region[u], region[v]
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
    parent = np.arange(n)
    a, b = np.asarray(u), np.asarray(v)
    while len(a):
        pa, pb = parent[a], parent[b]  # roots: the trees are flat
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
    return float(np.bincount(parent[rows]).max() / len(rows))


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


def collect(model: RegionalModel, compute_network: bool) -> tuple[dict, list[dict]]:
    """The month's model row and region rows."""
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
    alive_rows = np.flatnonzero(nodes.view("alive"))
    u, v = net.u, net.v
    same = nodes.region[u] == nodes.region[v]
    intra, inter = int(same.sum()), int((~same).sum())
    if compute_network or not model._last_network:
        clustering, giant = clustering_and_giant(nodes.n, u, v, alive_rows, csr=net.csr())
        model._last_network = {
            "clustering": clustering,
            "giant_share": giant,
            "uig_triangles": uig_triangles(model),
        }
    netm = model._last_network

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

    # money and jobs (cumulative)
    cum = model._cum
    cum["public"] += float(tally.public.sum())
    cum["tax"] += float(tally.tax_expenditure.sum())
    cum["private"] += tally.private_investment
    cum["innovations"] += int(tally.innovations.sum())
    jobs = float(employment.sum()) - model._initial_employment if model.steps else 0.0
    public_cost = cum["public"] + cum["tax"]
    step = model.steps
    date = model.date
    lock_window = model.config.params.metrics.lock_window
    locked = model._streak_region >= 0 and (step - model._streak_since + 1) >= lock_window
    row = {
        "step": step,
        "date": date,
        "firms": total,
        "employment": float(employment.sum()),
        "entries": int(tally.entries.sum()),
        "exits": int(tally.exits.sum()),
        "relocations": int(tally.relocations.sum()),
        "innovations": int(tally.innovations.sum()),
        "hhi": h,
        "hhi_norm": hhi_normalised(h, n) if total else float("nan"),
        "capital_share": float(shares[model.capital]) if model.capital >= 0 else float("nan"),
        "locked_in": bool(locked),
        "lockin_region": int(model._streak_region) if locked else -1,
        "lockin_since": int(model._streak_since) if locked else -1,
        "edges": net.n_edges,
        "intra_edges": intra,
        "inter_edges": inter,
        "inter_edge_share": inter / net.n_edges if net.n_edges else float("nan"),
        "ei_index": ei_index(intra, inter),
        "clustering": netm["clustering"],
        "modularity": region_modularity(u, v, nodes.region, n),
        "giant_share": netm["giant_share"],
        "uig_triangles": int(netm["uig_triangles"]),
        "gpu_capacity": capacity,
        "gpu_demand": demand,
        "gpu_used": granted,
        "gpu_utilisation": granted / capacity if capacity > 0 else float("nan"),
        "oversubscription": demand / granted if granted > 0 else float("nan"),
        "public_spending": float(tally.public.sum()),
        "tax_expenditure": float(tally.tax_expenditure.sum()),
        "private_investment": tally.private_investment,
        "public_spending_cum": cum["public"],
        "tax_expenditure_cum": cum["tax"],
        "private_investment_cum": cum["private"],
        "innovations_cum": cum["innovations"],
        "crowding_in": cum["private"] / cum["public"] if cum["public"] > 0 else float("nan"),
        "net_jobs": jobs,
        "cost_per_job": public_cost / jobs if jobs > 0 else float("nan"),
        "cost_per_innovation": (
            public_cost / cum["innovations"] if cum["innovations"] else float("nan")
        ),
    }
    regions = []
    for i, rid in enumerate(ids):
        regions.append(
            {
                "step": step,
                "date": date,
                "region": rid,
                "firms": int(count[i]),
                "firm_share": float(shares[i]),
                "employment": float(employment[i]),
                "entries": int(tally.entries[i]),
                "exits": int(tally.exits[i]),
                "relocations_in": int(tally.relocations[:, i].sum()),
                "relocations_out": int(tally.relocations[i, :].sum()),
                "innovations": int(tally.innovations[i]),
                "compute_used": float(tally.compute_used[i]),
                "compute_effective": float(tally.compute_effective[i]),
                "public_gpus": float(tally.public_gpus[i]),
                "gpu_capacity": float(site_capacity[i]),
                "gpu_utilisation": (
                    float(site_granted[i] / site_capacity[i])
                    if site_capacity[i] > 0
                    else float("nan")
                ),
                "public_spending": float(tally.public[i]),
                "tax_expenditure": float(tally.tax_expenditure[i]),
                "talent_pool": float(model.talent[i]),
                "graduate_retention": _num(model.retention[i]),
            }
        )
    return row, regions
