"""Read and validate real exports (CSV, XLSX, Parquet) against the data contract.

Row-level problems never raise: every row is either valid or rejected with its reasons, so
``len(valid) + n_rejected_rows == n_rows`` always. Whole-file problems raise one exception type,
:class:`~kinerja_research.data.errors.ContractError`, with a message a BKD analyst can act on.
The input file is only ever opened for reading.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa_lib
import pyarrow.compute as pa_compute
import yaml

from kinerja_research.data.errors import ContractError
from kinerja_research.data.nip import nip_problems
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
_SEP = re.compile(r"[\s._\-/]+")
#: First data row as a spreadsheet numbers it (row 1 is the header).
FIRST_ROW = 2


def normalize_header(name: object) -> str:
    """Lower-case a header and drop spaces, dots, dashes, underscores and slashes."""
    return _SEP.sub("", str(name).strip().lower())


@functools.cache
def _alias_file() -> dict:
    text = resources.files("kinerja_research.data").joinpath("aliases.yml").read_text("utf-8")
    return yaml.safe_load(text)


def header_map(table: str) -> tuple[dict[str, str], set[str]]:
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
    drop -= set(mapping)
    return mapping, drop


@dataclass(frozen=True)
class ReadResult:
    """What :func:`read` returns.

    Attributes
    ----------
    valid
        Rows that satisfy every rule, typed, with canonical column names.
    rejected
        One row per problem: ``row`` (as a spreadsheet numbers it, header = 1), ``column``,
        ``value`` (as text) and ``reason``. A row with several problems appears several times.
    n_rows
        Data rows read from the file.
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

    @property
    def n_rejected_rows(self) -> int:
        """Number of distinct rows with at least one problem."""
        return int(self.rejected["row"].nunique())

    def summary(self) -> pd.DataFrame:
        """Rejected rows counted by column and reason (reasons without the offending value)."""
        if self.rejected.empty:
            return pd.DataFrame(columns=["column", "reason", "rows"])
        r = self.rejected.assign(reason=self.rejected["reason"].str.replace(r"'.*?'", "…", regex=True))
        out = r.groupby(["column", "reason"], observed=True)["row"].nunique()
        return out.rename("rows").reset_index().sort_values("rows", ascending=False, ignore_index=True)

    def __repr__(self) -> str:
        return (
            f"ReadResult({self.table!r} from {Path(self.path).name}: {self.n_rows:,} rows, "
            f"{len(self.valid):,} valid, {self.n_rejected_rows:,} rejected)"
        )


# --------------------------------------------------------------------------------------------
# whole-file loading
# --------------------------------------------------------------------------------------------
def _decode(raw: bytes, path: Path) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ContractError(
        f"{path.name}: the text cannot be decoded as UTF-8 or Windows-1252. Open it in Excel or "
        "LibreOffice and save it again as 'CSV UTF-8 (comma delimited)'."
    )


def _sniff_sep(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t", "|")}
    return max(counts, key=counts.get) if max(counts.values()) > 0 else ","


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    if not raw.strip():
        raise ContractError(f"{path.name} is empty: it has no header and no rows.")
    if b"\x00" in raw:
        raise ContractError(
            f"{path.name} contains NUL bytes, so it is not a text CSV file (is it a binary or "
            "corrupted file?). Export the table again as CSV."
        )
    try:
        raw.decode("utf-8")
        utf8 = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    except UnicodeDecodeError:
        utf8 = _decode(raw, path).encode("utf-8")
    sep = _sniff_sep(utf8[:65536].decode("utf-8", errors="ignore"))
    try:
        # pyarrow's reader is multi-threaded; it refuses ragged rows, which the slow path keeps
        df = pd.read_csv(
            io.BytesIO(utf8), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
            engine="pyarrow",
        )
        if df.columns.duplicated().any() or any(str(c).strip() == "" for c in df.columns):
            raise ValueError("unusual header")
        df.attrs["ragged_rows"] = {}
        return df
    except Exception:  # pyarrow raises ArrowInvalid & co.; every case falls back to csv
        return _read_csv_ragged(utf8.decode("utf-8"), sep, path)


def _read_csv_ragged(text: str, sep: str, path: Path) -> pd.DataFrame:
    """Slow path for files with rows of the wrong length: keep every record, flag the bad ones."""
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=sep))
    except csv.Error as exc:
        raise ContractError(f"{path.name} is not a readable CSV file: {exc}.") from None
    records = [r for r in records if r]  # csv yields [] for an empty line, like skip_blank_lines
    if not records:
        raise ContractError(f"{path.name} is empty: it has no header and no rows.")
    header, body = records[0], records[1:]
    n = len(header)
    ragged = {i: len(r) for i, r in enumerate(body) if len(r) != n}
    rows = [(r + [""] * n)[:n] for r in body]
    df = pd.DataFrame(rows, columns=header, dtype=object).replace("", np.nan)
    df.attrs["ragged_rows"] = {"n_header": n, "rows": ragged}
    return df


