"""Published labels beside derived ones: the published label is the fact, a band table the
hypothesis, so a label that was published is used as it is and the output says which is which."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def with_published(
    derived: pd.Series | pd.Categorical | np.ndarray,
    published: Any,
    labels: list[str],
    name: str,
) -> tuple[pd.Categorical, np.ndarray, np.ndarray]:
    """Combine derived labels with published ones.

    Parameters
    ----------
    derived
        Labels derived from scores (missing where no rubric applies or the score is missing).
    published
        Published labels, one per row, or ``None``. Matched to ``labels`` ignoring case (the
        contract stores lower-case codes such as ``hijau``, ``bb``); missing where none was
        published.
    labels
        The label set, in the scale's order.
    name
        The label's column name, for errors.

    Returns
    -------
    label : pandas.Categorical
        Published where present, else derived.
    source : numpy.ndarray
        ``"published"``, ``"derived"`` or ``None`` (no label at all).
    conflict : numpy.ndarray
        bool: a published label that differs from the one the score gives.

    Examples
    --------
    >>> lab, src, conflict = with_published(["Kuning", "Hijau"], ["hijau", None],
    ...                                     ["Merah", "Kuning", "Hijau"], "zone")
    >>> list(lab), src.tolist(), conflict.tolist()
    (['Hijau', 'Hijau'], ['published', 'derived'], [True, False])
    """
    d = pd.Series(np.asarray(pd.Series(derived).astype(object)), dtype=object)
    n = len(d)
    dtype = pd.CategoricalDtype(labels, ordered=True)
    if published is None:
        pub = pd.Series([None] * n, dtype=object)
    else:
        pub = pd.Series(np.asarray(pd.Series(published).astype(object)), dtype=object)
        if len(pub) != n:
            raise ValueError(f"published {name} has {len(pub)} values for {n} rows")
    by_lower = {lab.lower(): lab for lab in labels}
    present = pub.notna().to_numpy()
    canon = pub.where(~present, pub.astype(str).str.strip().str.lower().map(by_lower))
    unknown = present & canon.isna().to_numpy()
    if unknown.any():
        bad = sorted(set(pub[unknown].astype(str)))[:5]
        raise ValueError(f"published {name} has labels outside {', '.join(labels)}: {bad}")
    label = canon.where(present, d)
    # numpy's stubs reject None as a value; at runtime it makes an object array
    source = np.where(present, "published", np.where(d.notna().to_numpy(), "derived", None))  # type: ignore[call-overload]
    conflict = present & d.notna().to_numpy() & (canon.to_numpy() != d.to_numpy())
    return pd.Categorical(label, dtype=dtype), source.astype(object), conflict
