"""Estimator and variance descriptions in the report's language.

Each estimator in :mod:`kinerja_research.stats` records in its provenance what it is
(``method``) and how its uncertainty was computed (``variance``), in English and with technical
shorthand (``rd``, ``CRV1``, ``cluster-robust by 'region_id' (CR0)``). A report shows them in its
own language: known estimator names come from :data:`ESTIMATORS`; variance descriptions are built
from a table of phrases (they are assembled by the estimators from parts, e.g. a
cluster name), so a new cluster column or bootstrap size needs no new entry.

>>> estimator_text("Callaway & Sant'Anna (2021) aggregated ATT", "id")
'ATT agregat Callaway & Sant’Anna (2021)'
>>> variance_text("influence function, analytic, cluster-robust by 'region_id' (CR0)", "id")
'fungsi pengaruh (analitik), robust terhadap klaster per daerah (CR0)'
>>> variance_text("CR1: CR1 cluster-robust", "en")
'CR1 cluster-robust'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["ESTIMATORS", "describe", "estimator_text", "variance_text"]

#: Estimator names (provenance ``method``) → text per language.
ESTIMATORS: dict[str, dict[str, str]] = {
    "Callaway & Sant'Anna (2021) aggregated ATT": {
        "id": "ATT agregat Callaway & Sant’Anna (2021)", "en": "Callaway & Sant’Anna (2021) aggregated ATT"},
    "Callaway & Sant'Anna (2021) group-time ATT": {
        "id": "ATT kelompok-waktu Callaway & Sant’Anna (2021)",
        "en": "Callaway & Sant’Anna (2021) group-time ATT"},
    "multilevel linear model (statsmodels MixedLM)": {
        "id": "model linear multilevel (statsmodels MixedLM)", "en": "multilevel linear model (statsmodels MixedLM)"},
    "Cronbach's alpha (Feldt F interval)": {
        "id": "Alpha Cronbach (interval F Feldt)", "en": "Cronbach’s alpha (Feldt F interval)"},
    "synthetic control (Abadie–Diamond–Hainmueller)": {
        "id": "kontrol sintetis (Abadie–Diamond–Hainmueller)", "en": "synthetic control (Abadie–Diamond–Hainmueller)"},
    "design diagnosis (Monte-Carlo simulation)": {
        "id": "diagnosis desain (simulasi Monte-Carlo)", "en": "design diagnosis (Monte-Carlo simulation)"},
    "rd": {"id": "regresi diskontinu tajam (polinomial lokal)",
           "en": "sharp regression discontinuity (local polynomial)"},
    "rd_density_test": {"id": "uji kepadatan di titik potong", "en": "density test at the cutoff"},
    "rd_placebo_cutoffs": {"id": "titik potong plasebo", "en": "placebo cutoffs"},
    "twfe": {"id": "efek tetap dua arah (TWFE)", "en": "two-way fixed effects (TWFE)"},
    "event_study": {"id": "studi peristiwa (TWFE)", "en": "event study (TWFE)"},
    "inverse probability weighting (Hájek)": {
        "id": "pembobotan probabilitas invers (Hájek)", "en": "inverse probability weighting (Hájek)"},
    "augmented IPW (doubly robust)": {"id": "IPW teraugmentasi (doubly robust)", "en": "augmented IPW (doubly robust)"},
    "regression adjustment": {"id": "penyesuaian regresi", "en": "regression adjustment"},
    "placebo treatment timing": {"id": "plasebo waktu perlakuan", "en": "placebo treatment timing"},
    "leave-one-out": {"id": "tinggalkan-satu-keluar", "en": "leave-one-out"},
    "refutation": {"id": "uji sanggahan", "en": "refutation"},
}

#: Column names that appear in variance descriptions (cluster variables).
_COLUMNS = {"region_id": {"id": "daerah", "en": "region"}, "unit_id": {"id": "unit", "en": "unit"},
            "province_id": {"id": "provinsi", "en": "province"}}


def _col(name: str, lang: str) -> str:
    return _COLUMNS.get(name, {}).get(lang, name)


# (pattern, id replacement, en replacement); applied in order. Replacements may use groups and
# the {col:…} hook (a cluster column, shown by its name in the language).
_PHRASES: list[tuple[str, str, str]] = [
    (r"^(?:NN|HC\d|CR\d): ", "", ""),  # rd prefixes its own shorthand to the description
    (r"influence function, analytic", "fungsi pengaruh (analitik)", "influence function (analytic)"),
    (r"cluster-robust by '(\w+)' \((CR\d)\)", r"robust terhadap klaster per {col:\1} (\2)",
     r"cluster-robust by {col:\1} (\2)"),
    (r"plug-in influence function \(nuisance models treated as known\)",
     "fungsi pengaruh plug-in (model nuisance dianggap diketahui)",
     "plug-in influence function (nuisance models treated as known)"),
    (r"clustered by '(\w+)' \(G/\(G-1\) factor\)", r"berklaster per {col:\1} (faktor G/(G−1))",
     r"clustered by {col:\1} (G/(G−1) factor)"),
    (r"nonparametric bootstrap, (\d+) draws, models refitted",
     r"bootstrap nonparametrik, \1 pengambilan, model diestimasi ulang",
     r"nonparametric bootstrap, \1 draws, models refitted"),
    (r"clusters of '(\w+)' resampled", r"klaster {col:\1} diambil ulang", r"clusters of {col:\1} resampled"),
    (r"^CRV(\d)$", r"robust terhadap klaster (CRV\1)", r"cluster-robust (CRV\1)"),
    (r"nearest-neighbour residuals \((\d+) neighbours\), heteroskedasticity-robust",
     r"residual tetangga terdekat (\1 tetangga), robust terhadap heteroskedastisitas",
     r"nearest-neighbour residuals (\1 neighbours), heteroskedasticity-robust"),
    (r"(HC\d) \(?heteroskedasticity-robust\)?", r"\1 (robust terhadap heteroskedastisitas)",
     r"\1 (heteroskedasticity-robust)"),
    (r"(CR\d) cluster-robust", r"\1 (robust terhadap klaster)", r"\1 cluster-robust"),
    (r"iid \(homoskedastic\)", "iid (homoskedastis)", "iid (homoskedastic)"),
    (r"model-based \(inverse information\), Wald z intervals for fixed effects",
     "berbasis model (invers matriks informasi), interval Wald z untuk efek tetap",
     "model-based (inverse information), Wald z intervals for fixed effects"),
    (r"Feldt \(1987\) F-based interval; F test of rho = 0", "interval Feldt (1987) berbasis uji F; uji F untuk rho = 0",
     "Feldt (1987) F-based interval; F test of rho = 0"),
    (r"none \(placebo-in-space permutation p-value\)",
     "tidak ada; ketidakpastian dari nilai p permutasi plasebo antar daerah",
     "none; uncertainty from the placebo-in-space permutation p-value"),
    (r"Monte-Carlo standard errors over simulations \(Morris et al\. 2019\)",
     "galat baku Monte-Carlo antar simulasi (Morris dkk. 2019)",
     "Monte-Carlo standard errors over simulations (Morris et al. 2019)"),
    (r"^none$", "tidak ada", "none"),
    (r"^not recorded$", "tidak tercatat", "not recorded"),
]

_COL_HOOK = re.compile(r"\{col:(\w+)\}")


def estimator_text(method: str, lang: str = "id") -> str:
    """The estimator's name in ``lang`` (the provenance text itself when it is not catalogued)."""
    return ESTIMATORS.get(method, {}).get(lang, method)


