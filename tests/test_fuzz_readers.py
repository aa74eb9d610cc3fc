"""Hypothesis fuzzing of the readers: random corruption of valid CSV and XLSX files never
raises anything but ContractError, and rows in = valid + rejected."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import valid_employees

from kinerja_research.data import ContractError, read

BASE = valid_employees(12).astype(str)
COLS = list(BASE.columns)
# text that may appear in a cell: junk, numbers, unicode, separators inside quotes
CELL = st.one_of(
    st.text(max_size=25),
    st.from_regex(r"-?\d{0,20}([.,]\d{0,3})?", fullmatch=True),
    st.sampled_from(["", " ", "NaN", "inf", "-0", "1e400", "ya", "TIDAK", "S-1", "D III", "\u00e9\u00e8"]),
)
_settings = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(res, expected_rows: int | None) -> None:
    assert len(res.valid) + res.n_rejected_rows == res.n_rows
    if expected_rows is not None:
        assert res.n_rows == expected_rows
    assert set(res.rejected.columns) == {"row", "column", "value", "reason"}
    assert res.rejected["reason"].notna().all()


@given(st.lists(st.tuples(st.integers(0, 11), st.sampled_from(COLS), CELL), max_size=12))
@_settings
def test_csv_cell_corruption(edits) -> None:
    df = BASE.copy()
    for i, col, value in edits:
        df.loc[i, col] = value
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "e.csv"
        # every cell quoted, so each of the 12 records must be accounted for
        df.to_csv(p, index=False, quoting=csv.QUOTE_ALL)
        try:
            res = read(p, "employees")
        except ContractError:
            return
        _check(res, 12)


@given(st.binary(max_size=40), st.integers(0, 10_000), st.booleans())
@_settings
def test_csv_byte_corruption(junk: bytes, position: int, replace: bool) -> None:
    raw = BASE.to_csv(index=False).encode()
    pos = position % (len(raw) + 1)
    raw = raw[:pos] + junk + raw[pos + (len(junk) if replace else 0):]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "e.csv"
        p.write_bytes(raw)
        try:
            res = read(p, "employees")
        except ContractError:
            return
        _check(res, None)


def _xlsx_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    return buf.getvalue()


XLSX = _xlsx_bytes(BASE)


@given(st.lists(st.tuples(st.integers(0, 11), st.sampled_from(COLS), CELL), max_size=8))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_xlsx_cell_corruption(edits) -> None:
    df = BASE.copy()
    for i, col, value in edits:
        # Excel cannot hold control characters; openpyxl refuses to write them
        df.loc[i, col] = "".join(ch for ch in value if ch.isprintable())
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "e.xlsx"
        p.write_bytes(_xlsx_bytes(df))
        try:
            res = read(p, "employees")
        except ContractError:
            return
        blank_rows = int((df.fillna("").apply(lambda c: c.str.strip()) == "").all(axis=1).sum())
        _check(res, 12 - blank_rows if blank_rows else 12)


@given(st.binary(min_size=1, max_size=64), st.integers(0, 100_000))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_xlsx_byte_corruption(junk: bytes, position: int) -> None:
    pos = position % len(XLSX)
    raw = XLSX[:pos] + junk + XLSX[pos + len(junk):]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "e.xlsx"
        p.write_bytes(raw)
        try:
            res = read(p, "employees")
        except ContractError:
            return
        _check(res, None)
