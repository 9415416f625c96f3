"""Malformed decision specs: one line naming the file and the field, exit status 2."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest
from decide_helpers import PLANTED_SPEC, ROOT, abm_main, write_spec

from abm.decide import load_decision
from abm.decide.spec import DecisionError

# The real model: the site decision in miniature (validated, never run here).
REAL_SPEC = f"""
[decision]
name = "sites"
scenario = "{ROOT}/scenarios/nacc_haenam.toml"
horizon = "2035-12"
reference = "haenam"
set = {{ "population.firms" = 300 }}

[[options]]
name = "none"
scenario = "{ROOT}/scenarios/baseline.toml"

[[options]]
name = "haenam"

[[options]]
name = "daegu"
set = {{ "centers.nacc.site" = "daegu", "centers.nacc.district" = "suseong_alpha_city" }}

[[objectives]]
name = "noncapital_jobs"
output = "employment"
regions = "noncapital"
direction = "max"
threshold = 1000

[[objectives]]
name = "cost_per_job"
output = "public_cost_cum"
aggregate = "change"
start = "2026-01"
per = {{ output = "employment", regions = "noncapital", aggregate = "change" }}
direction = "min"

[uncertainty]
draws = 4
ranges = {{ "params.agglomeration.strength" = [0.1, 1.0] }}

