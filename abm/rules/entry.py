"""New firms: spin-offs of firms, university start-ups, and outside entrants.

Spin-offs and start-ups stay in their parent's region (Arthur's spin-off model:
a Pólya process of firms giving birth to firms). Outside entrants choose a
region with the location rule in :mod:`abm.location`. Talent is conserved: a
spin-off's founders leave its parent, a start-up's founders and an outside
entrant's staff are hired from the region's talent pool (an outside entrant
brings its one founder from outside the AI labour market, counted in
``tally.founders_in``). A new site's investment is private investment; its local
government may subsidise it, and a site in an active special zone earns the
corporate-tax relief.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm import location
from abm.agents.firm import spawn_firms
from abm.nodes import OUTSIDE, SPINOFF, STARTUP
from abm.rules.innovation import mean_log_knowledge
from abm.schema import Entry
from abm.streams import Draw, lineage, occurrence

if TYPE_CHECKING:
    from abm.model import RegionalModel


def spinoff_chance(innovated: np.ndarray, p: Entry) -> np.ndarray:
    """Monthly chance each firm spawns a spin-off: higher in a month it innovated."""
    return np.minimum(p.spinoff_rate * (1.0 + p.spinoff_innovation_boost * innovated), 1.0)


def founders(parent_size: np.ndarray, p: Entry) -> np.ndarray:
    """Founders a spin-off takes from its parent: one plus a share of the parent's staff,
    at most ``founders_max``, and never the parent's last employee."""
    wanted = np.minimum(1.0 + np.floor(p.founder_share * parent_size), p.founders_max)
    return np.minimum(wanted, np.maximum(parent_size - 1.0, 0.0))


def spinoffs(model: RegionalModel, firms: np.ndarray) -> np.ndarray:
    """Firms give birth to firms in their own region."""
    nodes, p = model.nodes, model.config.params.entry
    if len(firms) == 0:
        return firms
    streams, month = model.streams, model.month
    if p.spinoffs_per_step > 0:  # Pólya urn: a parent drawn uniformly from all firms
        urn = streams.generator(Draw.SPINOFF_PARENT, month)
        parents = firms[urn.integers(0, len(firms), p.spinoffs_per_step)]
    else:
        chance = spinoff_chance(nodes.innovated[firms], p)
        parents = firms[streams.uniform(Draw.SPINOFF, month, nodes.lineage, rows=firms) < chance]
    if len(parents) == 0:
        return parents
    if p.spinoffs_per_step == 0:  # staff are conserved: a one-person firm cannot split
        staff = founders(nodes.size[parents], p)
        parents, staff = parents[staff >= 1.0], staff[staff >= 1.0]
        nodes.size[parents] -= staff
    else:  # the urn of the validation scenario: firm counts only, staff not tracked
        staff = np.ones(len(parents))
    if len(parents) == 0:
        return parents
    keys = nodes.lineage[parents]  # a parent drawn twice by the urn has two spin-offs
    keys = lineage("spinoff", keys, month, occurrence(keys))
    shift = p.spinoff_tech_sd * streams.normal(Draw.OFFSPRING_TECH, month, keys)
    tech = (nodes.tech[parents] + shift) % 1.0
    rows = spawn_firms(
        model,
        nodes.region[parents],
        staff,
        p.spinoff_knowledge * nodes.knowledge[parents],
        tech,
        nodes.intensity[parents],
        nodes.taste[parents],
        SPINOFF,
        parent=parents,
        lineage=keys,
    )
    model.network.add_edges(rows, parents, model.month)
    model.record_entries(rows)
    stay_with_parent(model, rows, parents)
    return rows


def stay_with_parent(model: RegionalModel, rows: np.ndarray, parents: np.ndarray) -> None:
    """A spin-off sits in its parent's district while the district has space."""
    if not model.district_ids:
        return
    _, available = model.district_options()
    d = model.nodes.district[parents].astype(np.int64)
    keep = (d >= 0) & (available[np.maximum(d, 0)] > 0)
    d = model.within_space(np.where(keep, d, -1))
    model.census.set_district(rows, d)
    model.tally.district_entries += np.bincount(d[d >= 0], minlength=len(model.district_ids))


