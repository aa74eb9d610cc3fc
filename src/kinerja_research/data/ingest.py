"""From a folder of exports to a validated, pseudonymized study: :func:`ingest`.

Each file (CSV, XLSX or Parquet, in any mix and sub-folder) is matched to a contract table by its
headers through the alias map, or by an optional mapping file; read and validated with
:func:`kinerja_research.data.read`; and the valid rows of every table are stacked (in file-name
order, so a re-run gives byte-identical Parquet) and stored with :func:`~kinerja_research.data.save`
under ``data/processed/<name>``. Rows rejected in a file (raw values, for fixing the export) go to
``data/interim/<name>/<file>.rejects.csv``, whose first line says it holds personal data.

Nothing is dropped silently: every file in the folder appears in the result, as read, failed, not
recognised or skipped (hidden files), and for every file ``rows read = valid + rejected``. The
result also carries what a data-quality page shows (coverage by region and period, missing
periods, cross-table checks); :mod:`kinerja_research.reports.quality` renders it.

>>> res = ingest("exports/bkd_2024", "bkd_2024")  # doctest: +SKIP
>>> res.exit_code, res.study_dir  # doctest: +SKIP
(0, PosixPath('data/processed/bkd_2024'))
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from kinerja_research.data.errors import ContractError
from kinerja_research.data.read import FORMATS, header_map, normalize_header, read
from kinerja_research.data.salt import fingerprint, get_salt
from kinerja_research.data.schemas import empty_frame, table_spec
from kinerja_research.data.store import save
from kinerja_research.data.study import TABLES, Study

#: Name of the optional mapping file looked for in the source folder.
MAPPING_FILE = "kinerja_ingest.yml"
#: First line of every rejects file.
PERSONAL_DATA_LINE = (
    "# PERSONAL DATA — raw values (NIPs) from {source}, for fixing the export. Keep it private "
    "(data/interim is git-ignored), never share or publish it, delete it once fixed."
)
#: Column that gives each table's period, for coverage and missing periods.
PERIOD_COLUMN = {"employees": "period", "skm_responses": "period", "unit_performance": "period",
                 "institution_assessments": "year", "policies": "start_period"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_PEEK_ROWS = 30
_PEEK_BYTES = 1 << 16
#: A workbook whose parts unpack beyond this is not peeked at (zip bombs); read() has its own limits.
_PEEK_XLSX_LIMIT = 4 << 30
_DIGITS = re.compile(r"\d{4,}")
_LONG_DIGITS = re.compile(r"\d{10,}")  # codes (units, regions) are short; longer runs may be NIPs
_FILE_NAME = re.compile(r"([\w./~$-]+\.(?:csv|tsv|txt|xlsx|xlsm|parquet|pq|ya?ml))\b", re.IGNORECASE)
_QUOTED = re.compile(r"'[^']*'")
_SEX_DIGIT = re.compile(r"(?<=not )\d\b")


def redact(text: str, *, quoted: bool = True) -> str:
    """Text safe for the console, logs and published pages: quoted values and digit runs removed.

    Reasons may quote a cell (``'19800101…' is not a number``) or spell parts of an NIP (a birth
    date, an appointment month); both become ``…``. Short numbers (counts, limits) stay. Whole-file
    messages quote headers and table names, not cells: pass ``quoted=False`` to keep those.

    Examples
    --------
    >>> redact("birth date 19901332 is not a real date")
    'birth date … is not a real date'
    >>> redact("'1.98E+17' is not a number")
    '… is not a number'
    >>> redact("duplicate key also in pegawai_2024.xlsx")
    'duplicate key also in pegawai_2024.xlsx'
    """
    out = []
    for i, part in enumerate(_FILE_NAME.split(str(text))):
        if i % 2:  # a file name: keep its years and numbers, not an NIP-long run
            out.append(_LONG_DIGITS.sub("…", part))
            continue
        part = _QUOTED.sub("…", part) if quoted else part
        out.append(_SEX_DIGIT.sub("…", _DIGITS.sub("…", part)))
    return "".join(out)


def write_rejects(rejected: pd.DataFrame, path: str | Path, source: str) -> Path:
    """Write a rejects CSV whose first line marks it as personal data; see :func:`read_rejects`.

    Examples
    --------
    >>> write_rejects(res.rejected, "data/interim/pegawai.rejects.csv", "pegawai.csv")  # doctest: +SKIP
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(PERSONAL_DATA_LINE.format(source=source) + "\n")
        rejected.to_csv(fh, index=False)
    tmp.replace(p)
    return p


