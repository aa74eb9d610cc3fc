"""Staggered difference-in-differences: Callaway & Sant'Anna (2021) group-time ATTs.

:func:`staggered_did` estimates every ATT(g, t) -- the average effect in period ``t`` on the
units first treated in period ``g`` -- as a 2x2 DiD against never-treated (or not-yet-treated)
units, with outcome-regression, IPW or doubly robust adjustment for covariates, and keeps each
cell's influence function. Inference is analytic (influence function) and by the multiplier
bootstrap, clustered if asked; aggregations (``simple``, ``group``, ``dynamic``,
``calendar``) and the pre-trend Wald test are linear in the influence functions, so they are
computed from a small Gram matrix and the stored bootstrap draws, never from unit-level data.

References
----------
Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. *Journal of Econometrics* 225(2), 200-230.
Sant'Anna, P. H. C. & Zhao, J. (2020). Doubly robust difference-in-differences estimators.
*Journal of Econometrics* 219(1), 101-122.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from scipy import sparse
from scipy import stats as _st

from kinerja_research.provenance import fingerprint
from kinerja_research.stats import _did_core as core
from kinerja_research.stats import _did_rc as rc
from kinerja_research.stats._bootstrap import (
    bootstrap_summary,
    rademacher_draws,
    rademacher_draws_blocked,
)
from kinerja_research.stats._results import Results, normal_inference

__all__ = ["DiDAggregate", "StaggeredDiDResults", "WaldTest", "staggered_did"]

_METHODS = {
    "dr": "doubly robust (Sant'Anna & Zhao 2020, DRDID::drdid_panel)",
    "ipw": "normalized inverse probability weighting (Abadie 2005, DRDID::std_ipw_did_panel)",
    "reg": "outcome regression (Heckman, Ichimura & Todd 1997, DRDID::reg_did_panel)",
}
_RC_FUNCS = {"dr": "drdid_rc", "ipw": "std_ipw_did_rc", "reg": "reg_did_rc"}
_CONTROLS = {"never": "never treated", "notyet": "not yet treated (and never treated)"}
_AGG_KEY = {"simple": None, "group": "group", "dynamic": "e", "calendar": "time"}
_ESTIMANDS = {
    "simple": "ATT(simple): post-treatment ATT(g,t) averaged with cohort-size weights",
    "group": "ATT(g): average post-treatment effect of cohort g; overall = cohort-size "
             "weighted mean of ATT(g)",
    "dynamic": "ATT(e): event-study effect e periods after treatment, averaged over cohorts "
               "with cohort-size weights; overall = mean of ATT(e) over e >= 0",
    "calendar": "ATT(t): effect in period t averaged over the cohorts treated by t; "
                "overall = mean of ATT(t)",
}


# ============================================================================================
# Results
# ============================================================================================


class WaldTest(Results):
    """Wald test that all pre-treatment ATT(g,t) are zero (a test of parallel pre-trends).

    A frozen results object: ``tidy()`` has one row (``term`` "pre-trends: all pre-treatment
    ATT(g,t) = 0", the chi-squared ``statistic``, its ``p_value`` and ``df``; no estimate or
    interval), and the accessors below.

    Attributes
    ----------
    statistic : float
        ``W = att' V^{-1} att`` over the pre-treatment cells, chi-squared under the null.
    df : int
        Number of pre-treatment cells tested.
    p_value : float
        ``P(chi2_df > W)``.
    cells : tuple of (group, time)
        The cells tested.
    variance : str
        The covariance estimator used.
    """

    method = "Wald test of parallel pre-trends (Callaway & Sant'Anna 2021)"

    @property
    def statistic(self) -> float:
        """The Wald statistic."""
        return float(self._tidy["statistic"].iloc[0])

    @property
    def df(self) -> int:
        """Degrees of freedom (pre-treatment cells tested)."""
        return int(self._tidy["df"].iloc[0])

    @property
    def p_value(self) -> float:
        """Chi-squared p-value."""
        return float(self._tidy["p_value"].iloc[0])

    @property
    def cells(self) -> tuple[tuple[float, float], ...]:
        """The (group, time) cells tested."""
        return tuple(tuple(c) for c in self._provenance["cells"])

    @property
    def variance(self) -> str:
        """The covariance estimator used."""
        return str(self._provenance["variance"])

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance of the tested pre-treatment ATT(g,t)."""
        return self._get_extra("vcov")

    @property
    def nobs(self) -> int:
        """Independent observations behind the test (units; responses for cross-sections)."""
        return int(self._provenance["nobs"])

    def __str__(self) -> str:
        return (
            "Pre-trend Wald test: H0 all pre-treatment ATT(g,t) = 0\n"
            f"  W = {self.statistic:.4f}, df = {self.df}, p = {self.p_value:.5f}\n"
            f"  variance: {self.variance}"
        )


class _DiDBase(Results):
    """Shared display for the staggered-DiD results objects."""

    _show: tuple[str, ...] = ("control_group", "est_method", "base_period", "anticipation", "n_units",
             "n_responses",
             "n_clusters", "panel", "n_boot", "propensity_trimming", "missing_cells",
             "dropped_cells", "data_fingerprint")

    def _header_lines(self) -> list[str]:
        lines = super()._header_lines()
        p = self._provenance
        for k in self._show:
            if p.get(k) is not None:
                lines.insert(-1, f"  {k.replace('_', ' ')}: {p[k]}")
        return lines

    def _state(self) -> dict[str, Any]:
        return self._extra["_state"]

    @property
    def vcov(self) -> pd.DataFrame:
        """Analytic (influence-function) covariance of the estimates, indexed by term.

        Rows and columns follow ``tidy()``; clustered if the fit was. Cells that could not be
        estimated and universal-base reference cells have NaN rows/columns.
        """
        s = self._state()
        c = self._extra["_coef"]
        v = c.T @ s["gram"] @ c / s["n"] ** 2
        bad = ~(np.isfinite(self._tidy["std_error"].to_numpy()))
        v[bad, :] = np.nan
        v[:, bad] = np.nan
        terms = self._tidy["term"].tolist()
        return pd.DataFrame(v, index=terms, columns=terms)

    @property
    def nobs(self) -> int:
        """Independent observations: units (panel) or responses (``panel=False``)."""
        return int(self._state()["n"])


