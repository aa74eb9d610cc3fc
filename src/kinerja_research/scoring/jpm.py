"""Job Person Match: percent of the position's competency standard met, and its category."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.rubrics import Rubric
from kinerja_research.scoring._bands import banded
from kinerja_research.scoring._inputs import reasons, resolve_rubric, with_rubric

DEFAULT_RUBRIC = "jpm/optimal-3band"


def _matrix(values: Any, name: str) -> tuple[np.ndarray, pd.Index | None]:
    if isinstance(values, pd.DataFrame):
        try:
            return values.to_numpy(dtype=float, na_value=np.nan), values.index
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold numbers only") from None
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D (one person) or 2-D (persons × competencies)")
    return arr, None


def jpm(
    achieved: Any,
    required: Any,
    *,
    cap_at_standard: bool = False,
    rubric: str | Rubric = DEFAULT_RUBRIC,
) -> pd.DataFrame:
    """JPM percent = Σ achieved level / Σ required level × 100, with its category.

    The summation form and whether levels above the standard are capped are UNVERIFIED
    (docs/guide/rubrics.md#rubric-jpm-optimal-3band, open question 9): ``cap_at_standard`` makes the choice explicit.

    Parameters
    ----------
    achieved, required
        Competency levels, persons × competencies (2-D array or DataFrame) or one person's
        levels (1-D). Required levels must be positive; achieved levels non-negative. A missing
        level gives a missing JPM with a reason.
    cap_at_standard
        Count an achieved level above its standard as the standard.
    rubric
        Category rubric (``jpm/optimal-3band`` by default, or ``jpm/memenuhi-syarat-3band``).

    Returns
    -------
    pandas.DataFrame
        ``jpm`` (percent, raw), ``jpm_category``, ``reason``.

    Examples
    --------
    >>> jpm([3, 3, 2], [3, 3, 3])[["jpm", "jpm_category"]].round(2).to_dict("records")
    [{'jpm': 88.89, 'jpm_category': 'Cukup Optimal'}]
    """
    rb = resolve_rubric(rubric, "jpm")
    a, index = _matrix(achieved, "achieved")
    r, _ = _matrix(required, "required")
    if a.shape != r.shape:
        raise ValueError(f"achieved {a.shape} and required {r.shape} differ in shape")
    if np.any(a[~np.isnan(a)] < 0):
        raise ValueError("achieved levels must be non-negative")
    if np.any(r[~np.isnan(r)] <= 0):
        raise ValueError("required levels must be positive")
    if cap_at_standard:
        a = np.minimum(a, r)
    missing = np.isnan(a).any(axis=1) | np.isnan(r).any(axis=1)
    pct = a.sum(axis=1) * 100.0 / r.sum(axis=1)
    pct[missing] = np.nan
    out = jpm_category(pd.Series(pct, index=index) if index is not None else pct, rubric=rb)
    out["reason"] = reasons(missing.astype(np.int64), ["a competency level is missing"])
    return with_rubric(out, rb, ["kategori", "formula"])


def jpm_category(value: Any, *, rubric: str | Rubric = DEFAULT_RUBRIC) -> pd.DataFrame:
    """Category of JPM percentages (e.g. ≥ 90 Optimal, [78, 90) Cukup Optimal, < 78 Kurang Optimal).

    Examples
    --------
    >>> jpm_category([77.99, 78, 90])["jpm_category"].tolist()
    ['Kurang Optimal', 'Cukup Optimal', 'Optimal']
    """
    rb = resolve_rubric(rubric, "jpm")
    return banded(np.atleast_1d(value) if np.ndim(value) == 0 else value, rb,
                  value_name="jpm", label_name="jpm_category", minimum=0)
