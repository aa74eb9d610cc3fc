"""Versioned, cited scoring rubrics: one YAML file per regulation version (docs/guide/rubrics.md).

>>> from kinerja_research import rubrics
>>> r = rubrics.load("ikm/permenpan-14-2017")
>>> r.classify([88.30, 88.31])
['B', 'A']
Categories (4, str): ['D' < 'C' < 'B' < 'A']
>>> rubrics.for_date("skp", 2023).id
'skp/permenpan-6-2022'
"""

from __future__ import annotations

from kinerja_research.rubrics._loader import (
    BandTable,
    Rubric,
    available,
    for_date,
    load,
    parse_rubric,
)
from kinerja_research.rubrics._schema import CONFIDENCE_MARKS, RubricSchemaError, validate_rubric

__all__ = [
    "CONFIDENCE_MARKS", "BandTable", "Rubric", "RubricSchemaError", "available", "for_date",
    "load", "parse_rubric", "validate_rubric",
]
