"""kr.data.save / kr.data.load and the validate CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import valid_employees
from typer.testing import CliRunner

from kinerja_research.cli import app
from kinerja_research.data import ContractError, Study, load, save
from kinerja_research.data.ingest import read_rejects
from kinerja_research.data.schemas import empty_frame

SALT = "store-test-salt-0123456789abcdef0123"


@dataclass(frozen=True)
class _Truth:
    effect: float
    by_year: pd.DataFrame


def _study() -> Study:
    tables = {t: empty_frame(t) for t in ("regions", "units", "skm_responses", "unit_performance",
                                          "institution_assessments", "policies")}
    tables["regions"] = pd.DataFrame({"region_id": ["3573"], "name": ["Kota Malang"], "kind": ["kota"],
                                      "province_id": ["35"]})
    truth = _Truth(effect=1.5, by_year=pd.DataFrame({"year": [2019, 2020], "gap": [1.0, 2.0]}))
    return Study(employees=valid_employees(10), truth=truth, meta={"synthetic": True, "seed": 3},
                 potential_outcomes={"x": pd.DataFrame({"y0": [1.0], "y1": [2.0]})}, **tables)


def test_save_pseudonymizes_and_load_round_trips(tmp_path: Path) -> None:
    study = _study()
    save(study, tmp_path / "s", salt=SALT)
    emp = pd.read_parquet(tmp_path / "s" / "employees.parquet")
    assert "nip" not in emp.columns and emp["employee_id"].str.len().eq(16).all()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "s").rglob("*") if p.is_file())
    for nip in study.employees["nip"]:
        assert nip.encode() not in raw
    back = load(tmp_path / "s")
    assert back.synthetic and back.meta["seed"] == 3
    assert back.truth.effect == 1.5
    pd.testing.assert_frame_equal(back.truth.by_year, study.truth.by_year)
    pd.testing.assert_frame_equal(back.regions, study.regions)
    assert back.employees.attrs["synthetic"] is True
    assert list(back.potential_outcomes) == ["x"]


def test_fingerprint_changes_with_data(tmp_path: Path) -> None:
    study = _study()
    save(study, tmp_path / "a", salt=SALT)
    save(study.replace(employees=valid_employees(11)), tmp_path / "b", salt=SALT)
    save(study, tmp_path / "c", salt=SALT)
    fp = {k: json.loads((tmp_path / k / "study.json").read_text())["fingerprint"] for k in "abc"}
    assert fp["a"] == fp["c"] != fp["b"]


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="not a stored study"):
        load(tmp_path)


def test_validate_cli(tmp_path: Path) -> None:
    df = valid_employees(6).astype(str)
    df.loc[1, "jpm"] = "150"
    src = tmp_path / "pegawai.csv"
    df.to_csv(src, index=False)
    before = src.read_bytes()
    result = CliRunner().invoke(app, ["validate", str(src), "--table", "employees", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    assert "rejected" in result.output
    assert (tmp_path / "o" / "pegawai.rejects.csv").read_text().startswith("# PERSONAL DATA")
    rejects = read_rejects(tmp_path / "o" / "pegawai.rejects.csv")
    assert rejects["row"].tolist() == [3] and rejects["column"].tolist() == ["jpm"]
    valid = pd.read_parquet(tmp_path / "o" / "pegawai.valid.parquet")
    assert len(valid) == 5 and "nip" not in valid.columns
    assert src.read_bytes() == before

    ok = tmp_path / "ok.csv"
    valid_employees(4).to_csv(ok, index=False)
    result = CliRunner().invoke(app, ["validate", str(ok), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output


def test_validate_cli_whole_file_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(app, ["validate", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "required column" in result.output
