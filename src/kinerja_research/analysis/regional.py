"""The periodic regional report: scorecard, trends, unit ranking, flags and a plain summary.

Everything ``notebooks/regional_report.ipynb`` shows comes from here (docs/guide/reports.md: notebooks hold
narrative and calls only). Each function takes the :class:`~kinerja_research.data.study.Study`,
a kabupaten/kota ``region`` (BPS code) and a ``period`` (year) and returns a DataFrame, a figure
or a string. Scores always go through :mod:`kinerja_research.scoring` (the versioned rubrics).

Scoring a period for every region is the expensive part, and 38 reports are forked from one
worker that already holds the study: the scored region-year and unit-year tables are cached per
process, keyed on the study's fingerprint (``study.meta["fingerprint"]``, else its identity) and
the two periods a report needs (``period`` and ``period - 1``). :func:`warm` fills the cache
before forking.

Displayed tables never carry a ``name``/``nama`` column (the privacy scan rejects them: unit
and region names are shown as ``unit`` / ``daerah``), never an NIP, and groups smaller than
``k`` are suppressed with :func:`kinerja_research.analysis.suppression.suppress_small`.

>>> import kinerja_research as kr
>>> study = kr.simulate("tiny")
>>> region = str(study.regions["region_id"].iloc[0])
>>> card = scorecard(study, region, 2024, lang="en")
>>> card.loc["ikm", "category"] in {"A", "B", "C", "D"}
True
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kinerja_research.analysis.panels import policy_start
from kinerja_research.analysis.sampling import DEFAULT_SERVICE_USERS, sample_check, unit_population
from kinerja_research.analysis.suppression import suppress_small
from kinerja_research.data.study import Study, covered_periods
from kinerja_research.scoring import ikm, score_study

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Service users per unit assumed when the data do not give them (the one SKM sample rule,
#: :mod:`kinerja_research.analysis.sampling`); pass real numbers through ``population=``.
DEFAULT_UNIT_POPULATION = DEFAULT_SERVICE_USERS

#: The policy code of performance contracts with rewards and sanctions (lelang kinerja).
LELANG_POLICY = "lelang_kinerja"

#: What a report says for a policy the region does not have.
NOT_APPLICABLE = {"id": "tidak berlaku", "en": "not applicable"}

LANGS = ("id", "en")

#: Scorecard rows: key → (label id, label en, value column, category column) of the region-year table.
_INDICATORS: dict[str, tuple[str, str, str, str | None]] = {
    "ip_asn": ("Indeks Profesionalitas ASN (rata-rata)", "Civil-service professionalism index (mean)",
               "ip_asn", "ip_asn_category"),
    "ikm": ("Indeks Kepuasan Masyarakat (IKM)", "Public satisfaction index (IKM)", "ikm", "mutu"),
    "sakip": ("Nilai SAKIP", "SAKIP score", "sakip_score", "sakip_grade"),
    "merit": ("Indeks sistem merit", "Merit-system index", "merit_score", "merit_category"),
    "ombudsman": ("Kepatuhan standar pelayanan (Ombudsman)", "Ombudsman service-standard compliance",
                  "ombudsman_score", "zone"),
    "disiplin_ringan": ("Pegawai dengan hukuman disiplin ringan (absen)", "Employees with a light sanction (absence)",
                        "disiplin_ringan", None),
    "disiplin_sedang": ("Pegawai dengan hukuman disiplin sedang (absen)", "Employees with a moderate sanction (absence)",
                        "disiplin_sedang", None),
    "disiplin_berat": ("Pegawai dengan hukuman disiplin berat (absen)", "Employees with a severe sanction (absence)",
                       "disiplin_berat", None),
    "reward": ("Unit mendapat penghargaan (lelang kinerja)", "Units rewarded (lelang kinerja)", "n_reward", None),
    "punishment": ("Unit mendapat sanksi (lelang kinerja)", "Units punished (lelang kinerja)", "n_punishment", None),
}

_HEAD = {
    "id": {"indicator": "indikator", "value": "nilai", "category": "kategori", "region": "daerah",
           "province": "provinsi", "previous": "periode_lalu", "change": "perubahan",
           "vs_province": "selisih_provinsi", "unit": "unit", "sector": "sektor", "rank": "peringkat",
           "kind": "jenis", "detail": "keterangan", "source": "sumber_kategori"},
    "en": {"indicator": "indicator", "value": "value", "category": "category", "region": "region",
           "province": "province", "previous": "previous_period", "change": "change",
           "vs_province": "vs_province", "unit": "unit", "sector": "sector", "rank": "rank",
           "kind": "kind", "detail": "detail", "source": "category_source"},
}

#: Where a scorecard category comes from: published with the score, or derived from it.
SOURCE_TEXT = {"id": {"published": "dipublikasikan", "derived": "dihitung dari skor"},
               "en": {"published": "published", "derived": "derived from the score"}}

#: Indicators whose category may arrive published: key → (source column, conflict column,
#: derived-label column, label name id, label name en).
_PUBLISHED = {"sakip": ("sakip_grade_source", "sakip_grade_conflict", "derived_sakip_grade",
                        "predikat SAKIP", "SAKIP grade"),
              "ombudsman": ("zone_source", "zone_conflict", "derived_zone",
                            "zona kepatuhan Ombudsman", "Ombudsman compliance zone")}


@dataclass(frozen=True)
class _Scored:
    """Scored tables for some periods of one study (aggregates only, no employee rows)."""

    regions: pd.DataFrame  # one row per kabupaten/kota region × period
    units: pd.DataFrame  # one row per service unit × period with SKM answers
    rubrics: tuple[dict[str, Any], ...]


# key → (study, scored); the study is kept so that an id() key cannot be reused by another object
_CACHE: OrderedDict[tuple[Any, ...], tuple[Study, _Scored]] = OrderedDict()
_CACHE_SIZE = 8


def _check(study: Any, region: Any, period: Any, lang: str = "id", k: int = 5) -> tuple[str, int]:
    if not isinstance(study, Study):
        raise TypeError(f"study must be a kinerja_research Study, not {type(study).__name__}")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, not {k!r}")
    if isinstance(period, bool) or not isinstance(period, int | np.integer):
        raise TypeError(f"period must be a year (int), not {type(period).__name__}")
    region = str(region)
    regs = study.regions
    local = regs.loc[regs["kind"].astype(str).isin(["kota", "kabupaten"]), "region_id"].astype(str)
    if region not in set(local):
        raise ValueError(f"region {region!r} is not a kabupaten/kota region_id of the study "
                         f"(e.g. {sorted(local)[:3]})")
    years = covered_periods(study)
    if int(period) not in years:
        raise ValueError(f"period {period!r} is not covered; the data cover {min(years)}–{max(years)}")
    return region, int(period)


def _unverified(meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rubric metadata as one entry per rubric id (``ombudsman_zone`` lists several ids at once)."""
    ids = meta.get("id")
    tables = list(meta.get("unverified_tables") or [])
    if not isinstance(ids, list):
        return [{"id": str(ids), "verified": bool(meta.get("verified", True)), "unverified_tables": tables}]
    out = []
    for rid in ids:
        mine = [t.split(":", 1)[1] for t in tables if t.startswith(f"{rid}:")]
        out.append({"id": str(rid), "verified": not mine, "unverified_tables": mine})
    return out


