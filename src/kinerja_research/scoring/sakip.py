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
from kinerja_research.scoring._published import with_published

DEFAULT_RUBRIC = "sakip/permenpan-88-2021"


def sakip_grade(
    score: Any, *, rubric: str | Rubric = DEFAULT_RUBRIC, published: Any = None,
) -> pd.DataFrame:
    """SAKIP predicate AA … D of evaluation scores (0–100).

    Bands are open below (``(90, 100]`` AA … ``[0, 30]`` D), as KemenPANRB writes them. A
    predicate KemenPANRB published is never overridden: with ``published``, ``sakip_grade`` is
    the published predicate where there is one (``sakip_grade_source`` = ``"published"``) and
    the band table's answer stays in ``derived_sakip_grade``.

    Parameters
    ----------
    score
        Scores, scalar, array-like or Series; missing allowed.
    rubric
        Rubric id or Rubric (``sakip/permenpan-88-2021`` by default).
    published
        Published predicates, one per score (``BB``/``bb`` …, missing where none), or ``None``.

    Returns
    -------
    pandas.DataFrame
        ``sakip_score`` (raw), ``sakip_grade`` (published, else derived), ``interpretation``
        (of the derived band), ``reason``, and ``sakip_grade_source`` (``"published"`` /
        ``"derived"``), ``derived_sakip_grade``, ``sakip_grade_conflict``.

    Examples
    --------
    >>> sakip_grade([90.0, 90.01])["sakip_grade"].tolist()
    ['A', 'AA']
    >>> g = sakip_grade([75.0, 62.0], published=["A", None])
    >>> g[["sakip_grade", "sakip_grade_source", "derived_sakip_grade"]].to_dict("records")
    [{'sakip_grade': 'A', 'sakip_grade_source': 'published', 'derived_sakip_grade': 'BB'}, {'sakip_grade': 'B', 'sakip_grade_source': 'derived', 'derived_sakip_grade': 'B'}]
    """
    rb = resolve_rubric(rubric, "sakip")
    out = banded(np.atleast_1d(score) if np.ndim(score) == 0 else score, rb,
                 value_name="sakip_score", label_name="sakip_grade",
                 fields=[("interpretation", "interpretation")], table="predikat")
    derived = out["sakip_grade"]
    labels = list(derived.cat.categories) if isinstance(derived.dtype, pd.CategoricalDtype) \
        else list(rb.band_table("predikat").labels)
    label, source, conflict = with_published(derived.to_numpy(), published, labels, "sakip_grade")
    attrs = out.attrs
    out["sakip_grade"] = label
    out["sakip_grade_source"] = pd.Categorical(source, categories=["published", "derived"])
    out["derived_sakip_grade"] = pd.Categorical(derived.to_numpy(), dtype=label.dtype)
    out["sakip_grade_conflict"] = conflict
    out.attrs = attrs
    return out


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
        Other columns pass through; a ``sakip_grade`` column holds published predicates,
        which are kept (see :func:`sakip_grade`).
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
    # a published predicate in the frame is the fact: used as it is, never re-derived
    published = assessments["sakip_grade"].to_numpy() if "sakip_grade" in assessments.columns else None
    graded = sakip_grade(total, rubric=rb, published=published)
    drop = {*cols, "sakip_score", *graded.columns}
    keep = assessments[[c for c in assessments.columns if c not in drop]]
    out = pd.concat([keep.reset_index(drop=True), graded.drop(columns="reason")], axis=1)
    out.index = assessments.index
    out["reason"] = reasons(bits, [f"sakip_{c} missing" for c in maxima])
    return with_rubric(out, rb, ["components", "predikat"])
