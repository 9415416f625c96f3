"""Where firms choose a region: Arthur's (1990) location model with policy terms.

A firm weighs each region r by

    U_r = q_r + w_d ln(AI adoption_r) + g(y_r) + w_c kappa A_r + w_i I_r
          - w_cost cost_r - w_cong tightness_r + taste_r

where q_r is the geographic preference, g(y_r) the agglomeration pull of the y_r
firms already there (linear or log, optionally capped), A_r the value of the
compute it can reach (weighted by its compute intensity kappa), I_r the subsidy
rate and special-zone tax break on offer, and taste_r the firm's own taste. It
picks a region by a logit with temperature tau; tau = 0 is Arthur's argmax.
"""

from __future__ import annotations

import numpy as np

from abm.schema import Agglomeration, Location


def agglomeration(firms: np.ndarray, params: Agglomeration) -> np.ndarray:
    """g(y): the pull of the firms already in each region, capped at ``params.cap``."""
    y = np.asarray(firms, dtype=float)
    g = params.strength * (y if params.form == "linear" else np.log1p(y))
    return np.minimum(g, params.cap)


def draw_tastes(
    rng: np.random.Generator, count: int, n_regions: int, params: Location
) -> np.ndarray:
    """Each new firm's own taste for each region (Arthur's heterogeneous firm types)."""
    if params.heterogeneity == "types":
        favoured = rng.integers(0, n_regions, count)
        taste = np.zeros((count, n_regions))
        taste[np.arange(count), favoured] = params.type_bonus
        return taste
    return (
        rng.normal(0.0, params.taste_sigma, (count, n_regions))
        if params.taste_sigma
        else (np.zeros((count, n_regions)))
    )


def utilities(
    base: np.ndarray,
    taste: np.ndarray,
    intensity: np.ndarray,
    compute_value: np.ndarray,
    compute_weight: float,
) -> np.ndarray:
    """U (firms x regions) = shared regional terms + compute term + own taste."""
    return base[None, :] + compute_weight * intensity[:, None] * compute_value[None, :] + taste


def choose(utility: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """Logit choice per row; temperature 0 is the argmax (ties to the first region)."""
    if temperature == 0 or utility.shape[1] == 1:
        return np.argmax(utility, axis=1)
    z = (utility - utility.max(axis=1, keepdims=True)) / temperature
    prob = np.exp(z)
    cum = np.cumsum(prob, axis=1)
    u = rng.random(len(utility))[:, None] * cum[:, -1:]
    return np.minimum((u > cum).sum(axis=1), utility.shape[1] - 1)


def district_utilities(
    pull: np.ndarray,
    firms_real: np.ndarray,
    region_firms_real: np.ndarray,
    has_center: np.ndarray,
    bonus: np.ndarray,
    loc: Location,
) -> np.ndarray:
    """V_d of each district against the rest of its region (V = 0): its own pull, the
    concentration of its region's firms in it (log share, +1 real firm so an empty district
    can start; bounded by 0, so a district cannot run away from its region), a hosted
    center and its extra subsidy."""
    share = (firms_real + 1.0) / (region_firms_real + 1.0)
    return (
        pull
        + loc.district_agglomeration * np.log(np.minimum(share, 1.0))
        + loc.center_pull * has_center
        + loc.incentive_weight * bonus
    )


def availability(space: np.ndarray, firms_real: np.ndarray, designated: np.ndarray) -> np.ndarray:
    """Share of each district's space still free (real firms), 0 before it is designated.

    The size variable of the nest (McFadden 1978: an aggregate alternative weighs with the
    number of elemental ones, here its free lots): a district's pull fades as it fills,
    rather than switching off when less than one agent's worth of lots is left. The
    switch made the region's utility jump whenever one agent died there, more often the
    more agents there are, so regions' shares depended on the agent count.
    """
    free = np.clip((space - firms_real) / np.maximum(space, 1e-12), 0.0, 1.0)
    return np.where(designated, free, 0.0)


def inclusive_values(
    value: np.ndarray, available: np.ndarray, region_of: np.ndarray, n_regions: int, scale: float
) -> np.ndarray:
    """Per region: the nest's inclusive value, scale x ln(1 + sum over districts of
    available_d x exp(V_d / scale)); 0 for a region without available districts (only
    'the rest' to choose)."""
    weights = available * np.exp(np.minimum(value / scale, 700.0))
    total = np.bincount(region_of, weights=weights, minlength=n_regions) if len(value) else 0.0
    return scale * np.log1p(total)


def choose_district(
    region: np.ndarray,
    value: np.ndarray,
    available: np.ndarray,
    region_of: np.ndarray,
    scale: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Inside its chosen region each firm picks a district or the rest (-1), by the nest's
    logit: P(d) proportional to available_d x exp(V_d / scale), P(rest) to 1."""
    out = np.full(len(region), -1, dtype=np.int64)
    if len(value) == 0 or len(region) == 0:
        return out
    weights = available * np.exp(np.minimum(value / scale, 700.0))
    member = region_of[None, :] == region[:, None]  # firms x districts
    w = np.where(member, weights[None, :], 0.0)
    total = 1.0 + w.sum(axis=1)
    u = rng.random(len(region)) * total
    cum = np.cumsum(w, axis=1)
    pick = (u[:, None] >= cum).sum(axis=1)  # index among districts, len(value) = the rest
    inside = u < cum[:, -1]
    out[inside] = pick[inside]
    return out