def _record(scored: _Scored) -> list[dict[str, Any]]:
    """Tell the report manifest which rubrics the figures came from (also when served from cache)."""
    from kinerja_research.provenance import record_rubric

    for r in scored.rubrics:
        record_rubric(r["id"], verified=r["verified"], unverified_tables=r["unverified_tables"])
    return [dict(r) for r in scored.rubrics]


def _counts(keys: pd.DataFrame, labels: np.ndarray, wanted: list[str], grid: pd.MultiIndex) -> pd.DataFrame:
    """Rows per (region, period) and label, for the ``wanted`` labels, zero where none."""
    frame = keys.assign(_label=labels)
    c = frame.groupby(["region_id", "period", "_label"], observed=True).size().unstack("_label")
    return c.reindex(index=grid, columns=wanted).fillna(0).astype(np.int64)


def _rubrics_of(meta: Any) -> list[dict[str, Any]]:
    """Rubric entries from a scored frame's ``attrs`` value (one metadata dict or a list of them)."""
    metas = meta if isinstance(meta, list) else [meta]
    return [r for m in metas if m for r in _unverified(m)]


def _derived_labels(inst: pd.DataFrame) -> dict[str, Any]:
    """The score's own band (``derived_sakip_grade``, ``derived_zone``) where a published label
    contradicts it, so that a report can say both; missing elsewhere."""
    from kinerja_research.scoring import ombudsman_zone, sakip_grade

    out: dict[str, Any] = {}
    if "sakip_grade_conflict" in inst.columns and "sakip_score" in inst.columns:
        derived = pd.Series(None, index=inst.index, dtype=object)
        hit = inst["sakip_grade_conflict"].fillna(False).astype(bool)
        for rubric, rows in inst.loc[hit].groupby("sakip_rubric", observed=True):
            g = sakip_grade(rows["sakip_score"].to_numpy(dtype=float), rubric=str(rubric))
            derived.loc[rows.index] = g["sakip_grade"].astype(object).to_numpy()
        out["derived_sakip_grade"] = derived
    if "ombudsman_zone_conflict" in inst.columns and "ombudsman_score" in inst.columns:
        hit = inst["ombudsman_zone_conflict"].fillna(False).astype(bool).to_numpy()
        derived = pd.Series(None, index=inst.index, dtype=object)
        if hit.any():
            z = ombudsman_zone(inst["ombudsman_score"].to_numpy(dtype=float)[hit], inst["year"].to_numpy()[hit])
            derived.loc[inst.index[hit]] = z["zone"].astype(object).to_numpy()
        out["derived_zone"] = derived
    return out


