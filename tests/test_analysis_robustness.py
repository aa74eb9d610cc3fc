"""The merit study's robustness helpers: sensitivity, response-level estimate, power design."""

from __future__ import annotations

import types

import numpy as np
import pytest

from kinerja_research.analysis import robustness as rb
from kinerja_research.analysis.estimates import merit_simple_att
from kinerja_research.analysis.panels import merit_panel
from kinerja_research.data.simulate import simulate


@pytest.fixture(scope="module")
def world():
    study = simulate("tiny", seed=0)
    return study, merit_panel(study)


def test_sensitivity_intervals_widen_with_mbar_and_breakdown_matches_table(world) -> None:
    _, panel = world
    res = rb.sensitivity(panel)
    t = res.tidy()
    robust = t[t["term"] != "original"]
    assert np.all(np.diff(robust["conf_high"] - robust["conf_low"]) >= -1e-9)
    table = rb.sensitivity_table(res, "id")
    positive = table["Efek tetap positif?"].eq("ya").to_numpy()[1:]
    # Every M̄ below the breakdown value excludes zero; every one above it does not.
    np.testing.assert_array_equal(positive, robust["m"].to_numpy() < res.breakdown)
    assert "M̄ = " in rb.sensitivity_note(res, "id") and "breakdown value" in rb.sensitivity_note(res, "en")


def test_response_level_note_states_both_estimates(world) -> None:
    study, panel = world
    rcs = rb.response_level(study)
    note = rb.response_level_note(rcs, merit_simple_att(panel), "en")
    assert f"{rcs.tidy()['estimate'].iloc[0]:.2f}" in note
    assert f"{merit_simple_att(panel).tidy()['estimate'].iloc[0]:.2f}" in note


def test_power_design_is_calibrated_on_real_data(world) -> None:
    study, panel = world
    assert rb.power_design(study, panel, effect=2.0).estimand == "merit_att_simple"
    real = types.SimpleNamespace(synthetic=False)
    design = rb.power_design(real, panel, effect=2.0)
    assert "calibrated" in design.name
