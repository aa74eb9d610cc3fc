"""HonestDiD sensitivity analysis (Rambachan & Roth 2023), issue 12 step 3.

Reference: tests/data/honestdid_ehec.json -- the R package HonestDiD's README example
(Medicaid expansion and insurance coverage): betahat and sigma of the TWFE event study, and
the published robust intervals for the first post-period, printed to 3 significant digits.
Tolerance 5e-4 absolute, as stated there: the README rounds, R's relative-magnitude
intervals are grid points (step 40 SE / 999 = 3.7e-4 here) and its least-favorable critical
value is simulated.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kinerja_research.stats as kst
from kinerja_research.stats.did import staggered_did
from kinerja_research.stats.honestdid import HonestDiDResults, _vertices, honest_did

HERE = Path(__file__).parent / "data"
REF = json.loads((HERE / "honestdid_ehec.json").read_text())
BETA = np.array(REF["inputs"]["betahat"])
SIGMA = np.array(REF["inputs"]["sigma"])
ATOL = 5e-4


@pytest.fixture(scope="module")
def rm() -> HonestDiDResults:
    ms = [r["Mbar"] for r in REF["reference"]["relative_magnitudes_first_post_C-LF"]]
    return honest_did(BETA, SIGMA, 5, 2, method="relative_magnitude", m=ms)


@pytest.fixture(scope="module")
def sd() -> HonestDiDResults:
    ms = [r["M"] for r in REF["reference"]["smoothness_first_post_FLCI"]]
    return honest_did(BETA, SIGMA, 5, 2, method="smoothness", m=ms)


def test_relative_magnitudes_match_r(rm: HonestDiDResults) -> None:
    ref = pd.DataFrame(REF["reference"]["relative_magnitudes_first_post_C-LF"])
    got = rm.robust
    np.testing.assert_allclose(got["m"], ref["Mbar"])
    np.testing.assert_allclose(got["conf_low"], ref["lb"], atol=ATOL, rtol=0)
    np.testing.assert_allclose(got["conf_high"], ref["ub"], atol=ATOL, rtol=0)


def test_smoothness_matches_r(sd: HonestDiDResults) -> None:
    ref = pd.DataFrame(REF["reference"]["smoothness_first_post_FLCI"])
    got = sd.robust
    np.testing.assert_allclose(got["conf_low"], ref["lb"], atol=ATOL, rtol=0)
    np.testing.assert_allclose(got["conf_high"], ref["ub"], atol=ATOL, rtol=0)


def test_original_interval(rm: HonestDiDResults) -> None:
    se = np.sqrt(SIGMA[5, 5])
    o = rm.original
    np.testing.assert_allclose(o["estimate"], BETA[5])
    np.testing.assert_allclose([o["conf_low"], o["conf_high"]],
                               [BETA[5] - 1.959963984540054 * se, BETA[5] + 1.959963984540054 * se])


def test_breakdown_value(rm: HonestDiDResults, sd: HonestDiDResults) -> None:
    """The breakdown value separates intervals that exclude 0 from those that include it."""
    for res, method in ((rm, "relative_magnitude"), (sd, "smoothness")):
        bd = res.breakdown
        assert 0 < bd < np.inf
        below = honest_did(BETA, SIGMA, 5, 2, method=method, m=bd * 0.98, breakdown=False)
        above = honest_did(BETA, SIGMA, 5, 2, method=method, m=bd * 1.02, breakdown=False)
        assert below.robust["conf_low"].iloc[0] > 0
        assert above.robust["conf_low"].iloc[0] <= 0
    # the published intervals: Mbar 1.5 excludes 0, Mbar 2 includes it; M 0.02 / 0.03 likewise
    assert 1.5 < rm.breakdown < 2.0
    assert 0.02 < sd.breakdown < 0.03


def test_intervals_are_nested_and_contain_the_identified_set(rm: HonestDiDResults) -> None:
    r = rm.robust
    assert (np.diff(r["conf_low"]) <= 1e-12).all() and (np.diff(r["conf_high"]) >= -1e-12).all()


def test_mbar_zero_single_post_is_the_pre_trend_free_interval() -> None:
    """With Mbar = 0 the post-period violation is 0: the robust interval is close to the
    original one (conditional tests lose a little power, so it can only be wider)."""
    b = np.array([0.001, -0.002, 0.05])
    s = np.diag([1e-4, 1e-4, 1e-4])
    res = honest_did(b, s, 2, 1, m=[0.0], breakdown=False)
    lo, hi = res.robust[["conf_low", "conf_high"]].iloc[0]
    o = res.original
    assert lo <= o["conf_low"] + 4e-4 and hi >= o["conf_high"] - 4e-4
    assert hi - lo < 1.6 * (o["conf_high"] - o["conf_low"])


def test_vertices_solve_the_dual_lp() -> None:
    """max over enumerated vertices = the LP optimum (scipy HiGHS) for random moments."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(0)
    m, k = 8, 3
    x = rng.standard_normal((m, k))
    sdv = rng.uniform(0.5, 2, m)
    verts = _vertices(sdv, x)
    for _ in range(20):
        y = rng.standard_normal(m)
        # primal: min eta s.t. sd * eta + x delta >= y
        c = np.concatenate([[1.0], np.zeros(k)])
        lp = linprog(c, A_ub=-np.column_stack([sdv, x]), b_ub=-y,
                     bounds=[(None, None)] * (k + 1), method="highs")
        assert lp.status == 0
        np.testing.assert_allclose((verts @ y).max(), lp.fun, rtol=1e-9, atol=1e-12)


