"""Universities: graduates (talent), research knowledge, collaboration and start-ups."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from abm.nodes import UNIVERSITY
from abm.streams import Draw, lineage

if TYPE_CHECKING:
    from abm.model import RegionalModel
    from abm.schema import University as UniversityData


class University(mesa.Agent):
    """A university or research institute in one region.

    Its graduates enter the regional talent pool (how many stay depends on
    local openings, see ``abm/rules/labour.py``); its research knowledge flows
    to partner firms along collaboration ties; it spins off start-ups at a rate
    rising with research strength; grants raise its research strength.
    """

    def __init__(self, model: RegionalModel, data: UniversityData, region: int, index: int = 0):
        """``index``: its place among its region's universities (with the region's id, its
        lineage key)."""
        super().__init__(model)
        self.name = data.name
        self.students = data.students
        self.research = data.research
        nodes = model.nodes
        self.row = int(nodes.add(1)[0])
        nodes.kind[self.row] = UNIVERSITY
        nodes.region[self.row] = region
        nodes.alive[self.row] = True
        nodes.uid[self.row] = self.unique_id
        nodes.lineage[self.row] = lineage("university", model.region_ids[region], index)
        nodes.tech[self.row] = model.streams.uniform(
            Draw.TECH, model.month, nodes.lineage[self.row : self.row + 1]
        )[0]
        self._sync_knowledge()

    @property
    def region(self) -> int:
        return int(self.model.nodes.region[self.row])

    @property
    def graduates_per_month(self) -> float:
        """AI/ICT graduates a month, in model units (scaled)."""
        share = self.model.config.params.talent.ai_graduate_share
        return self.students * share / 12.0 * self.model.scale

    def expected_startups(self) -> float:
        """Start-ups a month on average, in model units (the mean of the Poisson count that
        ``abm.rules.entry.university_startups`` draws)."""
        rate = self.model.config.params.entry.university_startups_per_year
        return rate * self.research / 12.0 * self.model.scale

    def receive_grant(self, amount_krw: float) -> None:
        """A grant (already paid by the government) raises research strength, saturating at 1.

        ``amount_krw`` is in model units, as every budget is (real won x scale); the agent
        is one real university, so the grant counts in real won.
        """
        p = self.model.config.params
        # one month of a firm's reference revenue per 1,000 students (1 won at the least)
        reference = max(p.firm.revenue_per_employee_krw * max(self.students, 1.0) / 1000.0, 1.0)
        real = amount_krw / self.model.scale
        gain = p.universities.grant_research_gain * real / reference
        self.research = min(1.0, self.research + gain * (1.0 - self.research))
        self._sync_knowledge()

    def _sync_knowledge(self) -> None:
        per = self.model.config.params.universities.knowledge_per_research
        self.model.nodes.knowledge[self.row] = per * self.research

    def __repr__(self) -> str:
        return f"University({self.name!r}, research={self.research:.2f})"
