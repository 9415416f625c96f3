"""Struct-of-arrays state of every agent, so population-wide rules run in numpy.

Each agent (firm, university, government) owns one row. Rows are never reused, and
between compactions a row index is a stable handle that ties and the census hold.
Firms that leave keep their (dead) row until :meth:`NodeTable.compact` drops the dead
rows, keeping the live ones in their order: every column then spans the live agents
only, not every firm ever created (at 100,000 firms x 132 months, 2.2x more rows than
live firms), which is what the monthly gathers and scans pay for. Because the order of
the live rows is kept, anything that depends on rows only through their order (draws
over "the live firms in row order", sorted tie keys, neighbour lists) is unchanged;
the model compacts between months and renumbers every holder of rows (see
``RegionalModel.compact``). Firm-only columns are simply unused on other rows.
"""

from __future__ import annotations

import numpy as np

FIRM, UNIVERSITY, GOVERNMENT = 0, 1, 2
KIND_NAMES = ("firm", "university", "government")

# origin of a firm row
INITIAL, SPINOFF, STARTUP, OUTSIDE, BRANCH = 0, 1, 2, 3, 4
ORIGIN_NAMES = ("initial", "spinoff", "startup", "outside", "branch")

# Rules that work firm by firm (no sum over firms) run over blocks of this many firms:
# a block's temporaries (64k float64 = 512 KB each) stay in the CPU's caches, where a
# whole-population temporary at a million firms (8 MB) goes to memory and back with
# every numpy operation. Measured on a chain of elementwise operations: ~48 ns a firm
# in blocks at 100,000 and at 1,300,000 firms, against 62 and 97 ns on whole arrays.
# Elementwise results do not depend on the block (the same ufunc on the same value);
# draws are made for all firms before the blocks, sums over firms after them.
BLOCK = 65536


def blocks(count: int) -> list[slice]:
    """Consecutive slices of at most :data:`BLOCK` covering ``range(count)``."""
    return [slice(start, min(start + BLOCK, count)) for start in range(0, count, BLOCK)]


COLUMNS: dict[str, tuple[type, object]] = {
    "kind": (np.int8, FIRM),
    "region": (np.int16, 0),
    "alive": (np.bool_, False),
    "uid": (np.int64, -1),
    # how the agent came to be, hashed (abm/streams.py): keys its draws, the same in every
    # option of a decision in which the agent exists (``uid`` shifts once one option differs)
    "lineage": (np.uint64, 0),
    "knowledge": (np.float64, 0.0),
    "tech": (np.float64, 0.0),  # position on a technology circle [0, 1)
    "size": (np.float64, 0.0),  # employees
    "cash": (np.float64, 0.0),  # KRW
    "revenue": (np.float64, 0.0),  # last month's revenue, KRW
    "margin": (np.float64, 0.0),  # last month's profit / revenue
    "intensity": (np.float64, 0.0),  # compute intensity 0..1
    "quality": (np.float64, 0.0),  # revenue premium from innovations
    "compute_ratio": (np.float64, 0.0),  # effective compute / need, 0..1
    "wait": (np.float64, 0.0),  # months queued at a public center
    "innovations": (np.int32, 0),
    "innovated": (np.bool_, False),  # innovated this month
    "born": (np.int32, 0),  # month of entry (model.month; initial firms: minus their age)
    "zone_from": (np.int32, -1),  # month (model.month) special-zone tax relief started, -1 none
    "origin": (np.int8, INITIAL),
    "district": (np.int16, -1),  # index of the district it sits in, -1 = rest of its region
    "parent": (np.int64, -1),  # row of the parent firm or university, -1 once it has left
    "public_received": (np.float64, 0.0),  # KRW of grants and subsidies received
}