def read_rejects(path: str | Path) -> pd.DataFrame:
    """Read a rejects file written by :func:`write_rejects` (skipping its personal-data line)."""
    return pd.read_csv(path, skiprows=1, dtype={"value": "string", "column": "string", "reason": "string"})


@dataclass
class FileReport:
    """What happened to one file of the source folder.

    Attributes
    ----------
    path
        Relative to the source folder, with ``/``.
    status
        ``"read"`` (every row valid), ``"rejected rows"``, ``"failed"`` (the whole file could not
        be used), ``"unrecognised"`` (no table matches its headers), ``"unsupported"`` (not CSV,
        XLSX or Parquet), ``"ignored"`` (``ignore`` in the mapping file) or ``"skipped"`` (hidden
        files or folders and Excel lock files).
    table, how
        The table and how it was found: ``"headers"`` or ``"mapping"``.
    message
        Why a file failed or was not recognised (already redacted).
    reasons
        Rejected rows by column and reason (redacted): ``column``, ``reason``, ``rows``.
    normalizations
        Values rewritten to canonical form on reading (e.g. spaced NIPs), by kind.
    """

    path: str
    status: str
    table: str | None = None
    how: str | None = None
    sheet: str | int | None = None
    n_rows: int = 0
    n_valid: int = 0
    n_rejected: int = 0
    message: str = ""
    reasons: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["column", "reason", "rows"]))
    normalizations: dict[str, int] = field(default_factory=dict)
    rejects_path: Path | None = None
    #: For ``unrecognised`` files: ``closest``/``missing`` or ``tied`` (see :class:`UnrecognisedError`).
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """The file holds data that did not reach the study at all."""
        return self.status in ("failed", "unrecognised", "unsupported")


@dataclass
class CrossCheck:
    """One cross-table check: rows of ``table`` whose ``column`` is not a key of ``reference``."""

    table: str
    column: str
    reference: str
    n_rows: int | None  # None: not checked (a table is absent)
    n_keys: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        return self.n_rows is not None


@dataclass
class IngestResult:
    """What :func:`ingest` did, file by file, and what the stored study covers.

    Attributes
    ----------
    name, source_dir, study_dir, interim_dir
        The dataset name and folders (``study_dir`` is ``None`` when nothing could be stored).
    files
        One :class:`FileReport` per file in the folder, in path order.
    rows
        Valid rows stored per table.
    coverage
        Rows per ``table``, ``region_id``, ``period`` (employees, SKM responses and unit
        performance through their unit's region; assessments and policies directly).
    missing_periods
        Per table: years inside the table's first–last span with no rows at all (policies,
        whose period is a start year, are left out).
    region_gaps
        Per table: region_id → years the table covers but that region lacks.
    regions_without_rows
        Per table: regions of the regions table with no row at all.
    checks
        Cross-table checks.
    salt_fingerprint
        Fingerprint of the salt the pseudonyms were made with.
    """

    name: str
    source_dir: Path
    study_dir: Path | None
    interim_dir: Path
    files: list[FileReport]
    rows: dict[str, int]
    coverage: pd.DataFrame
    missing_periods: dict[str, list[int]]
    region_gaps: dict[str, dict[str, list[int]]]
    checks: list[CrossCheck]
    salt_fingerprint: str
    region_names: dict[str, str] = field(default_factory=dict)
    regions_without_rows: dict[str, list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.failed]

    @property
    def exit_code(self) -> int:
        """1 if any file failed wholesale (or nothing was stored), else 0."""
        return 1 if self.failed or self.study_dir is None else 0

    def __repr__(self) -> str:
        return (f"IngestResult({self.name!r}: {len(self.files)} files, {len(self.failed)} failed, "
                f"rows {self.rows})")


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


# --------------------------------------------------------------------------------------------
# mapping file and recognition
# --------------------------------------------------------------------------------------------
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
    sep = max(seps, key=seps.get)
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


# --------------------------------------------------------------------------------------------
# ingest
# --------------------------------------------------------------------------------------------
def _normalizations(res: Any) -> dict[str, int]:
    n = getattr(res, "normalizations", None)
    if n is None:
        return {}
    if isinstance(n, dict):
        return {str(k): int(v) for k, v in n.items() if v}
    if isinstance(n, pd.Series):
        return {str(k): int(v) for k, v in n.items() if v}
    return {"values normalized": int(n)} if int(n) else {}


def _summary(rejected: pd.DataFrame) -> pd.DataFrame:
    if rejected.empty:
        return pd.DataFrame(columns=["column", "reason", "rows"])
    r = rejected.assign(reason=rejected["reason"].astype("string").fillna("").map(redact))
    out = r.groupby(["column", "reason"], observed=True, dropna=False)["row"].nunique()
    return out.rename("rows").reset_index().sort_values(["rows", "column", "reason"], ascending=[False, True, True],
                                                        ignore_index=True)


