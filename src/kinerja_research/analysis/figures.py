"""Figures for readers: titles, axis labels with units, readable legends, the report's language,
region names instead of BPS codes, and the true value marked on synthetic data.

Each function returns a closed matplotlib figure (shown once by the notebook's display).

>>> import pandas as pd
>>> fig = histogram(pd.Series([1.0, 2.0, 2.5]), title="IKM", xlabel="IKM (25–100)", lang="en")
>>> fig.axes[0].get_ylabel()
'Count'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from kinerja_research.analysis.i18n import number

__all__ = ["event_study", "histogram", "overlap", "rd", "region_lines", "synth"]

_T = {
    "count": {"id": "Jumlah", "en": "Count"},
    "truth": {"id": "Nilai sebenarnya", "en": "True value"},
    "estimate": {"id": "Estimasi (IK 95%)", "en": "Estimate (95% CI)"},
    "province": {"id": "Rata-rata provinsi", "en": "Province mean"},
    "year": {"id": "Tahun", "en": "Year"},
    "e": {"id": "Tahun sejak adopsi", "en": "Years since adoption"},
    "bins": {"id": "Rata-rata per kelompok", "en": "Bin means"},
    "fit": {"id": "Polinomial lokal", "en": "Local polynomial"},
    "treated": {"id": "Kota Malang (aktual)", "en": "Kota Malang (actual)"},
    "synthetic": {"id": "Kontrol sintetis", "en": "Synthetic control"},
    "placebo": {"id": "Daerah plasebo", "en": "Placebo regions"},
}


def _t(key: str, lang: str) -> str:
    return _T[key][lang]


def _done(fig: Any) -> Any:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    plt.close(fig)
    return fig


def _legend(ax: Any) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)


def histogram(values: pd.Series, *, title: str, xlabel: str, lang: str = "id", bins: int = 40,
              edges: Sequence[float] = (), truth: float | None = None) -> Any:
    """A histogram with optional dashed band edges and the true value marked."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    ax.hist(pd.to_numeric(values, errors="coerce").dropna(), bins=bins, color="#4c72b0")
    for e in edges:
        ax.axvline(e, color="grey", ls="--", lw=0.8)
    if truth is not None:
        ax.axvline(truth, color="#c44e52", lw=2, label=_t("truth", lang))
        _legend(ax)
    ax.set(title=title, xlabel=xlabel, ylabel=_t("count", lang))
    return _done(fig)


def _int_ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def region_lines(panel: pd.DataFrame, names: pd.Series, *, value: str, time: str, title: str, ylabel: str,
                 lang: str = "id", label_extremes: int = 2) -> Any:
    """One grey line per region, the province mean in black, and the best and worst regions of
    the last year named (region names, not codes)."""
    import matplotlib.pyplot as plt

    wide = panel.pivot_table(index=time, columns="region_id", values=value, observed=True)
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    ax.plot(wide.index, wide.to_numpy(), color="0.75", lw=0.8)
    ax.plot(wide.index, wide.mean(axis=1), color="black", lw=2.2, label=_t("province", lang))
    last = wide.iloc[-1].dropna().sort_values()
    picks = [*last.index[-label_extremes:][::-1], *last.index[:label_extremes]] if len(last) > 2 * label_extremes \
        else list(last.index)
    for i, rid in enumerate(picks):
        ax.plot(wide.index, wide[rid], lw=1.6, color=f"C{i}", label=str(names.get(rid, rid)))
    ax.set(title=title, xlabel=_t("year", lang), ylabel=ylabel)
    ax.xaxis.set_major_locator(_int_ticks())
    _legend(ax)
    return _done(fig)


def event_study(table: pd.DataFrame, *, title: str, ylabel: str, lang: str = "id") -> Any:
    """ATT by years since adoption with 95% intervals; the true path when the table has ``truth``."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    e = table["e"].to_numpy(dtype=float)
    est = table["estimate"].to_numpy(dtype=float)
    ax.errorbar(e, est, yerr=[est - table["conf_low"].to_numpy(float), table["conf_high"].to_numpy(float) - est],
                fmt="o", capsize=3, color="#4c72b0", label=_t("estimate", lang))
    if "truth" in table.columns and table["truth"].notna().any():
        ax.plot(e, table["truth"].to_numpy(dtype=float), "D--", color="#c44e52", ms=5, label=_t("truth", lang))
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(-0.5, color="grey", ls=":", lw=0.8)
    ax.set(title=title, xlabel=_t("e", lang), ylabel=ylabel)
    ax.xaxis.set_major_locator(_int_ticks())
    _legend(ax)
    return _done(fig)


def rd(fit: Any, *, title: str, xlabel: str, ylabel: str, lang: str = "id", term: str = "robust",
       truth: float | None = None) -> Any:
    """The RD plot (bin means, local fits) titled with the same estimate the table reports (``term``)."""
    fig = fit.plot()
    ax = fig.axes[0]
    row = fit.tidy().set_index("term").loc[term]
    ax.set_title(f"{title}: {number(row['estimate'], lang, 2)} ({'IK 95%' if lang == 'id' else '95% CI'} "
                 f"{number(row['conf_low'], lang, 2)} – {number(row['conf_high'], lang, 2)})", fontsize=11)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    handles, _ = ax.get_legend_handles_labels()
    labels = [_t("bins", lang), *[f"{_t('fit', lang)} ({s})" for s in
                                  (("kiri", "kanan") if lang == "id" else ("left", "right"))]]
    if truth is not None:
        ax.plot([], [], " ", label=f"{_t('truth', lang)}: {number(truth, lang, 2)}")
        handles, _ = ax.get_legend_handles_labels()
        labels.append(f"{_t('truth', lang)}: {number(truth, lang, 2)}")
    ax.legend(handles, labels[:len(handles)], loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    fig.set_size_inches(9, 4.5)
    return _done(fig)


def synth(fit: Any, *, kind: str, title: str, ylabel: str, lang: str = "id",
          truth: pd.DataFrame | None = None) -> Any:
    """Synthetic-control path or gap plot with translated labels; the true gap on synthetic data."""
    fig = fit.plot(kind=kind)
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_label() in ("treated", "synthetic")]
    for ln in lines:
        ln.set_label(_t(str(ln.get_label()), lang))
    handles = list(lines)
    if kind == "gap":
        grey = [ln for ln in ax.get_lines() if ln.get_color() == "grey" and len(ln.get_xdata()) > 2]
        if grey:
            grey[0].set_label(_t("placebo", lang))
            handles.append(grey[0])
        if truth is not None and len(truth):
            (tl,) = ax.plot(truth["year"], truth["truth"], "D--", color="#c44e52", ms=5, label=_t("truth", lang))
            handles.append(tl)
    ax.set(title=title, xlabel=_t("year", lang), ylabel=ylabel)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    fig.set_size_inches(9, 4.2)
    return _done(fig)


def overlap(fit: Any, *, title: str, lang: str = "id") -> Any:
    """Propensity-score overlap of treated and comparison employees."""
    fig = fit.plot_overlap()
    ax = fig.axes[0]
    names = {"id": ("Sesuai (JPM ≥ 90), di atas", "Tidak sesuai (JPM < 90), di bawah"),
             "en": ("Well placed (JPM ≥ 90), above", "Not well placed (JPM < 90), below")}[lang]
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, list(names)[:len(handles)], frameon=False, fontsize=9)
    ax.set(title=title, xlabel="Skor propensitas (0–1)" if lang == "id" else "Propensity score (0–1)",
           ylabel="Proporsi kelompok" if lang == "id" else "Share of group")
    return _done(fig)


