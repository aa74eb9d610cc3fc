"""IP ASN per employee: dimensions by position type, kinerja basis, missing inputs, errors, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinerja_research.scoring import ip_asn, ip_asn_summary


def _emp(**overrides):
    row = {"nip": "198001012005011001", "period": 2020, "unit_id": "U1", "position_type": "fungsional",
           "education_level": "s1_d4", "leadership_training": False, "functional_training": True,
           "technical_training_hours": 20.0, "seminar": True, "skp_value": 91.0, "discipline_level": "none"}
    row.update(overrides)
    return pd.DataFrame([row])


# Expected points from the rubric's tables (docs/guide/rubrics.md#rubric-ip-asn-permenpan-38-2018-perban-bkn-8-2019; many UNVERIFIED, see attrs)
@pytest.mark.parametrize(("position", "lead", "func", "hours", "seminar", "kompetensi"), [
    ("jpt", True, False, 20.0, True, 40.0),
    ("administrator", True, True, 19.99, True, 25.0),     # functional training does not count, <20 JP
    ("pengawas", False, True, 40.0, False, 15.0),
    ("fungsional", True, True, 20.0, True, 40.0),         # leadership does not count for JF
    ("fungsional", False, False, 0.0, False, 0.0),
    ("pelaksana", True, True, 20.0, False, 25.0),         # only teknis (25) and seminar (15)
    ("pelaksana", False, False, 25.0, True, 40.0),
])
def test_kompetensi_depends_on_position(position, lead, func, hours, seminar, kompetensi):
    out = ip_asn(_emp(position_type=position, leadership_training=lead, functional_training=func,
                      technical_training_hours=hours, seminar=seminar))
    assert out["kompetensi"].item() == kompetensi


@pytest.mark.parametrize(("education", "points"), [("s3", 25), ("s2", 20), ("s1_d4", 15), ("d3", 10),
                                                   ("d1_d2_slta", 5), ("sltp", 1), ("S-2", 20), ("Magister", 20)])
def test_kualifikasi(education, points):
    assert ip_asn(_emp(education_level=education))["kualifikasi"].item() == points


@pytest.mark.parametrize(("skp", "points"), [(50.99, 10), (51, 15), (60.99, 15), (61, 20), (75.99, 20), (76, 25),
                                             (90.99, 25), (91, 30), (120, 30)])
def test_kinerja_from_numeric_appraisal(skp, points):
    out = ip_asn(_emp(skp_value=skp))
    assert out["kinerja"].item() == points and out["kinerja_basis"].item() == "skp_value"


@pytest.mark.parametrize(("hasil", "perilaku", "points"), [
    ("di_atas", "di_atas", 30), ("sesuai", "sesuai", 25), ("di_bawah", "sesuai", 20),
    ("sesuai", "di_bawah", 15), ("di_bawah", "di_bawah", 10),
])
def test_kinerja_from_predicate_takes_precedence(hasil, perilaku, points):
    out = ip_asn(_emp(skp_value=50.0, rating_hasil_kerja=hasil, rating_perilaku_kerja=perilaku))
    assert out["kinerja"].item() == points and out["kinerja_basis"].item() == "predikat"


@pytest.mark.parametrize(("level", "points"), [("none", 5), ("ringan", 3), ("sedang", 2), ("berat", 1),
                                               ("Hukuman Berat", 1)])
def test_disiplin(level, points):
    assert ip_asn(_emp(discipline_level=level))["disiplin"].item() == points


def test_total_and_category():
    out = ip_asn(_emp())  # 15 + 40 + 30 + 5
    assert out["ip_asn"].item() == 90.0 and out["category"].item() == "Tinggi"
    out = ip_asn(_emp(education_level="s2"))
    assert out["ip_asn"].item() == 95.0 and out["category"].item() == "Sangat Tinggi"


@pytest.mark.parametrize(("override", "dimension", "reason"), [
    ({"education_level": None}, "kualifikasi", "education_level missing"),
    ({"technical_training_hours": np.nan}, "kompetensi", "technical_training_hours missing"),
    ({"functional_training": None}, "kompetensi", "functional_training missing"),
    ({"skp_value": np.nan}, "kinerja", "no appraisal (ratings or skp_value) to score kinerja"),
    ({"discipline_level": None}, "disiplin", "discipline_level missing"),
])
def test_missing_input_gives_missing_with_reason(override, dimension, reason):
    out = ip_asn(_emp(**override))
    assert np.isnan(out[dimension].item()) and np.isnan(out["ip_asn"].item())
    assert pd.isna(out["category"].item())
    assert out["reason"].item() == reason


def test_missing_indicator_that_does_not_apply_is_not_missing():
    out = ip_asn(_emp(position_type="fungsional", leadership_training=None))
    assert out["kompetensi"].item() == 40.0 and pd.isna(out["reason"].item())


def test_absent_optional_columns_are_missing_not_zero():
    df = _emp().drop(columns=["seminar", "discipline_level"])
    out = ip_asn(df)
    assert np.isnan(out["kompetensi"].item()) and np.isnan(out["disiplin"].item())
    assert out["reason"].item() == "seminar missing; discipline_level missing"


def test_passthrough_keeps_ids_and_drops_inputs():
    out = ip_asn(_emp().rename(columns={"nip": "employee_id"}))
    assert list(out.columns[:3]) == ["employee_id", "period", "unit_id"]
    assert "education_level" not in out.columns and "skp_value" not in out.columns


def test_attrs_say_unverified():
    meta = ip_asn(_emp()).attrs["rubric"]
    assert meta["verified"] is False and "disiplin" in meta["unverified_tables"]


@pytest.mark.parametrize(("override", "message"), [
    ({"position_type": "kepala"}, "column 'position_type' has invalid values 'kepala'"),
    ({"education_level": "sd_kelas_3"}, "column 'education_level' has invalid values"),
    ({"discipline_level": "parah"}, "column 'discipline_level' has invalid values 'parah'"),
    ({"technical_training_hours": -1.0}, "column 'technical_training_hours' has invalid values -1.0"),
    ({"skp_value": 130.0}, "column 'skp_value' has invalid values 130.0"),
    ({"seminar": "maybe"}, "column 'seminar' has invalid values 'maybe'"),
    ({"rating_hasil_kerja": "luar biasa", "rating_perilaku_kerja": "sesuai"}, "column 'rating_hasil_kerja'"),
])
def test_bad_values_raise_naming_column(override, message):
    with pytest.raises(ValueError, match=message):
        ip_asn(_emp(**override))


def test_missing_required_columns_listed():
    with pytest.raises(ValueError, match="missing required columns: education_level, position_type"):
        ip_asn(pd.DataFrame({"nip": ["x"]}))
    with pytest.raises(TypeError, match="DataFrame"):
        ip_asn([1, 2])


def test_categorical_input_with_unused_categories():
    df = pd.concat([_emp(), _emp(position_type="pelaksana", technical_training_hours=30.0)], ignore_index=True)
    df["position_type"] = pd.Categorical(df["position_type"], categories=["pelaksana", "fungsional", "jpt", "xx"])
    out = ip_asn(df)
    assert out["kompetensi"].tolist() == [40.0, 40.0]


def test_summary_mean_and_shares():
    df = pd.concat([_emp(unit_id="A"), _emp(unit_id="A", education_level="s2"),
                    _emp(unit_id="A", education_level=None), _emp(unit_id="B", skp_value=50.0)], ignore_index=True)
    s = ip_asn_summary(ip_asn(df), by=["unit_id", "period"])
    a = s.set_index("unit_id").loc["A"]
    assert (a["n"], a["n_scored"]) == (3, 2)
    assert a["ip_asn"] == 92.5 and a["category"] == "Sangat Tinggi"
    assert (a["share_tinggi"], a["share_sangat_tinggi"]) == (0.5, 0.5)
    assert s.set_index("unit_id").loc["B", "ip_asn"] == 70.0
    assert "aggregation" in s.attrs["rubric"]["unverified_tables"]


def test_contract_dtypes_give_the_same_scores_and_leave_the_input_alone():
    """Categoricals in the contract's order and nullable booleans take the no-copy paths."""
    from kinerja_research.data.schemas import CATEGORIES
    from kinerja_research.scoring.study import score_employees

    rng = np.random.default_rng(3)
    n = 400
    plain = pd.DataFrame({
        "period": rng.choice([2020, 2021, 2023], n),
        "position_type": rng.choice(list(CATEGORIES["position_type"]), n),
        "education_level": rng.choice(list(CATEGORIES["education_level"]), n),
        "leadership_training": rng.choice([True, False, None], n),
        "functional_training": rng.choice([True, False], n),
        "technical_training_hours": rng.choice([0.0, 19.0, 20.0, 30.0, np.nan], n),
        "seminar": rng.choice([True, False, None], n),
        "skp_value": rng.choice([55.0, 76.0, 91.0, np.nan], n),
        "rating_hasil_kerja": rng.choice(["di_bawah", "sesuai", "di_atas", None], n),
        "rating_perilaku_kerja": rng.choice(["di_bawah", "sesuai", "di_atas"], n),
        "discipline_level": rng.choice([*CATEGORIES["discipline_level"], None], n),
    })
    typed = plain.astype({c: pd.CategoricalDtype(list(CATEGORIES[c])) for c in
                          ("position_type", "education_level", "rating_hasil_kerja", "rating_perilaku_kerja",
                           "discipline_level")})
    typed = typed.astype({c: "boolean" for c in ("leadership_training", "functional_training", "seminar")})
    before = typed.copy()
    a, b = score_employees(plain), score_employees(typed)
    for col in ("ip_asn", "kompetensi", "kinerja", "category", "reason", "predikat", "skp_category"):
        assert a[col].astype(object).equals(b[col].astype(object)), col
    assert b["kompetensi"].isna().any() and b["ip_asn"].notna().any()  # both paths were exercised
    pd.testing.assert_frame_equal(typed, before)
