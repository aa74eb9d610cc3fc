"""Provenance helpers shared by results objects, manifests and reports."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata as md
import platform
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

_TRACKED = (
    "kinerja_research",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "scikit-learn",
    "pyfixest",
    "rdrobust",
    "pandera",
    "pyarrow",
    "duckdb",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
)


def package_versions(extra: Iterable[str] = ()) -> dict[str, str]:
    """Versions of Python and the packages results depend on (missing ones are omitted)."""
    return dict(_package_versions(tuple(extra)))


@functools.cache
def _package_versions(extra: tuple[str, ...]) -> dict[str, str]:
    # reading distribution metadata costs ~17 ms; versions cannot change within a process
    out = {"python": platform.python_version()}
    for name in (*_TRACKED, *extra):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return out


def fingerprint(data: pd.DataFrame | Mapping[str, pd.DataFrame] | None) -> str | None:
    """A stable SHA-256 fingerprint (first 16 hex characters) of one or several DataFrames.

    Hashes the values row-wise with :func:`pandas.util.hash_pandas_object` plus the column
    names and dtypes, so it is fast on millions of rows and does not depend on memory layout.
    """
    if data is None:
        return None
    frames = data.items() if isinstance(data, Mapping) else [("", data)]
    h = hashlib.sha256()
    for name, df in sorted(frames, key=lambda kv: kv[0]):
        h.update(name.encode())
        h.update(repr([(str(c), str(t)) for c, t in df.dtypes.items()]).encode())
        h.update(np.asarray(pd.util.hash_pandas_object(df, index=False)).tobytes())
    return h.hexdigest()[:16]


# rubrics the running process used, for the report manifest (one process renders one report)
_RUBRICS: dict[str, dict[str, Any]] = {}


def record_rubric(rubric_id: str, *, verified: bool, unverified_tables: list[str] | tuple[str, ...] = ()) -> None:
    """Note that the running report used a rubric; the manifest lists it with its verified flag.

    Rubric-based results already carry ``DataFrame.attrs["rubric"]`` (picked up automatically
    from the notebook's variables); call this for rubrics used in other ways.

    Examples
    --------
    >>> record_rubric("ikm/permenpan-14-2017", verified=True)
    >>> rubrics_recorded()[-1]["id"]
    'ikm/permenpan-14-2017'
    """
    if not isinstance(rubric_id, str) or "/" not in rubric_id:
        raise ValueError(f"rubric id must look like '<kind>/<version>', not {rubric_id!r}")
    prev = _RUBRICS.get(rubric_id)
    ok = bool(verified) and (prev is None or prev["verified"])
    _RUBRICS[rubric_id] = {"id": rubric_id, "verified": ok, "unverified_tables": list(unverified_tables)}


def rubrics_recorded() -> list[dict[str, Any]]:
    """Rubrics recorded with :func:`record_rubric` in this process."""
    return [dict(v) for v in _RUBRICS.values()]
