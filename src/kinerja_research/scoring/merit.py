"""Merit-system category (Permenpan RB 40/2018 self-assessment, 100–400)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.rubrics import Rubric
from kinerja_research.scoring._bands import banded
from kinerja_research.scoring._inputs import resolve_rubric

DEFAULT_RUBRIC = "merit/permenpan-40-2018"


def merit_category(score: Any, *, rubric: str | Rubric = DEFAULT_RUBRIC) -> pd.DataFrame:
    """Category I–IV of merit-system scores (100–400); the bands are UNVERIFIED (see attrs).

    Parameters
    ----------
    score
        Scores, scalar, array-like or Series; missing allowed.
    rubric
        Rubric id or Rubric.

    Returns
    -------
    pandas.DataFrame
        ``merit_score`` (raw), ``merit_category`` (Buruk … Sangat Baik), ``merit_code`` (I–IV),
        ``reason``.

    Examples
    --------
    >>> merit_category([291.5, 325])["merit_category"].tolist()
    ['Baik', 'Sangat Baik']
    """
    rb = resolve_rubric(rubric, "merit")
    return banded(np.atleast_1d(score) if np.ndim(score) == 0 else score, rb,
                  value_name="merit_score", label_name="merit_category", fields=[("code", "merit_code")])
