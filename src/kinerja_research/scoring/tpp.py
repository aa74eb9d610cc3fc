"""Tambahan Penghasilan Pegawai (regional TPP) and tunjangan kinerja with regional parameter sets."""

from __future__ import annotations

from collections.abc import Sequence

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

DEFAULT_RUBRIC = "tpp/kab-sampang-2021"
_REASONS = (
    "tpp_base missing",
    "days_absent missing",
    "days absent but the rule has no per-day deduction",
    "consecutive_days_absent missing",
    "performance_reported missing",
    "no performance report but the rule has no deduction for it",
    "late_minutes missing in late_events",
)


def tpp(
    records: pd.DataFrame,
    *,
    rubric: str | Rubric = DEFAULT_RUBRIC,
    late_events: pd.DataFrame | None = None,
    on: Sequence[str] | None = None,
) -> pd.DataFrame:
    """TPP (or tukin) paid after a regional rule's deductions, vectorized.

    The rule (a ``tpp/...`` rubric, one per region or agency) sets the kinerja/discipline split
    (or none: deductions then apply to the whole allowance), per-occurrence lateness
    deductions, a per-day absence deduction, the consecutive-days rule, the deduction for a
    missing performance report, and the cap. Deductions add up and are capped per component
    (``deduction_base: component``) or on the total (``total``). A sanction-linked cut
    (``sanction_tukin_cut``, e.g. PP 94/2021 sedang −25% from :func:`discipline_sanction`)
    multiplies what is left.

    Parameters
    ----------
    records
        One row per employee and month: ``tpp_base`` (Rp before deductions) and optionally
        ``days_absent``, ``consecutive_days_absent``, ``performance_reported`` and
        ``sanction_tukin_cut``. A deduction whose input column is absent is not applied;
        ``attrs["deductions_applied"]`` lists those that were. Other columns pass through.
    rubric
        TPP rubric id or Rubric (``tpp/kab-sampang-2021``, ``tpp/prov-jatim``,
        ``tpp/permentan-68-2012``, ``tpp/permendikdasmen-14-2025``).
    late_events
        Optional lateness log: the ``on`` columns and ``late_minutes`` per occurrence.
    on
        Key columns joining ``late_events`` to ``records`` (required with ``late_events``).

    Returns
    -------
    pandas.DataFrame
        Pass-through columns, ``tpp_base``, ``deduction_kinerja`` and ``deduction_discipline``
        (shares of their component; missing when the rule has no split), ``deduction_total``
        (share of the base), ``tpp_paid`` and ``reason``. An input the rule cannot price gives
        a missing ``tpp_paid`` with the reason, never a silent 0% deduction.

    Examples
    --------
    >>> r = pd.DataFrame({"nip": ["a"], "tpp_base": [1_000_000.0], "performance_reported": [True]})
    >>> ev = pd.DataFrame({"nip": ["a", "a"], "late_minutes": [45, 95]})
    >>> tpp(r, late_events=ev, on=["nip"])["tpp_paid"].tolist()
    [990000.0]
    """
    rb = resolve_rubric(rubric, "tpp")
    require_frame(records, "records", ["tpp_base"])
    n = len(records)
    base = float_values(records["tpp_base"], "tpp_base", minimum=0)
    bits = np.isnan(base).astype(np.int64)
    applied: list[str] = []
    used_tables: list[str] = []
    disc = np.zeros(n)
    kin = np.zeros(n)

    if late_events is not None:
        if "late" not in rb.tables:
            raise ValueError(f"rubric {rb.id!r} has no lateness table; drop late_events")
        keys = list(on or [])
        if not keys:
            raise ValueError("late_events needs on= (the key columns shared with records)")
        require_frame(late_events, "late_events", [*keys, "late_minutes"])
        require_frame(records, "records", keys)
        bt = rb.band_table("late")
        minutes = float_values(late_events["late_minutes"], "late_minutes", minimum=0)
        cut = np.append(np.array(bt.fields["cut"], dtype=float), np.nan)[bt.codes(minutes)]
        ev = late_events[keys].assign(_cut=cut, _miss=np.isnan(minutes))
        agg = ev.groupby(keys, sort=False, observed=True, dropna=False).agg(_cut=("_cut", "sum"), _miss=("_miss", "any"))
        joined = records[keys].merge(agg, left_on=keys, right_index=True, how="left")
        # a record without events was never late: a true zero, not a missing value
        disc += joined["_cut"].fillna(0.0).to_numpy()
        bits |= joined["_miss"].fillna(False).to_numpy(dtype=bool).astype(np.int64) << 6
        applied.append("late")
        used_tables.append("late")

    absence = rb.points("absence") if "absence" in rb.tables else {"per_day_cut": np.nan,
                                                                     "consecutive_days_full_cut": np.nan}
    if "days_absent" in records:
        days = float_values(records["days_absent"], "days_absent", minimum=0)
        per_day = absence["per_day_cut"]
        bits |= np.isnan(days).astype(np.int64) << 1
        if np.isnan(per_day):
            bits |= (days > 0).astype(np.int64) << 2
        else:
            disc += np.nan_to_num(days) * per_day
        applied.append("days_absent")
        used_tables.append("absence")
    if "consecutive_days_absent" in records:
        cons = float_values(records["consecutive_days_absent"], "consecutive_days_absent", minimum=0)
        full = absence["consecutive_days_full_cut"]
        bits |= np.isnan(cons).astype(np.int64) << 3
        # a rule without a consecutive-days clause prices those days through days_absent only
        if not np.isnan(full):
            disc += np.where(np.nan_to_num(cons) >= full, np.inf, 0.0)
            applied.append("consecutive_days_absent")
            used_tables.append("absence")
    if "performance_reported" in records:
        rep = bool_values(records["performance_reported"], "performance_reported")
        no_report_cut = rb.points("performance")["no_report_cut"] if "performance" in rb.tables else np.nan
        bits |= np.isnan(rep).astype(np.int64) << 4
        if np.isnan(no_report_cut):
            bits |= (rep == 0).astype(np.int64) << 5
        else:
            kin += np.where(rep == 0, no_report_cut, 0.0)
        applied.append("performance_reported")
        used_tables.append("performance")

    cap = float(rb.parameters.get("cap", 1.0))
    mode = rb.parameters.get("deduction_base", "component")
    if mode == "component":
        split = rb.points("split")
        kin_c, disc_c = np.minimum(kin, cap), np.minimum(disc, cap)
        total = split["kinerja"] * kin_c + split["discipline"] * disc_c
        used_tables.append("split")
    elif mode == "total":
        kin_c = disc_c = np.full(n, np.nan)
        total = np.minimum(kin + disc, cap)
    else:
        raise ValueError(f"rubric {rb.id!r}: deduction_base must be 'component' or 'total'")
    paid = base * (1.0 - total)
    if "sanction_tukin_cut" in records:
        sanc = float_values(records["sanction_tukin_cut"], "sanction_tukin_cut", minimum=0, maximum=1)
        paid = paid * (1.0 - np.nan_to_num(sanc))
        bits |= np.isnan(sanc).astype(np.int64) << 0
        applied.append("sanction_tukin_cut")
    bad = bits != 0
    paid = np.where(bad, np.nan, paid)
    total = np.where(bad, np.nan, total)
    out = records[[c for c in records.columns if c not in (
        "tpp_base", "days_absent", "consecutive_days_absent", "performance_reported", "sanction_tukin_cut")]].copy(deep=False)
    out["tpp_base"] = base
    out["deduction_kinerja"] = np.where(bad, np.nan, kin_c)
    out["deduction_discipline"] = np.where(bad, np.nan, disc_c)
    out["deduction_total"] = total
    out["tpp_paid"] = paid
    out["reason"] = reasons(bits, _REASONS)
    out = with_rubric(out, rb, list(dict.fromkeys(used_tables)))
    out.attrs["deductions_applied"] = applied
    return out
