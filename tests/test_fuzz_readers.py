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
    assert set(res.rejected.columns) - {"sheet"} == {"row", "column", "value", "reason"}
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


# ------------------------------------------------------------------ issue 9: the new reader paths
NIP_FORMS = st.sampled_from([
    "{n}", " {n} ", "'{n}", '="{n}"', "{a} {b} {c} {d}", "{a}-{b}-{c}-{d}", "{n}.0",  # accepted
    "{f:.14E}", "{f:e}", "{f:.1f}", "{f:.15g}",  # only a number writes these: rejected
])


@given(st.lists(st.tuples(st.integers(0, 11), NIP_FORMS), max_size=12),
       st.sampled_from([",", ";", "\t"]))
@_settings
def test_nip_forms(edits, sep: str) -> None:
    df = BASE.copy()
    forms = {}
    for i, form in edits:
        nip = BASE.loc[i, "nip"]
        forms[i] = form
        df.loc[i, "nip"] = form.format(n=nip, a=nip[:8], b=nip[8:14], c=nip[14], d=nip[15:],
                                       f=float(nip))
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "e.csv"
        df.to_csv(p, index=False, sep=sep)
        try:
            res = read(p, "employees")
        except ContractError:
            return
    _check(res, 12)
    rejected = set(res.rejected["row"] - 2)
    for i, form in forms.items():
        numeric = "{f" in form or (form == "{n}.0" and int(BASE.loc[i, "nip"]) % 32 == 0)
        assert (i in rejected) == numeric, (form, res.rejected)
    kept = res.valid.set_index(res.valid.index)
    assert set(kept["nip"]) <= set(BASE["nip"])  # every accepted NIP is exactly an original one


NUMBER = st.one_of(
    st.integers(0, 10**7),
    st.floats(0, 10**6, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2)),
)


def _render(x: float, style: str) -> str:
    if style == "id":
        return f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if style == "en":
        return f"{x:,.2f}"
    if style == "plain":
        return f"{x}"
    return f"{x:.3f}".replace(".", ",")


@given(st.lists(NUMBER, min_size=12, max_size=12), st.sampled_from(["id", "en", "plain", "comma"]),
       st.sampled_from([",", ";", "\t"]), st.sampled_from([None, ",", "."]),
       st.lists(st.tuples(st.integers(0, 11), st.sampled_from(["id", "en", "plain", "comma"])),
                max_size=3))
@_settings
def test_number_formats(values, style: str, sep: str, decimal, odd) -> None:
    df = BASE.copy().drop(columns=["skp_value", "jpm"])
    df["technical_training_hours"] = [_render(float(v), style) for v in values]
    for i, s in odd:
        df.loc[i, "technical_training_hours"] = _render(float(values[i]), s)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "e.csv"
        df.to_csv(p, index=False, sep=sep)
        try:
            res = read(p, "employees", decimal=decimal)
        except ContractError:
            return
    _check(res, 12)
    # never silently scaled: an accepted value written in the file's format is the number written
    styles = [style] * 12
    for i, s in odd:
        styles[i] = s
    fmt = res.number_format.decimal
    kept = [i for i in range(12) if i + 2 not in set(res.rejected["row"])]
    assert len(kept) == len(res.valid)
    for pos, i in enumerate(kept):
        mark = "," if styles[i] in ("id", "comma") else "."
        if fmt is None or mark == fmt:
            got = res.valid["technical_training_hours"].iloc[pos]
            assert abs(got - round(float(values[i]), 2)) <= 1e-9 * max(1.0, abs(got)), (styles[i], got)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.booleans()), min_size=1, max_size=4),
       st.booleans())
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_workbook_sheets(sheets, drop_column: bool) -> None:
    """Sheets with 0–3 title rows and 0–3 data rows, some holding the header, some not."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    total = 0
    start = 0
    for k, (titles, n, has_header) in enumerate(sheets):
        ws = wb.create_sheet(f"S{k}")
        for t in range(titles):
            ws.append([f"DAFTAR PEGAWAI {t}"])
        if has_header:
            part = BASE.iloc[start:start + n]
            if drop_column and k == 1:
                part = part.drop(columns=["jpm"])
            ws.append(list(part.columns))
            for row in part.itertuples(index=False):
                ws.append(list(row))
            start += n
            total += n
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "e.xlsx"
        wb.save(p)
        try:
            res = read(p, "employees")
        except ContractError:
            return
    _check(res, total)
    assert len(res.valid) == total  # every row of BASE is valid
    assert set(res.sheets["sheet"]) == {f"S{k}" for k in range(len(sheets))}
    assert res.sheets["rows"].sum() == total
