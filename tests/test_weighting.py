"""IPW, AIPW and regression adjustment against the LaLonde NSW/CPS reference.

Reference: validation case ``ipw_lalonde`` (docs/guide/methods.md) (statsmodels-free numpy/sklearn
script over causaldata's nsw_mixtape and cps_mixtape; formulas in its "estimators" block).
Data: tests/data/nsw_mixtape.csv, tests/data/cps_mixtape.csv (causaldata).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression

from kinerja_research.stats.weighting import WeightingResults, weighting

DATA = Path(__file__).parent / "data"
SIMPLE = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75"]
DW = [*SIMPLE, "age2", "age3", "educ2", "u74", "u75", "educ_re74"]

# The README's tolerance for point estimates: 1e-6 relative. Our logit converges to the same
# MLE (Newton, tol 1e-10); the remaining difference is solver rounding, ~1e-7 on the smallest
# propensities, which moves IPW by ~1e-8 relative.
POINT_RTOL = 1e-6
# Bootstrap SEs: draws differ by package and seed; the README allows about 10%. With 999
# draws on each side the Monte Carlo error of the ratio is about 3%.
BOOT_RTOL = 0.10


def add_dw_terms(d: pd.DataFrame) -> pd.DataFrame:
    """Dehejia–Wahba terms of the reference's "dw" propensity specification."""
    return d.assign(
        age2=d["age"] ** 2, age3=d["age"] ** 3, educ2=d["educ"] ** 2,
        u74=(d["re74"] == 0).astype(float), u75=(d["re75"] == 0).astype(float),
        educ_re74=d["educ"] * d["re74"],
    )


@pytest.fixture(scope="module")
def nsw() -> pd.DataFrame:
    return add_dw_terms(pd.read_csv(DATA / "nsw_mixtape.csv"))


@pytest.fixture(scope="module")
def cps_sample(nsw: pd.DataFrame) -> pd.DataFrame:
    cps = add_dw_terms(pd.read_csv(DATA / "cps_mixtape.csv"))
    return pd.concat([nsw[nsw["treat"] == 1], cps], ignore_index=True)


class LalondeReference:
    """Point estimates from ipw_lalonde.json, keyed (sample, estimand, spec) -> method."""

    points = {
        ("cps", "att", "simple"): {"ipw": 1180.4078220960946, "aipw": 1273.5505736184398,
                                   "reg": 689.8580370332849},
        ("cps", "att", "dw"): {"ipw": 1782.208531233815, "aipw": 1584.5269870744626,
                               "reg": 1668.754494933303},
        ("nsw", "ate", "simple"): {"ipw": 1641.3152016515614, "aipw": 1619.0528450344077,
                                   "reg": 1621.5830818958646},
        ("nsw", "att", "simple"): {"ipw": 1806.4169076809922, "aipw": 1797.454622842933,
                                   "reg": 1787.7606219776624},
        ("nsw", "ate", "dw"): {"ipw": 1500.8159474708727, "aipw": 1405.816199162389,
                               "reg": 1408.1968885395854},
        ("nsw", "att", "dw"): {"ipw": 1831.5198639542032, "aipw": 1887.472197983552,
                               "reg": 1862.8292232772562},
    }
    aipw_if_se_nsw_ate_simple = 670.8065976688908
    aipw_if_se_cps_att_simple = 646.2270806363875
    boot_se_nsw_ate_simple = {"ipw": 668.9221871087396, "reg": 672.3131194308982}
    boot_se_cps_att_simple_ipw = 663.2830606632671
    experimental_diff = 1794.3423818501024
    naive_cps = -8497.516148132978


