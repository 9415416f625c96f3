"""Innovation and knowledge: own knowledge, compute and partners' knowledge (spillovers).

A firm's monthly innovation hazard rises with its own knowledge and staff, with the share
of its compute need that it met (for compute-intensive firms) and with the
knowledge of its collaboration partners, which flows only along graph edges
(SKIN; Cowan & Jonard 2004). Partners' knowledge is also absorbed slowly;
knowledge depreciates; an innovation raises knowledge and a revenue premium.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.nodes import blocks
from abm.streams import Draw

if TYPE_CHECKING:
    from abm.model import RegionalModel


def innovate(model: RegionalModel, firms: np.ndarray) -> None:
    """Each firm's innovation draw and knowledge update (firm by firm, in blocks)."""
    nodes, p = model.nodes, model.config.params.firm
    degree_of = model.network.degree()
    partner_of = model.network.neighbour_sum(nodes.view("knowledge"))  # before any update
    draws = model.streams.uniform(Draw.INNOVATION, model.month, nodes.lineage, rows=firms)
    centre = mean_log_knowledge(nodes.knowledge[firms])
    success = np.empty(len(firms), dtype=bool)
    for block in blocks(len(firms)):
        rows = firms[block]
        success[block] = _innovate_block(
            nodes, p, rows, degree_of, partner_of, draws[block], centre
        )
    model.tally.innovations += np.bincount(
        nodes.region[firms[success]], minlength=len(model.region_ids)
    )


def mean_log_knowledge(knowledge: np.ndarray) -> float:
    """Mean log knowledge of firms (the log of their geometric mean): the level that the
    productivity gap, the catch-up and entrants' knowledge are measured against."""
    if len(knowledge) == 0:
        return 0.0
    return float(np.log(np.maximum(knowledge, 1e-9)).mean())


def catch_up(k: np.ndarray, centre: float, rate: float) -> np.ndarray:
    """Knowledge after a month of diffusion: each firm closes ``rate`` of its log gap to
    the firms' geometric mean ``exp(centre)``, laggards by learning from the common pool
    and leaders by being imitated, which leaves the mean log knowledge where it was and
    keeps its dispersion stationary (an Ornstein-Uhlenbeck pull on the random walk)."""
    if rate <= 0.0:
        return k
    return np.exp((1.0 - rate) * np.log(np.maximum(k, 1e-9)) + rate * centre)


def _innovate_block(nodes, p, firms, degree_of, partner_of, draws, centre) -> np.ndarray:
    degree = degree_of[firms]
    partner_sum = partner_of[firms]
    k = nodes.knowledge[firms]
    own = 2.0 * k / (k + 1.0) * (nodes.size[firms] / p.innovation_size_ref) ** p.size_elasticity
    compute = 1.0 + p.compute_effect * nodes.intensity[firms] * nodes.compute_ratio[firms]
    # log1p(0) = 0: most firms have no partner this month, so only the others are computed
    spill = 1.0 + p.spillover_effect * np.log1p(
        partner_sum, out=np.zeros(len(partner_sum)), where=partner_sum != 0
    )
    hazard = p.innovation_base * own * compute * spill
    success = draws < -np.expm1(-hazard)

    mean_partner = np.divide(partner_sum, degree, out=np.zeros_like(k), where=degree > 0)
    k = (k + p.absorption * np.maximum(mean_partner - k, 0.0)) * (1.0 - p.knowledge_decay)
    k = catch_up(k, centre, p.knowledge_catchup)
    k[success] *= 1.0 + p.innovation_gain
    nodes.knowledge[firms] = k
    nodes.quality[firms] = nodes.quality[firms] * (1.0 - p.quality_decay) + p.quality_gain * success
    nodes.innovated[firms] = success
    nodes.innovations[firms] += success
    return success
