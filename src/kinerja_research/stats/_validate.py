"""Argument checks shared by the statistical methods (one wording for one mistake)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["check_alpha", "check_columns", "check_frame", "check_int"]


def check_alpha(alpha: Any, name: str = "alpha") -> float:
    """Return ``alpha`` as a float strictly between 0 and 1, or raise naming the value.

    >>> check_alpha(0.05)
    0.05
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number strictly between 0 and 1, got {alpha!r}")
    value = float(alpha)
    if not (math.isfinite(value) and 0 < value < 1):
        raise ValueError(f"{name} must be strictly between 0 and 1, got {alpha!r}")
    return value


def check_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int of at least ``minimum`` (booleans rejected).

    >>> check_int(3, "sims", minimum=2)
    3
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def check_frame(data: Any) -> pd.DataFrame:
    """Reject anything but a pandas DataFrame, naming what was given."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    return data


def check_columns(data: pd.DataFrame, columns: Iterable[str | None]) -> None:
    """Raise one error listing every named column (``None`` skipped) absent from ``data``."""
    check_frame(data)
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
