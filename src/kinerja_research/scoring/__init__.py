"""Official scores computed through versioned rubrics (docs/guide/rubrics.md), vectorized over DataFrames.

Every function returns the raw score next to its label, missing (with a reason) where an input
is missing, and records the rubric used in ``DataFrame.attrs["rubric"]`` — including whether the
tables it used are verified.

>>> from kinerja_research import scoring
>>> scoring.sakip_grade([85.5])["sakip_grade"].tolist()
['A']
"""

from __future__ import annotations

from kinerja_research.scoring.achievement import achievement, lelang_kinerja
from kinerja_research.scoring.discipline import discipline_sanction
from kinerja_research.scoring.ikm import ikm, skm_sample_size
from kinerja_research.scoring.ip_asn import ip_asn, ip_asn_summary
from kinerja_research.scoring.jpm import jpm, jpm_category
from kinerja_research.scoring.merit import merit_category
from kinerja_research.scoring.ombudsman import ombudsman_zone
from kinerja_research.scoring.sakip import sakip_from_components, sakip_grade
from kinerja_research.scoring.skp import (
    PredikatViolation,
    check_predikat_distribution,
    skp_category,
    skp_predikat,
)
from kinerja_research.scoring.study import score_employees, score_study
from kinerja_research.scoring.tpp import tpp

__all__ = [
    "PredikatViolation", "achievement", "check_predikat_distribution", "discipline_sanction",
    "ikm", "ip_asn", "ip_asn_summary", "jpm", "jpm_category", "lelang_kinerja", "merit_category",
    "ombudsman_zone", "sakip_from_components", "sakip_grade", "score_employees", "score_study",
    "skm_sample_size", "skp_category", "skp_predikat", "tpp",
]
