"""The analysis layer: what notebooks call, above :mod:`kinerja_research.stats`.

Modules, each with one job:

- :mod:`~kinerja_research.analysis.notebook` — ``setup()`` for a notebook: parameters checked,
  dataset loaded, language and style set;
- :mod:`~kinerja_research.analysis.panels` — analysis panels built from a study's tables;
- :mod:`~kinerja_research.analysis.estimates` — estimates beside the synthetic truth, method notes,
  thin wrappers the study notebooks call;
- :mod:`~kinerja_research.analysis.designs` — ready-made designs on the synthetic world that
  :func:`kinerja_research.stats.diagnose` simulates;
- :mod:`~kinerja_research.analysis.describe` — descriptive tables and figures of a study;
- :mod:`~kinerja_research.analysis.regional` — the regional (region × period) report;
- :mod:`~kinerja_research.analysis.suppression` — small-group suppression for published tables;
- :mod:`~kinerja_research.analysis.i18n` — the text catalogue (Bahasa Indonesia, English).

Imports only go down: data → rubrics/scoring → stats → analysis → reports.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = {"notebook", "panels", "estimates", "designs", "describe", "regional", "suppression", "i18n"}
__all__ = sorted(_SUBMODULES)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"kinerja_research.analysis.{name}")
    raise AttributeError(f"module 'kinerja_research.analysis' has no attribute {name!r}")
