"""kinerja_research: how merit placement, rewards and punishments of Indonesian civil servants
(ASN) affect the quality of public services.

>>> import kinerja_research as kr
>>> study = kr.simulate("tiny", seed=0)                      # synthetic world with known truth
>>> res = kr.data.read("pegawai.xlsx", table="employees")    # doctest: +SKIP

Subpackages load on first use, so ``import kinerja_research`` stays fast:
``data`` (contract, readers, storage), ``rubrics`` and ``scoring`` (official indices),
``stats`` (causal methods), ``analysis`` (what notebooks call: setup, panels, study helpers,
regional reports, designs), ``reports`` (batch rendering).
"""

from __future__ import annotations

import importlib
from typing import Any

from kinerja_research.data.study import Study

__version__ = "0.1.0"
__all__ = ["Study", "__version__", "analysis", "data", "reports", "rubrics", "scoring", "simulate", "stats"]

_SUBMODULES = {"data", "rubrics", "scoring", "stats", "analysis", "reports", "provenance", "config"}


def simulate(preset: str = "jatim", seed: int = 0, **overrides: Any) -> Study:
    """Build a synthetic world with known true effects; see :mod:`kinerja_research.data.simulate`."""
    from kinerja_research.data.simulate import simulate as _simulate

    return _simulate(preset, seed, **overrides)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"kinerja_research.{name}")
    raise AttributeError(f"module 'kinerja_research' has no attribute {name!r}")
