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
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from abm import outputs
from abm.nodes import FIRM, GOVERNMENT, UNIVERSITY

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
    n: int, u: np.ndarray, v: np.ndarray, rows: np.ndarray
) -> tuple[float, float]:
    """Mean local clustering over ``rows`` (degree < 2 counts as 0, as in
    networkx.average_clustering; computed in igraph) and the giant component's
    share of ``rows`` (scipy)."""
    if len(rows) == 0:
        return float("nan"), float("nan")
    if len(u) == 0:
        return 0.0, 1.0 / len(rows)
    import igraph as ig  # imported here: it takes seconds and only this needs it

    compact = np.full(n, -1, dtype=np.int64)
    compact[rows] = np.arange(len(rows))
    cu, cv = compact[u], compact[v]
    g = ig.Graph(n=len(rows), edges=np.column_stack([cu, cv]).tolist())
    clustering = g.transitivity_avglocal_undirected(mode="zero")
    adj = coo_matrix((np.ones(len(cu), dtype=np.int8), (cu, cv)), shape=(len(rows), len(rows)))
    _, labels = connected_components(adj, directed=False)
    return float(clustering), float(np.bincount(labels).max() / len(rows))


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
        alive_rows = np.flatnonzero(nodes.view("alive"))
        u, v = net.u, net.v
        same = nodes.region[u] == nodes.region[v]
        intra, inter = int(same.sum()), int((~same).sum())
        if compute_network or not self._network:
            clustering, giant = clustering_and_giant(nodes.n, u, v, alive_rows)
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
            "modularity": region_modularity(u, v, nodes.region, n),
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
        _, open_ = model.district_options()
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