def _score(study: Study, periods: tuple[int, ...], population: Any) -> _Scored:
    """Region-year and unit-year tables from :func:`kinerja_research.scoring.score_study`.

    ``score_study`` runs on the study cut to ``periods`` (same rubrics in force per period, a
    fraction of the rows); this function only aggregates what it scored to regions and adds the
    region-wide IKM, the SKM sample rule and which regions have lelang kinerja.
    """
    units = study.units
    local = study.regions.loc[study.regions["kind"].astype(str).isin(["kota", "kabupaten"]),
                              ["region_id", "province_id"]].astype(str)
    region_of = pd.Series(units["region_id"].astype(str).to_numpy(), index=units["unit_id"].astype(str).to_numpy())
    grid = pd.MultiIndex.from_product([local["region_id"], list(periods)], names=["region_id", "period"])
    out = pd.DataFrame(index=grid)
    rubrics: list[dict[str, Any]] = []

    def cut(df: pd.DataFrame | None, col: str) -> pd.DataFrame | None:
        return None if df is None else df.loc[df[col].astype(int).isin(periods)]

    part = study.replace(employees=cut(study.employees, "period"),
                         skm_responses=cut(study.skm_responses, "period"),
                         unit_performance=cut(study.unit_performance, "period"),
                         institution_assessments=cut(study.institution_assessments, "year"))
    scored = score_study(part)

    # employees → IP ASN (mean per region) and absence sanctions (counts per level)
    if "ip_asn_regions" in scored:
        summ = scored["ip_asn_regions"]
        rubrics.extend(_rubrics_of(summ.attrs.get("rubric")))
        summ = summ.assign(region_id=summ["region_id"].astype(str),
                           period=summ["period"].astype(int)).set_index(["region_id", "period"])
        out["n_employees"] = summ["n"]
        out["ip_asn"] = summ["ip_asn"]
        out["ip_asn_category"] = summ["category"].astype(object)
    es = scored.get("employee_scores")
    if es is not None:
        rubrics.extend(_rubrics_of(es.attrs["rubrics"].get("ip_asn")))
    if es is not None and "absence_level" in es.columns:
        rubrics.extend(_rubrics_of(es.attrs["rubrics"].get("absence_sanction")))
        keys = pd.DataFrame({"region_id": es["unit_id"].astype(str).map(region_of).to_numpy(),
                             "period": es["period"].astype(int).to_numpy()})
        counts = _counts(keys, es["absence_level"].astype(object).to_numpy(), ["ringan", "sedang", "berat"], grid)
        for lvl in ("ringan", "sedang", "berat"):
            out[f"disiplin_{lvl}"] = counts[lvl].to_numpy()

    # SKM answers → IKM per region (all its answers) and per unit (score_study) with the sample rule
    resp = part.skm_responses
    by_unit = pd.DataFrame(columns=["unit_id", "period", "n", "ikm", "mutu", "population", "population_source",
                                    "sample_required", "below_sample_size", "region_id", "unit", "sector"])
    if "ikm" in scored:
        rubric = scored["ikm"].attrs["rubric"]
        rubrics.extend(_rubrics_of(rubric))
        resp = resp.assign(region_id=resp["unit_id"].astype(str).map(region_of))
        by_region = ikm(resp, by=["region_id", "period"], rubric=str(rubric["id"]))
        by_region = by_region.assign(period=by_region["period"].astype(int)).set_index(["region_id", "period"])
        out["n_responses"] = by_region["n"].reindex(grid).fillna(0).astype(np.int64).to_numpy()
        out["ikm"] = by_region["ikm"]
        out["mutu"] = by_region["mutu"].astype(object)
        u = scored["ikm"][["unit_id", "period", "n", "ikm", "mutu"]]
        u = sample_check(u.assign(unit_id=u["unit_id"].astype(str), period=u["period"].astype(int)),
                         unit_population(study, population))
        meta_u = units.assign(unit_id=units["unit_id"].astype(str), region_id=units["region_id"].astype(str))
        by_unit = u.merge(meta_u[["unit_id", "region_id", "name", "sector"]].rename(columns={"name": "unit"}),
                          on="unit_id", how="left")
        by_unit["mutu"] = by_unit["mutu"].astype(object)
        by_unit["sector"] = by_unit["sector"].astype(object)

    # region assessments → SAKIP grade (rubric in force each year), merit category, Ombudsman zone
    if "institution_scores" in scored:
        inst = scored["institution_scores"]
        for col in ("sakip_grade", "merit_category", "ombudsman_zone"):
            rubrics.extend(_rubrics_of(inst.attrs["rubrics"].get(col)))
        inst = inst.assign(region_id=inst["region_id"].astype(str), period=inst["year"].astype(int))
        inst = inst.assign(**_derived_labels(inst))
        keep = {"sakip_score": "sakip_score", "sakip_grade": "sakip_grade", "merit_score": "merit_score",
                "merit_category": "merit_category", "ombudsman_score": "ombudsman_score", "ombudsman_zone": "zone",
                "sakip_grade_source": "sakip_grade_source", "sakip_grade_conflict": "sakip_grade_conflict",
                "derived_sakip_grade": "derived_sakip_grade", "sakip_rubric": "sakip_rubric",
                "ombudsman_zone_source": "zone_source", "ombudsman_zone_conflict": "zone_conflict",
                "derived_zone": "derived_zone"}
        inst = inst.set_index(["region_id", "period"])[[c for c in keep if c in inst.columns]].rename(columns=keep)
        for c in ("sakip_grade_source", "zone_source", "derived_sakip_grade", "derived_zone"):
            if c in inst.columns:
                inst[c] = inst[c].astype(object)
        for c in ("sakip_grade", "merit_category", "zone"):
            if c in inst.columns:
                inst[c] = inst[c].astype(object)
        out = out.join(inst, how="left")

    # lelang kinerja: decisions taken on a period's achievement count only where the region's
    # lelang-kinerja scheme is in force when they apply (the next period); elsewhere not applicable
    start = policy_start(study, LELANG_POLICY)
    start = start.assign(unit_id=start["unit_id"].astype(str), region_id=start["region_id"].astype(str))
    unit_start = start.set_index("unit_id")["start"]
    region_start = start.loc[start["start"] > 0].groupby("region_id")["start"].min()
    rs = grid.get_level_values("region_id").map(region_start).to_numpy(dtype=float)
    out["lelang_in_force"] = ~np.isnan(rs) & (grid.get_level_values("period").to_numpy() + 1 >= np.nan_to_num(rs))
    for act in ("reward", "punishment", "target_met"):
        out[f"n_{act}"] = np.nan
    if "lelang_kinerja" in scored:
        lk = scored["lelang_kinerja"]
        rubrics_lk = _rubrics_of(lk.attrs.get("rubric"))
        us = lk["unit_id"].astype(str).map(unit_start).fillna(0).to_numpy()
        applies = (us > 0) & (lk["period"].astype(int).to_numpy() + 1 >= us)
        lk = lk.loc[applies]
        if len(lk):
            rubrics.extend(rubrics_lk)
        lk_keys = pd.DataFrame({"region_id": lk["unit_id"].astype(str).map(region_of).to_numpy(),
                                "period": lk["period"].astype(int).to_numpy()})
        acts = _counts(lk_keys, lk["action"].astype(object).to_numpy(), ["reward", "punishment", "target_met"], grid)
        for act in ("reward", "punishment", "target_met"):
            out[f"n_{act}"] = acts[act].astype(float).where(out["lelang_in_force"]).to_numpy()

    seen: dict[str, dict[str, Any]] = {}
    for r in rubrics:  # one entry per rubric: verified only if every use was, tables united
        prev = seen.setdefault(r["id"], {"id": r["id"], "verified": True, "unverified_tables": []})
        prev["verified"] = prev["verified"] and r["verified"]
        prev["unverified_tables"] = list(dict.fromkeys([*prev["unverified_tables"], *r["unverified_tables"]]))
    return _Scored(regions=out.reset_index(), units=by_unit, rubrics=tuple(seen.values()))


