"""What the format readers hand to validation: canonical columns of raw cells, with where each
row came from (spreadsheet row, sheet) and the header found."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from kinerja_research.data.errors import ContractError
from kinerja_research.data.schemas import table_spec

_SEP = re.compile(r"[\s._\-/]+")
#: How many rows above the header a reader searches (title rows, notes, blank rows).
HEADER_SEARCH_ROWS = 30


def normalize_header(name: object) -> str:
    """Lower-case a header and drop spaces, dots, dashes, underscores and slashes."""
    return _SEP.sub("", str(name).strip().lower())


@functools.cache
def _alias_file() -> dict:
    text = resources.files("kinerja_research.data").joinpath("aliases.yml").read_text("utf-8")
    return yaml.safe_load(text)


@functools.cache
def header_map(table: str) -> tuple[dict[str, str], frozenset[str]]:
    """Normalized header → canonical column for ``table``, and the normalized personal headers.

    A table's own ``name`` column (regions, units) takes the plain ``nama`` header; in every other
    table ``nama`` is a person's name and is dropped.
    """
    spec = table_spec(table)
    doc = _alias_file()
    drop = {normalize_header(d) for d in doc.get("drop", [])}
    mapping: dict[str, str] = {}
    for canonical in spec.names:
        mapping[normalize_header(canonical)] = canonical
        for alias in doc["aliases"].get(canonical, []):
            key = normalize_header(alias)
            if canonical == "name" and key in drop and key != "nama":
                continue
            mapping.setdefault(key, canonical)
    return mapping, frozenset(drop - set(mapping))


def header_score(cells: Sequence[object], table: str) -> tuple[bool, int]:
    """Whether a row holds every required header of ``table``, and how many it recognises."""
    mapping, _ = header_map(table)
    found = {mapping[k] for k in (normalize_header(c) for c in cells if c is not None) if k in mapping}
    return set(table_spec(table).required) <= found, len(found)


def find_header(rows: Sequence[Sequence[object]], table: str) -> tuple[int, bool]:
    """Index of the header row among the first rows (title rows above it are skipped).

    The first row holding every required column wins; else the row recognising most columns
    (so the missing-columns error lists the right headers); else row 0.
    """
    best, best_n = 0, 0
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        complete, n = header_score(cells, table)
        if complete:
            return i, True
        if n > best_n:
            best, best_n = i, n
    return best, False


@dataclass
class Mapped:
    """A header mapped onto the contract."""

    positions: list[int]  # position in the header of each kept column
    canonical: list[str]
    column_map: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def map_header(header: Sequence[object], table: str, where: str) -> Mapped:
    """Map a file's header onto canonical columns; refuse duplicates and missing columns.

    ``where`` names the file (and sheet) in errors.
    """
    spec = table_spec(table)
    mapping, personal = header_map(table)
    seen: dict[str, str] = {}
    for col in header:
        text = "" if col is None else str(col).strip()
        if not text:
            continue
        key = text.lower()
        if key in seen:
            raise ContractError(
                f"{where}: the column {text!r} is given twice. Delete or rename one of them so "
                "that each column appears once."
            )
        seen[key] = text
    out = Mapped([], [])
    for pos, col in enumerate(header):
        text = "" if col is None else str(col).strip()
        if not text:
            continue
        key = normalize_header(text)
        if key in mapping:
            canonical = mapping[key]
            if canonical in out.canonical:
                first = next(k for k, v in out.column_map.items() if v == canonical)
                raise ContractError(
                    f"{where}: columns {first!r} and {text!r} both mean '{canonical}'. "
                    "Keep one of them."
                )
            out.positions.append(pos)
            out.canonical.append(canonical)
            out.column_map[text] = canonical
        elif key in personal:
            out.dropped.append(text)
        else:
            out.ignored.append(text)
    missing = [c for c in spec.required if c not in out.canonical]
    if missing:
        shown = ", ".join(str(c) for c in header if c is not None and str(c).strip())
        raise ContractError(
            f"{where}: required column(s) missing for table '{table}': {', '.join(missing)}. "
            f"Columns found: {shown}. Rename the headers (Indonesian export headers such as "
            "'NIP' or 'Unit Kerja' are recognised) or add the columns."
        )
    return out


@dataclass
class Raw:
    """Canonical columns of raw cells as a reader found them.

    ``frame`` columns hold text (``string``), Python objects (a workbook's mixed cells) or typed
    values (Parquet); ``rows`` numbers each row as a spreadsheet would; ``row_problems`` maps a
    row position to a whole-row problem (wrong number of fields, unclosed quote) and the raw
    text to show for it.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    mapped: Mapped
    sheet: np.ndarray | None = None
    row_problems: dict[int, tuple[str, str]] = field(default_factory=dict)
    delimiter: str | None = None
    header_row: int = 1
    sheets: list[dict] = field(default_factory=list)
