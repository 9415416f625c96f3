"""New firms: spin-offs of firms, university start-ups, and outside entrants.

Spin-offs and start-ups stay in their parent's region (Arthur's spin-off model:
a Pólya process of firms giving birth to firms). Outside entrants choose a
region with the location rule in :mod:`abm.location`. A new site's investment
is private investment; its local government may subsidise it, and a site in an
active special zone earns the corporate-tax relief.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm import location
from abm.agents.firm import spawn_firms
from abm.nodes import OUTSIDE, SPINOFF, STARTUP

if TYPE_CHECKING:
    from abm.model import RegionalModel


def spinoffs(model: RegionalModel, firms: np.ndarray) -> np.ndarray:
    """Firms give birth to firms in their own region."""
    nodes, p = model.nodes, model.config.params.entry
    if len(firms) == 0:
        return firms
    if p.spinoffs_per_step > 0:  # Pólya urn: a parent drawn uniformly from all firms
        parents = firms[model.rng.integers(0, len(firms), p.spinoffs_per_step)]
    else:
        chance = p.spinoff_rate * (1.0 + 4.0 * nodes.innovated[firms])
        parents = firms[model.rng.random(len(firms)) < chance]
    if len(parents) == 0:
        return parents
    founders = np.minimum(1.0 + np.floor(0.02 * nodes.size[parents]), 10.0)
    nodes.size[parents] = np.maximum(nodes.size[parents] - founders, 1.0)
    tech = (nodes.tech[parents] + model.rng.normal(0.0, 0.05, len(parents))) % 1.0
    rows = spawn_firms(
        model,
        nodes.region[parents],
        founders,
        p.spinoff_knowledge * nodes.knowledge[parents],
        tech,
        nodes.intensity[parents],
        nodes.taste[parents],
        SPINOFF,
        parent=parents,
    )
    model.network.add_edges(rows, parents, model.steps)
    model.record_entries(rows)
    return rows


def university_startups(model: RegionalModel) -> None:
    nodes, p = model.nodes, model.config.params
    for u in model.universities:
        count = u.startups_this_month()
        if count == 0:
            continue
        region = np.full(count, u.region)
        rng = model.rng
        tech = (nodes.tech[u.row] + rng.normal(0.0, 0.1, count)) % 1.0
        intensity = (
            rng.beta(
                2.0,
                2.0 * (1 - p.compute.intensity_share) / max(p.compute.intensity_share, 1e-3),
                count,
            )
            if p.compute.intensity_share > 0
            else (np.zeros(count))
        )
        taste = location.draw_tastes(rng, count, len(model.region_ids), p.location)
        rows = spawn_firms(
            model,
            region,
            np.full(count, 2.0),
            np.full(count, p.entry.spinoff_knowledge * nodes.knowledge[u.row]),
            tech,
            intensity,
            taste,
            STARTUP,
            parent=np.full(count, u.row),
        )
        model.network.add_edges(rows, np.full(count, u.row), model.steps)
        model.record_entries(rows)


def outside_entrants(model: RegionalModel, n_firms: int) -> np.ndarray:
    """Entrants from outside the model's firms pick a region (Arthur 1990 + policy)."""
    p = model.config.params
    rng = model.rng
    count = p.entry.outside_per_step or int(rng.poisson(p.entry.outside_rate * n_firms))
    if count == 0:
        return np.empty(0, dtype=np.int64)
    n = len(model.region_ids)
    taste = location.draw_tastes(rng, count, n, p.location)
    intensity = draw_intensity(model, count)
    utility = location.utilities(
        model.location_base(),
        taste,
        intensity,
        model.market.access_value(),
        p.location.compute_weight,
    )
    region = location.choose(utility, p.location.temperature, rng)
    model.entry_log.extend(region.tolist())
    model.note_entry_choices(region)
    mean_size = model.mean_firm_size[region]
    sigma = model.config.population.size_sigma
    size = np.maximum(
        1.0, np.round(mean_size * np.exp(sigma * rng.standard_normal(count) - sigma**2 / 2))
    )
    knowledge = draw_knowledge(model, count)
    rows = spawn_firms(model, region, size, knowledge, rng.random(count), intensity, taste, OUTSIDE)
    model.record_entries(rows)
    model.open_sites(rows)
    return rows


def draw_intensity(model: RegionalModel, count: int) -> np.ndarray:
    """Compute intensity 0..1 with the scenario's mean (a Beta(2, b) draw)."""
    share = model.config.params.compute.intensity_share
    if share <= 0:
        return np.zeros(count)
    if share >= 1:
        return np.ones(count)
    return model.rng.beta(2.0, 2.0 * (1 - share) / share, count)


def draw_knowledge(model: RegionalModel, count: int) -> np.ndarray:
    sigma = model.config.population.knowledge_sigma
    return np.exp(sigma * model.rng.standard_normal(count) - sigma**2 / 2)
