"""Tables for readers: pandas Styler with translated headers, the language's number format,
p-values as ``< 0,001``, coloured bands, no index and never NaN/None/True/False.

Every table a report shows goes through :func:`styled`; a missing value is shown as ``–`` and the
table's caption says what it means.

>>> import pandas as pd
>>> html = styled(pd.DataFrame({"estimate": [1.5], "p_value": [0.0]}), lang="id").to_html()
>>> "1,50" in html and "&lt; 0,001" in html and "Nilai p" in html
True
>>> ">2024<" in styled(pd.DataFrame({"year": [2024]}), lang="id").to_html().replace(" ", "")
True
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from kinerja_research.analysis.i18n import MISSING, glossary, number, p_value, translate

__all__ = ["BAND_COLOURS", "PLAIN_COLUMNS", "TRANSLATED_COLUMNS", "styled"]

#: Columns shown as written, without a thousands separator (years, codes).
PLAIN_COLUMNS = ("period", "year", "cohort", "e", "region_id", "unit_id")

#: Columns whose values are names the i18n catalogue translates (model terms such as
#: ``Intercept``, variance levels, the data contract's table and column names).
TRANSLATED_COLUMNS = ("term", "level", "table", "column")

#: Background of official categories (good → poor), matched case-insensitively.
BAND_COLOURS: dict[str, str] = {
    **dict.fromkeys(["a", "aa", "sangat baik", "hijau", "sangat tinggi", "optimal", "kepatuhan tinggi",
                     "reward"], "#c7e9c0"),
    **dict.fromkeys(["b", "bb", "baik", "tinggi", "kuning", "cukup optimal", "kepatuhan sedang",
                     "target_met"], "#fff3b0"),
    **dict.fromkeys(["c", "cc", "kurang baik", "sedang", "cukup baik", "kurang optimal"], "#fde0c5"),
    **dict.fromkeys(["d", "tidak baik", "buruk", "merah", "rendah", "sangat rendah", "kepatuhan rendah",
                     "punishment"], "#f4b6b6"),
}


def _cell(v: Any, lang: str, digits: int, kind: str) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return MISSING
    if isinstance(v, bool | np.bool_):
        return translate("yes" if v else "no", lang)
    if kind == "plain":
        return str(int(v)) if isinstance(v, float | np.floating) and float(v).is_integer() else str(v)
    if kind == "p":
        return p_value(v, lang)
    if kind == "pct":
        return number(100 * float(v), lang, digits) + " %"
    if isinstance(v, int | np.integer):
        return number(v, lang, 0)
    if isinstance(v, float | np.floating):
        return number(v, lang, digits)
    return str(v)


_NUMBER_TEXT = re.compile(r"^\s*(?:[<>]\s*)?[-+−]?[\d.,]+\s*%?\s*$")


def _numeric_column(col: pd.Series, kind: str) -> bool:
    """Whether a column shows numbers (numeric dtype, or text that is all formatted numbers)."""
    if kind in ("p", "pct") or (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)):
        return True
    vals = [v for v in col.tolist() if isinstance(v, str) and v.strip() not in ("", MISSING)]
    if vals:
        return all(_NUMBER_TEXT.match(v) for v in vals)
    # object columns of numbers (e.g. ints with None for a withheld value)
    nums = [v for v in col.tolist() if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return bool(nums) and all(isinstance(v, int | float | np.integer | np.floating)
                              and not isinstance(v, bool | np.bool_) for v in nums)


def styled(
    df: pd.DataFrame,
    *,
    lang: str = "id",
    digits: int | Mapping[str, int] = 2,
    pvalues: Iterable[str] = ("p_value",),
    percent: Iterable[str] = (),
    bands: Iterable[str] = (),
    plain: Iterable[str] = PLAIN_COLUMNS,
    headers: Mapping[str, str] | None = None,
    caption: str | None = None,
    missing: str | None = None,
) -> Styler:
    """A reader's table of ``df``.

    Parameters
    ----------
    df
        The table (its index is not shown; put what matters in columns).
    lang
        ``"id"`` or ``"en"``: headers (through the i18n catalogue), number format, yes/no.
    digits
        Decimals for float columns: one number, or per column (default 2). Integer columns
        have none.
    pvalues
        Columns shown as p-values (``< 0,001``).
    percent
        Columns holding shares (0–1), shown as percentages.
    bands
        Columns of official categories, coloured good → poor (:data:`BAND_COLOURS`); on English
        pages the caption explains the Indonesian labels among them (``Rendah = low``).
    plain
        Columns shown as written (years, codes: ``2024``, not ``2.024``).
    headers
        Header overrides ``{column: text}`` (values of the :data:`TRANSLATED_COLUMNS` are
        translated through the catalogue too); other headers are translated when the catalogue
        has them, else shown as they are.
    caption
        Text above the table.
    missing
        What a missing value (``–``) means here; when the table holds one and no text is
        given, the caption says "– : not available".

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> t = styled(pd.DataFrame({"mutu": ["A", None]}), lang="en", bands=["mutu"])
    >>> "not available" in t.to_html()
    True
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"styled needs a DataFrame, not {type(df).__name__}")
    pv, pc, bd, pl = set(pvalues), set(percent), list(bands), set(plain)
    shown = df.reset_index(drop=True)
    for col in TRANSLATED_COLUMNS:
        if col in shown.columns and not pd.api.types.is_numeric_dtype(shown[col]):
            shown[col] = [translate(v, lang) if isinstance(v, str) else v for v in shown[col]]
    fmts = {}

    def kind_of(col: Any) -> str:
        return "p" if col in pv else "pct" if col in pc else "plain" if col in pl else "num"

    for col in shown.columns:
        d = digits.get(col, 2) if isinstance(digits, Mapping) else digits
        kind = kind_of(col)
        fmts[col] = (lambda v, d=d, kind=kind: html.escape(_cell(v, lang, d, kind), quote=False))
    labels = {c: html.escape((headers or {}).get(c, translate(str(c), lang)), quote=False) for c in shown.columns}
    st = shown.style.format(fmts).hide(axis="index").relabel_index(
        [labels[c] for c in shown.columns], axis="columns")
    colour_cols = [c for c in bd if c in shown.columns]
    if colour_cols:
        def colour(v: Any) -> str:
            c = BAND_COLOURS.get(str(v).strip().lower()) if isinstance(v, str) else None
            return f"background-color: {c}" if c else ""

        st = st.map(colour, subset=colour_cols)
    notes = [caption] if caption else []
    # English pages keep official Indonesian category labels and explain them once, here
    words = glossary([v for c in colour_cols for v in shown[c].tolist()], lang)
    if words:
        notes.append(words)
    if shown.isna().to_numpy().any():
        notes.append(f"{MISSING} : {missing}" if missing else translate("missing_note", lang))
    if notes:
        st = st.set_caption(" — ".join(notes))
    # numbers right-aligned (digits line up), words left-aligned (they read from the left)
    text_cols = [i for i, c in enumerate(shown.columns) if not _numeric_column(shown[c], kind_of(c))]
    return st.set_table_styles([
        {"selector": "caption", "props": "caption-side: top; text-align: left; color: #444; font-size: 0.9em;"},
        {"selector": "th", "props": "text-align: left; padding: 3px 8px;"},
        {"selector": "td", "props": "padding: 3px 8px; text-align: right;"},
        *({"selector": f"td.col{i}", "props": "text-align: left;"} for i in text_cols),
        # a caption is as wide as its table: a long one above a narrow table would wrap into a
        # column a few words wide, so such tables get a reading width
        *([{"selector": "", "props": "min-width: min(100%, 42em);"}] if sum(map(len, notes)) > 100 else []),
    ], overwrite=False)
