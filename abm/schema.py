"""The scenario schema: every parameter, its type, default, allowed range and source.

A scenario file is TOML; this module says what may be in it. Each field is a
dataclass field whose metadata carries the documentation, the allowed range and
where the default comes from, so that one table drives validation (with messages
naming the field and the allowed range), the ``abm validate`` report and the
parameter table in ``docs/ODD.md`` (a test keeps them in step).

Amounts of money are in won (KRW). Dates are months, written ``"YYYY-MM"``.
Quantities marked *real* are national or regional totals; the model scales them
down by ``firms agents / real firms`` (see :func:`abm.scenario.Scenario.scale`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from abm.inputs import ASSUMPTION as ASSUMPTION  # schema.ASSUMPTION: what the docs cite
from abm.inputs import Month, MonthOrNever, Schedule, param, section

# --------------------------------------------------------------------------- regions


@dataclass(frozen=True)
class University:
    """A university or research institute: a source of talent and knowledge."""

    name: str = param("", "Name of the institution")
    students: float = param(0.0, "Enrolled students (real)", lo=0, hi=1e6, unit="persons")
    research: float = param(
        0.5, "Research strength, 0 (teaching only) to 1 (top research university)", lo=0, hi=1
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


@dataclass(frozen=True)
class Incentives:
    """Local incentives of a region: special-zone status and investment subsidies."""

    special_zone: bool = param(
        False,
        "Region has an Opportunity Development Special Zone (기회발전특구) for ICT",
        dated_by="zone_since",
    )
    zone_since: Month = param("2024-06", "Month the special zone was designated")
    subsidy_rate: float = param(
        0.0,
        "Local investment subsidy as a share of a new site's investment",
        lo=0,
        hi=0.5,
        at_most="subsidy_rate_max",
        source="지방투자촉진보조금 covers 4-50 % of investment (asiae 2026-02-09) [V]",
    )
    status_quo_rate: float = param(
        0.0,
        "Subsidy rate already in force when the region's firms were counted (the start): "
        "with location.preferences = 'equilibrium' the backed-out amenity absorbs it, so "
        "only a rate above or below it moves entrants",
        lo=0,
        hi=0.5,
        at_most="subsidy_rate_max",
    )
    subsidy_rate_max: float = param(
        0.5,
        "Ceiling the local government may raise the subsidy rate to",
        lo=0,
        hi=0.5,
        source="upper end of the 4-50 % range (asiae 2026-02-09) [V]",
    )
    raise_on_loss: bool = param(
        False, "Local government raises the subsidy rate after a year of net firm loss"
    )
    raise_step: float = param(0.02, "Rate increase per year of net loss", lo=0, hi=0.5)
    subsidy_cap_krw: float = param(
        15_000_000_000.0,
        "Cap of the subsidy per project",
        lo=0,
        hi=1e13,
        unit="KRW",
        source="per-project cap 100억 -> 150억 from 2025-02-01 (KDI; kangso) [V]",
    )
    budget_krw_per_year: float = param(
        0.0, "Local subsidy budget per year (real)", lo=0, hi=1e14, unit="KRW"
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


@dataclass(frozen=True)
class Region:
    """A region: data, not code. Adding one is a TOML edit."""

    name: str = param("", "English name")
    name_ko: str = param("", "Korean name")
    lat: float = param(0.0, "Latitude of the region's AI cluster", lo=33, hi=39)
    lon: float = param(0.0, "Longitude of the region's AI cluster", lo=124, hi=132)
    capital: bool = param(False, "This is the capital region (for capital-region share)")
    firms_real: float = param(0.0, "AI/ICT firms at the start (real)", lo=0, hi=1e6)
    mean_firm_size: float = param(10.0, "Mean employees per firm", lo=1, hi=10_000)
    ai_adoption: float = param(
        0.179, "Share of firms in the region that use AI (demand proxy)", lo=0.001, hi=1
    )
    cost: float = param(1.0, "Relative cost level of wages and space (capital = 1)", lo=0.1, hi=5)
    talent_pool: float = param(
        0.0, "AI/ICT workers available for hire at the start (real)", lo=0, hi=1e7
    )
    preference: float = param(
        0.0,
        "Arthur's geographic preference q_r (utility units); with location.preferences = "
        "'equilibrium' a shift added to the backed-out amenity",
        lo=-100,
        hi=100,
    )
    universities: tuple[University, ...] = param((), "Universities and institutes")
    incentives: Incentives = section(Incentives, "Local incentives")
    local_government: bool = param(True, "A local government agent funds incentives here")
    provinces: int = param(
        1,
        "Provinces (시도) the region covers; the balanced grant rule shares money by them",
        lo=1,
        hi=17,
        unit="provinces",
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


@dataclass(frozen=True)
class District:
    """A named site inside a region where firms cluster (a complex, a zone, a valley).

    A firm that chooses a region then chooses one of its open districts or the rest of the
    region (a nested logit, ``abm/location.py``). Districts are data like regions.
    """

    name: str = param("", "English name")
    name_ko: str = param("", "Korean name")
    region: str = param("", "Region id it lies in", refers="regions")
    lat: float = param(0.0, "Latitude (0 = none: maps draw it beside its region)", lo=-90, hi=90)
    lon: float = param(0.0, "Longitude (0 = none: maps draw it beside its region)", lo=-180, hi=180)
    designated: Month = param("2015-01", "Month it opens to firms")
    space_firms: float = param(
        1e6, "Firms it has space for (real; land or floor area)", lo=0, hi=1e7, unit="firms"
    )
    firms_real: float = param(
        0.0, "Firms in it at the start (real, part of the region's)", lo=0, hi=1e6, unit="firms"
    )
    pull: float = param(
        0.0,
        "Utility of locating in it rather than elsewhere in the region (its amenities, "
        "programmes and land prices; calibrated)",
        lo=-100,
        hi=100,
    )
    subsidy_bonus: float = param(
        0.0, "Extra subsidy rate its own programmes add for new sites", lo=0, hi=0.5
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


# --------------------------------------------------------------------------- compute


@dataclass(frozen=True)
class Center:
    """A compute center: site, GPU capacity over time, price and allocation rule."""

    name: str = param("", "Name")
    name_ko: str = param("", "Korean name (empty = the English name)")
    site: str = param("", "Region id of the site", refers="regions")
    public: bool = param(
        True, "Publicly priced capacity allocated by rule (else sold at its price, local access)"
    )
    price_krw: float = param(
        100_000.0,
        "Price per GPU-month",
        lo=0,
        hi=1e8,
        unit="KRW",
        source="Gwangju NADC H100 price 100,000원/month (honamgoodnews) [V]",
    )
    capacity: Schedule = param(
        (),
        "GPU capacity schedule: [month, GPUs] points, linear in between (real)",
        lo=0,
        hi=1e6,
        starts=True,
    )
    allocation: str = param(
        "priority",
        "Rule when oversubscribed",
        choices=("proportional", "priority", "queue"),
    )
    public_krw: float = param(0.0, "Public money put into building it (real)", lo=0, hi=1e14)
    private_krw: float = param(0.0, "Private money put into building it (real)", lo=0, hi=1e14)
    build_start: Month = param("2025-01", "Month construction spending starts", starts=True)
    build_end: Month = param("2028-12", "Month construction spending ends", after="build_start")
    free_until: MonthOrNever = param(
        "", "Last month its GPUs are free (price 0 until then); empty = never free"
    )
    district: str = param(
        "",
        "District id the center sits in (empty = the region at large)",
        refers="districts",
        or_empty=True,
        within="site",
    )
    npu_share: float = param(
        0.0,
        "Share of its capacity (in H100 equivalents) that is domestic NPUs (a decision lever)",
        lo=0,
        hi=1,
        source="levers: the 2025 plan's 50 % domestic chips by 2030 (dcnewsj) [V] and the "
        "dropped 30 % NACC share (newspub) [V]; the mandate was withdrawn 2025-09 (news1) [V]",
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


# --------------------------------------------------------------------------- government


@dataclass(frozen=True)
class Program:
    """A national fund line: an amount spent evenly over a period."""

    name: str = param("", "Name")
    amount_krw: float = param(0.0, "Total amount (real)", lo=0, hi=1e14, unit="KRW")
    start: Month = param("2025-01", "First month", starts=True)
    end: Month = param("2030-12", "Last month", after="start")
    region: str = param(
        "",
        "Region id it is earmarked for; empty = follow the allocation rule",
        refers="regions",
        or_empty=True,
    )
    eligible: str = param(
        "non_capital",
        "Unearmarked money: split over non-capital regions by the rule, or over all regions "
        "by their firms (a national call open to every firm)",
        choices=("non_capital", "all"),
    )


@dataclass(frozen=True)
class Central:
    """The central government: national fund, center plan and grant rule."""

    allocation: str = param(
        "balanced",
        "How unearmarked grants are split across non-capital regions",
        choices=("concentrate", "balanced", "competitive"),
    )
    programs: tuple[Program, ...] = param((), "National fund lines")
    university_share: float = param(
        0.2, "Share of each region's grants that goes to its universities", lo=0, hi=1
    )
    grant_size_krw: float = param(
        280_000_000.0,
        "Size of one grant to a firm (a funded project); a region's money is paid in whole grants",
        lo=1e6,
        hi=1e12,
        unit="KRW",
        source="derived: AI voucher 2021, 560억 for 200 tasks, at most 3억 each "
        "(zdnet 2021-12-15) [V]",
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


@dataclass(frozen=True)
class Vouchers:
    """GPU vouchers: a public budget that pays part of SMEs' commercial compute bills."""

    budget_krw_per_year: float = param(
        0.0,
        "Voucher budget per year (real); 0 = no vouchers",
        lo=0,
        hi=1e13,
        unit="KRW",
        source="AI voucher budgets 2020-2025: 599억, 560억, 980억, 700억, 425억, 270억 a year "
        "(ddaily 2024-02-26; zdnet 2021-12-15; etnews 2024-01-10; ajunews 2024-10-28) [V]; "
        "a GPU voucher funded alike is an ASSUMPTION",
    )
    share: float = param(
        0.7,
        "Share of a holder's commercial compute bill (private centers and cloud) the voucher pays",
        lo=0,
        hi=0.95,
    )
    cap_krw_per_month: float = param(
        25_000_000.0,
        "Most one voucher pays in a month",
        lo=0,
        hi=1e10,
        unit="KRW",
        source="derived: AI voucher at most 3억 a task (2021 and 2023; zdnet 2021-12-15, "
        "etnews 2024-01-10) [V], over 12 months",
    )
    start: Month = param("2026-01", "First month vouchers are paid", starts=True)
    end: Month = param("2030-12", "Last month vouchers are paid", after="start")
    sme_only: bool = param(
        True,
        "Only SMEs (below population.sme_threshold employees) receive vouchers",
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


@dataclass(frozen=True)
class Fund:
    """A regional venture fund: public and private money invested as equity in firms.

    A city puts in a small share, the national fund of funds (모태펀드) and private partners
    the rest, and the fund must invest a multiple of the city's share in firms of the
    region: firms there, or firms elsewhere that commit to move there. The rest of the fund
    may go to firms anywhere. Paid in whole investments of ``ticket_krw``; 0 = off.
    """

    name: str = param("", "Name")
    name_ko: str = param("", "Korean name (empty = the English name)")
    region: str = param("", "Region id whose firms the local obligation goes to", refers="regions")
    size_krw: float = param(0.0, "Fund size (real); 0 = off", lo=0, hi=1e13, unit="KRW")
    public_share: float = param(
        0.0, "Share of the fund that is public money (city and national fund of funds)", lo=0, hi=1
    )
    city_krw: float = param(0.0, "The region's own contribution (real)", lo=0, hi=1e13, unit="KRW")
    local_multiple: float = param(
        2.0,
        "Local obligation: the city's contribution times this must go to the region's firms "
        "(at most the fund's size)",
        lo=0,
        hi=100,
        source="200 % of the city's share, Daegu ABB funds 1, 2 and 4 (etnews 2022-11-01; "
        "yeongnam 2024-01-21) [V]",
    )
    ticket_krw: float = param(
        1_000_000_000.0,
        "One investment in one firm",
        lo=1e6,
        hi=1e12,
        unit="KRW",
        source="derived: ABB 성장펀드 1호, 76억 in 7 Daegu firms by 2024-01, 38억 in 4 by "
        "2023-05 (yeongnam 2024-01-21; kgrowth) [V]",
    )
    first: Month = param("2026-01", "First month it invests")
    last: Month = param("2029-12", "Last month it invests", after="first")
    movers_share: float = param(
        0.2,
        "Share of the local obligation offered first to firms elsewhere that commit to move "
        "to the region (the relocation condition)",
        lo=0,
        hi=1,
        source="derived: Suwon 새빛펀드, 4 of the 19 local investees moved their head office, "
        "plant or lab from elsewhere (hkbs; sisaissue) [V]; a capital-region comparator, so "
        "for other regions an ASSUMPTION with range 0-0.5",
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


@dataclass(frozen=True)
class Recruitment:
    """A regional programme that recruits firms from other regions (Gwangju's AI business
    MOUs): it signs pledges with outside firms on a dated schedule, and a share of the
    pledges become set-ups in the region, each a head-office move or a new branch, through
    the relocation and branch machinery (staff move with the firm or come from the parent).
    An empty schedule or a zero share recruits no one."""

    name: str = param("", "Name")
    region: str = param("", "Region id that recruits", refers="regions")
    pledges: Schedule = param(
        (),
        "Pledges (MOUs) signed with firms of other regions, cumulative: [month, firms] "
        "points, linear in between, none before the first (real)",
        lo=0,
        hi=1e6,
        unit="firms",
    )
    setup_share: float = param(
        0.66,
        "Share of pledges that become a set-up in the region",
        lo=0,
        hi=1,
        source="derived: Gwangju, 61 set-ups of 92 firm MOUs by 2021-07 (newsis 2021-07-20) [V]; "
        "28-32 of 43 by 2020-11 (kmib 2020-11-09) [V]: 0.65-0.74",
    )
    move_share: float = param(
        0.14,
        "Share of set-ups that move the firm's head office (the rest open a branch: a new "
        "local corporation or office)",
        lo=0,
        hi=1,
        source="derived: Gwangju 2020-11, 4 head-office moves of 28 set-ups (24 new "
        "corporations) (kmib 2020-11-09) [V]",
    )
    lag_months: int = param(
        0,
        "Months from a pledge to its set-up",
        lo=0,
        hi=60,
        unit="months",
        source="ASSUMPTION, range 0-6: Gwangju's set-ups kept pace with its MOUs (32 of 43 "
        "firm MOUs by 2020-11, 61 of 92 by 2021-07; kmib, newsis) [V]",
    )
    district: str = param(
        "",
        "District id set-ups go to while it has space (empty: they choose as new sites do)",
        refers="districts",
        or_empty=True,
        within="region",
    )
    grant_krw: float = param(
        0.0, "Money the programme pays each set-up, once", lo=0, hi=1e11, unit="KRW"
    )
    budget_krw: float = param(
        0.0,
        "Programme money for set-up grants (real); grants stop when it is spent",
        lo=0,
        hi=1e14,
        unit="KRW",
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


@dataclass(frozen=True)
class Programme:
    """A dated programme of one district (a building opened, a support budget paid), acting
    through the channel it used: ``space`` adds room for firms to the district from its
    first month to its last; ``money`` pays its budget evenly over its months as grants to
    the district's firms, through the region's government, and a firm choosing a site
    expects its share. A programme of budget 0 and space 0 does nothing."""

    name: str = param("", "Name")
    name_ko: str = param("", "Korean name (empty = the English name)")
    region: str = param("", "Region id of its district", refers="regions")
    district: str = param(
        "", "District id it acts in (a district of its region)", refers="districts", within="region"
    )
    channel: str = param(
        "money",
        "How it acts: money = grants to the district's firms from its budget; space = room "
        "for more firms in the district",
        choices=("money", "space"),
    )
    first: Month = param(
        "2026-01", "First month it acts (nothing of it is read before)", starts=True
    )
    last: Month = param(
        "2030-12", "Last month it acts (space: the last month the room exists)", after="first"
    )
    budget_krw: float = param(
        0.0,
        "Money paid to the district's firms over its months (real; channel money only)",
        lo=0,
        hi=1e14,
        unit="KRW",
    )
    space_firms: float = param(
        0.0,
        "Firms it adds room for in the district (real; channel space only)",
        lo=0,
        hi=1e6,
        unit="firms",
    )
    sources: dict[str, str] = param({}, "Citation for each number above")


@dataclass(frozen=True)
class Government:
    central: Central = section(Central, "Central government")
    vouchers: Vouchers = section(Vouchers, "GPU vouchers (off while the budget is 0)")


# --------------------------------------------------------------------------- behaviour


@dataclass(frozen=True)
class Population:
    firms: int = param(2000, "Firm agents at the start (all regions)", lo=0, hi=2_000_000)
    size_sigma: float = param(1.0, "Log-normal sigma of firm size", lo=0, hi=3)
    knowledge_sigma: float = param(0.5, "Log-normal sigma of initial knowledge", lo=0, hi=3)
    sme_threshold: float = param(
        300.0,
        "Employees below which a firm is an SME",
        lo=1,
        hi=1e5,
        source="SME employee ceiling commonly 300 in Korean law (assumption)",
    )


@dataclass(frozen=True)
class Location:
    """Arthur (1990) location choice, extended with compute, incentives, costs."""

    temperature: float = param(
        0.5,
        "Logit temperature; 0 = Arthur's argmax",
        lo=0,
        hi=100,
        source="0 reproduces Arthur (1990); >0 is the logit 'leakage' of Fowler (2011)",
    )
    heterogeneity: str = param(
        "normal",
        "Entrant taste: normal noise per region, or Arthur's types (each type favours one region)",
        choices=("normal", "types"),
    )
    taste_sigma: float = param(0.5, "Sd of an entrant's taste per region", lo=0, hi=100)
    preferences: str = param(
        "given",
        "Regions' preferences q_r: each region's given 'preference', or backed out at the "
        "start so that entrants choose regions in their observed shares of firms "
        "('equilibrium': Berry 1994, from the terms no policy lever changes)",
        choices=("given", "equilibrium"),
        source="'given' reproduces Arthur (1990); 'equilibrium' is the amenity inversion of "
        "quantitative spatial models (Redding and Rossi-Hansberg 2017)",
    )
    type_bonus: float = param(
        1.0, "Extra utility of a 'types' entrant for its favoured region", lo=0, hi=1e6
    )
    demand_weight: float = param(1.0, "Weight of ln(AI adoption) (market demand)", lo=0, hi=100)
    compute_weight: float = param(
        2.0, "Weight of the value of the best compute option reachable", lo=0, hi=100
    )
    incentive_weight: float = param(
        2.0, "Weight of the expected subsidy rate and tax break", lo=0, hi=100
    )
    cost_weight: float = param(1.0, "Weight of the region's cost level", lo=0, hi=100)
    congestion_weight: float = param(1.0, "Weight of labour-market tightness", lo=0, hi=100)
    nest_scale: float = param(
        0.5,
        "Nested logit: dissimilarity of the choices inside a region (1 = as different as "
        "regions, near 0 = interchangeable); weights the districts' inclusive value",
        lo=0.01,
        hi=1,
    )
    district_agglomeration: float = param(
        0.2,
        "Slope of a district's pull in the log of its share of its region's (real) firms",
        lo=0,
        hi=100,
    )
    center_pull: float = param(
        0.5,
        "Utility of a district that hosts a compute center (co-location)",
        lo=0,
        hi=100,
    )
    outside_share: float = param(
        0.25,
        "Share of potential outside entrants who, at the start's conditions, stay out of Korea's "
        "AI sector (the outside option): 0 = a fixed flow that only moves between regions "
        "(zero-sum), towards 1 = entry that grows with every region's pull (Poisson)",
        lo=0,
        hi=1,
        source="ASSUMPTION, plausible range 0-0.6 (central 0.25): the form is the nested logit "
        "with one outside option of Schmidheiny and Brülhart (2011), J. Urban Econ. 69(2) [V], "
        "which gives no estimate; the range weighs Criscuolo et al. (2019, AER 109(1)), whose "
        "area gains were not displacement, against the 80-82 % capital-region share of AI "
        "start-ups (KOITA 2023, https://zdnet.co.kr/view/?no=20251208160843) [V]",
    )


@dataclass(frozen=True)
class Agglomeration:
    """g(y): the pull of firms already in a region (Arthur 1990)."""

    form: str = param(
        "log", "Shape of g in the number of real firms y in the region", choices=("linear", "log")
    )
    strength: float = param(
        0.5, "Slope of g (per real firm for linear, per log-unit for log)", lo=0, hi=100
    )
    cap: float = param(math.inf, "Upper bound of g (inf = unbounded)", lo=0)


@dataclass(frozen=True)
class Entry:
    outside_rate: float = param(
        0.0108,
        "Outside entrants per month as a share of firms (Poisson mean)",
        lo=0,
        hi=1,
        source="calibrated: all entry (outside, spin-offs, start-ups) ~15 %/yr in the baseline, "
        "within the all-industry birth rates 13.6 % (2022, kgnewskorea) and 15.3 % (2019, forid) "
        "[V/S]; ICT + finance 24.8 % in 2011 (newswire) [V]",
    )
    outside_per_step: int = param(
        0,
        "If > 0: exactly this many outside entrants a month (Arthur's sequence)",
        lo=0,
        hi=100_000,
    )
    spinoff_rate: float = param(
        0.002, "Monthly chance a firm spawns a spin-off, raised by innovation", lo=0, hi=1
    )
    spinoffs_per_step: int = param(
        0,
        "If > 0: exactly this many spin-offs a month, parent drawn uniformly (Pólya urn)",
        lo=0,
        hi=100_000,
    )
    university_startups_per_year: float = param(
        2.0, "Start-ups a year from a university of research strength 1", lo=0, hi=1000
    )
    spinoff_knowledge: float = param(
        0.7, "Share of the parent's knowledge a spin-off starts with", lo=0, hi=1
    )
    spinoff_innovation_boost: float = param(
        4.0,
        "Extra spin-off chance of a firm that innovated this month (rate x (1 + boost))",
        lo=0,
        hi=100,
    )
    founder_share: float = param(
        0.02, "Share of the parent's staff who found a spin-off (plus one founder)", lo=0, hi=1
    )
    founders_max: float = param(
        10.0, "Most founders a spin-off takes from its parent", lo=1, hi=1000, unit="persons"
    )
    spinoff_tech_sd: float = param(
        0.05, "Sd of a spin-off's technology position around its parent's", lo=0, hi=1
    )
    startup_founders: float = param(
        2.0,
        "Founders of a university start-up (hired from the region's talent pool)",
        lo=1,
        hi=100,
        unit="persons",
    )
    startup_tech_sd: float = param(
        0.1, "Sd of a start-up's technology position around its university's", lo=0, hi=1
    )


@dataclass(frozen=True)
class Firm:
    """Finance, innovation and growth of firms."""

    revenue_per_employee_krw: float = param(
        23_160_000.0,
        "Monthly revenue per employee at reference productivity",
        lo=0,
        hi=1e10,
        unit="KRW",
        source="Daegu IT/SW 2012: 4조8,687억 sales / 17,520 employees / 12 (sedaily) [V, derived]",
    )
    cost_share: float = param(
        0.95,
        "Operating cost as a share of reference revenue (0.95: a 5 % operating margin)",
        lo=0,
        hi=2,
    )
    revenue_sigma: float = param(0.08, "Sd of monthly revenue shocks", lo=0, hi=2)
    initial_cash_months: float = param(6.0, "Initial cash in months of revenue", lo=0, hi=600)
    innovation_base: float = param(0.02, "Monthly innovation hazard of an average firm", lo=0, hi=1)
    size_elasticity: float = param(
        0.3, "Elasticity of the innovation hazard to staff (relative to 10 employees)", lo=0, hi=2
    )
    compute_effect: float = param(
        1.0, "Hazard multiplier gained at full compute need met", lo=0, hi=100
    )
    spillover_effect: float = param(
        0.5, "Hazard gain per log-unit of partners' knowledge", lo=0, hi=100
    )
    innovation_gain: float = param(0.1, "Knowledge growth on an innovation", lo=0, hi=10)
    quality_gain: float = param(0.05, "Revenue premium gained per innovation", lo=0, hi=10)
    quality_decay: float = param(0.02, "Monthly decay of the revenue premium", lo=0, hi=1)
    absorption: float = param(
        0.02, "Monthly share of the gap to partners' knowledge absorbed", lo=0, hi=1
    )
    knowledge_decay: float = param(0.002, "Monthly knowledge depreciation", lo=0, hi=1)
    knowledge_catchup: float = param(
        0.007,
        "Monthly share of a firm's log-knowledge gap to the firms' geometric mean that "
        "diffusion closes (laggards learn, leaders are imitated)",
        lo=0,
        hi=1,
        source="ASSUMPTION, range 0.003-0.01 (a gap's half-life 19 to 6 years; catch-up as in "
        "Nelson and Phelps 1966): 0.007 keeps the sd of log knowledge near its initial "
        "knowledge_sigma through 2035 (docs/ODD.md, demography and finance)",
    )
    growth_rate: float = param(0.01, "Max monthly employment growth", lo=0, hi=1)
    shrink_rate: float = param(0.02, "Max monthly employment cut when losing money", lo=0, hi=1)
    exit: bool = param(True, "Firms exit when cash runs out or close (see params.demography)")
    corporate_tax: float = param(0.2, "Corporate tax on profit", lo=0, hi=1)
    productivity_spread: float = param(
        0.2, "Revenue gain per log-unit of knowledge above the population mean", lo=0, hi=10
    )
    grant_knowledge: float = param(
        0.2,
        "Knowledge gain from a grant worth grant_knowledge_months of revenue (pro rata, capped)",
        lo=0,
        hi=100,
    )
    moving_cost_months: float = param(
        3.0, "Cash a move or branch costs, in months of the firm's revenue", lo=0, hi=120
    )
    capex_per_job_krw: float = param(
        70_500_000.0,
        "Investment per job of a new AI/SW site",
        lo=0,
        hi=1e11,
        unit="KRW",
        source="derived: Jeonnam ICT/content investment-subsidy agreements, 10 firms, 129억 for "
        "183 jobs (fnnews 2023-03-27) [V]. CONFLICTING: 8.26억/job for the whole 2024 local "
        "investment subsidy, manufacturing-heavy (KDI) [V]",
    )
    relocation_rate: float = param(0.002, "Monthly chance a firm reviews its site", lo=0, hi=1)
    moving_cost: float = param(1.0, "Utility cost of moving (needs a gain above it)", lo=0, hi=100)
    branch_rate: float = param(
        0.0005, "Monthly chance a large profitable firm opens a branch", lo=0, hi=1
    )
    branch_min_size: float = param(50.0, "Employees needed to open a branch", lo=1, hi=1e6)
    branch_staff_share: float = param(
        0.1, "Share of the parent's staff that moves to a new branch (at least one)", lo=0, hi=1
    )
    innovation_size_ref: float = param(
        10.0,
        "Staff at which the size term of the innovation hazard is 1",
        lo=1,
        hi=1e5,
        unit="persons",
    )
    productivity_floor: float = param(
        0.1, "Lowest productivity a knowledge laggard falls to (share of reference)", lo=0, hi=1
    )
    margin_scale: float = param(
        0.1, "Margin at which hiring (or shedding staff) reaches its maximum rate", lo=1e-3, hi=10
    )
    grant_knowledge_months: float = param(
        10.0,
        "Grant size, in months of the firm's revenue, that gives the full grant_knowledge gain",
        lo=1e-3,
        hi=1e3,
    )


@dataclass(frozen=True)
class Compute:
    gpu_per_employee: float = param(
        0.0355,
        "GPUs an employee of a fully compute-intensive firm needs at the public price (2025)",
        lo=0,
        hi=100,
        unit="GPUs/person",
        source="calibrated: mean oversubscription of Gwangju's NADC over Jan-Jul 2025 (before "
        "the government GPUs of 2025 arrive) = 2.69 in the baseline (2025 GPU competition "
        "ratio 2.69:1, kwangju.co.kr) [V]",
    )
    intensity_share: float = param(
        0.4,
        "Mean compute intensity of firms (0-1)",
        lo=0,
        hi=1,
        source="40.4 % of capital-region firms use AI (KCCI/KIET 2024) [V, used as proxy]",
    )
    intensity_concentration: float = param(
        2.0,
        "First shape a of the Beta(a, b) of firms' compute intensity (b keeps the mean)",
        lo=0.01,
        hi=1000,
    )
    market_price_krw: float = param(
        3_000_000.0,
        "Commercial price per GPU-month",
        lo=0,
        hi=1e9,
        unit="KRW",
        source="NADC price is ~3 % of a ~3 million won market price (honamgoodnews) [V]",
    )
    price_flexibility: float = param(
        0.5,
        "Inverse price elasticity of the commercial GPU market: the market price is "
        "market_price_krw x (share of need public GPUs leave short / reference_shortfall) "
        "to this power (0 = a fixed price)",
        lo=0,
        hi=5,
        source="ASSUMPTION, range 0-1: no Korean GPU rate-card series was found (the "
        "international on-demand H100 price spans 2.69-12.29 USD/GPU-hour, datareceipts "
        "2026-11 [S]); 0.5 turns a doubling of the shortfall share into a x1.41 price. 0 "
        "gives the fixed 2025 price",
    )
    reference_shortfall: float = param(
        1.0 - 1.0 / 2.69,
        "Share of national need public GPUs left short when market_price_krw was observed",
        lo=0.01,
        hi=1,
        source="derived: the NADC's 2025 GPU competition ratio 2.69:1 (kwangju.co.kr) [V], the "
        "year of the ~3 million won market price (honamgoodnews) [V]: 1 - 1/2.69 = 0.628",
    )
    market_price_floor_krw: float = param(
        1_040_000.0,
        "Lowest commercial price per GPU-month however ample public GPUs are (cost of supply)",
        lo=0,
        hi=1e9,
        unit="KRW",
        source="derived: H100 unit price ~5,000만원 (chosun 2025-02-18) [V] over a 48-month "
        "life (ASSUMPTION, range 36-60 months: 0.83-1.39 million won)",
    )
    npu_efficiency: float = param(
        0.7,
        "Useful work of an H100-equivalent of domestic NPU capacity to the firms that use it, "
        "relative to an H100 (software porting, training support)",
        lo=0,
        hi=1,
        source="ASSUMPTION, deep uncertainty, range 0.4-1.0: no independent figure for NPU "
        "throughput per won on training exists; vendors claim 3x+ performance per watt for "
        "inference (kr-view [S]) and the 2025-12 strategy aims NPUs at inference (news1 "
        "2025-12-18) [V]; large-scale stability unproven (kr-view) [S]",
    )
    accelerator_price_krw: float = param(
        50_000_000.0,
        "Price of one H100 equivalent of accelerators, GPU or domestic NPU (what a center "
        "pays its chip makers per H100 equivalent of capacity added)",
        lo=0,
        hi=1e10,
        unit="KRW",
        source="H100 unit price ~5,000만원 (chosun 2025-02-18; ccnnews 2024-10-25) [V]; that an "
        "NPU costs the same per H100 equivalent is an ASSUMPTION",
    )
    npu_maker_region: str = param(
        "",
        "Region id of the domestic NPU makers a center's NPU purchases pay (empty = the "
        "capital region, else the center's own region)",
        refers="regions",
        or_empty=True,
        source="FuriosaAI (Seoul) and Rebellions (Seongnam, Gyeonggi), the makers named in the "
        "NACC call (kollo) [V]; Gwangju's 25 fabless partners are agreements, not sites "
        "(gwangnam 2025-11-07) [V]",
    )
    npu_revenue_per_job_krw: float = param(
        101_000_000.0,
        "Yearly revenue of a domestic NPU maker per job (turns NPU revenue into jobs)",
        lo=1e6,
        hi=1e12,
        unit="KRW/yr",
        source="derived: AI revenue 5.2조 over 51,425 AI-sector workers, 2023 (fnnews "
        "2023-12-28) [V]; that NPU makers match the AI sector is an ASSUMPTION, range "
        "0.5-3억/yr",
    )
    compute_budget_share: float = param(
        0.1, "Max share of revenue a firm spends on commercial compute", lo=0, hi=1
    )
    market_take_up: float = param(
        0.54,
        "Share of unmet compute need a user buys at the market price (the rest is not worth it)",
        lo=0,
        hi=1,
        source="derived: ~2,000 H100s in Korea in 2023 (chosun 2025-02-18) [V] against the need "
        "the NADC left unmet, 2.69 x 2,188 - 2,188 = 3,698 GPUs (kwangju.co.kr) [V]: 2,000 / "
        "3,698 = 0.54; reading the national stock as what firms bought is an ASSUMPTION",
    )
    need_growth: float = param(
        0.4,
        "Yearly growth of GPU need per employee until need_growth_until",
        lo=0,
        hi=5,
        unit="1/yr",
        source="derived, demand side: AI revenue 1.9조 (2020) -> 5.2조 (2023), +40 %/yr "
        "(etnews; fnnews) [V]. Uncertainty range 0.25-1.0 from the sourced series: the "
        "HPC-support competition ratio 1.02:1 (2020, zdnet 2020-03-08) -> 2.69:1 (2025, "
        "kwangju.co.kr) [V] grows +22 %/yr with supply flat in GPUs; the plan to raise AI "
        "compute x15 2024-2030 (edaily 2024-10-06) [V] is +57 %/yr; the GPU pledge of "
        "2,000 H100s (2023, chosun 2025-02-18) -> 260,000 GPUs (2030, beyondpost 2025-11-03) "
        "[V] is +100 %/yr (supply plans: upper bounds on need growth)",
    )
    need_reference: Month = param(
        "2025-01",
        "Month at which gpu_per_employee holds (need is scaled by need_growth before and after)",
        source="the month of the 2.69:1 calibration target (kwangju.co.kr) [V]",
    )
    need_growth_until: Month = param(
        "2030-12",
        "Last month GPU need per employee grows",
        source="ASSUMPTION: the horizon of the x15-by-2030 compute plan (edaily 2024-10-06) [V]",
    )
    access_decay_km: float = param(
        100.0, "Distance over which the benefit of a center's compute falls by 1/e", lo=1, hi=1e5
    )
    remote_floor: float = param(
        0.5, "Benefit share kept however far the user is (remote use)", lo=0, hi=1
    )
    commercial_access: float = param(
        0.9, "Benefit share of commercial cloud compute with no local center", lo=0, hi=1
    )
    fill_memory: float = param(
        0.5,
        "Weight of the past in the share of applications users expect a site to serve "
        "(the rest is last month's share)",
        lo=0,
        hi=1,
    )
    university_demand: float = param(
        20.0, "GPU demand of a research-strength-1 university (real)", lo=0, hi=1e6
    )


@dataclass(frozen=True)
class Talent:
    ai_graduate_share: float = param(
        0.05,
        "Share of a university's students who graduate into AI/ICT jobs each year",
        lo=0,
        hi=1,
    )
    retention_min: float = param(
        0.3, "Graduate retention with no local openings", lo=0, hi=1, at_most="retention_max"
    )
    retention_max: float = param(0.9, "Graduate retention with ample local openings", lo=0, hi=1)
    attrition: float = param(
        0.01, "Monthly share of the pool leaving the AI labour market", lo=0, hi=1
    )
    inflow_elasticity: float = param(
        1.5,
        "Workers drawn into a region's AI labour market from other sectors or abroad: a year's "
        "inflow as a share of its AI workforce is this times its tightness (hiring demand / "
        "(demand + pool), read as the wage premium); 0 = a fixed supply",
        lo=0,
        hi=10,
        unit="per year",
        source="ASSUMPTION, plausible range 0.5-3 (central 1.5), a sector labour-supply "
        "elasticity: AI workers 25,599 -> 51,425 in three years while firms short of staff "
        "rose 48.8 % -> 81.9 % (2020-23, https://news.zum.com/articles/91219441) [V]; "
        "K-Digital Training 12,000-32,000 trainees a year from other sectors 2021-23 "
        "(https://eiec.kdi.re.kr/policy/materialView.do?num=250035) [V]; net foreign AI-talent "
        "migration near 0 (KCCI SGI via sisajournal, idxno=336883) [V]. No estimate of the "
        "elasticity was found",
    )


@dataclass(frozen=True)
class Network:
    """Collaboration-graph formation (Cowan-Jonard, SKIN, Tomasello)."""

    enabled: bool = param(True, "Agents collaborate and form edges")
    search_rate: float = param(0.05, "Monthly chance an agent seeks a partner", lo=0, hi=1)
    initial_degree: float = param(2.0, "Mean degree built at the start", lo=0, hi=100)
    triadic_weight: float = param(
        0.3, "Share of searches through a partner's partner (triadic closure)", lo=0, hi=1
    )
    preferential_weight: float = param(
        0.2, "Share of searches by degree (preferential attachment)", lo=0, hi=1
    )
    university_weight: float = param(
        0.2, "Share of firm searches aimed at a university", lo=0, hi=1
    )
    geo_decay_km: float = param(
        150.0, "Distance over which acceptance of a partner falls by 1/e", lo=1, hi=1e5
    )
    complementarity: float = param(
        0.3, "0 = seek similar technology (SKIN conservative), 1 = complementary", lo=0, hi=1
    )
    renew_rate: float = param(0.3, "Monthly chance a tie is renewed by joint work", lo=0, hi=1)
    memory: int = param(12, "Months a tie survives without renewal", lo=1, hi=1000)
    seed_rounds: int = param(
        60, "Most search rounds used to grow the initial ties to initial_degree", lo=1, hi=10_000
    )
    metrics_every: int = param(
        3,
        "Compute clustering and giant component every k steps (and at the last step); "
        "values are carried forward in between",
        lo=1,
        hi=1000,
    )


@dataclass(frozen=True)
class Demography:
    """Closures for reasons other than running out of cash, by firm age (employer firms)."""

    closure_age1: float = param(
        0.231,
        "Yearly closure hazard in a firm's first year",
        lo=0,
        hi=1,
        source="derived: survival of firms with >= 1 employee 76.9 % after 1 year, 2006-11 "
        "cohorts (sedaily 2012) [V]",
    )
    closure_age2: float = param(
        0.182,
        "Yearly closure hazard in the second year",
        lo=0,
        hi=1,
        source="derived: 62.9 / 76.9 (sedaily 2012) [V]",
    )
    closure_age3: float = param(
        0.143,
        "Yearly closure hazard in the third year",
        lo=0,
        hi=1,
        source="derived: 53.9 / 62.9 (sedaily 2012) [V]",
    )
    closure_age4: float = param(
        0.089,
        "Yearly closure hazard in the fourth year",
        lo=0,
        hi=1,
        source="derived: 49.1 / 53.9 (sedaily 2012) [V]",
    )
    closure_mature: float = param(
        0.079,
        "Yearly closure hazard from the fifth year on",
        lo=0,
        hi=1,
        source="derived: 45.2 / 49.1, 5th year (sedaily 2012) [V], held for older firms "
        "(ASSUMPTION)",
    )
    max_initial_age: float = param(
        30.0,
        "Oldest initial firm; initial ages follow the survival curve (a stationary population)",
        lo=0,
        hi=100,
        unit="years",
    )


@dataclass(frozen=True)
class SpecialZone:
    """National rules of the Opportunity Development Special Zone."""

    full_years: float = param(
        5.0,
        "Years of 100 % corporate-tax relief",
        lo=0,
        hi=50,
        source="조세특례제한법 §121-33: 100 % for 5 years (investgn; taxnet) [V]",
    )
    half_years: float = param(
        2.0,
        "Following years of 50 % relief",
        lo=0,
        hi=50,
        source="조세특례제한법 §121-33: + 50 % for 2 years [V]",
    )
    deadline: Month = param(
        "2026-12", "Last month a new site qualifies", source="deadline 2026-12-31 [V]"
    )
    relocation_bonus: float = param(
        0.5,
        "Utility bonus for leaving the capital for a zone (capital-gains deferral)",
        lo=0,
        hi=100,
    )
    subsidy_bonus: float = param(
        0.1,
        "Extra subsidy rate for SMEs in a zone",
        lo=0,
        hi=0.5,
        source="Opportunity-Zone add-on to the local investment subsidy: 10 %p for SMEs "
        "from 2025-02 (KDI) [V]",
    )


@dataclass(frozen=True)
class Universities:
    knowledge_per_research: float = param(
        10.0, "Knowledge of a university of research strength 1 (firms start near 1)", lo=0, hi=1e3
    )
    grant_research_gain: float = param(
        0.05,
        "Research-strength gain per grant of one month of a firm's reference revenue "
        "per 1,000 students",
        lo=0,
        hi=10,
    )


@dataclass(frozen=True)
class Equity:
    """How firms value and use a fund's equity investment."""

    value: float = param(
        0.5,
        "Worth of a won of equity to a firm choosing a site, against a won of subsidy (the "
        "founders give up a share of the firm for it)",
        lo=0,
        hi=1,
        source="ASSUMPTION: range 0.2-1 (a grant is worth 1; equity costs ownership)",
    )
    runway_months: float = param(
        24.0,
        "Months of the staff it hires an investment pays for: a ticket hires "
        "ticket / (runway x monthly cost of an employee)",
        lo=1,
        hi=120,
        unit="months",
        source="ASSUMPTION: range 12-36 (a venture round is sized for 18-24 months of runway)",
    )


@dataclass(frozen=True)
class Metrics:
    lock_window: int = param(
        24,
        "Months in which every outside entrant must pick one region to count as lock-in",
        lo=1,
        hi=1200,
    )


@dataclass(frozen=True)
class Switches:
    universities: bool = param(True, "Universities exist (off: no graduates, no univ. ties)")
    governments: bool = param(True, "Governments pay grants and subsidies")


@dataclass(frozen=True)
class Params:
    location: Location = section(Location, "Location choice")
    agglomeration: Agglomeration = section(Agglomeration, "Agglomeration term g")
    entry: Entry = section(Entry, "Entry")
    firm: Firm = section(Firm, "Firms")
    compute: Compute = section(Compute, "Compute demand and access")
    talent: Talent = section(Talent, "Talent pools")
    network: Network = section(Network, "Collaboration graph")
    demography: Demography = section(Demography, "Firm closures by age")
    special_zone: SpecialZone = section(SpecialZone, "Special-zone rules")
    universities: Universities = section(Universities, "Universities")
    equity: Equity = section(Equity, "Fund investments (equity)")
    metrics: Metrics = section(Metrics, "Output definitions")
    switches: Switches = section(Switches, "Model parts on/off")


@dataclass(frozen=True)
class Meta:
    name: str = param("", "Scenario name")
    description: str = param("", "One-line description")
    description_ko: str = param("", "One-line description in Korean (empty = the English one)")
    start: Month = param("2025-01", "First month simulated")
    history_end: MonthOrNever = param(
        "", "Last month of the replayed history (YYYY-MM); empty = none"
    )
    steps: int = param(
        132,
        "Months simulated (132: from the default start to 2035-12; the shipped scenarios run "
        "204, 2019-01 to 2035-12)",
        lo=0,
        hi=1200,
    )
    seed: int = param(1, "Default seed", lo=0, hi=2**63 - 1)
