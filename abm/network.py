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
every edge) run vectorised. Beside it, one sorted array holds every tie in both
directions as ``row << 32 | partner``: membership is a binary search, and the
neighbour lists (CSR) are that array's two halves, read off with one counting pass
and no sort. Edge order itself is insertion order; a tie's renewal draw is keyed by its
two ends' lineages (``abm/streams.py``), not by its place.
:meth:`CollaborationNetwork.to_networkx` gives the same graph as a ``networkx.Graph`` (nodes
are the agents' ``unique_id`` with ``kind`` and ``region`` id attributes), built on demand
and cached until the next change: keeping networkx in step edit by edit cost more than the
whole rest of a month at 100,000 firms.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from abm.nodes import FIRM, GOVERNMENT, KIND_NAMES, UNIVERSITY, NodeTable
from abm.schema import Network as NetworkParams
from abm.streams import Draw, Streams, pair_keys

KEY_SHIFT = 32  # a tie's key: row << KEY_SHIFT | partner (rows stay below 2**31)
_KEY = np.int64(1) << KEY_SHIFT
_LOW = _KEY - 1


class CollaborationNetwork:
    """Undirected ties between agent rows, with the step each was last renewed."""

    def __init__(self, nodes: NodeTable, params: NetworkParams, distance_km: np.ndarray):
        self.nodes = nodes
        self.params = params
        self.distance_km = distance_km
        # the ties, in insertion order, in buffers with spare room (appends are amortised)
        self._m = 0
        self._u = np.empty(1024, dtype=np.int64)
        self._v = np.empty(1024, dtype=np.int64)
        self._last = np.empty(1024, dtype=np.int32)
        self._pair = np.empty(1024, dtype=np.uint64)  # both ends' lineages: keys its renewal
        # every tie in both directions, row << 32 | partner, ascending; ties added since the
        # last merge wait in the small ``_fresh`` array, so a month's several batches of
        # new ties cost one merge into the large array, not one each
        self._dkeys = np.empty(0, dtype=np.int64)
        self._fresh = np.empty(0, dtype=np.int64)
        self._csr: tuple[np.ndarray, np.ndarray] | None = None
        self._queued: list[tuple[int, int]] = []
        self._version = 0
        self._graph: tuple[int, nx.Graph] | None = None

    # ---------------------------------------------------------------- bookkeeping
    @property
    def n_edges(self) -> int:
        return self._m

    @property
    def u(self) -> np.ndarray:
        """Lower row of every tie, in insertion order (a view: valid until ties change)."""
        return self._u[: self._m]

    @property
    def v(self) -> np.ndarray:
        """Higher row of every tie."""
        return self._v[: self._m]

    @property
    def last(self) -> np.ndarray:
        """Step each tie was made or last renewed."""
        return self._last[: self._m]

    def _append(self, a: np.ndarray, b: np.ndarray, step: int) -> None:
        m, k = self._m, len(a)
        if m + k > len(self._u):
            cap = max(m + k, 2 * len(self._u))
            for name in ("_u", "_v", "_last", "_pair"):
                old = getattr(self, name)
                grown = np.empty(cap, dtype=old.dtype)
                grown[:m] = old[:m]
                setattr(self, name, grown)
        self._u[m : m + k] = a
        self._v[m : m + k] = b
        self._last[m : m + k] = step
        lineage = self.nodes.lineage  # in either order: the same tie
        self._pair[m : m + k] = pair_keys(lineage[a], lineage[b])
        self._m = m + k

    def _keys(self) -> np.ndarray:
        """All directed keys, sorted (merges the fresh ones in)."""
        if len(self._fresh):
            fresh = self._fresh
            self._dkeys = np.insert(self._dkeys, np.searchsorted(self._dkeys, fresh), fresh)
            self._fresh = np.empty(0, dtype=np.int64)
        return self._dkeys

    def changed(self) -> None:
        """Note that nodes, regions or ties changed (invalidates the networkx view)."""
        self._version += 1

    def _edges_changed(self) -> None:
        self._version += 1
        self._csr = None

    def has_edges(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether each pair (a[i], b[i]) is tied (binary search in the sorted keys)."""
        keys = np.asarray(a, dtype=np.int64) * _KEY + b
        return _contains(self._dkeys, keys) | _contains(self._fresh, keys)

    def remove_nodes(self, rows: np.ndarray) -> None:
        """Drop every tie of agents that left (their rows are marked dead by the caller)."""
        if len(rows) == 0:
            return
        dead = np.zeros(self.nodes.n, dtype=bool)
        dead[rows] = True
        self._drop(dead[self.u] | dead[self.v])
        self.changed()

    def add_edges(self, u: np.ndarray, v: np.ndarray, step: int) -> int:
        """Add ties; self-ties, duplicates and ties that exist already are ignored."""
        if len(u) == 0 or not self.params.enabled:
            return 0
        a, b = np.minimum(u, v), np.maximum(u, v)
        ok = a != b
        a, b = a[ok], b[ok]
        keys = a * _KEY + b
        keys, first = np.unique(keys, return_index=True)
        new = ~(_contains(self._dkeys, keys) | _contains(self._fresh, keys))
        a, b = a[first][new], b[first][new]
        if len(a) == 0:
            return 0
        both = np.sort(np.concatenate([keys[new], b * _KEY + a]))
        self._fresh = np.insert(self._fresh, np.searchsorted(self._fresh, both), both)
        self._append(a, b, step)
        self._edges_changed()
        return len(a)

    def queue_edge(self, a: int, b: int) -> None:
        """Note a tie made outside the monthly search (a grant, a spin-off); see flush()."""
        self._queued.append((a, b))

    def queue_edges(self, a: int, rows: np.ndarray) -> None:
        """:meth:`queue_edge` from ``a`` to each of ``rows``, in order."""
        self._queued.extend((a, b) for b in rows.tolist())

    def flush(self, step: int) -> int:
        """Add the queued ties in one batch."""
        if not self._queued:
            return 0
        pairs = np.array(self._queued, dtype=np.int64)
        self._queued.clear()
        alive = self.nodes.alive
        pairs = pairs[alive[pairs[:, 0]] & alive[pairs[:, 1]]]
        return self.add_edges(pairs[:, 0], pairs[:, 1], step)

    def renew_and_decay(self, month: int, streams: Streams) -> int:
        """Joint work renews some ties; ties idle for ``memory`` months end. Returns ends.

        A tie's renewal draw is keyed by its two ends' lineages and ``month``."""
        if self.n_edges == 0:
            return 0
        draw = streams.uniform(Draw.RENEWAL, month, self._pair[: self._m])
        renewed = draw < self.params.renew_rate
        self.last[renewed] = month
        expired = (month - self.last) >= self.params.memory
        if expired.any():
            self._drop(expired)
        return int(expired.sum())

    def _drop(self, mask: np.ndarray) -> None:
        if not mask.any():
            return
        a, b = self.u[mask], self.v[mask]
        gone = np.concatenate([a * _KEY + b, b * _KEY + a])
        self._dkeys = _without(self._dkeys, gone)
        self._fresh = _without(self._fresh, gone)
        keep = ~mask
        m = int(keep.sum())
        for name in ("_u", "_v", "_last", "_pair"):
            buf = getattr(self, name)
            buf[:m] = buf[: self._m][keep]
        self._m = m
        self._edges_changed()

    def renumber(self, mapping: np.ndarray) -> None:
        """The node table was compacted (``mapping``: old row -> new row, -1 dropped).

        Ties of agents that left were dropped when they left, so every end is kept.
        The map keeps the order of rows, so each tie stays (lower, higher), edge order is
        unchanged and the sorted keys stay sorted (lineage keys do not depend on rows).
        """
        assert not self._queued, "ties queued across a compaction"
        m = self._m
        for name in ("_u", "_v"):
            ends = getattr(self, name)
            ends[:m] = mapping[ends[:m]]
        assert m == 0 or (self._u[:m].min() >= 0 and self._v[:m].min() >= 0), (
            "a tie of a dropped row"
        )
        self._dkeys = _renumber_keys(self._dkeys, mapping)
        self._fresh = _renumber_keys(self._fresh, mapping)
        self._edges_changed()

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
        """Ties of every row.

        Read off the neighbour lists when they are built; else counted from the tie list,
        which costs a third of building them (innovation reads the degrees in a month
        whose ties change again before anything else needs the lists).
        """
        if self._csr is not None:
            return np.diff(self.csr()[0])
        n = self.nodes.n
        return np.bincount(self.u, minlength=n) + np.bincount(self.v, minlength=n)

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Neighbour lists as (indptr, indices) over all rows, each list ascending.

        The sorted directed keys are already grouped by row and ordered by partner,
        so the lists are the keys' low halves and ``indptr`` is one count per row.
        Cached until the ties change; rows added since only lengthen ``indptr``.
        """
        n = self.nodes.n
        if self._csr is None:
            keys = self._keys()
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(keys >> KEY_SHIFT, minlength=n), out=indptr[1:])
            self._csr = (indptr, keys & _LOW)
        indptr, indices = self._csr
        if len(indptr) < n + 1:
            indptr = np.concatenate([indptr, np.full(n + 1 - len(indptr), indptr[-1])])
            self._csr = (indptr, indices)
        return self._csr

    def neighbour_sum(self, values: np.ndarray) -> np.ndarray:
        """For every row, the sum of ``values`` over its neighbours."""
        n = self.nodes.n
        return np.bincount(self.u, weights=values[self.v], minlength=n) + np.bincount(
            self.v, weights=values[self.u], minlength=n
        )

    def compact_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """(live rows, edges as an (m, 2) array of positions among those rows).

        The array is C-contiguous int64, the layout igraph reads without copying
        it into Python lists.
        """
        rows = np.flatnonzero(self.nodes.view("alive"))
        compact = np.empty(self.nodes.n, dtype=np.int64)
        compact[rows] = np.arange(len(rows))
        edges = np.empty((self.n_edges, 2), dtype=np.int64)
        np.take(compact, self.u, out=edges[:, 0])
        np.take(compact, self.v, out=edges[:, 1])
        return rows, edges

    # ---------------------------------------------------------------- formation
    def form(self, month: int, streams: Streams, searchers: np.ndarray, counter: int = 0) -> int:
        """Each searcher proposes one candidate; accepted proposals become ties.

        A searcher's draws are keyed by its lineage, ``month`` and ``counter`` (a round of
        the initial seeding), so it draws the same in every option; the candidate a draw
        reaches among the others can differ where the populations differ."""
        nodes, p = self.nodes, self.params
        if len(searchers) == 0:
            return 0
        alive = nodes.view("alive")
        kind = nodes.view("kind")
        pool = np.flatnonzero(alive & (kind == FIRM))  # universities: by university_weight
        if len(pool) < 2:
            return 0
        universities = np.flatnonzero(alive & (kind == UNIVERSITY))
        keys = nodes.lineage  # a searcher's draws are keyed by its lineage

        def uniform(what: Draw, rows: np.ndarray) -> np.ndarray:
            return streams.uniform(what, month, keys, counter, rows)

        def below(what: Draw, rows: np.ndarray, high: np.ndarray | int) -> np.ndarray:
            return streams.below(what, month, keys, high, counter, rows)

        draw = uniform(Draw.SEARCH_RULE, searchers)
        target = pool[below(Draw.ENCOUNTER, searchers, len(pool))]  # random encounter

        cut_t = p.triadic_weight
        cut_p = cut_t + p.preferential_weight
        cut_u = cut_p + p.university_weight
        indptr, indices = self.csr()  # the triadic search walks the lists
        deg = np.diff(indptr)

        tri = np.flatnonzero((draw < cut_t) & (deg[searchers] > 0))
        if len(tri):
            s = searchers[tri]
            j = indices[indptr[s] + below(Draw.TRIADIC, s, deg[s])]
            has = deg[j] > 0
            k = np.full(len(s), -1, dtype=np.int64)
            jj = j[has]
            k[has] = indices[indptr[jj] + below(Draw.TRIADIC_THIRD, s[has], deg[jj])]
            ok = k >= 0
            target[tri[ok]] = k[ok]

        pref = np.flatnonzero((draw >= cut_t) & (draw < cut_p))
        if len(pref):
            weights = np.cumsum(deg[pool] + 1.0)
            point = uniform(Draw.PREFERENTIAL, searchers[pref]) * weights[-1]
            pick = np.searchsorted(weights, point, side="right")
            target[pref] = pool[np.minimum(pick, len(pool) - 1)]

        uni = np.flatnonzero((draw >= cut_p) & (draw < cut_u) & (kind[searchers] == FIRM))
        if len(uni) and len(universities):
            pick = below(Draw.UNIVERSITY_PARTNER, searchers[uni], len(universities))
            target[uni] = universities[pick]

        accept = self.acceptance(searchers, target)
        agree = uniform(Draw.ACCEPT, searchers) < accept
        ok = agree & alive[target] & (target != searchers)
        return self.add_edges(searchers[ok], target[ok], month)

    def acceptance(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Chance a proposed tie is accepted: geographic proximity x technological fit."""
        nodes, p = self.nodes, self.params
        d = self.distance_km[nodes.region[a], nodes.region[b]]
        proximity = np.exp(-d / p.geo_decay_km)
        gap = np.abs(nodes.tech[a] - nodes.tech[b])
        gap = 2.0 * np.minimum(gap, 1.0 - gap)  # 0 = same, 1 = opposite on the circle
        fit = (1 - p.complementarity) * (1 - gap) + p.complementarity * 4 * gap * (1 - gap)
        return proximity * fit

    def seed_initial(self, streams: Streams, month: int) -> None:
        """Grow ties among the initial agents until the mean degree target is met (round r
        draws with counter r + 1: a month's own search uses counter 0)."""
        target_edges = self.params.initial_degree * self.nodes.n / 2
        searchers = np.flatnonzero(
            self.nodes.view("alive") & (self.nodes.view("kind") != GOVERNMENT)
        )
        for r in range(self.params.seed_rounds):
            if self.n_edges >= target_edges or len(searchers) < 2:
                break
            self.form(month, streams, searchers, counter=r + 1)


def _renumber_keys(keys: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """Directed keys ``row << 32 | partner`` with both ends renumbered by ``mapping``."""
    return (mapping[keys >> KEY_SHIFT] << KEY_SHIFT) | mapping[keys & _LOW]


def _contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Membership of ``keys`` in an ascending array (binary search, no Python set)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    pos = np.searchsorted(sorted_keys, keys)
    np.minimum(pos, len(sorted_keys) - 1, out=pos)
    return sorted_keys[pos] == keys


def _without(sorted_keys: np.ndarray, gone: np.ndarray) -> np.ndarray:
    """``sorted_keys`` minus those of ``gone`` it holds (still sorted)."""
    if len(sorted_keys) == 0:
        return sorted_keys
    pos = np.searchsorted(sorted_keys, gone)
    np.minimum(pos, len(sorted_keys) - 1, out=pos)
    keep = np.ones(len(sorted_keys), dtype=bool)
    keep[pos[sorted_keys[pos] == gone]] = False
    return sorted_keys[keep]