def _valid_rows(res: Any) -> np.ndarray | None:
    """Spreadsheet row numbers of the valid rows, when the rejects allow to tell them."""
    rej = res.rejected
    if "sheet" in rej.columns or len(res.valid) != res.n_rows - res.n_rejected_rows:
        return None
    bad = np.zeros(res.n_rows, bool)
    idx = rej["row"].to_numpy(dtype=np.int64) - 2
    bad[idx[(idx >= 0) & (idx < res.n_rows)]] = True
    return np.flatnonzero(~bad) + 2


def _files(source: Path, mapping_path: Path | None) -> list[Path]:
    skip = {mapping_path.resolve()} if mapping_path else set()
    return sorted((p for p in source.rglob("*") if p.is_file() and p.resolve() not in skip),
                  key=lambda p: p.relative_to(source).as_posix())


def _conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Every contract column, in contract order and dtype (absent optional columns are empty)."""
    template = empty_frame(table)
    out = {c: (df[c].astype(template[c].dtype) if c in df.columns
               else pd.Series(pd.NA, index=df.index).astype(template[c].dtype)) for c in template.columns}
    return pd.DataFrame(out, index=df.index)


def _stack(parts: list[tuple[FileReport, pd.DataFrame, np.ndarray | None]], table: str,
           rejects: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack the valid rows of one table's files; rows duplicated across files are rejected."""
    if not parts:
        return empty_frame(table)
    frames = [_conform(df, table) for _, df, _ in parts]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(parts) == 1:
        return df
    key = list(table_spec(table).key)
    dup = df.duplicated(subset=key, keep=False).to_numpy() & df[key].notna().all(axis=1).to_numpy()
    if not dup.any():
        return df
    source = np.repeat(np.arange(len(parts)), [len(f) for f in frames])
    offsets = np.cumsum([0] + [len(f) for f in frames])
    for i, (rep, part, rows) in enumerate(parts):
        local = np.flatnonzero(dup[offsets[i]:offsets[i + 1]])
        if not len(local):
            continue
        others = sorted({parts[j][0].path for j in np.unique(source[dup]) if j != i})
        reason = (f"duplicate key ({', '.join(key)}) also in {', '.join(others)}: every copy is "
                  "rejected" if others else f"duplicate key ({', '.join(key)})")
        extra = pd.DataFrame({
            "row": pd.Series(rows[local] if rows is not None else [pd.NA] * len(local), dtype="Int64"),
            "column": key[0],
            "value": part[key[0]].iloc[local].astype("string").to_numpy(),
            "reason": reason,
        })
        rejects[rep.path] = pd.concat([rejects.get(rep.path), extra], ignore_index=True)
        rep.n_valid -= len(local)
        rep.n_rejected += len(local)
        rep.status = "rejected rows"
        rep.reasons = _summary(rejects[rep.path])
    return df.loc[~dup].reset_index(drop=True)


def _unit_region(units: pd.DataFrame) -> pd.Series:
    return units.drop_duplicates("unit_id").set_index("unit_id")["region_id"].astype("string")


