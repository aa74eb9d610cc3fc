"""The data contract: every rule triggered by a crafted bad row; whole-file errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import valid_employees

from kinerja_research.data import ContractError, read


def _write(df: pd.DataFrame, path: Path, fmt: str = "csv") -> Path:
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "xlsx":
        df.astype(str).to_excel(path, index=False)
    else:
        df.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_valid_file_round_trip(tmp_path: Path, fmt: str) -> None:
    df = valid_employees(30)
    res = read(_write(df, tmp_path / f"e.{fmt}", fmt), "employees")
    assert res.n_rows == 30 and len(res.valid) == 30 and res.rejected.empty
    assert res.valid["nip"].tolist() == df["nip"].tolist()
    assert str(res.valid["position_type"].dtype) == "category"
    assert res.valid["period"].dtype == "Int64"


# (column, bad value, words expected in the reason)
BAD_CELLS = [
    ("nip", "12345", "18 digits"),
    ("nip", "19901301201503100", "18 digits"),
    ("nip", "199013012015031001", "birth date"),
    ("nip", "199002302015031001", "birth date"),
    ("nip", "199001012015131001", "appointment month"),
    ("nip", "199001012005031001", "less than 18 years"),
    ("nip", "199001012015033001", "sex digit"),
    ("period", "dua ribu", "not a number"),
    ("period", "2023.5", "whole number"),
    ("period", "1800", "below the minimum"),
    ("unit_id", "", "missing"),
    ("position_type", "guru", "not one of"),
    ("education_level", "s9", "not one of"),
    ("leadership_training", "mungkin", "yes/no"),
    ("technical_training_hours", "-3", "below the minimum"),
    ("skp_value", "121", "above the maximum"),
    ("days_absent", "-1", "below the minimum"),
    ("jpm", "101", "above the maximum"),
    ("jpm", "inf", "finite"),
]


@pytest.mark.parametrize(("column", "bad", "words"), BAD_CELLS)
def test_each_rule_rejects_a_crafted_row(tmp_path: Path, column: str, bad: str, words: str) -> None:
    df = valid_employees(10).astype(str)
    df.loc[3, column] = bad
    res = read(_write(df, tmp_path / "e.csv"), "employees")
    assert res.n_rows == 10
    assert len(res.valid) == 9 and res.n_rejected_rows == 1
    (row,) = res.rejected.itertuples()
    assert row.row == 5  # header is row 1, the 4th data row is row 5
    assert row.column == column
    assert words in row.reason


def test_duplicate_key_rejects_every_copy(tmp_path: Path) -> None:
    df = valid_employees(6)
    df = pd.concat([df, df.iloc[[2]]], ignore_index=True)
    res = read(_write(df, tmp_path / "e.csv"), "employees")
    assert res.n_rows == 7 and len(res.valid) == 5
    assert sorted(res.rejected["row"]) == [4, 8]
    assert res.rejected["reason"].str.contains("duplicate").all()


def test_indonesian_headers_and_personal_columns(tmp_path: Path) -> None:
    df = valid_employees(5).rename(columns={
        "nip": "NIP", "period": "Periode", "unit_id": "Unit Kerja",
        "position_type": "Jenis Jabatan", "education_level": "Pendidikan Terakhir",
        "skp_value": "Nilai SKP", "jpm": "Job Person Match",
    })
    df.insert(1, "Nama", "Budi")
    df["Alamat"] = "Jl. Ijen"
    df["Catatan"] = "x"
    df["Pendidikan Terakhir"] = ["S-1", "D-III", "SMA", "S2", "D4"]
    res = read(_write(df, tmp_path / "e.csv"), "employees")
    assert len(res.valid) == 5
    assert "name" not in res.valid.columns and "Nama" not in res.valid.columns
    assert res.dropped_personal == ["Nama", "Alamat"]
    assert res.ignored_columns == ["Catatan"]
    assert res.valid["education_level"].tolist() == ["s1_d4", "d3", "d1_d2_slta", "s2", "s1_d4"]


def test_semicolon_and_decimal_comma(tmp_path: Path) -> None:
    df = valid_employees(4)
    text = df.to_csv(index=False, sep=";").replace("70.0", "70,5")
    p = tmp_path / "e.csv"
    p.write_text(text, encoding="cp1252")
    res = read(p, "employees")
    assert len(res.valid) == 4
    assert res.valid["skp_value"].iloc[0] == 70.5


def test_missing_required_columns_listed_at_once(tmp_path: Path) -> None:
    df = valid_employees(3).drop(columns=["unit_id", "position_type", "education_level"])
    with pytest.raises(ContractError) as exc:
        read(_write(df, tmp_path / "e.csv"), "employees")
    msg = str(exc.value)
    for col in ("unit_id", "position_type", "education_level"):
        assert col in msg


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("e.csv", b"", "empty"),
        ("e.csv", b"nip,period,unit_id,position_type,education_level\n", "no data rows"),
        ("e.doc", b"hello", "unknown format"),
        ("e.csv", "nip,period\n\u00e9".encode("utf-16"), "NUL"),
        ("e.csv", b"nip,period\n\x81\x8d\x8f\x90\x9d\xff\n", "decoded"),
        ("e.xlsx", b"not a zip file at all", "Excel"),
        ("e.parquet", b"PAR1garbage", "Parquet"),
    ],
)
def test_whole_file_problems_raise_contract_error(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(ContractError, match=words):
        read(p, "employees")


def test_duplicate_meaning_columns(tmp_path: Path) -> None:
    df = valid_employees(2)
    df["NIP Baru"] = df["nip"]
    with pytest.raises(ContractError, match="both mean 'nip'"):
        read(_write(df, tmp_path / "e.csv"), "employees")


def test_unknown_table_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown table"):
        read(tmp_path / "x.csv", "pegawai")
    with pytest.raises(ContractError, match="does not exist"):
        read(tmp_path / "x.csv", "employees")


def test_ragged_rows_are_rejected_not_lost(tmp_path: Path) -> None:
    text = valid_employees(4).to_csv(index=False).splitlines()
    text[2] += ",extra,cells"
    p = tmp_path / "e.csv"
    p.write_text("\n".join(text) + "\n")
    res = read(p, "employees")
    assert res.n_rows == 4 and len(res.valid) == 3
    assert res.rejected.loc[res.rejected["column"] == "(row)", "row"].tolist() == [3]


def test_input_file_is_never_modified(tmp_path: Path) -> None:
    df = valid_employees(8).astype(str)
    df.loc[2, "nip"] = "bad"
    p = _write(df, tmp_path / "e.csv")
    before = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    read(p, "employees")
    assert (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) == before


@pytest.mark.parametrize("table", ["regions", "units", "skm_responses", "unit_performance",
                                   "institution_assessments", "policies"])
def test_other_tables_read(tmp_path: Path, table: str) -> None:
    frames = {
        "regions": pd.DataFrame({"region_id": ["3573", "3520"], "name": ["Kota Malang", "Kabupaten Magetan"],
                                 "kind": ["kota", "kabupaten"], "province_id": ["35", "35"]}),
        "units": pd.DataFrame({"unit_id": ["U1", "U2"], "region_id": ["3573", "3573"], "name": ["Dinkes", "Disdik"],
                               "sector": ["kesehatan", "pendidikan"], "is_service_unit": ["ya", "tidak"]}),
        "skm_responses": pd.DataFrame({"response_id": ["r1", "r2"], "unit_id": ["U1", "U1"], "period": [2023, 2023],
                                       **{f"u{i}": [4, None] for i in range(1, 10)}}),
        "unit_performance": pd.DataFrame({"unit_id": ["U1", "U1"], "period": [2023, 2023], "indicator_id": ["a", "b"],
                                          "target": [10, 5], "realization": [9, None], "higher_is_better": [True, False]}),
        "institution_assessments": pd.DataFrame({"region_id": ["3573"], "year": [2022], "merit_score": [291.5],
                                                 "ombudsman_score": [87.29]}),
        "policies": pd.DataFrame({"region_id": ["3573"], "unit_id": [None], "policy": ["reward_punishment"],
                                  "start_period": [2019]}),
    }
    df = frames[table]
    res = read(_write(df, tmp_path / "t.csv"), table)
    assert res.rejected.empty and len(res.valid) == len(df)
    bad = df.copy()
    first_col = bad.columns[0]
    bad[first_col] = bad[first_col].astype(object)
    bad.loc[0, first_col] = None
    res = read(_write(bad, tmp_path / "t2.csv"), table)
    assert res.n_rows == len(df) and len(res.valid) == len(df) - 1
