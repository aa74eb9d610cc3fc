"""Workbook reading with python-calamine: every sheet accounted for, the header row found in
each, sheets sharing the table's header stacked, and each cell's type kept (a number stays a
float, so an NIP that Excel turned into a number is recognised as such).

The usual large export (one sheet, header in row 1, one cell type per column) takes a fast path
through fastexcel, which builds Arrow columns in Rust instead of a Python object per cell;
anything else (several sheets, title rows, a column mixing text and numbers, dates …) is read
cell by cell, so both paths give the same result.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kinerja_research.data._raw import (
    Raw,
    find_header,
    header_map,
    map_header,
    normalize_header,
)
from kinerja_research.data.errors import ContractError
from kinerja_research.data.limits import ReadLimits, _inflate, check_xlsx

_FIRST_ROW = re.compile(rb"<row\b[^>]*?>|<row\b[^>]*?/>")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_UNNAMED = re.compile(r"__UNNAMED__\d+")  # fastexcel's name for a blank header cell
_RENAMED = re.compile(r"(.+)_\d+")  # fastexcel's name for a repeated header


def _unreadable(path: Path, exc: BaseException) -> ContractError:
    return ContractError(
        f"{path.name} is not a readable Excel workbook ({type(exc).__name__}: {exc}). Open it in "
        "Excel and save it again as .xlsx, or export the sheet as CSV."
    )


def read_xlsx(path: Path, table: str, sheet: str | int | None, limits: ReadLimits) -> Raw:
    if path.stat().st_size == 0:
        raise ContractError(f"{path.name} is empty (0 bytes).")
    check_xlsx(path, limits)
    raw = _fast(path, table, sheet)
    if raw is not None:
        return raw
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine raises its own error types for zip and XML damage
        raise _unreadable(path, exc) from None
    if sheet is not None:
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise ContractError(f"{path.name} has {len(names)} sheet(s) ({', '.join(names)}); "
                                    f"sheet={sheet} does not exist (positions start at 0).")
            chosen = [names[sheet]]
        elif str(sheet) in names:
            chosen = [str(sheet)]
        else:
            raise ContractError(f"{path.name} has no sheet {sheet!r}; its sheets are: "
                                f"{', '.join(names)}.")
    else:
        chosen = names
    report: list[dict] = []
    found: list[tuple[str, int, Sequence[Sequence[object]]]] = []
    cells: Sequence[Sequence[object]]
    for name in chosen:
        try:
            cells = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise _unreadable(path, exc) from None
        if not any(any(c not in ("", None) for c in r) for r in cells[:50]):
            report.append({"sheet": name, "status": "empty", "header_row": None, "rows": 0})
            continue
        idx, complete = find_header(cells, table)
        if complete or sheet is not None:
            found.append((name, idx, cells))
        else:
            report.append({"sheet": name, "status": f"no header of table '{table}'",
                           "header_row": None, "rows": 0})
    if not found:
        nonempty = [r["sheet"] for r in report if r["status"] != "empty"]
        if not nonempty:
            raise ContractError(f"{path.name}: every sheet is empty ({', '.join(chosen)}).")
        if len(nonempty) == 1:
            raise _missing(path, table, wb, nonempty[0])
        listing = "; ".join(f"{r['sheet']} ({r['status']})" for r in report)
        raise ContractError(
            f"{path.name}: no sheet holds the header of table '{table}'. Sheets: {listing}. "
            "Check the headers, or name the sheet with sheet=… to see what is missing."
        )
    parts = []
    signature = None
    for name, idx, cells in found:
        header = cells[idx] if idx < len(cells) else []
        where = f"{path.name}, sheet {name!r}"
        mapped = map_header(header, table, where)
        sig = tuple(sorted(mapped.canonical))
        if signature is None:
            signature, first_mapped = sig, mapped
        elif sig != signature:
            listing = "; ".join(f"{n!r} (columns: {', '.join(str(c) for c in cs[i] if str(c).strip())})"
                                for n, i, cs in found)
            raise ContractError(
                f"{path.name}: several sheets hold table '{table}' with different columns: "
                f"{listing}. Say which to read with sheet=… (or make their headers the same to "
                "read them together)."
            )
        body = cells[idx + 1:]
        width = len(header)
        arr = np.empty((len(body), width), dtype=object)
        if body:  # calamine's rows all have the sheet's width
            arr[:] = np.array(body, dtype=object).reshape(len(body), -1)[:, :width]
        blank = _blank_rows(arr)
        keep = np.flatnonzero(~blank)
        frame = pd.DataFrame({c: arr[keep, p] for p, c in zip(mapped.positions, mapped.canonical, strict=True)})
        parts.append((name, frame, keep + idx + 2))
        report.append({"sheet": name, "status": "read", "header_row": idx + 1, "rows": len(keep)})
    if len(parts) == 1:
        name, frame, rows = parts[0]
        sheet_col = None if len(chosen) == 1 else np.full(len(frame), name, dtype=object)
    else:
        frame = pd.concat([f for _, f, _ in parts], ignore_index=True)
        rows = np.concatenate([r for _, _, r in parts])
        sheet_col = np.concatenate([np.full(len(f), n, dtype=object) for n, f, _ in parts])
    if len(frame) == 0:
        raise ContractError(f"{path.name} has a header but no data rows.")
    order = {n: i for i, n in enumerate(names)}
    report.sort(key=lambda r: order.get(r["sheet"], 0))
    return Raw(frame, rows.astype(np.int64), first_mapped, sheet=sheet_col,
               header_row=found[0][1] + 1, sheets=report)


def _blank_rows(arr: np.ndarray) -> np.ndarray:
    """Rows whose every cell is empty: not data rows (Excel leaves them between blocks)."""
    blank = np.zeros(len(arr), dtype=bool)
    if arr.size == 0:
        return blank
    # only rows empty in the first column can be blank: check the rest for those alone
    cand = np.flatnonzero(arr[:, 0] == "")
    if len(cand):
        sub = arr[cand]
        blank[cand] = ((sub == "") | pd.isna(sub)).all(axis=1)
    return blank


def _missing(path: Path, table: str, wb, name: str) -> ContractError:
    cells = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    idx, _ = find_header(cells, table)
    try:
        map_header(cells[idx] if cells else [], table, f"{path.name}, sheet {name!r}")
    except ContractError as exc:
        return exc
    return ContractError(f"{path.name}, sheet {name!r}: no data rows.")


def _header_in_row_one(path: Path) -> bool:
    """Whether the workbook's only worksheet starts with a non-empty row 1.

    fastexcel skips empty rows above the header, which would shift every row number; the
    fast path is taken only when there are none to skip.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            parts = [i for i in zf.infolist()
                     if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
        if len(parts) != 1:
            return False
        head = _inflate(path, parts[0], 1 << 16)
    except Exception:  # noqa: BLE001 - a damaged zip: the cell-by-cell path names the problem
        return False
    m = _FIRST_ROW.search(head)
    if m is None or m.group(0).endswith(b"/>"):
        return False
    r = _ROW_NUMBER.search(m.group(0))
    if r is not None and r.group(1) != b"1":
        return False
    end = head.find(b"</row>", m.end())
    first = head[m.end():end if end >= 0 else len(head)]
    return b"<v>" in first or b"<t" in first


def _fast(path: Path, table: str, sheet: str | int | None) -> Raw | None:
    """One-sheet workbook, header in row 1, typed columns: Arrow columns, or ``None``."""
    try:
        import fastexcel
    except ImportError:  # optional speed-up: the cell-by-cell path reads every workbook
        return None
    if sheet not in (None, 0) or not _header_in_row_one(path):
        return None
    known, _ = header_map(table)
    seen: list[tuple[int, str]] = []

    def wanted(col) -> bool:  # every header passes here once; only contract columns are typed
        seen.append((col.index, col.name))
        return normalize_header(col.name) in known

    try:
        reader = fastexcel.read_excel(str(path))
        names = list(reader.sheet_names)
        if len(names) != 1:
            return None
        # strict: a column mixing text and numbers goes cell by cell, where each cell's type
        # is kept (the fast path would turn a numeric NIP into valid-looking text)
        ws = reader.load_sheet(0, header_row=0, schema_sample_rows=None, dtype_coercion="strict",
                               use_columns=wanted)
        selected = [c.index for c in ws.selected_columns]
        batch = ws.to_arrow()
    except Exception:  # noqa: BLE001 - whatever fastexcel refuses, the careful path explains
        return None
    seen.sort()
    all_names = {n for _, n in seen}
    header: list[object] = []
    for i, (index, name) in enumerate(seen):
        if index != i:
            return None
        if _UNNAMED.fullmatch(name):
            header.append(None)  # a blank header cell
        elif (m := _RENAMED.fullmatch(name)) and m.group(1) in all_names:
            return None  # fastexcel renamed a repeated header: let map_header name it
        else:
            header.append(name)
    if len(batch.columns) != len(selected) or batch.num_rows == 0:
        return None
    if not find_header([header], table)[1]:
        return None
    mapped = map_header(header, table, f"{path.name}, sheet {names[0]!r}")
    if sorted(mapped.positions) != selected:
        return None
    blank = np.ones(batch.num_rows, dtype=bool)
    for col in batch.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            empty = pc.fill_null(pc.equal(col, ""), True)
        else:
            empty = pc.is_null(col)
        blank &= np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
    if blank.any():
        # empty in every contract column: only the other columns (not loaded) tell whether
        # the row is blank, so the cell-by-cell path decides
        return None
    keep = np.arange(batch.num_rows)
    out: dict[str, pd.Series] = {}
    for pos, name in zip(mapped.positions, mapped.canonical, strict=True):
        col = batch.column(selected.index(pos))
        t = col.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t):
            col = col.cast(pa.string())
        elif pa.types.is_boolean(t):  # as the cell-by-cell path shows a boolean cell
            col = pc.if_else(col, "true", "false")
        elif pa.types.is_floating(t) or pa.types.is_integer(t):
            if name == "nip":
                return None  # a numeric NIP: refused cell by cell, with the reason
            out[name] = pd.Series(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False))
            continue
        else:  # dates, durations …: shown as the cell-by-cell path shows them
            return None
        out[name] = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([col])))
    frame = pd.DataFrame(out)
    if len(frame) == 0:
        return None
    report = [{"sheet": names[0], "status": "read", "header_row": 1, "rows": len(keep)}]
    return Raw(frame, (keep + 2).astype(np.int64), mapped, header_row=1, sheets=report)