def _scored(study: Study, period: int, population: Any = None) -> _Scored:
    fp = study.meta.get("fingerprint") if isinstance(study.meta, Mapping) else None
    pop_key = population if isinstance(population, int | type(None)) else id(population)
    key = (fp or ("id", id(study)), period, pop_key)
    hit = _CACHE.get(key)
    if hit is not None and (fp is not None or hit[0] is study):
        _CACHE.move_to_end(key)
        return hit[1]
    scored = _score(study, (period - 1, period), population)
    _CACHE[key] = (study, scored)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return scored


def warm(study: Study, periods: Any = None) -> int:
    """Score ``periods`` (default: the latest two, as a report compares with the previous
    period) into the per-process cache; return how many.

    Call it in a report worker before forking, so that the forked reports share the scores.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> warm(kr.simulate("tiny"))
    2
    """
    if not isinstance(study, Study):
        raise TypeError(f"study must be a kinerja_research Study, not {type(study).__name__}")
    if periods is None:
        periods = covered_periods(study)[-2:]  # employees' and survey periods (national: SKM only after 2021)
    ps = [int(p) for p in np.atleast_1d(periods)]
    covered_periods(study)  # every report function checks its period against these
    for p in ps:
        _scored(study, p)
    return len(ps)


def _row(scored: _Scored, region: str, period: int) -> pd.Series | None:
    t = scored.regions
    hit = t.loc[(t["region_id"] == region) & (t["period"] == period)]
    return None if hit.empty else hit.iloc[0]


def region_label(study: Study, region: Any) -> str:
    """The region's name (``Kota Malang``), for headings; the region id when it has none.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> region_label(kr.simulate("tiny"), "3504")
    'Kabupaten Tulungagung'
    """
    regs = study.regions
    hit = regs.loc[regs["region_id"].astype(str) == str(region)]
    if hit.empty or "name" not in hit.columns or pd.isna(hit["name"].iloc[0]):
        return str(region)
    return str(hit["name"].iloc[0])


def scorecard(study: Study, region: Any, period: int, *, lang: str = "id",
              population: int | Mapping[str, int] | pd.DataFrame | None = None) -> pd.DataFrame:
    """The region's indicators for ``period``: value and official category.

    Parameters
    ----------
    study
        The loaded study.
    region
        A kabupaten/kota region_id (``"3573"``).
    period
        The report year.
    lang
        ``"id"`` or ``"en"``: row labels and column headers.
    population
        Service users per unit (an int for all, ``{unit_id: N}`` or a frame with ``unit_id``,
        ``population``); default the data's population column, else
        :data:`DEFAULT_UNIT_POPULATION` (:mod:`kinerja_research.analysis.sampling`). Only the
        flags use it.

    Returns
    -------
    pandas.DataFrame
        Indexed by indicator key (``ip_asn``, ``ikm``, ``sakip``, ``merit``, ``ombudsman``,
        ``disiplin_ringan`` … ``disiplin_berat``, ``reward``, ``punishment``); columns
        indicator label, value, category and where the category comes from
        (:data:`SOURCE_TEXT`: published with the score, or derived from it; headers in ``lang``).
        ``attrs["conflicts"]`` lists published labels that contradict their score's band
        (:func:`conflict_notes` says it in words). IP ASN is the mean of
        scored employees (``ip_asn_summary``), IKM is computed over all the region's SKM
        answers, discipline counts are employees whose unexcused absence carries that sanction
        level (PP 94/2021), reward/punishment count units by the lelang-kinerja decision taken
        on this period's achievement (applied next period) — only where the region has lelang
        kinerja in force then; elsewhere the value is missing and the category says
        "tidak berlaku" / "not applicable".

    Raises
    ------
    ValueError
        For an unknown region or period, or a bad ``lang``.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> scorecard(kr.simulate("tiny"), "3504", 2024, lang="en").columns.tolist()
    ['indicator', 'value', 'category', 'category_source']
    """
    region, period = _check(study, region, period, lang)
    sc = _scored(study, period, population)
    row = _row(sc, region, period)
    h = _HEAD[lang]
    recs = []
    lelang = row is not None and bool(row.get("lelang_in_force", False))
    conflicts = []
    for key, (lab_id, lab_en, val, cat) in _INDICATORS.items():
        value = np.nan if row is None or val not in row.index else row[val]
        # A table the period lacks (e.g. no employee records that year) leaves its columns out.
        category = (None if cat is None or row is None or cat not in row.index or pd.isna(row[cat])
                    else str(row[cat]))
        source = "derived" if category is not None else None
        if key in _PUBLISHED and category is not None and row is not None:
            src_col, conf_col, derived_col, name_id, name_en = _PUBLISHED[key]
            source = str(row[src_col]) if src_col in row.index and pd.notna(row[src_col]) else "derived"
            if conf_col in row.index and bool(pd.notna(row[conf_col]) and row[conf_col]):
                conflicts.append({"indicator": key, "label": name_id if lang == "id" else name_en,
                                  "published": category, "score": float(value) if pd.notna(value) else np.nan,
                                  "derived": row.get(derived_col)})
        if key in ("reward", "punishment") and not lelang:
            value, category, source = np.nan, NOT_APPLICABLE[lang], None
        recs.append({"key": key, h["indicator"]: lab_id if lang == "id" else lab_en,
                     h["value"]: float(value) if pd.notna(value) else np.nan, h["category"]: category,
                     h["source"]: SOURCE_TEXT[lang][source] if source else None})
    out = pd.DataFrame.from_records(recs).set_index("key")
    out.attrs["rubric"] = _record(sc)
    out.attrs["conflicts"] = conflicts
    return out