class StaggeredDiDResults(_DiDBase):
    """Group-time average treatment effects ATT(g,t) (Callaway & Sant'Anna 2021).

    ``tidy()`` has one row per cell: ``term`` ("ATT(g,t)"), the estimate, the analytic
    influence-function standard error and pointwise interval (``std_error``, ``conf_low``,
    ``conf_high``), the keys ``group``, ``time``, ``base_period``, ``post``, and, when the
    bootstrap ran, ``std_error_boot`` with the simultaneous band ``conf_low_uniform``,
    ``conf_high_uniform`` over all cells (bootstrap SE times ``critical_value``).
    """

    method = "Callaway & Sant'Anna (2021) group-time ATT"

    @property
    def att_gt(self) -> pd.DataFrame:
        """The ATT(g,t) table: group, time, estimate, std_error, conf_low, conf_high, ..."""
        t = self._tidy
        cols = ["group", "time", "estimate", "std_error", "conf_low", "conf_high",
                "base_period", "post", "std_error_boot", "critical_value", "conf_low_uniform",
                "conf_high_uniform"]
        return t[cols].copy()

    def pretrend_test(self) -> WaldTest:
        """Wald test that every pre-treatment ATT(g,t) is zero (R ``did``'s pre-test).

        Uses the analytic (influence-function) covariance of the pre-treatment cells
        (``t < g - anticipation``), clustered if the fit was; cells with zero or missing
        variance (the universal base period's reference cells) are left out.

        Returns
        -------
        WaldTest

        Examples
        --------
        >>> res.pretrend_test().p_value  # doctest: +SKIP
        0.16812
        """
        s = self._state()
        k = len(s["att"])
        ant = self._provenance["anticipation"]
        se = np.sqrt(np.diag(s["gram"])[:k]) / s["n"]
        pre = np.flatnonzero((s["group"] - ant > s["time"]) & np.isfinite(s["att"])
                             & np.isfinite(se) & (se > 0) & ~s["ref_cell"])
        if len(pre) == 0:
            raise ValueError("no pre-treatment ATT(g,t) with positive variance to test")
        cov = s["gram"][np.ix_(pre, pre)] / s["n"] ** 2
        if 1.0 / np.linalg.cond(cov, 1) <= np.finfo(float).eps:
            raise ValueError("the covariance of the pre-treatment ATT(g,t) is singular")
        a = s["att"][pre]
        w = float(a @ np.linalg.solve(cov, a))
        cells = tuple((float(s["group"][i]), float(s["time"][i])) for i in pre)
        terms = [f"ATT({g:g},{t:g})" for g, t in cells]
        tidy = pd.DataFrame({
            "term": ["pre-trends: all pre-treatment ATT(g,t) = 0"], "estimate": [np.nan],
            "std_error": [np.nan], "statistic": [w], "p_value": [float(_st.chi2.sf(w, len(pre)))],
            "conf_low": [np.nan], "conf_high": [np.nan], "df": [len(pre)],
        })
        untested = [f"ATT({s['group'][j]:g},{s['time'][j]:g})" for j in sorted(s["missing"])
                    if s["group"][j] - ant > s["time"][j]]
        prov = {
            "estimand": "H0: every pre-treatment ATT(g,t) is zero (chi-squared Wald test)",
            "variance": self._provenance["variance_analytic"],
            "cells": tuple(cells), "nobs": s["n"],
            "untested_missing_cells": untested or None,
            "data_fingerprint": self._provenance.get("data_fingerprint"),
        }
        return WaldTest(tidy=tidy, provenance=prov, alpha=self.alpha,
                        extra={"vcov": pd.DataFrame(cov, index=terms, columns=terms)})

    def aggregate(
        self,
        type: Literal["simple", "group", "dynamic", "calendar"] = "simple",  # noqa: A002
        *,
        min_e: float | None = None,
        max_e: float | None = None,
        balance_e: int | None = None,
        drop_missing: bool = False,
    ) -> DiDAggregate:
        """Aggregate the ATT(g,t) into summary effects (R ``did::aggte``).

        Parameters
        ----------
        type : {"simple", "group", "dynamic", "calendar"}
            ``simple``: cohort-size weighted average of post-treatment cells; ``group``: by
            cohort; ``dynamic``: by event time ``e = t - g`` (an event study); ``calendar``:
            by period.
        min_e, max_e : float, optional
            Event-time window (``simple``, ``group``, ``dynamic``).
        balance_e : int, optional
            ``dynamic`` only: keep only cohorts observed for at least ``balance_e`` periods
            after treatment, so the composition of ATT(e) does not change with ``e``.
        drop_missing : bool
            Cells that could not be estimated (NA in ``tidy()``; the cause is in
            ``provenance["missing_cells"]``) make the aggregation fail, as in R ``did`` and
            csdid, because leaving them out changes the estimand. With ``True`` they are left
            out (R's ``na.rm = TRUE``), cohorts left without any post-treatment cell are
            dropped from ``group``, and the dropped cells are recorded in the provenance and
            the summary.

        Returns
        -------
        DiDAggregate
            Overall and by-level estimates with analytic and bootstrap standard errors and a
            simultaneous (uniform) band for the by-level estimates from the same bootstrap
            draws as the fit (clustered if the fit was).

        Examples
        --------
        >>> es = res.aggregate("dynamic", min_e=-3, max_e=3)  # doctest: +SKIP
        >>> es.tidy()[["term", "estimate", "std_error"]]  # doctest: +SKIP
        """
        if type not in _AGG_KEY:
            raise ValueError(f"type must be one of {sorted(_AGG_KEY)}, got {type!r}")
        for name, v in (("min_e", min_e), ("max_e", max_e)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or math.isnan(v)):
                raise TypeError(f"{name} must be a number or None, got {v!r}")
        if balance_e is not None:
            if isinstance(balance_e, bool) or not isinstance(balance_e, (int, np.integer)) \
                    or balance_e < 0:
                raise ValueError(f"balance_e must be a non-negative integer, got {balance_e!r}")
            if type != "dynamic":
                warnings.warn(f"balance_e is ignored for type={type!r}", stacklevel=2)
                balance_e = None
        if type == "calendar" and (min_e is not None or max_e is not None):
            warnings.warn("min_e and max_e are ignored for type='calendar'", stacklevel=2)
        lo = -np.inf if min_e is None else float(min_e)
        hi = np.inf if max_e is None else float(max_e)
        if not isinstance(drop_missing, bool):
            raise TypeError(f"drop_missing must be True or False, got {drop_missing!r}")
        s = self._state()
        missing = _missing_text(s)
        if missing and not drop_missing:
            raise ValueError(
                f"{len(missing)} ATT(g,t) could not be estimated, so the {type!r} aggregate "
                "would silently change its estimand: " + "; ".join(missing)
                + ". Fix the cause (see the warnings of the fit) or pass drop_missing=True "
                "to leave these cells out.")
        labels, c_by, c_all, dropped_groups = _aggregation_weights(s, type, lo, hi, balance_e)
        opts = {"min_e": min_e, "max_e": max_e, "balance_e": balance_e,
                "drop_missing": drop_missing,
                "dropped_cells": tuple(missing) or None,
                "dropped_cohorts": tuple(dropped_groups) or None}
        return _make_aggregate(self, s, type, labels, c_by, c_all, opts)

    def plot(self, ax: Any = None) -> Any:
        """ATT(g,t) by period, one panel per cohort, with pointwise and uniform bands."""
        import matplotlib.pyplot as plt

        t = self._tidy
        groups = np.unique(t["group"])
        if ax is None:
            fig, axes = plt.subplots(len(groups), 1, figsize=(6, 2.2 * len(groups) + 0.6),
                                     sharex=True, squeeze=False)
            axes = axes[:, 0]
        else:
            axes = np.atleast_1d(ax)
            fig = axes[0].figure
        for a, g in zip(axes, groups, strict=False):
            sub = t[t["group"] == g]
            _band_plot(a, sub["time"].to_numpy(), sub, colors=np.where(sub["post"], "C3", "C0"))
            a.set_title(f"cohort g = {g:g}", fontsize=9)
        axes[-1].set_xlabel("period")
        fig.tight_layout()
        return fig


