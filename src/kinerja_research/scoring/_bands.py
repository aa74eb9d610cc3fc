"""Scoring through a rubric's band table: the shared shape of SAKIP, merit, JPM and Ombudsman scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.rubrics import Rubric
from kinerja_research.scoring._inputs import float_values, reasons, with_rubric


def banded(
    values: Any,
    rb: Rubric,
    *,
    value_name: str,
    label_name: str,
    table: str | None = None,
    fields: Sequence[tuple[str, str]] = (),
    minimum: float | None = None,
    maximum: float | None = None,
) -> pd.DataFrame:
    """Raw value, its label and extra per-band fields, with a reason where the label is missing."""
    bt = rb.band_table(table)
    x = float_values(values, value_name, minimum=minimum, maximum=maximum)
    codes = bt.codes(x, snap_decimals=rb.snap_decimals)
    index = values.index if isinstance(values, pd.Series) else None
    out = pd.DataFrame({value_name: x, label_name: bt.labels_from_codes(codes)}, index=index)
    for field, column in fields:
        out[column] = bt.labels_from_codes(codes, field=field)
    bits = np.isnan(x) * 1 | (~np.isnan(x) & (codes < 0)) * 2
    lo = f"{'[' if bt.lower_inclusive[0] else '('}{bt.lower[0]:g}"
    hi = f"{bt.upper[-1]:g}{']' if bt.upper_inclusive[-1] else ')'}"
    out["reason"] = reasons(bits, [f"{value_name} missing", f"{value_name} outside {lo}, {hi} ({rb.id})"])
    used = table or rb.default_table
    assert used is not None  # band_table() above refused a rubric without a default table
    return with_rubric(out, rb, [used])
