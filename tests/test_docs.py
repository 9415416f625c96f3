"""The docs stay true: ODD's parameter table is the schema's; the README opens with its commands."""

from __future__ import annotations

from abm import paramtable
from tests.conftest import ROOT


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
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        assert f"{ship.BEGIN}\n{table}\n{ship.END}" in text, (
            f"docs/{doc} is out of date: run `python -m abm.calibrate.ship DIR`"
        )
