"""Read and validate real exports (CSV, XLSX, Parquet) against the data contract.

Row-level problems never raise: every row is either valid or rejected with its reasons, so
``len(valid) + n_rejected_rows == n_rows`` always. Whole-file problems raise one exception type,
:class:`~kinerja_research.data.errors.ContractError`, with a message a BKD analyst can act on.
The input file is only ever opened for reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kinerja_research.data._raw import Raw, header_map, map_header, normalize_header
from kinerja_research.data.errors import ContractError
from kinerja_research.data.limits import ReadLimits, check_file_size
from kinerja_research.data.locale import NumberFormat, detect, parse_numbers
from kinerja_research.data.nip import (
    NORMALIZATIONS,
    NUMERIC_NIP,
    nip_digits,
    nip_from_numbers,
    nip_problems,
    normalize_nip,
)
from kinerja_research.data.schemas import (
    CATEGORY_SYNONYMS,
    DTYPES,
    FALSE_WORDS,
    TRUE_WORDS,
    ColumnSpec,
    pandera_schema,
    table_spec,
)

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
           ".parquet": "parquet", ".pq": "parquet"}
#: First data row as a spreadsheet numbers it when the header is row 1.
FIRST_ROW = 2
__all__ = ["FORMATS", "ContractError", "ReadLimits", "ReadResult", "header_map", "map_header",
           "normalize_header", "read"]
#: What ``ReadResult.normalizations`` says for number-format conversions.
NUMBER_NORMALIZATIONS = {
    "decimal_comma": "decimal comma read as the decimal mark",
    "thousands_removed": "thousands separators removed",
}


@dataclass(frozen=True)
class ReadResult:
    """What :func:`read` returns.

    Attributes
    ----------
    valid
        Rows that satisfy every rule, typed, with canonical column names.
    rejected
        One row per problem: ``row`` (as a spreadsheet numbers it), ``column``, ``value`` (the
        raw cell as text, for fixing: it may hold personal data) and ``reason``; for a workbook
        read from several sheets also ``sheet``. A row with several problems appears several
        times.
    n_rows
        Data rows read from the file (all sheets read); always
        ``len(valid) + n_rejected_rows``.
    normalizations
        What was changed to make values readable, one row per column and kind: ``column``,
        ``kind`` (a key such as ``spaces``, ``grouped_spaces``, ``apostrophe``, ``formula``,
        ``integer_text``, ``integer_column``, ``decimal_comma``, ``thousands_removed``),
        ``description`` and ``rows`` (rows affected, valid or not).
    number_format
        The file's number rule (:class:`~kinerja_research.data.locale.NumberFormat`): the
        decimal mark and thousands separator used for every numeric text, and how it was
        decided (``given``, ``values``, ``delimiter`` or ``undetermined``).
    sheets
        For a workbook, one row per sheet: ``sheet``, ``status`` (``read``, ``empty`` or why
        it was not read), ``header_row`` and ``rows``; empty for other formats.
    header_row
        Row of the header in the file (1 unless title rows sit above it).
    delimiter
        The CSV delimiter found (``None`` for other formats).
    ignored_columns
        Headers that are not part of the contract (not kept).
    dropped_personal
        Headers holding personal data (names, addresses …), dropped on reading.
    """

    table: str
    path: str
    valid: pd.DataFrame
    rejected: pd.DataFrame
    n_rows: int
    column_map: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    dropped_personal: list[str] = field(default_factory=list)
    normalizations: pd.DataFrame = field(default_factory=lambda: _norm_frame([]))
    number_format: NumberFormat | None = None
    sheets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["sheet", "status", "header_row", "rows"]))
    header_row: int = 1
    delimiter: str | None = None

    @property
    def n_rejected_rows(self) -> int:
        """Number of distinct rows with at least one problem."""
        return int(self.rejected["row"].nunique())

    def summary(self) -> pd.DataFrame:
        """Rejected rows counted by column and reason (reasons without the offending value)."""
        if self.rejected.empty:
            return pd.DataFrame(columns=["column", "reason", "rows"])
        r = self.rejected.assign(reason=self.rejected["reason"].str.replace(r"'.*?'", "…", regex=True))
        r["row"] = r["row"].astype(str) + "/" + (r["sheet"] if "sheet" in r else "")
        out = r.groupby(["column", "reason"], observed=True)["row"].nunique()
        return out.rename("rows").reset_index().sort_values("rows", ascending=False, ignore_index=True)

    def __repr__(self) -> str:
        return (
            f"ReadResult({self.table!r} from {Path(self.path).name}: {self.n_rows:,} rows, "
            f"{len(self.valid):,} valid, {self.n_rejected_rows:,} rejected)"
        )


def _norm_frame(items: list[tuple[str, str, int]]) -> pd.DataFrame:
    desc = {**NORMALIZATIONS, **NUMBER_NORMALIZATIONS}
    return pd.DataFrame({
        "column": pd.Series([c for c, _, _ in items], dtype="string"),
        "kind": pd.Series([k for _, k, _ in items], dtype="string"),
        "description": pd.Series([desc.get(k, k) for _, k, _ in items], dtype="string"),
        "rows": pd.Series([n for _, _, n in items], dtype="int64"),
    })


# --------------------------------------------------------------------------------------------
# whole-file loading
# --------------------------------------------------------------------------------------------
def _read_parquet(path: Path, table: str, limits: ReadLimits) -> Raw:
    check_file_size(path, limits)
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, … on a damaged file
        raise ContractError(
            f"{path.name} is not a readable Parquet file ({type(exc).__name__}: {exc})."
        ) from None
    mapped = map_header(list(df.columns), table, path.name)
    frame = df.iloc[:, mapped.positions].set_axis(mapped.canonical, axis=1).reset_index(drop=True)
    return Raw(frame, np.arange(FIRST_ROW, FIRST_ROW + len(frame), dtype=np.int64), mapped)


def _load(path: Path, table: str, sheet: str | int | None, limits: ReadLimits) -> Raw:
    if not path.exists():
        raise ContractError(f"{path} does not exist.")
    if path.is_dir():
        raise ContractError(f"{path} is a folder; give the path of one CSV, XLSX or Parquet file.")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ContractError(
            f"{path.name}: unknown format {path.suffix!r}. Supported: CSV (.csv), Excel (.xlsx) "
            "and Parquet (.parquet). Save .xls workbooks as .xlsx first."
        )
    if sheet not in (None, 0) and fmt != "xlsx":  # a CSV or Parquet file is its own first sheet
        raise ContractError(f"{path.name}: sheet={sheet!r} only applies to Excel workbooks.")
    if fmt == "csv":
        from kinerja_research.data._csv import read_csv

        raw = read_csv(path, table, limits)
    elif fmt == "xlsx":
        from kinerja_research.data._xlsx import read_xlsx

        raw = read_xlsx(path, table, sheet, limits)
    else:
        raw = _read_parquet(path, table, limits)
    if len(raw.frame) == 0:
        raise ContractError(f"{path.name} has a header but no data rows.")
    return raw


# --------------------------------------------------------------------------------------------
# parsing columns
# --------------------------------------------------------------------------------------------
@dataclass
class Cells:
    """One column's cells split by type: text, or numbers a workbook or Parquet file typed."""

    text: pd.Series  # ``string``, stripped; <NA> where empty or numeric
    num: np.ndarray  # float64; NaN where not numeric
    is_num: np.ndarray  # bool
    original: pd.Series  # as read

    def shown_at(self, mask: np.ndarray | pd.Series) -> pd.Series:
        """The raw cells at ``mask`` as text, for reasons and rejects (only rejected rows pay)."""
        m = np.asarray(mask, dtype=bool)
        orig = self.original[m]
        if isinstance(orig.dtype, pd.StringDtype):
            return orig
        return pd.Series([_shown(v) for v in orig.to_numpy()], index=orig.index, dtype="string")


