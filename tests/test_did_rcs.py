"""staggered_did(panel=False): repeated cross-sections as R did ``panel = FALSE`` (issue 12).

Reference: tests/data/cs_mpdta_rcs.json -- mpdta's 2,500 county-year rows treated as
independent cross-sections, 12 configurations (dr/ipw/reg x no covariates/lpop x never/
not-yet-treated); moderndid 0.4.1 and csdid 0.4.3 agree to 1e-14. Tolerance: 1e-6 relative,
what the reference implementations support.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinerja_research.stats.did import staggered_did

HERE = Path(__file__).parent / "data"
DATA = pd.read_csv(HERE / "mpdta.csv").assign(obs=lambda d: np.arange(len(d)))
REF = json.loads((HERE / "cs_mpdta_rcs.json").read_text())["cases"]
RTOL = 1e-6
IDS = [f"{c['est_method']}-{'lpop' if c['covariates'] else 'nocov'}-{c['control']}" for c in REF]


def _fit(case: dict, **kw: object) -> object:
    kw.setdefault("n_boot", 0)
    return staggered_did(DATA, "lemp", time="year", cohort="first.treat", panel=False,
                         covariates=case["covariates"] or None, method=case["est_method"],
                         control=case["control"], **kw)


@pytest.fixture(scope="module", params=range(len(REF)), ids=IDS)
def case(request: pytest.FixtureRequest) -> tuple[dict, object]:
    c = REF[request.param]
    return c, _fit(c)


def test_att_gt(case: tuple[dict, object]) -> None:
    ref, res = case
    t = res.tidy()
    np.testing.assert_array_equal(t["group"], ref["att_gt"]["group"])
    np.testing.assert_array_equal(t["time"], ref["att_gt"]["time"])
    np.testing.assert_allclose(t["estimate"], ref["att_gt"]["att"], rtol=RTOL)
    np.testing.assert_allclose(t["std_error"], ref["att_gt"]["se"], rtol=RTOL)
    assert res.nobs == ref["att_gt"]["n"] == 2500


@pytest.mark.parametrize("kind", ["simple", "dynamic", "group"])
def test_aggregations(case: tuple[dict, object], kind: str) -> None:
    ref, res = case
    r = ref[kind]
    t = res.aggregate(kind).tidy()
    np.testing.assert_allclose(t["estimate"].iloc[0], r["overall_att"], rtol=RTOL)
    np.testing.assert_allclose(t["std_error"].iloc[0], r["overall_se"], rtol=RTOL)
    if kind != "simple":
        key = {"dynamic": "e", "group": "group"}[kind]
        np.testing.assert_array_equal(t[key].iloc[1:], r["egt"])
        np.testing.assert_allclose(t["estimate"].iloc[1:], r["att_egt"], rtol=RTOL)
        np.testing.assert_allclose(t["std_error"].iloc[1:], r["se_egt"], rtol=RTOL)


def test_unit_is_optional_and_ignored() -> None:
    c = REF[2]
    a = _fit(c).tidy()["estimate"]
    b = staggered_did(DATA, "lemp", "countyreal", "year", "first.treat", panel=False,
                      covariates=["lpop"], n_boot=0)
    np.testing.assert_array_equal(a, b.tidy()["estimate"])
    assert any("not used" in n for n in b.provenance["notes"])
    assert "repeated cross-sections" in b.provenance["panel"]
    assert b.provenance["n_responses"] == 2500


def test_panel_needs_unit() -> None:
    with pytest.raises(TypeError, match="panel=False"):
        staggered_did(DATA, "lemp", time="year", cohort="first.treat")


def test_bootstrap_and_clustering() -> None:
    """Multiplier bootstrap SEs agree with the analytic ones (Monte Carlo, 10% with 4,999
    draws: relative MC sd of an IQR-based SE ~1.5%); clustering by county -- the rows of a
    county are then dependent -- gives the CR0 variance of the cluster sums of the IF."""
    for fast in (REF[0], REF[2]):  # block-form (no covariates) and dense influence functions
        tb = _fit(fast, n_boot=4999, random_state=3).tidy()
        np.testing.assert_allclose(tb["std_error_boot"], tb["std_error"], rtol=0.10)
    c = REF[2]
    res = _fit(c, n_boot=4999, random_state=3)
    t = res.tidy()
    agg = res.aggregate("dynamic")
    assert np.isfinite(agg.tidy()["conf_low_uniform"].iloc[1:]).all()
    cl = _fit(c, cluster="countyreal", n_boot=0)
    # independent rows vs clustering by county: the same estimates, other SEs
    np.testing.assert_array_equal(cl.tidy()["estimate"], t["estimate"])
    assert not np.allclose(cl.tidy()["std_error"], t["std_error"], rtol=0.05)
    assert cl.provenance["n_clusters"] == 500


def test_clustered_variance_is_cluster_sum_of_if() -> None:
    """Clustering with one cluster per row is the independent-rows variance, exactly."""
    c = REF[4]
    ind = _fit(c)
    own = _fit(c, cluster="obs")  # one cluster per row
    np.testing.assert_allclose(own.tidy()["std_error"], ind.tidy()["std_error"], rtol=1e-12)
    np.testing.assert_allclose(own.aggregate("dynamic").tidy()["std_error"],
                               ind.aggregate("dynamic").tidy()["std_error"], rtol=1e-12)


def test_rows_with_missing_outcome_are_dropped_and_counted() -> None:
    df = DATA.copy()
    df.loc[[0, 5, 9], "lemp"] = np.nan
    with pytest.warns(UserWarning, match="dropped 3 rows"):
        res = staggered_did(df, "lemp", time="year", cohort="first.treat", panel=False, n_boot=0)
    assert res.nobs == 2497