_CONFLICT_TEXT = {
    "id": ("{label} yang dipublikasikan, {published}, tidak sesuai dengan skornya ({score}): menurut rubrik, "
           "skor itu masuk kategori {derived}. Laporan ini memakai {label} yang dipublikasikan."),
    "en": ("The published {label}, {published}, contradicts its score ({score}): by the rubric, that score "
           "falls in {derived}. This report uses the published {label}."),
}


def conflict_notes(card: pd.DataFrame, lang: str = "id") -> list[str]:
    """Plain sentences for each published label in a :func:`scorecard` that contradicts the
    band its score falls in (empty when none does).

    Examples
    --------
    >>> import kinerja_research as kr
    >>> conflict_notes(scorecard(kr.simulate("tiny"), "3504", 2024))
    []
    """
    from kinerja_research.analysis.i18n import gloss

    out = []
    for c in card.attrs.get("conflicts", []):
        derived = c["derived"] if isinstance(c["derived"], str) else ("–" if lang == "id" else "no band")
        text = _CONFLICT_TEXT[lang].format(label=c["label"], published=gloss(c["published"], lang),
                                           score=_fmt(c["score"], lang, 2), derived=gloss(derived, lang))
        out.append(text[:1].upper() + text[1:])  # a sentence, also when the label starts it
    return out


def trends(study: Study, region: Any, period: int, *, lang: str = "id") -> pd.DataFrame:
    """The region's numeric indicators against the province mean and the previous period.

    The province value is the unweighted mean over the province's kabupaten/kota regions (each
    region counts once, whatever its size).

    Returns
    -------
    pandas.DataFrame
        Indexed by indicator key; columns indicator label, region value, province mean,
        previous-period value, change since then and difference to the province.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> t = trends(kr.simulate("tiny"), "3504", 2024, lang="en")
    >>> t.columns.tolist()
    ['indicator', 'region', 'province', 'previous_period', 'change', 'vs_province']
    """
    region, period = _check(study, region, period, lang)
    sc = _scored(study, period)
    _record(sc)
    t = sc.regions
    h = _HEAD[lang]
    cols = [v[2] for v in _INDICATORS.values()]
    cols_present = [c for c in cols if c in t.columns]
    prov_id = region[:2]
    same_prov = t["region_id"].str[:2] == prov_id
    now = t.loc[same_prov & (t["period"] == period), cols_present].astype(float)
    here = t.loc[(t["region_id"] == region) & (t["period"] == period), cols_present].astype(float)
    before = t.loc[(t["region_id"] == region) & (t["period"] == period - 1), cols_present].astype(float)
    recs = []
    for key, (lab_id, lab_en, val, _) in _INDICATORS.items():
        v = here[val].iloc[0] if val in here.columns and len(here) else np.nan
        p = now[val].mean() if val in now.columns else np.nan
        b = before[val].iloc[0] if val in before.columns and len(before) else np.nan
        recs.append({"key": key, h["indicator"]: lab_id if lang == "id" else lab_en, h["region"]: v,
                     h["province"]: p, h["previous"]: b, h["change"]: v - b, h["vs_province"]: v - p})
    return pd.DataFrame.from_records(recs).set_index("key")


def trend_figure(study: Study, region: Any, period: int, *, lang: str = "id") -> Figure:
    """Bars of the region's scores (IP ASN, IKM, SAKIP, Ombudsman) this period, the previous
    period and the province mean (all on 0–100 scales).

    Examples
    --------
    >>> import kinerja_research as kr
    >>> fig = trend_figure(kr.simulate("tiny"), "3504", 2024)
    >>> len(fig.axes)
    1
    """
    import matplotlib.pyplot as plt

    t = trends(study, region, period, lang=lang)
    h = _HEAD[lang]
    keys = ["ip_asn", "ikm", "sakip", "ombudsman"]
    sub = t.loc[keys]
    labels = {"id": {"ip_asn": "IP ASN", "ikm": "IKM", "sakip": "SAKIP", "ombudsman": "Ombudsman"},
              "en": {"ip_asn": "IP ASN", "ikm": "IKM", "sakip": "SAKIP", "ombudsman": "Ombudsman"}}[lang]
    series = [(h["region"], f"{period}", "#1f77b4"), (h["previous"], f"{period - 1}", "#aec7e8"),
              (h["province"], "provinsi" if lang == "id" else "province", "#7f7f7f")]
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    x = np.arange(len(keys))
    for i, (col, lab, color) in enumerate(series):
        ax.bar(x + (i - 1) * 0.27, sub[col].to_numpy(dtype=float), width=0.27, label=lab, color=color)
    ax.set_xticks(x, [labels[k] for k in keys])
    ax.set_ylim(0, 100)
    ax.set_ylabel("skor (0–100)" if lang == "id" else "score (0–100)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_title(f"{region_label(study, region)}: "
                 + (f"skor {period}, {period - 1} dan rata-rata provinsi" if lang == "id"
                    else f"scores {period}, {period - 1} and the province mean"))
    fig.tight_layout()
    plt.close(fig)  # returned, shown once by the notebook's display, not twice
    return fig


