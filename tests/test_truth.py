"""The truth of the synthetic world, recomputed independently from its potential outcomes."""

from __future__ import annotations

import importlib
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from kinerja_research.data.simulate import Truth, simulate
from kinerja_research.data.study import Study

# Recomputations differ from the package's only by floating-point summation order.
RTOL, ATOL = 1e-12, 1e-9


@pytest.fixture(scope="module", params=[0, 7])
def study(request: pytest.FixtureRequest) -> Study:
    return simulate("tiny", seed=request.param)


def test_merit_att_gt(study: Study) -> None:
    po = study.potential_outcomes["merit"]
    rows = []
    for g in sorted(set(po.cohort) - {0}):
        for t in sorted(po.period.unique()):
            if t < g:
                continue
            cell = po[(po.cohort == g) & (po.period == t)]
            rows.append((g, t, float(np.mean(cell.ikm1.to_numpy() - cell.ikm0.to_numpy()))))
    want = pd.DataFrame(rows, columns=["group", "time", "att"])
    got = study.truth.merit_att_gt
    np.testing.assert_array_equal(got[["group", "time"]].to_numpy(), want[["group", "time"]].to_numpy())
    np.testing.assert_allclose(got.att, want.att, rtol=RTOL, atol=ATOL)


def test_merit_att_simple_and_dynamic(study: Study) -> None:
    po = study.potential_outcomes["merit"]
    post = po[(po.cohort > 0) & (po.period >= po.cohort)]
    np.testing.assert_allclose(study.truth.merit_att_simple, (post.ikm1 - post.ikm0).mean(),
                               rtol=RTOL, atol=ATOL)
    # Dynamic: cells at the same exposure e, weighted by cohort size.
    gt = study.truth.merit_att_gt
    size = post.groupby("cohort").unit_id.nunique()
    for e, att in zip(study.truth.merit_att_dynamic.e, study.truth.merit_att_dynamic.att,
                      strict=True):
        cells = gt[gt.time - gt.group == e]
        w = cells.group.map(size).to_numpy(dtype=float)
        np.testing.assert_allclose(att, np.sum(w * cells.att) / w.sum(), rtol=RTOL, atol=ATOL)


def test_no_anticipation_and_effect_grows_with_exposure(study: Study) -> None:
    po = study.potential_outcomes["merit"]
    pre = po[(po.cohort > 0) & (po.period < po.cohort)]
    np.testing.assert_array_equal(pre.ikm1.to_numpy(), pre.ikm0.to_numpy())
    dyn = study.truth.merit_att_dynamic.set_index("e").att
    assert 0 < dyn[0] < dyn[1] < dyn[2]  # ramps up over merit_ramp = 3 years


