"""Which contract table a file holds: from its headers, or from a small mapping file.

>>> recognise("exports/pegawai_2024.xlsx")  # doctest: +SKIP
('employees', 'Data')
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import yaml

from kinerja_research.data.errors import ContractError
from kinerja_research.data.read import FORMATS, header_map, normalize_header
from kinerja_research.data.schemas import table_spec
from kinerja_research.data.study import TABLES

#: Name of the optional mapping file looked for in the source folder.
MAPPING_FILE = "kinerja_ingest.yml"
_PEEK_ROWS = 30
_PEEK_BYTES = 1 << 16
#: A workbook whose parts unpack beyond this is not peeked at (zip bombs); read() has its own limits.
_PEEK_XLSX_LIMIT = 4 << 30


class UnrecognisedError(ContractError):
    """No table, or more than one, fits a file's headers.

    Attributes
    ----------
    closest, missing
        The table coming closest and its missing required columns (no table matched).
    tied
        The tables fitting equally well (ambiguous).
    """

    def __init__(self, message: str, *, closest: str = "", missing: tuple[str, ...] = (),
                 tied: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.closest, self.missing, self.tied = closest, missing, tied


def load_mapping(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a mapping file: ``file: table``, ``file: {table: t, sheet: s}`` or ``file: ignore``.

    The entries may sit at the top level or under ``files:``. File names are relative to the
    source folder.

    Raises
    ------
    ContractError
        For a file that is not a mapping, an unknown table or an unknown key.
    """
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"mapping file {p} cannot be read: {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("files"), dict):
        doc = doc["files"]
    if not isinstance(doc, dict):
        raise ContractError(f"mapping file {p} must map file names to tables, e.g. `pegawai.xlsx: employees`.")
    out: dict[str, dict[str, Any]] = {}
    for name, entry in doc.items():
        if isinstance(entry, str) or entry is None:
            entry = {"table": entry or "ignore"}
        if not isinstance(entry, dict) or set(entry) - {"table", "sheet"}:
            raise ContractError(
                f"mapping file {p}: entry {name!r} must be a table name or {{table: …, sheet: …}}."
            )
        table = str(entry.get("table", ""))
        if table != "ignore" and table not in TABLES:
            raise ContractError(
                f"mapping file {p}: {name!r} names table {table!r}; use one of {', '.join(TABLES)} or ignore."
            )
        out[str(name).replace("\\", "/")] = {"table": table, **({"sheet": entry["sheet"]} if "sheet" in entry else {})}
    return out


def _csv_rows(path: Path) -> list[tuple[str | None, list[str]]]:
    with path.open("rb") as fh:
        raw = fh.read(_PEEK_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # the peek may cut a character in two at its end
        text = raw[:exc.start].decode("utf-8-sig") if exc.start > len(raw) - 4 else raw.decode("cp1252", "replace")
    lines = text.splitlines()[:_PEEK_ROWS]
    seps = {s: sum(line.count(s) for line in lines) for s in (",", ";", "\t", "|")}
    sep = max(seps, key=seps.__getitem__)
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
    except csv.Error:
        rows = [line.split(sep) for line in lines]
    return [(None, r) for r in rows]


def _xlsx_rows(path: Path) -> list[tuple[str | None, list[str]]]:
    with zipfile.ZipFile(path) as zf:
        if sum(i.file_size for i in zf.infolist()) > _PEEK_XLSX_LIMIT:
            raise ContractError(
                f"{path.name} unpacks to more than {_PEEK_XLSX_LIMIT >> 30} GiB; it is not read. "
                "Export the sheet as CSV instead."
            )
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        out = []
        for ws in wb.worksheets:
            for row in ws.iter_rows(max_row=_PEEK_ROWS, values_only=True):
                out.append((ws.title, ["" if v is None else str(v) for v in row]))
        return out
    finally:
        wb.close()


def _parquet_rows(path: Path) -> list[tuple[str | None, list[str]]]:
    import pyarrow.parquet as pq

    return [(None, list(pq.read_schema(path).names))]


def _candidate_rows(path: Path) -> list[tuple[str | None, list[str]]]:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:  # else the lookup below fails as a KeyError, reported as a damaged file
        raise ContractError(
            f"{path.name}: unknown format {path.suffix!r}. Supported: CSV (.csv), Excel (.xlsx) "
            "and Parquet (.parquet). Save .xls workbooks as .xlsx first."
        )
    try:
        return {"csv": _csv_rows, "xlsx": _xlsx_rows, "parquet": _parquet_rows}[fmt](path)
    except ContractError:
        raise
    except Exception as exc:  # a damaged file: read() will give the precise reason
        raise ContractError(f"{path.name} cannot be opened ({type(exc).__name__}).") from None


def recognise(path: str | Path) -> tuple[str, str | None]:
    """The contract table a file holds, judged from its headers, and the sheet holding them.

    Up to 30 rows from the top (of every sheet, for a workbook) are tried as the header row, so
    title rows above the header do not matter. A table matches when every required column is
    present; among matching tables the one with the most recognised columns wins.

    Returns
    -------
    tuple of str and str or None
        The table, and the sheet when exactly one sheet holds the header (else ``None``).

    Raises
    ------
    ContractError
        When no table matches (naming the closest table and its missing columns) or when two
        tables match equally well.
    """
    path = Path(path)
    rows = _candidate_rows(path)
    maps = {t: header_map(t)[0] for t in TABLES}
    best: dict[str, tuple[int, set]] = {}  # table → (matched columns, sheets)
    closest: tuple[int, str, list[str]] = (0, "", [])
    for sheet, row in rows:
        keys = {normalize_header(c) for c in row if str(c).strip()}
        for t, mapping in maps.items():
            matched = {mapping[k] for k in keys if k in mapping}
            required = table_spec(t).required
            missing = [c for c in required if c not in matched]
            if not missing:
                n, sheets = best.get(t, (0, set()))
                if len(matched) > n:
                    best[t] = (len(matched), {sheet})
                elif len(matched) == n:
                    sheets.add(sheet)
            elif len(required) - len(missing) > closest[0]:
                closest = (len(required) - len(missing), t, missing)
    if not best:
        hint = (f" The closest is '{closest[1]}', which lacks {', '.join(closest[2])}." if closest[1] else "")
        raise UnrecognisedError(
            f"{path.name}: its headers match no table of the contract.{hint} Rename the headers, or "
            f"name the table in a mapping file ({MAPPING_FILE}: `{path.name}: employees`).",
            closest=closest[1], missing=tuple(closest[2]),
        )
    top = max(n for n, _ in best.values())
    winners = sorted(t for t, (n, _) in best.items() if n == top)
    if len(winners) > 1:
        raise UnrecognisedError(
            f"{path.name}: its headers fit tables {' and '.join(winners)} equally well; name the "
            f"table in a mapping file ({MAPPING_FILE}: `{path.name}: {winners[0]}`).",
            tied=tuple(winners),
        )
    sheets = best[winners[0]][1]
    return winners[0], (next(iter(sheets)) if len(sheets) == 1 else None)
