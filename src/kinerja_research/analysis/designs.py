"""Ready-made designs on the synthetic world, for :func:`kinerja_research.stats.diagnose`.

Each design names an estimator (a module-level function of a study, so worker processes can
pickle it), the true estimand it targets in ``study.truth``, and the synthetic-world preset.
These are the designs the coverage test checks and ``kinerja diagnose`` runs.

>>> sorted(synthetic_designs("tiny"))
['merit_did', 'placement_aipw', 'punishment_rd', 'punishment_rd_fuzzy']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kinerja_research.analysis.estimates import merit_simple_att
from kinerja_research.analysis.panels import merit_panel, placement_data, rd_panel
from kinerja_research.stats._results import Results
from kinerja_research.stats.diagnose import Design
from kinerja_research.stats.rd import rd
from kinerja_research.stats.weighting import weighting

__all__ = [
    "fuzzy_rd_panel",
    "merit_did_simple",
    "placement_aipw_ate",
    "punishment_fuzzy_rd",
    "placement_aipw_att",
    "punishment_rd_robust",
    "synthetic_designs",
]

#: Compliance of the fuzzy punishment design: 70% of the units below 100% are punished.
FUZZY_COMPLIANCE = 0.7


def fuzzy_rd_panel(study: Any, *, cutoff: float = 100.0) -> pd.DataFrame:
    """The RD panel with the punishment actually received (fuzzy RD input).

    :func:`~kinerja_research.analysis.panels.rd_panel` derives ``punished`` from the rule
    (achievement below ``cutoff``); where not every such unit is punished, the treatment
    received is recorded in ``unit_performance["punished"]`` for the period of punishment
    (t + 1). This adds it to the panel as ``received`` (bool).

    Parameters
    ----------
    study
        A study whose ``unit_performance`` has the boolean column ``punished``.
    cutoff
        Achievement (%) below which the rule punishes.

    Returns
    -------
    pandas.DataFrame
        The columns of ``rd_panel`` plus ``received``.

    Examples
    --------
    >>> from kinerja_research.data.simulate import simulate
    >>> panel = fuzzy_rd_panel(simulate("tiny", seed=0, punishment_compliance=0.7))
    >>> bool((panel["received"] <= panel["punished"]).all())
    True
    """
    up = study.unit_performance
    if "punished" not in up.columns:
        raise ValueError(
            "unit_performance has no 'punished' column (the punishment actually received), so "
            "a fuzzy RD cannot be built; with punishment following the rule exactly, use the "
            "sharp RD on rd_panel"
        )
    received = up.groupby(["unit_id", "period"], observed=True)["punished"].agg(["min", "max"])
    if (received["min"] != received["max"]).any():
        raise ValueError("unit_performance['punished'] differs between indicators of a unit-period")
    received = received["max"].astype(bool).rename("received").reset_index()
    received["period"] = received["period"] - 1  # punished in t + 1 for achievement in t
    panel = rd_panel(study, cutoff=cutoff)
    out = panel.merge(received, on=["unit_id", "period"], how="left", validate="one_to_one")
    if out["received"].isna().any():
        raise ValueError("some RD unit-periods have no recorded treatment received")
    out["received"] = out["received"].astype(bool)
    return out


def merit_did_simple(study: Any) -> Results:
    """Merit-system adoption: Callaway–Sant'Anna simple ATT on the merit panel.

    Never-treated controls, no covariates, analytic (influence-function) standard errors and
    pointwise normal interval (``n_boot=0``: the interval checked for coverage is the analytic
    one; the multiplier bootstrap would only add run time). Estimand: ``merit_att_simple``.
    """
    return merit_simple_att(merit_panel(study))


def punishment_rd_robust(study: Any) -> Results:
    """Performance-contract punishment: sharp RD of next-period achievement at 100%.

    Punishment is on the left of 100% achievement, so the running variable is the shortfall
    ``100 - achievement`` with cutoff 0 (rdrobust treats ``running >= cutoff``). Local linear,
    triangular kernel, MSE-optimal bandwidth; a unit appears in several periods, so the
    variance is clustered by unit (CR3, the jackknife-type small-sample version: with the
    default NN variance the robust interval covers the truth in only 92% of tiny worlds).
    The ``robust`` row (bias-corrected estimate, robust SE and interval) is diagnosed.
    Estimand: ``punishment_jump``.
    """
    return rd(rd_panel(study), "next_achievement", "shortfall", 0.0, cluster="unit_id", vce="cr3")


def punishment_fuzzy_rd(study: Any) -> Results:
    """Performance-contract punishment with imperfect compliance: fuzzy RD at 100%.

    As :func:`punishment_rd_robust` (clustered by unit, CR3), with the punishment actually
    received (``received``) as
    rdrobust's ``fuzzy=`` treatment: the ratio of the jump in next-period achievement to the
    jump in the probability of punishment. Estimand: ``punishment_jump_fuzzy``.
    """
    return rd(
        fuzzy_rd_panel(study), "next_achievement", "shortfall", 0.0, fuzzy="received",
        cluster="unit_id", vce="cr3",
    )


def placement_aipw_ate(study: Any) -> Results:
    """Merit placement: AIPW average treatment effect with the plug-in influence-function SE.

    Estimand: ``placement_ate``. Not among the standard designs: in the synthetic world no
    employee with SLTP education is well placed, so the ATE extrapolates the treated-arm
    outcome model to them (a positivity violation, which :func:`weighting` now warns about)
    and is biased by about 15% of its SE; the ATT is identified.
    """
    data = placement_data(study)
    covariates = list(data.attrs.get("covariates", ()))
    return weighting(data, "outcome", "treatment", covariates, estimand="ate", method="aipw")


def placement_aipw_att(study: Any) -> Results:
    """Merit placement: AIPW effect on the well placed (ATT), leave-one-out variance.

    Default models (logit propensity, OLS outcome on the controls); the influence-function SE
    is evaluated at leave-one-out nuisance predictions (``variance="loo"``), so the estimation
    of the models is in the interval. Estimand: ``placement_att``.
    """
    data = placement_data(study)
    covariates = list(data.attrs.get("covariates", ()))
    return weighting(
        data, "outcome", "treatment", covariates, estimand="att", method="aipw", variance="loo",
    )


def synthetic_designs(preset: str = "tiny", **overrides: Any) -> dict[str, Design]:
    """The standard designs of the synthetic world, by name.

    Parameters
    ----------
    preset
        Synthetic-world preset.
    **overrides
        Passed to :func:`kinerja_research.data.simulate.simulate` for every design.

    Returns
    -------
    dict of str to Design
        ``merit_did`` (staggered DiD, simple ATT vs ``merit_att_simple``), ``punishment_rd``
        (robust sharp RD vs ``punishment_jump``), ``punishment_rd_fuzzy`` (robust fuzzy RD in
        a world where 70% of the units below 100% are punished, vs ``punishment_jump_fuzzy``)
        and ``placement_aipw`` (AIPW ATT with leave-one-out variance vs ``placement_att``).

    Examples
    --------
    >>> designs = synthetic_designs("tiny")
    >>> sorted(designs)
    ['merit_did', 'placement_aipw', 'punishment_rd', 'punishment_rd_fuzzy']
    >>> res = diagnose(designs["merit_did"], sims=500)  # doctest: +SKIP
    """
    common: dict[str, Any] = {"preset": preset, "overrides": dict(overrides)}
    return {
        "merit_did": Design(
            estimator=merit_did_simple, estimand="merit_att_simple", term="overall",
            name="merit system: staggered DiD, simple ATT", **common,
        ),
        "punishment_rd": Design(
            estimator=punishment_rd_robust, estimand="punishment_jump", term="robust",
            name="punishment: RD at 100% achievement, robust", **common,
        ),
        "punishment_rd_fuzzy": Design(
            estimator=punishment_fuzzy_rd, estimand="punishment_jump_fuzzy", term="robust",
            name="punishment with imperfect compliance: fuzzy RD at 100% achievement, robust",
            preset=preset,
            overrides={"punishment_compliance": FUZZY_COMPLIANCE, **overrides},
        ),
        "placement_aipw": Design(
            estimator=placement_aipw_att, estimand="placement_att", term="ATT",
            name="merit placement: AIPW ATT, leave-one-out influence-function SE", **common,
        ),
    }