class DiDAggregate(_DiDBase):
    """Aggregated staggered-DiD effects (from :meth:`StaggeredDiDResults.aggregate`).

    ``tidy()`` rows: the ``overall`` effect first, then one row per level (event time ``e``,
    cohort ``group`` or period ``time``). Columns: the standard tidy columns with the
    analytic influence-function SE and pointwise interval, ``std_error_boot`` (multiplier
    bootstrap), and for the levels ``critical_value`` and the simultaneous band
    ``conf_low_uniform`` / ``conf_high_uniform`` (bootstrap SE times the sup-t critical
    value; NaN without the bootstrap).
    """

    method = "Callaway & Sant'Anna (2021) aggregated ATT"
    _show = ("aggregation", "min_e", "max_e", "balance_e", *_DiDBase._show)

    @property
    def overall(self) -> pd.Series:
        """The overall row (estimate, std_error, std_error_boot, ...)."""
        return self._tidy.iloc[0].copy()

    def sensitivity(
        self,
        *,
        method: Literal["relative_magnitude", "smoothness"] = "relative_magnitude",
        m: Sequence[float] | float | None = None,
        l_vec: Sequence[float] | None = None,
        alpha: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """HonestDiD sensitivity of the event study to violations of parallel trends.

        Runs :func:`kinerja_research.stats.honestdid.honest_did` on the event-time estimates
        and their analytic (influence-function) covariance: pre-periods are the event times
        before the reference period, post-periods the reference period's successors. As in R
        (``did::honest_did``), it needs ``aggregate("dynamic")`` of a fit with
        ``base_period="universal"``, so that every pre-period estimate is measured from the
        same reference period.

        Parameters
        ----------
        method, m, l_vec, alpha, **kwargs
            As :func:`~kinerja_research.stats.honestdid.honest_did` (``alpha`` defaults to
            this result's); ``l_vec`` weighs the post-periods ``e = ref + 1, ref + 2, ...``
            (default: the first).

        Returns
        -------
        HonestDiDResults

        Examples
        --------
        >>> res = staggered_did(df, "y", "unit", "t", "g", base_period="universal",
        ...                     n_boot=0)  # doctest: +SKIP
        >>> res.aggregate("dynamic").sensitivity(m=[0.5, 1, 2]).breakdown  # doctest: +SKIP
        """
        from kinerja_research.stats.honestdid import honest_did

        p = self._provenance
        if p.get("aggregation") != "dynamic":
            raise ValueError("sensitivity() needs an event study: aggregate('dynamic'), "
                             f"not {p.get('aggregation')!r}")
        if p.get("base_period") != "universal":
            raise ValueError("sensitivity() needs base_period='universal' in staggered_did: "
                             "with the varying base the pre-period estimates are period-to-period "
                             "changes, not deviations from one reference period (R did warns "
                             "for the same reason)")
        if p.get("balance_e") is not None or p.get("dropped_cells"):
            warnings.warn("event-time composition is not the full sample (balance_e or "
                          "dropped cells): the sensitivity analysis refers to that subsample",
                          stacklevel=2)
        t = self._tidy.iloc[1:]
        e = t["e"].to_numpy(dtype=float)
        ref = -1.0 - float(p.get("anticipation") or 0)
        if ref not in e:
            raise ValueError(f"the reference event time e={ref:g} is not in the event study "
                             "(min_e/max_e must keep it)")
        if not np.allclose(np.diff(e), 1.0):
            raise ValueError(f"event times must be consecutive integers, got {e.tolist()}")
        keep = e != ref
        num_pre = int((e < ref).sum())
        num_post = int((e > ref).sum())
        if num_pre < 1 or num_post < 1:
            raise ValueError(f"need at least one pre-period before e={ref:g} and one "
                             f"post-period after it (have {num_pre} and {num_post})")
        beta = t["estimate"].to_numpy()[keep]
        v = self.vcov.to_numpy()[1:, 1:][np.ix_(keep, keep)]
        if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(v))):
            raise ValueError("some event-time estimates or variances are missing")
        res = honest_did(beta, v, num_pre, num_post, method=method, m=m, l_vec=l_vec,
                         alpha=self.alpha if alpha is None else alpha, nobs=self.nobs,
                         **kwargs)
        return res

    def plot(self, ax: Any = None) -> Any:
        """Estimates by level with pointwise intervals and the uniform band (event study)."""
        import matplotlib.pyplot as plt

        t = self._tidy.iloc[1:]
        key = self._provenance["aggregation_key"]
        if key is None:
            return super().plot(ax=ax)
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 3.6))
        else:
            fig = ax.figure
        x = t[key].to_numpy(dtype=float)
        colors = np.where(x >= 0, "C3", "C0") if key == "e" else np.full(len(x), "C3")
        _band_plot(ax, x, t, colors=colors)
        if key == "e":
            ax.axvline(-0.5, color="grey", lw=0.8, ls=":")
        ax.set_xlabel({"e": "event time e = t - g", "group": "cohort g", "time": "period t"}[key])
        ax.set_title(self._provenance["estimand"], fontsize=8)
        fig.tight_layout()
        return fig


