"""The fast workbook path (fastexcel, Arrow columns) gives exactly what the cell-by-cell path
gives, and steps aside for the shapes it does not handle."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

import kinerja_research.data._xlsx as xlsx
from kinerja_research.data import read

pytest.importorskip("fastexcel")

HEADER = ["NIP", "Nama", "Periode", "Unit Kerja", "Jenis Jabatan", "Pendidikan Terakhir",
          "leadership_training", "Nilai SKP", "Keterangan"]


def _rows(n: int) -> list[list[object]]:
    rng = np.random.default_rng(1)
    out = []
    for i in range(n):
        nip = f"19{80 + i % 15:02d}0{1 + i % 9}1{i % 9}20{10 + i % 10}0{1 + i % 9}{1 + i % 2}{i % 1000:03d}"
        out.append([nip, f"Pegawai {i}", 2024, f"U{i % 7}", ["pelaksana", "jpt", "x"][i % 3],
                    "S1", [True, False][i % 2], float(rng.uniform(50, 120)),
                    ["", 3, "catatan"][i % 3]])
    return out


def _write(path, rows, header=HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)


def _both(path):
    fast = read(path, "employees")
    orig = xlsx._fast
    try:
        xlsx._fast = lambda *a, **k: None
        careful = read(path, "employees")
    finally:
        xlsx._fast = orig
    return fast, careful


def _same(a, b):
    pd.testing.assert_frame_equal(a.valid, b.valid)
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    pd.testing.assert_frame_equal(a.normalizations, b.normalizations)
    assert a.n_rows == b.n_rows == len(a.valid) + a.n_rejected_rows
    assert (a.ignored_columns, a.dropped_personal, a.column_map, a.number_format, a.header_row) == (
        b.ignored_columns, b.dropped_personal, b.column_map, b.number_format, b.header_row)
    assert a.sheets.astype(str).equals(b.sheets.astype(str))


def test_fast_path_taken_and_identical(tmp_path):
    rows = _rows(300)
    rows[4][0] = "19800101 200501 1 001"  # spaced form, normalized
    rows[5][2] = None  # missing period
    rows[6][7] = None
    p = tmp_path / "a.xlsx"
    _write(p, rows)
    assert xlsx._fast(p, "employees", None) is not None
    fast, careful = _both(p)
    _same(fast, careful)
    assert len(fast.rejected) > 0 and fast.n_rejected_rows < fast.n_rows


@pytest.mark.parametrize("shape", ["numeric_nip", "mixed_period", "blank_row", "repeated_header",
                                   "title_row"])
def test_fast_path_steps_aside(tmp_path, shape):
    rows = _rows(60)
    header = list(HEADER)
    if shape == "numeric_nip":
        rows[3][0] = 1.98001012005011e17
    elif shape == "mixed_period":
        rows[3][2] = "2024"
    elif shape == "blank_row":
        rows[3] = [None] * 8 + ["only a note"]
    elif shape == "repeated_header":
        header[-1] = "NIP"
    p = tmp_path / "b.xlsx"
    if shape == "title_row":
        _write(p, [header] + rows, header=["DAFTAR PEGAWAI"])
    else:
        _write(p, rows, header=header)
    assert xlsx._fast(p, "employees", None) is None