def _shown(v: object) -> str | None:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return v if isinstance(v, str) else _cell_text(v)


def _cell_text(v: object) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def _num_text(num: np.ndarray) -> pd.Series:
    """Text of numeric cells: whole numbers without '.0' (a region code typed as a number)."""
    s = pd.Series(num)
    whole = np.isfinite(num) & (num == np.round(num)) & (np.abs(num) < 2**53)
    out = s.astype("string")
    if whole.any():
        out[whole] = s[whole].astype("int64").astype("string")
    return out.mask(np.isnan(num))


def _arrow_text(arr: pa.Array, index: pd.Index) -> pd.Series:
    """Text with empty cells missing, as a pandas ``string`` Series without a copy per cell.

    Not stripped here: each parser strips where it matters (ids, yes/no), categories strip
    their few distinct values, numbers only when the fast cast fails.
    """
    t = arr
    if pc.any(pc.equal(t, "")).as_py():
        t = pc.if_else(pc.equal(t, ""), pa.scalar(None, t.type), t)
    chunked = t if isinstance(t, pa.ChunkedArray) else pa.chunked_array([t])
    return pd.Series(pd.arrays.ArrowStringArray(chunked), index=index)


def _cells(s: pd.Series) -> Cells:
    n = len(s)
    no_text = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(n, pa.string())])),
                        index=s.index)
    no_num = np.full(n, np.nan)
    if pd.api.types.is_bool_dtype(s):
        text = s.astype("boolean").astype("string").str.lower()
        return Cells(text, no_num, np.zeros(n, bool), s)
    if pd.api.types.is_numeric_dtype(s):
        num = s.astype("float64").to_numpy()
        return Cells(no_text, num, ~np.isnan(num), s)
    if s.dtype == object:
        arr = s.to_numpy()
        try:  # the usual text column: every cell a string (or empty)
            return Cells(_arrow_text(pa.array(arr, type=pa.string(), from_pandas=True), s.index),
                         no_num, np.zeros(n, bool), s)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass
        if pd.api.types.infer_dtype(s, skipna=True) in ("floating", "integer", "mixed-integer-float"):
            num = arr.astype("float64")
            return Cells(no_text, num, ~np.isnan(num), s)
        is_num = np.fromiter(((type(v) is float or type(v) is int) for v in arr), bool, n)
        num = no_num.copy()
        if is_num.any():
            num[is_num] = arr[is_num].astype("float64")
        texts = [None if m else _shown(v) for v, m in zip(arr, is_num, strict=True)]
        return Cells(_arrow_text(pa.array(texts, type=pa.string()), s.index), num, is_num, s)
    arrow = s.array if isinstance(s.array, pd.arrays.ArrowStringArray) else s.astype("string").array
    return Cells(_arrow_text(pa.array(arrow), s.index) if n else no_text,
                 no_num, np.zeros(n, bool), s)