def _band_plot(ax: Any, x: np.ndarray, t: pd.DataFrame, *, colors: np.ndarray) -> None:
    est = t["estimate"].to_numpy()
    lo_u, hi_u = t["conf_low_uniform"].to_numpy(), t["conf_high_uniform"].to_numpy()
    if np.isfinite(lo_u).any():
        ax.vlines(x, lo_u, hi_u, colors=list(colors), lw=1, alpha=0.45, label="uniform band")
    ax.errorbar(x, est, yerr=[est - t["conf_low"].to_numpy(), t["conf_high"].to_numpy() - est],
                fmt="none", ecolor="k", elinewidth=2.2, capsize=0, label="pointwise CI")
    ax.scatter(x, est, c=list(colors), zorder=3, s=18)
    ax.axhline(0, color="grey", lw=0.8)
    ax.legend(fontsize=7, frameon=False)


# ============================================================================================
# Aggregation weights (R did's compute.aggte, linear in the influence functions)
# ============================================================================================


def _wif(s: dict[str, Any], keep: np.ndarray, pgk: np.ndarray, att_k: np.ndarray,
         group_of: np.ndarray) -> np.ndarray:
    """Coefficients on the cohort indicators from estimating the weights (R did's ``wif``).

    For weights ``pg_k / sum(pg)`` with ``pg_k = P(G = g(k))`` estimated by sample shares,
    the weighted average's influence function gains ``sum_k att_k * wif_k`` with
    ``wif_k = (1{G=g(k)} - pg_k) / S - pg_k * sum_j (1{G=g(j)} - pg_j) / S^2``; the constants
    cancel, leaving a combination of the cohort indicator columns only.
    """
    n_g = len(s["glist"])
    ssum = pgk.sum()
    a = np.bincount(group_of[keep], weights=att_k, minlength=n_g) / ssum
    cnt = np.bincount(group_of[keep], minlength=n_g)
    a -= (att_k @ pgk) / ssum**2 * cnt
    return a


def _missing_text(s: dict[str, Any]) -> list[str]:
    """``"ATT(g,t): cause"`` for every cell that could not be estimated."""
    return [f"ATT({s['group'][j]:g},{s['time'][j]:g}): {why}"
            for j, why in sorted(s["missing"].items())]