class TestLalonde(LalondeReference):
    @pytest.mark.parametrize("method", ["ipw", "aipw", "reg"])
    @pytest.mark.parametrize(
        "key",
        [("cps", "att", "simple"), ("cps", "att", "dw"), ("nsw", "ate", "simple"),
         ("nsw", "att", "simple"), ("nsw", "ate", "dw"), ("nsw", "att", "dw")],
    )
    def test_point_estimates(self, key, method, nsw, cps_sample) -> None:
        sample, estimand, spec = key
        data = cps_sample if sample == "cps" else nsw
        res = weighting(
            data, "re78", "treat", SIMPLE if spec == "simple" else DW,
            estimand=estimand, method=method, variance="bootstrap" if method != "aipw" else "auto",
            n_boot=2,  # the SE is not under test here; two draws keep this fast
        )
        np.testing.assert_allclose(res.coef.iloc[0], self.points[key][method], rtol=POINT_RTOL)

    def test_aipw_influence_se_ate(self, nsw) -> None:
        res = weighting(nsw, "re78", "treat", SIMPLE, estimand="ate", method="aipw")
        assert res.provenance["variance"].startswith("plug-in influence function")
        np.testing.assert_allclose(res.se.iloc[0], self.aipw_if_se_nsw_ate_simple, rtol=1e-6)

    @pytest.mark.xfail(
        strict=True,
        reason="the reference's plug-in ATT influence function is not documented; ours is the "
        "normalised-weights DR ATT IF with nuisances fixed (Sant'Anna–Zhao), 0.2% smaller here",
    )
    def test_aipw_influence_se_att(self, cps_sample) -> None:
        res = weighting(cps_sample, "re78", "treat", SIMPLE, estimand="att", method="aipw")
        np.testing.assert_allclose(res.se.iloc[0], self.aipw_if_se_cps_att_simple, rtol=1e-6)

    def test_aipw_influence_se_att_close_to_reference(self, cps_sample) -> None:
        # Both are first-order IF SEs of the same estimator; 1% bounds their disagreement.
        res = weighting(cps_sample, "re78", "treat", SIMPLE, estimand="att", method="aipw")
        np.testing.assert_allclose(res.se.iloc[0], self.aipw_if_se_cps_att_simple, rtol=0.01)

    @pytest.mark.parametrize("method", ["ipw", "reg"])
    def test_bootstrap_se_experimental(self, method, nsw) -> None:
        res = weighting(nsw, "re78", "treat", SIMPLE, estimand="ate", method=method,
                        n_boot=999, random_state=12345)
        np.testing.assert_allclose(
            res.se.iloc[0], self.boot_se_nsw_ate_simple[method], rtol=BOOT_RTOL
        )
        t = res.tidy().iloc[0]
        assert t["conf_low_percentile"] < t["estimate"] < t["conf_high_percentile"]
        assert res.provenance["seed"] == 12345 and res.provenance["n_boot"] == 999

    @pytest.mark.slow
    def test_bootstrap_se_nonexperimental(self, cps_sample) -> None:
        # 199 draws (16k rows each) keep this under 10 s; their Monte Carlo error on the SE is
        # about 5%, inside the README's 10%.
        res = weighting(cps_sample, "re78", "treat", SIMPLE, estimand="att", method="ipw",
                        n_boot=199, random_state=12345)
        np.testing.assert_allclose(res.se.iloc[0], self.boot_se_cps_att_simple_ipw, rtol=BOOT_RTOL)

    def test_bootstrap_reproducible_by_seed(self, nsw) -> None:
        a, b, c = (
            weighting(nsw, "re78", "treat", SIMPLE, n_boot=20, random_state=s)
            for s in (1, 1, 2)
        )
        assert a.se.iloc[0] == b.se.iloc[0] != c.se.iloc[0]


@pytest.fixture(scope="module")
def res(cps_sample) -> WeightingResults:
    """AIPW ATT with the Dehejia–Wahba specification on NSW treated vs CPS."""
    return weighting(cps_sample, "re78", "treat", DW, estimand="att", method="aipw")


class TestDiagnostics:
    def test_balance_improves(self, res) -> None:
        b = res.balance()
        assert list(b.index) == DW
        # CPS controls are very different from NSW treated before weighting (|SMD| > 1 for
        # earnings) and close after; the weighting estimator's own goal.
        assert b["smd"].abs().max() > 1.0
        assert b["smd_weighted"].abs().max() < 0.1

    def test_balance_unweighted_smd_by_hand(self, res, cps_sample) -> None:
        t = cps_sample[cps_sample["treat"] == 1]["re74"]
        c = cps_sample[cps_sample["treat"] == 0]["re74"]
        np.testing.assert_allclose(
            res.balance().loc["re74", "smd"], (t.mean() - c.mean()) / t.std(ddof=1), rtol=1e-12
        )

    def test_overlap_is_aggregate(self, res, cps_sample) -> None:
        h = res.overlap()
        assert h["treated"].sum() == 185 and h["control"].sum() == 15992
        assert len(h) == 40  # histogram bins, not rows
        assert not any(len(v) == len(cps_sample) for v in res._extra.values())

    def test_plot_overlap(self, res) -> None:
        import matplotlib.pyplot as plt

        fig = res.plot_overlap()
        assert len(fig.axes[0].patches) == 80
        plt.close(fig)

    def test_provenance(self, res) -> None:
        p = res.provenance
        assert p["propensity_converged"] is True
        assert p["n_obs"] == 16177 and p["trim"] is None
        assert "LogisticRegression" in p["propensity_model"]
        assert "variance" in res.summary()


