"""Loading rubric files and classifying values through their band tables."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import yaml

from kinerja_research.rubrics._schema import validate_rubric

_PACKAGE = "kinerja_research.rubrics"


@dataclass(frozen=True, eq=False)  # identity semantics: arrays inside make == ambiguous
class BandTable:
    """A band table: contiguous intervals with explicit inclusive/exclusive bounds.

    Attributes
    ----------
    name, verified, confidence, source
        Identification and provenance of the table.
    labels
        Band labels in ascending order of the scale.
    lower, upper
        Band bounds (``-inf`` / ``inf`` for open ends).
    lower_inclusive, upper_inclusive
        Whether each bound belongs to its band.
    fields
        Further per-band attributes (e.g. ``kinerja``, ``zone``), each a tuple aligned with labels.
    """

    name: str
    verified: bool
    confidence: str
    source: str
    labels: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    lower_inclusive: np.ndarray
    upper_inclusive: np.ndarray
    fields: Mapping[str, tuple[Any, ...]]
    note: str | None = None

    def codes(self, values: Any, *, snap_decimals: int | None = 9) -> np.ndarray:
        """Band index of each value (``-1`` for missing or out-of-range values), vectorized.

        ``snap_decimals`` removes floating-point noise before comparing with the edges: every
        official edge has at most four decimals, so a value within 1e-9 of an edge *is* that
        edge (3.5324 × 25 evaluates to 88.30999999999999 in binary floating point).
        """
        x = np.asarray(values, dtype=float)
        # One searchsorted does it all. Each bound is moved by half the snap unit (towards the
        # side that includes it), so a value within 5e-10 of an edge counts as the edge — the
        # same as rounding every value to 9 decimals first, without a pass over the data.
        # Positions outside the scale (and NaN, which sorts last) map to -1 through _lut.
        return self._lut[np.searchsorted(self._bounds(snap_decimals), x, side="right")]

    @functools.cached_property
    def _bounds_cache(self) -> dict[int | None, np.ndarray]:
        return {}

    def _bounds(self, snap_decimals: int | None) -> np.ndarray:
        hit = self._bounds_cache.get(snap_decimals)
        if hit is None:
            hit = self._bounds_cache[snap_decimals] = self._make_bounds(snap_decimals)
        return hit

    def _make_bounds(self, snap_decimals: int | None) -> np.ndarray:
        if snap_decimals is None:
            # exact: "x > b" is "x >= next double after b"
            lower = np.where(self.lower_inclusive, self.lower, np.nextafter(self.lower, np.inf))
            top = np.nextafter(self.upper[-1], np.inf) if self.upper_inclusive[-1] else self.upper[-1]
        else:
            tol = 0.5 * 10.0 ** -snap_decimals
            lower = np.where(self.lower_inclusive, self.lower - tol, self.lower + tol)
            top = self.upper[-1] + tol if self.upper_inclusive[-1] else self.upper[-1] - tol
        return np.append(lower, top)

    @functools.cached_property
    def _lut(self) -> np.ndarray:
        k = len(self.labels)
        dtype = np.int8 if k < 127 else np.int32
        return np.concatenate([[-1], np.arange(k), [-1]]).astype(dtype)

    def dtype(self, field: str = "label") -> pd.CategoricalDtype:
        """Ordered categorical dtype of the labels (or of another per-band field)."""
        cats = self.labels if field == "label" else tuple(dict.fromkeys(self.fields[field]))
        return pd.CategoricalDtype(list(cats), ordered=True)

    def classify(
        self, values: Any, *, field: str = "label", snap_decimals: int | None = 9
    ) -> pd.Categorical:
        """Map values to band labels (or another per-band field); missing where out of range."""
        codes = self.codes(values, snap_decimals=snap_decimals)
        return self.labels_from_codes(codes, field=field)

    def labels_from_codes(self, codes: np.ndarray, *, field: str = "label") -> pd.Categorical:
        """Categorical of labels (or of ``field``) from band codes as returned by :meth:`codes`."""
        if field == "label":
            return pd.Categorical.from_codes(codes, dtype=self.dtype(), validate=False)
        if field not in self.fields:
            raise ValueError(f"band table {self.name!r} has no field {field!r}; "
                             f"available: label, {', '.join(self.fields) or '(none)'}")
        dtype = self.dtype(field)
        lookup = np.array([dtype.categories.get_loc(v) for v in self.fields[field]] + [-1])
        return pd.Categorical.from_codes(lookup[codes], dtype=dtype, validate=False)

    def describe(self) -> pd.DataFrame:
        """The table as a DataFrame, one row per band, with interval notation."""
        lo_b = np.where(self.lower_inclusive, "[", "(")
        hi_b = np.where(self.upper_inclusive, "]", ")")
        interval = [f"{a}{lo:g}, {hi:g}{b}" for a, lo, hi, b in zip(lo_b, self.lower, self.upper, hi_b, strict=True)]
        data = {"label": list(self.labels), "interval": interval, "lower": self.lower,
                "lower_inclusive": self.lower_inclusive, "upper": self.upper,
                "upper_inclusive": self.upper_inclusive}
        data.update({k: list(v) for k, v in self.fields.items()})
        return pd.DataFrame(data)


@dataclass(frozen=True, eq=False)
class Rubric:
    """One version of one official scoring rule, loaded from its YAML file.

    Use :func:`load` rather than constructing it. ``tables`` maps table names to
    :class:`BandTable` objects (band tables) or to the raw mappings of other tables.

    Examples
    --------
    >>> from kinerja_research import rubrics
    >>> r = rubrics.load("sakip/permenpan-88-2021")
    >>> list(r.classify([90.0, 90.01]))
    ['A', 'AA']
    """

    id: str
    kind: str
    version: str
    title: str
    regulation: str
    article: str
    sources: tuple[str, ...]
    valid_from: dt.date
    valid_to: dt.date | None
    tables: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    default_table: str | None = None
    snap_decimals: int = 9
    series: str = "main"
    notes: tuple[str, ...] = ()
    verification: tuple[Mapping[str, Any], ...] = ()
    boundary_convention: str | None = None

    # -- provenance -------------------------------------------------------------------------
    def table_verified(self, name: str) -> bool:
        """Whether table ``name`` is marked verified."""
        t = self.tables[name]
        return t.verified if isinstance(t, BandTable) else bool(t["verified"])

    @property
    def unverified_tables(self) -> tuple[str, ...]:
        """Names of the tables not marked verified."""
        return tuple(n for n in self.tables if not self.table_verified(n))

    @property
    def verified(self) -> bool:
        """True when every table of the rubric is marked verified."""
        return not self.unverified_tables

    def metadata(self, tables: Sequence[str] | None = None) -> dict[str, Any]:
        """Provenance for results' ``DataFrame.attrs["rubric"]``.

        ``tables`` restricts the verified check to the tables a computation used.
        """
        used = tuple(self.tables) if tables is None else tuple(tables)
        unknown = [t for t in used if t not in self.tables]
        if unknown:
            raise ValueError(f"rubric {self.id!r} has no tables {unknown}")
        unverified = [t for t in used if not self.table_verified(t)]
        return {"id": self.id, "regulation": self.regulation, "verified": not unverified,
                "unverified_tables": unverified}

    def in_force(self, date: Any) -> bool:
        """Whether the rubric is in force on ``date`` (see :func:`for_date` for accepted forms)."""
        d = _as_date(date)
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)

    # -- tables -----------------------------------------------------------------------------
    def band_table(self, name: str | None = None) -> BandTable:
        """The band table ``name`` (default: the rubric's ``classify`` table)."""
        name = name or self.default_table
        if name is None:
            raise ValueError(f"rubric {self.id!r} has no default band table; pass table=")
        table = self.tables.get(name)
        if not isinstance(table, BandTable):
            bands = [n for n, t in self.tables.items() if isinstance(t, BandTable)]
            raise ValueError(f"rubric {self.id!r} has no band table {name!r}; band tables: {bands}")
        return table

    def points(self, name: str) -> dict[str, float]:
        """A points table as a dict (``nan`` for values the regulation leaves unknown)."""
        table = self.tables.get(name)
        if not isinstance(table, Mapping) or table.get("kind") != "points":
            raise ValueError(f"rubric {self.id!r} has no points table {name!r}")
        return {str(k): (math.nan if v is None else float(v)) for k, v in table["points"].items()}

    def table(self, name: str) -> Any:
        """Any table by name (a :class:`BandTable` or the raw mapping)."""
        if name not in self.tables:
            raise ValueError(f"rubric {self.id!r} has no table {name!r}; tables: {list(self.tables)}")
        return self.tables[name]

    def classify(self, values: Any, *, table: str | None = None, field: str = "label") -> Any:
        """Map raw scores to labels through a band table, vectorized.

        Parameters
        ----------
        values
            Scalar, array-like or Series of raw scores. Missing or out-of-range values give a
            missing label.
        table
            Band table name; default the rubric's ``classify`` table.
        field
            ``"label"`` or another per-band field of the table (e.g. ``"kinerja"``).

        Returns
        -------
        pandas.Series | pandas.Categorical | str | None
            A categorical Series (same index) for a Series, a Categorical for arrays, the label
            (or ``None``) for a scalar.
        """
        bt = self.band_table(table)
        if np.ndim(values) == 0:
            v = np.nan if values is None or values is pd.NA else values
            out = bt.classify(np.array([v], dtype=float), field=field, snap_decimals=self.snap_decimals)
            v = out[0]
            return None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v)
        arr = _float_array(values, "values")
        out = bt.classify(arr, field=field, snap_decimals=self.snap_decimals)
        if isinstance(values, pd.Series):
            return pd.Series(out, index=values.index, name=field)
        return out

    def __repr__(self) -> str:
        mark = "verified" if self.verified else f"UNVERIFIED tables: {', '.join(self.unverified_tables)}"
        end = self.valid_to or "…"
        return f"Rubric({self.id!r}; {self.regulation}; {self.valid_from}–{end}; {mark})"


