"""The data contract: readers, validation, pseudonymization, storage and the synthetic world.

>>> import kinerja_research as kr
>>> res = kr.data.read("export.xlsx", table="employees")  # doctest: +SKIP
>>> kr.data.save(study, "data/processed"); kr.data.load("data/processed")  # doctest: +SKIP
>>> kr.data.ingest("exports/", "bkd_2024")  # doctest: +SKIP
"""

from __future__ import annotations

from kinerja_research.data.errors import ContractError
from kinerja_research.data.ingest import IngestResult, ingest
from kinerja_research.data.limits import ReadLimits
from kinerja_research.data.locale import NumberFormat
from kinerja_research.data.nip import is_valid_nip, nip_problems
from kinerja_research.data.read import ReadResult, read
from kinerja_research.data.salt import SaltError, salt_info
from kinerja_research.data.schemas import TABLE_SPECS, table_spec
from kinerja_research.data.store import data_fingerprint, load, pseudonymize_nip, save
from kinerja_research.data.study import TABLES, Study

__all__ = [
    "TABLES", "TABLE_SPECS", "ContractError", "IngestResult", "NumberFormat", "ReadLimits",
    "ReadResult", "SaltError", "Study", "data_fingerprint", "ingest", "is_valid_nip", "load",
    "nip_problems", "pseudonymize_nip", "read", "salt_info", "save", "table_spec",
]


def __getattr__(name: str):  # simulate is heavy and owned by its own module; import lazily
    if name == "simulate":
        from kinerja_research.data.simulate import simulate

        return simulate
    raise AttributeError(name)
