"""Tests of the design-diagnosis engine on a toy design whose answers are known analytically.

The toy world draws ``n`` observations from N(mu, 1); the estimator is the mean with the known
standard error 1/sqrt(n), so its 95% interval covers mu with probability exactly 0.95, the
estimator is unbiased and the power of the two-sided z-test is
Phi(mu/se - z) + Phi(-mu/se - z).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinerja_research.stats._results import Results
from kinerja_research.stats.diagnose import (
    DIAGNOSANDS,
    SIMULATION_COLUMNS,
    Design,
    DiagnosisResults,
    diagnose,
    extract_estimate,
    resolve_truth,
)

Z = stats.norm.ppf(0.975)
MU, N_OBS = 0.3, 50
SE = 1 / np.sqrt(N_OBS)
SIMS = 2000
# Monte-Carlo tolerance: a proportion estimated from SIMS draws has MCSE sqrt(p(1-p)/SIMS);
# 4 MCSE leaves a false-alarm chance of 6e-5 per check while still catching a wrong formula.
MC_WIDTH = 4.0
# quantities that involve no randomness are exact up to floating-point summation
EXACT_RTOL = 1e-12


# --- a toy world and estimators (module level, so worker processes can unpickle them) -----
def normal_world(*, preset: str, seed: int, mu: float = MU, n: int = N_OBS) -> dict:
    y = np.random.default_rng(seed).normal(mu, 1.0, n)
    return {"y": y, "truth": {"mean": mu, "nested": {"mean": mu}}}


def mean_known_se(world: dict) -> tuple[float, float, tuple[float, float]]:
    y = world["y"]
    m, se = float(y.mean()), 1 / np.sqrt(len(y))
    return m, se, (m - Z * se, m + Z * se)


def mean_bootstrap(world: dict, seed: int) -> tuple[float, float, tuple[float, float]]:
    """Uses its seed: the estimator stream must also be independent of n_jobs."""
    y = world["y"]
    rng = np.random.default_rng(seed)
    boots = y[rng.integers(0, len(y), size=(50, len(y)))].mean(axis=1)
    m, se = float(y.mean()), float(boots.std(ddof=1))
    return m, se, (m - Z * se, m + Z * se)


def mean_results(world: dict) -> Results:
    y = world["y"]
    m, se = float(y.mean()), 1 / np.sqrt(len(y))
    tidy = pd.DataFrame({
        "term": ["mean", "intercept_only"],
        "estimate": [m, 0.0],
        "std_error": [se, 1.0],
        "statistic": [m / se, 0.0],
        "p_value": [2 * stats.norm.sf(abs(m / se)), 1.0],
        "conf_low": [m - Z * se, -Z],
        "conf_high": [m + Z * se, Z],
    })
    return Results(tidy=tidy, provenance={}, alpha=0.05)


def failing_sometimes(world: dict) -> tuple[float, float, tuple[float, float]]:
    if world["y"][0] > 1.5:  # about 10% of worlds
        raise ArithmeticError("toy failure")
    return mean_known_se(world)


def shifted_mean(world: dict) -> float:
    return float(world["truth"]["mean"]) + 0.0


TOY = Design(estimator=mean_known_se, estimand="mean", world=normal_world, name="toy mean")


@pytest.fixture(scope="module")
def toy() -> DiagnosisResults:
    return diagnose(TOY, sims=SIMS, seed=20261123, n_jobs=1, progress=False)


def _mc(p: float, n: int = SIMS) -> float:
    return MC_WIDTH * np.sqrt(p * (1 - p) / n)


# --- the diagnosands against the analytic answers ----------------------------------------
class TestToyDesign:
    def test_tidy_rows(self, toy: DiagnosisResults) -> None:
        assert list(toy.tidy()["term"]) == list(DIAGNOSANDS)

    def test_coverage_is_nominal(self, toy: DiagnosisResults) -> None:
        assert abs(toy.coef["coverage"] - 0.95) <= _mc(0.95)

    def test_unbiased(self, toy: DiagnosisResults) -> None:
        assert abs(toy.coef["bias"]) <= MC_WIDTH * SE / np.sqrt(SIMS)

    def test_power_matches_analytic_formula(self, toy: DiagnosisResults) -> None:
        exact = stats.norm.cdf(MU / SE - Z) + stats.norm.cdf(-MU / SE - Z)
        assert abs(toy.coef["power"] - exact) <= _mc(exact)

    def test_rmse_equals_sampling_sd(self, toy: DiagnosisResults) -> None:
        # unbiased, so RMSE = SE; the RMSE's MCSE is about SE / sqrt(2 * SIMS)
        assert abs(toy.coef["rmse"] - SE) <= MC_WIDTH * SE / np.sqrt(2 * SIMS)
        assert abs(toy.coef["empirical_se"] - SE) <= MC_WIDTH * SE / np.sqrt(2 * SIMS)

    def test_deterministic_quantities(self, toy: DiagnosisResults) -> None:
        np.testing.assert_allclose(toy.coef["mean_se"], SE, rtol=EXACT_RTOL)
        np.testing.assert_allclose(toy.coef["mean_estimand"], MU, rtol=EXACT_RTOL)
        np.testing.assert_allclose(
            toy.coef["mde"], (Z + stats.norm.ppf(0.8)) * SE, rtol=EXACT_RTOL
        )
        # a constant has no Monte-Carlo error
        assert toy.se["mean_estimand"] == 0.0
        assert toy.se["mean_se"] == 0.0

    def test_size_under_the_null(self) -> None:
        null_design = Design(
            estimator=mean_known_se, estimand="mean", world=normal_world, overrides={"mu": 0.0}
        )
        res = diagnose(null_design, sims=SIMS, seed=3, n_jobs=1, progress=False)
        assert abs(res.coef["power"] - 0.05) <= _mc(0.05)

    def test_monte_carlo_standard_errors(self, toy: DiagnosisResults) -> None:
        """Recompute every diagnosand and its MCSE from the per-simulation table."""
        sim = toy.simulations
        n = len(sim)
        err = sim["estimate"] - sim["estimand"]
        cov = sim["covered"].astype(float).mean()
        pw = sim["significant"].astype(float).mean()
        mse = (err**2).mean()
        expected = {
            "bias": (err.mean(), err.std(ddof=1) / np.sqrt(n)),
            "coverage": (cov, np.sqrt(cov * (1 - cov) / n)),
            "power": (pw, np.sqrt(pw * (1 - pw) / n)),
            "rmse": (np.sqrt(mse), (err**2).std(ddof=1) / np.sqrt(n) / (2 * np.sqrt(mse))),
            "mean_estimate": (sim["estimate"].mean(), sim["estimate"].std(ddof=1) / np.sqrt(n)),
            "empirical_se": (
                sim["estimate"].std(ddof=1),
                sim["estimate"].std(ddof=1) / np.sqrt(2 * (n - 1)),
            ),
        }
        for term, (value, mcse) in expected.items():
            np.testing.assert_allclose(toy.coef[term], value, rtol=EXACT_RTOL, err_msg=term)
            np.testing.assert_allclose(toy.se[term], mcse, rtol=EXACT_RTOL, err_msg=term)

    def test_interval_and_tests(self, toy: DiagnosisResults) -> None:
        t = toy.tidy().set_index("term")
        np.testing.assert_allclose(
            t["conf_high"] - t["estimate"], Z * t["std_error"], rtol=EXACT_RTOL
        )
        # coverage is tested against 1 - alpha, bias against 0
        np.testing.assert_allclose(
            t.loc["coverage", "statistic"],
            (t.loc["coverage", "estimate"] - 0.95) / t.loc["coverage", "std_error"],
            rtol=EXACT_RTOL,
        )
        assert np.isnan(t.loc["rmse", "statistic"])

    def test_simulations_table(self, toy: DiagnosisResults) -> None:
        sim = toy.simulations
        assert list(sim.columns) == SIMULATION_COLUMNS
        assert list(sim["sim"]) == list(range(SIMS))
        inside = (sim["conf_low"] <= sim["estimand"]) & (sim["estimand"] <= sim["conf_high"])
        assert (sim["covered"] == inside).all()
        assert sim["error"].isna().all()

    def test_immutable_and_keeps_no_world_data(self, toy: DiagnosisResults) -> None:
        with pytest.raises(AttributeError):
            toy.alpha = 0.1  # type: ignore[misc]
        sims = toy.simulations
        sims.loc[0, "estimate"] = 99.0  # a copy: the results do not change
        assert toy.simulations.loc[0, "estimate"] != 99.0
        # only per-simulation summaries travel: no array of the world's observations
        assert set(toy._extra) == {"simulations"}
        assert set(toy.provenance) >= {"design", "seed", "sims", "package_versions"}

    def test_display(self, toy: DiagnosisResults) -> None:
        text = toy.summary()
        assert "toy mean" in text and "coverage" in text and "2000 of 2000" in text
        assert "<table" in toy._repr_html_()
        fig = toy.plot()
        assert len(fig.axes[0].patches) > 10  # histogram bars
        assert toy.provenance["design"]["estimand"] == "mean"


# --- reproducibility ------------------------------------------------------------------------
class TestSeeds:
    def test_identical_whatever_n_jobs(self) -> None:
        design = Design(estimator=mean_bootstrap, estimand="mean", world=normal_world)
        one = diagnose(design, sims=60, seed=5, n_jobs=1, progress=False)
        two = diagnose(design, sims=60, seed=5, n_jobs=2, chunksize=7, progress=False)
        pd.testing.assert_frame_equal(one.tidy(), two.tidy())
        pd.testing.assert_frame_equal(one.simulations, two.simulations)

    def test_streams_follow_seed_sequence(self) -> None:
        res = diagnose(TOY, sims=5, seed=11, n_jobs=1, progress=False)
        children = np.random.SeedSequence(11).spawn(5)
        expected = [int(c.spawn(2)[0].generate_state(1)[0]) for c in children]
        assert list(res.simulations["world_seed"]) == expected

    def test_prefix_does_not_depend_on_sims(self) -> None:
        short = diagnose(TOY, sims=10, seed=2, n_jobs=1, progress=False)
        long = diagnose(TOY, sims=30, seed=2, n_jobs=1, progress=False)
        pd.testing.assert_frame_equal(short.simulations, long.simulations.iloc[:10])

    def test_different_seed_differs(self) -> None:
        a = diagnose(TOY, sims=10, seed=1, n_jobs=1, progress=False)
        b = diagnose(TOY, sims=10, seed=2, n_jobs=1, progress=False)
        assert not np.array_equal(a.simulations["estimate"], b.simulations["estimate"])

    def test_seed_sequence_accepted(self) -> None:
        a = diagnose(TOY, sims=5, seed=np.random.SeedSequence(4), n_jobs=1, progress=False)
        b = diagnose(TOY, sims=5, seed=4, n_jobs=1, progress=False)
        pd.testing.assert_frame_equal(a.simulations, b.simulations)


# --- the declaration ------------------------------------------------------------------------
class TestEstimandAndEstimator:
    def test_results_with_term(self) -> None:
        d = Design(estimator=mean_results, estimand="mean", world=normal_world, term="mean")
        a = diagnose(d, sims=20, seed=0, n_jobs=1, progress=False)
        b = diagnose(TOY, sims=20, seed=0, n_jobs=1, progress=False)
        np.testing.assert_allclose(
            a.simulations["conf_low"], b.simulations["conf_low"], rtol=EXACT_RTOL
        )

    def test_results_needs_term_when_several(self) -> None:
        d = Design(estimator=mean_results, estimand="mean", world=normal_world)
        with pytest.raises(RuntimeError, match="choose one with Design"):
            diagnose(d, sims=3, n_jobs=1, progress=False)

    def test_alpha_mismatch_is_an_error(self) -> None:
        d = Design(
            estimator=mean_results, estimand="mean", world=normal_world, term="mean", alpha=0.1
        )
        with pytest.raises(RuntimeError, match="intervals but the design's alpha"):
            diagnose(d, sims=3, n_jobs=1, progress=False)

    @pytest.mark.parametrize("estimand", ["nested.mean", shifted_mean, MU])
    def test_estimand_forms(self, estimand: object) -> None:
        d = Design(estimator=mean_known_se, estimand=estimand, world=normal_world)
        res = diagnose(d, sims=5, n_jobs=1, progress=False)
        np.testing.assert_allclose(res.simulations["estimand"], MU, rtol=EXACT_RTOL)

    def test_unknown_truth_entry(self) -> None:
        with pytest.raises(ValueError, match=r"no entry 'nope'; available: \['mean', 'nested'\]"):
            resolve_truth(normal_world(preset="tiny", seed=0), "nope")

    def test_truth_must_be_scalar(self) -> None:
        world = {"truth": {"table": pd.DataFrame({"a": [1.0, 2.0]})}}
        with pytest.raises(ValueError, match="not a single number"):
            resolve_truth(world, "table")

    def test_no_truth(self) -> None:
        with pytest.raises(ValueError, match="no truth"):
            resolve_truth({"y": 1}, "mean")

    def test_extract_triple(self) -> None:
        est, se, lo, hi, p = extract_estimate((2.0, 1.0, (0.5, 3.5)))
        assert (est, se, lo, hi) == (2.0, 1.0, 0.5, 3.5)
        np.testing.assert_allclose(p, 2 * stats.norm.sf(2.0), rtol=EXACT_RTOL)
        with pytest.raises(TypeError, match="Results object or"):
            extract_estimate(1.0)

    def test_errors_recorded(self) -> None:
        d = Design(estimator=failing_sometimes, estimand="mean", world=normal_world)
        res = diagnose(d, sims=200, seed=0, n_jobs=1, progress=False, errors="record")
        sim = res.simulations
        failed = sim["error"].notna()
        assert 0 < failed.sum() < 60
        assert sim.loc[failed, "error"].str.contains("ArithmeticError: toy failure").all()
        assert res.provenance["n_failed"] == failed.sum()
        assert (res.tidy()["n_ok"] == (~failed).sum()).all()
        ok = sim[~failed]
        np.testing.assert_allclose(
            res.coef["bias"], (ok["estimate"] - ok["estimand"]).mean(), rtol=EXACT_RTOL
        )

    def test_errors_raise_names_simulation(self) -> None:
        d = Design(estimator=failing_sometimes, estimand="mean", world=normal_world)
        with pytest.raises(RuntimeError, match=r"simulation \d+ \(world seed \d+"):
            diagnose(d, sims=200, seed=0, n_jobs=1, progress=False)


class TestBadInput:
    def test_design_checks(self) -> None:
        with pytest.raises(TypeError, match="estimator must be callable"):
            Design(estimator=3, estimand="mean")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="estimand must be"):
            Design(estimator=mean_known_se, estimand=["mean"])  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="alpha must be"):
            Design(estimator=mean_known_se, estimand="mean", alpha=1.5)
        with pytest.raises(TypeError, match="overrides must be a mapping"):
            Design(estimator=mean_known_se, estimand="mean", overrides=[1])  # type: ignore[arg-type]

    def test_diagnose_checks(self) -> None:
        with pytest.raises(TypeError, match="design must be a Design"):
            diagnose(mean_known_se, sims=5)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="sims must be"):
            diagnose(TOY, sims=1)
        with pytest.raises(ValueError, match="n_jobs must be"):
            diagnose(TOY, sims=5, n_jobs=0)
        with pytest.raises(ValueError, match="errors must be"):
            diagnose(TOY, sims=5, errors="ignore")  # type: ignore[arg-type]

    def test_lambda_design_runs_in_parallel(self) -> None:
        # joblib/cloudpickle sends functions by value: a lambda (or a notebook function) works
        # in worker processes, with the same numbers as in-process
        d = Design(estimator=lambda w: mean_known_se(w), estimand="mean", world=normal_world)
        two = diagnose(d, sims=6, seed=4, n_jobs=2, progress=False)
        one = diagnose(d, sims=6, seed=4, n_jobs=1, progress=False)
        assert two.provenance["n_ok"] == 6
        pd.testing.assert_frame_equal(two.simulations, one.simulations)