def _aggregation_weights(
    s: dict[str, Any], kind: str, lo: float, hi: float, balance_e: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Coefficient vectors over ``[IF cells | cohort indicators]`` for each estimate."""
    att, grp, tim = s["att"], s["group"], s["time"]
    gi = s["group_idx"]
    k, n_g = len(att), len(s["glist"])
    p = k + n_g
    pg_cell = s["pg"][gi]
    valid = np.isfinite(att)
    e = tim - grp
    post = (grp <= tim) & valid
    window = post & (e >= lo) & (e <= hi)

    def avg(keep: np.ndarray, with_wif: bool) -> np.ndarray:
        c = np.zeros(p)
        w = pg_cell[keep] / pg_cell[keep].sum()
        c[keep] = w
        if with_wif:
            c[k:] = _wif(s, keep, pg_cell[keep], att[keep], gi)
        return c

    all_post = (grp <= tim) & (e >= lo) & (e <= hi)
    if kind == "simple":
        keep = np.flatnonzero(window)
        if len(keep) == 0:
            why = ("every such cell is missing" if all_post.any()
                   else "no post-treatment cell has an event time in the window")
            raise ValueError(f"no post-treatment ATT(g,t) to aggregate: {why} "
                             f"(min_e={lo:g}, max_e={hi:g})")
        return np.array([]), np.zeros((p, 0)), avg(keep, True), []

    if kind == "group":
        cols, labels, kept, dropped = [], [], [], []
        for h, g in enumerate(s["glist"]):
            keep = np.flatnonzero(window & (gi == h))
            if len(keep) == 0:
                if np.any(all_post & (gi == h)):  # only reachable with drop_missing=True
                    dropped.append(f"cohort {g:g}: every post-treatment ATT(g,t) is missing")
                    continue
                raise ValueError(f"cohort {g:g} has no post-treatment period with event time "
                                 f"in [{lo:g}, {hi:g}]; widen min_e/max_e")
            cols.append(avg(keep, False))  # equal weights within a cohort, no wif
            labels.append(g)
            kept.append(h)
        if not cols:
            raise ValueError("no cohort has a post-treatment ATT(g,t) that could be estimated")
        c_by = np.column_stack(cols)
        att_g = att_nan0(att) @ c_by[:k]
        keep_g = np.asarray(kept)
        pgg = s["pg"][keep_g]
        c_all = c_by @ (pgg / pgg.sum())
        c_all[k:] += _wif(s, np.arange(len(kept)), pgg, att_g, keep_g)
        return np.asarray(labels), c_by, c_all, dropped

    if kind == "dynamic":
        include = valid.copy()
        eseq = np.unique(e[valid])
        if balance_e is not None:
            max_t = s["time"].max()
            eligible = (max_t - grp >= balance_e)
            required = np.unique(e[eligible & (e >= 0) & (e <= balance_e)])
            ok_groups = [h for h in range(n_g)
                         if set(required) <= set(e[valid & (gi == h)]) and
                         np.any(eligible & (gi == h))]
            if not ok_groups:
                raise ValueError("no cohort is observed through balance_e; reduce balance_e")
            include = valid & np.isin(gi, ok_groups)
            eseq = np.unique(e[include])
            eseq = eseq[(eseq <= balance_e)
                        & (eseq >= balance_e - max_t + s["times"].min())]
        eseq = eseq[(eseq >= lo) & (eseq <= hi)]
        if len(eseq) == 0:
            raise ValueError(f"no estimated event time in the window [{lo:g}, {hi:g}]")
        c_by = np.column_stack([avg(np.flatnonzero(include & (e == ev)), True) for ev in eseq])
        pos = eseq >= 0
        if not pos.any():
            c_all = np.full(p, np.nan)
        else:
            c_all = c_by[:, pos].mean(axis=1)
        return eseq, c_by, c_all, []

    # calendar
    tl = s["times"][s["times"] >= s["glist"].min()]
    tl = np.array([t for t in tl if np.any(post & (tim == t))])
    if len(tl) == 0:
        raise ValueError("no post-treatment ATT(g,t) that could be estimated, so nothing to "
                         "aggregate by calendar time")
    c_by = np.column_stack([avg(np.flatnonzero(post & (tim == t)), True) for t in tl])
    return tl, c_by, c_by.mean(axis=1), []


def att_nan0(att: np.ndarray) -> np.ndarray:
    """ATT vector with NaN cells as 0 (they carry zero weight in every aggregation)."""
    return np.where(np.isfinite(att), att, 0.0)


def _linear_inference(s: dict[str, Any], c: np.ndarray, alpha: float
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Estimates, analytic SEs, bootstrap SEs and the uniform critical value of ``c' theta``.

    Analytic: ``Var = c' (Z_c' Z_c) c / n^2`` with ``Z_c`` the (cluster-summed) influence
    functions -- identical to ``mean(psi^2) / n`` for ``psi = Z c`` without clustering.
    Bootstrap: the stored draws times ``c``.
    """
    k = len(s["att"])
    est = att_nan0(s["att"]) @ c[:k]
    var = np.einsum("pm,pq,qm->m", c, s["gram"], c)
    se = np.sqrt(np.clip(var, 0, None)) / s["n"]
    se = np.where(se > 0, se, np.nan)
    if s["draws"] is None or c.shape[1] == 0:
        return est, se, np.full(len(est), np.nan), float("nan")
    se_b, crit = bootstrap_summary(s["draws"] @ c, alpha)
    return est, se, se_b, crit


def _make_aggregate(parent: StaggeredDiDResults, s: dict[str, Any], kind: str,
                    labels: np.ndarray, c_by: np.ndarray, c_all: np.ndarray,
                    options: dict[str, Any]) -> DiDAggregate:
    alpha = parent.alpha
    z = _st.norm.ppf(1 - alpha / 2)
    est_b, se_b, seb_b, crit = _linear_inference(s, c_by, alpha)
    est_o, se_o, seb_o, _ = _linear_inference(s, c_all[:, None], alpha)
    if c_by.shape[1] and np.isfinite(crit) and crit < z:
        warnings.warn("uniform critical value below the pointwise one; using pointwise",
                      stacklevel=3)
        crit = z
    key = _AGG_KEY[kind]
    est = np.concatenate([est_o, est_b])
    se = np.concatenate([se_o, se_b])
    tidy = pd.DataFrame({"term": ["overall"] + [f"{key}={v:g}" for v in labels],
                         "estimate": est, "std_error": se})
    tidy = tidy.assign(**normal_inference(est, se, alpha))
    if key is not None:
        tidy[key] = np.concatenate([[np.nan], labels.astype(float)])
    seb = np.concatenate([seb_o, seb_b])
    crit_col = np.concatenate([[np.nan], np.full(len(labels), crit)])
    tidy["std_error_boot"] = seb
    tidy["critical_value"] = crit_col
    tidy["conf_low_uniform"] = est - crit_col * seb
    tidy["conf_high_uniform"] = est + crit_col * seb
    prov = dict(parent.provenance)
    prov.update(
        estimand=_ESTIMANDS[kind], aggregation=kind, aggregation_key=key,
        uniform_band="sup-t band over the levels from the multiplier bootstrap"
        if s["draws"] is not None else None,
        **options,
    )
    prov.pop("package_versions", None)
    prov["method"] = DiDAggregate.method
    return DiDAggregate(tidy=tidy, provenance=prov, alpha=alpha,
                        extra={"_state": s, "_coef": np.column_stack([c_all, c_by])})


# ============================================================================================
# The estimator
# ============================================================================================


def _check_options(
    data: Any, outcome: str, unit: str | None, time: str | None, cohort: str | None,
    covariates: Sequence[str], control: str, method: str, anticipation: float,
    base_period: str, alpha: float, n_boot: int, cluster: str | None, panel: bool,
) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(panel, bool):
        raise TypeError(f"panel must be True or False, got {panel!r}")
    names = {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort}
    if not panel and unit is None:
        names.pop("unit")  # repeated cross-sections need no unit identifier
    for arg, col in names.items():
        if not isinstance(col, str):
            why = (" (panel data need a unit identifier; pass panel=False for repeated "
                   "cross-sections)") if arg == "unit" and col is None else ""
            raise TypeError(f"{arg} must be a column name (str), got {col!r}{why}")
    wanted = [*names.values(), *covariates] + ([cluster] if cluster is not None else [])
    missing = [c for c in wanted if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    if control not in _CONTROLS:
        raise ValueError(f"control must be 'never' or 'notyet', got {control!r}")
    if method not in _METHODS:
        raise ValueError(f"method must be 'dr', 'ipw' or 'reg', got {method!r}")
    if base_period not in ("varying", "universal"):
        raise ValueError(f"base_period must be 'varying' or 'universal', got {base_period!r}")
    if isinstance(anticipation, bool) or not isinstance(anticipation, (int, float)) \
            or not anticipation >= 0:
        raise ValueError(f"anticipation must be a number >= 0, got {anticipation!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, float | int) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a non-negative integer (0 = no bootstrap), got {n_boot!r}")
    if 0 < n_boot < 100:
        warnings.warn("fewer than 100 bootstrap draws give unstable SEs and bands", stacklevel=3)


def _resolve_seed(random_state: int | np.random.Generator | None
                  ) -> tuple[np.random.Generator, int | str]:
    if isinstance(random_state, np.random.Generator):
        return random_state, "numpy Generator supplied by caller (state not recorded)"
    if random_state is None:
        # draw a seed and record it, so even an unseeded run can be reproduced
        # numpy types entropy as int | Sequence[int] | None; drawn fresh, it is an int
        seed = int(cast(int, np.random.SeedSequence().entropy) % 2**63)
        return np.random.default_rng(seed), seed
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
        raise TypeError(f"random_state must be an int, a numpy Generator or None, "
                        f"got {random_state!r}")
    return np.random.default_rng(int(random_state)), int(random_state)


def _preprocess(panel: core.PanelArrays, *, control: str, anticipation: float,
                allow_unbalanced_panel: bool) -> tuple[core.PanelArrays, np.ndarray, list[str]]:
    """R ``did``'s pre-processing of cohorts and periods; returns the panel and cohorts."""
    notes: list[str] = []
    times = panel.times
    g = panel.cohort
    # treated after the last period: never treated within the window (R did)
    if np.any(g > times.max()):
        g = np.where(g > times.max(), 0.0, g)
        panel = core.PanelArrays(panel.y, panel.x, g, times, panel.cluster, panel.balanced)
    last_cohort_control = None
    if not np.any(g == 0):
        if control == "never":
            raise ValueError("no never-treated units (cohort 0/NaN); use control='notyet'")
        last_cohort_control = g.max()
        keep_t = times < last_cohort_control - anticipation
        if keep_t.sum() < 2:
            raise ValueError("fewer than two periods before the last cohort is treated")
        panel = core.keep_periods(panel, keep_t)
        notes.append(f"no never-treated units: periods from {last_cohort_control - anticipation:g} "
                     f"on dropped, cohort {last_cohort_control:g} used only as comparison")
    first = panel.times.min()
    early = (panel.cohort > 0) & (panel.cohort <= first + anticipation)
    if early.any():
        warnings.warn(f"dropped {int(early.sum())} units already treated in the first period",
                      stacklevel=3)
        panel = core.keep_units(panel, ~early)
    seen = np.isfinite(panel.y).any(axis=1)
    if not seen.all():
        panel = core.keep_units(panel, seen)
    if not panel.balanced and not allow_unbalanced_panel:
        full = np.isfinite(panel.y).all(axis=1)
        warnings.warn(f"dropped {int((~full).sum())} units not observed in every period "
                      "(allow_unbalanced_panel=False)", stacklevel=3)
        panel = core.keep_units(panel, full)
    glist = np.unique(panel.cohort[panel.cohort > 0])
    if last_cohort_control is not None:
        glist = glist[glist < last_cohort_control]
    if len(glist) == 0:
        raise ValueError("no treated cohorts left to estimate")
    if len(panel.times) < 2:
        raise ValueError("at least two periods are needed")
    return panel, glist, notes


def _cohort_columns(z: np.ndarray, cohort: np.ndarray, glist: np.ndarray, k: int) -> np.ndarray:
    """Fill the cohort-indicator columns ``z[:, k:]`` (they carry the estimated-weights term of
    the aggregations, R did's ``wif``) and return the cohort shares ``pg``."""
    unit_g = np.searchsorted(glist, np.minimum(cohort, glist.max()))
    is_g = glist[unit_g] == cohort
    z[np.flatnonzero(is_g), k + unit_g[is_g]] = 1.0
    return z[:, k:].mean(axis=0)


def _dense_inference(z: np.ndarray, cluster: np.ndarray | None, order: np.ndarray | None,
                     bounds: np.ndarray | None, n_boot: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Gram matrix and multiplier-bootstrap draws of the influence-function matrix ``z``.

    Without clustering the rows are taken in ``order`` with blocks ``bounds`` (rows in which
    the same columns are nonzero) so the bootstrap skips the zero blocks.
    """
    n = z.shape[0]
    if cluster is not None:
        n_cl = int(cluster.max()) + 1
        summer = sparse.csr_matrix((np.ones(n), (cluster, np.arange(n))), shape=(n_cl, n))
        zc = np.asarray(summer @ z)
        bounds = None
    else:
        n_cl = n
        zc = z if order is None else z[order]
    gram = zc.T @ zc
    draws = None
    if n_boot > 0:
        # deviations theta* - theta_hat = sum_c v_c S_c / n, for all columns of Z at once
        draws = rademacher_draws(zc, int(n_boot), rng, bounds=bounds) / n
    return gram, draws, n_cl


def _fit_cross_sections(
    data: pd.DataFrame, *, outcome: str, time: str, cohort: str, covs: list[str],
    cluster: str | None, control: str, method: str, anticipation: float, base_period: str,
    n_boot: int, rng: np.random.Generator,
) -> tuple[Any, ...]:
    """Repeated cross-sections (R did ``panel = FALSE``): every row is an observation."""
    c, n_bad = rc.prepare_cross_sections(data, outcome=outcome, time=time, cohort=cohort,
                                         covariates=covs, cluster=cluster)
    notes: list[str] = []
    if n_bad:
        warnings.warn(f"dropped {n_bad} rows with a missing outcome or covariate", stacklevel=3)
        notes.append(f"{n_bad} rows with a missing outcome or covariate dropped")
    times = c.times
    if np.any(c.cohort > times.max()):  # treated after the window: never treated within it
        c = rc.with_cohort(c, np.where(c.cohort > times.max(), 0.0, c.cohort))
    last_cohort_control = None
    if not np.any(c.cohort == 0):
        if control == "never":
            raise ValueError("no never-treated rows (cohort 0/NaN); use control='notyet'")
        last_cohort_control = c.cohort.max()
        keep_t = c.times < last_cohort_control - anticipation
        if keep_t.sum() < 2:
            raise ValueError("fewer than two periods before the last cohort is treated")
        c = rc.keep_periods(c, keep_t)
        notes.append(f"no never-treated rows: periods from {last_cohort_control - anticipation:g} "
                     f"on dropped, cohort {last_cohort_control:g} used only as comparison")
    early = (c.cohort > 0) & (c.cohort <= c.times.min() + anticipation)
    if early.any():
        warnings.warn(f"dropped {int(early.sum())} rows of cohorts already treated in the first "
                      "period", stacklevel=3)
        c = rc.keep_rows(c, ~early)
    glist = np.unique(c.cohort[c.cohort > 0])
    if last_cohort_control is not None:
        glist = glist[glist < last_cohort_control]
    if len(glist) == 0:
        raise ValueError("no treated cohorts left to estimate")
    if len(c.times) < 2:
        raise ValueError("at least two periods are needed")
    plan = core.plan_cells(glist, c.times, anticipation=anticipation, base_period=base_period)
    n = len(c.y)
    k, n_g = len(plan.group), len(glist)
    if not covs and c.cluster is None:
        # fast path: differences of means, influence functions in block form (_did_rc)
        bd = rc.block_design_rc(c, plan, glist, method=method, control=control,
                                anticipation=anticipation)
        att, reasons = bd.att, bd.reasons
        gram = sum(bd.coef[2 * h:2 * h + 2].T @ bd.gram_blocks[h] @ bd.coef[2 * h:2 * h + 2]
                   for h in range(len(bd.gram_blocks)))
        draws = None
        if n_boot > 0:
            draws = rademacher_draws_blocked(bd.f_sorted, bd.bounds, int(n_boot), rng) @ bd.coef / n
        pg = np.array([np.mean(c.cohort == g) for g in glist])
        return att, reasons, gram, draws, n, n, pg, plan, glist, c.times, notes, n
    z = np.zeros((n, k + n_g))
    att, reasons = rc.estimate_cells_rc(c, plan, method=method, control=control,
                                        anticipation=anticipation, out=z[:, :k])
    pg = _cohort_columns(z, c.cohort, glist, k)
    gram, draws, n_cl = _dense_inference(z, c.cluster, None, c.bounds, n_boot, rng)
    return att, reasons, gram, draws, n, n_cl, pg, plan, glist, c.times, notes, n


def staggered_did(
    data: pd.DataFrame,
    outcome: str,
    unit: str | None = None,
    time: str | None = None,
    cohort: str | None = None,
    *,
    covariates: Sequence[str] | None = None,
    control: Literal["never", "notyet"] = "never",
    method: Literal["dr", "ipw", "reg"] = "dr",
    anticipation: float = 0,
    base_period: Literal["varying", "universal"] = "varying",
    alpha: float = 0.05,
    n_boot: int = 999,
    cluster: str | None = None,
    random_state: int | np.random.Generator | None = None,
    allow_unbalanced_panel: bool = True,
    panel: bool = True,
) -> StaggeredDiDResults:
    """Callaway & Sant'Anna (2021) group-time average treatment effects ATT(g,t).

    Each ATT(g,t) compares the outcome change from a base period to period ``t`` of the
    units first treated in ``g`` with that of the comparison units, adjusting for
    ``covariates`` by outcome regression, IPW or both (doubly robust). Standard errors come
    from the cells' influence functions (analytic) and from a multiplier bootstrap
    (Rademacher weights, as R ``did``), which also gives simultaneous confidence bands.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period; with ``panel=False``, one row per
        observation (e.g. a survey response) of repeated cross-sections.
    outcome, unit, time, cohort : str
        Columns: outcome; unit identifier (``None`` allowed with ``panel=False``, where it
        is not used: cluster by it with ``cluster=``); period (numeric); first treated period
        of the unit (``0`` or missing = never treated; constant within unit).
    covariates : sequence of str, optional
        Pre-treatment covariates (numeric). The value in the earlier period of each 2x2
        comparison is used, as R ``did`` does.
    control : {"never", "notyet"}
        Comparison group: never-treated units, or also units not yet treated by ``t``.
    method : {"dr", "ipw", "reg"}
        2x2 estimator: doubly robust (Sant'Anna & Zhao 2020, R ``did``'s default), normalized
        IPW, or outcome regression. Without covariates the three coincide.
    anticipation : float
        Periods before treatment in which units may already react.
    base_period : {"varying", "universal"}
        Varying: pre-treatment cells compare adjacent periods; universal: every cell uses
        the last period before treatment (its own ATT is 0 by construction).
    alpha : float
        Significance level for every interval.
    n_boot : int
        Multiplier-bootstrap draws (0 = analytic inference only).
    cluster : str, optional
        Column with clusters that nest units (e.g. region); both the analytic variance and
        the bootstrap then treat clusters as independent (CR0, no small-sample correction).
    random_state : int or numpy Generator, optional
        Seed of the bootstrap; without one a seed is drawn and recorded in ``provenance``.
    allow_unbalanced_panel : bool
        Unbalanced panels: if True (default) use R ``did``'s unbalanced-panel path (the
        repeated-cross-section outcome-regression estimator on the observed rows, available
        for ``method="reg"`` or without covariates); if False drop units with missing periods.
    panel : bool
        ``False``: repeated cross-sections, as R ``did``'s ``panel = FALSE`` -- every row is
        its own observation, each cell is estimated on the rows of its two periods by
        ``DRDID::drdid_rc`` / ``std_ipw_did_rc`` / ``reg_did_rc`` (covariates from each row),
        the influence functions and the bootstrap are per row (or per ``cluster``), and the
        cohort weights of the aggregations are shares of rows. Rows with a missing outcome
        or covariate are dropped with a warning.

    Returns
    -------
    StaggeredDiDResults
        ``.att_gt`` table, ``.aggregate(...)``, ``.pretrend_test()``, ``tidy()``,
        ``summary()``, ``plot()``, ``vcov``, ``nobs``, ``provenance``. Cells that cannot be
        estimated (no comparison units, overlap violated -- a propensity score reaching
        0.999 -- or collinear covariates) are NaN with a warning naming the cause, listed in
        ``provenance["missing_cells"]``; aggregations then require ``drop_missing=True``.

    Examples
    --------
    >>> import pandas as pd
    >>> from kinerja_research.stats.did import staggered_did
    >>> df = pd.read_csv("tests/data/mpdta.csv")  # doctest: +SKIP
    >>> res = staggered_did(df, "lemp", "countyreal", "year", "first.treat",
    ...                     random_state=1)  # doctest: +SKIP
    >>> res.aggregate("dynamic").overall["estimate"]  # doctest: +SKIP
    -0.0772398...
    """
    covs = [] if covariates is None else list(covariates)
    if isinstance(covariates, str):
        raise TypeError("covariates must be a list of column names, not a string")
    _check_options(data, outcome, unit, time, cohort, covs, control, method, anticipation,
                   base_period, alpha, n_boot, cluster, panel)
    rng, seed = _resolve_seed(random_state)
    # _check_options refused columns that are not names (only a cross-section may lack a unit)
    assert time is not None and cohort is not None

    used = list(dict.fromkeys([c for c in (unit, time, outcome, cohort) if c is not None]
                              + covs + ([cluster] if cluster is not None else [])))
    if not panel:
        fit = _fit_cross_sections(data, outcome=outcome, time=time, cohort=cohort, covs=covs,
                                  cluster=cluster, control=control, method=method,
                                  anticipation=anticipation, base_period=base_period,
                                  n_boot=n_boot, rng=rng)
        att, reasons, gram, draws, n, n_cl, pg, plan, glist, times, notes, n_obs = fit
        unbalanced = False
        if unit is not None:
            notes.append(f"unit column {unit!r} not used: with panel=False every row is its own "
                         "observation (use cluster= to cluster by it)")
    else:
        assert unit is not None  # _check_options: panel data need a unit identifier
        pan = core.prepare_panel(data, outcome=outcome, unit=unit, time=time, cohort=cohort,
                                 covariates=covs, cluster=cluster)
        pan, glist, notes = _preprocess(pan, control=control, anticipation=anticipation,
                                        allow_unbalanced_panel=allow_unbalanced_panel)
        unbalanced = not pan.balanced
        if unbalanced and covs and method != "reg":
            raise ValueError("unbalanced panels with covariates are supported for method='reg' "
                             "only; use method='reg' or allow_unbalanced_panel=False")
        times = pan.times
        n_obs = int(np.isfinite(pan.y).sum())
        plan = core.plan_cells(glist, pan.times, anticipation=anticipation,
                               base_period=base_period)
        n = len(pan.cohort)
        k, n_g = len(plan.group), len(glist)
        if not unbalanced and not covs and pan.cluster is None:
            # fast path: influence functions in block form, never materialized (_did_core)
            bd = core.block_design(pan, plan, glist, control=control, anticipation=anticipation)
            att, coef, reasons = bd.att, bd.coef, bd.reasons
            q = bd.f_sorted.shape[1]
            gram = sum(coef[h * q:(h + 1) * q].T @ bd.gram_blocks[h] @ coef[h * q:(h + 1) * q]
                       for h in range(len(bd.gram_blocks)))
            draws = None
            if n_boot > 0:
                w = rademacher_draws_blocked(bd.f_sorted, bd.bounds, int(n_boot), rng)
                draws = w @ coef / n
            n_cl = n
            pg = np.array([np.mean(pan.cohort == g) for g in glist])
        else:
            z = np.zeros((n, k + n_g))
            att, _, reasons = core.estimate_cells(pan, plan, method=method, control=control,
                                                  anticipation=anticipation,
                                                  unbalanced=unbalanced, out=z[:, :k])
            pg = _cohort_columns(z, pan.cohort, glist, k)
            # units grouped by cohort: a cell's IF is zero outside its cohort and controls
            order = np.argsort(pan.cohort, kind="stable")
            bounds = np.flatnonzero(np.diff(pan.cohort[order], prepend=-1, append=-1))
            gram, draws, n_cl = _dense_inference(z, pan.cluster, order, bounds, n_boot, rng)
            del z
    k, n_g = len(plan.group), len(glist)
    group_idx = np.searchsorted(glist, plan.group)

    state = {
        "att": att, "group": plan.group, "time": plan.time, "base": plan.base,
        "ref_cell": plan.ref_cell, "group_idx": group_idx, "glist": glist, "pg": pg,
        "times": times, "gram": gram, "draws": draws, "n": n, "missing": reasons,
    }
    # the ATT(g,t) table
    eye = np.eye(k + n_g)[:, :k]
    _, se, se_b, crit = _linear_inference(state, eye, alpha)
    se = np.where(plan.ref_cell | ~np.isfinite(att), np.nan, se)
    z_crit = _st.norm.ppf(1 - alpha / 2)
    if draws is not None and np.isfinite(crit) and crit < z_crit:
        crit = z_crit
    tidy = pd.DataFrame({
        "term": [f"ATT({g:g},{t:g})" for g, t in zip(plan.group, plan.time, strict=True)],
        "estimate": att, "std_error": se,
    })
    tidy = tidy.assign(**normal_inference(att, se, alpha))
    tidy["group"] = plan.group
    tidy["time"] = plan.time
    tidy["base_period"] = plan.base
    tidy["post"] = plan.group <= plan.time
    se_b = np.where(plan.ref_cell, np.nan, se_b)
    tidy["std_error_boot"] = se_b
    tidy["critical_value"] = crit
    tidy["conf_low_uniform"] = att - crit * se_b
    tidy["conf_high_uniform"] = att + crit * se_b

    obs = "units" if panel else "responses"
    cl_text = (f"clustered by {cluster!r} ({n_cl} clusters)" if cluster
               else "unit (independent units)" if panel
               else "response (independent rows)")
    var_an = ("influence function, analytic" + (f", cluster-robust by {cluster!r} (CR0)"
                                                 if cluster else ""))
    var_boot = (f"multiplier bootstrap, Rademacher weights, {n_boot} draws"
                + (f", one weight per {cluster!r} cluster" if cluster else "")
                + "; SE = IQR/(z.75 - z.25); sup-t uniform band") if n_boot else None
    if not panel:
        panel_text = ("repeated cross-sections (R did panel=FALSE): each row its own "
                      f"observation; DRDID::{_RC_FUNCS[method]}")
    elif unbalanced:
        panel_text = ("unbalanced panel: repeated-cross-section outcome regression on observed "
                      "rows (DRDID::reg_did_rc), influence functions summed by unit")
    else:
        panel_text = "balanced panel"
    prov = {
        "estimand": "ATT(g,t) = E[Y_t(g) - Y_t(0) | G = g] (Callaway & Sant'Anna 2021)",
        "variance": var_an + (f" (std_error); {var_boot} (std_error_boot, uniform band)"
                              if var_boot else " (std_error); no bootstrap"),
        "variance_analytic": var_an,
        "variance_bootstrap": var_boot,
        "bootstrap_weights": "Rademacher" if n_boot else None,
        "cluster": cl_text,
        "n_boot": int(n_boot),
        "seed": seed if n_boot else None,
        "control_group": _CONTROLS[control],
        "est_method": f"{method}: {_METHODS[method]}",
        "base_period": base_period,
        "anticipation": anticipation,
        "covariates": covs,
        "n_units": n if panel else None,
        "n_responses": None if panel else n,
        "n_clusters": n_cl if cluster else None,
        "n_periods": len(times),
        "panel": panel_text,
        "notes": notes,
        "propensity_trimming": (
            f"comparison {obs} with propensity score >= {core._TRIM_LEVEL} get zero weight "
            f"(DRDID trim.level); a cell whose fitted score reaches {core._OVERLAP_LEVEL} is NA "
            "(R did's overlap check)") if covs and method in ("dr", "ipw") else None,
        "missing_cells": tuple(f"ATT({plan.group[j]:g},{plan.time[j]:g}): {why}"
                               for j, why in sorted(reasons.items())) or None,
        "data_fingerprint": fingerprint(data[used]),
        "n_obs": n_obs,
    }
    return StaggeredDiDResults(tidy=tidy, provenance=prov, alpha=alpha,
                               extra={"_state": state, "_coef": eye})
