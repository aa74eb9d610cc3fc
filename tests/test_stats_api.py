"""The uniform results API: names stay functions, provenance is deeply immutable, compare()."""

from __future__ import annotations

import importlib
import pickle
import pkgutil

import numpy as np
import pandas as pd
import pytest

import kinerja_research as kr
import kinerja_research.stats as stats_pkg
from kinerja_research.stats._results import Results


def _rd_data(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, 600)
    return pd.DataFrame({"x": x, "y": 0.5 * x + 0.8 * (x >= 0) + rng.normal(0, 0.3, 600)})


def _panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"u": np.repeat(np.arange(60), 6), "t": np.tile(np.arange(2000, 2006), 60)})
    df["g"] = np.repeat(rng.choice([0, 2002, 2004], 60), 6)
    df["d"] = ((df["g"] > 0) & (df["t"] >= df["g"])).astype(int)
    df["y"] = 0.01 * df["u"] + 0.1 * (df["t"] - 2000) + 0.5 * df["d"] + rng.normal(0, 0.1, len(df))
    return df


def test_public_functions_stay_functions_after_importing_every_submodule() -> None:
    for mod in pkgutil.iter_modules(stats_pkg.__path__):
        importlib.import_module(f"kinerja_research.stats.{mod.name}")
    for name in ("rd", "twfe", "weighting", "multilevel", "diagnose", "compare"):
        assert callable(getattr(kr.stats, name)), name
        assert getattr(kr.stats, name).__name__ == name
    df = _rd_data()
    panel = _panel()
    for _ in range(2):  # the second call used to hit the submodule instead of the function
        assert isinstance(kr.stats.rd(df, "y", "x", 0.0), Results)
        assert isinstance(kr.stats.twfe(panel, "y", "u", "t", "d"), Results)
        lal = pd.DataFrame({"d": panel["d"], "y": panel["y"], "x": panel["u"] % 7})
        assert isinstance(kr.stats.weighting(lal, "y", "d", ["x"], method="ipw", n_boot=20), Results)
        assert isinstance(kr.stats.multilevel(panel, "y", ["u"]), Results)


def test_every_export_resolves() -> None:
    for name in stats_pkg.__all__:
        assert getattr(kr.stats, name) is not None, name


def test_nested_provenance_is_read_only_and_pickles() -> None:
    res = kr.stats.twfe(_panel(), "y", "u", "t", "d")
    prov = res.provenance
    with pytest.raises(TypeError):
        prov["ssc"]["k_adj"] = False  # type: ignore[index]
    with pytest.raises(TypeError):
        prov["new"] = 1  # type: ignore[index]
    assert prov["dropped_collinear"] == []  # still equal to the list it was
    back = pickle.loads(pickle.dumps(res))
    assert back.provenance["ssc"] == res.provenance["ssc"]
    with pytest.raises(TypeError):
        back.provenance["ssc"]["k_adj"] = False  # type: ignore[index]


def test_vcov_and_nobs() -> None:
    panel = _panel()
    res = kr.stats.twfe(panel, "y", "u", "t", "d")
    assert res.nobs == len(panel)
    v = res.vcov
    assert list(v.index) == list(res.tidy()["term"])
    np.testing.assert_allclose(np.sqrt(np.diag(v)), res.se.to_numpy(), rtol=1e-12)
    es = kr.stats.event_study(panel, "y", "u", "t", "g", method="sun_abraham")
    np.testing.assert_allclose(np.sqrt(np.diag(es.vcov)), es.se.to_numpy(), rtol=1e-10)
    # a method without covariances between its terms: unknown, not zero
    r = kr.stats.rd(_rd_data(), "y", "x", 0.0)
    if len(r.tidy()) > 1:
        assert np.isnan(r.vcov.to_numpy()[0, 1])


def test_aggregate_and_twfe_weights_are_results() -> None:
    panel = _panel()
    es = kr.stats.event_study(panel, "y", "u", "t", "g", method="sun_abraham")
    agg = es.aggregate("overall")
    assert isinstance(agg, Results)
    assert agg.overall["estimate"] == pytest.approx(es.provenance["overall_att"], rel=1e-12)
    by_e = es.aggregate("event")
    np.testing.assert_allclose(by_e.tidy()["estimate"], es.tidy()["estimate"], rtol=1e-12)
    np.testing.assert_allclose(by_e.vcov.to_numpy(), es.vcov.to_numpy(), rtol=1e-10)
    w = kr.stats.twfe_weights(panel, "u", "t", cohort="g")
    assert isinstance(w, Results)
    assert w.n_treated_cells == len(w.cells)
    assert w.sum_negative + w.sum_positive == pytest.approx(1.0, abs=1e-10)
    assert "TWFE weights" in w.summary()
    assert "<pre>" in w._repr_html_()
    assert isinstance(kr.stats.twfe(panel, "y", "u", "t", "d").twfe_weights(), Results)


def test_compare_names_estimator_and_variance() -> None:
    panel = _panel()
    a = kr.stats.twfe(panel, "y", "u", "t", "d")
    b = kr.stats.twfe(panel, "y", "u", "t", "d", vcov="hetero")
    c = kr.stats.compare(a, b, names=["clustered", "robust"])
    text = str(c)
    assert "clustered" in text and "robust" in text
    assert "CRV1" in text and "HC1" in text
    assert "twfe" in text
    frame = c.to_frame()
    assert frame.loc["d", ("clustered", "estimate")] == pytest.approx(a.coef["d"])
    assert frame.loc["d", ("robust", "std_error")] == pytest.approx(b.se["d"])
    html = c._repr_html_()
    assert html.count("<tr") == 2 * len(frame) + 4 + 1
    with pytest.raises(TypeError, match="not a results object"):
        kr.stats.compare(a, "b")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="names"):
        kr.stats.compare(a, b, names=["x"])


def test_compare_aligns_terms_across_models() -> None:
    r = kr.stats.rd(_rd_data(), "y", "x", 0.0)
    t = kr.stats.twfe(_panel(), "y", "u", "t", "d")
    frame = kr.stats.compare(r, t).to_frame()
    assert frame[("(1)", "estimate")].notna().sum() == len(r.tidy())
    assert np.isnan(frame.loc["d", ("(1)", "estimate")])


def test_event_study_sensitivity_requires_reference_minus_one() -> None:
    panel = _panel()
    es = kr.stats.event_study(panel, "y", "u", "t", "g", ref=-2)
    pytest.importorskip("kinerja_research.stats.honestdid")
    with pytest.raises(ValueError, match="ref=-1"):
        es.sensitivity(m=[0.5, 1.0])


def test_event_study_sensitivity_runs() -> None:
    pytest.importorskip("kinerja_research.stats.honestdid")
    es = kr.stats.event_study(_panel(), "y", "u", "t", "g", method="sun_abraham")
    out = es.sensitivity(method="relative_magnitude", m=[0.0, 1.0])
    assert isinstance(out, Results)
