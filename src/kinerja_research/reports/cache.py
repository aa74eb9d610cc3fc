"""What a report's incremental key covers besides the notebook, parameters and data: the
content of the code that renders it.

A version number does not change when a module or a rubric file is edited in an editable install,
so the key hashes file contents: every file of the installed package (its modules and rubric
files), the project's ``config/`` folder and the lock file. Any edit re-runs every report, which
is correct and simple (which report reads which module is not worth guessing).

>>> len(code_fingerprint("."))  # doctest: +SKIP
64
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

#: The lock file ``make`` installs from (``make lock`` regenerates it from ``pyproject.toml``).
LOCK_FILE = "requirements.lock"

_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


def _files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        return
    for p in sorted(root.rglob("*")):
        if p.is_file() and not _SKIP_PARTS.intersection(p.parts) and p.suffix not in _SKIP_SUFFIXES:
            yield p


def package_root() -> Path:
    """The folder of the installed ``kinerja_research`` package (modules and rubric files)."""
    import kinerja_research

    return Path(kinerja_research.__file__).resolve().parent


def code_files(project: str | Path = ".") -> list[Path]:
    """The files :func:`code_fingerprint` hashes: the package, ``config/`` and the lock file."""
    base = Path(project)
    roots = [package_root(), base / "config", base / LOCK_FILE]
    return [f for r in roots for f in _files(r)]


def code_fingerprint(project: str | Path = ".") -> str:
    """SHA-256 over the names and contents of :func:`code_files` (about 10 ms).

    Examples
    --------
    >>> code_fingerprint() == code_fingerprint()  # doctest: +SKIP
    True
    """
    pkg = package_root()
    base = Path(project).resolve()
    h = hashlib.sha256()
    for f in code_files(project):
        rf = f.resolve()
        name = rf.relative_to(pkg).as_posix() if rf.is_relative_to(pkg) else (
            rf.relative_to(base).as_posix() if rf.is_relative_to(base) else rf.name)
        h.update(name.encode() + b"\0")
        h.update(hashlib.sha256(rf.read_bytes()).digest())
    return h.hexdigest()


def lock_file_record(project: str | Path = ".") -> dict[str, str] | None:
    """The lock file's path and SHA-256, for the manifest (None when there is none)."""
    p = Path(project) / LOCK_FILE
    if not p.is_file():
        return None
    return {"path": LOCK_FILE, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
