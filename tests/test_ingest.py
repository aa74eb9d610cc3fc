"""kr.data.ingest: a folder of exports → a validated, pseudonymized study and a data-quality page."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import valid_employees

import kinerja_research as kr
from kinerja_research.analysis.notebook import load_dataset
from kinerja_research.data import ContractError
from kinerja_research.data.ingest import PERSONAL_DATA_LINE, read_rejects, recognise, redact
from kinerja_research.data.salt import fingerprint
from kinerja_research.reports.privacy import scan_text
from kinerja_research.reports.quality import quality_html, write_quality_page

SALT = "ingest-test-salt-0123456789abcdef0123"


def _regions() -> pd.DataFrame:
    return pd.DataFrame({"Kode Wilayah": ["3573", "3578"], "Nama Wilayah": ["Kota Malang", "Kota Surabaya"],
                         "Jenis Daerah": ["kota", "kota"], "Kode Provinsi": ["35", "35"]})


def _units() -> pd.DataFrame:
    return pd.DataFrame({"unit_id": ["U0", "U1", "U2", "U3"], "region_id": ["3573", "3573", "3578", "3578"],
                         "name": ["Dinas A", "Dinas B", "Dinas C", "Dinas D"],
                         "sector": ["kesehatan", "pendidikan", "sosial", "lainnya"],
                         "is_service_unit": [True, True, False, False]})


def _skm() -> pd.DataFrame:
    rows = []
    for i in range(12):
        unit = {10: "U3", 11: "U9"}.get(i, f"U{i % 2}")  # U3 is in Surabaya, U9 is unknown
        rows.append({"response_id": f"R{i}", "unit_id": unit,
                     "period": 2021 if i < 6 else 2023, **{f"u{k}": 1 + (i + k) % 4 for k in range(1, 10)}})
    return pd.DataFrame(rows)


def make_exports(root: Path) -> dict[str, pd.DataFrame]:
    """A folder of crafted exports: good files in every format, rejected rows, a duplicate across
    files, an unknown unit, an unrecognisable CSV, an unsupported file, a broken workbook, a file
    named in the mapping file and an Excel lock file."""
    root.mkdir()
    emp = valid_employees(20)
    emp.loc[4, "unit_id"] = "U7"  # unknown unit: kept, reported by the cross-table check
    a = emp.iloc[:12].copy()
    a.loc[2, "jpm"] = 150.0  # rejected: above the maximum
    a.loc[3, "nip"] = "198013320051010001"  # rejected: birth date month 13
    b = emp.iloc[11:].copy()  # row 11 appears in both files: both copies rejected
    b["period"] = 2023
    a.rename(columns={"nip": "NIP", "period": "Periode", "unit_id": "Unit Kerja"}).to_csv(
        root / "pegawai_2023a.csv", index=False, sep=";")
    b.iloc[:0].to_csv(root / "empty.csv", index=False)  # header only: fails wholesale
    sub = root / "opd"
    sub.mkdir()
    b.to_excel(sub / "pegawai_2023b.xlsx", index=False)
    _regions().to_csv(root / "wilayah.csv", index=False)
    _units().to_parquet(root / "units.parquet")
    skm = _skm()
    skm.rename(columns={"response_id": "No Responden", "unit_id": "Kode Unit"}).to_csv(root / "survei.csv", index=False)
    (root / "kinerja_ingest.yml").write_text(
        "files:\n  survei.csv: skm_responses\n  catatan.txt: ignore\n", encoding="utf-8")
    (root / "catatan.txt").write_text("notes for the analyst\n", encoding="utf-8")
    (root / "anggaran.csv").write_text("pos,jumlah\nbelanja,100\n", encoding="utf-8")
    (root / "laporan.docx").write_bytes(b"PK\x03\x04 not really")
    (root / "rusak.xlsx").write_bytes(b"not a zip file at all")
    (root / "~$pegawai.xlsx").write_bytes(b"lock")
    return {"employees_a": a, "employees_b": b, "skm": skm}


@pytest.fixture
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict]:
    monkeypatch.chdir(tmp_path)
    frames = make_exports(tmp_path / "exports")
    return tmp_path / "exports", frames


def test_ingest_builds_a_loadable_study(exports: tuple[Path, dict], tmp_path: Path) -> None:
    src, frames = exports
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    res = kr.data.ingest(src, "bkd", salt=SALT)
    by = {f.path: f for f in res.files}
    assert sorted(by) == sorted(p.relative_to(src).as_posix() for p in before if p.name != "kinerja_ingest.yml")
    assert by["pegawai_2023a.csv"].table == "employees" and by["pegawai_2023a.csv"].how == "headers"
    assert by["opd/pegawai_2023b.xlsx"].table == "employees"
    assert by["survei.csv"].how == "mapping" and by["survei.csv"].table == "skm_responses"
    assert by["wilayah.csv"].table == "regions" and by["units.parquet"].table == "units"
    assert by["anggaran.csv"].status == "unrecognised"
    assert by["laporan.docx"].status == "unsupported"
    assert by["rusak.xlsx"].status in ("failed", "unrecognised") and by["rusak.xlsx"].message
    assert by["empty.csv"].status == "failed" and "no data rows" in by["empty.csv"].message
    assert by["catatan.txt"].status == "ignored" and by["~$pegawai.xlsx"].status == "skipped"
    assert res.exit_code == 1  # files failed wholesale
    for f in res.files:
        assert f.n_rows == f.n_valid + f.n_rejected, f

    a, b = by["pegawai_2023a.csv"], by["opd/pegawai_2023b.xlsx"]
    assert (a.n_rows, a.n_rejected) == (12, 3)  # jpm, birth date, and the duplicate across files
    assert (b.n_rows, b.n_rejected) == (9, 1)
    assert "opd/pegawai_2023b.xlsx" in " ".join(a.reasons["reason"])
    assert res.rows["employees"] == 12 - 3 + 9 - 1

    rejects_a = res.interim_dir / "pegawai_2023a.csv.rejects.csv"
    assert a.rejects_path == rejects_a
    first = rejects_a.read_text(encoding="utf-8").splitlines()[0]
    assert first == PERSONAL_DATA_LINE.format(source="pegawai_2023a.csv") and "PERSONAL DATA" in first
    rej = read_rejects(rejects_a)
    assert sorted(rej["row"].tolist()) == [4, 5, 13]  # spreadsheet rows (header = 1)
    assert frames["employees_a"].loc[3, "nip"] in set(rej["value"])  # raw value, for fixing
    assert (res.interim_dir / "opd" / "pegawai_2023b.xlsx.rejects.csv").exists()

    study, d = load_dataset("bkd")
    assert d == Path("data/processed/bkd").resolve() and not study.synthetic
    assert "nip" not in study.employees and study.employees["employee_id"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert len(study.employees) == res.rows["employees"] and len(study.skm_responses) == 12
    assert list(study.employees.columns) == ["employee_id", *[c for c in kr.data.table_spec("employees").names if c != "nip"]]
    blob = b"".join(p.read_bytes() for p in d.rglob("*") if p.is_file())
    for nip in pd.concat([frames["employees_a"]["nip"], frames["employees_b"]["nip"]]):
        assert nip.encode() not in blob
    meta = json.loads((d / "study.json").read_text())["meta"]
    assert meta["salt_fingerprint"] == res.salt_fingerprint and meta["dataset"] == "bkd"

    checks = {(c.table, c.column): c for c in res.checks}
    assert checks[("employees", "unit_id")].n_rows == 1 and checks[("employees", "unit_id")].examples == ["U7"]
    assert checks[("skm_responses", "unit_id")].examples == ["U9"]
    assert checks[("units", "region_id")].n_rows == 0
    assert ("policies", "unit_id") not in checks  # no policies file: nothing to check
    assert res.missing_periods["skm_responses"] == [2022]
    assert res.missing_periods["employees"] == []
    assert res.region_gaps == {"skm_responses": {"3578": [2021]}}  # Surabaya: 2023 only
    assert res.regions_without_rows == {}
    cov = res.coverage
    assert cov.loc[(cov["table"] == "skm_responses") & (cov["region_id"] == "?"), "rows"].sum() == 1

    assert all(p.read_bytes() == data for p, data in before.items())  # inputs untouched


def test_rerun_gives_byte_identical_parquet(exports: tuple[Path, dict]) -> None:
    src, _ = exports
    kr.data.ingest(src, "again", salt=SALT)
    d = Path("data/processed/again")
    first = {p.name: p.read_bytes() for p in sorted(d.glob("*.parquet"))}
    first_json = (d / "study.json").read_bytes()
    kr.data.ingest(src, "again", salt=SALT)
    assert {p.name: p.read_bytes() for p in sorted(d.glob("*.parquet"))} == first
    assert (d / "study.json").read_bytes() == first_json
    other = kr.data.ingest(src, "again", salt=SALT + "-other")
    assert (d / "employees.parquet").read_bytes() != first["employees.parquet"]
    assert other.salt_fingerprint == fingerprint((SALT + "-other").encode()) != fingerprint(SALT.encode())


def test_quality_page_is_actionable_and_private(exports: tuple[Path, dict]) -> None:
    src, frames = exports
    res = kr.data.ingest(src, "bkd", salt=SALT)
    page = write_quality_page(res, "reports/data_quality/bkd.html")
    text = page.read_text(encoding="utf-8")
    assert scan_text(text) == []
    assert '<html lang="id">' in text and "Kualitas data" in text and "Data quality" not in text
    for nip in frames["employees_a"]["nip"]:
        assert nip not in text and nip[:8] not in text  # not even the birth date
    for needle in ("pegawai_2023a.csv", "anggaran.csv", "TIDAK DIKENALI", "GAGAL", "U7", "U9", "2022",
                   "Kota Malang", "data/interim/bkd"):
        assert needle in text, needle
    en = quality_html(res, lang="en")
    assert '<html lang="en">' in en and "Data quality" in en and "Kualitas" not in en
    assert "NOT RECOGNISED" in en and "TIDAK DIKENALI" not in en
    with pytest.raises(ValueError, match="lang"):
        quality_html(res, lang="fr")


def test_recognise_title_rows_and_ambiguity(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text("DAFTAR PEGAWAI\nPer tanggal 31-12-2023\n\n" + valid_employees(3).to_csv(index=False))
    assert recognise(f) == ("employees", None)
    g = tmp_path / "g.csv"
    g.write_text("nip,foo\n1,2\n")
    with pytest.raises(ContractError, match="closest is 'employees', which lacks period"):
        recognise(g)


def test_ingest_refuses_bad_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ContractError, match="not a folder"):
        kr.data.ingest(tmp_path / "absent", "x", salt=SALT)
    (tmp_path / "src").mkdir()
    for bad in ("synthetic", "../up", "", "a/b"):
        with pytest.raises(ContractError, match="not usable"):
            kr.data.ingest(tmp_path / "src", bad, salt=SALT)
    with pytest.raises(ContractError, match="at least 256"):
        kr.data.ingest(tmp_path / "src", "ok", salt="short")
    (tmp_path / "src" / "kinerja_ingest.yml").write_text("absent.csv: employees\n")
    with pytest.raises(ContractError, match="absent.csv"):
        kr.data.ingest(tmp_path / "src", "ok", salt=SALT)
    (tmp_path / "src" / "kinerja_ingest.yml").write_text("a.csv: people\n")
    with pytest.raises(ContractError, match="people"):
        kr.data.ingest(tmp_path / "src", "ok", salt=SALT)
    assert not (tmp_path / "data" / "processed").exists()


def test_redact_hides_nip_parts() -> None:
    nip = "198001012005011001"
    for reason in (f"'{nip}' is not a number", "birth date 19800101 is not a real date",
                   "appointment 200501 is less than 18 years after birth 19800101",
                   "sex digit (15th) must be 1 or 2, not 3"):
        out = redact(reason)
        assert not re.search(r"\d{4,}", out) and "not 3" not in out
    assert redact("NIP must have exactly 18 digits (has 5 characters)") == \
        "NIP must have exactly 18 digits (has 5 characters)"


def test_hidden_folders_are_listed_as_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "src"
    (src / ".cache").mkdir(parents=True)
    valid_employees(4).to_csv(src / "pegawai.csv", index=False)
    valid_employees(4).to_csv(src / ".cache" / "pegawai.csv", index=False)
    res = kr.data.ingest(src, "h", salt=SALT)
    assert [(f.path, f.status) for f in res.files] == [(".cache/pegawai.csv", "skipped"), ("pegawai.csv", "read")]
    assert res.exit_code == 0 and res.rows == {"employees": 4}
    assert [c.checked for c in res.checks] == [False]  # no units file: the unit check is not possible


@pytest.mark.notebooks
def test_reports_render_on_an_ingested_study(tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The exports of a world, ingested, serve the study notebooks with ``dataset:`` set to it."""
    from kinerja_research.reports import run_reports

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "exports"
    src.mkdir()
    tiny.regions.to_csv(src / "wilayah.csv", index=False)
    tiny.units.to_csv(src / "unit.csv", index=False)
    tiny.employees.rename(columns={"nip": "NIP", "period": "Periode"}).to_csv(src / "pegawai.csv", index=False, sep=";")
    tiny.skm_responses.to_parquet(src / "skm.parquet")
    tiny.unit_performance.to_csv(src / "kinerja.csv", index=False)
    tiny.institution_assessments.to_excel(src / "penilaian.xlsx", index=False)
    tiny.policies.to_csv(src / "kebijakan.csv", index=False)
    res = kr.data.ingest(src, "tinyreal", salt=SALT)
    assert res.exit_code == 0 and res.rows["employees"] == len(tiny.employees)
    assert all(c.n_rows == 0 for c in res.checks)
    grid = {"defaults": {"dataset": "tinyreal", "seed": 0, "k": 5}, "languages": ["id"],
            "data": "data/processed/tinyreal",
            "reports": [{"notebook": f"notebooks/{nb}.ipynb"} for nb in ("00_data_overview", "02_service_quality")]}
    # Grid paths stay inside the project folder (here the test's folder), so the notebooks are copied in.
    (tmp_path / "notebooks").mkdir()
    for nb in ("00_data_overview", "02_service_quality"):
        shutil.copy(root / "notebooks" / f"{nb}.ipynb", tmp_path / "notebooks")
    summary = run_reports(grid, workers=1, out_dir=tmp_path / "reports", progress=False)
    assert summary.exit_code == 0, summary.errors
    manifest = json.loads((tmp_path / "reports" / "00_data_overview.manifest.json").read_text())
    assert manifest["parameters"]["dataset"] == "tinyreal"


