"""Struct-of-arrays state of every agent, so population-wide rules run in numpy.

Each Mesa agent (firm, university, government) owns one row; rows are never
reused, so a row index is a stable handle that edges and event logs can hold.
Firm-only columns are simply unused on other rows.
"""

from __future__ import annotations

import numpy as np

FIRM, UNIVERSITY, GOVERNMENT = 0, 1, 2
KIND_NAMES = ("firm", "university", "government")

# origin of a firm row
INITIAL, SPINOFF, STARTUP, OUTSIDE, BRANCH = 0, 1, 2, 3, 4
ORIGIN_NAMES = ("initial", "spinoff", "startup", "outside", "branch")

COLUMNS: dict[str, tuple[type, object]] = {
    "kind": (np.int8, FIRM),
    "region": (np.int16, 0),
    "alive": (np.bool_, False),
    "uid": (np.int64, -1),
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
    "zone_from": (np.int32, -1),  # step special-zone tax relief started, -1 none
    "origin": (np.int8, INITIAL),
    "district": (np.int16, -1),  # index of the district it sits in, -1 = rest of its region
    "parent": (np.int64, -1),  # row of the parent firm or university
    "public_received": (np.float64, 0.0),  # KRW of grants and subsidies received
}


class NodeTable:
    """Growable columns, one row per agent ever created."""

    def __init__(self, n_regions: int, capacity: int = 1024):
        self.n = 0
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
                grown = np.full(new_cap, fill, dtype=dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
            taste = np.zeros((new_cap, self.n_regions))
            taste[: self.n] = self.taste[: self.n]
            self.taste = taste
            self._cap = new_cap
        rows = np.arange(self.n, needed)
        self.n = needed
        return rows

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
    placement); a recount is a pass over every row ever created. The census counts
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
        self._rows = np.empty(0, dtype=np.int64)

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
        rows = np.concatenate([self._rows, new])
        rows.flags.writeable = False
        self._rows = rows

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
        left = self._rows[self.nodes.alive[self._rows]]
        left.flags.writeable = False
        self._rows = left

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

    def check(self) -> None:
        """Recount from scratch; raises AssertionError if the kept counts drifted."""
        nodes = self.nodes
        rows = np.flatnonzero(nodes.view("alive") & (nodes.view("kind") == FIRM))
        assert np.array_equal(self.rows(), rows), "firm rows drifted"
        region = np.bincount(nodes.region[rows], minlength=len(self._region))
        assert np.array_equal(self._region, region), "region counts drifted"
        d = nodes.district[rows]
        assert np.array_equal(
            self._district, np.bincount(d[d >= 0], minlength=self.n_districts)
        ), "district counts drifted"
