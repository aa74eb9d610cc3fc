"""The true estimands of a synthetic world, computed from its potential outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Truth:
    """True estimands of a synthetic world (``study.truth``).

    Every number is computed from ``study.potential_outcomes`` of the units actually drawn,
    never copied from a parameter; :meth:`describe` says which panel and column each refers to.

    Examples
    --------
    >>> from kinerja_research.data.simulate import simulate
    >>> truth = simulate("tiny", seed=1).truth
    >>> round(truth.merit_att_simple, 1) > 0
    True
    >>> truth.describe().loc["punishment_jump", "panel"]
    'kinerja_research.analysis.panels.rd_panel'
    """

    merit_att_gt: pd.DataFrame
    merit_att_simple: float
    merit_att_dynamic: pd.DataFrame
    punishment_jump: float
    punishment_jump_fuzzy: float
    punishment_compliance: float
    reward_att: float
    reward_att_gt: pd.DataFrame
    reward_att_ikm: float
    malang_gap: pd.DataFrame
    placement_ate: float
    placement_att: float
    placement_period: int

    DESCRIPTIONS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "merit_att_gt": (
            "kinerja_research.analysis.panels.merit_panel", "ikm",
            "ATT(g,t) of merit_system adoption on unit-year IKM of service units, t >= g: mean "
            "over units of cohort g of IKM(1) - IKM(0) (columns group, time, att, n_units)",
        ),
        "merit_att_simple": (
            "kinerja_research.analysis.panels.merit_panel", "ikm",
            "Callaway-Sant'Anna simple aggregation: ATT(g,t) over post cells weighted by cohort "
            "size = mean of IKM(1) - IKM(0) over all treated post unit-years",
        ),
        "merit_att_dynamic": (
            "kinerja_research.analysis.panels.merit_panel", "ikm",
            "CS dynamic aggregation: ATT at exposure e = t - g, cohort-size weights among "
            "cohorts observed at e (columns e, att)",
        ),
        "punishment_jump": (
            "kinerja_research.analysis.panels.rd_panel", "next_achievement",
            "sharp RD estimand E[Y(1) - Y(0) | achievement = 100]: jump in next-period "
            "achievement (%) of units punished for achievement < 100 under lelang_kinerja; "
            "a sharp RD on the rule identifies it only when punishment_compliance = 1 (otherwise "
            "it estimates punishment_compliance x this jump, the intention-to-treat effect)",
        ),
        "punishment_jump_fuzzy": (
            "kinerja_research.analysis.designs.fuzzy_rd_panel", "next_achievement",
            "fuzzy RD estimand: E[Y(1) - Y(0) | achievement = 100, complier], the effect of "
            "punishment actually imposed, among units that are punished when below 100 "
            "(treatment received: column punished)",
        ),
        "punishment_compliance": (
            "kinerja_research.analysis.designs.fuzzy_rd_panel", "punished",
            "fuzzy RD first stage: share of RD unit-periods that are compliers (punished when "
            "below 100) = jump in P(punished) at achievement 100",
        ),
        "reward_att": (
            "kinerja_research.analysis.panels.reward_panel", "outcome",
            "ATT of tpp_performance on unit-period mean skp_value (years with skp_value): mean "
            "over treated post unit-periods of SKP(1) - SKP(0)",
        ),
        "reward_att_gt": (
            "kinerja_research.analysis.panels.reward_panel", "outcome",
            "ATT(g,t) of tpp_performance on unit-period mean skp_value (group, time, att, n_units)",
        ),
        "reward_att_ikm": (
            "kinerja_research.analysis.panels.merit_panel", "ikm",
            "ATT of tpp_performance on unit-year IKM of service units (treated post unit-years; "
            "cohort = TPP adoption year, not the merit cohort)",
        ),
        "malang_gap": (
            "kinerja_research.analysis.panels.region_panel", "ikm",
            "Kota Malang (3573) region-year IKM (mean over its service units) under "
            "reward_punishment minus without it, post years (columns year, gap)",
        ),
        "placement_ate": (
            "kinerja_research.analysis.panels.placement_data", "outcome",
            "ATE of being well placed (jpm >= 90, JPM category Optimal) on skp_value: mean over "
            "employees of the placement period of Y(1) - Y(0)",
        ),
        "placement_att": (
            "kinerja_research.analysis.panels.placement_data", "outcome",
            "ATT of being well placed on skp_value: mean of Y(1) - Y(0) over well-placed employees",
        ),
        "placement_period": (
            "kinerja_research.analysis.panels.placement_data", "period",
            "the period placement_data uses by default: the last year with skp_value",
        ),
    }

    def describe(self) -> pd.DataFrame:
        """One row per estimand: value (scalars), panel function, column and definition.

        Returns
        -------
        pandas.DataFrame
            Indexed by estimand name, columns ``value``, ``panel``, ``column``, ``definition``.

        Examples
        --------
        >>> from kinerja_research.data.simulate import simulate
        >>> list(simulate("tiny").truth.describe().columns)
        ['value', 'panel', 'column', 'definition']
        """
        rows = []
        for name, (panel, column, text) in self.DESCRIPTIONS.items():
            v = getattr(self, name)
            rows.append({"estimand": name, "value": None if isinstance(v, pd.DataFrame) else v,
                         "panel": panel, "column": column, "definition": text})
        return pd.DataFrame(rows).set_index("estimand")


def _att_gt(po: pd.DataFrame, y1: str, y0: str, time: str = "period") -> pd.DataFrame:
    post = po[po["treated"]]
    diff = (post[y1] - post[y0]).rename("att")
    g = pd.concat([post["cohort"].rename("group"), post[time].rename("time"), diff], axis=1)
    out = g.groupby(["group", "time"], as_index=False).agg(att=("att", "mean"),
                                                           n_units=("att", "size"))
    return out.astype({"group": "int64", "time": "int64", "att": "float64", "n_units": "int64"})


def compute_truth(po: dict[str, pd.DataFrame], placement_period: int) -> Truth:
    """Compute every estimand from the potential-outcome tables built by the world."""
    merit = po["merit"]
    gt = _att_gt(merit, "ikm1", "ikm0")
    treated = merit[merit["treated"]]
    simple = float((treated["ikm1"] - treated["ikm0"]).mean()) if len(treated) else float("nan")
    dyn = gt.assign(e=gt["time"] - gt["group"])
    dyn = dyn.assign(w_att=dyn["att"] * dyn["n_units"])
    agg = dyn.groupby("e", as_index=False)[["w_att", "n_units"]].sum()
    dynamic = pd.DataFrame({"e": agg["e"].astype("int64"),
                            "att": agg["w_att"] / agg["n_units"]})

    pun = po["punishment"]
    if len(pun) >= 2:
        # Intercept at the cutoff of the (exactly linear) individual effect in the running variable.
        slope, intercept = np.polyfit(pun["achievement"] - 100, pun["y1"] - pun["y0"], 1)
        jump = float(intercept)
    else:
        jump = float("nan")
    comp = pun[pun["complier"]] if "complier" in pun.columns else pun
    if len(comp) >= 2:
        # the same intercept among compliers only: the local effect the fuzzy RD identifies
        jump_fuzzy = float(np.polyfit(comp["achievement"] - 100, comp["y1"] - comp["y0"], 1)[1])
    else:
        jump_fuzzy = float("nan")
    compliance = (
        float(pun["complier"].mean()) if "complier" in pun.columns and len(pun) else float("nan")
    )

    rew = po["reward"]
    rt = rew[rew["treated"]]
    reward_att = float((rt["skp1"] - rt["skp0"]).mean()) if len(rt) else float("nan")
    rik = po["reward_ikm"]
    rik_t = rik[rik["treated"]]
    reward_ikm = float((rik_t["ikm1"] - rik_t["ikm0"]).mean()) if len(rik_t) else float("nan")

    mal = po["malang"]
    mpost = mal[mal["treated"].astype(bool)]
    gap = pd.DataFrame({"year": mpost["year"].astype("int64").to_numpy(),
                        "gap": (mpost["ikm1"] - mpost["ikm0"]).astype(float).to_numpy()})

    pl = po["placement"]
    eff = pl["y1"] - pl["y0"]
    ate = float(eff.mean()) if len(pl) else float("nan")
    att = float(eff[pl["treatment"]].mean()) if pl["treatment"].any() else float("nan")
    return Truth(
        merit_att_gt=gt[["group", "time", "att", "n_units"]], merit_att_simple=simple,
        merit_att_dynamic=dynamic, punishment_jump=jump, punishment_jump_fuzzy=jump_fuzzy,
        punishment_compliance=compliance, reward_att=reward_att,
        reward_att_gt=_att_gt(rew, "skp1", "skp0"), reward_att_ikm=reward_ikm,
        malang_gap=gap, placement_ate=ate, placement_att=att,
        placement_period=int(placement_period),
    )
