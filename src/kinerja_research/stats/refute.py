"""Refutation helpers usable with every design: placebo treatment timing, leave-one-out.

Both take the analysis data and an estimator callable ``estimator(df)`` returning a
:class:`~kinerja_research.stats._results.Results` (or a triple ``(estimate, std_error,
(conf_low, conf_high))``), so they work with ``staggered_did``, ``twfe``, ``rd``,
``weighting`` or any wrapper of them (use :func:`functools.partial` or a small function to fix
the estimator's options). Each returns a :class:`RefutationResults`, so a refutation can itself
be the estimator of a :class:`~kinerja_research.stats.diagnose.Design` (with ``estimand=0.0``
for a placebo: the diagnosed ``power`` is then the test's size).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from kinerja_research.stats._results import Results
from kinerja_research.stats._validate import check_alpha
from kinerja_research.stats.diagnose import extract_estimate

__all__ = ["RefutationResults", "leave_one_out", "placebo_timing"]

Estimator = Callable[[pd.DataFrame], Any]


class RefutationResults(Results):
    """Estimates from a refutation check (placebo or leave-one-out).

    ``tidy()`` has the usual columns plus ``check`` and check-specific keys: for
    :func:`placebo_timing` one row (the placebo estimate, expected to be 0); for
    :func:`leave_one_out` a row ``all`` (the full-data estimate) and one row per left-out
    group with ``left_out``, ``n_obs``, ``difference`` (from the full estimate) and ``error``.
    ``fit`` is the estimator's own results object for the placebo data (placebo only).
    """

    method = "refutation"

    @property
    def fit(self) -> Results | None:
        """The estimator's results on the placebo data (``None`` for leave-one-out)."""
        return self._extra.get("fit")

    def plot(self, ax: Any = None) -> Any:
        """Point-and-interval plot; leave-one-out adds the full-data estimate as a line."""
        fig = super().plot(ax=ax)
        t = self._tidy
        if (t["term"] == "all").any():
            full = float(t.loc[t["term"] == "all", "estimate"].iloc[0])
            fig.axes[0].axvline(full, color="#d95f02", ls="--", lw=1, label="all groups")
            fig.axes[0].legend(frameon=False)
        return fig