def university_startups(model: RegionalModel) -> None:
    """Graduates of a university found start-ups beside it, hired from the local pool.

    Each university's count is a Poisson draw keyed by the university and the month; the
    k-th start-up of a university's month draws the same attributes in every option."""
    nodes, p = model.nodes, model.config.params
    if not model.universities:
        return
    streams, month = model.streams, model.month
    unis = np.array([u.row for u in model.universities], dtype=np.int64)
    means = np.array([u.expected_startups() for u in model.universities])
    counts = streams.poisson(Draw.STARTUPS, month, nodes.lineage[unis], means)
    for u, key, count in zip(model.universities, nodes.lineage[unis], counts.tolist(), strict=True):
        staff = p.entry.startup_founders
        count = min(count, int(model.talent[u.region] // staff))
        if count <= 0:
            continue
        model.talent[u.region] -= count * staff
        region = np.full(count, u.region)
        keys = lineage("startup", key, month, np.arange(count))
        shift = p.entry.startup_tech_sd * streams.normal(Draw.OFFSPRING_TECH, month, keys)
        tech = (nodes.tech[u.row] + shift) % 1.0
        cohort = ("startup", int(key), month)
        intensity = draw_intensity(model, count, streams.generator(Draw.INTENSITY, *cohort))
        taste = location.draw_tastes(
            streams.generator(Draw.TASTE, *cohort), count, len(model.region_ids), p.location
        )
        rows = spawn_firms(
            model,
            region,
            np.full(count, staff),
            np.full(count, p.entry.spinoff_knowledge * nodes.knowledge[u.row]),
            tech,
            intensity,
            taste,
            STARTUP,
            parent=np.full(count, u.row),
            lineage=keys,
        )
        model.network.add_edges(rows, np.full(count, u.row), model.month)
        model.record_entries(rows)
        model.place_in_districts(rows)


def entrant_mean(model: RegionalModel, n_firms: int, base: np.ndarray, access: np.ndarray) -> float:
    """The Poisson mean of this month's outside entrants: ``outside_rate x firms`` at the
    start's conditions, times the entry factor of the regions' inclusive value now for an
    entrant of mean compute intensity (:func:`abm.location.entry_factor`; 1 with
    ``outside_share = 0``, the zero-sum model). Its compute term is the value of the public
    compute each region reaches plus the market price's level against 2025's
    (``ComputeMarket.price_advantage``): cheaper compute anywhere draws entrants into the
    sector, dearer compute keeps them out."""
    p = model.config.params
    mean = p.entry.outside_rate * n_firms
    loc = p.location
    if loc.outside_share == 0 or mean == 0:
        return mean
    compute = access + model.market.price_advantage()
    pull = base + loc.compute_weight * p.compute.intensity_share * compute
    now = location.inclusive_value(pull, loc.temperature)
    return mean * location.entry_factor(
        now, model.entry_reference, loc.outside_share, loc.temperature
    )


def entrant_count(model: RegionalModel, n_firms: int, base: np.ndarray, access: np.ndarray) -> int:
    """This month's outside entrants (or exactly ``outside_per_step``): the Poisson quantile
    of one keyed uniform at :func:`entrant_mean`, so an option with better conditions draws
    at least as many entrants as its counterfactual, and the k-th is the same firm in both."""
    fixed = model.config.params.entry.outside_per_step
    if fixed:
        return fixed
    return model.streams.count(
        Draw.ENTRANTS, model.month, entrant_mean(model, n_firms, base, access)
    )


def outside_entrants(model: RegionalModel, n_firms: int) -> np.ndarray:
    """Entrants from outside the model's firms pick a region (Arthur 1990 + policy); how many
    enter grows with the regions' pull (the outside option, :func:`entrant_count`)."""
    p = model.config.params
    streams, month = model.streams, model.month
    base, access = model.location_base(), model.market.access_value()
    count = entrant_count(model, n_firms, base, access)
    if count == 0:
        return np.empty(0, dtype=np.int64)
    n = len(model.region_ids)
    cohort = ("outside", month)  # the k-th entrant of a month draws the same in every option
    keys = lineage(*cohort, np.arange(count))
    taste = location.draw_tastes(streams.generator(Draw.TASTE, *cohort), count, n, p.location)
    intensity = draw_intensity(model, count, streams.generator(Draw.INTENSITY, *cohort))
    utility = location.utilities(base, taste, intensity, access, p.location.compute_weight)
    choice = streams.uniform(Draw.ENTRY_CHOICE, month, keys)
    region = location.choose(utility, p.location.temperature, choice)
    model.note_entry_choices(region)
    size = draw_sizes(model, region, streams.generator(Draw.SIZE, *cohort))
    if p.entry.outside_per_step == 0:
        size = hire_entrant_staff(model, region, size)
    knowledge = draw_knowledge(
        model,
        count,
        streams.generator(Draw.KNOWLEDGE, *cohort),
        mean_log_knowledge(model.nodes.knowledge[model.firm_rows()]),
    )
    tech = streams.generator(Draw.TECH, *cohort).random(count)
    rows = spawn_firms(
        model, region, size, knowledge, tech, intensity, taste, OUTSIDE, lineage=keys
    )
    model.record_entries(rows)
    model.place_in_districts(rows)
    model.open_sites(rows)
    return rows


def hire_entrant_staff(model: RegionalModel, region: np.ndarray, size: np.ndarray) -> np.ndarray:
    """An entrant's founder comes from outside; the rest are hired from the pool.

    Where the pool is short, every entrant of the region gets the same fill rate.
    """
    n = len(model.region_ids)
    founders_in = np.ones_like(size)
    want = size - founders_in
    demand = np.bincount(region, weights=want, minlength=n)
    fill = np.minimum(1.0, np.divide(model.talent, demand, out=np.ones(n), where=demand > 0))
    hired = want * fill[region]
    model.talent -= np.bincount(region, weights=hired, minlength=n)
    np.maximum(model.talent, 0.0, out=model.talent)
    model.tally.founders_in += float(founders_in.sum())
    return founders_in + hired


def draw_sizes(model: RegionalModel, region: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Employees of new or initial firms: log-normal around the region's mean, at least 1.

    ``rng``: the cohort's generator (:meth:`abm.streams.Streams.generator`); so are the
    other ``draw_`` functions'."""
    sigma = model.config.population.size_sigma
    mean = model.mean_firm_size[region]
    z = rng.standard_normal(len(region))
    return np.maximum(1.0, np.round(mean * np.exp(sigma * z - sigma**2 / 2)))


def draw_intensity(model: RegionalModel, count: int, rng: np.random.Generator) -> np.ndarray:
    """Compute intensity 0..1 with the scenario's mean (a Beta(a, b) draw)."""
    p = model.config.params.compute
    share, a = p.intensity_share, p.intensity_concentration
    if share <= 0:
        return np.zeros(count)
    if share >= 1:
        return np.ones(count)
    return rng.beta(a, a * (1 - share) / share, count)


def draw_knowledge(
    model: RegionalModel, count: int, rng: np.random.Generator, centre: float | None = None
) -> np.ndarray:
    """Knowledge of new firms: log-normal around ``exp(centre)`` (their mean log knowledge).

    ``centre`` None: the initial firms', ``-sigma**2 / 2`` (mean knowledge 1). Outside
    entrants pass the live firms' mean log knowledge, so that they enter as typical firms
    of today's population rather than of 2019's (with a fixed level they became laggards
    as incumbents learned, and ran out of cash)."""
    sigma = model.config.population.knowledge_sigma
    mean = -(sigma**2) / 2 if centre is None else centre
    return np.exp(mean + sigma * rng.standard_normal(count))
