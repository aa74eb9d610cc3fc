"""Power for the user's own panel: calibrated_design + diagnose."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kinerja_research as kr
from kinerja_research.stats.calibrate import CalibratedWorld, calibrated_design, variance_components
from kinerja_research.stats.diagnose import diagnose

TRUE = {"mean": 50.0, "unit_var": 4.0, "period_var": 1.0, "idiosyncratic_var": 2.0, "ar1": 0.5}


def _structure(n: int = 300, periods: int = 8, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    g = np.repeat(rng.choice([0, 2018, 2020], n), periods).astype(float)
    units = np.repeat(np.arange(n), periods)
    times = np.tile(np.arange(2014, 2014 + periods), n).astype(float)
    return units, times, g


def test_world_keeps_structure_and_declared_effect() -> None:
    units, times, g = _structure(50, 6)
    world = CalibratedWorld(units, times, g, TRUE, effect=lambda e: 0.5 + 0.1 * e)
    out = world(seed=1)
    p = out["panel"]
    np.testing.assert_array_equal(p["unit"], units)
    np.testing.assert_array_equal(p["time"], times)
    post = (g > 0) & (times >= g)
    np.testing.assert_allclose(out["truth"]["effect"], np.mean(0.5 + 0.1 * (times - g)[post]))
    # same seed, same world; another seed, another draw
    pd.testing.assert_frame_equal(world(seed=1)["panel"], p)
    assert not np.allclose(world(seed=2)["panel"]["y"], p["y"])


def test_calibration_recovers_known_components() -> None:
    units, times, g = _structure()
    world = CalibratedWorld(units, times, g, TRUE, effect=0.0)
    got = []
    for seed in range(5):
        panel = world(seed=seed)["panel"]
        got.append(calibrated_design(panel, "y", "unit", "time", "cohort", effect=0.5).world.components)
    mean = pd.DataFrame(got)[list(TRUE)].mean()
    raw = pd.DataFrame([variance_components(world(seed=s)["panel"], "y", "unit", "time", "cohort")
                        for s in range(5)])[list(TRUE)].mean()
    # the simulation-based correction moves the short-panel moment estimates towards the truth
    for k in ("idiosyncratic_var", "ar1"):
        assert abs(mean[k] - TRUE[k]) < abs(raw[k] - TRUE[k]), (k, mean[k], raw[k])
    assert mean["idiosyncratic_var"] == pytest.approx(2.0, rel=0.15)
    assert mean["ar1"] == pytest.approx(0.5, abs=0.1)
    assert mean["unit_var"] == pytest.approx(4.0, rel=0.25)


def test_mde_for_the_users_panel() -> None:
    units, times, g = _structure(200, 6, seed=3)
    panel = CalibratedWorld(units, times, g, TRUE, effect=0.7)(seed=9)["panel"]
    panel = panel.rename(columns={"unit": "opd", "time": "tahun", "cohort": "g", "y": "ikm"})
    design = kr.stats.calibrated_design(panel, "ikm", "opd", "tahun", "g", effect=0.5)
    res = diagnose(design, sims=60, seed=1, n_jobs=1, progress=False)
    c = res.coef
    assert c["mean_estimand"] == pytest.approx(0.5)
    assert abs(c["bias"]) < 4 * res.se["bias"] + 1e-9
    # the MDE is the (z_{.975} + z_{.8}) multiple of the mean SE, reported for this data
    assert c["mde"] == pytest.approx(2.8016 * c["mean_se"], rel=1e-3)
    assert 0 < c["mde"] < 2


def test_bad_input() -> None:
    units, times, g = _structure(20, 5)
    panel = CalibratedWorld(units, times, g, TRUE, effect=0.0)(seed=0)["panel"]
    with pytest.raises(ValueError, match="columns not in data"):
        calibrated_design(panel, "nope", "unit", "time", "cohort", effect=1.0)
    with pytest.raises(TypeError, match="effect must be"):
        calibrated_design(panel, "y", "unit", "time", "cohort", effect="big")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no treated unit"):
        calibrated_design(panel.assign(cohort=0), "y", "unit", "time", "cohort", effect=1.0)
    with pytest.raises(ValueError, match="estimator must be"):
        calibrated_design(panel, "y", "unit", "time", "cohort", effect=1.0, estimator="ols")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="duplicate"):
        calibrated_design(pd.concat([panel, panel]), "y", "unit", "time", "cohort", effect=1.0)
