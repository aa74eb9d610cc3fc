"""The data commands of the CLI (validate, ingest, salt): no traceback, no NIP digits on screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import valid_employees
from tests.test_ingest import make_exports
from typer.testing import CliRunner

from kinerja_research.cli import app
from kinerja_research.data.ingest import read_rejects
from kinerja_research.reports.privacy import scan_text

runner = CliRunner()


def _no_nip_parts(output: str, nips: list[str]) -> None:
    assert "Traceback" not in output
    for nip in nips:
        assert nip not in output and nip[:8] not in output and nip[8:14] not in output


def test_validate_defaults_to_interim_and_hides_nip_digits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    raw = tmp_path / "raw"
    raw.mkdir()
    df = valid_employees(8)
    df.loc[1, "nip"] = "198013320051010001"  # birth month 13
    df.loc[2, "nip"] = "198001012016131001"  # appointment month 13
    df.loc[3, "nip"] = "198001012005013001"  # sex digit 3
    df.loc[4, "nip"] = "1.98001012005011E+17"  # the number Excel makes of an NIP
    src = raw / "pegawai.csv"
    df.to_csv(src, index=False)
    result = runner.invoke(app, ["validate", str(src)])
    assert result.exit_code == 1, result.output
    _no_nip_parts(result.output, df["nip"].tolist())
    assert not re.search(r"\d{8,}", result.output)
    assert "not 3" not in result.output
    assert sorted(p.name for p in raw.iterdir()) == ["pegawai.csv"]  # nothing beside the raw file
    rejects = tmp_path / "data" / "interim" / "pegawai.rejects.csv"
    assert rejects.read_text(encoding="utf-8").startswith("# PERSONAL DATA")
    assert set(read_rejects(rejects)["row"]) == {3, 4, 5, 6}
    assert (tmp_path / "data" / "interim" / "pegawai.valid.parquet").exists()


def test_validate_refuses_output_beside_the_raw_file(tmp_path: Path) -> None:
    src = tmp_path / "pegawai.csv"
    valid_employees(3).to_csv(src, index=False)
    result = runner.invoke(app, ["validate", str(src), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "personal data" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pegawai.csv"]


@pytest.mark.parametrize("args", [["validate", "absent.csv", "--out", "o"], ["validate", "x.csv", "--table", "people", "--out", "o"]])
def test_validate_bad_input_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text("nip\n1\n")
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "error" in result.output and "Traceback" not in result.output


def test_ingest_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    frames = make_exports(tmp_path / "exports")
    result = runner.invoke(app, ["ingest", "exports", "--name", "bkd", "--lang", "en"])
    assert result.exit_code == 1, result.output  # some files failed wholesale
    nips = frames["employees_a"]["nip"].tolist() + frames["employees_b"]["nip"].tolist()
    _no_nip_parts(result.output, nips)
    for needle in ("pegawai_2023a.csv", "anggaran.csv", "unrecognised", "laporan.docx", "data/processed/bkd"):
        assert needle in result.output.replace("\n", ""), needle
    page = tmp_path / "reports" / "data_quality" / "bkd.html"
    assert scan_text(page.read_text(encoding="utf-8")) == [] and 'lang="en"' in page.read_text()
    assert (tmp_path / "data" / "processed" / "bkd" / "study.json").exists()
    assert (tmp_path / "data" / "interim" / "bkd" / "pegawai_2023a.csv.rejects.csv").exists()

    for bad in ("anggaran.csv", "laporan.docx", "rusak.xlsx", "empty.csv"):
        (tmp_path / "exports" / bad).unlink()
    ok = runner.invoke(app, ["ingest", "exports", "--name", "bkd"])
    assert ok.exit_code == 0, ok.output
    assert 'lang="id"' in page.read_text()


@pytest.mark.parametrize("args, message", [
    (["ingest", "absent", "--name", "x"], "not a folder"),
    (["ingest", "exports", "--name", "synthetic"], "not usable"),
    (["ingest", "exports", "--name", "x", "--lang", "fr"], "--lang"),
    (["ingest", "exports", "--name", "x", "--mapping", "bad.yml"], "mapping file"),
])
def test_ingest_bad_input_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    (tmp_path / "bad.yml").write_text("- not\n- a mapping\n")
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_file_named_by_an_nip_is_not_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "exports"
    src.mkdir()
    nip = "198001012005011001"
    valid_employees(5).to_csv(src / f"{nip}.csv", index=False)
    result = runner.invoke(app, ["ingest", "exports", "--name", "one"])
    assert result.exit_code == 0, result.output
    assert nip not in result.output and "….csv" in result.output
    text = (tmp_path / "reports" / "data_quality" / "one.html").read_text(encoding="utf-8")
    assert nip not in text and scan_text(text) == []