def _coverage(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    units = tables["units"]
    to_region = _unit_region(units) if len(units) else pd.Series(dtype="string")
    parts = []
    for t, col in PERIOD_COLUMN.items():
        df = tables[t]
        if not len(df):
            continue
        if "region_id" in df.columns:
            region = df["region_id"].astype("string")
        else:
            region = df["unit_id"].astype("string").map(to_region).astype("string")
        g = pd.DataFrame({"region_id": region.fillna("?"), "period": df[col].astype("Int64")})
        c = g.groupby(["region_id", "period"], observed=True, dropna=False).size().rename("rows").reset_index()
        parts.append(c.assign(table=t))
    if not parts:
        return pd.DataFrame(columns=["table", "region_id", "period", "rows"])
    out = pd.concat(parts, ignore_index=True)[["table", "region_id", "period", "rows"]]
    return out.sort_values(["table", "region_id", "period"], ignore_index=True)


def _missing(coverage: pd.DataFrame, regions: pd.DataFrame) -> tuple[
        dict[str, list[int]], dict[str, dict[str, list[int]]], dict[str, list[str]]]:
    """Years missing per table, years missing per region, and known regions without any row.

    Policies are left out: their period is a start year, and years without a new policy are normal.
    """
    missing: dict[str, list[int]] = {}
    gaps: dict[str, dict[str, list[int]]] = {}
    absent: dict[str, list[str]] = {}
    known = set(regions["region_id"].dropna().astype(str)) if len(regions) else set()
    for t, c in coverage[coverage["table"] != "policies"].groupby("table", sort=True):
        years = c["period"].dropna().astype(int)
        if years.empty:
            continue
        present = set(years)
        missing[str(t)] = sorted(set(range(min(present), max(present) + 1)) - present)
        c = c[c["region_id"] != "?"].dropna(subset=["period"])
        per = c.groupby("region_id")["period"].agg(lambda s: set(s.astype(int)))
        g = {str(r): sorted(present - ys) for r, ys in per.items() if present - ys}
        if g:
            gaps[str(t)] = g
        if known - set(per.index.astype(str)):
            absent[str(t)] = sorted(known - set(per.index.astype(str)))
    return missing, gaps, absent


def _checks(tables: dict[str, pd.DataFrame], present: set[str]) -> list[CrossCheck]:
    pairs = [("employees", "unit_id", "units"), ("skm_responses", "unit_id", "units"),
             ("unit_performance", "unit_id", "units"), ("policies", "unit_id", "units"),
             ("units", "region_id", "regions"), ("institution_assessments", "region_id", "regions"),
             ("policies", "region_id", "regions")]
    out = []
    for table, column, ref in pairs:
        if table not in present:
            continue
        if ref not in present:
            out.append(CrossCheck(table, column, ref, None))
            continue
        known = pd.Index(tables[ref][column if ref != "units" else "unit_id"].dropna().astype(str).unique())
        vals = tables[table][column].astype("string")
        unknown = vals.notna() & ~vals.isin(known)
        keys = sorted(vals[unknown].unique().tolist())
        out.append(CrossCheck(table, column, ref, int(unknown.sum()), len(keys), [_LONG_DIGITS.sub("…", k) for k in keys[:10]]))
    return out


def ingest(
    source_dir: str | Path,
    name: str,
    *,
    mapping: str | Path | None = None,
    data_root: str | Path = "data",
    salt: str | bytes | None = None,
    salt_file: str | Path | None = None,
    progress: Callable[[str, FileReport | None], None] | None = None,
    **read_options: Any,
) -> IngestResult:
    """Read every export in a folder into a validated, pseudonymized study ``data/processed/<name>``.

    Parameters
    ----------
    source_dir
        Folder of exports (CSV, XLSX, Parquet; sub-folders included). Only read, never written.
    name
        Dataset name: notebooks and the report grid load the study with ``dataset: <name>``.
    mapping
        Optional YAML mapping file → table (see :func:`load_mapping`); default
        ``<source_dir>/kinerja_ingest.yml`` when present. Files it names skip recognition.
    data_root
        The project's ``data`` folder: the study goes to ``processed/<name>``, rejects to
        ``interim/<name>``.
    salt, salt_file
        The pseudonymization salt (default: the salt in force, see
        :mod:`kinerja_research.data.salt`); a salt shorter than 256 bits is refused.
    progress
        Called as ``progress(path, None)`` before a file is read and ``progress(path, report)``
        after.
    **read_options
        Passed to :func:`kinerja_research.data.read` for every file (e.g. ``decimal=","``).

    Returns
    -------
    IngestResult
        File by file, with coverage and cross-table checks; ``exit_code`` is 1 if any file failed.

    Raises
    ------
    ContractError
        When the source folder does not exist, the name is not usable, the mapping file is
        invalid or the salt is refused. Problems of single files never raise: they are reported.

    Examples
    --------
    >>> res = ingest("exports/", "bkd_2024")  # doctest: +SKIP
    >>> [(f.path, f.table, f.status) for f in res.files]  # doctest: +SKIP
    """
    source = Path(source_dir)
    if not source.is_dir():
        raise ContractError(f"{source} is not a folder; give the folder holding the exports.")
    if not _NAME.fullmatch(name) or name == "synthetic":
        raise ContractError(
            f"dataset name {name!r} is not usable: use letters, digits, '_', '-' or '.', start with a "
            "letter or digit, and not 'synthetic' (the name of the built-in world)."
        )
    key = get_salt(salt, salt_file=salt_file, strict=True)
    mapping_path = Path(mapping) if mapping else (source / MAPPING_FILE if (source / MAPPING_FILE).exists() else None)
    entries = load_mapping(mapping_path) if mapping_path else {}
    root = Path(data_root)
    interim = root / "interim" / name
    if interim.exists():  # stale rejects from an earlier run would mislead
        for old in interim.rglob("*.rejects.csv"):
            old.unlink()

    files = _files(source, mapping_path)
    listed = {p.relative_to(source).as_posix() for p in files}
    unknown_entries = sorted(set(entries) - listed)
    if unknown_entries:
        raise ContractError(
            f"mapping file {mapping_path} names file(s) not in {source}: {', '.join(unknown_entries)}."
        )
    reports: list[FileReport] = []
    parts: dict[str, list[tuple[FileReport, pd.DataFrame, np.ndarray | None]]] = {t: [] for t in TABLES}
    rejects: dict[str, pd.DataFrame] = {}
    for p in files:
        rel = p.relative_to(source).as_posix()
        if progress:
            progress(rel, None)
        rep = _ingest_file(p, rel, entries.get(rel), read_options, parts, rejects)
        reports.append(rep)
        if progress:
            progress(rel, rep)

    present = {t for t in TABLES if parts[t]}
    tables = {t: _stack(parts[t], t, rejects) for t in TABLES}
    for rep in reports:
        if rep.path in rejects and len(rejects[rep.path]):
            rep.rejects_path = write_rejects(rejects[rep.path], interim / f"{rep.path}.rejects.csv", rep.path)
    fp = fingerprint(key)
    study_dir = None
    if present:
        meta = {
            "synthetic": False, "source": "kinerja ingest", "dataset": name, "salt_fingerprint": fp,
            "files": [{"path": r.path, "table": r.table, "status": r.status, "rows": r.n_rows,
                       "valid": r.n_valid, "rejected": r.n_rejected} for r in reports],
        }
        study = Study(**tables, meta=meta)
        study_dir = save(study, root / "processed" / name, salt=key)
    coverage = _coverage(tables)
    missing, gaps, absent = _missing(coverage, tables["regions"])
    regions = tables["regions"]
    names = dict(zip(regions["region_id"].astype(str), regions["name"].astype(str), strict=True)) if len(regions) else {}
    return IngestResult(
        name=name, source_dir=source, study_dir=study_dir, interim_dir=interim, files=reports,
        rows={t: len(tables[t]) for t in TABLES if t in present}, coverage=coverage,
        missing_periods=missing, region_gaps=gaps, regions_without_rows=absent,
        checks=_checks(tables, present),
        salt_fingerprint=fp, region_names=names,
    )


def _ingest_file(path: Path, rel: str, entry: dict | None, read_options: dict[str, Any],
                 parts: dict[str, list], rejects: dict[str, pd.DataFrame]) -> FileReport:
    if entry and entry["table"] == "ignore":
        return FileReport(rel, "ignored", how="mapping", message="marked ignore in the mapping file")
    if entry is None and (path.name.startswith("~$") or any(x.startswith(".") for x in rel.split("/"))):
        return FileReport(rel, "skipped", message="hidden or Excel lock file")
    if FORMATS.get(path.suffix.lower()) is None:
        return FileReport(rel, "unsupported", details={"suffix": path.suffix}, message=(
            f"{path.suffix or 'no extension'} is not CSV, XLSX or Parquet; convert it, or mark it "
            f"`ignore` in {MAPPING_FILE}"))
    options = dict(read_options)
    if entry:
        table, how = entry["table"], "mapping"
        if "sheet" in entry:
            options["sheet"] = entry["sheet"]
    else:
        try:
            table, sheet = recognise(path)
        except UnrecognisedError as exc:
            return FileReport(rel, "unrecognised", message=redact(str(exc), quoted=False), details={
                "closest": exc.closest, "missing": list(exc.missing), "tied": list(exc.tied)})
        except ContractError as exc:
            return FileReport(rel, "failed", message=redact(str(exc), quoted=False))
        how = "headers"
        if sheet is not None and "sheet" not in options and path.suffix.lower() in (".xlsx", ".xlsm"):
            options["sheet"] = sheet
    try:
        res = read(path, table, **options)
    except ContractError as exc:
        return FileReport(rel, "failed", table=table, how=how, message=redact(str(exc), quoted=False))
    except Exception as exc:  # a reader bug must not stop the other files
        return FileReport(rel, "failed", table=table, how=how,
                          message=redact(f"unexpected error while reading ({type(exc).__name__}: {exc})"))
    rep = FileReport(
        rel, "rejected rows" if res.n_rejected_rows else "read", table=table, how=how,
        sheet=options.get("sheet"), n_rows=res.n_rows, n_valid=len(res.valid),
        n_rejected=res.n_rejected_rows, reasons=_summary(res.rejected),
        normalizations=_normalizations(res),
    )
    if len(res.rejected):
        rejects[rel] = res.rejected
    parts[table].append((rep, res.valid, _valid_rows(res)))
    return rep
