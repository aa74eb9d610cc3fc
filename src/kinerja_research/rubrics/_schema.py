"""Schema of a rubric file, checked whenever a rubric is loaded.

A rubric file is YAML package data under ``rubrics/files/<kind>/<version>.yml`` holding one
version of one official scoring rule (``docs/guide/rubrics.md``). The check is
hand-written rather than a JSON-Schema dependency because the interesting rules are relational:
band tables must be sorted, contiguous and unambiguous at every edge, and a table's ``verified``
flag must agree with its confidence mark.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

#: Confidence marks of ``docs/guide/rubrics.md`` (plus ``"PARTIAL"``), in decreasing strength.
CONFIDENCE_MARKS: tuple[str, ...] = (
    "VERIFIED (primary)",
    "VERIFIED (secondary)",
    "PARTIAL",
    "UNVERIFIED",
)
_VERIFIED_MARKS = frozenset(CONFIDENCE_MARKS[:2])

#: Kinds of table a rubric may hold.
TABLE_KINDS: tuple[str, ...] = ("bands", "points", "matrix", "rules", "list")

_REQUIRED_TOP = ("id", "kind", "version", "title", "regulation", "article", "sources",
                 "valid_from", "valid_to", "tables")
_OPTIONAL_TOP = ("parameters", "classify", "snap_decimals", "notes", "verification", "series",
                 "boundary_convention")
_TABLE_COMMON = ("kind", "verified", "confidence", "source")
_TABLE_OPTIONAL = ("note", "unit", "convention")


class RubricSchemaError(ValueError):
    """A rubric file breaks the schema; the message names the file, the table and the rule."""


def _fail(where: str, message: str) -> None:
    raise RubricSchemaError(f"{where}: {message}")


def _number(value: Any, where: str, *, allow_none: bool) -> float:
    if value is None:
        if allow_none:
            return math.nan
        _fail(where, "must be a number, got null")
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(where, f"must be a number, got {value!r}")
    return float(value)


def _date(value: Any, where: str, *, allow_none: bool) -> dt.date | None:
    if value is None and allow_none:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    _fail(where, f"must be an ISO date (YYYY-MM-DD){' or null' if allow_none else ''}, got {value!r}")
    return None  # pragma: no cover - _fail raises


def _check_bands(bands: Any, where: str) -> None:
    if not isinstance(bands, list) or not bands:
        _fail(where, "'bands' must be a non-empty list")
    prev: Mapping[str, Any] | None = None
    labels: set[str] = set()
    for i, band in enumerate(bands):
        w = f"{where}.bands[{i}]"
        if not isinstance(band, Mapping):
            _fail(w, "must be a mapping")
        for key in ("label", "lower", "lower_inclusive", "upper", "upper_inclusive"):
            if key not in band:
                _fail(w, f"missing key {key!r}")
        if not isinstance(band["label"], str) or not band["label"]:
            _fail(w, "label must be a non-empty string")
        if band["label"] in labels:
            _fail(w, f"duplicate label {band['label']!r}")
        labels.add(band["label"])
        for key in ("lower_inclusive", "upper_inclusive"):
            if not isinstance(band[key], bool):
                _fail(w, f"{key} must be true or false")
        # null bounds are open-ended: the first band's lower and the last band's upper only.
        lo = _number(band["lower"], f"{w}.lower", allow_none=i == 0)
        hi = _number(band["upper"], f"{w}.upper", allow_none=i == len(bands) - 1)
        lo_v = -math.inf if math.isnan(lo) else lo
        hi_v = math.inf if math.isnan(hi) else hi
        if (math.isnan(lo) and band["lower_inclusive"]) or (math.isnan(hi) and band["upper_inclusive"]):
            _fail(w, "an open-ended (null) bound cannot be inclusive")
        if lo_v > hi_v:
            _fail(w, f"lower {lo_v} is above upper {hi_v}")
        if lo_v == hi_v and not (band["lower_inclusive"] and band["upper_inclusive"]):
            _fail(w, "a zero-width band must include both its bounds")
        if prev is not None:
            if float(prev["upper"]) != lo_v:
                _fail(w, f"not contiguous: previous band ends at {prev['upper']}, this starts at {lo_v}")
            if prev["upper_inclusive"] == band["lower_inclusive"]:
                state = "both include" if band["lower_inclusive"] else "neither includes"
                _fail(w, f"edge {lo_v} is ambiguous: {state} it (exactly one band must)")
        prev = band


def _check_table(name: str, table: Any, where: str) -> None:
    w = f"{where}.tables.{name}"
    if not isinstance(table, Mapping):
        _fail(w, "must be a mapping")
    for key in _TABLE_COMMON:
        if key not in table:
            _fail(w, f"missing key {key!r}")
    kind = table["kind"]
    if kind not in TABLE_KINDS:
        _fail(w, f"kind must be one of {', '.join(TABLE_KINDS)}, got {kind!r}")
    allowed = {*_TABLE_COMMON, *_TABLE_OPTIONAL, kind}
    if kind == "matrix":
        allowed |= {"rows", "columns", "order"}
    unknown = sorted(set(table) - allowed)
    if unknown:
        _fail(w, f"unknown keys {unknown}")
    if not isinstance(table["verified"], bool):
        _fail(w, "verified must be true or false")
    if table["confidence"] not in CONFIDENCE_MARKS:
        _fail(w, f"confidence must be one of {list(CONFIDENCE_MARKS)}, got {table['confidence']!r}")
    if table["verified"] != (table["confidence"] in _VERIFIED_MARKS):
        _fail(w, f"verified: {table['verified']} contradicts confidence {table['confidence']!r}")
    if not isinstance(table["source"], str) or not table["source"].strip():
        _fail(w, "source must say where the table comes from")
    if kind not in table:
        _fail(w, f"a {kind!r} table needs a {kind!r} key")
    body = table[kind]
    if kind == "bands":
        _check_bands(body, w)
    elif kind == "points":
        if not isinstance(body, Mapping) or not body:
            _fail(w, "'points' must be a non-empty mapping")
        for key, value in body.items():
            _number(value, f"{w}.points.{key}", allow_none=True)
    elif kind == "matrix":
        rows, cols = table.get("rows"), table.get("columns")
        if not isinstance(rows, list) or not isinstance(cols, list) or not rows or not cols:
            _fail(w, "a matrix needs non-empty 'rows' and 'columns' lists")
        if not isinstance(body, list) or len(body) != len(rows) or any(
            not isinstance(r, list) or len(r) != len(cols) for r in body
        ):
            _fail(w, f"'matrix' must be {len(rows)} rows of {len(cols)} labels")
        order = table.get("order")
        if order is not None:
            missing = sorted({v for r in body for v in r} - set(order))
            if missing:
                _fail(w, f"matrix labels {missing} are not in 'order'")
    elif kind == "rules":
        if not isinstance(body, list | Mapping) or not body:
            _fail(w, "'rules' must be a non-empty list or mapping")
    elif kind == "list" and (not isinstance(body, Mapping) or not body):
        _fail(w, "'list' must be a non-empty mapping of key to list")


def validate_rubric(doc: Any, *, where: str, expected_id: str | None = None) -> None:
    """Check one parsed rubric file; raise :class:`RubricSchemaError` on the first problem.

    Parameters
    ----------
    doc
        The parsed YAML document.
    where
        Name used in messages (the file path).
    expected_id
        The id implied by the file's location (``<kind>/<version>``); must equal ``doc["id"]``.

    Examples
    --------
    >>> validate_rubric({"id": "x"}, where="x.yml")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    RubricSchemaError: x.yml: missing key 'kind'
    """
    if not isinstance(doc, Mapping):
        _fail(where, "a rubric file must be a YAML mapping")
    for key in _REQUIRED_TOP:
        if key not in doc:
            _fail(where, f"missing key {key!r}")
    unknown = sorted(set(doc) - set(_REQUIRED_TOP) - set(_OPTIONAL_TOP))
    if unknown:
        _fail(where, f"unknown keys {unknown}")
    if doc["id"] != f"{doc['kind']}/{doc['version']}":
        _fail(where, f"id {doc['id']!r} must be '<kind>/<version>' = '{doc['kind']}/{doc['version']}'")
    if expected_id is not None and doc["id"] != expected_id:
        _fail(where, f"id {doc['id']!r} does not match the file location {expected_id!r}")
    sources = doc["sources"]
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        _fail(where, "sources must be a non-empty list of strings (URLs or citations)")
    start = _date(doc["valid_from"], f"{where}.valid_from", allow_none=False)
    end = _date(doc["valid_to"], f"{where}.valid_to", allow_none=True)
    if end is not None and start is not None and end < start:
        _fail(where, f"valid_to {end} is before valid_from {start}")
    tables = doc["tables"]
    if not isinstance(tables, Mapping) or not tables:
        _fail(where, "tables must be a non-empty mapping")
    for name, table in tables.items():
        _check_table(str(name), table, where)
    default = doc.get("classify")
    if default is not None and (default not in tables or tables[default]["kind"] != "bands"):
        _fail(where, f"classify names {default!r}, which is not a band table of this rubric")
    snap = doc.get("snap_decimals", 9)
    if isinstance(snap, bool) or not isinstance(snap, int) or not 0 <= snap <= 12:
        _fail(where, f"snap_decimals must be an integer 0–12, got {snap!r}")
    for i, item in enumerate(doc.get("verification") or []):
        if not isinstance(item, Mapping) or not {"claim", "source", "result"} <= set(item):
            _fail(f"{where}.verification[{i}]", "needs claim, source and result")
