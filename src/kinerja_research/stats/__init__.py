"""Statistical methods (DESIGN §6): each returns an immutable results object.

Names load on first use, so importing :mod:`kinerja_research.stats` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from kinerja_research.stats._results import Results

_EXPORTS = {
    "did": ("staggered_did", "StaggeredDiDResults", "DiDAggregate", "WaldTest"),
    "twfe": ("twfe", "event_study", "twfe_weights", "TwfeResults", "EventStudyResults", "TwfeWeights"),
    "rd": ("rd", "RDResults", "DensityTestResults", "PlaceboResults"),
    "synth": ("synthetic_control", "SynthResults"),
    "weighting": ("weighting", "WeightingResults"),
    "multilevel": ("multilevel", "MultilevelResults"),
    "reliability": ("cronbach_alpha", "ReliabilityResults"),
    "diagnose": ("Design", "diagnose", "DiagnosisResults"),
    "refute": ("placebo_timing", "leave_one_out", "RefutationResults"),
    "honestdid": ("honest_did", "HonestDiDResults"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = ["Results", *sorted(_WHERE)]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"kinerja_research.stats.{_WHERE[name]}"), name)
    if name in _EXPORTS:
        return importlib.import_module(f"kinerja_research.stats.{name}")
    raise AttributeError(f"module 'kinerja_research.stats' has no attribute {name!r}")
