"""Helpers behind the study notebooks: estimate-vs-truth tables and small wrappers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kinerja_research.analysis.estimates import (
    dynamic_versus_truth,
    gap_versus_truth,
    merit_simple_att,
    method_note,
    sample_adequacy,
    versus_truth,
    with_treated,
)
from kinerja_research.stats._results import Results


def _fit(rows: list[dict], **prov) -> Results:
    """A hand-made Results: the helpers only read tidy() and provenance."""
    base = {"std_error": 0.1, "statistic": np.nan, "p_value": np.nan}
    return Results(tidy=pd.DataFrame([{**base, **r} for r in rows]), provenance=prov, alpha=0.05)


def test_versus_truth_puts_the_world_truth_beside_the_estimate(tiny) -> None:
    truth = tiny.truth.merit_att_simple
    fit = _fit([{"term": "overall", "estimate": truth + 0.5, "conf_low": truth - 1, "conf_high": truth + 0.2}],
               method="m", variance="v")
    out = versus_truth(tiny, {"merit_att_simple": fit})
    row = out.iloc[0]
    assert row["truth"] == truth
    np.testing.assert_allclose(row["bias"], 0.5, rtol=1e-12)  # exact arithmetic up to float rounding
    assert bool(row["covers_truth"]) is True
    assert (row["estimator"], row["variance"]) == ("m", "v")


def test_versus_truth_flags_miss_and_picks_term(tiny) -> None:
    t = tiny.truth.punishment_jump
    fit = _fit([{"term": "conventional", "estimate": t, "conf_low": t - 1, "conf_high": t + 1},
                {"term": "robust", "estimate": t + 3, "conf_low": t + 2, "conf_high": t + 4}])
    out = versus_truth(tiny, {"punishment_jump": fit}, terms={"punishment_jump": "robust"})
    assert out["term"].tolist() == ["robust"]
    assert bool(out["covers_truth"].iloc[0]) is False


def test_versus_truth_on_real_data_has_no_truth() -> None:
    real = SimpleNamespace(synthetic=False)
    out = versus_truth(real, {"anything": _fit([{"term": "x", "estimate": 1.0, "conf_low": 0.0, "conf_high": 2.0}])})
    assert not {"truth", "bias", "covers_truth"} & set(out.columns) and out["estimate"].tolist() == [1.0]


def test_versus_truth_rejects_bad_input(tiny) -> None:
    fit = _fit([{"term": "overall", "estimate": 1.0, "conf_low": 0.0, "conf_high": 2.0}])
    with pytest.raises(TypeError, match="non-empty mapping"):
        versus_truth(tiny, {})
    with pytest.raises(TypeError, match="Results"):
        versus_truth(tiny, {"merit_att_simple": 1.0})
    with pytest.raises(ValueError, match="not an estimand"):
        versus_truth(tiny, {"no_such": fit})
    with pytest.raises(ValueError, match="single number"):
        versus_truth(tiny, {"merit_att_dynamic": fit})
    with pytest.raises(ValueError, match="term 'robust'"):
        versus_truth(tiny, {"merit_att_simple": fit}, terms={"merit_att_simple": "robust"})


def test_dynamic_versus_truth_aligns_event_times(tiny) -> None:
    path = tiny.truth.merit_att_dynamic
    rows = [{"term": "overall", "estimate": 9.0, "conf_low": 8.0, "conf_high": 10.0},
            {"term": "e=-1", "estimate": 0.1, "conf_low": -0.5, "conf_high": 0.7}]
    rows += [{"term": f"e={int(e)}", "estimate": a, "conf_low": a - 1, "conf_high": a + 1}
             for e, a in zip(path["e"], path["att"], strict=True)]
    out = dynamic_versus_truth(tiny, _fit(rows))
    assert out["e"].tolist() == [-1, *path["e"].astype(int).tolist()]
    assert out.loc[0, "truth"] == 0.0  # no anticipation in the world
    np.testing.assert_array_equal(out["truth"].iloc[1:].to_numpy(), path["att"].to_numpy())
    assert out["covers_truth"].all()
    with pytest.raises(ValueError, match="event-time"):
        dynamic_versus_truth(tiny, _fit(rows[:1]))


def test_gap_versus_truth_aligns_years(tiny) -> None:
    gap = tiny.truth.malang_gap
    rows = [{"term": "att", "estimate": 1.0, "conf_low": np.nan, "conf_high": np.nan, "kind": "att", "period": np.nan}]
    rows += [{"term": f"gap[{y}]", "estimate": g + 1.0, "conf_low": np.nan, "conf_high": np.nan,
              "kind": "gap", "period": float(y)} for y, g in zip(gap["year"], gap["gap"], strict=True)]
    out = gap_versus_truth(tiny, _fit(rows))
    assert out["year"].tolist() == gap["year"].astype(int).tolist()
    np.testing.assert_allclose(out["bias"], 1.0, rtol=1e-12)  # exact up to float rounding
    with pytest.raises(ValueError, match="gap terms"):
        gap_versus_truth(tiny, _fit(rows[:1]))


def test_method_note_names_estimator_variance_and_rubric() -> None:
    fit = _fit([{"term": "x", "estimate": 1.0, "conf_low": 0.0, "conf_high": 2.0}],
               method="CS", variance="boot", variance_analytic="IF")
    assert method_note(fit, rubric="ikm/permenpan-14-2017") == \
        "Estimator: CS; variance: IF; rubric: ikm/permenpan-14-2017"
    with pytest.raises(TypeError):
        method_note("not a result")  # type: ignore[arg-type]


def test_with_treated_switches_on_at_cohort() -> None:
    p = pd.DataFrame({"period": [2018, 2019, 2020, 2020], "cohort": [2019, 2019, 0, np.nan]})
    assert with_treated(p)["treated"].tolist() == [0, 1, 0, 0]
    with pytest.raises(ValueError, match="lacks columns"):
        with_treated(p.drop(columns="cohort"))


def test_merit_simple_att_matches_truth_on_tiny(tiny) -> None:
    from kinerja_research.analysis.panels import merit_panel

    out = versus_truth(tiny, {"merit_att_simple": merit_simple_att(merit_panel(tiny))})
    # An unbiased estimator's 95% interval on one seeded world: coverage of the truth is the claim.
    assert bool(out["covers_truth"].iloc[0])


def test_sample_adequacy_flags_units_below_krejcie_morgan(tiny) -> None:
    from kinerja_research.analysis.sampling import DEFAULT_SERVICE_USERS
    from kinerja_research.scoring import skm_sample_size

    out = sample_adequacy(tiny, population=1000)
    assert (out["sample_required"] == skm_sample_size(1000)).all() and (out["population_source"] == "given").all()
    assert (out["below_sample_size"] == (out["n"] < out["sample_required"])).all()
    # no population in the data, none given: the stated default, and the table says so
    default = sample_adequacy(tiny)
    assert (default["sample_required"] == skm_sample_size(DEFAULT_SERVICE_USERS)).all()
    assert (default["population_source"] == "default").all()
    # a population column in the data is used per unit
    units = tiny.units.assign(population=np.where(np.arange(len(tiny.units)) % 2 == 0, 50, 5000))
    by_data = sample_adequacy(tiny.replace(units=units)).merge(units[["unit_id", "population"]], on="unit_id")
    assert (by_data["sample_required"] == np.asarray(skm_sample_size(by_data["population_y"]))).all()
    assert (by_data["population_source"] == "data").all()
    with pytest.raises(ValueError, match="positive integer"):
        sample_adequacy(tiny, population=0)
