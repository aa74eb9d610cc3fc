"""Discipline sanctions for unexcused absence (PP 94/2021 Pasal 9–11 ladder)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.rubrics import Rubric
from kinerja_research.scoring._inputs import float_values, reasons, resolve_rubric, with_rubric

DEFAULT_RUBRIC = "disiplin/pp-94-2021"
LEVELS: tuple[str, ...] = ("none", "ringan", "sedang", "berat")


def absence_codes(days: np.ndarray, consecutive: np.ndarray | None, rb: Rubric) -> np.ndarray:
    """Ladder band codes for cumulative days, raised to the last band at the consecutive limit."""
    bt = rb.band_table("absence")
    rule = rb.table("consecutive")["rules"]
    top = len(bt.labels) - 1
    if bt.labels[top] != rule["label"]:
        raise ValueError(f"rubric {rb.id!r}: the consecutive rule's sanction must be the last band")
    codes = bt.codes(days, snap_decimals=rb.snap_decimals)
    if consecutive is not None:
        with np.errstate(invalid="ignore"):
            codes = np.where(consecutive >= float(rule["min_consecutive_days"]), top, codes).astype(codes.dtype)
    return codes


def level_lut(rb: Rubric) -> np.ndarray:
    """Level code (index into LEVELS) of each ladder band, with -1 last for missing."""
    return np.array([LEVELS.index(v) for v in rb.band_table("absence").fields["level"]] + [-1], dtype=np.int8)


def discipline_sanction(
    days_absent: Any,
    consecutive_days: Any = None,
    *,
    rubric: str | Rubric = DEFAULT_RUBRIC,
) -> pd.DataFrame:
    """Discipline level and sanction for cumulative (and consecutive) unexcused absence.

    1–2 days carry no sanction; 3 days teguran lisan … 28 days or more dismissal. Ten
    *consecutive* days of absence lead to dismissal whatever the cumulative count (Pasal 11).

    Parameters
    ----------
    days_absent
        Cumulative unexcused working days absent in the year, ≥ 0 (scalar, array-like or
        Series); missing allowed.
    consecutive_days
        Longest run of consecutive unexcused days, ≥ 0, or ``None`` when unknown: then only
        the cumulative ladder applies (the consecutive rule can only raise a sanction).
    rubric
        Rubric id or Rubric with an ``absence`` band table and a ``consecutive`` rule.

    Returns
    -------
    pandas.DataFrame
        ``days_absent``, ``consecutive_days`` (raw), ``level`` (none/ringan/sedang/berat),
        ``sanction``, ``tukin_cut`` and ``months`` (of a sedang tukin cut), ``reason``.

    Raises
    ------
    ValueError
        For negative days (naming the column and values) or a rubric without an absence ladder.

    Examples
    --------
    >>> discipline_sanction([2, 3, 11, 28])["level"].tolist()
    ['none', 'ringan', 'sedang', 'berat']
    >>> discipline_sanction([5], consecutive_days=[10])["sanction"].tolist()
    ['pemberhentian dengan hormat tidak atas permintaan sendiri']
    """
    rb = resolve_rubric(rubric, "disiplin")
    if "absence" not in rb.tables:
        raise ValueError(f"rubric {rb.id!r} has no absence ladder; use 'disiplin/pp-94-2021'")
    bt = rb.band_table("absence")
    d = float_values(np.atleast_1d(days_absent) if np.ndim(days_absent) == 0 else days_absent,
                     "days_absent", minimum=0)
    if consecutive_days is None:
        c = None
    else:
        c = float_values(np.atleast_1d(consecutive_days) if np.ndim(consecutive_days) == 0 else consecutive_days,
                         "consecutive_days", minimum=0)
        if c.shape != d.shape:
            c = np.broadcast_to(c, d.shape) if c.size == 1 else c
        if c.shape != d.shape:
            raise ValueError(f"consecutive_days has {c.size} values for {d.size} days_absent")
    codes = absence_codes(d, c, rb)
    level_lookup = level_lut(rb)
    index = days_absent.index if isinstance(days_absent, pd.Series) else None
    out = pd.DataFrame({
        "days_absent": d,
        "consecutive_days": np.full(d.shape, np.nan) if c is None else c,
        "level": pd.Categorical.from_codes(level_lookup[codes], dtype=pd.CategoricalDtype(list(LEVELS), ordered=True),
                                           validate=False),
        "sanction": bt.labels_from_codes(codes),
        "tukin_cut": np.append(np.array(bt.fields["tukin_cut"], dtype=float), np.nan)[codes],
        "months": np.append(np.array(bt.fields["months"], dtype=float), np.nan)[codes],
        "reason": reasons(np.isnan(d) & (codes < 0), ["days_absent missing"]),
    }, index=index)
    return with_rubric(out, rb, ["absence", "consecutive"])
