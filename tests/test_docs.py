"""The docs stay true: ODD's parameter table is the schema's; the README opens with its commands."""

from __future__ import annotations

import calendar
import re

from abm import paramtable
from tests.conftest import ROOT
from tests.doc_blocks import block


def test_odd_parameter_table_matches_the_schema():
    assert paramtable.current() == paramtable.table(), (
        "docs/ODD.md is out of date: run `python -m abm.paramtable --write`"
    )


def test_odd_output_table_matches_the_declarations():
    assert paramtable.current_outputs() == paramtable.output_table(), (
        "docs/ODD.md is out of date: run `python -m abm.paramtable --write`"
    )


def test_odd_names_every_rule_module():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    for module in (
        "abm/compute.py",
        "abm/location.py",
        "abm/network.py",
        "abm/rules/entry.py",
        "abm/rules/finance.py",
        "abm/rules/innovation.py",
        "abm/rules/labour.py",
        "abm/rules/relocation.py",
        "abm/rules/funds.py",
        "abm/agents/government.py",
    ):
        assert module in odd
        assert (ROOT / module).exists()


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:1500]
    assert "make app" in head and "make test" in head


def test_the_docs_show_the_shipped_posterior():
    """ODD section 9 and docs/calibration.md hold the table of calibration/posterior."""
    from abm.calibrate import ship
    from abm.calibrate.posterior import SHIPPED

    if not (SHIPPED / "posterior.parquet").exists():
        return  # nothing shipped: the markers stay empty
    table = ship.posterior_table(SHIPPED)
    for doc in ("ODD.md", "calibration.md"):
        assert block(f"docs/{doc}", "calibrated").text == table, (
            f"docs/{doc} is out of date: run `python -m abm.calibrate.ship DIR`"
        )


_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_PERIOD = re.compile(rf"\b{_MONTH} (\d{{4}}) to {_MONTH} (\d{{4}})\b")


def _month(name: str, year: str) -> str:
    return f"{year}-{[m[:3] for m in calendar.month_name].index(name[:3]):02d}"


def _shipped_period() -> tuple[str, str]:
    """The first and last month of every shipped scenario (history.toml is the first part of
    the baseline, the part calibrations fit, and says so)."""
    from abm.dates import add_months
    from abm.scenario import LAYERS, load_scenario

    periods = set()
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        if path.name in LAYERS or path.stem == "history":
            continue
        s = load_scenario(path)
        periods.add((f"{s.start:%Y-%m}", f"{add_months(s.start, s.steps - 1):%Y-%m}"))
    assert len(periods) == 1, periods
    return periods.pop()


def test_the_period_the_readme_and_docs_state_is_the_shipped_scenarios():
    want = _shipped_period()
    assert want == ("2019-01", "2035-12")
    stated = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for m in _PERIOD.finditer(text):
            stated[f"{path.name}: {m.group(0)}"] = (_month(*m.group(1, 2)), _month(*m.group(3, 4)))
    assert any(k.startswith("README.md") for k in stated) and any(
        k.startswith("ODD.md") for k in stated
    )
    wrong = [k for k, period in stated.items() if period != want]
    assert not wrong, f"the shipped scenarios run {want[0]} to {want[1]}; the docs say {wrong}"
