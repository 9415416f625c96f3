"""The SBC's statistics on a conjugate normal model, where the exact posterior is known:
exact posteriors pass (ranks uniform, coverage nominal), an overconfident or a biased one
fails, and the prior returned as the posterior passes coverage but shows no contraction.
So the check can fail, and says why."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from abm.calibrate import sbc
from tests.doc_blocks import block

UNITS, PARTICLES = 1000, 200
PRIOR_WIDTH = 2 * 1.6448536269514722  # the 90 % width of N(0, 1)


def _units(scale: float = 1.0, shift: float = 0.0, weighted: bool = False, seed: int = 7):
    """Synthetic calibrations of theta ~ N(0, 1), y ~ N(theta, 1), whose posterior is
    N(y / 2, 1 / 2): ``scale`` multiplies the posterior's sd (< 1: overconfident), ``shift``
    moves its mean by that many posterior sds; ``weighted``: an importance sample from a
    wide proposal, weighted posterior / proposal (as ABC-SMC's particles are)."""
    rng = np.random.default_rng(seed)
    units = []
    for _ in range(UNITS):
        theta = rng.standard_normal()
        y = theta + rng.standard_normal()
        mean, sd = y / 2 + shift * math.sqrt(0.5), scale * math.sqrt(0.5)
        if weighted:
            x = rng.normal(mean, 2 * sd, PARTICLES)
            w = np.exp(-0.5 * ((x - mean) / sd) ** 2 + 0.5 * ((x - mean) / (2 * sd)) ** 2)
        else:
            x, w = rng.normal(mean, sd, PARTICLES), np.ones(PARTICLES)
        draws = x[sbc.resample(w, sbc.DRAWS, rng)]
        stats = sbc.unit_statistics(theta, x, w, PRIOR_WIDTH, draws)
        units.append({"parameters": {"theta": stats}})
    return sbc.summarize(units, ["theta"], sbc.DRAWS)


@pytest.mark.parametrize("weighted", [False, True])
def test_the_exact_posterior_passes(weighted):
    s = _units(weighted=weighted)
    p = s["parameters"]["theta"]
    assert s["passed"] and p["uniform"], p
    for level, key in ((0.5, "coverage_50"), (0.9, "coverage_90")):
        lo, hi = p[key]["ci95"]
        assert lo <= level <= hi and p[key]["in_band"], p[key]
    # the posterior sd is 1/sqrt(2) of the prior's: contraction 1 - 0.707
    assert p["contraction_mean"] == pytest.approx(1 - math.sqrt(0.5), abs=0.03)


def test_an_overconfident_posterior_fails():
    s = _units(scale=0.5)
    p = s["parameters"]["theta"]
    assert not s["passed"] and s["failed"] == ["theta"]
    assert p["coverage_90"]["share"] < 0.7 and not p["uniform"]
    # U-shaped: the outer bins hold far more than their share
    h = p["histogram"]
    assert h[0] + h[-1] > 3 * 2 * p["expected_per_bin"]


def test_a_biased_posterior_fails():
    s = _units(shift=1.0)
    p = s["parameters"]["theta"]
    assert not s["passed"] and not p["uniform"]


def test_the_prior_returned_passes_coverage_but_does_not_contract():
    rng = np.random.default_rng(3)
    units = []
    for _ in range(UNITS):
        theta, x = rng.standard_normal(), rng.standard_normal(PARTICLES)
        w = np.ones(PARTICLES)
        stats = sbc.unit_statistics(theta, x, w, PRIOR_WIDTH, x[sbc.resample(w, sbc.DRAWS, rng)])
        units.append({"parameters": {"theta": stats}})
    p = sbc.summarize(units, ["theta"], sbc.DRAWS)["parameters"]["theta"]
    assert p["passed"] and abs(p["contraction_mean"]) < 0.05


def test_ranks_and_bins():
    assert sbc.rank(0.5, np.array([0.1, 0.4, 0.6, 0.9])) == 2
    assert sbc.rank(-1.0, np.zeros(99)) == 0 and sbc.rank(1.0, np.zeros(99)) == 99
    assert [sbc.rank_bins(n, 99) for n in (4, 12, 25, 50, 100)] == [4, 4, 5, 10, 20]
    lo, hi = sbc.clopper_pearson(45, 50)
    assert lo < 0.9 < hi and lo == pytest.approx(0.7819, abs=1e-3)


def test_the_docs_show_the_committed_sbc_of_the_shipped_method():
    """docs/calibration.md's SBC section is what calibration/sbc/table.json gives
    (scripts/sbc_table.py): the shipped spec's parameters, at least the 50 units the check
    asks for, the rank histograms beside it, and the spec's own [method] settings."""
    from abm.calibrate.spec import load_calibration_spec
    from tests.doc_blocks import script

    table = script("sbc_table")
    summary = json.loads(table.SUMMARY.read_text())
    assert block(sbc.DOC, table.BLOCK).text == table.markdown(summary)
    for name in table.FIGURES:
        assert (table.SUMMARY.parent / name).is_file()
    spec = load_calibration_spec(sbc.REPO / "calibration" / "history.toml")
    assert list(summary["priors"]) == spec.keys
    assert list(summary["adjusted"]["parameters"]) == spec.keys
    assert summary["units"] >= sbc.FULL
    m = spec.method
    assert (summary["accept"], summary["ridge"], summary["shipped"]) == (
        m.accept, m.ridge, m.adjust,
    )  # fmt: skip
    assert summary["table_runs"] <= m.particles and summary["firms"] == spec.base.population.firms


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["nosuch.toml", "results/x"], "nosuch.toml: no such calibration spec"),
        (["calibration/history.toml", "."], "no generation 0 of calibration/history.toml"),
        (["calibration/history.toml", ".", "--accept", "2"], "--accept 2: a share of the runs"),
    ],
)
def test_the_table_sbc_refuses_bad_input_in_one_line(argv, needle, monkeypatch, capsys):
    from tests.doc_blocks import script

    monkeypatch.chdir(sbc.REPO)
    monkeypatch.setattr("sys.argv", ["sbc_table.py", *argv])
    with pytest.raises(SystemExit) as exit_:
        script("sbc_table").main()
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 2 and needle in err[-1] and "Traceback" not in "\n".join(err)
