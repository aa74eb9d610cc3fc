"""Golden tests: every table of docs/guide/rubrics.md, at each band edge and just either side.

The expected labels are transcribed here from docs/guide/rubrics.md (not read from the YAML files), so a
typo in a rubric file fails a test. EPS is the "just either side" step: far above the 1e-9
floating-point snap of the rubrics and far below any edge's printed precision (0.01).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinerja_research import rubrics
from kinerja_research.scoring import (
    discipline_sanction,
    jpm_category,
    merit_category,
    ombudsman_zone,
    sakip_grade,
    skp_category,
    skp_predikat,
)

EPS = 1e-6


def _cases(edges):
    """(value, label) pairs at each edge and EPS either side, from [(edge, below, at)]."""
    out = []
    for edge, below, at in edges:
        out += [(edge - EPS, below), (edge, at), (edge + EPS, at)]
    return out


# docs/guide/rubrics.md#rubric-ip-asn-permenpan-38-2018-perban-bkn-8-2019, convention [91,100] ST, [81,91) T, … (recommended half-open)
IP_ASN = _cases([(61, "Sangat Rendah", "Rendah"), (71, "Rendah", "Sedang"), (81, "Sedang", "Tinggi"),
                 (91, "Tinggi", "Sangat Tinggi")]) + [(0, "Sangat Rendah"), (60, "Sangat Rendah"),
                                                      (90.5, "Tinggi"), (100, "Sangat Tinggi")]


@pytest.mark.parametrize(("value", "label"), IP_ASN)
def test_ip_asn_category(value, label):
    assert rubrics.load("ip_asn/permenpan-38-2018+perban-bkn-8-2019").classify(value) == label


def test_ip_asn_category_out_of_range():
    r = rubrics.load("ip_asn/permenpan-38-2018+perban-bkn-8-2019")
    assert r.classify(100 + EPS) is None and r.classify(-EPS) is None


# docs/guide/rubrics.md#rubric-ikm-permenpan-14-2017 and §2.8: [25,65) D, [65,76.61) C, [76.61,88.31) B, [88.31,100] A
IKM_2017 = _cases([(65, "D", "C"), (76.61, "C", "B"), (88.31, "B", "A")]) + [
    (25, "D"), (64.99, "D"), (76.60, "C"), (88.30, "B"), (100, "A")]


@pytest.mark.parametrize(("value", "label"), IKM_2017)
def test_ikm_2017_mutu(value, label):
    assert rubrics.load("ikm/permenpan-14-2017").classify(value) == label


@pytest.mark.parametrize(("value", "kinerja"), [(64.99, "Tidak Baik"), (65, "Kurang Baik"),
                                                (76.61, "Baik"), (88.31, "Sangat Baik")])
def test_ikm_2017_kinerja_label(value, kinerja):
    assert rubrics.load("ikm/permenpan-14-2017").classify(value, field="kinerja") == kinerja


# the same table on the interval value: 2.60, 3.0644, 3.5324
@pytest.mark.parametrize(("value", "label"), _cases([(2.6, "D", "C"), (3.0644, "C", "B"), (3.5324, "B", "A")]))
def test_ikm_2017_interval_table(value, label):
    assert rubrics.load("ikm/permenpan-14-2017").classify(value, table="mutu_interval") == label


def test_ikm_interval_and_converted_tables_agree_times_25():
    r = rubrics.load("ikm/permenpan-14-2017")
    ni, nik = r.band_table("mutu_interval"), r.band_table("mutu")
    np.testing.assert_allclose(ni.lower * 25, nik.lower, rtol=0, atol=1e-12)  # exact up to binary rounding


# docs/guide/rubrics.md#rubric-ikm-kepmenpan-25-2004: 1,00–1,75 / 1,76–2,50 / 2,51–3,25 / 3,26–4,00 → NIK 43.76, 62.51, 81.26
IKM_2004 = _cases([(43.76, "D", "C"), (62.51, "C", "B"), (81.26, "B", "A")]) + [(25, "D"), (100, "A")]


@pytest.mark.parametrize(("value", "label"), IKM_2004)
def test_ikm_2004_mutu(value, label):
    assert rubrics.load("ikm/kepmenpan-25-2004").classify(value) == label


# docs/guide/rubrics.md#rubric-skp-pp-10-1979 DP3
DP3 = _cases([(51, "Kurang", "Sedang"), (61, "Sedang", "Cukup"), (76, "Cukup", "Baik"), (91, "Baik", "Amat Baik")])


@pytest.mark.parametrize(("value", "label"), DP3)
def test_dp3(value, label):
    assert skp_category([value], rubric="skp/pp-10-1979")["category"].item() == label


# docs/guide/rubrics.md#rubric-skp-pp-46-2011 PP 46/2011: 91 ke atas SB, 76–90 B, 61–75 C, 51–60 K, ≤50 Buruk
PP46 = _cases([(51, "Buruk", "Kurang"), (61, "Kurang", "Cukup"), (76, "Cukup", "Baik"),
               (91, "Baik", "Sangat Baik")]) + [(0, "Buruk"), (50, "Buruk"), (110, "Sangat Baik")]


@pytest.mark.parametrize(("value", "label"), PP46)
def test_pp46(value, label):
    assert skp_category([value], rubric="skp/pp-46-2011")["category"].item() == label


# docs/guide/rubrics.md#rubric-skp-pp-30-2019 PP 30/2019 Pasal 41 (no innovation)
PP30 = _cases([(50, "Sangat Kurang", "Kurang"), (70, "Kurang", "Cukup"), (90, "Cukup", "Baik")]) + [
    (0, "Sangat Kurang"), (109.99, "Baik")]


@pytest.mark.parametrize(("value", "label"), PP30)
def test_pp30(value, label):
    assert skp_category([value], innovation=[False])["category"].item() == label


@pytest.mark.parametrize(("value", "innovation", "label"), [
    (110 - EPS, True, "Baik"), (110, True, "Sangat Baik"), (120, True, "Sangat Baik"),
    (110, False, "Baik"), (120, False, "Baik"),
])
def test_pp30_sangat_baik_needs_innovation(value, innovation, label):
    assert skp_category([value], innovation=[innovation])["category"].item() == label


# docs/guide/rubrics.md#rubric-skp-permenpan-6-2022 Permenpan 6/2022 matrix, every cell (rows: hasil kerja; columns: perilaku)
MATRIX = {
    ("di_atas", "di_bawah"): "Kurang/Misconduct", ("di_atas", "sesuai"): "Baik", ("di_atas", "di_atas"): "Sangat Baik",
    ("sesuai", "di_bawah"): "Kurang/Misconduct", ("sesuai", "sesuai"): "Baik", ("sesuai", "di_atas"): "Baik",
    ("di_bawah", "di_bawah"): "Sangat Kurang", ("di_bawah", "sesuai"): "Butuh Perbaikan",
    ("di_bawah", "di_atas"): "Butuh Perbaikan",
}


@pytest.mark.parametrize(("cell", "label"), list(MATRIX.items()))
def test_permenpan_6_2022_matrix(cell, label):
    assert skp_predikat([cell[0]], [cell[1]])["predikat"].item() == label


# docs/guide/rubrics.md#rubric-merit-permenpan-40-2018 merit (UNVERIFIED bands; convention [175, 250) etc.)
MERIT = _cases([(175, "Buruk", "Kurang"), (250, "Kurang", "Baik"), (325, "Baik", "Sangat Baik")]) + [
    (100, "Buruk"), (174, "Buruk"), (291.5, "Baik"), (400, "Sangat Baik")]


@pytest.mark.parametrize(("value", "label"), MERIT)
def test_merit(value, label):
    assert merit_category(value)["merit_category"].item() == label


@pytest.mark.parametrize(("value", "code"), [(100, "I"), (175, "II"), (250, "III"), (400, "IV")])
def test_merit_codes(value, code):
    assert merit_category(value)["merit_code"].item() == code


# docs/guide/rubrics.md#rubric-sakip-permenpan-88-2021 SAKIP 88/2021, lower bounds exclusive
SAKIP = [(30, "D"), (30 + EPS, "C"), (50, "C"), (50 + EPS, "CC"), (60, "CC"), (60 + EPS, "B"),
         (70, "B"), (70 + EPS, "BB"), (80, "BB"), (80 + EPS, "A"), (90, "A"), (90 + EPS, "AA"),
         (100, "AA"), (0, "D")]


@pytest.mark.parametrize(("value", "label"), SAKIP)
def test_sakip(value, label):
    assert sakip_grade(value)["sakip_grade"].item() == label


@pytest.mark.parametrize(("value", "text"), [(95, "Sangat Memuaskan"), (85, "Memuaskan"), (75, "Sangat Baik"),
                                             (65, "Baik"), (55, "Cukup (Memadai)"), (40, "Kurang"),
                                             (10, "Sangat Kurang")])
def test_sakip_interpretation(value, text):
    assert sakip_grade(value)["interpretation"].item() == text


def test_sakip_component_weights_sum_to_100():
    pts = rubrics.load("sakip/permenpan-88-2021").points("components")
    assert pts == {"perencanaan": 30, "pengukuran": 30, "pelaporan": 15, "evaluasi": 25}


# docs/guide/rubrics.md#rubric-jpm-memenuhi-syarat-3band JPM, both versions
@pytest.mark.parametrize(("value", "label"), _cases([(78, "Kurang Optimal", "Cukup Optimal"),
                                                     (90, "Cukup Optimal", "Optimal")]))
def test_jpm_optimal(value, label):
    assert jpm_category(value)["jpm_category"].item() == label


@pytest.mark.parametrize(("value", "label"), _cases([(68, "Kurang Memenuhi Syarat", "Masih Memenuhi Syarat"),
                                                     (80, "Masih Memenuhi Syarat", "Memenuhi Syarat")]))
def test_jpm_memenuhi_syarat(value, label):
    assert jpm_category(value, rubric="jpm/memenuhi-syarat-3band")["jpm_category"].item() == label


# docs/guide/rubrics.md#rubric-disiplin-pp-94-2021 PP 94/2021 ladder, at the days the issue names and at every rung
LADDER = [
    (0, "none", "tidak ada hukuman"), (2, "none", "tidak ada hukuman"),
    (3, "ringan", "teguran lisan"), (4, "ringan", "teguran tertulis"), (6, "ringan", "teguran tertulis"),
    (7, "ringan", "pernyataan tidak puas secara tertulis"), (10, "ringan", "pernyataan tidak puas secara tertulis"),
    (11, "sedang", "pemotongan tukin 25% selama 6 bulan"), (13, "sedang", "pemotongan tukin 25% selama 6 bulan"),
    (14, "sedang", "pemotongan tukin 25% selama 9 bulan"), (16, "sedang", "pemotongan tukin 25% selama 9 bulan"),
    (17, "sedang", "pemotongan tukin 25% selama 12 bulan"), (20, "sedang", "pemotongan tukin 25% selama 12 bulan"),
    (21, "berat", "penurunan jabatan setingkat lebih rendah selama 12 bulan"),
    (24, "berat", "penurunan jabatan setingkat lebih rendah selama 12 bulan"),
    (25, "berat", "pembebasan dari jabatan menjadi pelaksana selama 12 bulan"),
    (27, "berat", "pembebasan dari jabatan menjadi pelaksana selama 12 bulan"),
    (28, "berat", "pemberhentian dengan hormat tidak atas permintaan sendiri"),
    (200, "berat", "pemberhentian dengan hormat tidak atas permintaan sendiri"),
]


@pytest.mark.parametrize(("days", "level", "sanction"), LADDER)
def test_discipline_ladder(days, level, sanction):
    row = discipline_sanction([days]).iloc[0]
    assert (row["level"], row["sanction"]) == (level, sanction)


@pytest.mark.parametrize(("days", "consecutive", "level"), [(2, 10, "berat"), (10, 10, "berat"),
                                                            (10, 9, "ringan"), (np.nan, 10, "berat")])
def test_discipline_ten_consecutive_days_overrides(days, consecutive, level):
    row = discipline_sanction([days], consecutive_days=[consecutive]).iloc[0]
    assert row["level"] == level
    if level == "berat":
        assert row["sanction"] == "pemberhentian dengan hormat tidak atas permintaan sendiri"


@pytest.mark.parametrize(("days", "months"), [(11, 6), (14, 9), (17, 12)])
def test_discipline_sedang_tukin_cut(days, months):
    row = discipline_sanction([days]).iloc[0]
    assert row["tukin_cut"] == 0.25 and row["months"] == months


def test_pp94_sanction_lists():
    lv = rubrics.load("disiplin/pp-94-2021").table("levels")["list"]
    assert lv["ringan"][0] == "teguran lisan" and len(lv["sedang"]) == 3 and len(lv["berat"]) == 3
    lv53 = rubrics.load("disiplin/pp-53-2010").table("levels")["list"]
    assert lv53["sedang"][0] == "penundaan kenaikan gaji berkala 1 tahun"


# docs/guide/rubrics.md#rubric-ombudsman-kepatuhan-2015 and §8.2 Ombudsman
@pytest.mark.parametrize(("score", "zone", "category"), [
    (50.99, "Merah", "Kepatuhan Rendah"), (51, "Kuning", "Kepatuhan Sedang"), (80.99, "Kuning", "Kepatuhan Sedang"),
    (81, "Hijau", "Kepatuhan Tinggi"), (87.29, "Hijau", "Kepatuhan Tinggi"), (73.26, "Kuning", "Kepatuhan Sedang"),
    (44.82, "Merah", "Kepatuhan Rendah"),
])
def test_ombudsman_2021(score, zone, category):
    row = ombudsman_zone(score, 2021).iloc[0]
    assert (row["zone"], row["category"]) == (zone, category)


@pytest.mark.parametrize(("score", "category", "zone"), [
    (31.99, "E", "Merah"), (32, "D", "Merah"), (53.99, "D", "Merah"), (54, "C", "Kuning"), (77.99, "C", "Kuning"),
    (78, "B", "Hijau"), (87.99, "B", "Hijau"), (88, "A", "Hijau"), (92.08, "A", "Hijau"), (87.25, "B", "Hijau"),
    (58.99, "C", "Kuning"), (94.66, "A", "Hijau"), (67, "C", "Kuning"),
])
def test_ombudsman_2024(score, category, zone):
    row = ombudsman_zone(score, 2024).iloc[0]
    assert (row["category"], row["zone"]) == (category, zone)


# docs/guide/rubrics.md#rubric-tpp-permentan-68-2012 deduction tables
@pytest.mark.parametrize(("minutes", "cut"), [(30, 0.0), (31, 0.01), (60, 0.01), (61, 0.012), (90, 0.012),
                                              (91, 0.015), (300, 0.015)])
def test_sampang_late_table(minutes, cut):
    assert rubrics.load("tpp/kab-sampang-2021").classify(minutes, table="late", field="cut") == cut


@pytest.mark.parametrize(("minutes", "cut"), [(0, 0.0), (1, 0.005), (30, 0.005), (31, 0.01), (60, 0.01),
                                              (61, 0.015), (90, 0.015), (91, 0.02)])
def test_permentan_late_table(minutes, cut):
    assert rubrics.load("tpp/permentan-68-2012").classify(minutes, table="late", field="cut") == cut


def test_tpp_splits_and_absence_rules():
    assert rubrics.load("tpp/kab-sampang-2021").points("split") == {"kinerja": 0.6, "discipline": 0.4}
    assert rubrics.load("tpp/prov-jatim").points("split") == {"kinerja": 0.4, "discipline": 0.6}
    assert rubrics.load("tpp/permentan-68-2012").points("absence")["per_day_cut"] == 0.04
    a = rubrics.load("tpp/permendikdasmen-14-2025").points("absence")
    assert a == {"per_day_cut": 0.025, "consecutive_days_full_cut": 10}


def test_pp30_weights():
    w = rubrics.load("skp/pp-30-2019").points("weights")
    assert (w["skp_without_peer_input"], w["perilaku_without_peer_input"]) == (0.7, 0.3)
    assert (w["skp_with_peer_input"], w["perilaku_with_peer_input"]) == (0.6, 0.4)


def test_ip_asn_points_tables():
    r = rubrics.load("ip_asn/permenpan-38-2018+perban-bkn-8-2019")
    assert r.points("dimension_weights") == {"kualifikasi": 25, "kompetensi": 40, "kinerja": 30, "disiplin": 5}
    assert r.points("kualifikasi")["s3"] == 25 and r.points("kualifikasi")["s2"] == 20
    for table in ("kompetensi_structural", "kompetensi_fungsional", "kompetensi_pelaksana"):
        assert sum(r.points(table).values()) == 40
    assert r.points("thresholds")["technical_training_min_hours"] == 20
    bands = r.band_table("kinerja_skp_value")
    assert bands.lower.tolist() == [0, 51, 61, 76, 91] and bands.fields["points"][-1] == 30


def test_ikm_unsur_lists():
    assert len(rubrics.load("ikm/permenpan-14-2017").table("unsur")["list"]) == 9
    assert len(rubrics.load("ikm/kepmenpan-25-2004").table("unsur")["list"]) == 14
    assert rubrics.load("ikm/permenpan-14-2017").table("unsur")["list"]["u1"] == ["Persyaratan"]


def test_distribution_rules_transcribed():
    rules = rubrics.load("skp/permenpan-6-2022").table("distribution")["rules"]
    assert set(rules) == {"Istimewa", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang"}
    assert rules["Sangat Kurang"][-1] == {"labels": ["Sangat Baik"], "op": "<=", "share": 0.0}


def test_golden_values_are_returned_raw_next_to_labels():
    out = sakip_grade(pd.Series([85.123456789]))
    assert out["sakip_score"].item() == 85.123456789 and out["sakip_grade"].item() == "A"
