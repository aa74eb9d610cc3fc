"""Descriptive summaries of a study: coverage, data quality, distributions (data overview)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.analysis.i18n import code_label, number, translate
from kinerja_research.data.study import TABLES, Study
from kinerja_research.rubrics import load
from kinerja_research.scoring import ikm


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


def numeric_summary(df: pd.DataFrame, columns: list[str], *, lang: str = "id") -> pd.DataFrame:
    """Count, mean, standard deviation, minimum, median and maximum of ``columns``, one row each,
    component names in ``lang``.

    Examples
    --------
    >>> numeric_summary(pd.DataFrame({"ip_asn": [50.0, 70.0]}), ["ip_asn"], lang="en")["mean"].tolist()
    [60.0]
    """
    x = df[columns].astype(float)
    out = pd.DataFrame({"component": [translate(c, lang) for c in columns],
                        "count": x.count().to_numpy(dtype=np.int64), "mean": x.mean().to_numpy(),
                        "std": x.std().to_numpy(), "min": x.min().to_numpy(), "median": x.median().to_numpy(),
                        "max": x.max().to_numpy()})
    return out


def covariate_label(name: str, lang: str = "id") -> str:
    """A dummy-coded covariate's name for readers: ``education_level_s2`` → ``Pendidikan: s2``.

    Examples
    --------
    >>> covariate_label("education_level_s2", "en"), covariate_label("tpp_in_force", "id")
    ("Education: master's", 'TPP berbasis kinerja berlaku')
    """
    fixed = {"tpp_in_force": ("TPP berbasis kinerja berlaku", "Performance-based TPP in force")}
    if name in fixed:
        return fixed[name][0 if lang == "id" else 1]
    for prefix in ("education_level", "position_type", "sector", "merit_exposure"):
        if name.startswith(prefix + "_"):
            return f"{translate(prefix, lang)}: {code_label(prefix, name[len(prefix) + 1:], lang)}"
    return name


def share_table(df: pd.DataFrame, column: str, *, by: str | None = None) -> pd.DataFrame:
    """Shares of each category of ``column`` (optionally within ``by``), vectorized."""
    keys = [by, column] if by else [column]
    counts = df.groupby(keys, observed=True).size().rename("n").reset_index()
    total = counts.groupby(by)["n"].transform("sum") if by else counts["n"].sum()
    return counts.assign(share=counts["n"] / total)


def ikm_band_edges(rubric: str = "ikm/permenpan-14-2017") -> list[float]:
    """Lower edges of the IKM mutu bands above the lowest (D|C|B|A), read from the rubric.

    Examples
    --------
    >>> ikm_band_edges()
    [65.0, 76.61, 88.31]
    """
    bt = load(rubric).band_table("mutu")
    return sorted(float(x) for x in bt.lower)[1:]


def overview_figure(study: Study, *, lang: str = "en") -> Any:
    """Four panels: education mix, position types, IKM of units (scored by
    :func:`kinerja_research.scoring.ikm`, band edges from its rubric), unexcused absence."""
    import matplotlib.pyplot as plt

    emp = study.employees
    last = emp["period"].max()
    snap = emp[emp["period"] == last]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, col in zip(axes[0], ("education_level", "position_type"), strict=True):
        sh = share_table(snap, col)
        ax.barh(sh[col].astype(str), 100 * sh["share"])
        ax.set_title(f"{translate(col, lang)} ({last})")
        ax.set_xlabel(translate("share", lang) + " (%)")
    unit_ikm = ikm(study.skm_responses, by=["unit_id", "period"])["ikm"].dropna()
    axes[1, 0].hist(unit_ikm, bins=40)
    for edge in ikm_band_edges():
        axes[1, 0].axvline(edge, color="grey", ls="--", lw=0.8)
    axes[1, 0].set_title(translate("ikm", lang) + (" — batas mutu D|C|B|A" if lang == "id" else " — grade edges D|C|B|A"))
    axes[1, 0].set_xlabel("IKM (25–100)")
    axes[1, 0].set_ylabel(translate("unit_years", lang))
    if "days_absent" in snap:
        d = snap["days_absent"].dropna().clip(upper=30).to_numpy(dtype=float)
        axes[1, 1].hist(d, bins=np.arange(0, 32) - 0.5)
    axes[1, 1].set_title(f"{translate('days_absent', lang)} ({last})")
    axes[1, 1].set_xlabel("hari (30 = 30 atau lebih)" if lang == "id" else "days (30 = 30 or more)")
    axes[1, 1].set_ylabel(translate("employees", lang))
    fig.tight_layout()
    plt.close(fig)
    return fig


def summary(study: Study, *, lang: str = "id") -> str:
    """One paragraph (markdown) on what the data hold: regions, units, employees, years, respondents.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> summary(kr.simulate("tiny"), lang="en").startswith("**Answer:** the data cover")
    True
    """
    cov = coverage(study)
    years = f"{int(cov['year'].min())}–{int(cov['year'].max())}"
    n_reg = int(study.regions["region_id"].nunique())
    n_units = int(study.units["unit_id"].nunique())
    emp_y, resp = int(cov["employees"].sum()), int(cov["responses"].sum())
    dq = data_quality(study)
    # wholly empty columns are optional parts of the contract these data do not use (e.g. a
    # policy's unit when every policy is region-wide), not gaps in what they hold
    cols = dq[(dq["column"] != "(all)") & (dq["missing_share"] < 1.0)]
    worst = cols.sort_values("missing_share", ascending=False).head(1)
    n = lambda x: number(x, lang, 0)  # noqa: E731
    if lang == "id":
        text = (f"**Jawaban:** data mencakup {n(n_reg)} daerah, {n(n_units)} unit kerja dan {n(emp_y)} pegawai-tahun "
                f"pada {years}, serta {n(resp)} kuesioner SKM.")
        if len(worst):
            w = worst.iloc[0]
            text += (f" Kolom yang paling sering kosong: `{w['table']}.{w['column']}` "
                     f"({number(100 * w['missing_share'], lang, 1)}% baris).")
        return text
    text = (f"**Answer:** the data cover {n(n_reg)} regions, {n(n_units)} units and {n(emp_y)} employee-years "
            f"in {years}, and {n(resp)} SKM questionnaires.")
    if len(worst):
        w = worst.iloc[0]
        text += f" The column most often empty: `{w['table']}.{w['column']}` ({number(100 * w['missing_share'], lang, 1)}% of rows)."
    return text
