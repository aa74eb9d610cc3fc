"""Generated sentences of the study reports: the headline answer, the conclusion in plain words,
and what the pre-trend test, the placebo and the design diagnosis say — in ``lang``.

The narrative cells of a notebook hold what does not depend on the data; everything that quotes
a number is written here, in the report's language and number format.

>>> import pandas as pd
>>> row = pd.Series({"estimate": 2.0, "conf_low": 1.0, "conf_high": 3.0})
>>> headline(row, "en", effect={"en": "The effect"}, unit={"en": "IKM points"})[:46]
'**Answer:** The effect is estimated at 2.00 IK'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.analysis.i18n import number, p_value

__all__ = ["diagnosis_shown", "diagnosis_table", "headline", "icc_headline", "ikm_headline", "placebo_note", "power_note",
           "pretrend_note", "synth_headline", "twfe_weights_note"]


def _pick(text: Mapping[str, str], lang: str) -> str:
    return text.get(lang) or next(iter(text.values()))


def headline(row: pd.Series, lang: str, *, effect: Mapping[str, str], unit: Mapping[str, str],
             digits: int = 2) -> str:
    """The answer with its 95% interval and a plain-language conclusion (markdown).

    Parameters
    ----------
    row
        A row with ``estimate``, ``conf_low``, ``conf_high`` (and ``truth`` on synthetic data),
        e.g. from :func:`~kinerja_research.analysis.estimates.versus_truth`.
    lang
        ``"id"`` or ``"en"``.
    effect, unit
        What is estimated and its unit, per language (``{"id": …, "en": …}``).
    """
    est, lo, hi = (float(row[c]) for c in ("estimate", "conf_low", "conf_high"))
    eff, u = _pick(effect, lang), _pick(unit, lang)
    n = lambda x: number(x, lang, digits)  # noqa: E731
    if lang == "id":
        text = (f"**Jawaban:** {eff} diperkirakan {n(est)} {u} (interval kepercayaan 95%: {n(lo)} sampai "
                f"{n(hi)}). ")
        if lo > 0:
            text += "**Kesimpulan:** efeknya positif; seluruh interval berada di atas nol."
        elif hi < 0:
            text += "**Kesimpulan:** efeknya negatif; seluruh interval berada di bawah nol."
        else:
            text += ("**Kesimpulan:** data ini tidak dapat membedakan efeknya dari nol; efek sebesar "
                     f"{n(lo)} sampai {n(hi)} {u} sama-sama sesuai dengan data.")
    else:
        text = f"**Answer:** {eff} is estimated at {n(est)} {u} (95% confidence interval {n(lo)} to {n(hi)}). "
        if lo > 0:
            text += "**Conclusion:** the effect is positive; the whole interval lies above zero."
        elif hi < 0:
            text += "**Conclusion:** the effect is negative; the whole interval lies below zero."
        else:
            text += (f"**Conclusion:** these data cannot tell the effect from zero; effects from {n(lo)} to "
                     f"{n(hi)} {u} are all consistent with them.")
    truth = row.get("truth") if hasattr(row, "get") else None
    if truth is not None and not pd.isna(truth):
        text += (f" Pada data sintetis ini nilai sebenarnya diketahui: {n(truth)} {u}." if lang == "id"
                 else f" On these synthetic data the true value is known: {n(truth)} {u}.")
    return text


def pretrend_note(test: Any, lang: str) -> str:
    """What the pre-trend Wald test says about parallel trends (``statistic``, ``df``, ``p_value``)."""
    w, df, p = float(test.statistic), int(test.df), float(test.p_value)
    pv = p_value(p, lang)
    stat = f"W = {number(w, lang, 2)}, df = {df}, p {pv if pv.startswith('<') else '= ' + pv}"
    if lang == "id":
        return (f"Uji tren sebelum perlakuan: {stat}. " + (
            "Tidak ada bukti perbedaan tren sebelum adopsi. Ini tidak membuktikan asumsi tren paralel "
            "(uji dengan sedikit klaster lemah), tetapi data tidak menentangnya." if p >= 0.05 else
            "Sebelum adopsi tren sudah berbeda: asumsi tren paralel diragukan, baca estimasi dengan hati-hati."))
    return (f"Pre-trend test: {stat}. " + (
        "No evidence of diverging trends before adoption. This does not prove parallel trends (the test "
        "has little power with few clusters), but the data do not contradict them." if p >= 0.05 else
        "Trends already differed before adoption: parallel trends are in doubt; read the estimate with care."))


def placebo_note(p: float, n_units: int, lang: str) -> str:
    """The placebo p-value with the smallest value attainable from ``n_units`` units (treated + donors)."""
    floor = 1.0 / n_units
    at_floor = p <= floor + 1e-12
    if lang == "id":
        return (f"Nilai p plasebo = {p_value(p, lang)} dari {n_units} daerah ({n_units - 1} donor). Nilai p terkecil "
                f"yang mungkin dengan {n_units - 1} donor adalah 1/{n_units} = {number(floor, lang, 3)}"
                + ("; hasil ini mencapai batas itu, jadi tidak ada daerah plasebo dengan rasio sebesar ini."
                   if at_floor else "; beberapa daerah plasebo menunjukkan rasio setinggi ini atau lebih.")
                + " Dengan sedikit donor uji ini tidak dapat memberi nilai p yang lebih kecil.")
    return (f"Placebo p-value = {p_value(p, lang)} from {n_units} regions ({n_units - 1} donors). The smallest "
            f"p-value attainable with {n_units - 1} donors is 1/{n_units} = {number(floor, lang, 3)}"
            + ("; this result reaches it: no placebo region shows a ratio as large." if at_floor
               else "; some placebo regions show a ratio as large or larger.")
            + " With few donors the test cannot give a smaller p-value.")


_DIAG_TERMS = {
    "bias": ("Bias", "Bias"), "rmse": ("RMSE", "RMSE"), "power": ("Kuasa", "Power"),
    "coverage": ("Cakupan interval 95%", "95% interval coverage"), "mean_estimate": ("Rata-rata estimasi", "Mean estimate"),
    "mean_estimand": ("Rata-rata nilai sebenarnya", "Mean true value"), "mean_se": ("Rata-rata galat baku", "Mean std. error"),
    "empirical_se": ("Galat baku empiris", "Empirical std. error"),
    "mde": ("Efek minimum terdeteksi (kuasa 80%)", "Minimum detectable effect (80% power)"),
}


def diagnosis_table(diag: Any, lang: str = "id") -> pd.DataFrame:
    """The design diagnosis' tidy table, terms in ``lang``, with the Monte-Carlo intervals of
    proportions (power, coverage) kept inside [0, 1]."""
    t = diag.tidy()[["term", "estimate", "conf_low", "conf_high"]].copy()
    prop = t["term"].isin(["power", "coverage"])
    t.loc[prop, ["conf_low", "conf_high"]] = t.loc[prop, ["conf_low", "conf_high"]].clip(0.0, 1.0)
    i = 0 if lang == "id" else 1
    t["term"] = [(_DIAG_TERMS[x][i] if x in _DIAG_TERMS else x) for x in t["term"]]
    return t.reset_index(drop=True)


def diagnosis_shown(diag: Any, lang: str = "id") -> pd.DataFrame:
    """:func:`diagnosis_table` for readers: proportions (power, coverage) as percentages, the
    other rows (in the outcome's unit) with three decimals.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> tidy = pd.DataFrame({"term": ["power", "bias"], "estimate": [0.9, 0.1234],
    ...                      "conf_low": [0.8, -1.0], "conf_high": [1.0, 1.2]})
    >>> diagnosis_shown(SimpleNamespace(tidy=lambda: tidy), "id")["estimate"].tolist()
    ['90 %', '0,123']
    """
    raw = diag.tidy()["term"].isin(["power", "coverage"]).to_numpy()
    t = diagnosis_table(diag, lang)
    for col in ("estimate", "conf_low", "conf_high"):
        t[col] = [number(100 * v, lang, 0) + " %" if prop else number(v, lang, 3)
                  for v, prop in zip(t[col].to_numpy(dtype=float), raw, strict=True)]
    return t


def twfe_weights_note(weights: Any, lang: str) -> str:
    """How many treated cells the static TWFE weights negatively (de Chaisemartin & D'Haultfœuille)."""
    n, tot, share = int(weights.n_negative), int(weights.n_treated_cells), float(weights.share_negative)
    if lang == "id":
        return (f"{n} dari {tot} sel perlakuan ({number(100 * share, lang, 1)}%) berbobot negatif dalam TWFE; "
                + ("koefisien TWFE tidak dapat dibaca sebagai rata-rata efek." if n else "tidak ada bobot negatif."))
    return (f"{n} of {tot} treated cells ({number(100 * share, lang, 1)}%) get negative TWFE weights; "
            + ("the TWFE coefficient cannot be read as an average effect." if n else "no negative weights."))


def power_note(diag: Any, lang: str, *, unit: Mapping[str, str], estimate: float | None = None) -> str:
    """Power and minimum detectable effect (80% power) from a design diagnosis."""
    t = diag.tidy().set_index("term")["estimate"]
    mde, power, cov = (float(t.get(k, np.nan)) for k in ("mde", "power", "coverage"))
    u = _pick(unit, lang)
    if lang == "id":
        s = (f"Diagnosis desain (simulasi pada dunia sintetis kecil): kuasa {number(100 * power, lang, 0)}%, cakupan "
             f"interval {number(100 * cov, lang, 0)}%, efek minimum terdeteksi (kuasa 80%) {number(mde, lang, 2)} {u}.")
        if estimate is not None:
            s += (" Efek yang diestimasi lebih besar dari MDE." if abs(estimate) >= mde else
                  " Efek yang diestimasi lebih kecil dari MDE: desain ini mungkin tidak cukup kuat untuk mendeteksinya.")
        return s
    s = (f"Design diagnosis (simulation on a small synthetic world): power {number(100 * power, lang, 0)}%, interval "
         f"coverage {number(100 * cov, lang, 0)}%, minimum detectable effect (80% power) {number(mde, lang, 2)} {u}.")
    if estimate is not None:
        s += (" The estimated effect exceeds the MDE." if abs(estimate) >= mde else
              " The estimated effect is below the MDE: the design may be too weak to detect it.")
    return s


def icc_headline(components: pd.DataFrame, driver: pd.Series, lang: str, *, driver_name: Mapping[str, str]) -> str:
    """Answer of the professionalism study: variance shares of regions and units, and a driver's
    coefficient with its 95% interval (``components`` from ``multilevel(...).variance_components``)."""
    share = components["share"]
    reg, unit = float(share.get("region_id", np.nan)), float(share.get("unit_id", np.nan))
    est, lo, hi = (float(driver[c]) for c in ("estimate", "conf_low", "conf_high"))
    d = _pick(driver_name, lang)
    pct = lambda x: number(100 * x, lang, 1)  # noqa: E731
    n = lambda x: number(x, lang, 2)  # noqa: E731
    if lang == "id":
        return (f"**Jawaban:** {pct(reg)}% dari variasi IP ASN terletak antar daerah dan {pct(unit)}% antar unit "
                f"dalam daerah; sisanya antar pegawai dalam unit. Setiap tambahan satu poin {d} berkaitan dengan "
                f"IP ASN {n(est)} poin lebih tinggi (IK 95%: {n(lo)} sampai {n(hi)}). **Kesimpulan:** "
                + ("daerah tempat pegawai bekerja menjelaskan bagian yang berarti dari perbedaan profesionalitas; "
                   if reg >= 0.1 else "perbedaan profesionalitas terutama terjadi antar pegawai, bukan antar daerah; ")
                + "angka ini deskriptif, bukan efek kausal.")
    return (f"**Answer:** {pct(reg)}% of the variation in IP ASN lies between regions and {pct(unit)}% between "
            f"units within regions; the rest is between employees within units. Each additional point of {d} goes "
            f"with an IP ASN {n(est)} points higher (95% CI {n(lo)} to {n(hi)}). **Conclusion:** "
            + ("the region an employee works in explains a material part of the differences in professionalism; "
               if reg >= 0.1 else "differences in professionalism lie mainly between employees, not regions; ")
            + "these figures are descriptive, not causal effects.")


def ikm_headline(by_year: pd.DataFrame, adequacy: pd.DataFrame, alpha: float, lang: str) -> str:
    """Answer of the service-quality study: latest IKM and grade, share of units with too small a
    sample (the one sample rule, its population source said), and the questionnaire's alpha."""
    last = by_year.sort_values("period").iloc[-1]
    year = int(last["period"])
    adq = adequacy.loc[adequacy["period"].astype(int) == year]
    below = float(adq["below_sample_size"].mean()) if len(adq) else np.nan
    req = adq["sample_required"].median() if len(adq) else np.nan
    default = bool(len(adq)) and bool((adq["population_source"] == "default").all())
    pop = int(adq["population"].iloc[0]) if len(adq) else 0
    n = lambda x, d=2: number(x, lang, d)  # noqa: E731
    if lang == "id":
        s = (f"**Jawaban:** IKM seluruh unit pada {year} adalah {n(last['ikm'])} (mutu {last['mutu']}). "
             f"{n(100 * below, 0)}% unit memiliki sampel SKM di bawah minimum (median minimum {n(req, 0)} kuesioner"
             + (f"; populasi pengguna tidak ada dalam data, diasumsikan {n(pop, 0)} per unit" if default else "")
             + f"). Alpha Cronbach kuesioner {n(alpha)}. **Kesimpulan:** "
             + ("keandalan kuesioner memadai (alpha ≥ 0,7)" if alpha >= 0.7 else
                "keandalan kuesioner di bawah ambang lazim 0,7; skor per unsur perlu dibaca hati-hati")
             + ("; IKM unit dengan sampel kecil bersifat indikatif." if below > 0 else "."))
        return s
    return (f"**Answer:** the IKM over all units in {year} is {n(last['ikm'])} (grade {last['mutu']}). "
            f"{n(100 * below, 0)}% of units have SKM samples below the minimum (median minimum {n(req, 0)} questionnaires"
            + (f"; the data hold no service-user population, {n(pop, 0)} per unit is assumed" if default else "")
            + f"). The questionnaire's Cronbach's alpha is {n(alpha)}. **Conclusion:** "
            + ("the questionnaire is reliable enough (alpha ≥ 0.7)" if alpha >= 0.7 else
               "the questionnaire's reliability is below the usual 0.7; read item scores with care")
            + ("; unit IKM from small samples is indicative only." if below > 0 else "."))


def synth_headline(att: float, p: float, n_units: int, lang: str, *, truth: float | None = None) -> str:
    """Answer of the synthetic-control study: mean post-period gap and the placebo p-value."""
    n = lambda x: number(x, lang, 2)  # noqa: E731
    sig = p <= 0.1
    if lang == "id":
        s = (f"**Jawaban:** setelah 2019 IKM Kota Malang rata-rata {n(att)} poin "
             f"{'di atas' if att > 0 else 'di bawah'} kontrol sintetisnya (nilai p plasebo {p_value(p, lang)}, "
             f"{n_units} daerah). Kontrol sintetis tidak memberi interval kepercayaan 95%; ketidakpastian diukur "
             "dengan uji plasebo. **Kesimpulan:** "
             + ("kesenjangan ini lebih besar daripada hampir semua daerah plasebo." if sig else
                "kesenjangan ini tidak lebih besar daripada yang tampak pada daerah plasebo; data tidak "
                "menunjukkan efek yang dapat dibedakan dari variasi biasa."))
        if truth is not None:
            s += f" Pada data sintetis ini rata-rata kesenjangan sebenarnya {n(truth)} poin."
        return s
    s = (f"**Answer:** after 2019 Kota Malang's IKM was on average {n(abs(att))} points "
         f"{'above' if att > 0 else 'below'} its synthetic control (placebo p-value {p_value(p, lang)}, "
         f"{n_units} regions). Synthetic control gives no 95% confidence interval; uncertainty is judged by "
         "the placebo test. **Conclusion:** "
         + ("the gap is larger than in almost every placebo region." if sig else
            "the gap is no larger than those seen in placebo regions; the data show no effect distinguishable "
            "from ordinary variation."))
    if truth is not None:
        s += f" On these synthetic data the true mean gap is {n(truth)} points."
    return s