@pytest.mark.skipif("sheets" not in kr.data.ReadResult.__dataclass_fields__,
                    reason="needs the reader that finds header rows and stacks sheets")
def test_workbook_with_cover_sheet_title_rows_and_spaced_nips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    monkeypatch.chdir(tmp_path)
    src = tmp_path / "exports"
    src.mkdir()
    df = valid_employees(10)
    nips = df["nip"].copy()
    df["nip"] = (df["nip"].str.slice(0, 8) + " " + df["nip"].str.slice(8, 14) + " "
                 + df["nip"].str.slice(14, 15) + " " + df["nip"].str.slice(15))
    wb = openpyxl.Workbook()
    wb.active.title = "Sampul"
    wb.active.append(["LAPORAN PEGAWAI"])
    for name, part in (("OPD A", df.iloc[:4]), ("OPD B", df.iloc[4:])):
        ws = wb.create_sheet(name)
        ws.append(["DAFTAR PEGAWAI"])
        ws.append(["Per tanggal 31-12-2023"])
        ws.append(list(df.columns))
        for row in part.itertuples(index=False):
            ws.append(list(row))
    wb.save(src / "pegawai.xlsx")
    res = kr.data.ingest(src, "wb", salt=SALT)
    (f,) = res.files
    assert (f.status, f.table, f.n_rows, f.n_valid) == ("read", "employees", 10, 10)
    assert sum(f.normalizations.values()) == 10  # every NIP was in the spaced print form
    assert [s for s, _ in f.sheets_not_read] == ["Sampul"]
    expected = kr.data.pseudonymize_nip(nips, SALT)
    stored = pd.read_parquet(res.study_dir / "employees.parquet")["employee_id"]
    assert sorted(stored) == sorted(expected)
    text = quality_html(res, lang="en")
    assert "Sampul" in text and scan_text(text) == []


def test_recognise_refuses_an_unknown_format_by_name(tmp_path: Path) -> None:
    doc = tmp_path / "x.doc"
    doc.write_bytes(b"not a table")
    with pytest.raises(ContractError, match="unknown format"):
        recognise(doc)
