"""Store a :class:`Study` as Parquet and read it back (``data/processed`` layout).

Layout of a study folder::

    study.json                 meta (preset, seed, synthetic flag), fingerprints, truth scalars
    <table>.parquet            the seven canonical tables (NIP replaced by employee_id)
    truth/<name>.parquet       tabular parts of the truth, for synthetic worlds
    potential_outcomes/<name>.parquet
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.data.errors import ContractError
from kinerja_research.data.salt import get_salt
from kinerja_research.data.study import TABLES, Study
from kinerja_research.provenance import fingerprint

FORMAT_VERSION = 1
#: Bytes of a pseudonym (shown as twice as many hex digits).
PSEUDONYM_BYTES = 8


def pseudonym_key(salt: bytes) -> bytes:
    """The BLAKE2b key derived from a salt: SHA-256 of the salt (BLAKE2b keys are ≤ 64 bytes)."""
    return hashlib.sha256(salt).digest()


def pseudonymize_nip(
    nip: pd.Series, salt: str | bytes | None = None, *, strict: bool = False
) -> pd.Series:
    """Replace NIPs by salted pseudonyms (16 hex characters).

    ``employee_id = BLAKE2b(nip as ASCII, key=SHA-256(salt), digest_size=8)`` in lower-case hex:
    a keyed MAC, stable for the same salt and unrelated across salts. The NIP space is small and
    structured (about 10**10 plausible NIPs), so anyone holding the salt can reverse a pseudonym
    by trying them all: the salt is as sensitive as the NIPs (see ``data/README.md``).

    Each distinct NIP is hashed once, from a pre-keyed state, so millions of rows take seconds.

    Parameters
    ----------
    nip
        NIPs as text; missing values stay missing.
    salt
        The salt; default: the salt in force (:func:`kinerja_research.data.salt.resolve_salt`).
        Bytes are used as given (surrounding whitespace stripped, like text).
    strict
        Refuse a salt shorter than 256 bits instead of warning.

    Examples
    --------
    >>> p = pseudonymize_nip(pd.Series(["199001012015031001"]), salt=b"s" * 32)
    >>> len(p[0])
    16
    """
    key = get_salt(salt, strict=strict)  # bytes too: an empty key is refused whatever its type
    s = pd.Series(nip, dtype="string")
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    copy = hashlib.blake2b(key=pseudonym_key(key), digest_size=PSEUDONYM_BYTES).copy

    def one(value: str) -> str:  # copying a keyed state skips re-keying: ~0.5 µs per NIP
        h = copy()
        h.update(value.encode("ascii", "backslashreplace"))
        return h.hexdigest()

    digests = np.array(list(map(one, uniques)), dtype=object)
    out = np.where(codes >= 0, digests[np.maximum(codes, 0)] if len(digests) else None, None)
    return pd.Series(out, index=s.index, dtype="string", name="employee_id")


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _split_truth(truth: Any) -> tuple[dict[str, Any], dict[str, pd.DataFrame], str | None]:
    if truth is None:
        return {}, {}, None
    items = (
        {f.name: getattr(truth, f.name) for f in dataclasses.fields(truth)}
        if dataclasses.is_dataclass(truth) else dict(vars(truth))
    )
    scalars = {k: _jsonable(v) for k, v in items.items() if not isinstance(v, pd.DataFrame)}
    frames = {k: v for k, v in items.items() if isinstance(v, pd.DataFrame)}
    cls = type(truth)
    return scalars, frames, f"{cls.__module__}:{cls.__qualname__}"


def save(study: Study, directory: str | Path, *, salt: str | bytes | None = None) -> Path:
    """Write a study as Parquet tables plus ``study.json``.

    The ``nip`` column of ``employees`` is replaced by ``employee_id`` (a salted pseudonym, see
    :func:`pseudonymize_nip`); no NIP is written.

    Parameters
    ----------
    study
        The study to store.
    directory
        Target folder, created if needed. Existing tables in it are replaced.
    salt
        Pseudonymization salt; default: the salt in force (``KINERJA_SALT``, a salt file or the
        user's salt, see :mod:`kinerja_research.data.salt`). Resolved once for all tables.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    if "nip" in study.employees.columns:
        salt = get_salt(salt)
    fingerprints = {}
    for name in TABLES:
        df = getattr(study, name)
        if "nip" in df.columns:
            df = df.assign(nip=pseudonymize_nip(df["nip"], salt)).rename(columns={"nip": "employee_id"})
        fingerprints[name] = fingerprint(df)
        _atomic_parquet(df, out / f"{name}.parquet")
    scalars, frames, truth_cls = _split_truth(study.truth)
    for sub, tables in (("truth", frames), ("potential_outcomes", study.potential_outcomes)):
        if tables:
            (out / sub).mkdir(exist_ok=True)
            for name, df in tables.items():
                _atomic_parquet(df, out / sub / f"{name}.parquet")
    doc = {
        "format_version": FORMAT_VERSION,
        "meta": _jsonable(study.meta),
        "fingerprints": fingerprints,
        "fingerprint": hashlib.sha256(json.dumps(fingerprints, sort_keys=True).encode()).hexdigest()[:16],
        "truth_class": truth_cls,
        "truth_scalars": scalars,
        "truth_tables": sorted(frames),
        "potential_outcomes": sorted(study.potential_outcomes),
    }
    with tempfile.NamedTemporaryFile("w", dir=out, delete=False, suffix=".tmp", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, default=str)
    os.replace(fh.name, out / "study.json")
    return out


def _rebuild_truth(doc: dict, directory: Path) -> Any:
    if not doc.get("truth_class"):
        return None
    values = dict(doc.get("truth_scalars", {}))
    for name in doc.get("truth_tables", []):
        values[name] = pd.read_parquet(directory / "truth" / f"{name}.parquet")
    module, _, qual = doc["truth_class"].partition(":")
    try:
        cls = getattr(importlib.import_module(module), qual)
        return cls(**values)
    except (ImportError, AttributeError, TypeError):
        from types import SimpleNamespace

        return SimpleNamespace(**values)


def load(directory: str | Path) -> Study:
    """Read a study written by :func:`save`.

    Raises
    ------
    ContractError
        If the folder is not a stored study (no ``study.json`` or a table missing).
    """
    d = Path(directory)
    meta_path = d / "study.json"
    if not meta_path.exists():
        raise ContractError(
            f"{d} is not a stored study (no study.json). Create one with `kinerja simulate --out {d}` "
            "or kr.data.save(study, dir)."
        )
    doc = json.loads(meta_path.read_text(encoding="utf-8"))
    missing = [t for t in TABLES if not (d / f"{t}.parquet").exists()]
    if missing:
        raise ContractError(f"{d}: stored study lacks tables {', '.join(missing)}.")
    meta = dict(doc.get("meta", {}))
    meta["fingerprint"] = doc.get("fingerprint")
    tables = {t: pd.read_parquet(d / f"{t}.parquet") for t in TABLES}
    for df in tables.values():
        df.attrs["synthetic"] = bool(meta.get("synthetic", False))
    po = {n: pd.read_parquet(d / "potential_outcomes" / f"{n}.parquet") for n in doc.get("potential_outcomes", [])}
    return Study(**tables, truth=_rebuild_truth(doc, d), potential_outcomes=po, meta=meta)


def data_fingerprint(directory: str | Path) -> str:
    """Fingerprint of a stored study, read from ``study.json`` without loading the tables."""
    doc = json.loads((Path(directory) / "study.json").read_text(encoding="utf-8"))
    return str(doc["fingerprint"])
