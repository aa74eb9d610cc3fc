"""Statistical methods (DESIGN §6): each returns an immutable results object."""

from __future__ import annotations

from kinerja_research.stats._results import Results

__all__ = ["Results"]