def variance_text(variance: str, lang: str = "id") -> str:
    """A variance description in ``lang``, translated phrase by phrase.

    Examples
    --------
    >>> variance_text("CRV1", "id")
    'robust terhadap klaster (CRV1)'
    >>> variance_text("nonparametric bootstrap, 99 draws, models refitted, clusters of 'unit_id' resampled", "id")
    'bootstrap nonparametrik, 99 pengambilan, model diestimasi ulang, klaster unit diambil ulang'
    """
    out = str(variance)
    pick = 1 if lang == "id" else 2
    for rule in _PHRASES:
        out = re.sub(rule[0], rule[pick], out)
    return _COL_HOOK.sub(lambda m: _col(m.group(1), lang), out)


def describe(provenance: Mapping[str, Any], fallback: str, lang: str = "id") -> tuple[str, str]:
    """(estimator, variance) of a result's provenance in ``lang``.

    The analytic variance is preferred where an estimator records both (the DiD's bootstrap is a
    second opinion shown elsewhere); a cluster named beside a bare ``CRV1`` is added to it.

    Examples
    --------
    >>> describe({"method": "twfe", "variance": "CRV1", "cluster": "region_id"}, "x", "id")
    ('efek tetap dua arah (TWFE)', 'robust terhadap klaster (CRV1) per daerah')
    """
    est = provenance.get("method") or provenance.get("estimator") or fallback
    var = provenance.get("variance_analytic") or provenance.get("variance") or "not recorded"
    text = variance_text(str(var), lang)
    cluster = provenance.get("cluster")
    if isinstance(cluster, str) and re.fullmatch(r"CRV\d", str(var)):
        text += (" per " if lang == "id" else " by ") + _col(cluster, lang)
    return estimator_text(str(est), lang), text
