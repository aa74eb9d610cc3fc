"""Analysis panels: the exact estimator inputs that the synthetic world's truth refers to.

Each function takes a :class:`~kinerja_research.data.study.Study` with the canonical tables
(real or synthetic) and returns a tidy DataFrame, vectorized with ``groupby``. No NIP leaves
these functions: employee rows are identified by the ``employees`` table's index.

>>> from kinerja_research.data.simulate import simulate
>>> study = simulate("tiny", seed=0)
>>> list(merit_panel(study).columns)
['unit_id', 'region_id', 'period', 'ikm', 'cohort', 'n_responses']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kinerja_research.data.study import Study
from kinerja_research.scoring import ikm

__all__ = [
    "ikm_by_unit_period", "merit_panel", "placement_data", "policy_start", "rd_panel",
    "region_panel", "reward_panel",
]

def _check_study(study: Study, *tables: str) -> None:
    if not isinstance(study, Study):
        raise TypeError(f"study must be a kinerja_research Study, got {type(study).__name__}")
    for t in tables:
        if not isinstance(getattr(study, t), pd.DataFrame):
            raise ValueError(f"the study has no {t} table")


def _ids(s: pd.Series) -> pd.Series:
    return s.astype("string")


def ikm_by_unit_period(skm_responses: pd.DataFrame) -> pd.DataFrame:
    """IKM per unit and period, scored by :func:`kinerja_research.scoring.ikm` (the one IKM path).

    The rubric is Permenpan RB 14/2017 with exact 1/9 weights; blank answers are left out of
    each unsur's NRR, as the regulation says.

    Parameters
    ----------
    skm_responses
        The canonical ``skm_responses`` table (``unit_id``, ``period``, ``u1`` … ``u9``).

    Returns
    -------
    pandas.DataFrame
        ``unit_id`` (string), ``period`` (int64), ``ikm``, ``n_responses`` (questionnaires).

    Examples
    --------
    >>> r = pd.DataFrame({"unit_id": "a", "period": 2024, **{f"u{i}": [3, 4] for i in range(1, 10)}})
    >>> ikm_by_unit_period(r)["ikm"].tolist()
    [87.5]
    """
    scored = ikm(skm_responses, by=["unit_id", "period"])
    return pd.DataFrame({"unit_id": _ids(scored["unit_id"]).to_numpy(),
                         "period": scored["period"].astype("int64").to_numpy(),
                         "ikm": scored["ikm"].to_numpy(dtype=float),
                         "n_responses": scored["n"].to_numpy(dtype=np.int64)})


def policy_start(study: Study, policy: str) -> pd.DataFrame:
    """First year a policy is in force per region (region-wide rows) and per unit.

    Parameters
    ----------
    study
        A study with ``policies`` and ``units``.
    policy
        A policy code, e.g. ``"merit_system"``.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``unit_id``, ``region_id``, ``start`` (0 = never). A unit-level row
        takes precedence over its region's row; several rows keep the earliest year.

    Examples
    --------
    >>> from kinerja_research.data.simulate import simulate
    >>> policy_start(simulate("tiny"), "merit_system")["start"].gt(0).any()
    np.True_
    """
    _check_study(study, "policies", "units")
    units = pd.DataFrame({"unit_id": _ids(study.units["unit_id"]),
                          "region_id": _ids(study.units["region_id"])})
    pol = study.policies
    if not {"region_id", "policy", "start_period"} <= set(pol.columns):
        return units.assign(start=np.zeros(len(units), dtype=np.int64))  # no policy table
    pol = pol[pol["policy"].astype("string") == policy]
    region_rows = pol[pol["unit_id"].isna()] if "unit_id" in pol else pol
    reg = (region_rows.assign(region_id=_ids(region_rows["region_id"]))
           .groupby("region_id")["start_period"].min())
    start = units["region_id"].map(reg)
    if "unit_id" in pol:
        unit_rows = pol[pol["unit_id"].notna()]
        by_unit = unit_rows.assign(unit_id=_ids(unit_rows["unit_id"])).groupby("unit_id")[
            "start_period"].min()
        start = units["unit_id"].map(by_unit).fillna(start)
    return units.assign(start=start.fillna(0).astype("int64"))


def merit_panel(study: Study, *,
                exclude_policies: Sequence[str] = ("reward_punishment",)) -> pd.DataFrame:
    """Unit-year IKM of service units with their merit-system cohort (staggered DiD input).

    Parameters
    ----------
    study
        Any study with ``skm_responses``, ``units`` and ``policies``.
    exclude_policies
        Regions under any of these policies are left out: a concurrent reform (Kota Malang's
        reward-and-punishment regime) would contaminate the never-treated comparison group.
        Pass ``()`` to keep every region.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``region_id``, ``period``, ``ikm``, ``cohort`` (merit adoption year,
        0 = never), ``n_responses``; sorted by unit and period.

    Examples
    --------
    >>> from kinerja_research.data.simulate import simulate
    >>> panel = merit_panel(simulate("tiny", seed=0))
    >>> sorted(panel["cohort"].unique().tolist())[:1]
    [0]
    """
    _check_study(study, "skm_responses", "units", "policies")
    unit_ikm = ikm_by_unit_period(study.skm_responses)
    start = policy_start(study, "merit_system")
    svc = study.units["is_service_unit"].fillna(False).astype(bool).to_numpy()
    start = start[svc]
    pol = study.policies
    if exclude_policies and {"policy", "region_id"} <= set(pol.columns):
        bad = set(_ids(pol.loc[pol["policy"].astype("string").isin(list(exclude_policies)),
                               "region_id"]).dropna())
        start = start[~start["region_id"].isin(bad)]
    out = unit_ikm.merge(start.rename(columns={"start": "cohort"}), on="unit_id", how="inner")
    cols = ["unit_id", "region_id", "period", "ikm", "cohort", "n_responses"]
    return out[cols].sort_values(["unit_id", "period"], ignore_index=True)


def unit_achievement(unit_performance: pd.DataFrame) -> pd.DataFrame:
    """Achievement % per unit-period: mean over indicators of realization/target × 100.

    Inverted (target/realization) when lower is better; not capped; indicators with a missing
    realization are left out of the mean.

    Examples
    --------
    >>> up = pd.DataFrame({"unit_id": "a", "period": 2020, "indicator_id": ["1", "2"],
    ...                    "target": [10.0, 5.0], "realization": [9.0, 4.0],
    ...                    "higher_is_better": [True, False]})
    >>> unit_achievement(up)["achievement"].round(2).tolist()
    [107.5]
    """
    hib = unit_performance["higher_is_better"].astype("boolean").fillna(True).to_numpy(bool)
    t = unit_performance["target"].to_numpy(dtype=float)
    r = unit_performance["realization"].astype("float64").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore"):
        pct = 100.0 * np.where(hib, r / t, t / r)
    frame = pd.DataFrame({"unit_id": _ids(unit_performance["unit_id"]),
                          "period": unit_performance["period"].astype("int64"), "pct": pct})
    return (frame.groupby(["unit_id", "period"], as_index=False)["pct"].mean()
            .rename(columns={"pct": "achievement"}))


def rd_panel(study: Study, *, cutoff: float = 100.0, policy: str = "lelang_kinerja",
             in_force_only: bool = True) -> pd.DataFrame:
    """Unit-period achievement and next-period achievement (sharp RD input).

    A unit whose achievement in period t is below ``cutoff`` is punished in t + 1 when
    ``policy`` is in force there.

    Parameters
    ----------
    study
        Any study with ``unit_performance``, ``units`` and ``policies``.
    cutoff
        Achievement (%) below which a unit is punished.
    policy
        The punishing policy.
    in_force_only
        Keep only rows whose next period has the policy in force (the RD sample).

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``region_id``, ``period`` (t), ``achievement`` (running variable, t),
        ``next_achievement`` (outcome, t + 1), ``punished`` (treatment), ``shortfall``
        (``cutoff - achievement``). Punishment is on the LEFT of the cutoff: an estimator that
        treats ``running >= cutoff`` (rdrobust) gives ``-jump`` on ``achievement`` and
        ``+jump`` with ``running="shortfall"``, cutoff 0.

    Examples
    --------
    >>> from kinerja_research.data.simulate import simulate
    >>> panel = rd_panel(simulate("tiny", seed=0))
    >>> bool((panel["punished"] == (panel["achievement"] < 100)).all())
    True
    """
    _check_study(study, "unit_performance", "units", "policies")
    if not np.isfinite(cutoff):
        raise ValueError("cutoff must be a finite number")
    ach = unit_achievement(study.unit_performance)
    nxt = ach.assign(period=ach["period"] - 1).rename(columns={"achievement": "next_achievement"})
    out = ach.merge(nxt, on=["unit_id", "period"], how="inner")
    start = policy_start(study, policy)
    out = out.merge(start, on="unit_id", how="inner")
    in_force = (out["start"] > 0) & (out["period"] + 1 >= out["start"])
    out["punished"] = in_force & (out["achievement"] < cutoff)
    out["shortfall"] = cutoff - out["achievement"]
    if in_force_only:
        out = out[in_force]
    cols = ["unit_id", "region_id", "period", "achievement", "next_achievement", "punished",
            "shortfall"]
    return out[cols].sort_values(["unit_id", "period"], ignore_index=True)


def reward_panel(study: Study, *, policy: str = "tpp_performance") -> pd.DataFrame:
    """Unit-period mean SKP value with the performance-based TPP cohort (DiD input).

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``region_id``, ``period``, ``outcome`` (mean ``skp_value`` of the unit's
        employees that have one), ``n_employees``, ``cohort`` (TPP adoption year, 0 = never),
        ``treated`` (TPP in force). Only periods with numeric SKP values (before 2022).

    Examples
    --------
    >>> from kinerja_research.data.simulate import simulate
    >>> reward_panel(simulate("tiny"))["outcome"].between(0, 120).all()
    np.True_
    """
    _check_study(study, "employees", "units", "policies")
    emp = study.employees
    if "skp_value" not in emp.columns:
        raise ValueError("employees has no skp_value column")
    frame = pd.DataFrame({"unit_id": _ids(emp["unit_id"]),
                          "period": emp["period"].astype("int64"),
                          "skp": emp["skp_value"].astype("float64")}).dropna(subset=["skp"])
    agg = frame.groupby(["unit_id", "period"], as_index=False).agg(
        outcome=("skp", "mean"), n_employees=("skp", "size"))
    start = policy_start(study, policy).rename(columns={"start": "cohort"})
    out = agg.merge(start, on="unit_id", how="inner")
    out["treated"] = (out["cohort"] > 0) & (out["period"] >= out["cohort"])
    cols = ["unit_id", "region_id", "period", "outcome", "n_employees", "cohort", "treated"]
    return out[cols].sort_values(["unit_id", "period"], ignore_index=True)


def region_panel(study: Study, *, policy: str = "reward_punishment") -> pd.DataFrame:
    """Region-year IKM and predictors (synthetic-control input).

    Returns
    -------
    pandas.DataFrame
        ``region_id``, ``name``, ``year``, ``ikm`` (mean over the region's service units of
        unit-year IKM), ``merit_score``, ``sakip_score``, ``ombudsman_score`` (from
        ``institution_assessments`` when present), ``jpm_mean`` (employees, when present),
        ``merit_cohort`` (0 = never; donors can be restricted to never-merit regions),
        ``treated`` (``policy`` in force).

    Examples
    --------
    >>> from kinerja_research.data.simulate import simulate
    >>> p = region_panel(simulate("tiny"))
    >>> bool(p.loc[p["treated"], "region_id"].eq("3573").all())
    True
    """
    _check_study(study, "skm_responses", "units", "regions", "policies")
    unit_ikm = ikm_by_unit_period(study.skm_responses)
    units = pd.DataFrame({"unit_id": _ids(study.units["unit_id"]),
                          "region_id": _ids(study.units["region_id"]),
                          "svc": study.units["is_service_unit"].fillna(False).astype(bool)})
    unit_ikm = unit_ikm.merge(units[units["svc"]], on="unit_id", how="inner")
    out = (unit_ikm.groupby(["region_id", "period"], as_index=False)["ikm"].mean()
           .rename(columns={"period": "year"}))
    names = pd.DataFrame({"region_id": _ids(study.regions["region_id"]),
                          "name": _ids(study.regions["name"])})
    out = names.merge(out, on="region_id", how="inner")
    ia = study.institution_assessments
    if isinstance(ia, pd.DataFrame) and len(ia):
        keep = [c for c in ("merit_score", "sakip_score", "ombudsman_score") if c in ia.columns]
        ia2 = ia[keep].assign(region_id=_ids(ia["region_id"]), year=ia["year"].astype("int64"))
        out = out.merge(ia2, on=["region_id", "year"], how="left")
    emp = study.employees
    if isinstance(emp, pd.DataFrame) and "jpm" in emp.columns and len(emp):
        e = pd.DataFrame({"unit_id": _ids(emp["unit_id"]), "year": emp["period"].astype("int64"),
                          "jpm": emp["jpm"].astype("float64")})
        e = e.merge(units[["unit_id", "region_id"]], on="unit_id", how="inner")
        jm = e.groupby(["region_id", "year"], as_index=False)["jpm"].mean()
        out = out.merge(jm.rename(columns={"jpm": "jpm_mean"}), on=["region_id", "year"], how="left")
    def reg_start(pol: str) -> pd.Series:
        return policy_start(study, pol).groupby("region_id")["start"].min()

    out["merit_cohort"] = out["region_id"].map(reg_start("merit_system")).fillna(0).astype("int64")
    tr = out["region_id"].map(reg_start(policy)).fillna(0).astype("int64")
    out["treated"] = (tr > 0) & (out["year"] >= tr)
    return out.sort_values(["region_id", "year"], ignore_index=True)


def placement_data(study: Study, *, period: int | None = None,
                   threshold: float = 90.0) -> pd.DataFrame:
    """Employee-level placement data for weighting estimators (no NIP).

    Treatment: well placed, ``jpm >= threshold`` (90 = JPM category Optimal, Peraturan BRIN
    3/2023 Pasal 33). Outcome: ``skp_value``.

    Parameters
    ----------
    study
        Any study with ``employees`` and ``units``.
    period
        The period to use; default the last period with any ``skp_value``.
    threshold
        JPM threshold of being well placed.

    Returns
    -------
    pandas.DataFrame
        ``employee`` (the index label of the row in ``study.employees``), ``unit_id``,
        ``region_id``, ``period``, ``treatment`` (0/1), ``outcome``, ``jpm``, covariates
        ``education_level``, ``sector``, ``position_type``, ``is_service_unit``,
        ``merit_exposure`` (years since the region adopted the merit system, categorical) and
        ``tpp_in_force`` (0/1). Rows with a missing JPM or SKP are left out.
        ``attrs["covariates"]`` lists the confounders to adjust for.

    Examples
    --------
    >>> from kinerja_research.data.simulate import simulate
    >>> d = placement_data(simulate("tiny"))
    >>> d.attrs["covariates"][:3]
    ['education_level', 'sector', 'position_type']
    """
    _check_study(study, "employees", "units")
    emp = study.employees
    for c in ("jpm", "skp_value", "period", "education_level", "position_type"):
        if c not in emp.columns:
            raise ValueError(f"employees has no {c} column")
    if period is None:
        has = emp["skp_value"].notna()
        if not has.any():
            raise ValueError("no employee has a skp_value; pass period= explicitly")
        period = int(emp.loc[has, "period"].max())
    sel = emp[(emp["period"] == period) & emp["skp_value"].notna() & emp["jpm"].notna()]
    if sel.empty:
        raise ValueError(f"no employee rows with skp_value and jpm in period {period}")
    units = study.units.set_index(_ids(study.units["unit_id"]))
    uid = _ids(sel["unit_id"])
    out = pd.DataFrame({
        "employee": sel.index.to_numpy(),
        "unit_id": uid.to_numpy(),
        "region_id": units["region_id"].reindex(uid).astype("string").to_numpy(),
        "period": sel["period"].astype("int64").to_numpy(),
        "treatment": (sel["jpm"].to_numpy(dtype=float) >= threshold).astype(np.int64),
        "outcome": sel["skp_value"].to_numpy(dtype=float),
        "jpm": sel["jpm"].to_numpy(dtype=float),
        "education_level": sel["education_level"].to_numpy(),
        "sector": units["sector"].reindex(uid).to_numpy(),
        "position_type": sel["position_type"].to_numpy(),
        "is_service_unit": units["is_service_unit"].reindex(uid).fillna(False)
        .astype(bool).to_numpy(),
    })
    for c in ("education_level", "sector", "position_type"):
        src = emp[c] if c in emp.columns else study.units[c]
        if isinstance(src.dtype, pd.CategoricalDtype):
            out[c] = pd.Categorical(out[c], dtype=src.dtype)
    # Region-level reforms shift JPM (merit) or SKP (TPP) for everybody in a region; without
    # them the region becomes a hidden cluster-level confounder of placement.
    region_ids = pd.Series(out["region_id"], dtype="string")
    merit = policy_start(study, "merit_system").groupby("region_id")["start"].min()
    g = region_ids.map(merit).fillna(0).astype("int64").to_numpy()
    years = np.where((g > 0) & (period >= g), period - g + 1, 0)
    labels = np.where(years == 0, "none", np.where(years >= 5, "5+", years.astype(str)))
    out["merit_exposure"] = pd.Categorical(labels, categories=["none", "1", "2", "3", "4", "5+"])
    tpp = policy_start(study, "tpp_performance").groupby("region_id")["start"].min()
    t = region_ids.map(tpp).fillna(0).astype("int64").to_numpy()
    out["tpp_in_force"] = ((t > 0) & (period >= t)).astype(np.int64)
    out.attrs["covariates"] = ["education_level", "sector", "position_type", "merit_exposure",
                               "tpp_in_force"]
    return out
