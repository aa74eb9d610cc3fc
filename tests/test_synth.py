"""Synthetic control against the Basque case (Abadie & Gardeazabal 2003).

Reference: validation case ``synth_basque`` (docs/guide/methods.md) — pysyncon 1.7.0 ``Synth`` with
Nelder–Mead from equal V (maxiter 1000) and ``PlaceboTest``; the weights agree with R ``Synth``
to 3e-6. Data: tests/data/basque.csv (from R ``Synth`` via pysyncon's repository).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinerja_research.stats.synth import SynthResults, synthetic_control

DATA = Path(__file__).parent / "data" / "basque.csv"
TREATED = "Basque Country (Pais Vasco)"
ODD_YEARS = list(range(1961, 1970, 2))
SECTORS = [
    "sec.agriculture", "sec.energy", "sec.industry", "sec.construction",
    "sec.services.venta", "sec.services.nonventa",
]
SCHOOL = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high"]


class BasqueReference:
    """Frozen numbers from synth_basque.json (pysyncon 1.7.0; R Synth in ``published``)."""

    # The README's tolerance for weights: 1e-3, the agreement one can expect between optimisers.
    # The gap path and the ATT are linear in W with outcome differences below 3 units, so the
    # same 1e-3 on W bounds them by 3e-3.
    weights = {"Cataluna": 0.850813035, "Madrid (Comunidad De)": 0.149186965}
    weights_atol = 1e-3
    att = -0.6995653463775661
    gap_atol = 3e-3
    # The outer loss at the optimum; optimisers reaching the same W reach it to ~1e-9 relative,
    # and a W that differs by 1e-3 changes it by about 1%.
    loss_v = 0.008864544953764717
    loss_v_rtol = 1e-2
    placebo_p = 0.16666666666666666
    v = [0.072633632, 0.119523415, 0.003452421, 0.102230641, 0.010841785, 0.000120094,
         0.117295519, 0.063401859, 0.155594341, 0.095821671, 0.053108316, 0.001543209,
         0.023721286, 0.180711809]
    # Predictor values of the treated unit and the donor mean depend only on the data
    # preparation (windows, NaN handling), not on the optimiser: exact to float rounding.
    treated = [39.88846461, 1031.742299398, 90.358668009, 25.727525075, 13.479719798,
               24.647383054, 5.285468452, 6.843999958, 4.106000042, 45.081999969, 6.15,
               33.754000092, 4.072000122, 246.88999939]
    sample_mean = [323.825543394, 2182.453350591, 148.864075483, 47.132662687, 26.163032521,
                   21.445457917, 3.584015086, 21.058117747, 5.252235292, 22.670235297,
                   7.274000005, 36.645882393, 7.10294116, 97.468235016]
    prep_rtol = 1e-8
    gaps_1975_1979 = [0.14984407609822448, 0.012254477679992881, -0.12130803541789792,
                      -0.2879485684100951, -0.4174995421333776]


def basque_predictors() -> list:
    """The standard predictor set of the reference Dataprep call."""
    return [
        *SCHOOL,
        "invest",
        ("gdpcap", range(1960, 1970)),
        *[(s, ODD_YEARS) for s in SECTORS],
        ("popdens", [1969]),
    ]


@pytest.fixture(scope="module")
def basque() -> pd.DataFrame:
    d = pd.read_csv(DATA)
    d["year"] = d["year"].astype(int)
    return d


@pytest.fixture(scope="module")
def fit(basque: pd.DataFrame) -> SynthResults:
    # the reference's optimiser setting: Nelder-Mead from equal V only
    with pytest.warns(UserWarning, match="convex hull"):
        return synthetic_control(
            basque, "gdpcap", "regionname", "year", TREATED, 1975,
            predictors=basque_predictors(), predictor_window=range(1964, 1970),
            optimize_window=range(1960, 1970), placebo=True, starts=("equal",),
        )


class TestBasque(BasqueReference):
    def test_weights(self, fit: SynthResults) -> None:
        w = fit.weights
        for name, ref in self.weights.items():
            np.testing.assert_allclose(w[name], ref, rtol=0, atol=self.weights_atol)
        others = w.drop(list(self.weights))
        np.testing.assert_allclose(others.to_numpy(), 0.0, rtol=0, atol=self.weights_atol)
        np.testing.assert_allclose(w.sum(), 1.0, rtol=0, atol=1e-12)

    def test_att(self, fit: SynthResults) -> None:
        np.testing.assert_allclose(fit.att, self.att, rtol=0, atol=self.gap_atol)
        t = fit.tidy()
        assert t.loc[0, "term"] == "att"
        np.testing.assert_allclose(
            t.loc[t["kind"] == "gap", "estimate"].mean(), fit.att, rtol=1e-12
        )

    def test_gap_path(self, fit: SynthResults) -> None:
        g = fit.gaps.set_index("period")
        np.testing.assert_allclose(
            g.loc[1975:1979, "gap"].to_numpy(), self.gaps_1975_1979, rtol=0, atol=self.gap_atol
        )
        np.testing.assert_allclose(
            g["treated"] - g["synthetic"], g["gap"], rtol=0, atol=1e-12
        )

    def test_loss_v(self, fit: SynthResults) -> None:
        np.testing.assert_allclose(fit.loss_v, self.loss_v, rtol=self.loss_v_rtol)

    def test_pre_rmspe_is_root_mean_squared_pre_gap(self, fit: SynthResults) -> None:
        g = fit.gaps
        pre = g.loc[g["period"] < 1975, "gap"].to_numpy()
        np.testing.assert_allclose(fit.pre_rmspe, np.sqrt(np.mean(pre**2)), rtol=1e-12)

    def test_predictor_preparation(self, fit: SynthResults) -> None:
        b = fit.predictor_balance
        np.testing.assert_allclose(b["treated"], self.treated, rtol=self.prep_rtol)
        np.testing.assert_allclose(b["donor_mean"], self.sample_mean, rtol=self.prep_rtol)

    def test_predictor_weights_simplex(self, fit: SynthResults) -> None:
        v = fit.predictor_weights
        assert len(v) == 14
        assert (v >= 0).all()
        np.testing.assert_allclose(v.sum(), 1.0, rtol=0, atol=1e-12)

    def test_inner_solver_with_reference_v(self, basque: pd.DataFrame) -> None:
        # V is not identified (many V give the same W: pysyncon's V puts 0.18 on popdens, ours
        # 0.22), so V itself is not compared. Instead the inner problem is checked on its own:
        # with pysyncon's V fixed, our simplex solver must return pysyncon's W and loss.
        with pytest.warns(UserWarning, match="convex hull"):
            res = synthetic_control(
                basque, "gdpcap", "regionname", "year", TREATED, 1975,
                predictors=basque_predictors(), predictor_window=range(1964, 1970),
                optimize_window=range(1960, 1970), predictor_weights=self.v, placebo=False,
            )
        for name, ref in self.weights.items():
            np.testing.assert_allclose(res.weights[name], ref, rtol=0, atol=self.weights_atol)
        np.testing.assert_allclose(res.loss_v, self.loss_v, rtol=self.loss_v_rtol)

    def test_placebo_p_value(self, fit: SynthResults) -> None:
        pl = fit.placebo()
        np.testing.assert_allclose(pl["p_value"], self.placebo_p, rtol=1e-12)
        r = pl["ratios"]
        assert len(r) == 18 and r["treated"].sum() == 1
        # The p-value is the treated unit's rank among all 18 units.
        rank = int((r["ratio"] >= r.loc[r["treated"], "ratio"].iloc[0]).sum())
        np.testing.assert_allclose(pl["p_value"], rank / len(r), rtol=1e-12)
        assert fit.tidy().loc[0, "p_value"] == pl["p_value"]
        assert pl["gaps"].shape == (43, 17)
        assert pl["min_p_value"] == pytest.approx(1 / 18)
        assert "1/18" in fit.summary()

    def test_provenance_and_display(self, fit: SynthResults) -> None:
        p = fit.provenance
        assert p["placebo_v"] == "V re-optimised per placebo"
        assert "Nelder-Mead" in p["optimizer"]
        assert p["n_donors"] == 17
        assert "att" in fit.summary() and "<table" in fit._repr_html_()

    def test_plots(self, fit: SynthResults) -> None:
        import matplotlib.pyplot as plt

        for kind in ("path", "gap"):
            fig = fit.plot(kind=kind)
            assert len(fig.axes[0].lines) >= 2
            plt.close(fig)

    def test_immutable(self, fit: SynthResults) -> None:
        with pytest.raises(AttributeError):
            fit.weights = None  # type: ignore[misc]
        w = fit.weights
        w.iloc[0] = 99.0
        assert fit.weights.iloc[0] != 99.0


def test_recovers_known_effect_on_exact_convex_combination() -> None:
    """A treated unit that is exactly 0.3·A + 0.7·B before treatment, +2 after."""
    rng = np.random.default_rng(3)
    years = np.arange(2010, 2025)
    paths = {u: np.cumsum(rng.normal(1, 1, len(years))) + 10 * k for k, u in enumerate("ABCDE")}
    paths["T"] = 0.3 * paths["A"] + 0.7 * paths["B"] + np.where(years >= 2019, 2.0, 0.0)
    panel = pd.DataFrame(
        [(u, t, y) for u, ys in paths.items() for t, y in zip(years, ys, strict=True)],
        columns=["region_id", "year", "ikm"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # T lies inside the donors' hull: no warning
        res = synthetic_control(panel, "ikm", "region_id", "year", "T", 2019, placebo=False)
    assert res.provenance["hull_distance"] < 1e-8
    np.testing.assert_allclose(res.weights[["A", "B"]], [0.3, 0.7], rtol=0, atol=1e-6)
    np.testing.assert_allclose(res.att, 2.0, rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="placebo"):
        res.placebo()


def test_multi_start_keeps_the_best_pre_period_fit(basque: pd.DataFrame) -> None:
    kw = dict(
        predictors=basque_predictors(), predictor_window=range(1964, 1970),
        optimize_window=range(1960, 1970), placebo=False,
    )
    with pytest.warns(UserWarning, match="convex hull"):
        one = synthetic_control(basque, "gdpcap", "regionname", "year", TREATED, 1975,
                                starts=("equal",), **kw)
    with pytest.warns(UserWarning, match="convex hull"):
        many = synthetic_control(basque, "gdpcap", "regionname", "year", TREATED, 1975,
                                 optimizer="Powell", n_random_starts=2, random_state=1, **kw)
    tried = many.provenance["starts"]
    assert [t["start"] for t in tried] == ["equal", "regression", "random1", "random2"]
    best = min(tried, key=lambda t: t["loss_v"])
    assert many.provenance["best_start"] == best["start"]
    np.testing.assert_allclose(many.loss_v, best["loss_v"], rtol=1e-9)
    # the kept fit is at least as good as the single reference start (small optimiser slack)
    assert many.loss_v <= one.loss_v * (1 + 1e-6)
    assert "Powell" in many.provenance["optimizer"]


def test_outside_hull_warning_names_predictor() -> None:
    years = np.arange(2010, 2020)
    rows = [(u, t, 10.0 + k + 0.1 * (t - 2010), float(k)) for k, u in enumerate("ABCD")
            for t in years]
    rows += [("T", t, 20.0 + 0.1 * (t - 2010), 9.0) for t in years]  # far above every donor
    panel = pd.DataFrame(rows, columns=["region_id", "year", "ikm", "x"])
    with pytest.warns(UserWarning, match=r"outside the donors' range on \['x'\]"):
        res = synthetic_control(panel, "ikm", "region_id", "year", "T", 2016,
                                predictors=["x"], placebo=False)
    assert res.provenance["outside_donor_range"] == ["x"]
    assert res.provenance["hull_distance"] > 0


def test_fixed_predictor_weights_skip_outer(basque: pd.DataFrame) -> None:
    with pytest.warns(UserWarning, match="convex hull"):
        res = synthetic_control(
            basque, "gdpcap", "regionname", "year", TREATED, 1975,
            predictors=basque_predictors(), predictor_window=range(1964, 1970),
            optimize_window=range(1960, 1970), predictor_weights=[1.0] * 14, placebo=False,
        )
    np.testing.assert_allclose(res.predictor_weights, 1 / 14, rtol=1e-12)
    assert "fixed V" in res.provenance["optimizer"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"treated": "Atlantis"}, ValueError, "treated unit"),
        ({"treatment_time": 1900}, ValueError, "no pre- or no post-period"),
        ({"predictors": ["nope"]}, ValueError, "not in data"),
        ({"predictors": "gdpcap"}, TypeError, "list of column names"),
        ({"predictors": [("gdpcap", [1960], "max")]}, ValueError, "aggregation"),
        ({"predictors": [("sec.energy", [1960])]}, ValueError, "no data in their window"),
        ({"donors": ["Cataluna"]}, ValueError, "at least two donors"),
        ({"predictor_weights": [1.0, 2.0]}, ValueError, "predictor_weights"),
        ({"optimizer": "SLSQP"}, ValueError, "optimizer"),
        ({"starts": ("best",)}, ValueError, "starts"),
    ],
)
def test_bad_input(basque: pd.DataFrame, kwargs: dict, error: type, match: str) -> None:
    args = {"treated": TREATED, "treatment_time": 1975, "predictors": ["invest"], "placebo": False}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        synthetic_control(basque, "gdpcap", "regionname", "year", **args)
