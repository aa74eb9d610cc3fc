"""Descriptive summaries of a study: coverage, data quality, distributions (data overview)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.analysis.i18n import translate
from kinerja_research.data.study import TABLES, Study


def coverage(study: Study, *, lang: str | None = None) -> pd.DataFrame:
    """Regions, units, employees and SKM respondents per year.

    Column headers are canonical names, or labels in ``lang`` ("id" / "en") when given.

    Examples
    --------
    >>> coverage(kr.simulate("tiny"))  # doctest: +SKIP
    """
    emp = study.employees.groupby("period", observed=True).agg(
        employees=("period", "size"), units_with_staff=("unit_id", "nunique"))
    skm = study.skm_responses.groupby("period", observed=True).agg(
        responses=("period", "size"), service_units=("unit_id", "nunique"))
    out = emp.join(skm, how="outer").fillna(0).astype("int64")
    out.index.name = "year"
    out = out.reset_index()
    out.insert(1, "regions", study.regions["region_id"].nunique())
    return _label(out, lang)


def data_quality(study: Study, *, lang: str | None = None) -> pd.DataFrame:
    """Rows and share of missing values for every column of every table (columns with any missing)."""
    rows = []
    for name in TABLES:
        df = study.tables()[name]
        miss = df.isna().mean()
        rows.append({"table": name, "column": "(all)", "rows": len(df), "missing_share": float(miss.mean()) if len(miss) else 0.0})
        for col, share in miss[miss > 0].items():
            rows.append({"table": name, "column": col, "rows": len(df), "missing_share": float(share)})
    return _label(pd.DataFrame(rows), lang)


def _label(df: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """Translate column headers for display; canonical names when ``lang`` is None."""
    return df if lang is None else df.rename(columns={c: translate(c, lang) for c in df.columns})


def share_table(df: pd.DataFrame, column: str, *, by: str | None = None) -> pd.DataFrame:
    """Shares of each category of ``column`` (optionally within ``by``), vectorized."""
    keys = [by, column] if by else [column]
    counts = df.groupby(keys, observed=True).size().rename("n").reset_index()
    total = counts.groupby(by)["n"].transform("sum") if by else counts["n"].sum()
    return counts.assign(share=counts["n"] / total)


def unit_ikm(study: Study) -> pd.DataFrame:
    """IKM (25–100) per unit and period with the Permenpan 14/2017 formula (blank answers skipped)."""
    items = [f"u{i}" for i in range(1, 10)]
    r = study.skm_responses
    g = r.groupby(["unit_id", "period"], observed=True)
    nrr = g[items].mean()  # mean over filled answers per unsur = sum / filled count
    out = (nrr.mean(axis=1) * 25).rename("ikm").to_frame()
    out["n"] = g.size()
    return out.reset_index()


def overview_figure(study: Study, *, lang: str = "en") -> Any:
    """Four panels: education mix, position types, IKM of units, unexcused absence."""
    import matplotlib.pyplot as plt

    emp = study.employees
    last = emp["period"].max()
    snap = emp[emp["period"] == last]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, col in zip(axes[0], ("education_level", "position_type"), strict=True):
        s = share_table(snap, col)
        ax.barh(s[col].astype(str), s["share"])
        ax.set_title(f"{translate(col, lang)} ({last})")
        ax.set_xlabel(translate("share", lang))
    ikm = unit_ikm(study)["ikm"].dropna()
    axes[1, 0].hist(ikm, bins=40)
    for edge in (65.0, 76.61, 88.31):  # Permenpan 14/2017 mutu bands D|C|B|A
        axes[1, 0].axvline(edge, color="grey", ls="--", lw=0.8)
    axes[1, 0].set_title(translate("ikm", lang))
    axes[1, 0].set_ylabel(translate("unit_years", lang))
    if "days_absent" in snap:
        d = snap["days_absent"].dropna().clip(upper=30).to_numpy(dtype=float)
        axes[1, 1].hist(d, bins=np.arange(0, 32) - 0.5)
    axes[1, 1].set_title(translate("days_absent", lang))
    fig.tight_layout()
    return fig
