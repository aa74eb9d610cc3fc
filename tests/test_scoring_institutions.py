"""Institution- and unit-level scores: SAKIP components, JPM, Ombudsman years, achievement, lelang
kinerja, TPP deductions, discipline input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinerja_research.scoring import (
    achievement,
    discipline_sanction,
    jpm,
    lelang_kinerja,
    merit_category,
    ombudsman_zone,
    sakip_from_components,
    sakip_grade,
    tpp,
)


def test_sakip_from_components_sum_and_passthrough():
    a = pd.DataFrame({"region_id": ["3573", "3520"], "year": [2023, 2023],
                      "sakip_perencanaan": [27.0, 30.0], "sakip_pengukuran": [25.5, 30.0],
                      "sakip_pelaporan": [13.0, np.nan], "sakip_evaluasi": [20.0, 25.0]})
    out = sakip_from_components(a)
    assert out["region_id"].tolist() == ["3573", "3520"]
    assert out["sakip_score"].iloc[0] == 85.5 and out["sakip_grade"].iloc[0] == "A"
    assert np.isnan(out["sakip_score"].iloc[1]) and out["reason"].iloc[1] == "sakip_pelaporan missing"


def test_sakip_component_above_maximum_is_an_error():
    a = pd.DataFrame({"sakip_perencanaan": [31.0], "sakip_pengukuran": [1.0], "sakip_pelaporan": [1.0],
                      "sakip_evaluasi": [1.0]})
    with pytest.raises(ValueError, match="column 'sakip_perencanaan' has invalid values 31.0"):
        sakip_from_components(a)


def test_sakip_12_2015_is_unverified():
    out = sakip_grade([75.0], rubric="sakip/permenpan-12-2015")
    assert out["sakip_grade"].item() == "BB" and out.attrs["rubric"]["verified"] is False


def test_sakip_rejects_other_kinds_of_rubric():
    with pytest.raises(ValueError, match="a 'sakip' rubric is needed"):
        sakip_grade([75.0], rubric="merit/permenpan-40-2018")


def test_merit_out_of_range_reason():
    out = merit_category([99.0, np.nan])
    assert out["merit_category"].isna().all()
    assert out["reason"].tolist() == ["merit_score outside [100, 400] (merit/permenpan-40-2018)", "merit_score missing"]
    assert out.attrs["rubric"]["verified"] is False


class TestJpm:
    def test_sum_over_sum(self):
        out = jpm([[3, 3, 2], [3, 4, 3]], [[3, 3, 3], [3, 3, 3]])
        np.testing.assert_allclose(out["jpm"], [800 / 9, 1000 / 9], rtol=1e-15, atol=0)
        assert out["jpm_category"].tolist() == ["Cukup Optimal", "Optimal"]

    def test_cap_at_standard(self):
        assert jpm([3, 4, 3], [3, 3, 3], cap_at_standard=True)["jpm"].item() == 100.0

    def test_missing_level(self):
        out = jpm([[3, np.nan]], [[3, 3]])
        assert np.isnan(out["jpm"].item()) and out["reason"].item() == "a competency level is missing"

    def test_errors(self):
        with pytest.raises(ValueError, match="differ in shape"):
            jpm([3, 3], [3, 3, 3])
        with pytest.raises(ValueError, match="required levels must be positive"):
            jpm([3], [0])

    def test_attrs_flag_unverified_formula(self):
        assert jpm([3], [3]).attrs["rubric"]["unverified_tables"] == ["formula"]


class TestOmbudsman:
    def test_rubric_follows_year(self):
        out = ombudsman_zone([85.0, 85.0, 85.0], [2021, 2022, 2025])
        assert out["zone"].tolist()[:2] == ["Hijau", "Hijau"]
        assert out["category"].tolist()[:2] == ["Kepatuhan Tinggi", "B"]
        assert out["rubric"].tolist()[:2] == ["ombudsman/kepatuhan-2015", "ombudsman/opini-2022"]
        assert pd.isna(out["zone"].iloc[2])
        assert out["reason"].iloc[2].startswith("no published cut-offs")

    def test_attrs_list_both_rubrics(self):
        meta = ombudsman_zone([85.0, 85.0], [2021, 2023]).attrs["rubric"]
        assert meta["id"] == ["ombudsman/kepatuhan-2015", "ombudsman/opini-2022"]
        assert meta["verified"] is False and meta["unverified_tables"] == ["ombudsman/opini-2022:kategori"]

    def test_errors(self):
        with pytest.raises(ValueError, match="column 'ombudsman_score' has invalid values 101.0"):
            ombudsman_zone([101.0], 2023)
        with pytest.raises(ValueError, match="year has 1 values for 2 scores"):
            ombudsman_zone([50.0, 60.0], [2023])


class TestAchievement:
    def test_formulas(self):
        out = achievement([100.0, 100.0, 100.0, 50.0], [120.0, 80.0, 80.0, 0.0], [True, False, True, False])
        assert out["achievement"].tolist() == [120.0, 120.0, 80.0, 200.0]
        ratio = achievement([100.0], [80.0], False, lower_is_better_formula="ratio")
        assert ratio["achievement"].item() == 125.0

    def test_cap_and_missing(self):
        out = achievement([100.0, 100.0], [150.0, np.nan], True, cap=120)
        assert out["achievement"].iloc[0] == 120.0 and np.isnan(out["achievement"].iloc[1])
        assert out["reason"].iloc[1] == "realization missing"

    def test_errors(self):
        with pytest.raises(ValueError, match="column 'target' has invalid values"):
            achievement([0.0], [1.0], True)
        with pytest.raises(ValueError, match="column 'realization' has invalid values -1.0"):
            achievement([1.0], [-1.0], True)
        with pytest.raises(ValueError, match="cap must be"):
            achievement([1.0], [1.0], True, cap=-5)


def test_lelang_kinerja_rule_and_next_period():
    up = pd.DataFrame({"unit_id": ["a", "a", "b", "c", "d"], "period": 2020, "indicator_id": list("12345"),
                       "target": 100.0, "realization": [100.0, 100.0, 99.99, 100.01, np.nan],
                       "higher_is_better": True})
    out = lelang_kinerja(up)
    assert out["action"].tolist()[:3] == ["target_met", "punishment", "reward"]
    assert pd.isna(out["action"].iloc[3]) and out["reason"].iloc[3] == "an indicator has no realization"
    assert out["applies_to_period"].tolist() == [2021] * 4
    assert out.attrs["rubric"]["verified"] is False


class TestTpp:
    def test_sampang_late_and_split(self):
        r = pd.DataFrame({"nip": ["a", "b"], "tpp_base": [1_000_000.0, 1_000_000.0],
                          "performance_reported": [True, False]})
        ev = pd.DataFrame({"nip": ["a", "a", "a"], "late_minutes": [45, 95, 10]})
        out = tpp(r, late_events=ev, on=["nip"])
        # a: attendance part 40% loses 1% + 1.5%; b: performance part 60% lost entirely
        np.testing.assert_allclose(out["tpp_paid"], [1_000_000 * (0.6 + 0.4 * 0.975), 400_000.0], rtol=1e-12, atol=0)
        assert out["deduction_discipline"].tolist()[0] == pytest.approx(0.025, abs=1e-15)
        assert out.attrs["deductions_applied"] == ["late", "performance_reported"]

    def test_unknown_rule_gives_missing_not_zero(self):
        r = pd.DataFrame({"tpp_base": [1.0, 1.0], "days_absent": [0, 2]})
        out = tpp(r)
        assert out["tpp_paid"].iloc[0] == 1.0 and np.isnan(out["tpp_paid"].iloc[1])
        assert out["reason"].iloc[1] == "days absent but the rule has no per-day deduction"
        assert out.attrs["rubric"]["verified"] is False

    def test_total_base_with_cap(self):
        r = pd.DataFrame({"tpp_base": [100.0, 100.0, 100.0], "days_absent": [2, 30, 1],
                          "consecutive_days_absent": [1, 1, 10]})
        out = tpp(r, rubric="tpp/permendikdasmen-14-2025")
        np.testing.assert_allclose(out["tpp_paid"], [95.0, 25.0, 0.0], rtol=1e-12, atol=1e-12)
        out = tpp(r[["tpp_base", "days_absent"]], rubric="tpp/permentan-68-2012")
        np.testing.assert_allclose(out["tpp_paid"], [92.0, 0.0, 96.0], rtol=1e-12, atol=1e-12)

    def test_sanction_cut_on_top(self):
        r = pd.DataFrame({"tpp_base": [100.0], "days_absent": [1], "sanction_tukin_cut": [0.25]})
        out = tpp(r, rubric="tpp/permentan-68-2012")
        np.testing.assert_allclose(out["tpp_paid"], [96.0 * 0.75], rtol=1e-12, atol=0)

    def test_errors(self):
        with pytest.raises(ValueError, match="needs on="):
            tpp(pd.DataFrame({"tpp_base": [1.0]}), late_events=pd.DataFrame({"late_minutes": [1]}))
        with pytest.raises(ValueError, match="has no lateness table"):
            tpp(pd.DataFrame({"tpp_base": [1.0]}), rubric="tpp/prov-jatim",
                late_events=pd.DataFrame({"k": [1], "late_minutes": [1]}), on=["k"])
        with pytest.raises(ValueError, match="column 'tpp_base' has invalid values -5.0"):
            tpp(pd.DataFrame({"tpp_base": [-5.0]}))


class TestDisciplineInputs:
    def test_negative_days_name_the_column(self):
        with pytest.raises(ValueError, match=r"column 'days_absent' has invalid values -1.0"):
            discipline_sanction([3, -1])
        with pytest.raises(ValueError, match=r"column 'consecutive_days' has invalid values -2.0"):
            discipline_sanction([3], consecutive_days=[-2])

    def test_missing_days(self):
        out = discipline_sanction(pd.Series([np.nan, 5.0], index=["x", "y"]))
        assert pd.isna(out.loc["x", "level"]) and out.loc["x", "reason"] == "days_absent missing"
        assert out.loc["y", "level"] == "ringan"

    def test_rubric_without_ladder(self):
        with pytest.raises(ValueError, match="has no absence ladder"):
            discipline_sanction([3], rubric="disiplin/pp-53-2010")


class TestPublishedLabels:
    """Published zones and predicates are facts: scoring uses them and says so."""

    def test_published_ombudsman_zone_is_never_overridden(self):
        # Antara Jatim 2017: Kota Blitar 80.4 published green, Kab. Kediri 50.58 published
        # yellow, where the 2015 band table gives yellow and red
        out = ombudsman_zone([80.4, 50.58, 85.0, 40.0], [2017, 2017, 2021, 2025],
                             published=["hijau", "Kuning", None, "merah"])
        assert out["zone"].tolist() == ["Hijau", "Kuning", "Hijau", "Merah"]
        assert out["zone_source"].tolist() == ["published", "published", "derived", "published"]
        assert out["derived_zone"].tolist()[:3] == ["Kuning", "Merah", "Hijau"]
        assert pd.isna(out["derived_zone"].iloc[3])  # 2025: no cut-offs, the published zone stands
        assert out["zone_conflict"].tolist() == [True, True, False, False]

    def test_without_published_everything_is_derived(self):
        out = ombudsman_zone([80.4, np.nan], [2017, 2017])
        assert out["zone"].tolist()[0] == "Kuning" and pd.isna(out["zone"].iloc[1])
        assert out["zone_source"].tolist()[0] == "derived" and pd.isna(out["zone_source"].iloc[1])

    def test_published_sakip_grade(self):
        out = sakip_grade([75.0, 62.0, np.nan], published=["a", None, "BB"])
        assert out["sakip_grade"].tolist() == ["A", "B", "BB"]
        assert out["sakip_grade_source"].tolist() == ["published", "derived", "published"]
        assert out["derived_sakip_grade"].tolist()[:2] == ["BB", "B"]
        assert out["sakip_grade_conflict"].tolist() == [True, False, False]

    def test_unknown_published_label_is_an_error(self):
        with pytest.raises(ValueError, match="published ombudsman_zone has labels outside"):
            ombudsman_zone([80.0], [2017], published=["biru"])


def test_sakip_from_components_keeps_a_published_grade():
    a = pd.DataFrame({"region_id": ["3573", "3520"], "sakip_perencanaan": [27.0, 27.0],
                      "sakip_pengukuran": [25.5, 25.5], "sakip_pelaporan": [13.0, 13.0],
                      "sakip_evaluasi": [20.0, 20.0], "sakip_grade": ["bb", None]})
    out = sakip_from_components(a)
    assert list(out.columns).count("sakip_grade") == 1
    assert out["sakip_grade"].tolist() == ["BB", "A"]
    assert out["sakip_grade_source"].tolist() == ["published", "derived"]
    assert out["region_id"].tolist() == ["3573", "3520"]
