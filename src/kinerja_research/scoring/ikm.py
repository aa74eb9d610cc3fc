"""Indeks Kepuasan Masyarakat from SKM survey answers (Permenpan RB 14/2017; Kepmenpan 25/2004)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.rubrics import Rubric
from kinerja_research.scoring._inputs import reasons, require_frame, resolve_rubric, with_rubric

DEFAULT_RUBRIC = "ikm/permenpan-14-2017"


def _weights(rb: Rubric, items: Sequence[str], weights: Any) -> np.ndarray | None:
    """Weight vector, or ``None`` for the exact equal weights 1/k (computed as a mean)."""
    k = len(items)
    if isinstance(weights, str):
        if weights == "exact":
            return None
        if weights == "published":
            return np.full(k, rb.points("weights")["published"])
        raise ValueError(f"weights must be 'exact', 'published', a sequence or a mapping, got {weights!r}")
    if isinstance(weights, Mapping):
        unknown = sorted(set(weights) - set(items))
        missing = [i for i in items if i not in weights]
        if unknown or missing:
            raise ValueError(f"custom weights must name exactly {items}; unknown {unknown}, missing {missing}")
        w = np.array([float(weights[i]) for i in items])
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (k,):
            raise ValueError(f"custom weights need {k} values (one per unsur), got shape {w.shape}")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("custom weights must be finite and non-negative")
    # Units may re-weight unsur but the weights must sum to 1 (BPPP Tegal text, docs/guide/rubrics.md#rubric-ikm-permenpan-14-2017).
    if abs(w.sum() - 1.0) > 1e-9:
        raise ValueError(f"custom weights must sum to 1, they sum to {w.sum():.12g}")
    return w


def skm_sample_size(population: Any, *, rubric: str | Rubric = DEFAULT_RUBRIC) -> Any:
    """Minimum SKM sample for a population, Krejcie & Morgan (1970), rounded to nearest.

    ``s = χ²·N·P(1−P) / (d²(N−1) + χ²·P(1−P))`` with the rubric's χ² = 3.841, P = 0.5,
    d = 0.05. It reproduces the published table (N = 100 → 80, 1 000 → 278, 1 000 000 → 384).

    Parameters
    ----------
    population
        Population size(s) N ≥ 1 (scalar, array-like or Series); missing allowed.

    Returns
    -------
    int or pandas array (Int64)
        Sample size(s); missing where the population is missing.

    Examples
    --------
    >>> skm_sample_size(100), skm_sample_size(10_000)
    (80, 370)
    """
    rb = resolve_rubric(rubric, "ikm")
    r = rb.table("sample_size")["rules"]
    chi2, p, d = float(r["chi_square"]), float(r["proportion"]), float(r["margin"])
    scalar = np.ndim(population) == 0
    n = np.atleast_1d(pd.Series(population).to_numpy(dtype=float, na_value=np.nan)
                      if not scalar else np.array([np.nan if population is None else population], dtype=float))
    if np.any(n[~np.isnan(n)] < 1):
        raise ValueError(f"population must be at least 1, got {sorted(set(n[n < 1].tolist()))[:5]}")
    s = chi2 * n * p * (1 - p) / (d * d * (n - 1) + chi2 * p * (1 - p))
    # round half up, as the printed table does (N=50 → 44.3 → 44); noise below 1e-9 removed first
    s = np.floor(np.round(s, 9) + 0.5)
    if scalar:
        return None if np.isnan(s[0]) else int(s[0])
    out = pd.array(np.where(np.isnan(s), 0, s).astype(np.int64), dtype="Int64")
    out[np.isnan(s)] = pd.NA
    return out


def ikm(
    responses: pd.DataFrame,
    *,
    by: str | Sequence[str] = ("unit_id", "period"),
    weights: str | Sequence[float] | Mapping[str, float] = "exact",
    rubric: str | Rubric = DEFAULT_RUBRIC,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """IKM per service unit and period from SKM answers, vectorized.

    NRR per unsur = sum of answers / number of questionnaires that answered that unsur (a blank
    answer is left out of both, as the regulation says); the interval value is Σ NRR × weight
    (1.00–4.00) and IKM = interval × 25 (25–100), classified into mutu A–D and kinerja.

    Parameters
    ----------
    responses
        One row per questionnaire with the ``by`` columns and ``u1`` … ``u9`` (``u14`` for the
        2004 rubric), each 1–4 or missing.
    by
        Grouping columns.
    weights
        ``"exact"`` (1/9, computed as the mean of the NRRs), ``"published"`` (the printed
        0.111; 0.071 for 2004), or custom weights (a sequence or ``{"u1": …}``) summing to 1.
    rubric
        ``"ikm/permenpan-14-2017"`` (default), ``"ikm/kepmenpan-25-2004"`` or a Rubric.
    population
        Optional frame with some ``by`` columns and ``population`` (the unit's service users);
        adds ``sample_required`` (:func:`skm_sample_size`) and ``below_sample_size``.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``by`` columns, ``n`` (questionnaires), ``nrr_u1`` …,
        ``ikm_interval``, ``ikm``, ``mutu``, ``kinerja``, ``reason`` (why missing). Values are
        not rounded; floating-point noise below 1e-9 is removed (``snap_decimals``) so that a
        mean of 3.5324 is 88.31 and grade A.

    Examples
    --------
    >>> r = pd.DataFrame({"unit_id": "a", "period": 2024, **{f"u{i}": [3, 4] for i in range(1, 10)}})
    >>> ikm(r)[["ikm", "mutu", "kinerja"]].to_dict("records")
    [{'ikm': 87.5, 'mutu': 'B', 'kinerja': 'Baik'}]
    >>> ikm(r, weights="published")["ikm"].round(2).tolist()
    [87.41]
    """
    rb = resolve_rubric(rubric, "ikm")
    items = [str(i) for i in rb.parameters["items"]]
    keys = [by] if isinstance(by, str) else list(by)
    require_frame(responses, "responses", [*keys, *items])
    w = _weights(rb, items, weights)
    lo, hi = float(rb.parameters["scale_min"]), float(rb.parameters["scale_max"])

    if keys:
        grouped = responses.groupby(keys, sort=True, observed=True, dropna=False)
        codes = grouped.ngroup().to_numpy()
        out = grouped.size().rename("n").reset_index()
        n_groups = len(out)
    else:
        codes = np.zeros(len(responses), dtype=np.int64)
        out = pd.DataFrame({"n": [len(responses)]})
        n_groups = 1
    k = len(items)
    nrr = np.empty((n_groups, k))
    no_answer_bits = np.zeros(n_groups, dtype=np.int64)
    for j, item in enumerate(items):
        col = responses[item]
        try:
            a = col.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            bad = col[pd.to_numeric(col, errors="coerce").isna() & col.notna()].unique()
            raise ValueError(f"column {item!r} has invalid values {list(bad)[:10]}; allowed: 1–4 or missing") from None
        filled = ~np.isnan(a)
        av = a[filled]
        if av.size and (av.min() < lo or av.max() > hi or np.any(av != np.floor(av))):
            bad = np.unique(av[(av < lo) | (av > hi) | (av != np.floor(av))])
            raise ValueError(f"column {item!r} has invalid values {bad.tolist()[:10]}; allowed: "
                             f"whole numbers {lo:g}–{hi:g} or missing")
        sums = np.bincount(codes, weights=np.where(filled, a, 0.0), minlength=n_groups)
        counts = np.bincount(codes[filled], minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            nrr[:, j] = sums / counts
        no_answer_bits |= (counts == 0).astype(np.int64) << j
    interval = nrr.mean(axis=1) if w is None else nrr @ w
    interval = np.round(interval, rb.snap_decimals)
    converted = np.round(interval * float(rb.parameters["conversion_factor"]), rb.snap_decimals)
    bt = rb.band_table("mutu")
    band = bt.codes(converted, snap_decimals=rb.snap_decimals)
    for j, item in enumerate(items):
        out[f"nrr_{item}"] = nrr[:, j]
    out["ikm_interval"] = interval
    out["ikm"] = converted
    out["mutu"] = bt.labels_from_codes(band)
    out["kinerja"] = bt.labels_from_codes(band, field="kinerja")
    out["reason"] = reasons(no_answer_bits, [f"no answers for {i}" for i in items])
    if population is not None:
        if not isinstance(population, pd.DataFrame) or "population" not in population:
            raise TypeError("population must be a DataFrame with a 'population' column and some `by` columns")
        on = [c for c in keys if c in population.columns]
        if not on:
            raise ValueError(f"population shares no column with by={keys}")
        merged = out[on].merge(population[[*on, "population"]], on=on, how="left", validate="many_to_one")
        req = skm_sample_size(merged["population"], rubric=rb)
        out["sample_required"] = req
        below = pd.array(out["n"].to_numpy() < np.asarray(req.fillna(0)), dtype="boolean")
        below[pd.isna(req)] = pd.NA
        out["below_sample_size"] = below
    used = ["mutu", *(["weights"] if isinstance(weights, str) and weights == "published" else []),
            *(["sample_size"] if population is not None else [])]
    out.attrs["weights"] = weights if isinstance(weights, str) else "custom"
    return with_rubric(out, rb, used)
