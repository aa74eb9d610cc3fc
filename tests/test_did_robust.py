"""Robust propensity fits and honest failures of staggered_did (issue 12, step 1).

Real data: LaLonde's NSW experimental controls against the CPS comparison units (tests/data,
see its README), the 2x2 panel 1975 -> 1978 on which the earlier hand-written Newton logit
diverged. mpdta for the constructed single-unit cohort, overlap and collinearity cases.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinerja_research.stats import _did_core as core
from kinerja_research.stats.did import WaldTest, staggered_did

HERE = Path(__file__).parent / "data"
MPDTA = pd.read_csv(HERE / "mpdta.csv")
ARGS = ("lemp", "countyreal", "year", "first.treat")
LALONDE_COVS = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74"]


@pytest.fixture(scope="module")
def lalonde() -> pd.DataFrame:
    """NSW experimental controls (cohort 1978) and CPS-1 units (never treated), long 2x2."""
    nsw = pd.read_csv(HERE / "nsw_mixtape.csv")
    cps = pd.read_csv(HERE / "cps_mixtape.csv")
    wide = pd.concat([nsw[nsw["treat"] == 0].assign(g=1978), cps.assign(g=0)],
                     ignore_index=True)
    wide["id"] = np.arange(len(wide))
    return pd.concat([wide.assign(year=1975, y=wide["re75"]),
                      wide.assign(year=1978, y=wide["re78"])], ignore_index=True)


@pytest.fixture(scope="module")
def lalonde_fits(lalonde: pd.DataFrame) -> dict[str, pd.Series]:
    out = {}
    for m in ("reg", "ipw", "dr"):
        res = staggered_did(lalonde, "y", "id", "year", "g", covariates=LALONDE_COVS,
                            method=m, n_boot=0)
        out[m] = res.tidy().iloc[0]
    return out


def test_lalonde_logit_matches_unpenalized_glm(lalonde: pd.DataFrame) -> None:
    import statsmodels.api as sm

    w = lalonde[lalonde["year"] == 1975]
    x = np.column_stack([np.ones(len(w)), w[LALONDE_COVS].to_numpy(float)])
    d = (w["g"] > 0).to_numpy(float)
    fit = sm.GLM(d, x, family=sm.families.Binomial()).fit(tol=1e-14, maxiter=200)
    assert fit.converged
    np.testing.assert_allclose(core._logit(d, x), fit.fittedvalues, rtol=1e-8, atol=1e-12)


def test_lalonde_dr_and_ipw_estimate(lalonde_fits: dict[str, pd.Series]) -> None:
    for m in ("dr", "ipw", "reg"):
        row = lalonde_fits[m]
        assert np.isfinite(row["estimate"]) and np.isfinite(row["std_error"]), m
        assert row["std_error"] > 0


def test_lalonde_methods_agree(lalonde_fits: dict[str, pd.Series]) -> None:
    """The three adjustments target the same ATT, which is zero here.

    The "treated" are the experiment's controls, who never received the programme, so the
    ATT is 0: each estimate must lie within 1.96 of its standard errors of 0 (Sant'Anna & Zhao
    2020 report small biases for DiD estimators with this CPS comparison). The estimators
    differ only in how they adjust for the same covariates, so pairwise they must agree to
    within 1.5 of the larger standard error (observed: at most 1.07).
    """
    for m, row in lalonde_fits.items():
        assert abs(row["estimate"]) < 1.96 * row["std_error"], m
    for a, b in (("dr", "ipw"), ("dr", "reg"), ("ipw", "reg")):
        ra, rb = lalonde_fits[a], lalonde_fits[b]
        assert abs(ra["estimate"] - rb["estimate"]) < 1.5 * max(ra["std_error"],
                                                                rb["std_error"]), (a, b)


def _single_unit_cohort() -> tuple[pd.DataFrame, int]:
    """mpdta with cohort 2004 cut to one county and a binary covariate (lpop above median)."""
    df = MPDTA.copy()
    first = df.loc[df["first.treat"] == 2004, "countyreal"].unique()
    keep_unit = int(first[0])
    df = df[(df["first.treat"] != 2004) | (df["countyreal"] == keep_unit)].copy()
    med = df.groupby("countyreal")["lpop"].first().median()
    df["big"] = (df["lpop"] > med).astype(float)
    return df.reset_index(drop=True), keep_unit


@pytest.mark.parametrize("method", ["dr", "ipw"])
def test_single_unit_cohort_with_binary_covariate(method: str) -> None:
    """Quasi-separation: the logit MLE does not exist, the ATT does (as csdid estimates it).

    With one treated county and a binary covariate, the fitted score of the other covariate
    stratum tends to 0, so its controls get zero weight and both IPW and DR reduce to the DiD
    within the treated county's stratum -- computed here by hand.
    """
    df, unit = _single_unit_cohort()
    res = staggered_did(df, *ARGS, covariates=["big"], method=method, n_boot=0)
    t = res.tidy().set_index("term")
    stratum = df.loc[df["countyreal"] == unit, "big"].iloc[0]
    w = df.pivot(index="countyreal", columns="year", values="lemp")
    g = df.groupby("countyreal")[["first.treat", "big"]].first()
    ctrl = (g["first.treat"] == 0) & (g["big"] == stratum)
    for t_ in (2004, 2005, 2007):
        base = 2003
        want = (w.loc[unit, t_] - w.loc[unit, base]) - (w.loc[ctrl, t_] - w.loc[ctrl, base]).mean()
        got = t.loc[f"ATT(2004,{t_})", "estimate"]
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert np.isfinite(t["std_error"]).all()


def _overlap_data() -> pd.DataFrame:
    """A covariate that nearly reveals cohort 2004: its propensity scores reach 0.999."""
    df = MPDTA.copy()
    rng = np.random.default_rng(3)
    noise = pd.Series(rng.standard_normal(df["countyreal"].nunique()),
                      index=df["countyreal"].unique())
    df["z"] = df["countyreal"].map(noise) + 8.0 * (df["first.treat"] == 2004)
    return df


def test_overlap_violation_gives_na_cells_with_warning() -> None:
    df = _overlap_data()
    with pytest.warns(RuntimeWarning, match=r"ATT\(2004,2004\) set to NA: overlap condition"):
        res = staggered_did(df, *ARGS, covariates=["z"], method="dr", n_boot=0)
    t = res.tidy()
    bad = t["group"] == 2004
    assert t.loc[bad, "estimate"].isna().all()
    assert t.loc[~bad, "estimate"].notna().all()
    missing = res.provenance["missing_cells"]
    assert len(missing) == bad.sum()
    assert all("overlap condition violated" in m for m in missing)
    assert "0.995" in res.provenance["propensity_trimming"]
    assert "0.999" in res.provenance["propensity_trimming"]
    assert "missing cells" in res.summary()


def test_outcome_regression_ignores_overlap() -> None:
    """reg fits no propensity score: the same data estimate every cell."""
    res = staggered_did(_overlap_data(), *ARGS, covariates=["z"], method="reg", n_boot=0)
    assert res.tidy()["estimate"].notna().all()
    assert res.provenance["missing_cells"] is None


@pytest.fixture(scope="module")
def with_missing() -> object:
    with pytest.warns(RuntimeWarning, match="overlap"):
        return staggered_did(_overlap_data(), *ARGS, covariates=["z"], method="ipw", n_boot=100,
                             random_state=1)


@pytest.mark.parametrize("kind", ["simple", "group", "dynamic", "calendar"])
def test_aggregation_with_missing_cells_names_them(with_missing: object, kind: str) -> None:
    with pytest.raises(ValueError, match=r"ATT\(2004,2004\): overlap condition violated") as e:
        with_missing.aggregate(kind)
    assert "drop_missing=True" in str(e.value)
    assert "min_e" not in str(e.value)


def test_drop_missing_is_recorded(with_missing: object) -> None:
    agg = with_missing.aggregate("group", drop_missing=True)
    assert agg.tidy()["term"].tolist() == ["overall", "group=2006", "group=2007"]
    assert agg.provenance["drop_missing"] is True
    assert any("ATT(2004,2005)" in c for c in agg.provenance["dropped_cells"])
    assert "cohort 2004" in agg.provenance["dropped_cohorts"][0]
    assert "dropped cells" in agg.summary()
    simple = with_missing.aggregate("simple", drop_missing=True)
    assert np.isfinite(simple.overall["estimate"])


def test_dropping_equals_fitting_without_the_cohort(with_missing: object) -> None:
    """drop_missing=True leaves the cohort out exactly as if it were not in the data
    (R's na.rm): the simple ATT equals a fit on the data without cohort 2004's units."""
    df = _overlap_data()
    df = df[df["first.treat"] != 2004]
    ref = staggered_did(df, *ARGS, covariates=["z"], method="ipw", n_boot=0)
    got = with_missing.aggregate("simple", drop_missing=True).overall["estimate"]
    want = ref.aggregate("simple").overall["estimate"]
    # cohort shares change (the pg weights are renormalized over the kept cells) but the
    # weighted average only depends on the kept cohorts' relative sizes, which are the same
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_collinear_covariates_name_the_cause() -> None:
    df = MPDTA.assign(lpop2=MPDTA["lpop"] * 2.0)
    with pytest.warns(RuntimeWarning, match="collinear"):
        res = staggered_did(df, *ARGS, covariates=["lpop", "lpop2"], method="reg", n_boot=0)
    assert res.tidy()["estimate"].isna().all()
    with pytest.raises(ValueError, match="singular or numerically ill-conditioned"):
        res.aggregate("simple")


def test_window_error_blames_the_window_only_when_it_is_the_cause() -> None:
    res = staggered_did(MPDTA, *ARGS, n_boot=0)
    with pytest.raises(ValueError, match="widen min_e/max_e"):
        res.aggregate("group", min_e=0, max_e=-1)


def test_wald_test_is_a_frozen_results_object() -> None:
    res = staggered_did(MPDTA, *ARGS, n_boot=0)
    w = res.pretrend_test()
    assert isinstance(w, WaldTest)
    assert w.df == len(w.cells) == w.vcov.shape[0]
    assert w.tidy()["p_value"].iloc[0] == w.p_value
    assert w.nobs == 500
    with pytest.raises(AttributeError):
        w.statistic = 0.0  # type: ignore[misc]
    assert "Wald" in str(w)


def test_vcov_and_nobs() -> None:
    res = staggered_did(MPDTA, *ARGS, n_boot=0)
    v = res.vcov
    se = res.tidy().set_index("term")["std_error"]
    np.testing.assert_allclose(np.sqrt(np.diag(v)), se.loc[v.index], rtol=1e-12)
    agg = res.aggregate("dynamic")
    va = agg.vcov
    np.testing.assert_allclose(np.sqrt(np.diag(va)), agg.tidy()["std_error"], rtol=1e-12)
    assert res.nobs == agg.nobs == 500
