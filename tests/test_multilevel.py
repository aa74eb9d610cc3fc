"""Nested random-intercept models (employees in units in regions) on statsmodels MixedLM.

Two kinds of check: (1) on a balanced nested design REML equals the classical ANOVA
(expected-mean-squares) estimators whenever those are positive (Searle, Casella & McCulloch
1992, §4.7), so a hand computation is an exact reference; (2) on simulated data the estimates
land within four theoretical sampling SDs of the true components.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinerja_research.stats.multilevel import MultilevelResults, multilevel

# True components of the simulated world and its balanced shape.
SIGMA2 = {"region": 1.0, "unit": 0.5, "residual": 2.0}
A, B, N = 60, 8, 10  # regions, units per region, employees per unit
BETA = 0.8


def simulate(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = np.repeat(np.arange(A), B * N)
    unit = np.repeat(np.arange(A * B), N)
    x = rng.normal(size=A * B * N)
    y = (
        1.0 + BETA * x
        + rng.normal(0, np.sqrt(SIGMA2["region"]), A)[region]
        + rng.normal(0, np.sqrt(SIGMA2["unit"]), A * B)[unit]
        + rng.normal(0, np.sqrt(SIGMA2["residual"]), A * B * N)
    )
    # Unit codes restart in every region (as OPD codes do): nesting must come from the path.
    return pd.DataFrame({
        "region_id": [f"35{r:02d}" for r in region],
        "unit_id": [f"U{u % B}" for u in unit],
        "skp": y,
        "training_hours": x,
    })


def anova_components(d: pd.DataFrame, y: str) -> dict[str, float]:
    """Balanced two-stage nested ANOVA estimators by hand."""
    g = d.groupby(["region_id", "unit_id"])[y]
    unit_mean = g.transform("mean")
    region_mean = d.groupby("region_id")[y].transform("mean")
    grand = d[y].mean()
    ms_e = ((d[y] - unit_mean) ** 2).sum() / (A * B * (N - 1))
    ms_b = ((unit_mean - region_mean) ** 2).sum() / (A * (B - 1))
    ms_a = ((region_mean - grand) ** 2).sum() / (A - 1)
    return {
        "residual": ms_e,
        "unit": (ms_b - ms_e) / N,
        "region": (ms_a - ms_b) / (B * N),
    }


def sampling_sd() -> dict[str, float]:
    """Large-sample SDs of the ANOVA estimators: Var(MS) = 2 E[MS]^2 / df."""
    e_a = SIGMA2["residual"] + N * SIGMA2["unit"] + B * N * SIGMA2["region"]
    e_b = SIGMA2["residual"] + N * SIGMA2["unit"]
    e_e = SIGMA2["residual"]
    df_a, df_b, df_e = A - 1, A * (B - 1), A * B * (N - 1)
    return {
        "region": np.sqrt(2 * e_a**2 / df_a + 2 * e_b**2 / df_b) / (B * N),
        "unit": np.sqrt(2 * e_b**2 / df_b + 2 * e_e**2 / df_e) / N,
        "residual": np.sqrt(2 * e_e**2 / df_e),
    }


@pytest.fixture(scope="module")
def world() -> pd.DataFrame:
    return simulate(2024)


@pytest.fixture(scope="module")
def null_fit(world: pd.DataFrame) -> MultilevelResults:
    return multilevel(world, "skp", groups=["region_id", "unit_id"])


def test_reml_equals_anova_on_balanced_design(world, null_fit) -> None:
    ref = anova_components(world, "skp")
    vc = null_fit.variance_components
    # REML's optimum is the ANOVA solution; 1e-4 relative is the optimiser's convergence.
    for level, col in (("region_id", "region"), ("unit_id", "unit"), ("residual", "residual")):
        np.testing.assert_allclose(vc.loc[level, "variance"], ref[col], rtol=1e-4)


def test_intercept_is_grand_mean_on_balanced_design(world, null_fit) -> None:
    np.testing.assert_allclose(null_fit.coef["Intercept"], world["skp"].mean(), rtol=1e-8)


def test_recovers_true_components(world) -> None:
    res = multilevel(world, "skp", groups=["region_id", "unit_id"], covariates=["training_hours"])
    vc = res.variance_components
    sd = sampling_sd()
    for level, col in (("region_id", "region"), ("unit_id", "unit"), ("residual", "residual")):
        assert abs(vc.loc[level, "variance"] - SIGMA2[col]) < 4 * sd[col], level
    t = res.tidy().set_index("term")
    assert abs(t.loc["training_hours", "estimate"] - BETA) < 4 * t.loc["training_hours", "std_error"]
    assert t.loc["training_hours", "conf_low"] < BETA < t.loc["training_hours", "conf_high"]


def test_icc_definitions(null_fit) -> None:
    vc = null_fit.variance_components
    total = vc["variance"].sum()
    np.testing.assert_allclose(vc["share"].sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        null_fit.icc["region_id"], vc.loc["region_id", "variance"] / total, rtol=1e-12
    )
    np.testing.assert_allclose(
        null_fit.icc["unit_id"],
        (vc.loc["region_id", "variance"] + vc.loc["unit_id", "variance"]) / total, rtol=1e-12,
    )


def test_nesting_uses_full_path(null_fit) -> None:
    # Unit codes U0..U7 repeat in every region; the model must see 480 units, not 8.
    vc = null_fit.variance_components
    assert vc.loc["unit_id", "n_groups"] == A * B
    assert null_fit.provenance["levels"] == {"region_id": A, "unit_id": A * B}


def test_single_level_matches_one_way_anova(world) -> None:
    res = multilevel(world, "skp", groups=["region_id"])
    g = world.groupby("region_id")["skp"]
    n = B * N
    ms_w = ((world["skp"] - g.transform("mean")) ** 2).sum() / (A * (n - 1))
    ms_a = n * ((g.mean() - world["skp"].mean()) ** 2).sum() / (A - 1)
    np.testing.assert_allclose(
        res.variance_components.loc["region_id", "variance"], (ms_a - ms_w) / n, rtol=1e-4
    )


def test_missing_rows_dropped_and_recorded(world) -> None:
    d = world.copy()
    d.loc[:9, "skp"] = np.nan
    res = multilevel(d, "skp", groups=["region_id", "unit_id"])
    assert res.provenance["n_dropped_missing"] == 10
    assert res.provenance["n_obs"] == len(d) - 10


def test_results_hold_no_rows(null_fit) -> None:
    assert all(len(v) < 10 for v in null_fit._extra.values())
    assert "REML" in str(null_fit.provenance["estimation"]) and "Intercept" in null_fit.summary()
    assert "variance components" in null_fit.summary() and "icc" in null_fit._repr_html_()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"groups": "region_id"}, TypeError, "list of column names"),
        ({"groups": []}, ValueError, "at least one"),
        ({"groups": ["region_id", "nope"]}, ValueError, "not in data"),
        ({"outcome": "unit_id"}, TypeError, "numeric"),
        ({"alpha": 1.5}, ValueError, "alpha"),
    ],
)
def test_bad_input(world, kwargs, error, match) -> None:
    args = {"outcome": "skp", "groups": ["region_id", "unit_id"]}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        multilevel(world, **args)
