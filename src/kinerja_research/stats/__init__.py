"""Statistical methods: each returns an immutable results object.

Names load on first use, so importing :mod:`kinerja_research.stats` stays cheap.

Five public functions share their name with the module that defines them (``rd``, ``twfe``,
``weighting``, ``multilevel``, ``diagnose``). Python's import system sets the package attribute
of that name to the submodule whenever the submodule is imported, which would turn
``kr.stats.rd`` from the function into the module half-way through a session. This package's
module type refuses that assignment, so ``kr.stats.rd`` is always the function; the modules stay
importable by their full path (``from kinerja_research.stats.rd import rd``).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from kinerja_research.stats._results import Results

_EXPORTS = {
    "did": ("staggered_did", "StaggeredDiDResults", "DiDAggregate", "WaldTest"),
    "twfe": (
        "twfe", "event_study", "twfe_weights",
        "TwfeResults", "EventStudyResults", "EventStudyAggregate", "TwfeWeights",
    ),
    "rd": ("rd", "RDResults", "DensityTestResults", "PlaceboResults"),
    "synth": ("synthetic_control", "SynthResults"),
    "weighting": ("weighting", "WeightingResults"),
    "multilevel": ("multilevel", "MultilevelResults"),
    "reliability": ("cronbach_alpha", "ReliabilityResults"),
    "diagnose": ("Design", "diagnose", "DiagnosisResults"),
    "refute": ("placebo_timing", "leave_one_out", "RefutationResults"),
    "honestdid": ("honest_did", "HonestDiDResults"),
    "compare": ("compare", "Comparison"),
    "calibrate": ("calibrated_design", "variance_components", "CalibratedWorld"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = ["Results", *sorted(_WHERE)]
# public functions whose defining module has the same name
_SHADOWED = frozenset(name for name in _WHERE if name in _EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"kinerja_research.stats.{_WHERE[name]}"), name)
    if name in _EXPORTS:
        return importlib.import_module(f"kinerja_research.stats.{name}")
    raise AttributeError(f"module 'kinerja_research.stats' has no attribute {name!r}")


class _StatsPackage(types.ModuleType):
    """Package module that keeps a public function name bound to the function."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            # the import system binding the submodule: bind the function it defines instead
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _StatsPackage
