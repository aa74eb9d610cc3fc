"""How far the merit study's answer holds: sensitivity to parallel-trends violations, the
response-level estimate, and the power of the design on the data at hand.

Notebook 03 calls these; each returns a results object or reader-ready text and tables.

- :func:`sensitivity` — Rambachan & Roth (2023) relative-magnitude bounds on the effect in the
  adoption year, from a Callaway–Sant'Anna event study with a universal base period;
- :func:`response_level` — the same question asked of the SKM answers themselves, as repeated
  cross-sections of service users (Callaway–Sant'Anna with ``panel=False``);
- :func:`power_design` — the design whose simulation gives the minimum detectable effect: the
  synthetic world's own design when the data are synthetic (its truth is known), otherwise a
  design calibrated to the user's panel (same units, cohorts, periods and noise).

>>> from kinerja_research.data.simulate import simulate
>>> from kinerja_research.analysis.panels import merit_panel
>>> study = simulate("tiny", seed=0)
>>> res = sensitivity(merit_panel(study))
>>> float(res.breakdown) >= 0
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from kinerja_research.analysis.designs import synthetic_designs
from kinerja_research.analysis.designs_rcs import merit_rcs_simple
from kinerja_research.analysis.i18n import number
from kinerja_research.stats._results import Results
from kinerja_research.stats.calibrate import calibrated_design
from kinerja_research.stats.diagnose import Design
from kinerja_research.stats.did import DiDAggregate, staggered_did

if TYPE_CHECKING:  # imported where used, for the time they take to import
    from kinerja_research.stats.honestdid import HonestDiDResults
    from kinerja_research.stats.rd import RDResults

__all__ = ["fuzzy_note", "power_design", "punishment_fuzzy", "response_level", "response_level_note",
           "sensitivity", "sensitivity_note", "sensitivity_table"]

#: Relative magnitudes shown: post-adoption violations up to twice the largest pre-adoption one.
MBAR_GRID: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


def sensitivity(panel: pd.DataFrame, *, m: tuple[float, ...] = MBAR_GRID, alpha: float = 0.05) -> HonestDiDResults:
    """HonestDiD relative-magnitude intervals for the merit effect in the adoption year.

    Parameters
    ----------
    panel
        The merit panel (:func:`kinerja_research.analysis.panels.merit_panel`).
    m
        Values of M̄: how large a post-adoption violation of parallel trends may be, relative to
        the largest change between consecutive pre-adoption periods.
    alpha
        One minus the confidence level.

    Returns
    -------
    HonestDiDResults
        Robust intervals per M̄, the original interval and the breakdown value.
    """
    fit = staggered_did(panel, "ikm", "unit_id", "period", "cohort", base_period="universal", n_boot=0)
    return fit.aggregate("dynamic").sensitivity(method="relative_magnitude", m=list(m), alpha=alpha)


def sensitivity_table(res: Results, lang: str = "id") -> pd.DataFrame:
    """The robust intervals as a reader's table: M̄, lower and upper bound, whether 0 is excluded."""
    t = res.tidy()
    first = t["term"].eq("original")
    label = {"id": "interval biasa (tren paralel dianggap benar)",
             "en": "conventional interval (parallel trends assumed)"}[lang]
    excl = (t["conf_low"] > 0) | (t["conf_high"] < 0)
    yes, no = ("ya", "tidak") if lang == "id" else ("yes", "no")
    out = pd.DataFrame({
        "M̄": [label if o else number(v, lang, 2) for o, v in zip(first, t["m"], strict=True)],
        "lower": t["conf_low"].to_numpy(),
        "upper": t["conf_high"].to_numpy(),
        "excludes_zero": [yes if e else no for e in excl],
    })
    headers = {"id": {"lower": "Batas bawah IK 95%", "upper": "Batas atas IK 95%",
                      "excludes_zero": "Efek tetap positif?"},
               "en": {"lower": "95% CI lower", "upper": "95% CI upper",
                      "excludes_zero": "Effect still positive?"}}[lang]
    return out.rename(columns=headers)


def sensitivity_note(res: HonestDiDResults, lang: str = "id") -> str:
    """The breakdown value in words: how large a violation of parallel trends would overturn the answer."""
    b = float(res.breakdown)
    if b <= 0:
        return ("Bahkan tanpa pelanggaran tren paralel, interval 95% efek pada tahun adopsi memuat nol: "
                "data tidak cukup untuk menyimpulkan efek pada tahun itu." if lang == "id" else
                "Even with parallel trends exactly true, the 95% interval of the adoption-year effect includes "
                "zero: the data cannot settle the effect in that year.")
    bs = number(b, lang, 2)
    if lang == "id":
        return (f"Analisis sensitivitas (Rambachan & Roth 2023): efek sistem merit pada tahun adopsi tetap "
                f"berbeda dari nol selama pelanggaran tren paralel sesudah adopsi tidak lebih besar dari "
                f"{bs} kali perubahan terbesar antartahun sebelum adopsi (nilai batas M̄ = {bs}). "
                + ("Jawaban ini bertahan bahkan bila pelanggaran sesudah adopsi sebesar pelanggaran terbesar "
                   "sebelum adopsi." if b >= 1 else
                   "Pelanggaran yang lebih kecil daripada yang sudah terlihat sebelum adopsi sudah cukup untuk "
                   "membatalkan jawaban: kesimpulan ini rapuh."))
    return (f"Sensitivity analysis (Rambachan & Roth 2023): the merit effect in the adoption year stays "
            f"different from zero as long as post-adoption violations of parallel trends are at most {bs} "
            f"times the largest year-to-year change before adoption (breakdown value M̄ = {bs}). "
            + ("The answer survives post-adoption violations as large as the largest one seen before adoption."
               if b >= 1 else
               "A violation smaller than those already seen before adoption would overturn it: the conclusion "
               "is fragile."))