def test_punishment_jump(study: Study) -> None:
    po = study.potential_outcomes["punishment"]
    x = po.achievement.to_numpy() - 100
    d = po.y1.to_numpy() - po.y0.to_numpy()
    # The individual effect is linear in the running variable: least squares through it.
    design = np.column_stack([np.ones_like(x), x])
    coef = np.linalg.lstsq(design, d, rcond=None)[0]
    np.testing.assert_allclose(study.truth.punishment_jump, coef[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d, coef[0] + coef[1] * x, rtol=0, atol=1e-9)  # exactly linear
    obs = np.where(po.punished, po.y1, po.y0)
    np.testing.assert_allclose(po.next_achievement, obs, rtol=RTOL, atol=ATOL)


def test_reward_att(study: Study) -> None:
    po = study.potential_outcomes["reward"]
    post = po[(po.cohort > 0) & (po.period >= po.cohort)]
    np.testing.assert_allclose(study.truth.reward_att, (post.skp1 - post.skp0).mean(),
                               rtol=RTOL, atol=ATOL)
    by_cell = (post.skp1 - post.skp0).groupby([post.cohort, post.period]).mean()
    np.testing.assert_allclose(study.truth.reward_att_gt.att, by_cell.to_numpy(), rtol=RTOL, atol=ATOL)
    ik = study.potential_outcomes["reward_ikm"]
    ik = ik[ik.treated]
    np.testing.assert_allclose(study.truth.reward_att_ikm, (ik.ikm1 - ik.ikm0).mean(),
                               rtol=RTOL, atol=ATOL)


def test_malang_gap(study: Study) -> None:
    po = study.potential_outcomes["malang"]
    post = po[po.year >= 2019]
    got = study.truth.malang_gap
    assert got.year.tolist() == post.year.tolist() == list(range(2019, 2025))
    np.testing.assert_allclose(got.gap, post.ikm1 - post.ikm0, rtol=RTOL, atol=ATOL)
    pre = po[po.year < 2019]
    np.testing.assert_array_equal(pre.ikm1.to_numpy(), pre.ikm0.to_numpy())
    assert (got.gap > 0).all()


def test_placement_ate_att(study: Study) -> None:
    po = study.potential_outcomes["placement"]
    eff = po.y1.to_numpy() - po.y0.to_numpy()
    np.testing.assert_allclose(study.truth.placement_ate, eff.mean(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(study.truth.placement_att, eff[po.treatment.to_numpy()].mean(),
                               rtol=RTOL, atol=ATOL)
    assert study.truth.placement_period == po.period.iloc[0] == 2021
    # Heterogeneous effects correlated with treatment: ATT and ATE differ.
    assert abs(study.truth.placement_att - study.truth.placement_ate) > 0.05


def test_truth_tracks_the_parameters_not_copies_them() -> None:
    null = simulate("tiny", seed=3, merit_effect=0.0, punishment_effect=0.0,
                    punishment_slope=0.0, malang_effect=0.0, placement_effect=0.0,
                    placement_heterogeneity=0.0, reward_effect=0.0)
    t = null.truth
    for v in (t.merit_att_simple, t.punishment_jump, t.reward_att, t.placement_ate):
        assert v == pytest.approx(0.0, abs=1e-12)
    assert (t.malang_gap.gap == 0).all()
    small, big = simulate("tiny", seed=3, merit_effect=0.2), simulate("tiny", seed=3, merit_effect=0.6)
    # IKM is a bounded, nonlinear function of latent quality: the truth is not a copy of 0.2/0.6.
    assert 0 < small.truth.merit_att_simple < big.truth.merit_att_simple
    ratio = big.truth.merit_att_simple / small.truth.merit_att_simple
    assert ratio != pytest.approx(3.0, abs=1e-6)


def test_potential_outcomes_hold_no_nip(study: Study) -> None:
    nips = set(study.employees.nip)
    for name, frame in study.potential_outcomes.items():
        assert "nip" not in frame.columns, name
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                assert not (set(frame[col].astype(str)) & nips), (name, col)


def test_describe_documents_every_estimand(study: Study) -> None:
    d = study.truth.describe()
    assert list(d.index) == [f.name for f in fields(Truth)]
    assert d.panel.str.startswith(
        ("kinerja_research.analysis.panels.", "kinerja_research.analysis.designs.")
    ).all()
    for path in d.panel:  # every named panel function exists
        module, _, name = path.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), path
    assert d.loc["merit_att_simple", "value"] == study.truth.merit_att_simple


def test_truth_is_frozen(study: Study) -> None:
    with pytest.raises(AttributeError):
        study.truth.merit_att_simple = 0.0  # type: ignore[misc]


def test_truth_survives_save_and_load(tmp_path, study: Study) -> None:
    from kinerja_research.data.store import load, save

    back = load(save(study, tmp_path / "w", salt="test-salt"))
    assert isinstance(back.truth, Truth)
    assert back.truth.merit_att_simple == study.truth.merit_att_simple
    pd.testing.assert_frame_equal(back.truth.malang_gap, study.truth.malang_gap)


@pytest.fixture(scope="module")
def fuzzy() -> Study:
    return simulate("tiny", seed=5, punishment_compliance=0.6)


def test_fuzzy_world_records_treatment_received(fuzzy: Study) -> None:
    po = fuzzy.potential_outcomes["punishment"]
    # punished = assigned by the rule AND a complier; some units below 100 escape
    np.testing.assert_array_equal(po.punished, po.assigned & po.complier)
    assert (po.assigned & ~po.punished).any()
    obs = np.where(po.punished, po.y1, po.y0)
    np.testing.assert_allclose(po.next_achievement, obs, rtol=RTOL, atol=ATOL)
    # the observed data carry the treatment received, one value per unit-period
    up = fuzzy.unit_performance
    per = up.groupby(["unit_id", "period"])["punished"].agg(["min", "max"])
    assert (per["min"] == per["max"]).all()
    got = per["max"].reindex(pd.MultiIndex.from_arrays([po.unit_id, po.period + 1]))
    np.testing.assert_array_equal(got.to_numpy(dtype=bool), po.punished.to_numpy())


def test_fuzzy_truth(fuzzy: Study) -> None:
    po = fuzzy.potential_outcomes["punishment"]
    comp = po[po.complier]
    x = comp.achievement.to_numpy() - 100
    coef = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]),
                           (comp.y1 - comp.y0).to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fuzzy.truth.punishment_jump_fuzzy, coef[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fuzzy.truth.punishment_compliance, po.complier.mean(), rtol=1e-12)
    # compliance is drawn near its parameter, and it is not a copy of it
    assert abs(fuzzy.truth.punishment_compliance - 0.6) < 0.1
    assert fuzzy.truth.punishment_compliance != 0.6


def test_sharp_world_is_unchanged_by_the_fuzzy_option(study: Study) -> None:
    po = study.potential_outcomes["punishment"]
    assert po.complier.all() and (po.punished == po.assigned).all()
    assert study.truth.punishment_compliance == 1.0
    assert study.truth.punishment_jump_fuzzy == pytest.approx(study.truth.punishment_jump, abs=1e-9)
    assert "punished" not in study.unit_performance.columns
    with pytest.raises(ValueError, match="punishment_compliance"):
        simulate("tiny", seed=0, punishment_compliance=0.0)
