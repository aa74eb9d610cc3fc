"""Analysis panels: equal to the potential outcomes at the realized treatment, work on any Study,
and naive estimators on them show the simulated effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinerja_research.analysis.panels import (
    ikm_by_unit_period,
    merit_panel,
    placement_data,
    rd_panel,
    region_panel,
    reward_panel,
    unit_achievement,
)
from kinerja_research.data.study import Study

# Panels recompute from the tables what the world computed from arrays: same numbers up to
# floating-point summation order.
RTOL, ATOL = 1e-12, 1e-9
# IKM comes from scoring.ikm, which snaps the 1–4 interval value to 9 decimals (half a unit of
# 1e-9, times 25); the world's potential outcomes are not snapped.
IKM_ATOL = 25 * 5e-10 + 1e-12
# Sanity checks of naive estimators: |estimate - truth| < Z_LOOSE standard errors (the SE is
# computed from the data in each test). Two-sided normal tail beyond 4 SE: 6e-5 per check.
Z_LOOSE = 4.0




# -------------------------------------------------------------------------------------------
# formulas on hand-made inputs
# -------------------------------------------------------------------------------------------
def test_ikm_formula_excludes_blanks_per_unsur() -> None:
    items = {f"u{i}": [3, 3] for i in range(2, 10)}
    r = pd.DataFrame({"unit_id": ["a", "a"], "period": [2020, 2020],
                      "u1": pd.array([4, None], dtype="Int64"), **items})
    got = ikm_by_unit_period(r)
    # NRR u1 = 4/1 (one filled), others 3: IKM = 25 * (4 + 8*3) / 9. scoring.ikm (the one IKM
    # path) snaps the 1–4 interval value to 9 decimals: at most half a unit of 1e-9, times 25.
    np.testing.assert_allclose(got.ikm, [25 * (4 + 24) / 9], rtol=0, atol=25 * 5e-10 + 1e-12)
    assert got.n_responses.tolist() == [2]


def test_achievement_definition() -> None:
    up = pd.DataFrame({"unit_id": "a", "period": 2020, "indicator_id": ["1", "2", "3"],
                       "target": [10.0, 5.0, 8.0], "realization": [12.0, 4.0, np.nan],
                       "higher_is_better": [True, False, True]})
    # (12/10 + 5/4) / 2 * 100; the missing realization is left out, no cap at 100.
    np.testing.assert_allclose(unit_achievement(up).achievement, [122.5], rtol=RTOL, atol=0)


def _real_like_study() -> Study:
    """A small Study as a reader would give it: object strings, a unit-level policy row."""
    units = pd.DataFrame({"unit_id": ["u1", "u2", "u3"], "region_id": ["3501", "3501", "3502"],
                          "name": ["A", "B", "C"], "sector": ["kecamatan", "kesehatan", "keuangan"],
                          "is_service_unit": [True, True, False]})
    skm = pd.DataFrame({"response_id": ["r1", "r2", "r3"], "unit_id": ["u1", "u2", "u1"],
                        "period": [2020, 2020, 2021],
                        **{f"u{i}": [4, 3, 2] for i in range(1, 10)}})
    policies = pd.DataFrame({"region_id": ["3501", "3501"], "unit_id": [None, "u2"],
                             "policy": ["merit_system", "merit_system"], "start_period": [2021, 2019]})
    up = pd.DataFrame({"unit_id": ["u1", "u1", "u3", "u3"], "period": [2020, 2021, 2020, 2021],
                       "indicator_id": "k", "target": 100.0, "realization": [95.0, 110.0, 101, 99],
                       "higher_is_better": True})
    lelang = pd.DataFrame({"region_id": ["3501"], "unit_id": [None], "policy": ["lelang_kinerja"],
                           "start_period": [2021]})
    emp = pd.DataFrame({"employee_id": ["e1", "e2"], "period": [2020, 2020], "unit_id": ["u1", "u3"],
                        "position_type": ["pelaksana", "fungsional"],
                        "education_level": ["s1_d4", "d3"], "skp_value": [80.0, 90.0],
                        "jpm": [91.0, 70.0]})
    regions = pd.DataFrame({"region_id": ["3501", "3502"], "name": ["X", "Y"],
                            "kind": ["kabupaten", "kabupaten"], "province_id": ["35", "35"]})
    return Study(regions=regions, units=units, employees=emp, skm_responses=skm,
                 unit_performance=up, institution_assessments=pd.DataFrame(),
                 policies=pd.concat([policies, lelang], ignore_index=True))


def test_panels_work_on_real_like_tables() -> None:
    s = _real_like_study()
    m = merit_panel(s)
    assert m[["unit_id", "period", "cohort"]].values.tolist() == [
        ["u1", 2020, 2021], ["u1", 2021, 2021], ["u2", 2020, 2019]]  # unit row beats region row
    np.testing.assert_allclose(m.ikm, [100.0, 50.0, 75.0], rtol=RTOL, atol=0)
    r = rd_panel(s)
    assert r[["unit_id", "period", "punished"]].values.tolist() == [["u1", 2020, True]]
    assert len(rd_panel(s, in_force_only=False)) == 2
    p = placement_data(s)
    assert p.employee.tolist() == [0, 1] and p.treatment.tolist() == [1, 0]
    assert p.sector.tolist() == ["kecamatan", "keuangan"]
    g = region_panel(s)
    assert g[["region_id", "year"]].values.tolist() == [["3501", 2020], ["3501", 2021]]
    w = reward_panel(s)
    assert w.outcome.tolist() == [80.0, 90.0] and not w.treated.any()


def test_bad_inputs_raise(tiny: Study) -> None:
    with pytest.raises(TypeError, match="Study"):
        merit_panel(tiny.skm_responses)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="u9"):
        ikm_by_unit_period(tiny.skm_responses.drop(columns="u9"))
    with pytest.raises(ValueError, match="period 1999"):
        placement_data(tiny, period=1999)


# -------------------------------------------------------------------------------------------
# panels = potential outcomes at the realized treatment (the truth refers to these inputs)
# -------------------------------------------------------------------------------------------
def test_merit_panel_matches_potential_outcomes(tiny: Study) -> None:
    panel = merit_panel(tiny)
    po = tiny.potential_outcomes["merit"]
    po = po[po.region_id != "3573"]  # reward_punishment region left out of the DiD panel
    m = panel.merge(po, on=["unit_id", "period"], how="outer", indicator=True)
    assert (m._merge == "both").all()
    observed = np.where(m.treated, m.ikm1, m.ikm0)
    np.testing.assert_allclose(m.ikm_x, observed, rtol=RTOL, atol=IKM_ATOL)
    assert (m.cohort_x == m.cohort_y).all()
    assert panel.cohort.eq(0).any() and panel.cohort.gt(0).any()


def test_rd_panel_matches_potential_outcomes(tiny: Study) -> None:
    panel = rd_panel(tiny)
    po = tiny.potential_outcomes["punishment"]
    m = panel.merge(po, on=["unit_id", "period"], how="outer", indicator=True)
    assert (m._merge == "both").all()
    np.testing.assert_allclose(m.achievement_x, m.achievement_y, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(m.next_achievement_x, np.where(m.punished_y, m.y1, m.y0),
                               rtol=RTOL, atol=ATOL)
    assert (m.punished_x == m.punished_y).all()


def test_reward_panel_matches_potential_outcomes(tiny: Study) -> None:
    panel = reward_panel(tiny)
    po = tiny.potential_outcomes["reward"]
    m = panel.merge(po, on=["unit_id", "period"], how="outer", indicator=True)
    assert (m._merge == "both").all()
    np.testing.assert_allclose(m.outcome, np.where(m.treated_y, m.skp1, m.skp0),
                               rtol=RTOL, atol=ATOL)
    assert (m.treated_x == m.treated_y).all()


def test_region_panel_matches_malang_potential_outcomes(jatim: Study) -> None:
    panel = region_panel(jatim)
    assert panel.groupby("region_id").size().eq(10).all() and panel.region_id.nunique() == 38
    mal = panel[panel.region_id == "3573"].merge(jatim.potential_outcomes["malang"], on="year")
    np.testing.assert_allclose(mal.ikm, np.where(mal.treated_y, mal.ikm1, mal.ikm0),
                               rtol=RTOL, atol=IKM_ATOL)
    treated = panel[panel.treated]
    assert set(treated.region_id) == {"3573"} and treated.year.min() == 2019
    assert panel[(panel.region_id != "3573") & (panel.merit_cohort == 0)].region_id.nunique() >= 5


def test_placement_data_matches_potential_outcomes(tiny: Study) -> None:
    data = placement_data(tiny)
    po = tiny.potential_outcomes["placement"]
    m = data.merge(po, left_on="employee", right_on="row", how="outer", indicator=True)
    assert (m._merge == "both").all()
    assert (m.treatment_x == m.treatment_y.astype(int)).all()
    np.testing.assert_allclose(m.outcome, np.where(m.treatment_y, m.y1, m.y0), rtol=0, atol=0)
    assert "nip" not in data.columns
    assert not set(data.astype(str).stack()) & set(tiny.employees.nip)


# -------------------------------------------------------------------------------------------
# naive estimators show the effects (jatim: enough units for tight standard errors)
# -------------------------------------------------------------------------------------------
def _two_by_two(panel: pd.DataFrame, y: str, g: int, pre: int, post: int) -> tuple[float, float]:
    """2×2 DiD of cohort g vs never-treated between two periods, with its two-sample SE."""
    wide = panel[panel.period.isin([pre, post])].pivot(index="unit_id", columns="period", values=y)
    cohort = panel.drop_duplicates("unit_id").set_index("unit_id").cohort.reindex(wide.index)
    change = wide[post] - wide[pre]
    a, b = change[cohort == g], change[cohort == 0]
    return a.mean() - b.mean(), float(np.sqrt(a.var() / len(a) + b.var() / len(b)))


def test_naive_did_recovers_merit_att(jatim: Study) -> None:
    panel = merit_panel(jatim)
    gt = jatim.truth.merit_att_gt
    g = 2017
    est, se = _two_by_two(panel, "ikm", g, g - 1, g + 2)
    truth = gt[(gt.group == g) & (gt.time == g + 2)].att.item()
    assert abs(est - truth) < Z_LOOSE * se, (est, truth, se)
    assert est > Z_LOOSE * se  # the effect is visible


def test_naive_did_recovers_reward_att(jatim: Study) -> None:
    panel = reward_panel(jatim)
    g = 2018
    est, se = _two_by_two(panel, "outcome", g, g - 1, g + 1)
    gt = jatim.truth.reward_att_gt
    truth = gt[(gt.group == g) & (gt.time == g + 1)].att.item()
    # Merit adoption also raises SKP through better placement, a small extra difference
    # between the groups; the 2×2 is still within 4 SE here.
    assert abs(est - truth) < Z_LOOSE * se, (est, truth, se)
    assert est > Z_LOOSE * se


def test_rd_jump_is_visible(jatim: Study) -> None:
    panel = rd_panel(jatim)
    x = panel.achievement.to_numpy() - 100
    y = panel.next_achievement.to_numpy()
    h = 8.0  # local linear fits within 8 points of the cutoff on each side
    fits = []
    for side in (x < 0, x >= 0):
        keep = side & (np.abs(x) < h)
        design = np.column_stack([np.ones(keep.sum()), x[keep]])
        coef, *_ = np.linalg.lstsq(design, y[keep], rcond=None)
        resid = y[keep] - design @ coef
        cov = np.linalg.inv(design.T @ design) * resid.var(ddof=2)
        fits.append((coef[0], cov[0, 0]))
    jump = fits[0][0] - fits[1][0]  # punished (left) minus not punished (right)
    se = np.sqrt(fits[0][1] + fits[1][1])
    assert abs(jump - jatim.truth.punishment_jump) < Z_LOOSE * se, (jump, se)
    assert jump > Z_LOOSE * se


def test_no_density_jump_at_cutoff(jatim: Study) -> None:
    x = rd_panel(jatim).achievement.to_numpy()
    left, right = ((x >= 98) & (x < 100)).sum(), ((x >= 100) & (x < 102)).sum()
    # No manipulation: counts in equal windows differ by sampling noise only (Poisson, 4 SD).
    assert abs(left - right) < Z_LOOSE * np.sqrt(left + right)


def test_placement_is_confounded_with_overlap(jatim: Study) -> None:
    data = placement_data(jatim)
    share = data.groupby("education_level", observed=True).treatment.mean()
    assert share["s2"] > share["d1_d2_slta"] + 0.1  # treatment depends on education
    by_cell = data.groupby(["education_level", "sector"], observed=True).treatment.agg(["mean", "size"])
    big = by_cell[by_cell["size"] >= 100]
    assert big["mean"].between(0.02, 0.98).all()  # overlap
    naive = data[data.treatment == 1].outcome.mean() - data[data.treatment == 0].outcome.mean()
    assert naive > jatim.truth.placement_ate + 0.3  # confounding biases the naive contrast up


def test_panels_without_policies_table() -> None:
    s = _real_like_study()
    s = s.replace(policies=pd.DataFrame())
    assert merit_panel(s).cohort.eq(0).all()
    assert rd_panel(s).empty and not rd_panel(s, in_force_only=False).punished.any()