def response_level(study: Any) -> DiDAggregate:
    """Simple ATT of the merit system on SKM answers as repeated cross-sections of service users.

    Each answer's IKM-scale outcome averages to its unit-year's IKM, so this estimates the same
    effect as the unit panel, weighted by answers instead of units; SEs are clustered by unit.
    """
    return merit_rcs_simple(study)


def response_level_note(rcs: DiDAggregate, unit_level: Results, lang: str = "id") -> str:
    """The response-level estimate beside the unit-level one, in words."""
    r, u = rcs.tidy().iloc[0], unit_level.tidy().iloc[0]
    est, lo, hi = (number(r[c], lang, 2) for c in ("estimate", "conf_low", "conf_high"))
    ue = number(u["estimate"], lang, 2)
    n = f"{int(rcs.nobs):,}".replace(",", "." if lang == "id" else ",")
    if lang == "id":
        return (f"Dihitung dari {n} jawaban SKM sebagai survei berulang (bukan panel unit), efek sistem merit "
                f"adalah {est} poin IKM (IK 95%: {lo} sampai {hi}), dibandingkan {ue} poin pada panel unit. "
                "Keduanya menjawab pertanyaan yang sama; yang pertama memberi bobot menurut jumlah responden.")
    return (f"From {n} SKM answers treated as repeated cross-sections (not a unit panel), the merit effect is "
            f"{est} IKM points (95% CI: {lo} to {hi}), against {ue} points in the unit panel. Both answer the "
            "same question; the first weights units by their number of respondents.")


def power_design(study: Any, panel: pd.DataFrame, *, effect: float) -> Design:
    """The design whose simulation gives this study's power and minimum detectable effect.

    Synthetic data: the synthetic world's merit design (its true effect is known, so bias and
    coverage are checked too). Real data: a design calibrated to ``panel`` — the same units,
    cohorts and periods, with unit, period, idiosyncratic and serially correlated noise estimated
    from the untreated cells — and the declared ``effect`` (e.g. the estimate itself).
    """
    if getattr(study, "synthetic", False):
        return synthetic_designs("tiny")["merit_did"]
    return calibrated_design(panel, "ikm", "unit_id", "period", "cohort", effect=effect,
                             name="merit system: design calibrated to these data")


def punishment_fuzzy(study: Any) -> RDResults | None:
    """Fuzzy RD of the lelang-kinerja sanction when not every unit below 100% was punished.

    Uses the punishment actually received (``unit_performance["punished"]``) as the treatment
    and the rule (achievement below 100%) as the instrument, through rdrobust's ``fuzzy=``;
    clustered by region as the sharp design is. Returns None when the data do not record the
    punishment received: then the rule was applied to every unit and the sharp design is the
    right one.
    """
    if "punished" not in study.unit_performance.columns:
        return None
    from kinerja_research.analysis.designs import fuzzy_rd_panel
    from kinerja_research.stats.rd import rd

    return rd(fuzzy_rd_panel(study), "next_achievement", "shortfall", 0.0, fuzzy="received",
              cluster="region_id", vce="cr1")


def fuzzy_note(res: RDResults | None, lang: str = "id") -> str:
    """The fuzzy design in words: the first stage (share complying) and the local effect."""
    if res is None:
        return ("Data mencatat bahwa setiap unit di bawah 100% memang dikenai sanksi (kepatuhan penuh), "
                "sehingga desain tajam di atas sudah tepat; desain fuzzy tidak diperlukan." if lang == "id" else
                "The data record that every unit below 100% was in fact sanctioned (full compliance), so the "
                "sharp design above is the right one; no fuzzy design is needed.")
    fs = res.first_stage().set_index("term").loc["first_stage:conventional"]
    t = res.tidy()
    rob = t[(t.get("stage", "second_stage") != "first_stage") & t["term"].eq("robust")].iloc[0]
    share = number(100 * float(fs["estimate"]), lang, 0)
    est, lo, hi = (number(rob[c], lang, 2) for c in ("estimate", "conf_low", "conf_high"))
    f = number(float(res.provenance["first_stage_f"]), lang, 1)
    if lang == "id":
        return (f"Tidak semua unit di bawah 100% dikenai sanksi: di titik potong, peluang dikenai sanksi naik "
                f"{share} poin persen (tahap pertama, F = {f}). Regresi diskontinu fuzzy memperkirakan efek sanksi "
                f"pada unit yang patuh pada aturan sebesar {est} poin persen capaian (IK 95% robust: {lo} sampai "
                f"{hi}).")
    return (f"Not every unit below 100% was sanctioned: at the cutoff the chance of a sanction rises by "
            f"{share} percentage points (first stage, F = {f}). The fuzzy regression discontinuity estimates the "
            f"sanction's effect on units that follow the rule at {est} achievement percentage points (robust 95% "
            f"CI: {lo} to {hi}).")