class NodeTable:
    """Growable columns, one row per agent (those that left are dropped by :meth:`compact`)."""

    # the columns of COLUMNS, set in __init__ (declared here for readers and the type checker)
    kind: np.ndarray
    region: np.ndarray
    alive: np.ndarray
    uid: np.ndarray
    lineage: np.ndarray
    knowledge: np.ndarray
    tech: np.ndarray
    size: np.ndarray
    cash: np.ndarray
    revenue: np.ndarray
    margin: np.ndarray
    intensity: np.ndarray
    quality: np.ndarray
    compute_ratio: np.ndarray
    wait: np.ndarray
    innovations: np.ndarray
    innovated: np.ndarray
    born: np.ndarray
    zone_from: np.ndarray
    origin: np.ndarray
    district: np.ndarray
    parent: np.ndarray
    public_received: np.ndarray
    taste: np.ndarray  # (rows x regions) each firm's own taste for each region

    def __init__(self, n_regions: int, capacity: int = 1024):
        self.n = 0
        self.epoch = 0  # counts the compactions that moved rows (views re-find theirs)
        self.n_regions = n_regions
        self._cap = max(16, capacity)
        for name, (dtype, fill) in COLUMNS.items():
            setattr(self, name, np.full(self._cap, fill, dtype=dtype))
        self.taste = np.zeros((self._cap, n_regions))

    def add(self, count: int) -> np.ndarray:
        """Reserve ``count`` new rows (filled with defaults) and return their indices."""
        needed = self.n + count
        if needed > self._cap:
            new_cap = max(needed, 2 * self._cap)
            for name, (dtype, fill) in COLUMNS.items():
                old = getattr(self, name)
                grown: np.ndarray = np.full(new_cap, fill, dtype=dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
            taste = np.zeros((new_cap, self.n_regions))
            taste[: self.n] = self.taste[: self.n]
            self.taste = taste
            self._cap = new_cap
        rows = np.arange(self.n, needed)
        self.n = needed
        return rows

    def dead_rows(self) -> int:
        """Rows of agents that have left (what :meth:`compact` would drop)."""
        return self.n - int(np.count_nonzero(self.alive[: self.n]))

    def compact(self) -> np.ndarray:
        """Drop the dead rows, keeping the live ones in order; returns old row -> new row.

        The map has -1 for dropped rows. Rows past the new end are reset to the column
        defaults (``add`` hands them out as fresh rows). ``parent`` is renumbered; a
        parent that has left becomes -1. The caller renumbers every other holder of
        rows (ties, census, agents' ``row``): see ``RegionalModel.compact``.
        """
        n = self.n
        keep = np.flatnonzero(self.alive[:n])
        k = len(keep)
        mapping = np.full(n, -1, dtype=np.int64)
        mapping[keep] = np.arange(k)
        if k == n:
            return mapping
        for name, (_, fill) in COLUMNS.items():
            column = getattr(self, name)
            column[:k] = column[keep]  # the gather copies first, so this is safe in place
            column[k:n] = fill
        self.taste[:k] = self.taste[keep]
        self.taste[k:n] = 0.0
        parent = self.parent[:k]
        has = parent >= 0
        parent[has] = mapping[parent[has]]
        self.n = k
        self.epoch += 1
        return mapping

    def row_of(self, uid: int) -> int:
        """The row of the agent with this ``uid``, -1 if there is none (its row was dropped).

        A binary search, not a scan: uids ascend with rows. Every agent takes its uid from
        the model's Mesa id counter as its row is added (a firm in ``spawn_firms``, a Mesa
        agent in its ``__init__``), rows are only appended, and :meth:`compact` keeps the
        live rows in order (tests/test_perf_compaction.py checks this on a compacting run).
        """
        uids = self.uid[: self.n]
        i = int(np.searchsorted(uids, uid))
        return i if i < self.n and uids[i] == uid else -1

    def view(self, name: str) -> np.ndarray:
        """The used part of a column."""
        return getattr(self, name)[: self.n]

    def rows(self, kind: int) -> np.ndarray:
        """Indices of live agents of one kind."""
        return np.flatnonzero(self.view("alive") & (self.view("kind") == kind))


class FirmCensus:
    """Live firms' rows and their counts per region and per district, kept up to date.

    The monthly rules ask "which rows are firms" and "how many firms per region and
    district" dozens of times a month (every entrant's location choice, every district
    placement); a recount is a pass over every row of the table. The census counts
    new rows once, when it is next asked, and is told of every change to a counted
    row: :meth:`remove` (exit), :meth:`move` (relocation) and :meth:`set_district`.
    Code that changes a live firm's ``alive``, ``region`` or ``district`` goes through
    these; :meth:`check` recounts from scratch (the tests call it).
    """

    def __init__(self, nodes: NodeTable, n_districts: int):
        self.nodes = nodes
        self.n_districts = n_districts
        self._seen = 0  # rows below this are counted
        self._region = np.zeros(nodes.n_regions, dtype=np.int64)
        self._district = np.zeros(n_districts, dtype=np.int64)
        # the rows live in a buffer with spare room: entrants arrive in several batches a
        # month, and copying every live row for each (8 MB at a million firms) cost more
        # than the rest of the census. ``_rows`` is a read-only view of its used part;
        # appends write past every view handed out, and removals make a new buffer, so
        # a view a caller holds never changes.
        self._rows = np.empty(0, dtype=np.int64)
        self._buffer = np.empty(0, dtype=np.int64)

    def _set_rows(self, rows: np.ndarray) -> None:
        """Start a new buffer holding ``rows`` (with room for a few months of entrants)."""
        self._buffer = np.empty(max(64, len(rows) + len(rows) // 4), dtype=np.int64)
        self._buffer[: len(rows)] = rows
        self._view(len(rows))

    def _view(self, count: int) -> None:
        rows = self._buffer[:count]
        rows.flags.writeable = False
        self._rows = rows

    def _sync(self) -> None:
        """Count the rows added since the last question."""
        nodes = self.nodes
        if nodes.n == self._seen:
            return
        new = self._seen + np.flatnonzero(
            nodes.alive[self._seen : nodes.n] & (nodes.kind[self._seen : nodes.n] == FIRM)
        )
        self._seen = nodes.n
        if len(new) == 0:
            return
        self._count(new, 1)
        used = len(self._rows)
        if used + len(new) > len(self._buffer):
            grown = np.empty(max(64, 2 * (used + len(new))), dtype=np.int64)
            grown[:used] = self._rows
            self._buffer = grown
        self._buffer[used : used + len(new)] = new
        self._view(used + len(new))

    def _count(self, rows: np.ndarray, sign: int) -> None:
        nodes = self.nodes
        self._region += sign * np.bincount(nodes.region[rows], minlength=len(self._region))
        d = nodes.district[rows]
        self._district += sign * np.bincount(d[d >= 0], minlength=self.n_districts)

    def rows(self) -> np.ndarray:
        """Rows of the live firms, ascending (read-only: shared until the next change)."""
        self._sync()
        return self._rows

    def region_counts(self) -> np.ndarray:
        """Live firms per region."""
        self._sync()
        return self._region.copy()

    def district_counts(self) -> np.ndarray:
        """Live firms per district (firms in the rest of their region are not counted)."""
        self._sync()
        return self._district.copy()

    def _live(self, rows: np.ndarray) -> np.ndarray:
        """The counted rows among ``rows``: live firms (after a sync, every live firm)."""
        self._sync()
        nodes = self.nodes
        return rows[nodes.alive[rows] & (nodes.kind[rows] == FIRM)]

    def remove(self, rows: np.ndarray) -> None:
        """Firms leave: their rows are marked dead."""
        rows = self._live(np.asarray(rows, dtype=np.int64))
        self._count(rows, -1)
        self.nodes.alive[rows] = False
        self._set_rows(self._rows[self.nodes.alive[self._rows]])

    def move(self, rows: np.ndarray, region: np.ndarray) -> None:
        """Firms move to other regions (each keeps its district until it is placed)."""
        live = self._live(rows)
        self._count(live, -1)
        self.nodes.region[rows] = region
        self._count(live, 1)

    def set_district(self, rows: np.ndarray, district: np.ndarray | int) -> None:
        """Firms settle in a district (-1: the rest of their region)."""
        live = self._live(rows)
        self._count(live, -1)
        self.nodes.district[rows] = district
        self._count(live, 1)

    def renumber(self, mapping: np.ndarray) -> None:
        """The node table was compacted (``mapping``: old row -> new row, -1 dropped).

        The census must have counted every row before the compaction (``rows()``
        syncs it). Only dead rows are dropped and the live rows keep their order, so
        the counts stay and the kept rows stay ascending.
        """
        assert self._seen == len(mapping), "the census was not synced before compacting"
        rows = mapping[self._rows]
        assert (rows >= 0).all(), "a counted firm's row was dropped"
        self._set_rows(rows)
        self._seen = self.nodes.n

    def check(self) -> None:
        """Recount from scratch; raises AssertionError if the kept counts drifted."""
        nodes = self.nodes
        rows = np.flatnonzero(nodes.view("alive") & (nodes.view("kind") == FIRM))
        assert np.array_equal(self.rows(), rows), "firm rows drifted"
        region = np.bincount(nodes.region[rows], minlength=len(self._region))
        assert np.array_equal(self._region, region), "region counts drifted"
        d = nodes.district[rows]
        assert np.array_equal(self._district, np.bincount(d[d >= 0], minlength=self.n_districts)), (
            "district counts drifted"
        )
