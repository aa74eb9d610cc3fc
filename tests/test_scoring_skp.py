"""SKP: predicate phrases and case, missing ratings, PP 30/2019 innovation, distribution check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinerja_research.scoring import check_predikat_distribution, skp_category, skp_predikat


@pytest.mark.parametrize(("hasil", "perilaku"), [
    ("Di Atas Ekspektasi", "DI ATAS EKSPEKTASI"), ("di atas ekspektasi", "diatas"), ("DI_ATAS", " di-atas "),
])
def test_phrases_in_any_case(hasil, perilaku):
    assert skp_predikat([hasil], [perilaku])["predikat"].item() == "Sangat Baik"


def test_missing_rating_gives_missing_predikat_with_reason():
    out = skp_predikat(pd.Series(["sesuai", None], index=[10, 11]), pd.Series([None, "sesuai"], index=[10, 11]))
    assert out["predikat"].isna().all()
    assert out["reason"].tolist() == ["rating_perilaku_kerja missing", "rating_hasil_kerja missing"]
    assert list(out.index) == [10, 11]


def test_predikat_is_ordered_worst_first():
    cats = skp_predikat(["sesuai"], ["sesuai"])["predikat"].cat.categories.tolist()
    assert cats == ["Sangat Kurang", "Kurang/Misconduct", "Butuh Perbaikan", "Baik", "Sangat Baik"]


def test_bad_rating_raises():
    with pytest.raises(ValueError, match="column 'rating_perilaku_kerja' has invalid values 'bagus'"):
        skp_predikat(["sesuai"], ["bagus"])
    with pytest.raises(ValueError, match="differ in length"):
        skp_predikat(["sesuai"], ["sesuai", "sesuai"])


def test_pp30_innovation_unknown_gives_missing_above_110():
    out = skp_category([89.0, 110.0, 120.0])
    assert out["category"].tolist()[0] == "Cukup"
    assert out["category"].isna().tolist() == [False, True, True]
    assert out["reason"].iloc[1] == "innovation flag unknown (needed for Sangat Baik at 110–120)"


def test_pp30_scalar_innovation_broadcasts():
    assert skp_category([115.0, 95.0], innovation=True)["category"].tolist() == ["Sangat Baik", "Baik"]


def test_skp_category_raw_value_and_out_of_scale():
    out = skp_category([75.123456, 130.0, np.nan], innovation=[False, False, False])
    assert out["value"].iloc[0] == 75.123456
    assert out["reason"].tolist()[1:] == ["value outside the scale of skp/pp-30-2019", "value missing"]


def test_innovation_not_allowed_for_pp46():
    with pytest.raises(ValueError, match="no innovation rule"):
        skp_category([90.0], innovation=[True], rubric="skp/pp-46-2011")


def test_unverified_table_surfaces_in_attrs():
    meta = skp_category([90.0], innovation=[False]).attrs["rubric"]
    assert meta == {"id": "skp/pp-30-2019", "regulation": meta["regulation"], "verified": False,
                    "unverified_tables": ["predikat"]}
    assert skp_category([90.0], rubric="skp/pp-46-2011").attrs["rubric"]["verified"] is True


class TestDistribution:
    def test_istimewa_limit_is_inclusive(self):
        ok = ["Sangat Baik"] * 7 + ["Baik"] * 3
        assert check_predikat_distribution(ok, "Istimewa") == []
        bad = check_predikat_distribution(["Sangat Baik"] * 71 + ["Baik"] * 29, "Istimewa")
        assert len(bad) == 1 and bad[0].observed == 0.71 and bad[0].limit == 0.70

    def test_baik_needs_some_butuh_perbaikan_or_kurang(self):
        v = check_predikat_distribution(["Baik"] * 6 + ["Sangat Baik"] * 4, "Baik")
        assert [x.labels for x in v] == [("Butuh Perbaikan", "Kurang/Misconduct")]
        assert check_predikat_distribution(["Baik"] * 7 + ["Kurang/Misconduct"] + ["Sangat Baik"] * 2, "Baik") == []

    def test_cukup_is_butuh_perbaikan(self):
        v = check_predikat_distribution(["Butuh Perbaikan"] * 5 + ["Sangat Baik"] * 2 + ["Baik"] * 3, "cukup")
        assert {x.labels for x in v} == {("Butuh Perbaikan",), ("Sangat Baik",)}

    def test_kurang_rules(self):
        ok = ["Kurang/Misconduct"] * 6 + ["Butuh Perbaikan"] * 3 + ["Sangat Baik"]
        assert check_predikat_distribution(ok, "Kurang") == []
        v = check_predikat_distribution(["Kurang/Misconduct"] * 10, "Kurang")
        assert [x.labels for x in v] == [("Butuh Perbaikan",)]

    def test_sangat_kurang_forbids_sangat_baik(self):
        v = check_predikat_distribution(["sangat kurang"] * 8 + ["Kurang/Misconduct", "Sangat Baik"], "Sangat Kurang")
        assert [str(x) for x in v] == [
            "organisation predikat Sangat Kurang: share of Sangat Baik must be <= 0%, observed 10.0% (1 of 10)"]

    def test_missing_ignored_and_errors(self):
        v = check_predikat_distribution(pd.Series(["Sangat Baik", None, None]), "Istimewa")
        assert (v[0].count, v[0].n) == (1, 1)
        with pytest.raises(ValueError, match="unknown organisation predikat"):
            check_predikat_distribution(["Baik"], "Hebat")
        with pytest.raises(ValueError, match="invalid values"):
            check_predikat_distribution(["Bagus"], "Baik")
        with pytest.raises(ValueError, match="no non-missing"):
            check_predikat_distribution([None], "Baik")
