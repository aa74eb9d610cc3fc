"""Tests of the refutation helpers (placebo treatment timing, leave-one-out).

The toy panel: 48 units in 6 regions observed 2010-2019, adoption cohorts 2014, 2016, 2018
and never (0), outcome = unit effect + year effect + ``effect`` after adoption
(+ ``pretrend`` x years for units that will adopt) + N(0, 1) noise. The estimator is two-way
fixed effects OLS (statsmodels) with classical standard errors: with homogeneous effects and
i.i.d. normal errors its t-interval is exact, so the placebo's rejection rate must be alpha.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from kinerja_research.stats._results import Results
from kinerja_research.stats.diagnose import Design, diagnose
from kinerja_research.stats.refute import RefutationResults, leave_one_out, placebo_timing

YEARS = np.arange(2010, 2020)
COHORTS = np.array([0, 2014, 2016, 2018])


def toy_panel(
    seed: int, *, effect: float = 2.0, pretrend: float = 0.0, n_units: int = 48
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), len(YEARS))
    period = np.tile(YEARS, n_units)
    cohort = np.repeat(COHORTS[np.arange(n_units) % len(COHORTS)], len(YEARS))
    treated = (cohort > 0) & (period >= cohort)
    y = (
        np.repeat(rng.normal(0, 1, n_units), len(YEARS))
        + 0.3 * (period - 2010)
        + effect * treated
        + pretrend * (cohort > 0) * (period - 2010)
        + rng.normal(0, 1, len(unit))
    )
    return pd.DataFrame({
        "unit_id": unit,
        "region_id": (unit % 6).astype(str),
        "period": period,
        "cohort": cohort,
        "y": y,
    })


def twfe(df: pd.DataFrame) -> tuple[float, float, tuple[float, float]]:
    """Two-way FE OLS of y on the treatment dummy implied by the cohort column."""
    d = df.assign(D=((df["cohort"] > 0) & (df["period"] >= df["cohort"])).astype(float))
    fit = smf.ols("y ~ D + C(unit_id) + C(period)", data=d).fit()
    low, high = fit.conf_int(alpha=0.05).loc["D"]
    return float(fit.params["D"]), float(fit.bse["D"]), (float(low), float(high))


class Recorder:
    """An estimator that remembers what it was given (in-process only)."""

    def __init__(self) -> None:
        self.seen: pd.DataFrame | None = None

    def __call__(self, df: pd.DataFrame) -> tuple[float, float, tuple[float, float]]:
        self.seen = df.copy()
        return 0.0, 1.0, (-1.96, 1.96)


PANEL = toy_panel(0)
placebo = partial(placebo_timing, time="period", cohort="cohort")


# --- placebo timing: what the estimator receives ------------------------------------------
class TestPlaceboData:
    def _cohorts_by_real(self, seen: pd.DataFrame) -> dict[int, set[int]]:
        real = PANEL.set_index(["unit_id", "period"])["cohort"]
        merged = seen.join(real.rename("real"), on=["unit_id", "period"])
        return {int(k): set(v) for k, v in merged.groupby("real")["cohort"].unique().items()}

    def test_default_window_before_first_adoption(self) -> None:
        rec = Recorder()
        res = placebo(PANEL, rec, shift=-2)
        seen = rec.seen
        assert seen is not None
        assert sorted(seen["period"].unique()) == [2010, 2011, 2012, 2013]
        assert seen["unit_id"].nunique() == 48  # nobody dropped, still balanced
        # 2014 -> 2012 (in window); 2016 -> 2014 and 2018 -> 2016 lie after it: untreated
        assert self._cohorts_by_real(seen) == {0: {0}, 2014: {2012}, 2016: {0}, 2018: {0}}
        assert res.provenance["window"] == (2010.0, 2013.0)
        assert seen["cohort"].dtype == PANEL["cohort"].dtype

    def test_later_end_drops_units_treated_in_window(self) -> None:
        rec = Recorder()
        res = placebo(PANEL, rec, shift=-2, end=2015)
        seen = rec.seen
        assert sorted(seen["period"].unique()) == list(range(2010, 2016))
        assert self._cohorts_by_real(seen) == {0: {0}, 2016: {2014}, 2018: {0}}
        assert res.provenance["rows_dropped_treated_in_window"] == 12 * len(YEARS)

    def test_fake_adoption_without_pre_period_is_dropped(self) -> None:
        rec = Recorder()
        res = placebo(PANEL, rec, shift=-5)
        # 2014 -> 2009 precedes the data; 2016 -> 2011 and 2018 -> 2013 fit in the window
        assert self._cohorts_by_real(rec.seen) == {0: {0}, 2016: {2011}, 2018: {2013}}
        assert res.provenance["rows_dropped_no_pre_period"] == 12 * len(YEARS)

    def test_input_not_modified(self) -> None:
        before = PANEL.copy()
        placebo(PANEL, Recorder(), shift=-2)
        pd.testing.assert_frame_equal(PANEL, before)

    def test_missing_cohort_means_never_treated(self) -> None:
        df = PANEL.assign(cohort=PANEL["cohort"].replace(0, np.nan))
        rec = Recorder()
        placebo(df, rec, shift=-2)
        never = rec.seen.loc[rec.seen["unit_id"] % 4 == 0, "cohort"]
        assert never.isna().all()

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"shift": 0}, "shift must be a negative integer"),
            ({"shift": 2}, "shift must be a negative integer"),
            ({"shift": -10}, "no fake adoption falls inside the window"),
            ({"shift": -2, "end": 2010}, "no pre-period"),
            ({"shift": -2, "time": "year"}, "time column 'year' is not in the data"),
        ],
    )
    def test_bad_input(self, kwargs: dict, message: str) -> None:
        kw = {"time": "period", "cohort": "cohort", **kwargs}
        with pytest.raises(ValueError, match=message):
            placebo_timing(PANEL, Recorder(), **kw)

    def test_no_treated_unit(self) -> None:
        with pytest.raises(ValueError, match="no unit is treated"):
            placebo(PANEL.assign(cohort=0), Recorder())

    def test_not_a_frame_or_estimator(self) -> None:
        with pytest.raises(TypeError, match="pandas DataFrame"):
            placebo(PANEL.to_dict(), Recorder())
        with pytest.raises(TypeError, match="estimator must be callable"):
            placebo(PANEL, "twfe")


# --- placebo timing: what it finds --------------------------------------------------------
class TestPlaceboFindings:
    def test_no_pretrend_no_placebo_effect(self) -> None:
        real_est, _, (lo, _) = twfe(PANEL)
        assert lo > 0  # the real effect (2) is detected ...
        res = placebo(PANEL, twfe, shift=-2, end=2017)
        t = res.tidy().iloc[0]
        assert t["conf_low"] < 0 < t["conf_high"]  # ... the placebo finds nothing
        assert t["check"] == "placebo_timing" and t["expected"] == 0.0

    def test_pretrend_is_detected(self) -> None:
        df = toy_panel(0, pretrend=0.8)
        t = placebo(df, twfe, shift=-2, end=2017).tidy().iloc[0]
        assert t["conf_low"] > 0

    def test_results_estimator_and_fit_kept(self) -> None:
        def as_results(df: pd.DataFrame) -> Results:
            est, se, (lo, hi) = twfe(df)
            tidy = pd.DataFrame({
                "term": ["D"], "estimate": [est], "std_error": [se], "statistic": [est / se],
                "p_value": [np.nan], "conf_low": [lo], "conf_high": [hi],
            })
            return Results(tidy=tidy, provenance={"variance": "classical OLS"}, alpha=0.05)

        res = placebo(PANEL, as_results, shift=-2, end=2017, term="D")
        assert isinstance(res, RefutationResults)
        assert isinstance(res.fit, Results)
        np.testing.assert_allclose(
            res.coef["D"], res.fit.coef["D"], rtol=0, atol=0
        )
        assert res.provenance["variance"] == "classical OLS"


# the placebo inside a design: its rejection rate is the test's size
def panel_world(*, preset: str, seed: int, **overrides: float) -> dict:
    return {"panel": toy_panel(seed, **overrides), "truth": {}}


def placebo_estimator(world: dict) -> RefutationResults:
    return placebo_timing(world["panel"], twfe, time="period", cohort="cohort", shift=-2, end=2017)


SIZE_SIMS = 300
# rejection rate of an exact 5% test over SIZE_SIMS draws: MCSE sqrt(.05 * .95 / 300) = 0.0126;
# 4 MCSE as in test_diagnose
SIZE_TOL = 4 * np.sqrt(0.05 * 0.95 / SIZE_SIMS)


def test_placebo_size_in_diagnose() -> None:
    design = Design(estimator=placebo_estimator, estimand=0.0, world=panel_world, name="placebo")
    res = diagnose(design, sims=SIZE_SIMS, seed=1, n_jobs=1, progress=False)
    assert abs(res.coef["power"] - 0.05) <= SIZE_TOL
    assert abs(res.coef["coverage"] - 0.95) <= SIZE_TOL


# --- leave one out ------------------------------------------------------------------------
def mean_y(df: pd.DataFrame) -> tuple[float, float, tuple[float, float]]:
    m, se = float(df["y"].mean()), float(df["y"].std(ddof=1) / np.sqrt(len(df)))
    return m, se, (m - 1.96 * se, m + 1.96 * se)


class TestLeaveOneOut:
    def test_estimates_match_direct_computation(self) -> None:
        res = leave_one_out(PANEL, mean_y, group="region_id")
        t = res.tidy()
        g = PANEL.groupby("region_id")["y"].agg(["sum", "count"])
        loo = (PANEL["y"].sum() - g["sum"]) / (len(PANEL) - g["count"])
        assert list(t["term"]) == ["all", *[f"without {k}" for k in g.index]]
        assert t["left_out"].iloc[0] is pd.NA
        # a mean of 400 numbers: summation order is the only difference
        np.testing.assert_allclose(t["estimate"].iloc[1:], loo.to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(t["estimate"].iloc[0], PANEL["y"].mean(), rtol=1e-12)
        np.testing.assert_array_equal(t["n_obs"].iloc[1:], len(PANEL) - g["count"].to_numpy())
        np.testing.assert_allclose(
            t["difference"], t["estimate"] - PANEL["y"].mean(), rtol=1e-12, atol=1e-15
        )
        most = (loo - PANEL["y"].mean()).abs().idxmax()
        assert res.provenance["most_influential"] == most
        assert res.provenance["n_groups"] == 6

    def test_results_estimator_with_term(self) -> None:
        def two_terms(df: pd.DataFrame) -> Results:
            m, se, (lo, hi) = mean_y(df)
            tidy = pd.DataFrame({
                "term": ["mean", "other"], "estimate": [m, 0.0], "std_error": [se, 1.0],
                "statistic": [m / se, 0.0], "p_value": [0.0, 1.0],
                "conf_low": [lo, -1.0], "conf_high": [hi, 1.0],
            })
            return Results(tidy=tidy, provenance={}, alpha=0.05)

        a = leave_one_out(PANEL, two_terms, term="mean").tidy()
        b = leave_one_out(PANEL, mean_y).tidy()
        np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=0, atol=0)
        with pytest.raises(ValueError, match="choose one"):
            leave_one_out(PANEL, two_terms)

    def test_errors_recorded_or_raised(self) -> None:
        def needs_region_0(df: pd.DataFrame) -> tuple[float, float, tuple[float, float]]:
            if "0" not in set(df["region_id"]):
                raise KeyError("region 0 missing")
            return mean_y(df)

        res = leave_one_out(PANEL, needs_region_0, errors="record")
        t = res.tidy().set_index("term")
        assert np.isnan(t.loc["without 0", "estimate"])
        assert "region 0 missing" in t.loc["without 0", "error"]
        assert t["error"].notna().sum() == 1
        assert res.provenance["n_failed"] == 1
        with pytest.raises(RuntimeError, match="without region_id='0' failed"):
            leave_one_out(PANEL, needs_region_0)

    def test_bad_input(self) -> None:
        with pytest.raises(ValueError, match="group column 'kab' is not in the data"):
            leave_one_out(PANEL, mean_y, group="kab")
        with pytest.raises(ValueError, match="missing values"):
            leave_one_out(PANEL.assign(region_id=None), mean_y)
        with pytest.raises(ValueError, match="at least 2"):
            leave_one_out(PANEL.assign(region_id="x"), mean_y)
        with pytest.raises(ValueError, match="errors must be"):
            leave_one_out(PANEL, mean_y, errors="skip")  # type: ignore[arg-type]

    def test_display(self) -> None:
        res = leave_one_out(PANEL, mean_y)
        fig = res.plot()
        assert len(fig.axes[0].lines) >= 2
        assert "leave-one-out" in res.summary()
