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