def _read_xlsx(path: Path, sheet: str | int) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise ContractError(f"{path.name} is empty (0 bytes).")
    try:
        df = pd.read_excel(path, sheet_name=sheet, dtype=str, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, EOFError) as exc:
        raise ContractError(
            f"{path.name} is not a readable Excel workbook ({type(exc).__name__}: {exc}). Open it in "
            "Excel and save it again as .xlsx, or export the sheet as CSV."
        ) from None
    except Exception as exc:  # openpyxl raises many private types on corrupt XML
        raise ContractError(
            f"{path.name} is not a readable Excel workbook ({type(exc).__name__}). Open it in "
            "Excel and save it again as .xlsx, or export the sheet as CSV."
        ) from None
    df.attrs["ragged_rows"] = {}
    return df


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, … on a damaged file
        raise ContractError(
            f"{path.name} is not a readable Parquet file ({type(exc).__name__}: {exc})."
        ) from None
    df.attrs["ragged_rows"] = {}
    return df


def _load(path: Path, sheet: str | int) -> pd.DataFrame:
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
    df = {"csv": _read_csv, "parquet": _read_parquet}.get(fmt, lambda p: _read_xlsx(p, sheet))(path)
    if df.shape[1] == 0 or len(df) == 0:
        raise ContractError(f"{path.name} has a header but no data rows.")
    return df


# --------------------------------------------------------------------------------------------
# parsing columns
# --------------------------------------------------------------------------------------------
def _as_text(s: pd.Series) -> pd.Series:
    """Text view of a column: stripped, empty → missing."""
    t = s.astype("string").str.strip()
    return t.mask(t == "")


def _parse_number(s: pd.Series, integer: bool) -> tuple[pd.Series, pd.Series]:
    """Parse numbers (decimal comma accepted); return values and the reason for each bad cell."""
    reason = pd.Series(pd.NA, index=s.index, dtype="string")
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        values = s.astype("float64")
        text = s.astype("string")
    else:
        text = _as_text(s)
        try:  # fast path: every cell is a plain number (pyarrow cast, no per-cell Python)
            values = pd.Series(
                pa_compute.cast(pa_lib.array(text, type=pa_lib.string()), pa_lib.float64()),
                index=s.index, dtype="float64",
            )
        except (pa_lib.ArrowInvalid, pa_lib.ArrowTypeError, TypeError):
            t = text
            comma = t.str.contains(",", regex=False).fillna(False).astype(bool)
            if comma.any():
                dot = t.str.contains(".", regex=False).fillna(False).astype(bool)
                t = t.mask(comma & ~dot, t.str.replace(",", ".", regex=False))
            values = pd.to_numeric(t, errors="coerce").astype("float64")
        bad = text.notna() & values.isna()  # also catches a literal "NaN"
        if bad.any():
            reason[bad] = "'" + text[bad] + "' is not a number"
    inf = np.isinf(values.to_numpy())
    if inf.any():
        reason[inf] = "'" + text[inf] + "' is not a finite number"
        values = values.mask(inf)
    if integer:
        frac = values.notna() & (values != np.floor(values.fillna(0)))
        if frac.any():
            reason[frac] = "'" + text[frac] + "' is not a whole number"
        big = values.abs() > 2**53
        if big.any():
            reason[big] = "'" + text[big] + "' is too large"
        values = values.mask(frac | big)
    return values, reason


def _parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), pd.Series(pd.NA, index=s.index, dtype="string")
    text = _as_text(s)
    low = text.str.lower()
    is_true, is_false = low.isin(TRUE_WORDS), low.isin(FALSE_WORDS)
    values = pd.Series(pd.NA, index=s.index, dtype="boolean")
    values[is_true.fillna(False).astype(bool)] = True
    values[is_false.fillna(False).astype(bool)] = False
    reason = pd.Series(pd.NA, index=s.index, dtype="string")
    bad = text.notna() & ~(is_true | is_false).fillna(False).astype(bool)
    if bad.any():
        reason[bad] = "'" + text[bad] + "' is not yes/no (ya/tidak, 1/0, true/false)"
    return values, reason


