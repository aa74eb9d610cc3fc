"""The data contract: readers, validation, pseudonymization, storage and the synthetic world.

>>> import kinerja_research as kr
>>> res = kr.data.read("export.xlsx", table="employees")  # doctest: +SKIP
>>> kr.data.save(study, "data/processed"); kr.data.load("data/processed")  # doctest: +SKIP
"""

from __future__ import annotations

from kinerja_research.data.errors import ContractError
from kinerja_research.data.limits import ReadLimits
from kinerja_research.data.locale import NumberFormat
from kinerja_research.data.nip import is_valid_nip, nip_problems, pseudonymize_nip
from kinerja_research.data.read import ReadResult, read
from kinerja_research.data.schemas import TABLE_SPECS, table_spec
from kinerja_research.data.store import data_fingerprint, load, save
from kinerja_research.data.study import TABLES, Study

__all__ = [
    "TABLES", "TABLE_SPECS", "ContractError", "NumberFormat", "ReadLimits", "ReadResult", "Study",
    "data_fingerprint",
    "is_valid_nip", "load", "nip_problems", "pseudonymize_nip", "read", "save", "table_spec",
]


def __getattr__(name: str):  # simulate is heavy and owned by its own module; import lazily
    if name == "simulate":
        from kinerja_research.data.simulate import simulate

        return simulate
    raise AttributeError(name)