def unit_ranking(study: Study, region: Any, period: int, *, k: int = 5, lang: str = "id",
                 population: int | Mapping[str, int] | pd.DataFrame | None = None) -> pd.DataFrame:
    """The region's service units ranked by IKM, with respondents; units with n < k suppressed.

    Returns
    -------
    pandas.DataFrame
        Columns unit, sector, rank, n, ikm, mutu, sample_required, below_sample_size and
        ``suppressed`` (headers in ``lang`` for unit/sector/rank). Suppressed units keep their
        name but show no values and no rank; they are listed last.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> r = unit_ranking(kr.simulate("tiny"), "3504", 2024, k=5, lang="en")
    >>> "name" in r.columns
    False
    """
    region, period = _check(study, region, period, lang, k)
    sc = _scored(study, period, population)
    _record(sc)
    u = sc.units
    u = u.loc[(u["region_id"] == region) & (u["period"] == period),
              ["unit", "sector", "n", "ikm", "mutu", "sample_required", "below_sample_size"]]
    u = suppress_small(u.reset_index(drop=True), count_col="n", k=k,
                       value_cols=["n", "ikm", "mutu", "sample_required", "below_sample_size"])
    u = u.sort_values(["suppressed", "ikm"], ascending=[True, False], na_position="last", kind="stable")
    rank = u["ikm"].rank(ascending=False, method="min")
    u.insert(2, "rank", pd.array(rank.to_numpy(), dtype="Float64").astype("Int64"))
    h = _HEAD[lang]
    return u.rename(columns={"unit": h["unit"], "sector": h["sector"], "rank": h["rank"]}).reset_index(drop=True)


_FLAG_TEXT = {
    "sample": {"id": "sampel SKM {n} di bawah minimum {req} (populasi {pop})",
               "en": "SKM sample {n} below the minimum {req} (population {pop})"},
    "sample_small": {"id": "sampel SKM di bawah minimum {req} (kurang dari {k} responden, angka disembunyikan)",
                     "en": "SKM sample below the minimum {req} (fewer than {k} respondents, figure withheld)"},
    "rubric": {"id": "tabel rubrik belum terverifikasi: {tables}",
               "en": "rubric tables not yet verified: {tables}"},
    "kind_sample": {"id": "sampel SKM", "en": "SKM sample"},
    "kind_rubric": {"id": "rubrik", "en": "rubric"},
    "kind_published": {"id": "label dipublikasikan", "en": "published label"},
}


def flags(study: Study, region: Any, period: int, *, k: int = 5, lang: str = "id",
          population: int | Mapping[str, int] | pd.DataFrame | None = None) -> pd.DataFrame:
    """What the reader must keep in mind: small SKM samples, unverified rubric tables and
    published labels that contradict their score (:func:`conflict_notes`).

    A unit is flagged when its questionnaires number fewer than ``skm_sample_size`` of its
    population (default :data:`DEFAULT_UNIT_POPULATION` users per unit). Units with fewer than
    ``k`` questionnaires are flagged without their count.

    Returns
    -------
    pandas.DataFrame
        Columns kind, subject (unit or rubric id) and detail, headers in ``lang``.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> f = flags(kr.simulate("tiny"), "3504", 2024, lang="en")
    >>> sorted(set(f["kind"]))
    ['SKM sample', 'rubric']
    """
    region, period = _check(study, region, period, lang, k)
    sc = _scored(study, period, population)
    _record(sc)
    u = sc.units
    u = u.loc[(u["region_id"] == region) & (u["period"] == period) & u["below_sample_size"].astype(bool)]
    h = _HEAD[lang]
    recs = []
    for unit, n, req, pop in zip(u["unit"], u["n"], u["sample_required"], u["population"], strict=True):
        text = (_FLAG_TEXT["sample"][lang].format(n=int(n), req=int(req), pop=_fmt(pop, lang, 0)) if n >= k
                else _FLAG_TEXT["sample_small"][lang].format(req=int(req), k=k))
        recs.append({h["kind"]: _FLAG_TEXT["kind_sample"][lang], h["unit"]: str(unit), h["detail"]: text})
    for r in sc.rubrics:
        if not r["verified"]:
            recs.append({h["kind"]: _FLAG_TEXT["kind_rubric"][lang], h["unit"]: r["id"],
                         h["detail"]: _FLAG_TEXT["rubric"][lang].format(tables=", ".join(r["unverified_tables"]))})
    card = scorecard(study, region, period, lang=lang, population=population)
    for c, note in zip(card.attrs.get("conflicts", []), conflict_notes(card, lang), strict=True):
        recs.append({h["kind"]: _FLAG_TEXT["kind_published"][lang], h["unit"]: c["label"], h["detail"]: note})
    return pd.DataFrame.from_records(recs, columns=[h["kind"], h["unit"], h["detail"]])


def _fmt(x: float, lang: str, digits: int = 1) -> str:
    if pd.isna(x):
        return "–"
    s = f"{x:,.{digits}f}"
    # Indonesian writes 1.234,5
    return s.replace(",", "_").replace(".", ",").replace("_", ".") if lang == "id" else s


