"""Workbook reading with python-calamine: every sheet accounted for, the header row found in
each, sheets sharing the table's header stacked, and each cell's type kept (a number stays a
float, so an NIP that Excel turned into a number is recognised as such)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinerja_research.data._raw import Raw, find_header, map_header
from kinerja_research.data.errors import ContractError
from kinerja_research.data.limits import ReadLimits, check_xlsx


def _unreadable(path: Path, exc: BaseException) -> ContractError:
    return ContractError(
        f"{path.name} is not a readable Excel workbook ({type(exc).__name__}: {exc}). Open it in "
        "Excel and save it again as .xlsx, or export the sheet as CSV."
    )


def read_xlsx(path: Path, table: str, sheet: str | int | None, limits: ReadLimits) -> Raw:
    if path.stat().st_size == 0:
        raise ContractError(f"{path.name} is empty (0 bytes).")
    check_xlsx(path, limits)
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
    found: list[tuple[str, int, list[list[object]]]] = []
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
