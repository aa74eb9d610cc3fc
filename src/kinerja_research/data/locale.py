"""One number format per file: which character is the decimal mark, which groups thousands.

Indonesian exports write ``1.234,5`` (decimal comma, dot thousands); English ones ``1,234.5``.
A value such as ``12.500`` means 12,500 in the first and 12.5 in the second, so the format is
decided once per file — given by the caller, else detected from values that can only be read
one way, else from the CSV delimiter (``;`` is what Excel writes where the decimal mark is a
comma) — and every value is parsed with it. When the format cannot be decided, a value that
reads differently under the two formats is rejected, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kinerja_research.data.errors import ContractError

_SIGN = r"^[+-]?"
_EXP = r"([eE][+-]?[0-9]+)?$"


@dataclass(frozen=True)
class NumberFormat:
    """The number format of one file.

    Attributes
    ----------
    decimal
        ``","``, ``"."`` or ``None`` (undetermined: only values read the same way under both
        formats are accepted).
    thousands
        The grouping character (``"."``, ``","``, ``" "``) or ``""`` for none.
    source
        ``"given"``, ``"values"`` (with an ``example``), ``"delimiter"`` or ``"undetermined"``.
    example
        A value that decided the format, when ``source == "values"``.

    Examples
    --------
    >>> NumberFormat(",", ".", "given").describe()
    "decimal comma, '.' groups thousands (given)"
    """

    decimal: str | None
    thousands: str
    source: str
    example: str | None = None

    def describe(self) -> str:
        """The file's number rule in words, for summaries and the data-quality page."""
        if self.decimal is None:
            return "undetermined (no value shows which mark is the decimal one)"
        mark = "comma" if self.decimal == "," else "point"
        group = f"{self.thousands!r} groups thousands" if self.thousands else "no thousands grouping"
        why = f"detected from values such as {self.example!r}" if self.source == "values" else (
            "the file is ';'-delimited" if self.decimal == "," else "the file is ','-delimited"
        ) if self.source == "delimiter" else self.source
        return f"decimal {mark}, {group} ({why})"


def _pattern(decimal: str, thousands: str) -> str:
    d = "\\" + decimal
    grouped = "" if not thousands else "|[1-9][0-9]{0,2}(" + ("\\s" if thousands == " " else "\\" + thousands) + "[0-9]{3})+"
    return _SIGN + "(([0-9]+" + grouped + ")(" + d + "[0-9]*)?|" + d + "[0-9]+)" + _EXP


_ONLY_COMMA_DECIMAL = _SIGN + r"([0-9]+,[0-9]+|[0-9]{1,3}(\.[0-9]{3})+,[0-9]*|[1-9][0-9]{0,2}(\.[0-9]{3}){2,})$"
_ONLY_POINT_DECIMAL = _SIGN + r"([0-9]*\.[0-9]+|[0-9]{1,3}(,[0-9]{3})+\.[0-9]*|[1-9][0-9]{0,2}(,[0-9]{3}){2,})$"
_AMBIGUOUS = _SIGN + r"[1-9][0-9]{0,2}[.,][0-9]{3}$"


def normalize_format(decimal: str | None, thousands: str | None) -> tuple[str | None, str | None]:
    """Check ``decimal=`` / ``thousands=`` arguments; fill in the usual partner mark."""
    if decimal not in (None, ",", "."):
        raise ContractError(f"decimal={decimal!r}: give ',' (Indonesian exports) or '.'.")
    if thousands not in (None, "", ".", ",", " "):
        raise ContractError(f"thousands={thousands!r}: give '.', ',', ' ' or '' (no grouping).")
    if decimal is not None and thousands == decimal:
        raise ContractError(f"decimal and thousands cannot both be {decimal!r}.")
    if decimal is None and thousands is not None:
        decimal = "," if thousands == "." else "." if thousands in (",", " ", "") else None
    if thousands is None and decimal is not None:
        thousands = "." if decimal == "," else ","
    return decimal, thousands