def _as_text(c: Cells, strip: bool = True) -> pd.Series:
    """Every cell as text, stripped, blank → missing (typed numbers without a spurious '.0')."""
    t = c.text
    if strip and len(t):
        t = _arrow_text(pc.utf8_trim_whitespace(pa.array(t.array)), t.index)
    if not c.is_num.any():
        return t
    t = t.copy()
    t[c.is_num] = _num_text(c.num[c.is_num]).to_numpy()
    return t


def _parse_number(c: Cells, integer: bool, fmt: NumberFormat) -> tuple[pd.Series, pd.Series, dict]:
    """Numbers: typed cells as they are, text with the file's number format."""
    index = c.text.index
    reason = pd.Series(pd.NA, index=index, dtype="string")
    counts: dict[str, int] = {}
    values = c.num.copy()
    has_text = c.text.notna().to_numpy()
    if has_text.any():
        v, r, counts = parse_numbers(c.text, fmt)
        values = v if has_text.all() else np.where(has_text, v, values)
        reason = r if has_text.all() else reason.mask(has_text, r)
    # numpy on the whole column: NaN compares False, so missing values pass every test below
    inf = np.isinf(values)
    if inf.any():
        reason[inf] = "'" + c.shown_at(inf) + "' is not a finite number"
        values = np.where(inf, np.nan, values)
    if integer:
        with np.errstate(invalid="ignore"):
            frac = values != np.floor(values)
            frac &= ~np.isnan(values)
            big = np.abs(values) > 2**53
        if frac.any():
            reason[frac] = "'" + c.shown_at(frac) + "' is not a whole number"
        if big.any():
            reason[big] = "'" + c.shown_at(big) + "' is too large"
        if frac.any() or big.any():
            values = np.where(frac | big, np.nan, values)
    return pd.Series(values, index=index, dtype="float64"), reason, counts