def test_trimming_drops_extreme_propensities(cps_sample) -> None:
    full = weighting(cps_sample, "re78", "treat", SIMPLE, estimand="att", method="aipw")
    trimmed = weighting(cps_sample, "re78", "treat", SIMPLE, estimand="att", method="aipw",
                        trim=(0.01, 0.99))
    p = trimmed.provenance
    assert p["n_trimmed"] > 0 and p["n_obs"] + p["n_trimmed"] == 16177
    assert trimmed.tidy()["n_control"].iloc[0] < full.tidy()["n_control"].iloc[0]
    assert trimmed.coef.iloc[0] != full.coef.iloc[0]


def test_nonexperimental_sample_matches_reference(cps_sample) -> None:
    # NSW treated vs CPS-1 controls: the naive difference the estimators must overcome.
    d = cps_sample
    naive = d.loc[d["treat"] == 1, "re78"].mean() - d.loc[d["treat"] == 0, "re78"].mean()
    # The CSV copy stores earnings to 7 significant digits: 1e-8 relative, not float rounding.
    np.testing.assert_allclose(naive, LalondeReference.naive_cps, rtol=1e-8)


def test_recovers_known_ate_on_confounded_simulation() -> None:
    """Education confounds placement; the true ATE is 3. 1/sqrt(n) error makes 0.5 ~ 5 SE."""
    rng = np.random.default_rng(7)
    n = 4000
    educ = rng.normal(0, 1, n)
    service = rng.integers(0, 2, n)
    p = 1 / (1 + np.exp(-(0.8 * educ - 0.5 * service)))
    d = rng.binomial(1, p)
    y = 2 * educ + 1.5 * service + 3 * d + rng.normal(0, 1, n)
    df = pd.DataFrame({"y": y, "d": d, "educ": educ, "service": service})
    naive = y[d == 1].mean() - y[d == 0].mean()
    for method in ("ipw", "aipw", "reg"):
        res = weighting(df, "y", "d", ["educ", "service"], method=method, n_boot=50)
        assert abs(res.coef.iloc[0] - 3.0) < 0.5 < abs(naive - 3.0)
        assert res.tidy()["conf_low"].iloc[0] < 3.0 < res.tidy()["conf_high"].iloc[0]


def test_custom_models(nsw) -> None:
    res = weighting(
        nsw, "re78", "treat", SIMPLE, method="aipw",
        model={"propensity": LogisticRegression(C=1.0, max_iter=2000),
               "outcome": RandomForestRegressor(n_estimators=10, max_depth=3, random_state=0)},
    )
    assert "RandomForestRegressor" in res.provenance["outcome_model"]
    res2 = weighting(nsw, "re78", "treat", SIMPLE, method="ipw", n_boot=2,
                     model=LogisticRegression(C=0.01, max_iter=2000))
    assert "C=0.01" in res2.provenance["propensity_model"]


def test_categorical_covariates_are_encoded(nsw) -> None:
    data = nsw.assign(group=np.where(nsw["black"] == 1, "b", np.where(nsw["hisp"] == 1, "h", "o")))
    res = weighting(data, "re78", "treat", ["age", "group"], n_boot=2)
    assert list(res.balance().index) == ["age", "group_h", "group_o"]


def test_unused_categories_do_not_become_columns(nsw) -> None:
    """A categorical with declared but absent levels (a filtered frame) encodes only the present ones."""
    group = np.where(nsw["black"] == 1, "b", np.where(nsw["hisp"] == 1, "h", "o"))
    data = nsw.assign(group=pd.Categorical(group, categories=["a_absent", "b", "h", "o", "z_absent"]))
    plain = weighting(nsw.assign(group=group), "re78", "treat", ["age", "group"], n_boot=2)
    res = weighting(data, "re78", "treat", ["age", "group"], n_boot=2)
    assert list(res.balance().index) == ["age", "group_h", "group_o"]
    assert res.coef.iloc[0] == pytest.approx(plain.coef.iloc[0], rel=1e-10)