def _parse_category(s: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    # Normalize the few distinct spellings, not every row: factorize first.
    codes, uniques = pd.factorize(_as_text(s), use_na_sentinel=True)
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
        text = s.astype("string")
        reason[bad] = "'" + text[bad] + "' is not one of " + ", ".join(spec.categories)
    return values, reason


def _parse_column(s: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    if spec.kind == "str":
        text = _as_text(s)
        return text, pd.Series(pd.NA, index=s.index, dtype="string")
    if spec.kind in ("int", "float"):
        values, reason = _parse_number(s, integer=spec.kind == "int")
        return (values.astype("Int64") if spec.kind == "int" else values), reason
    if spec.kind == "bool":
        return _parse_bool(s)
    return _parse_category(s, spec)


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
def read(path: str | Path, table: str, *, sheet: str | int = 0) -> ReadResult:
    """Read a CSV, XLSX or Parquet export and validate it against the data contract.

    Parameters
    ----------
    path
        The file. It is opened read-only and never modified.
    table
        One of the contract's tables: ``regions``, ``units``, ``employees``, ``skm_responses``,
        ``unit_performance``, ``institution_assessments``, ``policies``.
    sheet
        Worksheet of an Excel file (name or position).

    Returns
    -------
    ReadResult
        ``.valid`` (typed canonical DataFrame), ``.rejected`` (row, column, value, reason),
        ``.n_rows``; ``len(valid) + n_rejected_rows == n_rows``.

    Raises
    ------
    ContractError
        For whole-file problems: unknown format, empty file, undecodable text, missing
        required columns (all listed at once), a column given twice.

    Examples
    --------
    >>> res = read("data/raw/pegawai_2024.csv", table="employees")  # doctest: +SKIP
    >>> res.valid.head(); res.rejected.head()  # doctest: +SKIP
    """
    spec = table_spec(table)
    path = Path(path)
    raw = _load(path, sheet)
    mapping, personal = header_map(table)

    column_map: dict[str, str] = {}
    ignored, dropped = [], []
    for col in raw.columns:
        key = normalize_header(col)
        if key in mapping:
            canonical = mapping[key]
            if canonical in column_map.values():
                first = next(k for k, v in column_map.items() if v == canonical)
                raise ContractError(
                    f"{path.name}: columns {first!r} and {col!r} both mean '{canonical}'. "
                    "Keep one of them."
                )
            column_map[str(col)] = canonical
        elif key in personal:
            dropped.append(str(col))
        else:
            ignored.append(str(col))
    missing = [c for c in spec.required if c not in column_map.values()]
    if missing:
        raise ContractError(
            f"{path.name}: required column(s) missing for table '{table}': {', '.join(missing)}. "
            f"Columns found: {', '.join(map(str, raw.columns))}. Rename the headers (Indonesian "
            "export headers such as 'NIP' or 'Unit Kerja' are recognised) or add the columns."
        )

    ragged = raw.attrs.get("ragged_rows", {})
    raw = raw[list(column_map)].rename(columns=column_map).reset_index(drop=True)
    n = len(raw)
    parsed: dict[str, pd.Series] = {}
    problems: list[pd.DataFrame] = []

    def add(mask: np.ndarray | pd.Series, column: str, reasons: pd.Series | str) -> None:
        m = np.asarray(mask, dtype=bool)
        if not m.any():
            return
        idx = np.flatnonzero(m)
        values = raw[column].astype("string").iloc[idx].to_numpy() if column in raw else pd.NA
        rs = reasons.iloc[idx].to_numpy() if isinstance(reasons, pd.Series) else reasons
        problems.append(pd.DataFrame({"i": idx, "column": column, "value": values, "reason": rs}))

    if ragged.get("rows"):
        rows = ragged["rows"]
        mask = np.zeros(n, bool)
        mask[list(rows)] = True
        r = pd.Series(
            [f"row has {rows.get(i, 0)} fields, the header has {ragged['n_header']}" for i in range(n)]
        )
        add(mask, "(row)", r)

    for c in spec.columns:
        if c.name not in raw:
            continue
        values, reason = _parse_column(raw[c.name], c)
        add(reason.notna(), c.name, reason)
        parsed[c.name] = values
    df = pd.DataFrame(parsed, index=raw.index)

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
            shown = raw[column].astype("string").iloc[idx].fillna("").to_numpy()
            problems.append(pd.DataFrame({
                "i": idx, "column": column, "value": shown,
                "reason": [f"'{v}' {reason}" if v else reason for v in shown],
            }))

    if table == "employees":
        reasons = nip_problems(df["nip"])
        add(reasons.notna(), "nip", reasons)
    key = [k for k in spec.key if k in df.columns]
    dup = df.duplicated(subset=key, keep=False) & df[key].notna().all(axis=1)
    if dup.any():
        add(dup, key[0], f"duplicate key ({', '.join(key)}): every copy is rejected")

    if problems:
        rej = pd.concat(problems, ignore_index=True)
        # unparseable cells are also flagged by pandera as missing: keep the more specific reason
        rej = rej.drop_duplicates(subset=["i", "column"], keep="first")
        rej = rej.sort_values(["i", "column"], kind="stable", ignore_index=True)
        bad_rows = np.zeros(n, bool)
        bad_rows[rej["i"].to_numpy()] = True
    else:
        rej = pd.DataFrame({"i": pd.Series(dtype="int64"), "column": [], "value": [], "reason": []})
        bad_rows = np.zeros(n, bool)
    rejected = pd.DataFrame({
        "row": (rej["i"] + FIRST_ROW).astype("int64"),
        "column": rej["column"].astype("string"),
        "value": rej["value"].astype("string"),
        "reason": rej["reason"].astype("string"),
    })
    valid = df.loc[~bad_rows].reset_index(drop=True)
    for c in spec.columns:
        if c.name in valid:
            valid[c.name] = valid[c.name].astype(DTYPES[c.kind](c))
    return ReadResult(
        table=table, path=str(path), valid=valid, rejected=rejected, n_rows=n,
        column_map=column_map, ignored_columns=ignored, dropped_personal=dropped,
    )