def _matches(arr: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(zero_copy_only=False)


def detect(texts: list[pd.Series], delimiter: str | None, decimal: str | None,
           thousands: str | None) -> NumberFormat:
    """Decide the file's number format from its numeric text columns (see the module doc).

    Only distinct values are scanned, so a million rows cost a few thousand regex matches.

    Examples
    --------
    >>> detect([pd.Series(["1.234,5", "12"])], ",", None, None).decimal
    ','
    >>> detect([pd.Series(["12.500"])], None, None, None).decimal is None
    True
    """
    decimal, thousands = normalize_format(decimal, thousands)
    if decimal is not None:
        assert thousands is not None  # normalize_format gives a decimal mark its partner
        return NumberFormat(decimal, thousands, "given")
    comma_ex = point_ex = None
    for t in texts:
        u = pc.utf8_trim_whitespace(pc.unique(pa.array(t.dropna().array)))
        if len(u) == 0:
            continue
        clear = ~_matches(u, _AMBIGUOUS)
        if comma_ex is None:
            hit = np.flatnonzero(_matches(u, _ONLY_COMMA_DECIMAL) & clear)
            comma_ex = u[int(hit[0])].as_py() if len(hit) else None
        if point_ex is None:
            hit = np.flatnonzero(_matches(u, _ONLY_POINT_DECIMAL) & clear)
            point_ex = u[int(hit[0])].as_py() if len(hit) else None
    if comma_ex is not None and point_ex is None:
        return NumberFormat(",", ".", "values", comma_ex)
    if point_ex is not None and comma_ex is None:
        return NumberFormat(".", ",", "values", point_ex)
    if comma_ex is None and point_ex is None:
        if delimiter == ";":
            return NumberFormat(",", ".", "delimiter")
        if delimiter == ",":
            return NumberFormat(".", ",", "delimiter")
    return NumberFormat(None, "", "undetermined")


def _parse_with(arr: pa.Array, decimal: str, thousands: str) -> tuple[np.ndarray, np.ndarray]:
    """Values under one format and the mask of texts that follow it."""
    ok = _matches(arr, _pattern(decimal, thousands))
    t = arr
    if thousands:
        t = pc.replace_substring_regex(t, r"\s" if thousands == " " else "\\" + thousands, "")
    if decimal == ",":
        t = pc.replace_substring(t, ",", ".")
    t = pc.if_else(pa.array(ok), t, pa.scalar(None, pa.string()))
    values = pc.cast(t, pa.float64()).to_numpy(zero_copy_only=False)
    return values, ok


def parse_numbers(text: pd.Series, fmt: NumberFormat) -> tuple[np.ndarray, pd.Series, dict[str, int]]:
    """Parse number text with the file's format.

    Returns
    -------
    values : numpy.ndarray
        float64; NaN where missing or rejected.
    reasons : pandas.Series
        ``string``: why a value is rejected, else ``<NA>``.
    counts : dict of str to int
        Rows read with a decimal comma / with thousands separators removed.

    Examples
    --------
    >>> v, why, n = parse_numbers(pd.Series(["12.500", "1.498,5"]), NumberFormat(",", ".", "given"))
    >>> v.tolist(), n
    ([12500.0, 1498.5], {'decimal_comma': 1, 'thousands_removed': 2})
    """
    reasons = pd.Series(pd.NA, index=text.index, dtype="string")
    counts: dict[str, int] = {}
    t = text.astype("string")
    present = t.notna().to_numpy()
    if not present.any():
        return np.full(len(t), np.nan), reasons, counts
    arr = pa.array(t.array)
    if fmt.decimal == ".":
        try:  # fast path before any stripping: plain point-decimal text, the usual CSV
            values = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
            if not np.isnan(values[present]).any():
                return values, reasons, counts
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    t = t.str.strip()
    t = t.mask(t == "")
    present = t.notna().to_numpy()
    arr = pa.array(t.array)
    plain = fmt.decimal == "." or (
        fmt.decimal is None and not _matches(arr, _AMBIGUOUS).any())
    if plain:
        try:  # fast path: point-decimal text without grouping, e.g. every value of a clean CSV
            values = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
            nan = present & np.isnan(values)  # the text "nan" casts; it is no number
            if nan.any():
                reasons[nan] = "'" + t[nan] + "' is not a number"
            return values, reasons, counts
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    if fmt.decimal is not None:
        values, ok = _parse_with(arr, fmt.decimal, fmt.thousands)
        other = "." if fmt.decimal == "," else ","
        _, ok_other = _parse_with(arr, other, fmt.decimal)
        bad = present & ~ok
        wrong_format = bad & ok_other
        if wrong_format.any():
            reasons[wrong_format] = ("'" + t[wrong_format] + "' does not follow this file's number "
                                     "format: " + fmt.describe() + "; fix the value or give decimal=")
        rest = bad & ~ok_other
        if rest.any():
            reasons[rest] = "'" + t[rest] + "' is not a number"
    else:
        v_comma, ok_comma = _parse_with(arr, ",", ".")
        v_point, ok_point = _parse_with(arr, ".", ",")
        same = ok_comma & ok_point & (v_comma == v_point)
        ambiguous = ok_comma & ok_point & ~same
        values = np.where(ok_comma & ~ok_point, v_comma, v_point)
        values = np.where(ok_comma | ok_point, values, np.nan)
        values[ambiguous] = np.nan
        if ambiguous.any():
            reasons[ambiguous] = (
                "'" + t[ambiguous] + "' could be read with a decimal point or with '.'/',' "
                "grouping thousands, and this file shows neither format; give decimal=',' "
                "(Indonesian: 1.234,5) or decimal='.' (1,234.5)"
            )
        bad = present & ~(ok_comma | ok_point)
        if bad.any():
            reasons[bad] = "'" + t[bad] + "' is not a number"
        ok = present & ~ambiguous & ~bad
    good = np.asarray(ok, dtype=bool) & present
    comma = good & t.str.contains(",", regex=False).fillna(False).to_numpy(dtype=bool)
    dots = good & t.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
    if fmt.decimal == ",":
        n_dec, n_thou = int(comma.sum()), int(dots.sum())
    elif fmt.decimal == ".":
        n_dec, n_thou = 0, int(comma.sum())
    else:  # only values with a single reading got here: a lone comma is a decimal one
        n_dec, n_thou = int((comma & ~dots).sum()), int((comma & dots).sum())
    if n_dec:
        counts["decimal_comma"] = n_dec
    if n_thou:
        counts["thousands_removed"] = n_thou
    return values, reasons, counts
