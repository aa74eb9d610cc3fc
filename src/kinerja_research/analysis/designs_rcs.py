"""Response-level (repeated cross-section) design of the merit-system study.

The SKM survey asks different service users every year: the responses are repeated
cross-sections, not a panel. :func:`merit_responses` gives each response an IKM-type outcome
whose mean over a unit-year's responses is exactly that unit-year's IKM (Permenpan RB
14/2017), :func:`merit_rcs_simple` estimates the Callaway–Sant'Anna simple ATT on the
responses (``staggered_did(..., panel=False)``, clustered by service unit because responses
about the same unit share its service quality), and :func:`merit_rcs_att_simple` computes the
matching true estimand from the synthetic world's potential outcomes.

>>> sorted(rcs_designs("tiny"))
['merit_did_rcs']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.analysis.panels import merit_panel
from kinerja_research.stats.diagnose import Design
from kinerja_research.stats.did import DiDAggregate, staggered_did

__all__ = ["merit_rcs_att_simple", "merit_rcs_simple", "merit_responses", "rcs_designs"]

_ITEMS = tuple(f"u{j}" for j in range(1, 10))


def merit_responses(study: Any) -> pd.DataFrame:
    """SKM responses of the merit panel's service units with a response-level IKM outcome.

    For response ``r`` in unit-year ``c`` with ``n_c`` questionnaires, ``k_c`` unsur answered
    by someone and ``m_cj`` answers to unsur ``j``:
    ``ikm_r = 25 / k_c * sum_j n_c * answer_rj / m_cj`` (blank answers count 0). Its mean over
    the unit-year's responses is the unit-year IKM exactly (25 x mean over unsur of the NRR),
    so response-level and unit-level analyses target the same quantity, weighted by
    responses instead of units.

    Parameters
    ----------
    study
        A study with ``skm_responses``, ``units`` and ``policies``.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``period``, ``cohort`` (merit adoption year, 0 = never), ``ikm``; one
        row per response of the units in :func:`~kinerja_research.analysis.panels.merit_panel`.
    """
    units = merit_panel(study)[["unit_id", "cohort"]].drop_duplicates("unit_id")
    r = study.skm_responses
    ans = r[list(_ITEMS)].astype("float64").to_numpy()
    filled = np.isfinite(ans)
    a0 = np.where(filled, ans, 0.0)
    key = pd.MultiIndex.from_arrays([r["unit_id"].astype(str), r["period"].astype("int64")])
    cell, _ = pd.factorize(key)
    n_cell = np.bincount(cell).astype(float)
    m = np.stack([np.bincount(cell, weights=filled[:, j]) for j in range(9)], axis=1)
    answered = m > 0
    k = answered.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(answered, n_cell[:, None] / m, 0.0)  # n_c / m_cj per cell
    ikm = 25.0 / k[cell] * (a0 * share[cell]).sum(axis=1)
    out = pd.DataFrame({"unit_id": r["unit_id"].astype(str).to_numpy(),
                        "period": r["period"].astype("int64").to_numpy(), "ikm": ikm})
    units = units.assign(unit_id=units["unit_id"].astype(str))
    return out.merge(units, on="unit_id", how="inner")[["unit_id", "period", "cohort", "ikm"]]


def merit_rcs_simple(study: Any) -> DiDAggregate:
    """Callaway–Sant'Anna simple ATT on SKM responses as repeated cross-sections.

    Never-treated comparison, no covariates, analytic influence-function SE clustered by
    service unit (responses about one unit share its service quality), normal interval.
    Estimand: :func:`merit_rcs_att_simple`.
    """
    data = merit_responses(study)
    return staggered_did(data, "ikm", time="period", cohort="cohort", panel=False,
                         cluster="unit_id", n_boot=0).aggregate("simple")


def merit_rcs_att_simple(study: Any) -> float:
    """True response-level simple ATT of the merit system, from the potential outcomes.

    ``ATT_r(g,t)`` = response-weighted mean of ``IKM(1) - IKM(0)`` over the treated unit-years
    of cohort ``g`` in year ``t``; the simple aggregate weighs the post-treatment cells by
    cohort ``g``'s share of all responses, as ``staggered_did(panel=False)`` does.
    """
    resp = merit_responses(study)
    n_cell = resp.groupby(["unit_id", "period"]).size().rename("n").reset_index()
    po = study.potential_outcomes["merit"]
    po = po.assign(unit_id=po["unit_id"].astype(str), period=po["period"].astype("int64"))
    cells = po[po["treated"]].merge(n_cell, on=["unit_id", "period"], how="inner")
    cells = cells.assign(w_eff=cells["n"] * (cells["ikm1"] - cells["ikm0"]))
    gt = cells.groupby(["cohort", "period"])[["w_eff", "n"]].sum()
    att_gt = gt["w_eff"] / gt["n"]
    pg = resp["cohort"].value_counts(normalize=True)
    w = pg.reindex(att_gt.index.get_level_values("cohort")).to_numpy()
    return float(np.sum(w * att_gt.to_numpy()) / np.sum(w))


def rcs_designs(preset: str = "tiny", **overrides: Any) -> dict[str, Design]:
    """The response-level design of the synthetic world, by name (``merit_did_rcs``).

    Examples
    --------
    >>> from kinerja_research.stats.diagnose import diagnose
    >>> res = diagnose(rcs_designs("tiny")["merit_did_rcs"], sims=400)  # doctest: +SKIP
    """
    return {
        "merit_did_rcs": Design(
            estimator=merit_rcs_simple, estimand=merit_rcs_att_simple, term="overall",
            name="merit system: staggered DiD on SKM responses (repeated cross-sections), "
                 "simple ATT", preset=preset, overrides=dict(overrides),
        ),
    }