def test_cluster_of_single_rows_is_the_unclustered_variance(nsw) -> None:
    data = nsw.assign(cl=np.arange(len(nsw)))
    n = len(nsw)
    plain = weighting(nsw, "re78", "treat", SIMPLE, method="aipw")
    each = weighting(data, "re78", "treat", SIMPLE, method="aipw", cluster="cl")
    assert each.coef.iloc[0] == plain.coef.iloc[0]
    assert each.se.iloc[0] == pytest.approx(plain.se.iloc[0] * np.sqrt(n / (n - 1)), rel=1e-12)
    assert each.provenance["cluster"] == "cl" and each.provenance["n_clusters"] == n
    # the cluster bootstrap with one row per cluster draws exactly the rows the row bootstrap draws
    a = weighting(data, "re78", "treat", SIMPLE, method="ipw", n_boot=20, random_state=4, cluster="cl")
    b = weighting(nsw, "re78", "treat", SIMPLE, method="ipw", n_boot=20, random_state=4)
    assert a.se.iloc[0] == pytest.approx(b.se.iloc[0], rel=1e-12)
    assert "clusters of 'cl' resampled" in a.provenance["variance"]


def test_cluster_undoes_the_false_precision_of_duplicated_rows(nsw) -> None:
    """Every unit entered twice: unclustered SEs shrink by sqrt(2); clustered by unit, they do not."""
    once = weighting(nsw, "re78", "treat", SIMPLE, method="aipw")
    twice = pd.concat([nsw, nsw], ignore_index=True).assign(unit=np.tile(np.arange(len(nsw)), 2))
    naive = weighting(twice, "re78", "treat", SIMPLE, method="aipw")
    clustered = weighting(twice, "re78", "treat", SIMPLE, method="aipw", cluster="unit")
    n = len(nsw)
    assert naive.se.iloc[0] == pytest.approx(once.se.iloc[0] / np.sqrt(2), rel=1e-6)
    assert clustered.se.iloc[0] == pytest.approx(once.se.iloc[0] * np.sqrt(n / (n - 1)), rel=1e-6)
    boot = weighting(twice, "re78", "treat", SIMPLE, method="ipw", n_boot=200, random_state=1, cluster="unit")
    boot_once = weighting(nsw, "re78", "treat", SIMPLE, method="ipw", n_boot=200, random_state=1)
    assert boot.se.iloc[0] == pytest.approx(boot_once.se.iloc[0], rel=1e-6)  # same draws of units


@pytest.mark.parametrize(("cluster", "match"), [("nope", "not in data"), ("with_nan", "missing"),
                                                ("one", "two clusters")])
def test_bad_cluster(nsw, cluster, match) -> None:
    data = nsw.assign(with_nan=np.where(np.arange(len(nsw)) == 3, np.nan, 1.0), one="a")
    with pytest.raises(ValueError, match=match):
        weighting(data, "re78", "treat", SIMPLE, method="aipw", cluster=cluster)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"estimand": "atc"}, ValueError, "estimand"),
        ({"method": "psm"}, ValueError, "method"),
        ({"variance": "influence", "method": "ipw"}, ValueError, "aipw"),
        ({"trim": (0.9, 0.1)}, ValueError, "trim"),
        ({"covariates": "age"}, TypeError, "list of column names"),
        ({"covariates": ["nope"]}, ValueError, "not in data"),
        ({"model": {"pscore": None}}, ValueError, "keys"),
        ({"model": "logit"}, TypeError, "scikit-learn"),
        ({"treatment": "age"}, ValueError, "0/1"),
    ],
)
def test_bad_input(nsw, kwargs, error, match) -> None:
    args = {"covariates": SIMPLE, "treatment": "treat", "n_boot": 2}
    args.update(kwargs)
    cov = args.pop("covariates")
    treat = args.pop("treatment")
    with pytest.raises(error, match=match):
        weighting(nsw, "re78", treat, cov, **args)


def _confounded(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, n)
    p = 1 / (1 + np.exp(-(-0.3 + 0.8 * x1 - 0.5 * x2)))
    d = rng.binomial(1, p)
    y = 1.0 + 2.0 * x1 + 1.0 * x2 + (1.5 + 0.5 * x2) * d + rng.normal(0, 1, n)
    return pd.DataFrame({"y": y, "d": d, "x1": x1, "x2": x2})


