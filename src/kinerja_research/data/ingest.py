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

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.data.coverage import CrossCheck, coverage, cross_checks, missing_periods
from kinerja_research.data.errors import ContractError
from kinerja_research.data.read import FORMATS, read
from kinerja_research.data.recognise import MAPPING_FILE, UnrecognisedError, load_mapping, recognise
from kinerja_research.data.rejects import PERSONAL_DATA_LINE, read_rejects, redact, write_rejects
from kinerja_research.data.salt import fingerprint, get_salt
from kinerja_research.data.schemas import empty_frame, table_spec
from kinerja_research.data.store import save
from kinerja_research.data.study import TABLES, Study

__all__ = ["MAPPING_FILE", "PERSONAL_DATA_LINE", "CrossCheck", "FileReport", "IngestResult", "ingest",
           "load_mapping", "read_rejects", "recognise", "redact", "write_rejects"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


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
        Values rewritten to canonical form on reading (e.g. spaced NIPs), by column and kind.
    number_format
        The file's number rule as the reader decided it (decimal mark, thousands separator).
    sheets_not_read
        Workbook sheets that were not read, with why: ``(sheet, status)``.
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
    number_format: str = ""
    sheets_not_read: list[tuple[str, str]] = field(default_factory=list)
    rejects_path: Path | None = None
    #: For ``unrecognised`` files: ``closest``/``missing`` or ``tied`` (see :class:`UnrecognisedError`).
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """The file holds data that did not reach the study at all."""
        return self.status in ("failed", "unrecognised", "unsupported")


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
        """The files none of whose data reached the study (failed, unrecognised, unsupported)."""
        return [f for f in self.files if f.failed]

    @property
    def exit_code(self) -> int:
        """1 if any file failed wholesale (or nothing was stored), else 0."""
        return 1 if self.failed or self.study_dir is None else 0

    def __repr__(self) -> str:
        return (f"IngestResult({self.name!r}: {len(self.files)} files, {len(self.failed)} failed, "
                f"rows {self.rows})")


# --------------------------------------------------------------------------------------------
# ingest
# --------------------------------------------------------------------------------------------
def _normalizations(res: Any) -> dict[str, int]:
    """What the reader rewrote, as ``{"column: description": rows}`` (any form the reader gives)."""
    n = getattr(res, "normalizations", None)
    if n is None:
        return {}
    if isinstance(n, pd.DataFrame):
        if n.empty:
            return {}
        label = n.get("description", n.get("kind", pd.Series("", index=n.index))).astype(str)
        if "column" in n:
            label = n["column"].astype(str) + ": " + label
        rows = n["rows"] if "rows" in n else pd.Series(1, index=n.index)
        return {redact(k): int(v) for k, v in rows.groupby(label.to_numpy()).sum().items() if v}
    if isinstance(n, dict | pd.Series):
        return {redact(str(k)): int(v) for k, v in n.items() if v}
    return {"values normalized": int(n)} if int(n) else {}


def _number_format(res: Any) -> str:
    fmt = getattr(res, "number_format", None)
    if fmt is None:
        return ""
    return redact(fmt.describe() if hasattr(fmt, "describe") else str(fmt))


def _sheets_not_read(res: Any) -> list[tuple[str, str]]:
    sheets = getattr(res, "sheets", None)
    if not isinstance(sheets, pd.DataFrame) or sheets.empty or "status" not in sheets:
        return []
    other = sheets[sheets["status"].astype(str) != "read"]
    return [(redact(str(r.sheet), quoted=False), redact(str(r.status), quoted=False))
            for r in other.itertuples(index=False)]


def _summary(rejected: pd.DataFrame) -> pd.DataFrame:
    if rejected.empty:
        return pd.DataFrame(columns=["column", "reason", "rows"])
    r = rejected.assign(reason=rejected["reason"].astype("string").fillna("").map(redact))
    if "sheet" in r:  # row numbers restart on every sheet of a workbook
        r["row"] = r["row"].astype("string") + "/" + r["sheet"].astype("string").fillna("")
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
    cov = coverage(tables)
    missing, gaps, absent = missing_periods(cov, tables["regions"])
    regions = tables["regions"]
    names = dict(zip(regions["region_id"].astype(str), regions["name"].astype(str), strict=True)) if len(regions) else {}
    return IngestResult(
        name=name, source_dir=source, study_dir=study_dir, interim_dir=interim, files=reports,
        rows={t: len(tables[t]) for t in TABLES if t in present}, coverage=cov,
        missing_periods=missing, region_gaps=gaps, regions_without_rows=absent,
        checks=cross_checks(tables, present),
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
        # The reader finds every sheet holding the table's header and stacks them (one sheet per
        # OPD), so the sheet the table was recognised on is not pinned here.
        del sheet
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
        normalizations=_normalizations(res), number_format=_number_format(res),
        sheets_not_read=_sheets_not_read(res),
    )
    if len(res.rejected):
        rejects[rel] = res.rejected
    parts[table].append((rep, res.valid, _valid_rows(res)))
    return rep
