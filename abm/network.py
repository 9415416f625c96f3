"""The collaboration graph: who works with whom, inside and across regions.

Ties form by a mix of rules from the innovation-network literature:
triadic closure (a partner's partner; Cowan, Jonard & Zimmermann 2007),
preferential attachment (newcomers prefer established agents; Tomasello et al.),
university search (firms seek university partners; Ahrweiler et al. 2011) and
random encounters; a candidate accepts with a probability that falls with
geographic distance and rises with technological similarity or complementarity
(SKIN's "conservative" vs "progressive" partner rules). Ties that are not renewed
by joint work for ``memory`` months decay.

The edge list lives in numpy arrays so that the rules (spillovers are a sum over
every edge) run vectorised. :meth:`CollaborationNetwork.to_networkx` gives the same
graph as a ``networkx.Graph`` (nodes are the agents' ``unique_id`` with ``kind``
and ``region`` id attributes), built on demand and cached until the next change:
keeping networkx in step edit by edit cost more than the whole rest of a month
at 100,000 firms.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix

from abm.nodes import FIRM, GOVERNMENT, KIND_NAMES, UNIVERSITY, NodeTable
from abm.schema import Network as NetworkParams

_KEY = np.int64(1) << 32


class CollaborationNetwork:
    """Undirected ties between agent rows, with the step each was last renewed."""

    def __init__(self, nodes: NodeTable, params: NetworkParams, distance_km: np.ndarray):
        self.nodes = nodes
        self.params = params
        self.distance_km = distance_km
        self.u = np.empty(0, dtype=np.int64)
        self.v = np.empty(0, dtype=np.int64)
        self.last = np.empty(0, dtype=np.int32)
        self._keys: set[int] = set()
        self._csr: tuple[np.ndarray, np.ndarray] | None = None
        self._queued: list[tuple[int, int]] = []
        self._version = 0
        self._graph: tuple[int, nx.Graph] | None = None

    # ---------------------------------------------------------------- bookkeeping
    @property
    def n_edges(self) -> int:
        return len(self.u)

    def changed(self) -> None:
        """Note that nodes, regions or ties changed (invalidates cached views)."""
        self._version += 1
        self._csr = None

    def remove_nodes(self, rows: np.ndarray) -> None:
        """Drop every tie of agents that left (their rows are marked dead by the caller)."""
        if len(rows) == 0:
            return
        dead = np.zeros(self.nodes.n, dtype=bool)
        dead[rows] = True
        self._drop(dead[self.u] | dead[self.v])
        self.changed()

    def add_edges(self, u: np.ndarray, v: np.ndarray, step: int) -> int:
        """Add ties (duplicates and self-ties are ignored); renew existing ones."""
        if len(u) == 0 or not self.params.enabled:
            return 0
        a, b = np.minimum(u, v), np.maximum(u, v)
        ok = a != b
        a, b = a[ok], b[ok]
        keys = a * _KEY + b
        keys, first = np.unique(keys, return_index=True)
        known = self._keys
        new = np.fromiter((k not in known for k in keys.tolist()), dtype=bool, count=len(keys))
        a, b, keys = a[first][new], b[first][new], keys[new]
        if len(a) == 0:
            return 0
        known.update(keys.tolist())
        self.u = np.concatenate([self.u, a])
        self.v = np.concatenate([self.v, b])
        self.last = np.concatenate([self.last, np.full(len(a), step, dtype=np.int32)])
        self.changed()
        return len(a)

    def queue_edge(self, a: int, b: int) -> None:
        """Note a tie made outside the monthly search (a grant, a spin-off); see flush()."""
        self._queued.append((a, b))

    def flush(self, step: int) -> int:
        """Add the queued ties in one batch."""
        if not self._queued:
            return 0
        pairs = np.array(self._queued, dtype=np.int64)
        self._queued.clear()
        alive = self.nodes.alive
        pairs = pairs[alive[pairs[:, 0]] & alive[pairs[:, 1]]]
        return self.add_edges(pairs[:, 0], pairs[:, 1], step)

    def renew_and_decay(self, step: int, rng: np.random.Generator) -> int:
        """Joint work renews some ties; ties idle for ``memory`` months end. Returns ends."""
        if self.n_edges == 0:
            return 0
        renewed = rng.random(self.n_edges) < self.params.renew_rate
        self.last[renewed] = step
        expired = (step - self.last) >= self.params.memory
        if expired.any():
            self._drop(expired)
        return int(expired.sum())

    def _drop(self, mask: np.ndarray) -> None:
        if not mask.any():
            return
        a, b = self.u[mask], self.v[mask]
        self._keys.difference_update((a * _KEY + b).tolist())
        keep = ~mask
        self.u, self.v, self.last = self.u[keep], self.v[keep], self.last[keep]
        self.changed()

    # ---------------------------------------------------------------- structure
    def to_networkx(self, region_ids: list[str]) -> nx.Graph:
        """The graph of live agents and their ties, keyed by ``unique_id`` (cached).

        Node attributes: ``kind`` (firm, university, government) and ``region`` (its id).
        """
        if self._graph is None or self._graph[0] != self._version:
            nodes = self.nodes
            rows = np.flatnonzero(nodes.view("alive"))
            graph = nx.Graph()
            graph.add_nodes_from(
                (uid, {"kind": KIND_NAMES[k], "region": region_ids[r]})
                for uid, k, r in zip(
                    nodes.uid[rows].tolist(),
                    nodes.kind[rows].tolist(),
                    nodes.region[rows].tolist(),
                    strict=True,
                )
            )
            uid = nodes.uid
            graph.add_edges_from(zip(uid[self.u].tolist(), uid[self.v].tolist(), strict=True))
            self._graph = (self._version, graph)
        return self._graph[1]

    def degree(self) -> np.ndarray:
        n = self.nodes.n
        return np.bincount(self.u, minlength=n) + np.bincount(self.v, minlength=n)

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Neighbour lists as (indptr, indices) over all rows."""
        if self._csr is None:
            n = self.nodes.n
            src = np.concatenate([self.u, self.v])
            dst = np.concatenate([self.v, self.u])
            adj = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n)).tocsr()
            self._csr = (adj.indptr.astype(np.int64), adj.indices.astype(np.int64))
        return self._csr

    def neighbour_sum(self, values: np.ndarray) -> np.ndarray:
        """For every row, the sum of ``values`` over its neighbours."""
        n = self.nodes.n
        return np.bincount(self.u, weights=values[self.v], minlength=n) + np.bincount(
            self.v, weights=values[self.u], minlength=n
        )

    # ---------------------------------------------------------------- formation
    def form(self, step: int, rng: np.random.Generator, searchers: np.ndarray) -> int:
        """Each searcher proposes one candidate; accepted proposals become ties."""
        nodes, p = self.nodes, self.params
        if len(searchers) == 0:
            return 0
        alive = nodes.view("alive")
        kind = nodes.view("kind")
        pool = np.flatnonzero(alive & (kind != GOVERNMENT))
        if len(pool) < 2:
            return 0
        universities = np.flatnonzero(alive & (kind == UNIVERSITY))
        draw = rng.random(len(searchers))
        target = pool[rng.integers(0, len(pool), len(searchers))]  # random encounter

        cut_t = p.triadic_weight
        cut_p = cut_t + p.preferential_weight
        cut_u = cut_p + p.university_weight
        deg = self.degree()

        tri = np.flatnonzero((draw < cut_t) & (deg[searchers] > 0))
        if len(tri):
            indptr, indices = self.csr()
            s = searchers[tri]
            j = indices[indptr[s] + (rng.random(len(s)) * deg[s]).astype(np.int64)]
            has = deg[j] > 0
            k = np.full(len(s), -1, dtype=np.int64)
            jj = j[has]
            k[has] = indices[indptr[jj] + (rng.random(len(jj)) * deg[jj]).astype(np.int64)]
            ok = k >= 0
            target[tri[ok]] = k[ok]

        pref = np.flatnonzero((draw >= cut_t) & (draw < cut_p))
        if len(pref):
            weights = np.cumsum(deg[pool] + 1.0)
            pick = np.searchsorted(weights, rng.random(len(pref)) * weights[-1], side="right")
            target[pref] = pool[np.minimum(pick, len(pool) - 1)]

        uni = np.flatnonzero((draw >= cut_p) & (draw < cut_u) & (kind[searchers] == FIRM))
        if len(uni) and len(universities):
            target[uni] = universities[rng.integers(0, len(universities), len(uni))]

        accept = self.acceptance(searchers, target)
        ok = (rng.random(len(searchers)) < accept) & alive[target] & (target != searchers)
        return self.add_edges(searchers[ok], target[ok], step)

    def acceptance(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Chance a proposed tie is accepted: geographic proximity x technological fit."""
        nodes, p = self.nodes, self.params
        d = self.distance_km[nodes.region[a], nodes.region[b]]
        proximity = np.exp(-d / p.geo_decay_km)
        gap = np.abs(nodes.tech[a] - nodes.tech[b])
        gap = 2.0 * np.minimum(gap, 1.0 - gap)  # 0 = same, 1 = opposite on the circle
        fit = (1 - p.complementarity) * (1 - gap) + p.complementarity * 4 * gap * (1 - gap)
        return proximity * fit

    def seed_initial(self, rng: np.random.Generator, step: int = 0) -> None:
        """Grow ties among the initial agents until the mean degree target is met."""
        target_edges = self.params.initial_degree * self.nodes.n / 2
        searchers = np.flatnonzero(
            self.nodes.view("alive") & (self.nodes.view("kind") != GOVERNMENT)
        )
        for _ in range(self.params.seed_rounds):
            if self.n_edges >= target_edges or len(searchers) < 2:
                break
            self.form(step, rng, searchers)
