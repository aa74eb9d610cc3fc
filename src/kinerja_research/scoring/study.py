"""Score a whole :class:`~kinerja_research.data.study.Study` with the rubrics in force.

``score_study`` is what ``kinerja score DIR`` runs: one scored table per level (employee-period,
unit-period, region-year), each carrying the rubrics it used in ``attrs``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.data.study import Study
from kinerja_research.rubrics import Rubric, for_date, load
from kinerja_research.scoring._inputs import assemble, float_values, require_frame
from kinerja_research.scoring._published import with_published
from kinerja_research.scoring.achievement import achievement, lelang_kinerja
from kinerja_research.scoring.discipline import DEFAULT_RUBRIC as DISCIPLINE_RUBRIC
from kinerja_research.scoring.discipline import LEVELS, absence_codes, level_lut
from kinerja_research.scoring.ikm import ikm
from kinerja_research.scoring.ip_asn import DEFAULT_RUBRIC as IP_ASN_RUBRIC
from kinerja_research.scoring.ip_asn import _ip_asn, ip_asn_summary
from kinerja_research.scoring.jpm import DEFAULT_RUBRIC as JPM_RUBRIC
from kinerja_research.scoring.merit import merit_category
from kinerja_research.scoring.ombudsman import ombudsman_zone
from kinerja_research.scoring.skp import DEFAULT_2022_RUBRIC as SKP_2022_RUBRIC
from kinerja_research.scoring.skp import category_codes_for


def _skp_codes(x: np.ndarray, rb: Rubric) -> tuple[np.ndarray, pd.CategoricalDtype, dict[str, Any]]:
    codes, dtype, _, used = category_codes_for(x, rb)
    return codes, dtype, rb.metadata(used)


def _band_codes(x: np.ndarray, rb: Rubric) -> tuple[np.ndarray, pd.CategoricalDtype, dict[str, Any]]:
    bt = rb.band_table()
    assert rb.default_table is not None  # band_table() above refused a rubric without one
    return bt.codes(x, snap_decimals=rb.snap_decimals), bt.dtype(), rb.metadata([rb.default_table])


def _by_period(
    values: np.ndarray, periods: np.ndarray | None, kind: str, score: Any,
) -> tuple[pd.Categorical, pd.Categorical, list[dict[str, Any]]]:
    """Classify ``values`` with the ``kind`` rubric in force in each row's period.

    Returns the labels (union of the rubrics' labels, unordered since scales differ), the rubric
    id per row and the rubrics' metadata. Rows whose period has no numeric rubric stay missing.
    Works on category codes throughout: no per-row strings.
    """
    n = len(values)
    codes = np.full(n, -1, dtype=np.int16)
    id_codes = np.full(n, -1, dtype=np.int16)
    cats: list[str] = []
    ids: list[str] = []
    meta: list[dict[str, Any]] = []
    if periods is not None:
        # periods are years: find the rubric of each distinct year, then score once per rubric
        if np.issubdtype(np.asarray(periods).dtype, np.integer):  # the usual case: no missing years
            p = np.asarray(periods)
            ok = np.ones(len(p), dtype=bool)
        else:
            p = pd.Series(periods).to_numpy(dtype=float, na_value=np.nan)
            ok = ~np.isnan(p)
        if ok.any():
            every = bool(ok.all())
            p0 = int(p.min() if every else p[ok].min())
            rel = (p - p0).astype(np.int64, copy=False) if every else np.where(ok, p - p0, -1).astype(np.int64)
            present = np.flatnonzero(np.bincount(rel if every else rel[ok]))
            rubric_of = np.full(int(present[-1]) + 2, -1, dtype=np.int16)  # last slot: missing period
            chosen: list[Any] = []
            for k in present:
                try:
                    rb = for_date(kind, p0 + int(k))
                except LookupError:
                    continue
                if rb.default_table is None:  # e.g. the 2022 predicate matrix: no numeric scale
                    continue
                if rb not in chosen:
                    chosen.append(rb)
                rubric_of[k] = chosen.index(rb)
            row_rubric = rubric_of[rel]
            for r_index, rb in enumerate(chosen):
                sel = row_rubric == r_index
                # one rubric for every row (a single-year file): no gather and scatter needed
                sel = slice(None) if len(present) == 1 and every else sel
                sub, dtype, rb_meta = score(values[sel], rb)
                for c in dtype.categories:
                    if c not in cats:
                        cats.append(c)
                remap = np.array([cats.index(c) for c in dtype.categories] + [-1], dtype=np.int16)
                codes[sel] = remap[sub]
                ids.append(rb.id)
                meta.append(rb_meta)
                id_codes[sel] = r_index
    return (pd.Categorical.from_codes(codes, categories=cats, validate=False),
            pd.Categorical.from_codes(id_codes, categories=ids, validate=False), meta)


def score_employees(employees: pd.DataFrame) -> pd.DataFrame:
    """All employee-level scores in one frame: IP ASN, SKP, discipline ladder, JPM.

    Parameters
    ----------
    employees
        The contract's employees table.

    Returns
    -------
    pandas.DataFrame
        :func:`~kinerja_research.scoring.ip_asn` output plus, where their inputs exist,
        ``predikat`` (Permenpan 6/2022), ``skp_value`` / ``skp_category`` / ``skp_rubric`` (the
        numeric rule in force in the row's period), ``days_absent`` / ``absence_level`` /
        ``absence_sanction`` (PP 94/2021) and ``jpm`` / ``jpm_category``.
        ``attrs["rubrics"]`` maps each scored column to its rubric metadata.

    Examples
    --------
    >>> df = pd.DataFrame({"employee_id": ["e1"], "period": [2020], "position_type": ["fungsional"],
    ...                    "education_level": ["s2"], "functional_training": [True],
    ...                    "technical_training_hours": [30.0], "seminar": [False], "skp_value": [88.0],
    ...                    "discipline_level": ["none"], "days_absent": [4], "jpm": [91.0]})
    >>> score_employees(df)[["ip_asn", "skp_category", "absence_level", "jpm_category"]].to_dict("records")
    [{'ip_asn': 80.0, 'skp_category': 'Baik', 'absence_level': 'ringan', 'jpm_category': 'Optimal'}]
    """
    require_frame(employees, "employees", ["education_level", "position_type"])
    skp_rb = load(SKP_2022_RUBRIC)
    base, predikat = _ip_asn(employees, load(IP_ASN_RUBRIC), skp_rb)
    rubrics: dict[str, Any] = {"ip_asn": base.attrs["rubric"]}
    out: dict[str, Any] = {}
    if {"rating_hasil_kerja", "rating_perilaku_kerja"} <= set(employees.columns):
        out["predikat"] = predikat  # the same matrix skp_predikat applies, computed once
        rubrics["predikat"] = skp_rb.metadata(["predikat"])
    if "skp_value" in employees.columns:
        x = float_values(employees["skp_value"], "skp_value", minimum=0, maximum=120)
        periods = employees["period"].to_numpy() if "period" in employees.columns else None
        cat, ids, meta = _by_period(x, periods, "skp", _skp_codes)
        out["skp_value"] = x
        out["skp_category"] = cat
        out["skp_rubric"] = ids
        rubrics["skp_category"] = meta
    if "days_absent" in employees.columns:
        rb = load(DISCIPLINE_RUBRIC)
        d = float_values(employees["days_absent"], "days_absent", minimum=0)
        cons = (float_values(employees["consecutive_days_absent"], "consecutive_days_absent", minimum=0)
                if "consecutive_days_absent" in employees.columns else None)
        codes = absence_codes(d, cons, rb)
        out["days_absent"] = d
        out["absence_level"] = pd.Categorical.from_codes(
            level_lut(rb)[codes], dtype=pd.CategoricalDtype(list(LEVELS), ordered=True),
            validate=False)
        out["absence_sanction"] = rb.band_table("absence").labels_from_codes(codes)
        rubrics["absence_sanction"] = rb.metadata(["absence", "consecutive"])
    if "jpm" in employees.columns:
        rb = load(JPM_RUBRIC)
        x = float_values(employees["jpm"], "jpm", minimum=0)
        bt = rb.band_table()
        out["jpm"] = x
        out["jpm_category"] = bt.labels_from_codes(bt.codes(x, snap_decimals=rb.snap_decimals))
        assert rb.default_table is not None  # band_table() above refused a rubric without one
        rubrics["jpm_category"] = rb.metadata([rb.default_table])
    scored = assemble(base, out)
    scored.attrs = {"rubrics": rubrics}
    return scored


def _institution_scores(assessments: pd.DataFrame) -> pd.DataFrame:
    """SAKIP grade, merit category and Ombudsman zone by region-year.

    A label the contract carries as published (``sakip_grade``, ``ombudsman_zone``) is used as
    it is; ``<label>_source`` says for each row whether the label was published or derived from
    the score, and ``<label>_conflict`` where a published label contradicts the score's band.
    """
    keys = [c for c in ("region_id", "year") if c in assessments.columns]
    out = assessments[keys].copy()
    rubrics: dict[str, Any] = {}
    years = assessments["year"].to_numpy() if "year" in assessments.columns else None
    sources = pd.CategoricalDtype(["published", "derived"])
    if "sakip_score" in assessments.columns or "sakip_grade" in assessments.columns:
        x = (float_values(assessments["sakip_score"], "sakip_score", minimum=0, maximum=100)
             if "sakip_score" in assessments.columns else np.full(len(assessments), np.nan))
        cat, ids, meta = _by_period(x, years, "sakip", _band_codes)
        labels = list(cat.categories) or list(load("sakip/permenpan-88-2021").band_table("predikat").labels)
        label, source, conflict = with_published(
            cat, assessments["sakip_grade"] if "sakip_grade" in assessments.columns else None,
            labels, "sakip_grade")
        if "sakip_score" in assessments.columns:
            out["sakip_score"] = x
        out["sakip_grade"], out["sakip_rubric"] = label, ids
        out["sakip_grade_source"] = pd.Categorical(source, dtype=sources)
        out["sakip_grade_conflict"] = conflict
        rubrics["sakip_grade"] = meta
    if "merit_score" in assessments.columns:
        m = merit_category(assessments["merit_score"])
        out["merit_score"] = m["merit_score"].to_numpy()
        out["merit_category"] = m["merit_category"].array
        out["merit_code"] = m["merit_code"].array
        rubrics["merit_category"] = m.attrs["rubric"]
    has_score = "ombudsman_score" in assessments.columns
    if (has_score or "ombudsman_zone" in assessments.columns) and years is not None:
        score = (assessments["ombudsman_score"].to_numpy(dtype=float, na_value=np.nan) if has_score
                 else np.full(len(assessments), np.nan))
        published = (assessments["ombudsman_zone"].to_numpy(dtype=object, na_value=None)
                     if "ombudsman_zone" in assessments.columns else None)
        o = ombudsman_zone(score, years, published=published)
        if has_score:
            out["ombudsman_score"] = o["ombudsman_score"].to_numpy()
        out["ombudsman_zone"] = o["zone"].array
        out["ombudsman_category"] = o["category"].array
        out["ombudsman_zone_source"] = o["zone_source"].array
        out["ombudsman_zone_conflict"] = o["zone_conflict"].to_numpy()
        rubrics["ombudsman_zone"] = o.attrs["rubric"]
    out.attrs = {"rubrics": rubrics}
    return out


def score_study(study: Study) -> dict[str, pd.DataFrame]:
    """Score every table of a study with the rubrics in force; what ``kinerja score`` writes.

    Parameters
    ----------
    study
        A real or synthetic :class:`~kinerja_research.data.study.Study`.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``employee_scores`` (:func:`score_employees`), ``ip_asn_units`` (by unit and period),
        ``ip_asn_regions`` (by region and period, when units carry ``region_id``), ``ikm`` (by
        unit and period; the 14-unsur 2004 rubric when ``u14`` is present, else Permenpan
        14/2017), ``indicator_achievement`` and ``lelang_kinerja`` (from ``unit_performance``),
        ``institution_scores`` (SAKIP grade with the rubric in force each year, merit category,
        Ombudsman zone; a published ``sakip_grade`` / ``ombudsman_zone`` in the study is used
        as published, and ``sakip_grade_source`` / ``ombudsman_zone_source`` say for each row
        whether the label was ``"published"`` or ``"derived"``). Empty input tables give no entry. Each frame records its rubrics in
        ``attrs`` (with ``verified`` marks); synthetic studies also carry
        ``attrs["synthetic"] = True``.

    Examples
    --------
    >>> scored = score_study(study)  # doctest: +SKIP
    >>> sorted(scored)  # doctest: +SKIP
    ['employee_scores', 'ikm', 'indicator_achievement', 'institution_scores', ...]
    """
    if not isinstance(study, Study):
        raise TypeError(f"score_study needs a Study, got {type(study).__name__}")
    out: dict[str, pd.DataFrame] = {}
    emp = study.employees
    if emp is not None and len(emp):
        es = score_employees(emp)
        out["employee_scores"] = es
        if {"unit_id", "period"} <= set(es.columns):
            out["ip_asn_units"] = ip_asn_summary(es, by=["unit_id", "period"])
            units = study.units
            if units is not None and len(units) and {"unit_id", "region_id"} <= set(units.columns):
                joined = es[["unit_id", "period", "kualifikasi", "kompetensi", "kinerja", "disiplin", "ip_asn"]].merge(
                    units[["unit_id", "region_id"]], on="unit_id", how="left", validate="many_to_one")
                out["ip_asn_regions"] = ip_asn_summary(joined, by=["region_id", "period"])
    skm = study.skm_responses
    if skm is not None and len(skm):
        rubric = "ikm/kepmenpan-25-2004" if "u14" in skm.columns else "ikm/permenpan-14-2017"
        out["ikm"] = ikm(skm, by=["unit_id", "period"], rubric=rubric)
    up = study.unit_performance
    if up is not None and len(up):
        a = achievement(up["target"], up["realization"], up["higher_is_better"])
        keys = up[[c for c in ("unit_id", "period", "indicator_id") if c in up.columns]].reset_index(drop=True)
        out["indicator_achievement"] = pd.concat([keys, a.reset_index(drop=True)], axis=1)
        out["lelang_kinerja"] = lelang_kinerja(up)
    ia = study.institution_assessments
    if ia is not None and len(ia):
        out["institution_scores"] = _institution_scores(ia)
    if study.synthetic:
        for df in out.values():
            df.attrs["synthetic"] = True
    return out
