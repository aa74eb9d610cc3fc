"""Project settings (``config/settings.yml``), read once per process."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml


@functools.cache
def settings(path: str | None = None) -> dict[str, Any]:
    """Read the settings file: ``KINERJA_CONFIG`` or ``config/settings.yml`` in the working dir.

    Missing file → empty settings (every setting has a default where it is used).
    """
    p = Path(path or os.environ.get("KINERJA_CONFIG", "config/settings.yml"))
    if not p.exists():
        return {}
    with p.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{p} must hold a mapping of settings, not {type(data).__name__}")
    return data