def _parse_bool(c: Cells) -> tuple[pd.Series, pd.Series]:
    s = c.original
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), pd.Series(pd.NA, index=s.index, dtype="string")
    text = _as_text(c)
    # Arrow kernels on the whole column: a few ms per million rows, not a Python call per row
    low = pc.utf8_lower(pa.array(text.array))
    is_true = np.asarray(pc.is_in(low, value_set=pa.array(sorted(TRUE_WORDS), pa.string()))
                         .to_numpy(zero_copy_only=False), dtype=bool)
    is_false = np.asarray(pc.is_in(low, value_set=pa.array(sorted(FALSE_WORDS), pa.string()))
                          .to_numpy(zero_copy_only=False), dtype=bool)
    values = pd.Series(pd.arrays.BooleanArray(is_true, ~(is_true | is_false)), index=s.index)
    reason = pd.Series(pd.NA, index=s.index, dtype="string")
    bad = text.notna().to_numpy() & ~(is_true | is_false)
    if bad.any():
        reason[bad] = "'" + text[bad] + "' is not yes/no (ya/tidak, 1/0, true/false)"
    return values, reason


def _parse_category(c: Cells, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    # Normalize the few distinct spellings, not every row: factorize first.
    s = c.original
    codes, uniques = pd.factorize(_as_text(c, strip=False), use_na_sentinel=True)
    norm = pd.Index(uniques).astype(str).str.lower().str.strip()
    norm = norm.str.replace(r"[\s\-/.]+", "_", regex=True).str.strip("_")
    synonyms = CATEGORY_SYNONYMS.get(spec.name, {})
    mapped = np.array([synonyms.get(u, u) for u in norm], dtype=object)
    allowed = set(spec.categories)
    known = np.array([m in allowed for m in mapped], dtype=bool)
    cat = pd.CategoricalDtype(list(spec.categories))
    ok_codes = np.where(codes >= 0, codes, 0)
    value_idx = np.where((codes >= 0) & known[ok_codes] if len(known) else False, codes, -1)
    cat_codes = np.full(len(s), -1, dtype=np.int64)
    if len(mapped):
        code_of = np.array([cat.categories.get_loc(m) if k else -1 for m, k in zip(mapped, known, strict=True)])
        cat_codes = np.where(value_idx >= 0, code_of[np.maximum(value_idx, 0)], -1)
    values = pd.Series(pd.Categorical.from_codes(cat_codes, dtype=cat), index=s.index)
    reason = pd.Series(pd.NA, index=s.index, dtype="string")
    bad = (codes >= 0) & ~known[ok_codes] if len(known) else np.zeros(len(s), bool)
    if bad.any():
        reason[bad] = "'" + c.shown_at(bad) + "' is not one of " + ", ".join(spec.categories)
    return values, reason


def _check_reason(check: str, spec: ColumnSpec) -> str:
    if check.startswith("isin"):
        return "is not one of " + ", ".join(spec.categories)
    if check.startswith("greater_than_or_equal_to"):
        return f"is below the minimum {spec.min:g}"
    if check.startswith("greater_than"):
        return f"must be greater than {spec.min:g}"
    if check.startswith("less_than_or_equal_to"):
        return f"is above the maximum {spec.max:g}"
    if check.startswith("str_matches"):
        return "has the wrong form"
    if check == "not_nullable":
        return "is missing (required)"
    return f"fails check {check}"


# --------------------------------------------------------------------------------------------
# the public reader
# --------------------------------------------------------------------------------------------
def read(
    path: str | Path,
    table: str,
    *,
    sheet: str | int | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    limits: ReadLimits | None = None,
) -> ReadResult:
    """Read a CSV, XLSX or Parquet export and validate it against the data contract.

    Parameters
    ----------
    path
        The file. It is opened read-only and never modified.
    table
        One of the contract's tables: ``regions``, ``units``, ``employees``, ``skm_responses``,
        ``unit_performance``, ``institution_assessments``, ``policies``.
    sheet
        Worksheet of an Excel file (name or position from 0). By default every sheet holding
        the table's header is read, and sheets sharing it are stacked; other sheets are listed
        in ``.sheets`` with why they were not read.
    decimal, thousands
        The file's number format, e.g. ``decimal=","`` (Indonesian: ``1.234,5``; thousands then
        defaults to ``"."``) or ``decimal="."``. By default it is detected from the values, then
        from the CSV delimiter; when it cannot be, values that read differently under the two
        formats (``12.500``) are rejected with a reason.
    limits
        Size limits checked before parsing (:class:`ReadLimits`); by default
        ``ReadLimits.from_env()`` (``KINERJA_MAX_*`` environment variables).

    Returns
    -------
    ReadResult
        ``.valid`` (typed canonical DataFrame), ``.rejected`` (row, column, value, reason),
        ``.n_rows``, ``.normalizations``, ``.number_format``, ``.sheets``;
        ``len(valid) + n_rejected_rows == n_rows``.

    Raises
    ------
    ContractError
        For whole-file problems: unknown format, empty file, undecodable text, a limit
        exceeded, missing required columns (all listed at once), a column given twice, a
        workbook whose sheets hold the table with different headers.

    Examples
    --------
    >>> res = read("data/raw/pegawai_2024.csv", table="employees")  # doctest: +SKIP
    >>> res.valid.head(); res.rejected.head(); res.normalizations  # doctest: +SKIP
    >>> read("rekap.xlsx", "employees", sheet="Pegawai", decimal=",")  # doctest: +SKIP
    """
    spec = table_spec(table)
    path = Path(path)
    limits = ReadLimits.from_env() if limits is None else limits
    raw = _load(path, table, sheet, limits)
    frame = raw.frame.reset_index(drop=True)
    n = len(frame)
    cells = {c: _cells(frame[c]) for c in frame.columns}
    numeric = [c.name for c in spec.columns if c.kind in ("int", "float") and c.name in cells]
    fmt = detect([cells[c].text for c in numeric], raw.delimiter, decimal, thousands)
    parsed: dict[str, pd.Series] = {}
    problems: list[pd.DataFrame] = []
    norms: list[tuple[str, str, int]] = []

    def add(mask: np.ndarray | pd.Series, column: str, reasons: pd.Series | str) -> None:
        m = np.asarray(mask, dtype=bool)
        if not m.any():
            return
        idx = np.flatnonzero(m)
        values = cells[column].shown_at(m).to_numpy()
        rs = reasons.iloc[idx].to_numpy() if isinstance(reasons, pd.Series) else reasons
        problems.append(pd.DataFrame({"i": idx, "column": column, "value": values, "reason": rs}))

    if raw.row_problems:
        idx = np.fromiter(raw.row_problems, dtype=np.int64)
        problems.append(pd.DataFrame({
            "i": idx, "column": "(row)",
            "value": [raw.row_problems[i][1] for i in idx],
            "reason": [raw.row_problems[i][0] for i in idx],
        }))

    for c in spec.columns:
        if c.name not in cells:
            continue
        cc = cells[c.name]
        counts: dict[str, int] = {}
        if c.name == "nip" and table == "employees":
            values, reason, counts = _parse_nip(cc)
        elif c.kind == "str":
            values, reason = _as_text(cc), pd.Series(pd.NA, index=cc.text.index, dtype="string")
        elif c.kind in ("int", "float"):
            values, reason, counts = _parse_number(cc, c.kind == "int", fmt)
            values = values.astype("Int64") if c.kind == "int" else values
        elif c.kind == "bool":
            values, reason = _parse_bool(cc)
        else:
            values, reason = _parse_category(cc, c)
        add(reason.notna(), c.name, reason)
        parsed[c.name] = values
        norms += [(c.name, k, v) for k, v in counts.items()]
    df = pd.DataFrame(parsed, index=frame.index)

    # Values: ranges, codes, patterns, required-ness (pandera), skipping unparseable cells.
    from pandera.errors import SchemaErrors

    schema = pandera_schema(table, list(df.columns))
    try:
        schema.validate(df, lazy=True)
    except SchemaErrors as err:
        fc = err.failure_cases
        fc = fc[fc["index"].notna()]
        for (column, check), grp in fc.groupby(["column", "check"], sort=False):
            idx = grp["index"].astype(np.int64).to_numpy()
            spec_c = spec.column(column)
            reason = _check_reason(str(check), spec_c)
            m = np.zeros(n, bool)
            m[idx] = True
            shown = cells[column].shown_at(m).reindex(idx).fillna("").to_numpy()
            problems.append(pd.DataFrame({
                "i": idx, "column": column, "value": shown,
                "reason": [f"'{v}' {reason}" if v else reason for v in shown],
            }))

    key = [k for k in spec.key if k in df.columns]
    dup = _duplicated(df, key)
    if dup.any():
        add(dup, key[0], f"duplicate key ({', '.join(key)}): every copy is rejected")

    if problems:
        rej = pd.concat(problems, ignore_index=True)
        # unparseable cells are also flagged by pandera as missing: keep the more specific reason
        rej = rej.drop_duplicates(subset=["i", "column"], keep="first")
        rej = rej.sort_values(["i", "column"], kind="stable", ignore_index=True)
    else:
        rej = pd.DataFrame({"i": pd.Series(dtype="int64"), "column": [], "value": [], "reason": []})
    bad_rows = np.zeros(n, bool)
    bad_rows[rej["i"].to_numpy(dtype=np.int64)] = True
    i = rej["i"].to_numpy(dtype=np.int64)
    rejected = pd.DataFrame({
        "row": pd.Series(raw.rows[i], dtype="int64"),
        "column": rej["column"].astype("string"),
        "value": rej["value"].astype("string"),
        "reason": rej["reason"].astype("string"),
    })
    if raw.sheet is not None:
        rejected.insert(0, "sheet", pd.Series(raw.sheet[i], dtype="string"))
    valid = df.loc[~bad_rows].reset_index(drop=True)
    for c in spec.columns:
        if c.name in valid:
            valid[c.name] = valid[c.name].astype(DTYPES[c.kind](c))
    sheets = pd.DataFrame(raw.sheets, columns=["sheet", "status", "header_row", "rows"])
    return ReadResult(
        table=table, path=str(path), valid=valid, rejected=rejected, n_rows=n,
        column_map=raw.mapped.column_map, ignored_columns=raw.mapped.ignored,
        dropped_personal=raw.mapped.dropped, normalizations=_norm_frame(norms),
        number_format=fmt, sheets=sheets, header_row=raw.header_row, delimiter=raw.delimiter,
    )


def _parse_nip(c: Cells) -> tuple[pd.Series, pd.Series, dict[str, int]]:
    """NIPs as text: typed integers exact, typed floats refused, text normalized."""
    if pd.api.types.is_integer_dtype(c.original) or pd.api.types.is_float_dtype(c.original):
        values, reason, counts = nip_from_numbers(c.original)
    else:
        text = c.original.where(~pd.Series(c.is_num, index=c.original.index) & c.text.notna())
        values, reason, counts = normalize_nip(text.astype("string") if c.original.dtype != object
                                               else text.map(_plain, na_action="ignore").astype("string"))
        if c.is_num.any():
            reason[c.is_num] = NUMERIC_NIP
    values = values.mask(reason.notna())
    # Excel keeps 15 significant digits: an NIP column that went through a number and was
    # written back with a '0' format ends in 000 everywhere, a shape real sequence numbers
    # (000 is one of a thousand) never take
    zeros = nip_digits(values) & np.asarray(
        pc.fill_null(pc.ends_with(pa.array(values.array), "000"), False), dtype=bool)
    if zeros.sum() >= 10 and zeros.sum() > 0.2 * values.notna().sum():
        reason[zeros] = (
            f"{int(zeros.sum()):,} NIPs in this file end in 000: Excel stored the column as a "
            "number and lost the last digits; export the column as text")
        values = values.mask(zeros)
    # the NIP rules for the rest (a refused value is masked, so its reason above stands)
    reason = reason.fillna(nip_problems(values))
    return values, reason, counts


def _duplicated(df: pd.DataFrame, key: list[str]) -> np.ndarray:
    """Rows whose complete key appears more than once (every copy marked).

    An NIP column of 18-digit text is compared as int64 (exact: 18 digits fit), which hashes
    several times faster than text; other columns are compared as they are.
    """
    cols = {}
    for k in key:
        s = df[k]
        if k == "nip" and isinstance(s.dtype, pd.StringDtype):
            present = s.notna().to_numpy()
            if nip_digits(s)[present].all():
                arr = pc.cast(pc.fill_null(pa.array(s.array), "-1"), pa.int64())
                s = pd.Series(np.asarray(arr.to_numpy(zero_copy_only=False)), index=df.index)
        cols[k] = s
    if not cols:
        return np.zeros(len(df), dtype=bool)
    dup = pd.DataFrame(cols, index=df.index).duplicated(keep=False).to_numpy()
    return dup & df[key].notna().all(axis=1).to_numpy()


def _plain(v: object) -> str:
    return v if isinstance(v, str) else _cell_text(v)
