"""SAKIP evaluation grade (Permenpan RB 88/2021; 12/2015) from the score or its components."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.rubrics import Rubric
from kinerja_research.scoring._bands import banded
from kinerja_research.scoring._inputs import (
    float_values,
    reasons,
    require_frame,
    resolve_rubric,
    with_rubric,
)

DEFAULT_RUBRIC = "sakip/permenpan-88-2021"


def sakip_grade(score: Any, *, rubric: str | Rubric = DEFAULT_RUBRIC) -> pd.DataFrame:
    """SAKIP predicate AA … D of evaluation scores (0–100).

    Bands are open below (``(90, 100]`` AA … ``[0, 30]`` D), as KemenPANRB writes them.

    Parameters
    ----------
    score
        Scores, scalar, array-like or Series; missing allowed.
    rubric
        Rubric id or Rubric (``sakip/permenpan-88-2021`` by default).

    Returns
    -------
    pandas.DataFrame
        ``sakip_score`` (raw), ``sakip_grade``, ``interpretation``, ``reason``.

    Examples
    --------
    >>> sakip_grade([90.0, 90.01])["sakip_grade"].tolist()
    ['A', 'AA']
    """
    rb = resolve_rubric(rubric, "sakip")
    return banded(np.atleast_1d(score) if np.ndim(score) == 0 else score, rb,
                  value_name="sakip_score", label_name="sakip_grade",
                  fields=[("interpretation", "interpretation")], table="predikat")


def sakip_from_components(
    assessments: pd.DataFrame,
    *,
    rubric: str | Rubric = DEFAULT_RUBRIC,
) -> pd.DataFrame:
    """SAKIP score (sum of component points) and grade from component scores.

    Parameters
    ----------
    assessments
        Frame with ``sakip_<component>`` columns holding points earned, each within the
        rubric's maximum (88/2021: perencanaan 30, pengukuran 30, pelaporan 15, evaluasi 25).
        Other columns pass through.
    rubric
        Rubric id or Rubric.

    Returns
    -------
    pandas.DataFrame
        Pass-through columns, ``sakip_score``, ``sakip_grade``, ``interpretation``, ``reason``.

    Examples
    --------
    >>> a = pd.DataFrame({"sakip_perencanaan": [27.0], "sakip_pengukuran": [25.5],
    ...                   "sakip_pelaporan": [13.0], "sakip_evaluasi": [20.0]})
    >>> sakip_from_components(a)[["sakip_score", "sakip_grade"]].to_dict("records")
    [{'sakip_score': 85.5, 'sakip_grade': 'A'}]
    """
    rb = resolve_rubric(rubric, "sakip")
    maxima = rb.points("components")
    cols = [f"sakip_{c}" for c in maxima]
    require_frame(assessments, "assessments", cols)
    total = np.zeros(len(assessments))
    bits = np.zeros(len(assessments), dtype=np.int64)
    for i, (comp, mx) in enumerate(maxima.items()):
        v = float_values(assessments[f"sakip_{comp}"], f"sakip_{comp}", minimum=0, maximum=mx)
        total += v
        bits |= np.isnan(v).astype(np.int64) << i
    graded = sakip_grade(total, rubric=rb)
    keep = assessments[[c for c in assessments.columns if c not in cols and c != "sakip_score"]]
    out = pd.concat([keep.reset_index(drop=True), graded.drop(columns="reason")], axis=1)
    out.index = assessments.index
    out["reason"] = reasons(bits, [f"sakip_{c} missing" for c in maxima])
    return with_rubric(out, rb, ["components", "predikat"])
