"""Small helpers the study notebooks (``notebooks/01`` … ``06``) call: no analysis of their own.

Notebooks hold narrative and calls only (docs/guide/reports.md), so the glue they need lives here: tables
that put an estimate beside the synthetic world's true value, a one-line note naming the
estimator, the variance estimator and the rubric, and thin wrappers that shape panels for the
estimators in :mod:`kinerja_research.stats`.

>>> from kinerja_research.data.simulate import simulate
>>> from kinerja_research.stats.did import staggered_did
>>> from kinerja_research.analysis.panels import merit_panel
>>> study = simulate("tiny")
>>> fit = staggered_did(merit_panel(study), "ikm", "unit_id", "period", "cohort", n_boot=0)
>>> versus_truth(study, {"merit_att_simple": fit.aggregate("simple")}).columns[:3].tolist()
['estimand', 'term', 'estimate']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.stats._results import Results

__all__ = [
    "dynamic_versus_truth",
    "event_table",
    "gap_versus_truth",
    "merit_placebo",
    "reader_view",
    "truth_value",
    "merit_simple_att",
    "method_note",
    "sample_adequacy",
    "skm_with_region",
    "versus_truth",
    "with_treated",
]

_TRUTH_COLUMNS = ["truth", "bias", "covers_truth"]
_COLUMNS = ["estimand", "term", "estimate", "std_error", "conf_low", "conf_high", "truth",
            "bias", "covers_truth", "estimator", "variance"]


def _truth(study: Any) -> Any | None:
    """The study's Truth, or None for real data (no truth is known there)."""
    if not getattr(study, "synthetic", False):
        return None
    return getattr(study, "truth", None)


def _check_results(name: str, fit: Any) -> None:
    if not isinstance(fit, Results):
        raise TypeError(f"{name}: expected a kinerja_research Results object, got {type(fit).__name__}")


def _pick_row(tidy: pd.DataFrame, term: str | None, name: str) -> pd.Series:
    """The row reported for an estimand: ``term`` if given, else ``overall``, else the first."""
    if term is None:
        term = "overall" if (tidy["term"] == "overall").any() else str(tidy["term"].iloc[0])
    rows = tidy.loc[tidy["term"] == term]
    if rows.empty:
        raise ValueError(f"{name}: term {term!r} not in the result's terms {tidy['term'].tolist()}")
    return rows.iloc[0]


def method_note(result: Results, *, rubric: str | None = None, lang: str = "en") -> str:
    """One line naming a result's estimator and variance estimator (from its provenance).

    Parameters
    ----------
    result
        Any :class:`~kinerja_research.stats._results.Results`.
    rubric
        Rubric id to name as well (e.g. ``"ikm/permenpan-14-2017"``), when the outcome is a score.
    lang
        ``"en"`` (default) or ``"id"``: labels, estimator name and variance description
        (:mod:`kinerja_research.analysis.methods`).

    Returns
    -------
    str
        ``"Estimator: …; variance: …"`` (``"; rubric: …"`` when given).

    Examples
    --------
    >>> from kinerja_research.stats.reliability import cronbach_alpha
    >>> import numpy as np
    >>> x = np.random.default_rng(0).integers(1, 5, size=(50, 3))
    >>> method_note(cronbach_alpha(x)).startswith("Estimator: Cronbach")
    True
    """
    _check_results("result", result)
    if rubric is not None and not isinstance(rubric, str):
        raise TypeError(f"rubric must be a string or None, got {type(rubric).__name__}")
    from kinerja_research.analysis.methods import describe

    est, var = describe(result.provenance, type(result).__name__, lang)
    words = ("Penduga", "varians", "rubrik") if lang == "id" else ("Estimator", "variance", "rubric")
    note = f"{words[0]}: {est}; {words[1]}: {var}"
    return note + (f"; {words[2]}: {rubric}" if rubric else "")