def test_results_object_and_plot(rm: HonestDiDResults) -> None:
    import matplotlib.pyplot as plt

    assert rm.tidy()["term"].tolist()[0] == "original"
    assert "C-LF" in rm.provenance["robust_method"]
    assert rm.vcov.shape == (1, 1)
    with pytest.raises(AttributeError):
        rm.x = 1  # type: ignore[attr-defined]
    fig = rm.plot()
    assert fig.axes
    plt.close(fig)
    assert "breakdown" in rm.summary() or "Mbar" in rm.summary()


def test_lazy_export() -> None:
    assert kst.honest_did is honest_did
    assert kst.honest_did is honest_did  # a function however often it is looked up


@pytest.mark.parametrize("kwargs, match", [
    ({"num_pre": 4}, "num_pre"),
    ({"method": "x"}, "method"),
    ({"m": -1}, "non-negative"),
    ({"l_vec": [0, 0]}, "l_vec"),
    ({"alpha": 1.5}, "alpha"),
])
def test_bad_inputs(kwargs: dict, match: str) -> None:
    args = {"betahat": BETA, "sigma": SIGMA, "num_pre": 5, "num_post": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        honest_did(**args)


def test_asymmetric_sigma_is_rejected() -> None:
    s = SIGMA.copy()
    s[0, 1] *= 2
    with pytest.raises(ValueError, match="symmetric"):
        honest_did(BETA, s, 5, 2)


# --------------------------------------------------------------------------------------------
# The staggered route (Callaway & Sant'Anna, universal base)
# --------------------------------------------------------------------------------------------

MPDTA = pd.read_csv(HERE / "mpdta.csv")
ARGS = ("lemp", "countyreal", "year", "first.treat")


def test_staggered_did_sensitivity_end_to_end() -> None:
    res = staggered_did(MPDTA, *ARGS, base_period="universal", n_boot=0)
    es = res.aggregate("dynamic")
    hd = es.sensitivity(m=[0.5, 1.0], breakdown=False)
    t = es.tidy().set_index("term")
    # the target is the first post-period, e = 0, with its analytic SE
    np.testing.assert_allclose(hd.original["estimate"], t.loc["e=0", "estimate"])
    np.testing.assert_allclose(hd.original["std_error"], t.loc["e=0", "std_error"])
    assert hd.provenance["num_pre"] == 3 and hd.provenance["num_post"] == 4
    assert hd.nobs == 500
    r = hd.robust
    assert (r["conf_low"] <= hd.original["conf_low"] + 1e-3).all()


def test_sensitivity_needs_universal_base() -> None:
    es = staggered_did(MPDTA, *ARGS, n_boot=0).aggregate("dynamic")
    with pytest.raises(ValueError, match="base_period='universal'"):
        es.sensitivity()
    simple = staggered_did(MPDTA, *ARGS, base_period="universal", n_boot=0).aggregate("group")
    with pytest.raises(ValueError, match="aggregate\\('dynamic'\\)"):
        simple.sensitivity()
