"""Ombudsman RI public-service compliance zones and opinion categories, by assessment year."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.rubrics import for_date
from kinerja_research.scoring._inputs import float_values, reasons
from kinerja_research.scoring._published import with_published

ZONES = ["Merah", "Kuning", "Hijau"]


def ombudsman_zone(score: Any, year: Any, *, published: Any = None) -> pd.DataFrame:
    """Zone (Hijau / Kuning / Merah) and category of Ombudsman compliance scores.

    Ombudsman RI publishes each region's zone with its score, and for some rounds the published
    zones contradict the band table (2017: 80.4 published green, 50.58 yellow). A published zone
    is therefore never overridden: where ``published`` holds one, ``zone`` is that zone and
    ``zone_source`` says ``"published"``; the band table's answer stays in ``derived_zone`` and
    ``zone_conflict`` marks where the two disagree.

    The rubric follows the year: ``ombudsman/kepatuhan-2015`` until 2021 (three zones),
    ``ombudsman/opini-2022`` for 2022–2024 (categories A–E mapped onto zones). For 2025 and
    later the new opinion's cut-offs are not published: the label is missing with that reason.

    Parameters
    ----------
    score
        Scores 0–100 (scalar, array-like or Series); missing allowed.
    year
        Assessment year(s): a scalar or one per score.
    published
        Published zones, one per score (``Hijau``/``hijau`` …, missing where none), or ``None``.

    Returns
    -------
    pandas.DataFrame
        ``ombudsman_score`` (raw), ``year``, ``zone`` (published, else derived),
        ``zone_source`` (``"published"`` / ``"derived"``), ``derived_zone``, ``zone_conflict``,
        ``category`` (predicate or letter, from the score), ``opinion`` (2022–2024), ``rubric``
        (id used) and ``reason`` (why no zone could be derived). ``attrs["rubric"]`` lists
        each rubric used with its verified mark.

    Examples
    --------
    >>> ombudsman_zone([87.29, 87.25], [2021, 2024])[["zone", "category"]].to_dict("records")
    [{'zone': 'Hijau', 'category': 'Kepatuhan Tinggi'}, {'zone': 'Hijau', 'category': 'B'}]
    >>> z = ombudsman_zone([80.4], [2017], published=["hijau"])
    >>> z[["zone", "zone_source", "derived_zone", "zone_conflict"]].to_dict("records")
    [{'zone': 'Hijau', 'zone_source': 'published', 'derived_zone': 'Kuning', 'zone_conflict': True}]
    """
    x = float_values(np.atleast_1d(score) if np.ndim(score) == 0 else score, "ombudsman_score",
                     minimum=0, maximum=100)
    years = np.broadcast_to(np.asarray(year), x.shape) if np.ndim(year) == 0 else np.asarray(year)
    if years.shape != x.shape:
        raise ValueError(f"year has {years.size} values for {x.size} scores")
    try:
        years = years.astype(np.int64)
    except (TypeError, ValueError):
        raise ValueError(f"year must be whole years, got {np.unique(years)[:5].tolist()}") from None
    zone = np.full(x.shape, None, dtype=object)
    category = np.full(x.shape, None, dtype=object)
    opinion = np.full(x.shape, None, dtype=object)
    used = np.full(x.shape, None, dtype=object)
    bits = np.isnan(x).astype(np.int64)
    meta = []
    for y in np.unique(years):
        sel = years == y
        try:
            rb = for_date("ombudsman", int(y))
        except LookupError:
            bits[sel] |= 2
            continue
        bt = rb.band_table()
        codes = bt.codes(x[sel], snap_decimals=rb.snap_decimals)
        ok = codes >= 0
        lab = np.array(bt.labels, dtype=object)
        z = np.array(bt.fields["zone"], dtype=object)
        zone[np.flatnonzero(sel)[ok]] = z[codes[ok]]
        category[np.flatnonzero(sel)[ok]] = lab[codes[ok]]
        if "opinion" in bt.fields:
            opinion[np.flatnonzero(sel)[ok]] = np.array(bt.fields["opinion"], dtype=object)[codes[ok]]
        used[sel] = rb.id
        assert rb.default_table is not None  # band_table() above refused a rubric without one
        meta.append(rb.metadata([rb.default_table]))
    index = score.index if isinstance(score, pd.Series) else None
    derived = pd.Categorical(zone, categories=ZONES, ordered=True)
    label, source, conflict = with_published(derived, published, ZONES, "ombudsman_zone")
    out = pd.DataFrame({
        "ombudsman_score": x, "year": years,
        "zone": label,
        "zone_source": pd.Categorical(source, categories=["published", "derived"]),
        "derived_zone": derived,
        "zone_conflict": conflict,
        "category": pd.Series(category, dtype="category").to_numpy(),
        "opinion": pd.Series(opinion, dtype="category").to_numpy(),
        "rubric": pd.Series(used, dtype="category").to_numpy(),
        "reason": reasons(bits, ["ombudsman_score missing",
                                 "no published cut-offs for this year (opini 2025+) or before 2015"]),
    }, index=index)
    out.attrs["rubric"] = {
        "id": [m["id"] for m in meta], "verified": all(m["verified"] for m in meta),
        "unverified_tables": [f"{m['id']}:{t}" for m in meta for t in m["unverified_tables"]],
    }
    return out