def _float_array(values: Any, name: str) -> np.ndarray:
    try:
        if isinstance(values, pd.Series | pd.Index):
            return values.to_numpy(dtype=float, na_value=np.nan)
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric: {exc}") from None


def _as_date(date: Any) -> dt.date:
    if isinstance(date, bool):
        raise TypeError(f"date must be a date, ISO string or year, got {date!r}")
    if isinstance(date, int | np.integer):
        # An annual period is judged by the rule in force at its end, when the appraisal is made.
        return dt.date(int(date), 12, 31)
    if isinstance(date, dt.datetime):
        return date.date()
    if isinstance(date, dt.date):
        return date
    if isinstance(date, pd.Timestamp):
        return date.date()
    if isinstance(date, str):
        try:
            return dt.date.fromisoformat(date)
        except ValueError:
            raise ValueError(f"date {date!r} is not an ISO date (YYYY-MM-DD)") from None
    raise TypeError(f"date must be a date, ISO string or year, got {type(date).__name__}")


def _files() -> Any:
    return resources.files(_PACKAGE).joinpath("files")


@functools.cache
def available() -> tuple[str, ...]:
    """Ids of every rubric shipped with the package, sorted.

    Examples
    --------
    >>> from kinerja_research import rubrics
    >>> "ikm/permenpan-14-2017" in rubrics.available()
    True
    """
    ids: list[str] = []
    for kind_dir in _files().iterdir():
        if not kind_dir.is_dir():
            continue
        ids.extend(f"{kind_dir.name}/{f.name[:-4]}" for f in kind_dir.iterdir() if f.name.endswith(".yml"))
    return tuple(sorted(ids))


