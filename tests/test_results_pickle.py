"""Every results object survives pickling (process pools, Dask, caches) and stays read-only."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinerja_research.stats.did import staggered_did
from kinerja_research.stats.multilevel import multilevel
from kinerja_research.stats.rd import rd
from kinerja_research.stats.reliability import cronbach_alpha
from kinerja_research.stats.synth import synthetic_control
from kinerja_research.stats.twfe import event_study, twfe, twfe_weights
from kinerja_research.stats.weighting import weighting

DATA = Path(__file__).parent / "data"


def _mpdta() -> pd.DataFrame:
    df = pd.read_csv(DATA / "mpdta.csv")
    return df.assign(treat_post=((df["first.treat"] > 0) & (df["year"] >= df["first.treat"])).astype(int))


def _synth_panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    years = np.arange(2010, 2025)
    paths = {u: np.cumsum(rng.normal(1, 1, len(years))) + 10 * k for k, u in enumerate("ABCDE")}
    paths["T"] = 0.3 * paths["A"] + 0.7 * paths["B"] + np.where(years >= 2019, 2.0, 0.0)
    return pd.DataFrame([(u, t, y) for u, ys in paths.items() for t, y in zip(years, ys, strict=True)],
                        columns=["region_id", "year", "ikm"])


def _multilevel_data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    region = np.repeat(np.arange(8), 60)
    unit = np.repeat(np.arange(48), 10)
    y = rng.normal(0, 1, 8)[region] + rng.normal(0, 1, 48)[unit] + rng.normal(0, 1, 480)
    return pd.DataFrame({"region_id": region, "unit_id": unit, "skp": 80 + y})


FITS = {
    "staggered_did": lambda: staggered_did(_mpdta(), "lemp", "countyreal", "year", "first.treat", n_boot=0),
    "twfe": lambda: twfe(_mpdta(), "lemp", "countyreal", "year", "treat_post", cluster="countyreal"),
    "event_study": lambda: event_study(_mpdta(), "lemp", "countyreal", "year", "first.treat", method="twfe"),
    "rd": lambda: rd(pd.read_csv(DATA / "rdrobust_senate.csv"), "vote", "margin", 0.0),
    "synthetic_control": lambda: synthetic_control(_synth_panel(), "ikm", "region_id", "year", "T", 2019,
                                                   placebo=False),
    "weighting": lambda: weighting(pd.read_csv(DATA / "nsw_mixtape.csv"), "re78", "treat", ["age", "educ"],
                                   n_boot=2),
    "multilevel": lambda: multilevel(_multilevel_data(), "skp", groups=["region_id", "unit_id"]),
    "twfe_weights": lambda: twfe_weights(_mpdta(), "countyreal", "year", cohort="first.treat"),
    "event_study_aggregate": lambda: event_study(
        _mpdta(), "lemp", "countyreal", "year", "first.treat", method="sun_abraham"
    ).aggregate("cohort"),
    "rd_fuzzy": lambda: rd(
        pd.read_csv(DATA / "rdrobust_senate.csv").assign(
            took=lambda d: ((d["margin"] >= 0) & (np.arange(len(d)) % 5 != 0)).astype(float)
        ),
        "vote", "margin", 0.0, fuzzy="took",
    ),
    "cronbach_alpha": lambda: cronbach_alpha(pd.DataFrame(np.random.default_rng(1).integers(1, 5, (50, 4)))),
}


@pytest.mark.parametrize("name", sorted(FITS))
def test_results_round_trip_through_pickle(name: str) -> None:
    res = FITS[name]()
    back = pickle.loads(pickle.dumps(res))
    assert type(back) is type(res)
    pd.testing.assert_frame_equal(back.tidy(), res.tidy())
    assert dict(back.provenance) == dict(res.provenance)
    assert back.summary() == res.summary()
    with pytest.raises(TypeError):
        back.provenance["method"] = "changed"  # type: ignore[index]  # still a read-only view
    for value in back.provenance.values():  # nested entries are read-only too
        if isinstance(value, list):
            with pytest.raises(TypeError):
                value.append(1)
        elif isinstance(value, dict):
            pytest.fail("a nested dict in provenance is writable")
    np.testing.assert_array_equal(back.vcov.to_numpy(), res.vcov.to_numpy())
    assert back.nobs == res.nobs
    with pytest.raises(AttributeError):
        back.alpha = 0.1  # type: ignore[misc]
