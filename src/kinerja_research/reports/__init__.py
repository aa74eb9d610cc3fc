"""Batch report rendering: grid, forked papermill-compatible runner, manifests, index, privacy.

>>> from kinerja_research.reports import run_reports
>>> summary = run_reports("config/reports.yml", only="regional/*", workers=2)  # doctest: +SKIP
>>> summary.exit_code                                                         # doctest: +SKIP
0

Names load on first use so that ``kinerja reports`` with nothing to do stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_reports": "runner",
    "RunSummary": "runner",
    "load_grid": "grid",
    "notebook_parameters": "grid",
    "check_parameters": "grid",
    "execute_report": "engine",
    "prepare_worker": "engine",
    "scan_html": "privacy",
    "record_rubric": "manifest",
    "read_manifest": "manifest",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"kinerja_research.reports.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'kinerja_research.reports' has no attribute {name!r}")