def test_crossfit_is_out_of_fold_and_reproducible() -> None:
    df = _confounded(0)
    cf = weighting(df, "y", "d", ["x1", "x2"], method="aipw", variance="crossfit", random_state=3)
    plug = weighting(df, "y", "d", ["x1", "x2"], method="aipw")
    again = weighting(df, "y", "d", ["x1", "x2"], method="aipw", variance="crossfit", random_state=3)
    other = weighting(df, "y", "d", ["x1", "x2"], method="aipw", variance="crossfit", random_state=4)
    assert cf.coef.iloc[0] == again.coef.iloc[0]
    assert cf.coef.iloc[0] != other.coef.iloc[0]  # the folds differ
    # out-of-fold residuals are larger than in-sample ones: the SE is not smaller
    assert cf.se.iloc[0] >= plug.se.iloc[0] * 0.99
    assert abs(cf.coef.iloc[0] - plug.coef.iloc[0]) < 0.5 * plug.se.iloc[0]
    assert "cross-fitted" in cf.provenance["variance"] and cf.provenance["n_folds"] == 5
    att = weighting(df, "y", "d", ["x1", "x2"], estimand="att", method="aipw", variance="crossfit",
                    n_folds=3)
    assert att.provenance["n_folds"] == 3


def test_crossfit_covers_the_truth() -> None:
    # ATE = 1.5 + 0.5 * P(x2 = 1) = 1.7; 60 replications, 95% intervals
    hits = 0
    for seed in range(60):
        r = weighting(_confounded(100 + seed, 1500), "y", "d", ["x1", "x2"], method="aipw",
                      variance="crossfit", random_state=seed)
        lo, hi = r.conf_int().iloc[0]
        hits += lo <= 1.7 <= hi
    assert 51 <= hits <= 60  # binomial(60, 0.95): P(hits <= 50) < 0.3%


def test_crossfit_input_checks(nsw) -> None:
    with pytest.raises(ValueError, match="method='aipw'"):
        weighting(nsw, "re78", "treat", SIMPLE, method="ipw", variance="crossfit")
    with pytest.raises(ValueError, match="n_folds"):
        weighting(nsw, "re78", "treat", SIMPLE, method="aipw", variance="crossfit", n_folds=1)
    with pytest.raises(ValueError, match="at least 2000 units in each arm"):
        weighting(nsw, "re78", "treat", SIMPLE, method="aipw", variance="crossfit", n_folds=1000)


def test_positivity_violation_warns_with_the_level() -> None:
    df = _confounded(1, 800)
    df["grp"] = np.where(np.arange(len(df)) < 30, "rare", "common")
    df.loc[df["grp"] == "rare", "d"] = 0  # nobody treated in the rare level
    with pytest.warns(UserWarning, match=r"positivity fails for the ATE: .*grp_rare \(0 treated, 30 control\)"):
        res = weighting(df, "y", "d", ["x1", "grp"], method="aipw")
    assert "grp_rare" in res.provenance["positivity"]
    # the ATT needs controls where there are treated units only: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weighting(df, "y", "d", ["x1", "grp"], estimand="att", method="aipw")


def test_loo_variance_matches_brute_force_leave_one_out() -> None:
    from sklearn.linear_model import LinearRegression

    from kinerja_research.stats.weighting import _aipw, default_propensity_model

    df = _confounded(5, 300)
    res = weighting(df, "y", "d", ["x1", "x2"], estimand="att", method="aipw", variance="loo")
    plug = weighting(df, "y", "d", ["x1", "x2"], estimand="att", method="aipw")
    assert res.coef.iloc[0] == plug.coef.iloc[0]  # the estimate is the full-sample one
    assert res.se.iloc[0] > plug.se.iloc[0]
    assert "leave-one-out" in res.provenance["variance"] and res.provenance["n_loo_undefined"] == 0
    # brute force: refit both models without each row
    x = df[["x1", "x2"]].to_numpy(float)
    d = df["d"].to_numpy(float)
    y = df["y"].to_numpy(float)
    n = len(y)
    ps_loo, m0_loo = np.empty(n), np.empty(n)
    for i in range(n):
        rest = np.arange(n) != i
        m = default_propensity_model().fit(x[rest], d[rest])
        ps_loo[i] = m.predict_proba(x[i : i + 1])[0, 1]
        ctl = rest & (d == 0)
        m0_loo[i] = LinearRegression().fit(x[ctl], y[ctl]).predict(x[i : i + 1])[0]
    psi = _aipw(d, y, ps_loo, m0_loo, None, "att")[1]
    np.testing.assert_allclose(res.se.iloc[0], np.sqrt(np.mean(psi**2) / n), rtol=5e-3)


def test_loo_variance_needs_default_models(nsw) -> None:
    with pytest.raises(ValueError, match="default models only"):
        weighting(nsw, "re78", "treat", SIMPLE, method="aipw", variance="loo",
                  model=LogisticRegression(max_iter=1000))