def versus_truth(
    study: Any,
    fits: Mapping[str, Results],
    *,
    terms: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Estimates beside the synthetic world's true values, one row per estimand.

    Parameters
    ----------
    study
        The :class:`~kinerja_research.data.study.Study` the fits came from. On real data
        (``study.synthetic`` false) the ``truth`` columns are missing.
    fits
        ``{truth estimand name: result}``, e.g. ``{"merit_att_simple": agg}``; names are
        attributes of ``study.truth`` holding a number.
    terms
        Row of each result's tidy table to report (default ``overall`` when present, else the
        first row).

    Returns
    -------
    pandas.DataFrame
        ``estimand``, ``term``, ``estimate``, ``std_error``, ``conf_low``, ``conf_high``,
        ``truth``, ``bias`` (estimate − truth), ``covers_truth`` (interval contains the truth),
        ``estimator`` and ``variance`` (from each result's provenance). On real data the three
        truth columns are absent.

    Examples
    --------
    >>> versus_truth(study, {"placement_ate": fit})  # doctest: +SKIP
    """
    if not isinstance(fits, Mapping) or not fits:
        raise TypeError("fits must be a non-empty mapping {estimand name: Results}")
    terms = dict(terms or {})
    truth = _truth(study)
    rows = []
    for name, fit in fits.items():
        _check_results(name, fit)
        row = _pick_row(fit.tidy(), terms.get(name), name)
        value = float("nan")
        if truth is not None:
            if not hasattr(truth, name):
                raise ValueError(f"{name!r} is not an estimand of study.truth")
            raw = getattr(truth, name)
            if isinstance(raw, pd.DataFrame | pd.Series) or raw is None:
                raise ValueError(f"study.truth.{name} is not a single number; use "
                                 "dynamic_versus_truth or gap_versus_truth for paths")
            value = float(raw)
        est, lo, hi = (float(row.get(c, np.nan)) for c in ("estimate", "conf_low", "conf_high"))
        covers = (lo <= value <= hi) if not (math.isnan(value) or math.isnan(lo)) else pd.NA
        prov = fit.provenance
        rows.append({
            "estimand": name, "term": str(row["term"]), "estimate": est,
            "std_error": float(row.get("std_error", np.nan)), "conf_low": lo, "conf_high": hi,
            "truth": value, "bias": est - value, "covers_truth": covers,
            "estimator": prov.get("method") or type(fit).__name__,
            "variance": prov.get("variance_analytic") or prov.get("variance") or "not recorded",
        })
    out = pd.DataFrame(rows, columns=_COLUMNS)
    if truth is None:  # real data: no truth is known, so no truth columns (not columns of NaN)
        return out.drop(columns=_TRUTH_COLUMNS)
    out["covers_truth"] = out["covers_truth"].astype("boolean")
    return out


def reader_view(table: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A :func:`versus_truth` table for a report: estimands renamed with ``labels``, the term,
    estimator and variance columns left to the caption (:func:`method_note`).

    Examples
    --------
    >>> t = pd.DataFrame({"estimand": ["x"], "term": ["overall"], "estimate": [1.0], "estimator": ["e"]})
    >>> reader_view(t, {"x": "Effect"}).to_dict("records")
    [{'estimand': 'Effect', 'estimate': 1.0}]
    """
    out = table.drop(columns=[c for c in ("term", "estimator", "variance") if c in table.columns])
    if labels:
        out = out.assign(estimand=out["estimand"].map(lambda x: labels.get(x, x)))
    return out.reset_index(drop=True)


def _path_table(est: pd.DataFrame, key: str, truth_path: pd.DataFrame | None,
                truth_col: str) -> pd.DataFrame:
    if truth_path is None:  # real data: no truth columns at all
        return est.reset_index(drop=True)
    else:
        t = truth_path[[key, truth_col]].rename(columns={truth_col: "truth"})
        t[key] = t[key].astype(float)
        est = est.merge(t, on=key, how="left")
    return _truth_checks(est).reset_index(drop=True)


def _truth_checks(est: pd.DataFrame) -> pd.DataFrame:
    """Add ``bias`` and, where intervals exist, ``covers_truth`` (missing when either side is)."""
    est["bias"] = est["estimate"] - est["truth"]
    if {"conf_low", "conf_high"} <= set(est.columns):
        inside = est["conf_low"].le(est["truth"]) & est["conf_high"].ge(est["truth"])
        est["covers_truth"] = inside.astype("boolean").mask(est["truth"].isna() | est["conf_low"].isna())
    return est


def dynamic_versus_truth(study: Any, dynamic: Results) -> pd.DataFrame:
    """Event-time ATT(e) of a dynamic aggregation beside ``truth.merit_att_dynamic``.

    Parameters
    ----------
    study
        The study the fit came from.
    dynamic
        ``staggered_did(...).aggregate("dynamic")`` (terms ``e=<k>``).

    Returns
    -------
    pandas.DataFrame
        ``e``, ``estimate``, ``std_error``, ``conf_low``, ``conf_high``, ``truth`` (missing
        before treatment, where the true effect is zero by construction of the world, and on
        real data), ``bias``, ``covers_truth``.

    Examples
    --------
    >>> dynamic_versus_truth(study, fit.aggregate("dynamic"))  # doctest: +SKIP
    """
    est = event_table(dynamic)
    est["e"] = est["e"].astype(float)
    truth = _truth(study)
    path = None if truth is None else truth.merit_att_dynamic
    out = _path_table(est, "e", path, "att")
    # Before adoption the true effect is zero (no anticipation in the world).
    if truth is not None:
        out.loc[out["e"] < 0, "truth"] = 0.0
        out = _truth_checks(out)
    out["e"] = out["e"].astype(int)
    return out


def event_table(dynamic: Results) -> pd.DataFrame:
    """Event-time ATT(e) of a dynamic aggregation: ``e``, ``estimate``, ``std_error``,
    ``conf_low``, ``conf_high`` (no truth: for outcomes the world has no path for).

    Examples
    --------
    >>> event_table(fit.aggregate("dynamic")).columns.tolist()  # doctest: +SKIP
    ['e', 'estimate', 'std_error', 'conf_low', 'conf_high']
    """
    _check_results("dynamic", dynamic)
    t = dynamic.tidy()
    t = t.loc[t["term"].astype(str).str.startswith("e=")].copy()
    if t.empty:
        raise ValueError("dynamic has no event-time terms 'e=<k>'; pass aggregate('dynamic')")
    t["e"] = t["term"].astype(str).str.slice(2).astype(float).astype(int)
    return t[["e", "estimate", "std_error", "conf_low", "conf_high"]].reset_index(drop=True)


def gap_versus_truth(study: Any, synth: Results) -> pd.DataFrame:
    """Synthetic-control gaps per post-treatment year beside ``truth.malang_gap``.

    Parameters
    ----------
    study
        The study the fit came from.
    synth
        Result of :func:`kinerja_research.stats.synth.synthetic_control` (terms ``gap[<year>]``).

    Returns
    -------
    pandas.DataFrame
        ``year``, ``estimate`` (treated − synthetic), ``truth``, ``bias``.

    Examples
    --------
    >>> gap_versus_truth(study, sc)  # doctest: +SKIP
    """
    _check_results("synth", synth)
    t = synth.tidy()
    if "kind" not in t.columns or not (t["kind"] == "gap").any():
        raise ValueError("synth has no gap terms; pass a synthetic_control result")
    est = (t.loc[t["kind"] == "gap", ["period", "estimate"]]
           .rename(columns={"period": "year"}).astype({"year": float}))
    truth = _truth(study)
    out = _path_table(est, "year", None if truth is None else truth.malang_gap, "gap")
    out["year"] = out["year"].astype(int)
    return out


def with_treated(panel: pd.DataFrame, *, time: str = "period", cohort: str = "cohort",
                 name: str = "treated") -> pd.DataFrame:
    """Add a 0/1 treatment indicator (in force from the cohort year on) for TWFE.

    Parameters
    ----------
    panel
        Panel with ``time`` and ``cohort`` (0 or missing = never treated).
    time, cohort, name
        Column names; ``name`` is the new column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``panel`` with ``name``.

    Examples
    --------
    >>> p = pd.DataFrame({"period": [2018, 2019, 2019], "cohort": [2019, 2019, 0]})
    >>> with_treated(p)["treated"].tolist()
    [0, 1, 0]
    """
    if not isinstance(panel, pd.DataFrame):
        raise TypeError(f"panel must be a DataFrame, got {type(panel).__name__}")
    missing = {time, cohort} - set(panel.columns)
    if missing:
        raise ValueError(f"panel lacks columns {sorted(missing)}")
    c = pd.to_numeric(panel[cohort]).fillna(0)
    return panel.assign(**{name: (c.gt(0) & panel[time].ge(c)).astype(int)})


def merit_simple_att(panel: pd.DataFrame) -> Results:
    """Callaway–Sant'Anna simple ATT of merit adoption on unit IKM (estimator for refutations).

    Never-treated comparison units, analytic standard errors (``n_boot=0``): used by
    :func:`~kinerja_research.stats.refute.placebo_timing` and ``leave_one_out``, which refit it
    many times.

    Examples
    --------
    >>> merit_simple_att(merit_panel(study)).tidy()["term"].tolist()  # doctest: +SKIP
    ['overall']
    """
    from kinerja_research.stats.did import staggered_did

    return staggered_did(panel, "ikm", "unit_id", "period", "cohort", n_boot=0).aggregate("simple")


def skm_with_region(study: Any) -> pd.DataFrame:
    """SKM questionnaires with each unit's ``region_id`` (for IKM by region).

    Examples
    --------
    >>> "region_id" in skm_with_region(study).columns  # doctest: +SKIP
    True
    """
    units = study.units[["unit_id", "region_id"]]
    return study.skm_responses.merge(units, on="unit_id", how="left", validate="many_to_one")


def sample_adequacy(study: Any, *, population: Any = None) -> pd.DataFrame:
    """IKM per unit and period with the SKM sample each unit needed (the one sample rule).

    Krejcie & Morgan on the unit's service users: from ``population`` when given, else the
    ``units`` table's population column, else the stated default
    (:data:`kinerja_research.analysis.sampling.DEFAULT_SERVICE_USERS`).

    Parameters
    ----------
    study
        A study with ``skm_responses`` and ``units``.
    population
        Overrides: an int for every unit, ``{unit_id: N}`` or a frame ``unit_id``, ``population``.

    Returns
    -------
    pandas.DataFrame
        :func:`kinerja_research.scoring.ikm` output by ``unit_id``, ``period`` with
        ``population``, ``population_source``, ``sample_required`` and ``below_sample_size``.

    Examples
    --------
    >>> sample_adequacy(study, population=1000)["sample_required"].iloc[0]  # doctest: +SKIP
    278
    """
    from kinerja_research.analysis.sampling import sample_check, unit_population
    from kinerja_research.scoring import ikm

    scored = ikm(study.skm_responses, by=["unit_id", "period"])
    return sample_check(scored, unit_population(study, population))


def merit_placebo(panel: pd.DataFrame) -> Results | None:
    """Placebo-timing check of the merit DiD: adoption moved earlier, inside the pre-period.

    Tries moving adoption two years earlier with the window ending in 2018 (the real 2017 cohort
    dropped), then two and one year(s) earlier in the periods before the first real adoption.
    Returns the first that fits, or None when the data have too few pre-periods for any.

    Examples
    --------
    >>> merit_placebo(merit_panel(study)).tidy()["check"].tolist()  # doctest: +SKIP
    ['placebo_timing']
    """
    from kinerja_research.stats.refute import placebo_timing

    for shift, end in ((-2, 2018), (-2, None), (-1, None)):
        try:
            return placebo_timing(panel, merit_simple_att, time="period", cohort="cohort", shift=shift, end=end)
        except ValueError:
            continue
    return None


def truth_value(study: Any, name: str) -> Any:
    """``study.truth.<name>`` on synthetic data, None on real data (to mark figures, never NaN).

    Examples
    --------
    >>> truth_value(SimpleNamespace(synthetic=False), "merit_att_simple") is None  # doctest: +SKIP
    True
    """
    truth = _truth(study)
    return None if truth is None else getattr(truth, name)