def _check_frame(data: Any, columns: dict[str, str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    for role, col in columns.items():
        if not isinstance(col, str):
            raise TypeError(f"{role} must be a column name, got {type(col).__name__}")
        if col not in data.columns:
            raise ValueError(f"{role} column {col!r} is not in the data; columns: {list(data.columns)}")


def _check_estimator(estimator: Any) -> None:
    if not callable(estimator):
        raise TypeError(f"estimator must be callable df -> Results, got {type(estimator).__name__}")


def _estimator_label(estimator: Any) -> str:
    func = getattr(estimator, "func", estimator)  # functools.partial
    return f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', type(func).__name__)}"


def placebo_timing(
    data: pd.DataFrame,
    estimator: Estimator,
    *,
    time: str,
    cohort: str,
    shift: int = -2,
    end: int | None = None,
    never_treated: float = 0,
    term: str | None = None,
    alpha: float = 0.05,
) -> RefutationResults:
    """Re-estimate with treatment moved into the pre-period, where its effect must be zero.

    The data are cut to the periods before the first real adoption (``time <= end``), where
    nobody is treated yet; each treated unit gets the fake adoption period ``cohort + shift``.
    An estimate far from zero signals pre-trends or anticipation, not an effect.

    Parameters
    ----------
    data
        Panel with one row per unit and period (e.g. ``kinerja_research.analysis.panels.merit_panel``).
    estimator
        ``estimator(df)`` returning a Results or ``(estimate, std_error, (low, high))``; it
        receives the cut panel with the fake ``cohort`` column.
    time, cohort
        Period column and first-treated-period column (``never_treated`` or missing for units
        never treated).
    shift
        Periods to move adoption by; must be negative (a placebo lies before treatment).
    end
        Last period kept; ``None`` keeps the periods before the earliest real adoption. Units
        really treated at or before ``end`` are dropped (they would contaminate the placebo).
    never_treated
        Value of ``cohort`` that marks never-treated units (0 as in R ``did``).
    term
        Row of the estimator's tidy table to report; ``None`` takes the only row.
    alpha
        Significance level the estimator's intervals use.

    Returns
    -------
    RefutationResults
        One row (``check = "placebo_timing"``) with the placebo estimate; provenance records
        the window, the shift, the fake cohorts and the units dropped. ``.fit`` is the
        estimator's own results.

    Notes
    -----
    Fake cohorts after ``end`` are recoded as never treated (they are untreated throughout the
    window); units whose fake cohort is at or before the window's first period have no
    pre-period under the fake timing and are dropped. Keeping whole units keeps a balanced
    panel balanced.

    Examples
    --------
    >>> from functools import partial
    >>> did = partial(staggered_did, outcome="ikm", unit="unit_id", time="period",
    ...               cohort="cohort")  # doctest: +SKIP
    >>> simple = lambda df: did(df).aggregate("simple")  # doctest: +SKIP
    >>> placebo_timing(merit_panel(study), simple, time="period", cohort="cohort")  # doctest: +SKIP
    """
    _check_frame(data, {"time": time, "cohort": cohort})
    _check_estimator(estimator)
    if isinstance(shift, bool) or not isinstance(shift, int | np.integer) or shift >= 0:
        raise ValueError(f"shift must be a negative integer (a placebo precedes treatment), got {shift!r}")
    alpha = check_alpha(alpha)
    t = pd.to_numeric(data[time], errors="raise").to_numpy(float)
    g = pd.to_numeric(data[cohort], errors="raise").to_numpy(float)
    treated = np.isfinite(g) & (g != never_treated)
    if not treated.any():
        raise ValueError(f"no unit is treated: every {cohort!r} is {never_treated!r} or missing")
    first_adoption = float(g[treated].min())
    end_v = first_adoption - 1 if end is None else float(end)
    start_v = float(t.min())
    if end_v <= start_v:
        raise ValueError(
            f"the placebo window ends at {end_v:g}, no later than the first period {start_v:g}: "
            "there is no pre-period to place a fake treatment in"
        )
    fake = np.where(treated, g + shift, np.nan)
    # really treated inside the window: their post periods would carry the true effect
    contaminated = treated & (g <= end_v)
    no_pre = treated & ~contaminated & (fake <= start_v)
    keep = (t <= end_v) & ~contaminated & ~no_pre
    fake_in_window = treated & (fake > start_v) & (fake <= end_v)
    new_cohort = np.where(fake_in_window, fake, never_treated)
    new_cohort = np.where(np.isfinite(g) | treated, new_cohort, g)  # keep missing as missing
    if not (fake_in_window & keep).any():
        raise ValueError(
            f"no fake adoption falls inside the window ({start_v:g}, {end_v:g}] with shift={shift}; "
            "use a larger negative shift or a later end"
        )
    placebo = data.loc[keep].copy()
    placebo[cohort] = pd.Series(new_cohort[keep], index=placebo.index).astype(data[cohort].dtype)
    fit = estimator(placebo)
    res = extract_estimate(fit, term=term, alpha=alpha)
    counts = pd.Series(new_cohort[keep & fake_in_window]).value_counts().sort_index()
    if term is None:  # extract_estimate checked there is exactly one row
        term = str(fit.tidy()["term"].iloc[0]) if isinstance(fit, Results) else "estimate"
    tidy = pd.DataFrame([_estimate_row(term, res) | {"check": "placebo_timing", "expected": 0.0}])
    provenance = {
        "method": "placebo treatment timing",
        "estimand": "placebo effect (0 under parallel trends and no anticipation)",
        "estimator": _estimator_label(estimator),
        "variance": (fit.provenance.get("variance") if isinstance(fit, Results) else None),
        "shift": int(shift),
        "window": (start_v, end_v),
        "fake_cohort_rows": {float(k): int(v) for k, v in counts.items()},
        "rows_dropped_treated_in_window": int(contaminated.sum()),
        "rows_dropped_no_pre_period": int(no_pre.sum()),
        "n_obs": int(keep.sum()),
    }
    extra = {"fit": fit} if isinstance(fit, Results) else {}
    return RefutationResults(tidy=tidy, provenance=provenance, alpha=alpha, extra=extra)


def leave_one_out(
    data: pd.DataFrame,
    estimator: Estimator,
    *,
    group: str = "region_id",
    term: str | None = None,
    alpha: float = 0.05,
    errors: Literal["raise", "record"] = "raise",
) -> RefutationResults:
    """Re-estimate leaving out one group (region) at a time.

    Parameters
    ----------
    data
        Analysis data with a ``group`` column.
    estimator
        ``estimator(df)`` returning a Results or ``(estimate, std_error, (low, high))``.
    group
        Column whose values are left out one at a time (default ``region_id``).
    term
        Row of the estimator's tidy table to report; ``None`` takes the only row.
    alpha
        Significance level the estimator's intervals use.
    errors
        ``"raise"`` stops when a fit fails; ``"record"`` keeps going with a missing estimate
        and the message in the ``error`` column (leaving out a region may remove a whole
        cohort, for example).

    Returns
    -------
    RefutationResults
        Row ``all`` (every group) then one row ``without <g>`` per group, with ``left_out``,
        ``n_obs``, ``difference`` (estimate minus the full-data estimate) and ``error``;
        provenance names the most influential group.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"region_id": list("aabbcc"), "y": [1.0, 3, 2, 4, 6, 8]})
    >>> def mean(d):
    ...     se = d["y"].std() / len(d) ** 0.5
    ...     return d["y"].mean(), se, (d["y"].mean() - 2 * se, d["y"].mean() + 2 * se)
    >>> leave_one_out(df, mean).tidy()[["term", "estimate", "difference"]]
            term  estimate  difference
    0        all       4.0         0.0
    1  without a       5.0         1.0
    2  without b       4.5         0.5
    3  without c       2.5        -1.5
    """
    _check_frame(data, {"group": group})
    _check_estimator(estimator)
    if errors not in ("raise", "record"):
        raise ValueError(f"errors must be 'raise' or 'record', got {errors!r}")
    alpha = check_alpha(alpha)
    keys = data[group]
    if keys.isna().any():
        raise ValueError(f"{group!r} has {int(keys.isna().sum())} missing values; fill or drop them first")
    levels = pd.unique(keys)
    if len(levels) < 2:
        raise ValueError(f"{group!r} has {len(levels)} value(s); leaving one out needs at least 2")
    levels = sorted(levels, key=str)

    full_fit = estimator(data)
    full = extract_estimate(full_fit, term=term, alpha=alpha)
    rows = [_row("all", pd.NA, len(data), full, None)]
    codes = keys.to_numpy()
    for level in levels:
        mask = codes != level
        try:
            res = extract_estimate(estimator(data.loc[mask]), term=term, alpha=alpha)
            err = None
        except Exception as exc:  # noqa: BLE001 - recorded when asked to
            if errors == "raise":
                raise RuntimeError(f"the fit without {group}={level!r} failed: {exc}") from exc
            res, err = (np.nan,) * 5, f"{type(exc).__name__}: {exc}"
        rows.append(_row(f"without {level}", str(level), int(mask.sum()), res, err))
    tidy = pd.DataFrame(rows)
    tidy["left_out"] = tidy["left_out"].astype("string")
    tidy["error"] = tidy["error"].astype("string")
    tidy["difference"] = tidy["estimate"] - full[0]
    tidy.insert(7, "check", "leave_one_out")
    diffs = tidy["difference"].iloc[1:].abs()
    most = tidy.loc[diffs.idxmax(), "left_out"] if diffs.notna().any() else None
    provenance = {
        "method": "leave-one-out",
        "estimand": f"{term or 'estimate'} without each {group}",
        "estimator": _estimator_label(estimator),
        "variance": (
            full_fit.provenance.get("variance") if isinstance(full_fit, Results) else None
        ),
        "group": group,
        "n_groups": len(levels),
        "n_obs": len(data),
        "most_influential": most,
        "max_abs_difference": float(diffs.max()) if diffs.notna().any() else None,
        "n_failed": int(tidy["error"].notna().sum()),
    }
    return RefutationResults(tidy=tidy, provenance=provenance, alpha=alpha)


def _estimate_row(term: str, res: tuple[float, ...]) -> dict[str, Any]:
    est, se, lo, hi, p = res
    return {
        "term": term,
        "estimate": est,
        "std_error": se,
        "statistic": est / se if se > 0 else np.nan,
        "p_value": p,
        "conf_low": lo,
        "conf_high": hi,
    }


def _row(
    term: str, left_out: Any, n_obs: int, res: tuple[float, ...], error: str | None
) -> dict[str, Any]:
    return _estimate_row(term, res) | {"left_out": left_out, "n_obs": n_obs, "error": error}
