"""Batch report rendering: grid, runner, engines, publishing (privacy scan), manifests, index.

Modules, one job each: ``grid`` (the YAML grid), ``runner`` (one run: keys, manifests, index,
summary), ``pool`` (where reports run: local workers or Dask), ``interrupts`` (SIGINT/SIGTERM,
stopping child processes), ``lock`` (one run per output folder), ``supervise`` (a process per report: fork or
subprocess, timeouts, retries), ``pipeline`` (papermill's pipeline for one report), ``pm_engine``
(the ``kinerja-fork`` papermill engine), ``shell`` (the in-process IPython shell), ``warmup``
(worker warm-up), ``publish`` (the only writer into the reports folder), ``privacy`` (NIP and
name detection, redaction), ``manifest``, ``cache`` (the code fingerprint in the key), ``index``,
``document``, ``language``, ``pdf``, ``hygiene``.

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
    "execute_report": "supervise",
    "prepare_worker": "warmup",
    "scan_html": "privacy",
    "scan_text": "privacy",
    "redact": "privacy",
    "publish_text": "publish",
    "RunInterrupted": "runner",
    "GridError": "grid",
    "record_rubric": "manifest",
    "read_manifest": "manifest",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"kinerja_research.reports.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'kinerja_research.reports' has no attribute {name!r}")
