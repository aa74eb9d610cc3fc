"""Small-group suppression: published tables and plots never show a group smaller than ``k``.

:func:`suppress_small` masks an aggregate table's small groups and marks them;
:func:`drop_small_groups` keeps only the large groups of row-level data for plots. ``k`` comes
from ``k_anonymity`` in ``config/settings.yml`` (default 5).

>>> import pandas as pd
>>> t = pd.DataFrame({"unit": ["A", "B"], "n": [12, 3], "ikm": [81.2, 77.0]})
>>> suppress_small(t, count_col="n", k=5)
  unit     n   ikm  suppressed
0    A    12  81.2       False
1    B  <NA>   NaN        True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from kinerja_research.config import settings

__all__ = ["K_ANONYMITY_DEFAULT", "drop_small_groups", "k_anonymity", "suppress_small"]

#: Smallest group shown when ``k_anonymity`` is not set in ``config/settings.yml``.
K_ANONYMITY_DEFAULT = 5


def k_anonymity() -> int:
    """The configured smallest group size: ``k_anonymity`` in settings, else 5.

    Examples
    --------
    >>> k_anonymity() >= 1
    True
    """
    k = settings().get("k_anonymity", K_ANONYMITY_DEFAULT)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"settings k_anonymity must be a positive integer, not {k!r}")
    return k


def _check_k(k: int | None) -> int:
    kk = k_anonymity() if k is None else k
    if not isinstance(kk, int) or isinstance(kk, bool) or kk < 1:
        raise ValueError(f"k must be a positive integer, not {k!r}")
    return kk


def _as_list(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def suppress_small(
    df: pd.DataFrame,
    *,
    count_col: str | None = None,
    by: str | Sequence[str] | None = None,
    k: int | None = None,
    value_cols: Iterable[str] | None = None,
    marker: str = "suppressed",
) -> pd.DataFrame:
    """Mask the values of groups smaller than ``k`` and mark them.

    Give either ``count_col`` (an aggregate table: one row per group, its size in that column) or
    ``by`` (row-level data: groups are the distinct values of these columns, sized by rows).

    Parameters
    ----------
    df
        The table to publish. Not modified.
    count_col
        Column holding each row's group size; it is masked too for small groups.
    by
        Grouping columns of row-level data.
    k
        Smallest group shown; default :func:`k_anonymity` (5).
    value_cols
        Columns to mask; default every column except the group keys (``by``, or the text and
        categorical columns of an aggregate table) and the marker.
    marker
        Name of the boolean column that says which rows were suppressed.

    Returns
    -------
    pandas.DataFrame
        A copy with masked values (missing) and the marker column.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"unit": ["A"] * 6 + ["B"] * 2, "skp": range(8)})
    >>> suppress_small(rows, by="unit", k=5)["skp"].isna().sum()
    np.int64(2)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, not {type(df).__name__}")
    if (count_col is None) == (by is None):
        raise ValueError("give exactly one of count_col= (aggregate table) or by= (row-level data)")
    kk = _check_k(k)
    if count_col is not None:
        if count_col not in df.columns:
            raise ValueError(f"count_col {count_col!r} is not a column; columns: {list(df.columns)}")
        sizes = pd.to_numeric(df[count_col], errors="raise")
        keys = [c for c in df.columns
                if c != count_col and (pd.api.types.is_string_dtype(df[c]) or isinstance(df[c].dtype, pd.CategoricalDtype)
                                       or df[c].dtype == object)]
    else:
        keys = _as_list(by)  # type: ignore[arg-type]
        missing = [c for c in keys if c not in df.columns]
        if missing:
            raise ValueError(f"by columns not in the table: {missing}")
        sizes = df.groupby(keys, observed=True, dropna=False)[keys[0]].transform("size")
    small = (sizes < kk).to_numpy()
    if value_cols is None:
        cols = [c for c in df.columns if c not in keys and c != marker]
    else:
        cols = list(value_cols)
        unknown = [c for c in cols if c not in df.columns]
        if unknown:
            raise ValueError(f"value_cols not in the table: {unknown}")
    out = df.copy()
    if count_col is not None and count_col in cols and pd.api.types.is_integer_dtype(out[count_col]):
        # Nullable integers keep counts integral once the small ones are masked.
        out[count_col] = out[count_col].astype("Int64")
    for c in cols:
        out[c] = out[c].mask(small)
    out[marker] = small
    return out


def drop_small_groups(df: pd.DataFrame, *, by: str | Sequence[str], k: int | None = None) -> pd.DataFrame:
    """Rows of groups with at least ``k`` rows, for plots drawn from row-level data.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"unit": ["A"] * 6 + ["B"] * 2, "skp": range(8)})
    >>> sorted(drop_small_groups(rows, by="unit", k=5)["unit"].unique())
    ['A']
    """
    kk = _check_k(k)
    keys = _as_list(by)
    missing = [c for c in keys if c not in df.columns]
    if missing:
        raise ValueError(f"by columns not in the table: {missing}")
    sizes = df.groupby(keys, observed=True, dropna=False)[keys[0]].transform("size")
    return df.loc[(sizes >= kk).to_numpy()]
