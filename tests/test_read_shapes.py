"""Export shapes seen in real SIASN / SIMPEG / e-Kinerja files, each built as a real file, with
the exact outcome asserted (issue 9: nothing silently wrong, nothing lost)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from tests.conftest import valid_employees

from kinerja_research.data import ContractError, read
from kinerja_research.data.limits import ReadLimits
from kinerja_research.data.nip import NUMERIC_NIP

NIP = "198001012005011002"  # not a multiple of 32: no float64 holds it


def _emp(n: int = 6) -> pd.DataFrame:
    return valid_employees(n).astype(str)


def _comma_decimals(df: pd.DataFrame) -> pd.DataFrame:
    """As Excel with an Indonesian locale writes the float columns: 70,0 not 70.0."""
    out = df.copy()
    for c in ("technical_training_hours", "skp_value", "jpm"):
        out[c] = out[c].str.replace(".", ",", regex=False)
    return out


def _check_accounting(res) -> None:
    assert len(res.valid) + res.n_rejected_rows == res.n_rows


# ---------------------------------------------------------------------------------------- NIPs
@pytest.mark.parametrize(
    ("written", "expected", "kind"),
    [
        (" 198001012005011002 ", NIP, "spaces"),
        ("'198001012005011002", NIP, "apostrophe"),
        ('="198001012005011002"', NIP, "formula"),
        ("19800101 200501 1 002", NIP, "grouped_spaces"),
        ("19800101-200501-1-002", NIP, "grouped_dashes"),
        ("198001012005011002.0", NIP, "integer_text"),
    ],
)
def test_nip_forms_are_normalized_and_counted(tmp_path: Path, written: str, expected: str, kind: str) -> None:
    df = _emp(4)
    df.loc[1, "nip"] = written
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    res = read(p, "employees")
    assert res.rejected.empty and len(res.valid) == 4
    assert res.valid.loc[1, "nip"] == expected
    norm = res.normalizations
    assert norm.loc[norm["kind"] == kind, ["column", "rows"]].values.tolist() == [["nip", 1]]


@pytest.mark.parametrize(
    "written",
    ["1.98001012005011E+17", "1.98001012005011e17", "198001012005011008.0", "198001012005011002.5",
     "1,98001012005011E+17"],
)
def test_nips_that_only_a_number_produces_are_rejected(tmp_path: Path, written: str) -> None:
    df = _emp(4)
    df.loc[2, "nip"] = written
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False, sep=";")
    res = read(p, "employees")
    assert len(res.valid) == 3 and res.n_rejected_rows == 1
    (r,) = res.rejected.itertuples()
    assert (r.row, r.column, r.value) == (4, "nip", written)
    assert r.reason == NUMERIC_NIP


@pytest.mark.parametrize("written", ["١٩٨٠٠١٠١٢٠٠٥٠١١٠٠٢", "１９８００１０１２００５０１１００２", "19800101200501100\u0662"])
def test_non_ascii_digits_are_rejected_per_row(tmp_path: Path, written: str) -> None:
    df = _emp(3)
    df.loc[0, "nip"] = written
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    res = read(p, "employees")
    assert len(res.valid) == 2
    (r,) = res.rejected.itertuples()
    assert r.column == "nip" and r.value == written and "0-9" in r.reason


def test_parquet_float_nips_rejected_int_nips_exact(tmp_path: Path) -> None:
    df = valid_employees(5)
    as_int = df.assign(nip=df["nip"].astype("int64"))
    p = tmp_path / "int.parquet"
    as_int.to_parquet(p)
    res = read(p, "employees")
    assert res.rejected.empty and res.valid["nip"].tolist() == df["nip"].tolist()
    assert res.normalizations.set_index("kind").loc["integer_column", "rows"] == 5
    as_float = df.assign(nip=df["nip"].astype("int64").astype("float64"))
    p = tmp_path / "float.parquet"
    as_float.to_parquet(p)
    res = read(p, "employees")
    assert res.n_rows == 5 and len(res.valid) == 0 and res.n_rejected_rows == 5
    assert (res.rejected["reason"] == NUMERIC_NIP).all()


# ------------------------------------------------------------------------------------- numbers
def test_indonesian_thousands_are_not_decimals(tmp_path: Path) -> None:
    df = _comma_decimals(_emp(4))
    df["technical_training_hours"] = ["12.500", "1.498,5", "7", "0,5"]
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False, sep=";")
    res = read(p, "employees")
    assert res.rejected.empty
    assert res.valid["technical_training_hours"].tolist() == [12500.0, 1498.5, 7.0, 0.5]
    assert res.number_format.decimal == ","
    n = res.normalizations.set_index(["column", "kind"])["rows"]
    assert n[("technical_training_hours", "thousands_removed")] == 2
    assert n[("technical_training_hours", "decimal_comma")] == 2


def test_dot_decimal_file_reads_12_500_as_twelve_and_a_half(tmp_path: Path) -> None:
    df = _emp(3)
    df["technical_training_hours"] = ["12.500", "3.25", "7"]
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    res = read(p, "employees")
    assert res.rejected.empty
    assert res.valid["technical_training_hours"].tolist() == [12.5, 3.25, 7.0]
    assert res.number_format.decimal == "."


def test_undetermined_format_rejects_ambiguous_values(tmp_path: Path) -> None:
    df = _emp(3).drop(columns=["skp_value", "jpm"])
    df["technical_training_hours"] = ["12.500", "4", "7"]
    p = tmp_path / "e.tsv"
    df.to_csv(p, index=False, sep="\t")
    res = read(p, "employees")
    assert res.number_format.decimal is None
    assert len(res.valid) == 2
    (r,) = res.rejected.itertuples()
    assert (r.row, r.column, r.value) == (2, "technical_training_hours", "12.500")
    assert "decimal=" in r.reason
    given = read(p, "employees", decimal=",")
    assert given.rejected.empty and given.valid["technical_training_hours"].iloc[0] == 12500.0
    given = read(p, "employees", decimal=".")
    assert given.valid["technical_training_hours"].iloc[0] == 12.5


def test_value_against_the_file_format_is_rejected_not_rescaled(tmp_path: Path) -> None:
    df = _comma_decimals(_emp(3))
    df["skp_value"] = ["80,5", "90.25", "70"]  # a comma-decimal file with one point-decimal value
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False, sep=";")
    res = read(p, "employees", decimal=",")
    assert res.valid["skp_value"].tolist() == [80.5, 70.0]
    (r,) = res.rejected.itertuples()
    assert r.value == "90.25" and "number format" in r.reason


# ---------------------------------------------------------------------------- headers and rows
def test_title_rows_above_the_header_are_skipped_csv(tmp_path: Path) -> None:
    df = _emp(4)
    df.loc[2, "period"] = "bad"
    body = df.to_csv(index=False, sep=";")
    p = tmp_path / "e.csv"
    p.write_text("DAFTAR PEGAWAI KABUPATEN MAGETAN;;;\nPer tanggal 31 Desember 2023;;;\n\n" + body)
    res = read(p, "employees")
    assert res.header_row == 4 and res.n_rows == 4 and len(res.valid) == 3
    assert res.rejected["row"].tolist() == [7]  # the 3rd data row is line 7 of the file


def test_column_given_twice_is_refused(tmp_path: Path) -> None:
    df = _emp(2)
    p = tmp_path / "e.csv"
    text = df.to_csv(index=False)
    head, rest = text.split("\n", 1)
    p.write_text(head + ",NIP\n" + "\n".join(line + "," + NIP for line in rest.splitlines()) + "\n")
    with pytest.raises(ContractError, match="'NIP' is given twice|both mean 'nip'"):
        read(p, "employees")
    p.write_text("NIP,NIP,period\n1,2,2023\n")
    with pytest.raises(ContractError, match="'NIP' is given twice"):
        read(p, "employees")


def test_unterminated_quote_names_its_line_and_merges_nothing(tmp_path: Path) -> None:
    df = _emp(6)
    lines = df.to_csv(index=False).splitlines()
    lines[3] = lines[3].replace(",", ',"', 1)  # an opened quote in the 3rd record, never closed
    p = tmp_path / "e.csv"
    p.write_text("\n".join(lines) + "\n")
    res = read(p, "employees")
    _check_accounting(res)
    assert res.n_rows == 6 and len(res.valid) == 5
    assert set(res.rejected["row"]) == {4}
    row = res.rejected[res.rejected["column"] == "(row)"].iloc[0]
    assert "line 4" in row["reason"] and "quote" in row["reason"]
    others = set(df["nip"]) - {df.loc[2, "nip"]}
    for value in res.rejected["value"].dropna():
        assert not any(o in value for o in others)  # nobody else's NIP in the rejects


def test_legitimate_multiline_cell_is_kept(tmp_path: Path) -> None:
    df = _emp(3)
    df["Alamat"] = ["Jl. Ijen 5,\nMalang", "x", "y"]
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    res = read(p, "employees")
    assert res.n_rows == 3 and len(res.valid) == 3 and res.dropped_personal == ["Alamat"]


# ------------------------------------------------------------------------------------ workbooks
def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def _rows(df: pd.DataFrame) -> list[list[object]]:
    return [list(df.columns)] + df.astype(object).values.tolist()


def test_cover_sheet_then_data_sheet_with_title_rows(tmp_path: Path) -> None:
    df = _emp(5)
    p = _workbook(tmp_path / "e.xlsx", {
        "Sampul": [["LAPORAN DATA PEGAWAI"], ["Badan Kepegawaian Daerah"]],
        "Data": [["DAFTAR PEGAWAI"], ["Per tanggal 31 Desember 2023"], [], *_rows(df)],
    })
    res = read(p, "employees")
    assert res.n_rows == 5 and len(res.valid) == 5 and res.header_row == 4
    assert res.valid["nip"].tolist() == df["nip"].tolist()
    s = res.sheets.set_index("sheet")
    assert s.loc["Data", "status"] == "read" and s.loc["Data", "rows"] == 5
    assert s.loc["Sampul", "status"].startswith("no header")


def test_one_sheet_per_opd_is_stacked_with_sheet_names(tmp_path: Path) -> None:
    df = _emp(9)
    df.loc[7, "period"] = "bad"
    a, b, c = df.iloc[:3], df.iloc[3:6], df.iloc[6:]
    p = _workbook(tmp_path / "e.xlsx", {
        "Dinkes": _rows(a), "Disdik": [["Daftar pegawai Disdik"], *_rows(b)],
        "Dishub": _rows(c[list(reversed(c.columns))]),  # same header, other order
    })
    res = read(p, "employees")
    assert res.n_rows == 9 and len(res.valid) == 8
    assert sorted(res.valid["nip"]) == sorted(df["nip"].drop(index=7))
    (r,) = res.rejected.itertuples()
    assert (r.sheet, r.row, r.column) == ("Dishub", 3, "period")
    assert res.sheets["rows"].tolist() == [3, 3, 3]


def test_sheets_with_different_headers_are_ambiguous(tmp_path: Path) -> None:
    df = _emp(3)
    p = _workbook(tmp_path / "e.xlsx", {
        "2022": _rows(df), "2023": _rows(df.drop(columns=["jpm"])),
    })
    with pytest.raises(ContractError) as exc:
        read(p, "employees")
    assert "'2022'" in str(exc.value) and "'2023'" in str(exc.value) and "sheet=" in str(exc.value)
    res = read(p, "employees", sheet="2023")
    assert res.n_rows == 3 and "jpm" not in res.valid.columns
    assert read(p, "employees", sheet=0).valid["jpm"].notna().all()
    with pytest.raises(ContractError, match="no sheet 'x'; its sheets are: 2022, 2023"):
        read(p, "employees", sheet="x")


def test_numeric_nip_cell_rejected_text_cell_kept(tmp_path: Path) -> None:
    df = valid_employees(4).astype(object)
    df["nip"] = df["nip"].astype(object)
    df.loc[1, "nip"] = int(df.loc[1, "nip"])  # Excel stores it as a number
    df.loc[2, "nip"] = 1.98001012005011e17
    p = _workbook(tmp_path / "e.xlsx", {"Pegawai": _rows(df)})
    res = read(p, "employees")
    assert res.n_rows == 4 and len(res.valid) == 2
    assert res.valid["nip"].tolist() == [df.loc[0, "nip"], df.loc[3, "nip"]]
    assert res.rejected["row"].tolist() == [3, 4]
    assert (res.rejected["reason"] == NUMERIC_NIP).all()
    assert res.rejected["value"].str.contains("e+17", regex=False).all()


def test_workbook_numbers_and_text_numbers(tmp_path: Path) -> None:
    df = valid_employees(3).astype(object)
    df["technical_training_hours"] = [12.5, "12.500", "1.498,5"]  # a number and two texts
    p = _workbook(tmp_path / "e.xlsx", {"Pegawai": _rows(df)})
    res = read(p, "employees")
    assert res.number_format.decimal == "," and res.number_format.source == "values"
    assert res.valid["technical_training_hours"].tolist() == [12.5, 12500.0, 1498.5]


# ---------------------------------------------------------------------------------------- limits
def test_csv_limits_name_the_limit_and_how_to_raise_it(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    _emp(3).to_csv(p, index=False)
    with pytest.raises(ContractError, match="max_file_bytes.*KINERJA_MAX_FILE_BYTES"):
        read(p, "employees", limits=ReadLimits(max_file_bytes=100))
    df = _emp(3)
    df.loc[0, "unit_id"] = "u" * 5000
    df.to_csv(p, index=False)
    with pytest.raises(ContractError, match="max_field_bytes"):
        read(p, "employees", limits=ReadLimits(max_field_bytes=1000))
    df.loc[0, "unit_id"] = '"quoted\nacross lines" ' + "u" * 5000  # the careful path: csv module
    df.to_csv(p, index=False)
    with pytest.raises(ContractError, match="max_field_bytes"):
        read(p, "employees", limits=ReadLimits(max_field_bytes=1000))


def test_xlsx_cell_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = _workbook(tmp_path / "e.xlsx", {"Pegawai": _rows(_emp(20))})
    with pytest.raises(ContractError, match="number of cells.*max_xlsx_cells"):
        read(p, "employees", limits=ReadLimits(max_xlsx_cells=50))
    monkeypatch.setenv("KINERJA_MAX_XLSX_CELLS", "50")
    with pytest.raises(ContractError, match="KINERJA_MAX_XLSX_CELLS"):
        read(p, "employees")


def _bomb(path: Path, cells: int) -> Path:
    """A workbook whose one sheet inflates to ``cells`` identical cells, with no <dimension>."""
    src = _workbook(path.with_name("src.xlsx"), {"Pegawai": _rows(_emp(2))})
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with zout.open(info.filename, "w") as f:
                    f.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    block = b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>' * 10_000
                    for _ in range(cells // 10_000):
                        f.write(block)
                    f.write(b"</sheetData></worksheet>")
            else:
                zout.writestr(info, zin.read(info.filename))
    return path


def test_small_zip_bomb_fails_fast(tmp_path: Path) -> None:
    p = _bomb(tmp_path / "bomb.xlsx", 1_000_000)  # ~45 MB of XML in a file of some 100 KB
    assert p.stat().st_size < 500_000
    t0 = time.perf_counter()
    with pytest.raises(ContractError, match="compression ratio"):
        read(p, "employees")
    with pytest.raises(ContractError, match="number of cells"):
        read(p, "employees", limits=ReadLimits(max_xlsx_compression_ratio=10**6, max_xlsx_cells=100_000))
    assert time.perf_counter() - t0 < 5


def test_reject_values_keep_the_raw_cell(tmp_path: Path) -> None:
    df = _emp(3)
    df.loc[0, "nip"] = " 1.98001012005011E+17 "
    df.loc[1, "skp_value"] = "sembilan puluh"
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    res = read(p, "employees")
    assert res.rejected["value"].tolist() == [" 1.98001012005011E+17 ", "sembilan puluh"]
    assert isinstance(np.asarray(res.rejected["row"])[0], np.integer)
    assert io  # keep the import used


def test_workbook_without_the_table_lists_every_sheet(tmp_path: Path) -> None:
    p = _workbook(tmp_path / "e.xlsx", {
        "Sampul": [["LAPORAN"]], "Unit": [["Kode Unit", "Nama Unit"], ["U1", "Dinkes"]],
        "Kosong": [],
    })
    with pytest.raises(ContractError) as exc:
        read(p, "employees")
    msg = str(exc.value)
    assert "no sheet holds the header of table 'employees'" in msg
    assert "Sampul (no header" in msg and "Unit (no header" in msg and "Kosong (empty)" in msg


def test_limit_settings_from_the_environment_are_checked(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    monkeypatch.setenv("KINERJA_MAX_FILE_BYTES", "lots")
    p = tmp_path / "e.csv"
    _emp(2).to_csv(p, index=False)
    with pytest.raises(ContractError, match="KINERJA_MAX_FILE_BYTES='lots' is not a whole number"):
        read(p, "employees")


def test_sheet_applies_to_workbooks_only(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    _emp(2).to_csv(p, index=False)
    with pytest.raises(ContractError, match="only applies to Excel"):
        read(p, "employees", sheet="Data")
    with pytest.raises(ContractError, match="decimal="):
        read(p, "employees", decimal=";")


def test_zip_bomb_declaring_a_small_size_fails_fast(tmp_path: Path) -> None:
    """The limits trust declared sizes because the parser refuses a part larger than declared."""
    import struct

    p = _bomb(tmp_path / "bomb.xlsx", 1_000_000)
    raw = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", raw, info.header_offset + 22, 5000)  # local header: uncompressed size
    cd = raw.find(b"PK\x01\x02")
    while cd != -1:  # central directory entries
        name_len = struct.unpack_from("<H", raw, cd + 28)[0]
        if bytes(raw[cd + 46:cd + 46 + name_len]) == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", raw, cd + 24, 5000)
        cd = raw.find(b"PK\x01\x02", cd + 4)
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(bytes(raw))
    t0 = time.perf_counter()
    with pytest.raises(ContractError, match="larger than its declared"):
        read(liar, "employees")
    assert time.perf_counter() - t0 < 2


def test_nip_column_that_went_through_a_number_is_refused(tmp_path: Path) -> None:
    """Excel's '0' format writes 15 significant digits then 000 for every NIP."""
    df = _emp(20)
    truncated = df["nip"].str.slice(0, 15) + "000"
    df.loc[:14, "nip"] = truncated[:15]
    p = tmp_path / "e.csv"
    df.to_csv(p, index=False)
    res = read(p, "employees")
    assert res.n_rows == 20 and len(res.valid) == 5  # the 5 untouched rows
    assert res.rejected["reason"].str.contains("end in 000").sum() == 15
    one = _emp(20)
    one.loc[3, "nip"] = one.loc[3, "nip"][:15] + "000"  # a single sequence number 000 is fine
    one.to_csv(p, index=False)
    assert read(p, "employees").rejected.empty