def _band_table(name: str, t: Mapping[str, Any]) -> BandTable:
    bands = t["bands"]
    extra_keys = [k for k in bands[0] if k not in ("label", "lower", "lower_inclusive", "upper", "upper_inclusive")]
    return BandTable(
        name=name, verified=bool(t["verified"]), confidence=t["confidence"], source=t["source"],
        labels=tuple(b["label"] for b in bands),
        lower=np.array([-math.inf if b["lower"] is None else float(b["lower"]) for b in bands]),
        upper=np.array([math.inf if b["upper"] is None else float(b["upper"]) for b in bands]),
        lower_inclusive=np.array([b["lower_inclusive"] for b in bands]),
        upper_inclusive=np.array([b["upper_inclusive"] for b in bands]),
        fields=MappingProxyType({k: tuple(b.get(k) for b in bands) for k in extra_keys}),
        note=t.get("note"),
    )


def parse_rubric(doc: Mapping[str, Any], *, where: str, expected_id: str | None = None) -> Rubric:
    """Check a parsed rubric document against the schema and build a :class:`Rubric`."""
    validate_rubric(doc, where=where, expected_id=expected_id)
    tables = {
        str(n): _band_table(str(n), t) if t["kind"] == "bands" else MappingProxyType(dict(t))
        for n, t in doc["tables"].items()
    }
    vf = doc["valid_from"]
    vt = doc["valid_to"]
    return Rubric(
        id=doc["id"], kind=doc["kind"], version=doc["version"], title=doc["title"],
        regulation=doc["regulation"], article=doc["article"], sources=tuple(doc["sources"]),
        valid_from=vf if isinstance(vf, dt.date) else dt.date.fromisoformat(vf),
        valid_to=None if vt is None else (vt if isinstance(vt, dt.date) else dt.date.fromisoformat(vt)),
        tables=MappingProxyType(tables), parameters=MappingProxyType(dict(doc.get("parameters") or {})),
        default_table=doc.get("classify"), snap_decimals=int(doc.get("snap_decimals", 9)),
        series=str(doc.get("series", "main")), notes=tuple(doc.get("notes") or ()),
        verification=tuple(doc.get("verification") or ()),
        boundary_convention=doc.get("boundary_convention"),
    )


