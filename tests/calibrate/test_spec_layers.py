"""A calibration starts from the scenario without its calibrated layer.

Otherwise a parameter the last calibration estimated but this one does not would carry the
last posterior's value into this fit unseen (the 2026-12 leak: an outside-entry rate of
0.0064 from an earlier layer was in force while the shipped model ran with 0.0108).
"""

from __future__ import annotations

import shutil
import textwrap

import pytest
from calib_helpers import ROOT, write_synthetic

from abm.calibrate.spec import load_calibration_spec
from abm.scenario import load_scenario


def _project(tmp_path, layer_rate: float):
    """A copy of the baseline that inherits a calibrated layer setting the entry rate."""
    shutil.copy(ROOT / "scenarios" / "baseline.toml", tmp_path / "baseline.toml")
    (tmp_path / "calibrated.toml").write_text(
        f'[scenario]\nname = "calibrated"\n\n[params.entry]\noutside_rate = {layer_rate}\n'
    )
    return tmp_path / "baseline.toml"


def test_a_scenario_run_keeps_its_layer_and_a_calibration_leaves_it_out(tmp_path):
    base = _project(tmp_path, 0.0064)
    default = load_scenario(base, without_layers=True).params.entry.outside_rate
    assert default != pytest.approx(0.0064)
    assert load_scenario(base).params.entry.outside_rate == pytest.approx(0.0064)
    targets = write_synthetic(tmp_path, firms=120, steps=12)
    spec = tmp_path / "spec.toml"
    spec.write_text(
        textwrap.dedent(
            f"""
            [calibration]
            name = "layers"
            scenario = "{base}"
            targets = "{targets}"
            steps = 12

            [parameters]
            "params.firm.cost_share" = {{ prior = "uniform", low = 0.98, high = 1.12 }}

            [fixed]
            "population.firms" = 120
            "scenario.start" = "2025-01"
            """
        )
    )
    loaded = load_calibration_spec(spec)
    assert loaded.base.params.entry.outside_rate == pytest.approx(default)
    # the resolved record (what check and ship rebuild runs from) says the same
    assert loaded.resolved()["base"]["params"]["entry"]["outside_rate"] == pytest.approx(default)
