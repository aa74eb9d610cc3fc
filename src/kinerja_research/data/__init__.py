"""The data contract, readers, pseudonymization, storage and the synthetic world."""

from __future__ import annotations

from kinerja_research.data.study import TABLES, Study

__all__ = ["TABLES", "Study"]