@functools.cache
def load(rubric_id: str) -> Rubric:
    """Load a rubric by id (``<kind>/<version>``), checking its schema.

    Parameters
    ----------
    rubric_id
        One of :func:`available`.

    Examples
    --------
    >>> from kinerja_research import rubrics
    >>> rubrics.load("ikm/permenpan-14-2017").classify(88.31)
    'A'
    """
    if not isinstance(rubric_id, str):
        raise TypeError(f"rubric id must be a string, got {type(rubric_id).__name__}")
    if rubric_id not in available():
        raise ValueError(f"unknown rubric {rubric_id!r}; available: {', '.join(available())}")
    kind, version = rubric_id.split("/", 1)
    path = _files().joinpath(kind).joinpath(f"{version}.yml")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return parse_rubric(doc, where=f"rubrics/files/{kind}/{version}.yml", expected_id=rubric_id)


def for_date(kind: str, date: Any, *, series: str = "main") -> Rubric:
    """The rubric of ``kind`` in force on ``date``.

    Parameters
    ----------
    kind
        Rubric kind, e.g. ``"ikm"``, ``"skp"``, ``"ombudsman"``.
    date
        A :class:`datetime.date`, ISO string, Timestamp, or an integer year (meaning 31 December
        of that year: annual appraisals are made under the rule in force at the period's end).
    series
        Rubrics that are alternatives rather than successive versions (agency-specific tables,
        regional TPP rules) carry their own series name; the default follows the main line.

    Raises
    ------
    LookupError
        When no rubric of that kind and series is in force on the date.

    Examples
    --------
    >>> from kinerja_research import rubrics
    >>> rubrics.for_date("ombudsman", 2023).id
    'ombudsman/opini-2022'
    """
    d = _as_date(date)
    kinds = {i.split("/", 1)[0] for i in available()}
    if kind not in kinds:
        raise ValueError(f"unknown rubric kind {kind!r}; kinds: {', '.join(sorted(kinds))}")
    candidates = [
        r for r in (load(i) for i in available() if i.startswith(f"{kind}/"))
        if r.series == series and r.in_force(d)
    ]
    if not candidates:
        raise LookupError(f"no {kind!r} rubric (series {series!r}) is in force on {d}")
    return max(candidates, key=lambda r: r.valid_from)