def summary_text(study: Study, region: Any, period: int, *, lang: str = "id", k: int = 5,
                 population: int | Mapping[str, int] | pd.DataFrame | None = None) -> str:
    """A plain-language paragraph on the region's period, in Bahasa Indonesia or English.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> summary_text(kr.simulate("tiny"), "3504", 2024, lang="en").startswith("In 2024, Kabupaten")
    True
    """
    region, period = _check(study, region, period, lang, k)
    t = trends(study, region, period, lang=lang)
    card = scorecard(study, region, period, lang=lang, population=population)
    h = _HEAD[lang]
    fl = flags(study, region, period, k=k, lang=lang, population=population)
    n_small = int((fl[h["kind"]] == _FLAG_TEXT["kind_sample"][lang]).sum())
    n_rubric = int((fl[h["kind"]] == _FLAG_TEXT["kind_rubric"][lang]).sum())
    name = region_label(study, region)

    def cmp(key: str) -> str:
        d = t.loc[key, h["vs_province"]]
        if pd.isna(d):
            return ""
        if lang == "id":
            return "di atas" if d > 0 else ("di bawah" if d < 0 else "sama dengan")
        return "above" if d > 0 else ("below" if d < 0 else "equal to")

    def trend(key: str) -> str:
        d = t.loc[key, h["change"]]
        if pd.isna(d):
            return "tanpa pembanding tahun lalu" if lang == "id" else "no previous year to compare"
        if lang == "id":
            return f"{'naik' if d > 0 else 'turun' if d < 0 else 'tetap'} {_fmt(abs(d), lang)} poin dari {period - 1}"
        return f"{'up' if d > 0 else 'down' if d < 0 else 'unchanged'} {_fmt(abs(d), lang)} points from {period - 1}"

    from kinerja_research.analysis.i18n import gloss

    v = card[h["value"]]
    has_staff = pd.notna(v["ip_asn"]) and pd.notna(v["disiplin_berat"])
    # English readers get the official Indonesian labels with their meaning ("Buruk (bad)")
    c = card[h["category"]].map(lambda x: gloss(x, lang) if isinstance(x, str) else x)
    if lang == "id":
        parts = [
            f"Pada {period}, {name} memperoleh IKM {_fmt(v['ikm'], lang, 2)} (mutu {c['ikm'] or '–'}), "
            f"{cmp('ikm')} rata-rata provinsi ({_fmt(t.loc['ikm', h['province']], lang, 2)}) dan {trend('ikm')}.",
            (f"Rata-rata IP ASN {_fmt(v['ip_asn'], lang)} ({c['ip_asn'] or '–'}), {cmp('ip_asn')} rata-rata provinsi."
             if has_staff else f"Data pegawai {period} tidak tersedia, sehingga IP ASN dan disiplin tidak dilaporkan."),
            f"Predikat SAKIP {c['sakip'] or '–'}, sistem merit kategori {c['merit'] or '–'}, "
            f"zona kepatuhan Ombudsman {c['ombudsman'] or '–'}.",
            (f"Lelang kinerja: {int(v['reward'])} unit mendapat penghargaan dan {int(v['punishment'])} unit sanksi; "
             if pd.notna(v["reward"]) else f"Lelang kinerja tidak berlaku di {name} pada {period}; ")
            + (f"{int(v['disiplin_berat'])} pegawai tercatat absen hingga tingkat hukuman disiplin berat."
               if has_staff else "data disiplin pegawai tidak tersedia."),
        ]
        parts.extend(conflict_notes(card, lang))
        if n_small:
            parts.append(f"Perhatian: {n_small} unit memiliki sampel SKM di bawah ukuran minimum, "
                         "sehingga IKM unit tersebut perlu dibaca hati-hati.")
        if n_rubric:
            parts.append(f"{n_rubric} rubrik yang dipakai memuat tabel yang belum terverifikasi.")
    else:
        parts = [
            f"In {period}, {name} scored an IKM of {_fmt(v['ikm'], lang, 2)} (grade {c['ikm'] or '–'}), "
            f"{cmp('ikm')} the province mean ({_fmt(t.loc['ikm', h['province']], lang, 2)}) and {trend('ikm')}.",
            (f"Mean IP ASN was {_fmt(v['ip_asn'], lang)}, category {c['ip_asn'] or '–'}, {cmp('ip_asn')} the province mean."
             if has_staff else f"No employee records for {period}, so IP ASN and discipline are not reported."),
            f"SAKIP grade {c['sakip'] or '–'}, merit-system category {c['merit'] or '–'}, "
            f"Ombudsman compliance zone {c['ombudsman'] or '–'}.",
            (f"Lelang kinerja: {int(v['reward'])} units were rewarded and {int(v['punishment'])} punished; "
             if pd.notna(v["reward"]) else f"{name} had no lelang-kinerja scheme in force in {period}; ")
            + (f"{int(v['disiplin_berat'])} employees were absent enough for a severe disciplinary sanction."
               if has_staff else "no employee discipline records."),
        ]
        parts.extend(conflict_notes(card, lang))
        if n_small:
            parts.append(f"Caution: {n_small} units have SKM samples below the minimum size, "
                         "so their IKM should be read with care.")
        if n_rubric:
            parts.append(f"{n_rubric} of the rubrics used contain tables not yet verified.")
    return " ".join(parts)


_VIEW = {
    "title": {"id": "Laporan Kinerja {name} {period}", "en": "Performance Report {name} {period}"},
    "ranking_missing": {"id": "kurang dari {k} responden, angka disembunyikan",
                        "en": "fewer than {k} respondents, figures withheld"},
    "card_missing": {"id": "tidak tersedia atau tidak berlaku", "en": "not available or not applicable"},
}


