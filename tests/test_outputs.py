"""The output declarations: one a name, seen one scope at a time by the recorder, CLI, app,
sweeps and the ODD's table."""

from __future__ import annotations

import pytest

from abm import outputs, paramtable
from abm.outputs import DISTRICT, MODEL, REGION


def test_every_name_is_declared_once_and_a_second_declaration_is_refused():
    names = [d.name for d in outputs.DECLARATIONS]
    assert len(names) == len(set(names))
    twice = (*outputs.DECLARATIONS, outputs._d("firms", "Firms", "기업", "firms", model=("x", len)))
    with pytest.raises(ValueError, match="'firms' is declared twice"):
        outputs._check_unique(twice)


def test_a_declaration_names_only_known_scopes_and_at_least_one():
    with pytest.raises(ValueError, match="scopes must be some of"):
        outputs._d("x", "X", "엑스", "", city="doc")
    with pytest.raises(ValueError, match="scopes must be some of"):
        outputs._d("x", "X", "엑스", "")


def test_the_scope_views_share_unit_kind_and_scaling_and_keep_what_differs():
    for d in outputs.DECLARATIONS:
        for scope in d.scopes:
            o = outputs.get(d.name, scope)
            assert (o.unit, o.scaled, o.kind, o.scope) == (d.unit, d.scaled, d.kind, scope)
    firms = outputs.declaration("firms")
    assert firms.scopes == (MODEL, REGION, DISTRICT)
    assert outputs.get("firms", MODEL).doc != outputs.get("firms", REGION).doc
    # the one output whose label differs per scope: public centers vs all centers on site
    assert outputs.get("gpu_capacity", MODEL).label == "Public GPU capacity"
    assert outputs.get("gpu_capacity", REGION).label == "GPU capacity on site"
    assert outputs.get("gpu_capacity", REGION).label_ko == "지역 GPU 용량"
    with pytest.raises(KeyError, match="not recorded at scope 'district'"):
        outputs.declaration("gpu_capacity").output(DISTRICT)


def test_the_latest_additions_are_recorded_where_they_were():
    assert outputs.declaration("survival_1y").scopes == (MODEL, REGION)
    assert outputs.declaration("inbound").scopes == (REGION,)
    assert "inbound" not in outputs.names(MODEL)
    assert outputs.names(MODEL)[-1] == "survival_1y"
    assert outputs.names(REGION)[-2:] == ["inbound", "survival_1y"]


def test_outputs_are_grouped_by_scope_each_in_declaration_order():
    scopes = [o.scope for o in outputs.OUTPUTS]
    assert scopes == sorted(scopes, key=outputs.SCOPES.index)
    order = [d.name for d in outputs.DECLARATIONS]
    for scope in outputs.SCOPES:
        got = outputs.names(scope)
        assert got == [n for n in order if n in got]
    assert outputs.names(DISTRICT)[:4] == ["step", "date", "district", "region"]
    assert outputs.names(REGION)[:3] == ["step", "date", "region"]
    assert len(outputs.OUTPUTS) == sum(len(d.scopes) for d in outputs.DECLARATIONS)


def test_meaning_is_said_once_where_the_scopes_agree_and_per_scope_where_not():
    where = {MODEL: "M", REGION: "R", DISTRICT: "D"}
    assert outputs.declaration("step").meaning(where) == "Months simulated so far"
    exits = outputs.declaration("exits").meaning(where)
    assert (
        exits
        == "M: Firms closed this month (real); R: Firms closed in the region this month (real)"
    )
    assert "R (GPU capacity on site): " in outputs.declaration("gpu_capacity").meaning(where)


def test_the_odd_table_has_one_row_a_declaration():
    rows = paramtable.output_table().splitlines()[2:]
    assert [r.split("|")[1].strip(" `") for r in rows] == [d.name for d in outputs.DECLARATIONS]
    firms = next(r for r in rows if r.startswith("| `firms`"))
    assert "model.parquet, regions.parquet, districts.parquet" in firms
    assert "firms (real)" in firms


def test_the_app_info_table_has_one_row_a_numeric_declaration():
    from viz.components.info import output_rows

    rows = output_rows("en")
    assert [r[-1] for r in rows] == [
        d.name for d in outputs.DECLARATIONS if d.kind not in ("step", "date", "id")
    ]
    survival = next(r for r in rows if r[-1] == "survival_1y")
    assert survival[2] == "Model-wide, By region"
    assert next(r for r in rows if r[-1] == "open")[2] == "By district"
    assert output_rows("ko")[0][0] == outputs.declaration(rows[0][-1]).label_ko


def test_every_scope_of_every_declaration_has_its_formula_and_a_table_format():
    for o in outputs.OUTPUTS:
        assert callable(o.formula), (o.name, o.scope)
        assert o.fmt or o.kind in ("date", "id"), o.name
    with pytest.raises(ValueError, match=r"give each scope as \(doc, formula\)"):
        outputs._d("x", "X", "엑스", "", model="a doc and no formula")


def test_a_declaration_says_how_a_value_is_shown():
    share, money = outputs.get("capital_share"), outputs.get("public_spending_cum")
    assert (share.format(0.7749), share.heading()) == ("77.5%", "Capital-region share (%)")
    assert money.format(3.99e10) == "399"  # won in 억원, as its heading says
    assert money.heading("ko") == "누적 공공 지출 (억원)"
    assert outputs.get("public_spending").shown_unit == "억원/month"
    assert outputs.get("locked_in").format(True) == "yes"
    assert outputs.get("hhi").format(float("nan")) == "-"
    assert outputs.get("employment", REGION).heading() == "Employment (persons)"
