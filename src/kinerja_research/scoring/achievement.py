"""Performance-contract achievement and the lelang-kinerja reward / punishment rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from kinerja_research.rubrics import Rubric
from kinerja_research.scoring._inputs import (
    bool_values,
    float_values,
    reasons,
    require_frame,
    resolve_rubric,
    with_rubric,
)

DEFAULT_RUBRIC = "lelang_kinerja/kota-malang-2019"


def achievement(
    target: Any,
    realization: Any,
    higher_is_better: Any,
    cap: float | None = None,
    *,
    lower_is_better_formula: Literal["symmetric", "ratio"] = "symmetric",
) -> pd.DataFrame:
    """Achievement (capaian) of indicators in percent, vectorized.

    Higher is better: ``realization / target × 100``. Lower is better: ``symmetric`` (the LAKIP
    practice, UNVERIFIED as a rule) ``(2·target − realization) / target × 100``, or ``ratio``
    ``target / realization × 100``. No rounding; ``cap`` (e.g. 120) caps the result from above.

    Parameters
    ----------
    target
        Targets, > 0.
    realization
        Realizations, ≥ 0 or missing (missing gives missing achievement with a reason).
    higher_is_better
        Booleans, one per indicator or a scalar.
    cap
        Optional upper cap in percent.
    lower_is_better_formula
        See above.

    Returns
    -------
    pandas.DataFrame
        ``target``, ``realization``, ``higher_is_better``, ``achievement``, ``reason``.

    Examples
    --------
    >>> achievement([100, 100], [90, 90], [True, False])["achievement"].tolist()
    [90.0, 110.0]
    """
    t = float_values(np.atleast_1d(target) if np.ndim(target) == 0 else target, "target")
    if np.any(np.isnan(t)) or np.any(t <= 0):
        bad = np.unique(t[np.isnan(t) | (t <= 0)]).tolist()
        raise ValueError(f"column 'target' has invalid values {bad[:10]}; allowed: numbers > 0")
    r = float_values(np.atleast_1d(realization) if np.ndim(realization) == 0 else realization,
                     "realization", minimum=0)
    hib = bool_values(np.broadcast_to(np.asarray(higher_is_better), t.shape)
                      if np.ndim(higher_is_better) == 0 else higher_is_better, "higher_is_better")
    if not (len(t) == len(r) == len(hib)):
        raise ValueError(f"target, realization and higher_is_better differ in length ({len(t)}, {len(r)}, {len(hib)})")
    if np.isnan(hib).any():
        raise ValueError("column 'higher_is_better' has missing values; allowed: true/false")
    if lower_is_better_formula == "symmetric":
        # multiply before dividing: exact for the usual decimal inputs (110 rather than 110.00000000000001)
        lower = (2.0 * t - r) * 100.0 / t
    elif lower_is_better_formula == "ratio":
        with np.errstate(divide="ignore"):
            lower = np.where(r > 0, t * 100.0 / np.where(r > 0, r, 1.0), np.inf)
    else:
        raise ValueError(f"lower_is_better_formula must be 'symmetric' or 'ratio', got {lower_is_better_formula!r}")
    ach = np.where(hib == 1, r * 100.0 / t, lower)
    if cap is not None:
        if isinstance(cap, bool) or not isinstance(cap, int | float) or cap <= 0:
            raise ValueError(f"cap must be a positive number of percent, got {cap!r}")
        ach = np.minimum(ach, float(cap))
    index = next((v.index for v in (target, realization) if isinstance(v, pd.Series)), None)
    return pd.DataFrame({
        "target": t, "realization": r, "higher_is_better": hib == 1, "achievement": ach,
        "reason": reasons(np.isnan(r).astype(np.int64), ["realization missing"]),
    }, index=index)


def lelang_kinerja(
    unit_performance: pd.DataFrame,
    *,
    by: str | Sequence[str] = ("unit_id", "period"),
    cap: float | None = None,
    lower_is_better_formula: Literal["symmetric", "ratio"] = "symmetric",
    rubric: str | Rubric = DEFAULT_RUBRIC,
) -> pd.DataFrame:
    """Lelang-kinerja decision per unit and period: punishment below 100%, reward above.

    Each unit's achievement is the mean of its indicators' achievements (:func:`achievement`);
    a unit with an indicator lacking realization gets no decision (missing, with a reason)
    rather than a mean over the rest. The decision applies to the next period
    (``applies_to_period``), as the performance contracts do.

    Parameters
    ----------
    unit_performance
        The contract's ``unit_performance`` table (``target``, ``realization``,
        ``higher_is_better`` and the ``by`` columns).
    by
        Grouping columns.
    cap, lower_is_better_formula
        Passed to :func:`achievement`.
    rubric
        Rubric whose ``action`` bands map achievement to punishment / target_met / reward.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``n_indicators``, ``n_missing``, ``achievement`` (mean, raw),
        ``action``, ``applies_to_period`` (when ``period`` is a key) and ``reason``.

    Examples
    --------
    >>> up = pd.DataFrame({"unit_id": ["a", "a", "b"], "period": 2020, "target": 100.0,
    ...                    "realization": [95.0, 100.0, 120.0], "higher_is_better": True})
    >>> lelang_kinerja(up)[["unit_id", "achievement", "action"]].to_dict("records")
    [{'unit_id': 'a', 'achievement': 97.5, 'action': 'punishment'}, {'unit_id': 'b', 'achievement': 120.0, 'action': 'reward'}]
    """
    keys = [by] if isinstance(by, str) else list(by)
    require_frame(unit_performance, "unit_performance", [*keys, "target", "realization", "higher_is_better"])
    rb = resolve_rubric(rubric, "lelang_kinerja")
    a = achievement(unit_performance["target"], unit_performance["realization"],
                    unit_performance["higher_is_better"], cap,
                    lower_is_better_formula=lower_is_better_formula)
    frame = unit_performance[keys].copy()
    frame["_ach"] = a["achievement"].to_numpy()
    frame["_miss"] = np.isnan(frame["_ach"].to_numpy())
    g = frame.groupby(keys, sort=True, observed=True, dropna=False)
    out = pd.DataFrame({"n_indicators": g.size(), "n_missing": g["_miss"].sum().astype(np.int64),
                        "achievement": g["_ach"].mean()})
    out.loc[out["n_missing"] > 0, "achievement"] = np.nan
    out = out.reset_index()
    bt = rb.band_table("action")
    out["action"] = bt.classify(out["achievement"].to_numpy(), snap_decimals=rb.snap_decimals)
    if "period" in keys:
        out["applies_to_period"] = out["period"] + 1
    out["reason"] = reasons((out["n_missing"].to_numpy() > 0).astype(np.int64),
                            ["an indicator has no realization"])
    return with_rubric(out, rb, ["action"])
