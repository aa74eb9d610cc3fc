"""score_study on a small crafted Study: every table scored, rubrics in force per period, Parquet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinerja_research.data.study import Study
from kinerja_research.scoring.study import score_employees, score_study


def _study() -> Study:
    employees = pd.DataFrame({
        "employee_id": ["e1", "e2", "e3", "e4"], "period": [2020, 2021, 2023, 2023],
        "unit_id": ["A", "A", "B", "B"],
        "position_type": pd.Categorical(["fungsional", "pelaksana", "jpt", "pengawas"]),
        "education_level": pd.Categorical(["s2", "d3", "s3", "s1_d4"]),
        "leadership_training": [False, False, True, True], "functional_training": [True, False, False, False],
        "technical_training_hours": [30.0, 0.0, 40.0, 10.0], "seminar": [False, True, True, True],
        "skp_value": [88.0, 112.0, np.nan, np.nan],
        "rating_hasil_kerja": [None, None, "di_atas", "sesuai"],
        "rating_perilaku_kerja": [None, None, "di_atas", "di_bawah"],
        "discipline_level": ["none", "ringan", "none", "sedang"],
        "days_absent": [0, 4, 0, 12], "jpm": [91.0, 70.0, 80.0, np.nan],
    })
    skm = pd.DataFrame({"response_id": [f"r{i}" for i in range(4)], "unit_id": ["A", "A", "B", "B"],
                        "period": 2023, **{f"u{i}": [3, 4, 2, 2] for i in range(1, 10)}})
    up = pd.DataFrame({"unit_id": ["A", "B"], "period": 2022, "indicator_id": ["i1", "i1"],
                       "target": [10.0, 10.0], "realization": [9.0, 11.0], "higher_is_better": True})
    ia = pd.DataFrame({"region_id": ["3573", "3573"], "year": [2021, 2023], "merit_score": [291.5, 330.0],
                       "sakip_score": [75.0, 85.0], "ombudsman_score": [87.29, 87.25]})
    units = pd.DataFrame({"unit_id": ["A", "B"], "region_id": ["3573", "3520"], "name": ["a", "b"],
                          "sector": "lainnya", "is_service_unit": True})
    return Study(regions=pd.DataFrame(), units=units, employees=employees, skm_responses=skm,
                 unit_performance=up, institution_assessments=ia, policies=pd.DataFrame(),
                 meta={"synthetic": True})


@pytest.fixture(scope="module")
def scored():
    return score_study(_study())


def test_tables(scored):
    assert sorted(scored) == ["employee_scores", "ikm", "indicator_achievement", "institution_scores",
                              "ip_asn_regions", "ip_asn_units", "lelang_kinerja"]
    assert all(df.attrs.get("synthetic") is True for df in scored.values())


def test_employee_scores_use_the_rule_in_force(scored):
    es = scored["employee_scores"]
    assert es["skp_rubric"].tolist()[:2] == ["skp/pp-46-2011", "skp/pp-30-2019"]
    assert es["skp_category"].tolist()[0] == "Baik"
    assert pd.isna(es["skp_category"].iloc[1])  # 112 under PP 30/2019 without the innovation flag
    assert es["predikat"].tolist()[2:] == ["Sangat Baik", "Kurang/Misconduct"]
    assert es["absence_level"].tolist() == ["none", "ringan", "none", "sedang"]
    assert es["jpm_category"].tolist()[:3] == ["Optimal", "Kurang Optimal", "Cukup Optimal"]
    assert es["ip_asn"].notna().all()
    assert es.attrs["rubrics"]["ip_asn"]["verified"] is False


def test_unit_and_region_summaries(scored):
    assert scored["ip_asn_units"][["unit_id", "period"]].values.tolist() == [
        ["A", 2020], ["A", 2021], ["B", 2023]]
    assert set(scored["ip_asn_regions"]["region_id"]) == {"3573", "3520"}


def test_ikm_and_lelang(scored):
    assert scored["ikm"]["ikm"].tolist() == [87.5, 50.0]
    assert scored["lelang_kinerja"]["action"].tolist() == ["punishment", "reward"]
    assert scored["lelang_kinerja"]["applies_to_period"].tolist() == [2023, 2023]


def test_institution_scores(scored):
    inst = scored["institution_scores"]
    assert inst["sakip_rubric"].tolist() == ["sakip/permenpan-12-2015", "sakip/permenpan-88-2021"]
    assert inst["sakip_grade"].tolist() == ["BB", "A"]
    assert inst["merit_category"].tolist() == ["Baik", "Sangat Baik"]
    assert inst["ombudsman_category"].tolist() == ["Kepatuhan Tinggi", "B"]
    assert inst["ombudsman_zone"].tolist() == ["Hijau", "Hijau"]


def test_no_personal_columns_beyond_ids(scored):
    cols = set(scored["employee_scores"].columns)
    assert "nip" not in cols and "name" not in cols


def test_parquet_round_trip_keeps_rubric_attrs(scored, tmp_path):
    for name, df in scored.items():
        df.to_parquet(tmp_path / f"{name}.parquet", index=False)
        back = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert len(back) == len(df)
    back = pd.read_parquet(tmp_path / "ikm.parquet")
    assert back.attrs["rubric"]["id"] == "ikm/permenpan-14-2017"


def test_score_employees_without_optional_columns():
    df = _study().employees[["employee_id", "period", "position_type", "education_level"]]
    out = score_employees(df)
    assert out["ip_asn"].isna().all() and "skp_category" not in out.columns


def test_score_study_type_error():
    with pytest.raises(TypeError, match="needs a Study"):
        score_study({"employees": pd.DataFrame()})


def test_cli_score_writes_scored_parquet_beside_the_study(tmp_path):
    from typer.testing import CliRunner

    from kinerja_research.cli import app
    from kinerja_research.data import save

    save(_study(), tmp_path / "study")
    result = CliRunner().invoke(app, ["score", str(tmp_path / "study")])
    assert result.exit_code == 0, result.output
    written = sorted(p.stem for p in (tmp_path / "study" / "scored").glob("*.parquet"))
    assert written == ["employee_scores", "ikm", "indicator_achievement", "institution_scores",
                       "ip_asn_regions", "ip_asn_units", "lelang_kinerja"]
    es = pd.read_parquet(tmp_path / "study" / "scored" / "employee_scores.parquet")
    assert es["ip_asn"].notna().all()


def test_published_labels_win_and_are_marked(tmp_path):
    """A study read from published tables: zone and predicate as published, never re-derived."""
    from kinerja_research.data import read

    pd.DataFrame({
        "Kode Wilayah": ["3572", "3506", "3573", "3520"], "Tahun": [2017, 2017, 2023, 2023],
        "Nilai Kepatuhan": ["80,4", "50,58", "87,25", ""], "Zona": ["Zona Hijau", "kuning", "", "Hijau"],
        "Nilai SAKIP": ["75", "62", "85", ""], "Predikat SAKIP": ["A", "", "", "BB"],
    }).to_csv(tmp_path / "ia.csv", index=False, sep=";")
    res = read(tmp_path / "ia.csv", "institution_assessments")
    assert res.rejected.empty
    study = _study().replace(institution_assessments=res.valid)
    inst = score_study(study)["institution_scores"]
    assert inst["ombudsman_zone"].tolist() == ["Hijau", "Kuning", "Hijau", "Hijau"]
    assert inst["ombudsman_zone_source"].tolist() == ["published", "published", "derived", "published"]
    assert inst["ombudsman_zone_conflict"].tolist() == [True, True, False, False]
    assert inst["sakip_grade"].tolist() == ["A", "B", "A", "BB"]
    assert inst["sakip_grade_source"].tolist() == ["published", "derived", "derived", "published"]
    assert inst["sakip_grade_conflict"].tolist() == [True, False, False, False]
    # the region-year columns other layers use are still there
    assert {"region_id", "year", "sakip_score", "sakip_rubric", "ombudsman_score",
            "ombudsman_category", "merit_score"} - set(inst.columns) == {"merit_score"}


def test_scores_alone_are_derived(scored):
    inst = scored["institution_scores"]
    assert inst["ombudsman_zone_source"].tolist() == ["derived", "derived"]
    assert inst["sakip_grade_source"].tolist() == ["derived", "derived"]
