"""Project settings (``config/settings.yml``) and the project root, read once per process.

Relative paths in the settings (``world.out``, the salt file, ``data/processed``) are relative to
the **project root**, not to the working folder: a notebook opened in JupyterLab from
``notebooks/`` must find the same settings, data and salt as ``make reports`` run from the root.

>>> root = project_root()  # doctest: +SKIP
>>> project_path("data/synthetic")  # doctest: +SKIP
PosixPath('/…/kinerja_research/data/synthetic')
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

#: Files that mark the project root (either is enough).
ROOT_MARKERS = ("pyproject.toml", "config/settings.yml")


def project_root(start: str | Path | None = None) -> Path:
    """The project root: ``KINERJA_PROJECT``, else the nearest folder at or above ``start``
    (default the working folder) holding ``pyproject.toml`` or ``config/settings.yml``, else
    ``start`` itself.

    Examples
    --------
    >>> (project_root() / "pyproject.toml").exists()  # doctest: +SKIP
    True
    """
    env = os.environ.get("KINERJA_PROJECT")
    if env:
        root = Path(env).expanduser()
        if not root.is_dir():
            raise ValueError(f"KINERJA_PROJECT={env!r} is not a folder; point it at the project root "
                             "(the folder holding pyproject.toml) or unset it")
        return root.resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / m).is_file() for m in ROOT_MARKERS):
            return folder
    return here


def project_path(path: str | Path) -> Path:
    """``path`` made absolute against :func:`project_root` (absolute paths unchanged).

    Examples
    --------
    >>> project_path("/tmp/x")
    PosixPath('/tmp/x')
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() else project_root() / p


@functools.cache
def settings(path: str | None = None) -> dict[str, Any]:
    """Read the settings file: ``KINERJA_CONFIG`` or ``config/settings.yml`` in the project root.

    Missing file → empty settings (every setting has a default where it is used).
    """
    p = project_path(path or os.environ.get("KINERJA_CONFIG") or "config/settings.yml")
    if not p.exists():
        return {}
    with p.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{p} must hold a mapping of settings, not {type(data).__name__}")
    return data
