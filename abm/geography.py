"""Distances between regions and how the benefit of a compute center falls with them."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0


def distance_matrix(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Great-circle distances (km) between every pair of points (haversine)."""
    phi, lam = np.radians(lat), np.radians(lon)
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    a = np.sin(dphi / 2) ** 2 + np.cos(phi[:, None]) * np.cos(phi[None, :]) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def access(distance_km: np.ndarray, decay_km: float, floor: float) -> np.ndarray:
    """Share of a center's benefit a user keeps at a distance.

    On site the user keeps everything; far away only ``floor`` (remote use works,
    but without co-location, support, data transfer and the local ecosystem).
    """
    return floor + (1.0 - floor) * np.exp(-np.asarray(distance_km) / decay_km)
