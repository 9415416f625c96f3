"""Mesa agents, one module per kind: firms, universities, governments."""

from abm.agents.firm import Firm
from abm.agents.government import CentralGovernment, LocalGovernment
from abm.agents.university import University

__all__ = ["CentralGovernment", "Firm", "LocalGovernment", "University"]