[seeds]
count = 2
"""


def test_the_real_site_decision_validates(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(REAL_SPEC)
    spec = load_decision(path)
    assert spec.options == ("none", "haenam", "daegu")
    assert spec.steps == 204 and spec.n_futures == 8
    jobs, cost = spec.objectives
    assert jobs.term.regions == ("daegu", "gwangju", "jeonnam", "rest") and jobs.term.at == 204
    assert jobs.label == "Employment (non-capital)"
    assert cost.per is not None and cost.per.aggregate == "change"
    # from the decision month: 2025-12 is step 84 of a run from 2019-01, for both terms
    assert cost.term.since == 84 and cost.per.since == 84
    assert cost.unit == "KRW/persons"
    daegu = dict(spec.scenario.options)["daegu"]
    assert daegu.centers["nacc"].site == "daegu" and daegu.population.firms == 300
    assert dict(spec.scenario.options)["none"].population.firms == 300
    assert "nacc" not in dict(spec.scenario.options)["none"].centers
    values = [d["params.agglomeration.strength"] for d in spec.draws]
    assert len(set(values)) == 4 and all(0.1 <= v <= 1.0 for v in values)
    assert load_decision(path).draws == spec.draws  # seeded: the same draws


REAL_CASES = [
    ("horizon = ", 'horizon = "2035-12"', "", "decision.horizon", "missing"),
    (
        'output = "employment"\nregions',
        'output = "employment"',
        'output = "jobs"',
        "objectives[0].output",
        "'jobs' is not a declared region output",
    ),
    (
        'direction = "max"',
        'direction = "max"',
        'direction = "up"',
        "objectives[0].direction",
        "expected max or min",
    ),
    (
        'reference = "haenam"',
        'reference = "haenam"',
        'reference = "seoul"',
        "decision.reference",
        "'seoul' is not an option",
    ),
    (
        '"centers.nacc.site" = "daegu", "centers.nacc.district" = "suseong_alpha_city"',
        '"centers.nacc.site" = "daegu", "centers.nacc.district" = "suseong_alpha_city"',
        '"centers.nacc.site" = "busan", "centers.nacc.district" = ""',
        "options[2].set.centers.nacc.site",
        "busan",
    ),
    (
        'regions = "noncapital"\ndirection',
        'regions = "noncapital"',
        'regions = ["seoul"]',
        "objectives[0].regions",
        "'seoul' is not a region",
    ),
    (
        "[0.1, 1.0]",
        "[0.1, 1.0]",
        "[1.0, 0.1]",
        "uncertainty.ranges.params.agglomeration.strength",
        "low < high",
    ),
    (
        "[0.1, 1.0]",
        "[0.1, 1.0]",
        "[-2.0, 1.0]",
        "uncertainty.ranges.params.agglomeration.strength",
        "option",
    ),
    ("count = 2", "count = 2", "count = 0", "seeds.count", "expected an integer >= 1"),
    ("[seeds]", "[seeds]", "[seedz]", "seedz", "unknown section"),
    (
        'direction = "max"\nthreshold',
        'direction = "max"',
        'direction = "max"\nat = "2040-01"',
        "objectives[0].at",
        "after decision.horizon",
    ),
    (
        'horizon = "2035-12"',
        'horizon = "2035-12"',
        'horizon = "2018-06"',
        "decision.horizon",
        "before the first month",
    ),
    (
        'output = "employment"\nregions',
        'regions = "noncapital"',
        'regions = "noncapital"\naggregate = "sum"',
        "objectives[0].aggregate",
        "value, cumulative, change",
    ),
    (
        'output = "employment"\nregions',
        'output = "employment"',
        'output = "compute_met"',
        "objectives[0].regions",
        "does not add up over regions",
    ),
    (
        'horizon = "2035-12"',
        'horizon = "2035-12"',
        'horizon = "2035-13"',
        "decision.horizon",
        "expected a month",
    ),
    (
        'horizon = "2035-12"',
        'horizon = "2035-12"',
        'horizon = "2200-01"',
        "decision.horizon",
        "'2200-01': ",
    ),
    (
        "draws = 4\n",
        "draws = 4\n",
        'draws = 4\nposterior = "no/such/dir"\n',
        "uncertainty.posterior",
        "not found",
    ),
]


@pytest.mark.parametrize(("anchor", "old", "new", "field", "message"), REAL_CASES)
def test_a_malformed_spec_gives_one_line_naming_the_field(
    anchor, old, new, field, message, capsys, tmp_path
):
    text = textwrap.dedent(REAL_SPEC)
    assert anchor in text
    start = text.index(anchor)
    text = text[:start] + text[start:].replace(old, new, 1)
    path = tmp_path / "spec.toml"
    path.write_text(text)
    assert abm_main("decide", path, "--out", tmp_path / "out") == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"abm: error: {path}: {field}: "), lines[0]
    assert message in lines[0]
    assert "Traceback" not in lines[0]
    assert not (tmp_path / "out").exists()


def test_invalid_toml_and_a_missing_file(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[decision\n")
    assert abm_main("decide", path, "--out", tmp_path / "o") == 2
    assert "invalid TOML" in capsys.readouterr().err
    assert abm_main("decide", tmp_path / "nope.toml", "--out", tmp_path / "o") == 2
    assert "no such decision spec" in capsys.readouterr().err


def test_posterior_needs_weights_and_known_parameters(tmp_path, capsys):
    folder = tmp_path / "post"
    folder.mkdir()
    pd.DataFrame({"params.pull": [1.0, 2.0]}).to_parquet(folder / "posterior.parquet")
    text = PLANTED_SPEC.replace("draws = 24", 'draws = 24\nposterior = "post"')
    path = write_spec(tmp_path, text)
    with pytest.raises(DecisionError, match=r"uncertainty.posterior: .*no 'weight' column"):
        load_decision(path)
    pd.DataFrame({"params.pull": [1.0, 9.0], "weight": [1, 1]}).to_parquet(
        folder / "posterior.parquet"
    )
    assert abm_main("decide", path, "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert any("uncertainty.posterior.params.pull" in line for line in err)
    assert any(
        "uncertainty.ranges.params.pull: also a column of the posterior" in line for line in err
    )


@pytest.mark.parametrize(
    ("columns", "field", "message"),
    [
        ({"params.pull": [1.0], "weight": [-1.0]}, "uncertainty.posterior", "weights must be"),
        ({"params.pull": [1.0], "weight": [0.0]}, "uncertainty.posterior", "not all 0"),
        ({"weight": [1.0]}, "uncertainty.posterior", "no parameter columns"),
        (
            {"params.pull": [1.0, None], "weight": [1.0, 1.0]},
            "uncertainty.posterior.params.pull",
            "has missing values",
        ),
    ],
)
def test_a_posterior_that_cannot_be_drawn_from_is_one_problem(tmp_path, columns, field, message):
    folder = tmp_path / "post"
    folder.mkdir()
    pd.DataFrame(columns).to_parquet(folder / "posterior.parquet")
    text = PLANTED_SPEC.replace("draws = 24", 'draws = 24\nposterior = "post"')
    with pytest.raises(DecisionError) as err:
        load_decision(write_spec(tmp_path, text))
    assert [(p.field, message in p.message) for p in err.value.problems] == [(field, True)]


def test_posterior_draws_follow_the_weights(tmp_path):
    folder = tmp_path / "post"
    folder.mkdir()
    pd.DataFrame(
        {
            "params.pull": [1.0, 2.0, 3.0],
            "params.growth": [0.1, 0.2, 0.3],
            "weight": [0.0, 1.0, 3.0],
        }
    ).to_parquet(folder / "posterior.parquet")
    text = PLANTED_SPEC.replace(
        'ranges = { "params.pull" = [0.0, 5.0], "params.growth" = [0.0, 1.0], ',
        'posterior = "post"\nranges = { ',
    ).replace("draws = 24", "draws = 400")
    spec = load_decision(write_spec(tmp_path, text))
    pulls = pd.Series([d["params.pull"] for d in spec.draws])
    assert set(pulls) == {2.0, 3.0}  # weight 0 is never drawn
    assert 0.68 < (pulls == 3.0).mean() < 0.82  # 3/4, by weight
    assert all(d["params.growth"] == d["params.pull"] / 10 for d in spec.draws)  # whole rows
    assert {"params.noise"} < set(spec.uncertain)
    assert "weighted draws from the calibration posterior" in spec.uncertainty_note()
    assert load_decision(write_spec(tmp_path, text)).draws == spec.draws


def test_draws_without_anything_to_draw_from_are_refused(tmp_path):
    text = PLANTED_SPEC.split("[uncertainty]")[0] + "[uncertainty]\ndraws = 5\n"
    with pytest.raises(DecisionError, match=r"uncertainty.draws: draws need a posterior"):
        load_decision(write_spec(tmp_path, text))


def test_an_output_the_model_does_not_report_is_named_before_any_run(tmp_path, capsys):
    text = PLANTED_SPEC.replace('output = "planted"', 'output = "plantd"')
    path = write_spec(tmp_path, text)
    assert abm_main("decide", path, "--out", tmp_path / "out", "--workers", "1") == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "objectives[1].output" in lines[0] and "'plantd'" in lines[0]
    assert not (tmp_path / "out" / "sweep").exists()


def test_bad_engine_flags_exit_2(tmp_path, capsys):
    path = write_spec(tmp_path)
    assert abm_main("decide", path, "--out", tmp_path / "o", "--workers", "0") == 2
    assert abm_main("decide", path, "--out", tmp_path / "o", "--scheduler", "tcp://x:1") == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


def test_the_example_decisions_are_valid():
    examples = sorted((ROOT / "examples").glob("decide_*.toml"))
    assert examples
    for path in examples:
        spec = load_decision(path)
        assert len(spec.options) >= 2 and spec.objectives and spec.reference in spec.options


def test_noncapital_is_every_region_outside_the_capital_region_and_groups_can_be_named(tmp_path):
    path = tmp_path / "regions.toml"
    extra = (
        '[[objectives]]\nname = "candidate_jobs"\noutput = "employment"\n'
        'regions = "candidates"\ndirection = "max"\n\n'
        '[regions]\ncandidates = ["daegu", "gwangju", "jeonnam"]\n'
    )
    path.write_text(REAL_SPEC.replace("[uncertainty]", extra + "\n[uncertainty]"))
    spec = load_decision(path)
    by_name = {o.name: o for o in spec.objectives}
    assert by_name["noncapital_jobs"].term.regions == ("daegu", "gwangju", "jeonnam", "rest")
    assert by_name["candidate_jobs"].term.regions == ("daegu", "gwangju", "jeonnam")
    assert by_name["candidate_jobs"].label == "Employment (candidates)"
    assert by_name["noncapital_jobs"].label == "Employment (non-capital)"


def test_a_bad_region_group_is_named_with_its_field(tmp_path):
    for table, message in (
        ('candidates = ["daegu", "busan"]', "regions.candidates: 'busan' is not a region"),
        ('noncapital = ["daegu"]', "regions.noncapital: expected a name"),
        ('candidates = "daegu"', "regions.candidates: expected a list of region ids"),
    ):
        path = tmp_path / "bad.toml"
        path.write_text(REAL_SPEC + f"\n[regions]\n{table}\n")
        with pytest.raises(DecisionError) as err:
            load_decision(path)
        assert message in str(err.value), str(err.value)


def test_the_shipped_site_decision_says_which_regions_it_sums():
    """Its comment once said Daegu, Gwangju and Jeonnam while "noncapital" summed the rest
    of Korea too: every region the objective sums must be named in its comment."""
    path = ROOT / "examples" / "decide_sites.toml"
    spec = load_decision(path, {"decision.set": {"population.firms": 300}})
    first = dict(spec.scenario.options)["none"]
    text = path.read_text()
    for objective in spec.objectives:
        if objective.term.regions is None:
            continue
        at = text.index(f'name = "{objective.name}"')
        block = text[at : text.index("direction", at)]
        comment = " ".join(line.split("#", 1)[1] for line in block.splitlines() if "#" in line)
        for region in objective.term.regions:
            name = first.regions[region].name.split(" (")[0]
            assert name.lower() in comment.lower(), (objective.name, name, comment)


# issue 24, defect 2: a decision spec names code (decision.model); like a sweep spec, it is
# imported only with --allow-model-import, and the refusal comes before any import
MARKER_MODEL = "from abm.sweep.toy import load_scenario  # noqa: F401\n" + (
    "from decide_planted import run_scenario  # noqa: F401\n"
)


def test_a_model_outside_the_project_is_not_imported_without_the_flag(tmp_path):
    from decide_helpers import HERE

    from tests.procs import abm_subprocess

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    marker = tmp_path / "imported"
    (plugins / "decide_marker_model.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n" + MARKER_MODEL
    )
    text = PLANTED_SPEC.replace('"decide_planted"', '"decide_marker_model"')
    text = text.replace("draws = 24", "draws = 2").replace("count = 2", "count = 1")
    path = write_spec(tmp_path, text)
    child = abm_subprocess("decide", path, "--out", tmp_path / "out", path=[plugins, HERE])
    _, err = child.communicate(timeout=600)
    lines = err.strip().splitlines()
    assert child.returncode == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"abm: error: {path}: decision.model: 'decide_marker_model' ")
    assert "--allow-model-import" in lines[0]
    assert not marker.exists() and not (tmp_path / "out").exists()
    child = abm_subprocess(
        "decide",
        path,
        "--out",
        tmp_path / "out",
        "--workers",
        "1",
        "--allow-model-import",
        path=[plugins, HERE],
    )
    _, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    assert marker.exists()


def test_a_spec_naming_a_module_of_the_standard_library_does_not_run_it(tmp_path, capsys):
    text = PLANTED_SPEC.replace('"decide_planted"', '"this"')
    path = write_spec(tmp_path, text)
    assert abm_main("decide", path, "--out", tmp_path / "out") == 2
    captured = capsys.readouterr()
    assert "Beautiful is better than ugly" not in captured.out
    assert "decision.model: 'this' is not one of the project's models" in captured.err


def test_a_spec_without_a_posterior_draws_from_the_shipped_one_and_says_so(tmp_path):
    """Issue 22, one answer per question: a decision on the project's model carries the
    shipped posterior's parameter uncertainty unless it asks for a point run
    (``posterior = ""``); the spec's own ranges keep their parameters."""
    from abm.calibrate.posterior import shipped_posterior

    shipped = shipped_posterior()
    if shipped is None:
        pytest.skip("no shipped posterior")
    path = tmp_path / "sites.toml"
    path.write_text(REAL_SPEC)
    spec = load_decision(path)
    assert "the shipped calibration posterior" in spec.uncertainty_note()
    drawn = [c for c in shipped.columns if c not in ("weight", "params.agglomeration.strength")]
    assert set(drawn) <= set(spec.draws[0])  # every applicable column is drawn
    assert all(0.1 <= d["params.agglomeration.strength"] <= 1.0 for d in spec.draws)  # the range's
    point = tmp_path / "point.toml"
    point.write_text(REAL_SPEC.replace("[uncertainty]\n", '[uncertainty]\nposterior = ""\n'))
    spec = load_decision(point)
    assert spec.posterior is None and not set(drawn) & set(spec.draws[0])
    assert (
        "Latin-hypercube" in spec.uncertainty_note() and "posterior" not in spec.uncertainty_note()
    )


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ('name = "sites"', 'name = "two sites"', "decision.name", "expected a name of letters"),
        ('name = "haenam"', "name = 3", "options[1].name", "3 is not allowed; expected a name"),
        ('name = "haenam"', 'description = "x"', "options[1].name", "missing; give a name"),
        ('name = "noncapital_jobs"', 'name = "1st"', "objectives[0].name", "(a letter first)"),
        ('name = "noncapital_jobs"', 'name = "seed"', "objectives[0].name", "'seed' is reserved"),
    ],
)
def test_names_are_refused_as_their_form_is_declared(tmp_path, old, new, field, message):
    path = tmp_path / "spec.toml"
    path.write_text(textwrap.dedent(REAL_SPEC).replace(old, new, 1))
    with pytest.raises(DecisionError) as info:
        load_decision(path)
    problems = [p for p in info.value.problems if p.field == field]
    assert len(problems) == 1 and message in problems[0].message, info.value.problems


def test_a_name_given_twice_names_the_item_that_has_it(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(textwrap.dedent(REAL_SPEC).replace('name = "daegu"', 'name = "none"'))
    with pytest.raises(DecisionError) as info:
        load_decision(path)
    assert str(info.value.problems[0]).endswith(
        "options[2].name: 'none' is the name of options[0] already"
    )