def warm_imports() -> None:
    """What a regional report loads on first use, imported before a report worker forks: the
    notebook set-up's dependencies and the reader tables (see
    :func:`kinerja_research.analysis.notebook.warm_imports`)."""
    from kinerja_research.analysis.notebook import warm_imports as notebook_warm_imports

    notebook_warm_imports()


def heading(study: Study, region: Any, period: int, *, lang: str = "id") -> str:
    """The report's level-1 heading (markdown): region name and period, in ``lang``.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> heading(kr.simulate("tiny"), "3504", 2024, lang="en")
    '# Performance Report Kabupaten Tulungagung 2024'
    """
    region, period = _check(study, region, period, lang)
    return "# " + _VIEW["title"][lang].format(name=region_label(study, region), period=period)


def scorecard_view(study: Study, region: Any, period: int, *, lang: str = "id",
                   population: Any = None) -> Any:
    """:func:`scorecard` as a reader's table: counts without decimals, categories coloured."""
    from kinerja_research.analysis.tables import styled

    card = scorecard(study, region, period, lang=lang, population=population)
    h = _HEAD[lang]
    digits = {"ip_asn": 1, "ikm": 2, "sakip": 2, "merit": 1, "ombudsman": 2}
    shown = card.copy()
    shown[h["value"]] = [_fmt(v, lang, digits.get(key, 0)) for key, v in card[h["value"]].items()]
    shown[h["category"]] = card[h["category"]].where(card[h["category"]].notna(), "")
    shown[h["source"]] = card[h["source"]].where(card[h["source"]].notna(), "")
    headers = {c: c.replace("_", " ").capitalize() for c in shown.columns}
    notes = conflict_notes(card, lang)
    return styled(shown, lang=lang, bands=[h["category"]], headers=headers,
                  caption=" ".join(notes) or None, missing=_VIEW["card_missing"][lang])


def trends_view(study: Study, region: Any, period: int, *, lang: str = "id") -> Any:
    """:func:`trends` as a reader's table (one decimal; what a dash means is said)."""
    from kinerja_research.analysis.tables import styled

    t = trends(study, region, period, lang=lang)
    h = _HEAD[lang]
    # counts of employees or units are whole numbers in the region; the province value is a
    # mean over regions and keeps a decimal
    counts = {"disiplin_ringan", "disiplin_sedang", "disiplin_berat", "reward", "punishment"}
    means = {h["province"], h["vs_province"]}
    digits = {"ikm": 2}
    shown = t.astype(object)
    for key in t.index:
        for col in t.columns[1:]:
            v = t.loc[key, col]
            d = 0 if key in counts and col not in means else digits.get(str(key), 1)
            shown.loc[key, col] = None if pd.isna(v) else _fmt(float(v), lang, d)
    headers = {c: c.replace("_", " ").capitalize() for c in t.columns}
    return styled(shown, lang=lang, headers=headers, missing=_VIEW["card_missing"][lang])


def ranking_view(study: Study, region: Any, period: int, *, k: int = 5, lang: str = "id",
                 population: Any = None) -> Any:
    """:func:`unit_ranking` as a reader's table: rank, unit, sector, respondents, IKM, grade, minimum sample."""
    from kinerja_research.analysis.tables import styled

    r = unit_ranking(study, region, period, k=k, lang=lang, population=population)
    h = _HEAD[lang]
    cols = [h["rank"], h["unit"], h["sector"], "n", "ikm", "mutu", "sample_required", "below_sample_size"]
    shown = r[cols].astype({"n": "Float64", "sample_required": "Float64"}).astype(object)
    shown = shown.where(pd.notna(shown), None)
    from kinerja_research.analysis.i18n import code_label

    shown[h["sector"]] = [None if v is None else code_label("sector", v, lang) for v in shown[h["sector"]]]
    names = {"id": {"n": "Responden", "ikm": "IKM", "mutu": "Mutu", "sample_required": "Sampel minimum",
                    "below_sample_size": "Di bawah minimum"},
             "en": {"n": "Respondents", "ikm": "IKM", "mutu": "Grade", "sample_required": "Minimum sample",
                    "below_sample_size": "Below minimum"}}[lang]
    headers = {h["rank"]: h["rank"].capitalize(), h["unit"]: h["unit"].capitalize(),
               h["sector"]: h["sector"].capitalize(), **names}
    for c in (h["rank"], "n", "sample_required"):
        shown[c] = [None if v is None else int(v) for v in shown[c]]
    return styled(shown, lang=lang, bands=["mutu"], headers=headers,
                  missing=_VIEW["ranking_missing"][lang].format(k=k))


def flags_view(study: Study, region: Any, period: int, *, k: int = 5, lang: str = "id",
               population: Any = None) -> Any:
    """:func:`flags` as a reader's table."""
    from kinerja_research.analysis.tables import styled

    f = flags(study, region, period, k=k, lang=lang, population=population)
    h = _HEAD[lang]
    headers = {c: c.capitalize() for c in f.columns}
    headers[h["unit"]] = "Unit, rubrik atau indikator" if lang == "id" else "Unit, rubric or indicator"
    return styled(f.assign(**{h["kind"]: f[h["kind"]].str.capitalize()}), lang=lang, headers=headers)


__all__ = ["DEFAULT_UNIT_POPULATION", "LELANG_POLICY", "NOT_APPLICABLE", "SOURCE_TEXT", "conflict_notes", "flags", "flags_view", "heading",
           "ranking_view", "region_label", "scorecard", "scorecard_view", "summary_text", "trend_figure",
           "trends", "trends_view", "unit_ranking", "warm", "warm_imports"]
