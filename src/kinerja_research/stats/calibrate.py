"""Power for the user's own panel: a design calibrated to observed data, for :func:`diagnose`.

The synthetic world answers "how would this estimator do in a world like ours?" only as well
as that world resembles the data. :func:`calibrated_design` instead keeps the observed panel's
structure — the same units, their adoption cohorts and the periods each unit is observed —
and replaces the outcome by draws from a model whose variance components are estimated from
the untreated cells of that panel:

.. math::

    y_{it} = \\mu + a_i + b_t + e_{it} + \\tau \\, 1\\{g_i > 0,\\ t \\ge g_i\\},\\qquad
    a_i \\sim N(0, \\sigma_a^2),\\ b_t \\sim N(0, \\sigma_b^2),\\
    e_{it} = \\rho\\, e_{i,t-1} + u_{it},\\ \\operatorname{var}(e_{it}) = \\sigma_e^2,

with the declared effect :math:`\\tau`. :func:`~kinerja_research.stats.diagnose.diagnose` of
the returned design reports, among its diagnosands, the minimum detectable effect for data
like the user's. No input row is kept: the design holds the panel's structure (unit and period
labels are replaced by codes) and four variance components.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from kinerja_research.stats._validate import check_alpha, check_columns, check_int
from kinerja_research.stats.diagnose import Design

__all__ = ["CalibratedWorld", "calibrated_design", "variance_components"]


def _two_way_fe(y: np.ndarray, u: np.ndarray, t: np.ndarray, n_u: int, n_t: int,
                tol: float = 1e-10, maxiter: int = 1000) -> tuple[float, np.ndarray, np.ndarray]:
    """Least-squares two-way fixed effects by alternating projections (unbalanced panels)."""
    mu = float(y.mean())
    a = np.zeros(n_u)
    b = np.zeros(n_t)
    nu = np.bincount(u, minlength=n_u)
    nt = np.bincount(t, minlength=n_t)
    for _ in range(maxiter):
        a_new = np.bincount(u, weights=y - mu - b[t], minlength=n_u) / np.maximum(nu, 1)
        b_new = np.bincount(t, weights=y - mu - a_new[u], minlength=n_t) / np.maximum(nt, 1)
        shift = b_new.mean()  # identify: period effects centred on zero
        b_new -= shift
        a_new += shift
        done = max(np.abs(a_new - a).max(initial=0), np.abs(b_new - b).max(initial=0)) < tol
        a, b = a_new, b_new
        if done:
            break
    c = a.mean()
    return mu + c, a - c, b


def variance_components(
    panel: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str
) -> dict[str, float]:
    """Unit, period, idiosyncratic variance and AR(1) correlation from the untreated cells.

    Untreated cells are never-treated units (cohort 0 or missing) and treated units before
    their cohort. A two-way fixed-effects fit gives residuals :math:`\\hat e_{it}`;
    :math:`\\sigma_e^2` is their variance with the degrees of freedom of the fit; :math:`\\rho`
    the within-unit correlation of residuals in consecutive periods, corrected for the
    demeaning bias of short panels (Nickell 1981: about :math:`-(1 + \\rho)/(T - 1)`);
    :math:`\\sigma_a^2` and :math:`\\sigma_b^2` the variance of the estimated unit and period
    effects less their average sampling variance (method of moments, floored at 0).

    Returns
    -------
    dict
        ``mean``, ``unit_var``, ``period_var``, ``idiosyncratic_var``, ``ar1``,
        ``n_untreated_cells``.
    """
    check_columns(panel, [outcome, unit, time, cohort])
    g = pd.to_numeric(panel[cohort], errors="coerce").fillna(0).to_numpy(float)
    t_val = pd.to_numeric(panel[time], errors="raise").to_numpy(float)
    y_all = pd.to_numeric(panel[outcome], errors="coerce").to_numpy(float)
    untreated = ((g <= 0) | (t_val < g)) & np.isfinite(y_all)
    if untreated.sum() < 10:
        raise ValueError(
            f"only {int(untreated.sum())} untreated cells with an outcome: too few to estimate "
            "variance components"
        )
    u_codes, u_labels = pd.factorize(panel[unit].to_numpy()[untreated])
    periods = np.sort(np.unique(t_val[untreated]))
    t_codes = np.searchsorted(periods, t_val[untreated])
    y = y_all[untreated]
    n_u, n_t = len(u_labels), len(periods)
    if n_u < 3 or n_t < 3:
        raise ValueError(
            f"untreated cells span {n_u} units and {n_t} periods; at least 3 of each are needed"
        )
    mu, a, b = _two_way_fe(y, u_codes, t_codes, n_u, n_t)
    e = y - mu - a[u_codes] - b[t_codes]
    dof = len(y) - n_u - n_t + 1
    if dof < 2:
        raise ValueError("the untreated cells leave no residual degrees of freedom")
    sigma2 = float(np.sum(e**2) / dof)

    # consecutive observed periods of the same unit
    order = np.lexsort((t_codes, u_codes))
    uo, to, eo = u_codes[order], t_codes[order], e[order]
    pair = (uo[1:] == uo[:-1]) & (to[1:] == to[:-1] + 1)
    if pair.sum() >= 2 and np.sum(eo[:-1][pair] ** 2) > 0:
        r = float(np.sum(eo[:-1][pair] * eo[1:][pair]) / np.sum(eo[:-1][pair] ** 2))
        t_bar = float(np.mean(np.bincount(u_codes)))
        r = r + (1 + r) / max(t_bar - 1, 1.0)
        rho = float(np.clip(r, -0.95, 0.95))
    else:
        rho = 0.0
    n_per_unit = np.bincount(u_codes, minlength=n_u)
    n_per_period = np.bincount(t_codes, minlength=n_t)
    unit_var = max(float(np.var(a, ddof=1) - np.mean(sigma2 / n_per_unit)), 0.0)
    period_var = max(float(np.var(b, ddof=1) - np.mean(sigma2 / n_per_period)), 0.0)
    return {
        "mean": float(mu),
        "unit_var": unit_var,
        "period_var": period_var,
        "idiosyncratic_var": sigma2,
        "ar1": rho,
        "n_untreated_cells": int(untreated.sum()),
    }


_TUNED = ("unit_var", "period_var", "idiosyncratic_var", "ar1")


def _calibrate(
    panel: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
    codes: np.ndarray, times: np.ndarray, g: np.ndarray, *, iterations: int, sims: int = 8,
) -> dict[str, float]:
    """Moment estimates, then iterative bias correction against the simulator itself."""
    observed = variance_components(panel, outcome, unit, time, cohort)
    current = dict(observed)
    # keep the observed outcome's missing cells out of the simulated estimation too
    keep = np.isfinite(pd.to_numeric(panel[outcome], errors="coerce").to_numpy(float))
    for it in range(iterations):
        world = CalibratedWorld(codes[keep], times[keep], g[keep], current, 0.0)
        sims_est = [
            variance_components(world(seed=1_000 * it + s)["panel"], "y", "unit", "time", "cohort")
            for s in range(sims)
        ]
        for k in _TUNED:
            gap = observed[k] - float(np.mean([e[k] for e in sims_est]))
            current[k] = current[k] + gap
        for k in ("unit_var", "period_var", "idiosyncratic_var"):
            current[k] = max(current[k], 0.0)
        current["idiosyncratic_var"] = max(current["idiosyncratic_var"], 1e-12)
        current["ar1"] = float(np.clip(current["ar1"], -0.95, 0.95))
    current["calibration_iterations"] = int(iterations)
    return current


class CalibratedWorld:
    """World builder for :class:`Design`: the observed structure with simulated outcomes.

    Called as ``world(preset=..., seed=...)`` by :func:`diagnose`; returns a dict with
    ``panel`` (columns ``unit``, ``time``, ``cohort``, ``y``) and ``truth`` (``{"effect": τ}``,
    the mean effect over treated post-adoption cells).
    """

    def __init__(self, unit_codes: np.ndarray, times: np.ndarray, cohorts: np.ndarray,
                 components: dict[str, float], effect: float | Callable[[np.ndarray], np.ndarray]
                 ) -> None:
        self.unit_codes = np.asarray(unit_codes, dtype=np.int64)
        self.times = np.asarray(times, dtype=float)
        self.cohorts = np.asarray(cohorts, dtype=float)
        self.components = dict(components)
        self.effect = effect
        order = np.lexsort((self.times, self.unit_codes))
        uo = self.unit_codes[order]
        start = np.r_[0, np.flatnonzero(uo[1:] != uo[:-1]) + 1]
        position = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
        # rows holding each unit's 1st, 2nd, ... observed period
        self._by_position = [order[position == k] for k in range(int(position.max()) + 1)]
        self.period_values = np.unique(self.times)

    def __call__(self, *, preset: Any = None, seed: int = 0, **overrides: Any) -> dict[str, Any]:
        c = self.components
        rng = np.random.default_rng(seed)
        n_u = int(self.unit_codes.max()) + 1
        a = rng.normal(0.0, np.sqrt(c["unit_var"]), n_u)
        b = rng.normal(0.0, np.sqrt(c["period_var"]), len(self.period_values))
        t_idx = np.searchsorted(self.period_values, self.times)
        rho, s2 = c["ar1"], c["idiosyncratic_var"]
        # AR(1) along each unit's observed periods (in period order), stationary start;
        # vectorised over units, a short loop over each unit's k-th observation
        e = np.empty(len(self.times))
        z = rng.normal(0.0, 1.0, len(self.times))
        innov_sd = np.sqrt(s2 * (1 - rho**2))
        prev = np.zeros(n_u)
        for k, rows in enumerate(self._by_position):
            units = self.unit_codes[rows]
            prev[units] = (np.sqrt(s2) * z[rows] if k == 0
                           else rho * prev[units] + innov_sd * z[rows])
            e[rows] = prev[units]
        treated = (self.cohorts > 0) & (self.times >= self.cohorts)
        event = np.where(treated, self.times - self.cohorts, np.nan)
        tau = (self.effect(event) if callable(self.effect)
               else np.full(len(event), float(self.effect)))
        tau = np.where(treated, tau, 0.0)
        y = c["mean"] + a[self.unit_codes] + b[t_idx] + e + tau
        panel = pd.DataFrame({"unit": self.unit_codes, "time": self.times,
                              "cohort": self.cohorts, "y": y})
        truth = {"effect": float(tau[treated].mean()) if treated.any() else float("nan")}
        return {"panel": panel, "truth": truth}


def _did_simple(world: dict[str, Any]) -> Any:
    from kinerja_research.stats.did import staggered_did

    p = world["panel"]
    return staggered_did(p, "y", "unit", "time", "cohort", n_boot=0).aggregate("simple")


def _twfe_static(world: dict[str, Any]) -> Any:
    from kinerja_research.stats.twfe import twfe

    p = world["panel"].copy()
    p["d"] = ((p["cohort"] > 0) & (p["time"] >= p["cohort"])).astype(int)
    return twfe(p, "y", "unit", "time", "d")


_ESTIMATORS = {"staggered_did": (_did_simple, "overall"), "twfe": (_twfe_static, "d")}


def calibrated_design(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    effect: float | Callable[[np.ndarray], np.ndarray],
    estimator: Literal["staggered_did", "twfe"] | Callable[[Any], Any] = "staggered_did",
    term: str | None = None,
    alpha: float = 0.05,
    name: str | None = None,
    calibration_iterations: int = 4,
) -> Design:
    """A design with the observed panel's units, cohorts and periods and calibrated noise.

    Parameters
    ----------
    panel : DataFrame
        The user's long panel (one row per unit and period).
    outcome, unit, time, cohort : str
        Columns; ``cohort`` is the first treated period (0 or missing = never treated).
    effect : float or callable
        Declared effect on treated cells: a number, or ``effect(event_time) -> array`` for
        a dynamic effect (event time ``t - g`` ≥ 0).
    estimator : {"staggered_did", "twfe"} or callable
        ``"staggered_did"``: Callaway–Sant'Anna simple ATT (never-treated controls, analytic
        SE); ``"twfe"``: static TWFE; or a callable of the world (``world["panel"]`` has
        columns ``unit``, ``time``, ``cohort``, ``y``) returning a results object.
    term : str, optional
        Row of the estimator's ``tidy()`` (set for the two named estimators).
    alpha : float
        Level of the intervals (and of the MDE).
    name : str, optional
        Label of the design.
    calibration_iterations : int
        Rounds of simulation-based bias correction of the variance components (0: the raw
        moment estimates). The moment estimates are biased in short panels with serial
        correlation (unit means absorb part of an autocorrelated error); each round simulates
        the untreated structure at the current components and moves them by the gap between
        the observed estimates and the simulated estimates' mean (indirect inference).

    Returns
    -------
    Design
        For :func:`~kinerja_research.stats.diagnose.diagnose`; the estimand is ``"effect"``
        (the mean declared effect over treated cells). ``design.world.components`` holds the
        estimated variance components.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.DataFrame({"u": np.repeat(np.arange(40), 6), "t": np.tile(np.arange(2015, 2021), 40)})
    >>> panel["g"] = np.repeat(rng.choice([0, 2018], 40), 6)
    >>> panel["y"] = rng.normal(size=240) + np.repeat(rng.normal(size=40), 6)
    >>> design = calibrated_design(panel, "y", "u", "t", "g", effect=0.5)
    >>> sorted(design.world.components)[:2]
    ['ar1', 'calibration_iterations']
    >>> res = diagnose(design, sims=200)  # doctest: +SKIP
    >>> res.coef["mde"]  # doctest: +SKIP
    """
    check_columns(panel, [outcome, unit, time, cohort])
    alpha = check_alpha(alpha)
    calibration_iterations = check_int(calibration_iterations, "calibration_iterations", minimum=0)
    if not callable(effect):
        if isinstance(effect, bool) or not isinstance(effect, (int, float, np.integer, np.floating)):
            raise TypeError(f"effect must be a number or a callable of event time, got {effect!r}")
        if not np.isfinite(effect):
            raise ValueError(f"effect must be finite, got {effect!r}")
    if panel.duplicated([unit, time]).any():
        raise ValueError(f"panel has duplicate ({unit}, {time}) rows")
    g = pd.to_numeric(panel[cohort], errors="coerce").fillna(0).to_numpy(float)
    if not (g > 0).any():
        raise ValueError(f"no treated unit: every value of {cohort!r} is 0 or missing")
    codes = pd.factorize(panel[unit])[0]
    times = pd.to_numeric(panel[time]).to_numpy(float)
    components = _calibrate(panel, outcome, unit, time, cohort, codes, times, g,
                            iterations=calibration_iterations)
    world = CalibratedWorld(codes, times, g, components, effect)
    if callable(estimator):
        fn, row = estimator, term
    else:
        if estimator not in _ESTIMATORS:
            raise ValueError(f"estimator must be one of {sorted(_ESTIMATORS)} or a callable, "
                             f"got {estimator!r}")
        fn, row = _ESTIMATORS[estimator]
        row = term or row
    return Design(
        estimator=fn, estimand="effect", world=world, term=row, alpha=alpha, preset="calibrated",
        name=name or (
            f"calibrated to the observed panel ({panel[unit].nunique()} units, "
            f"{panel[time].nunique()} periods): {estimator if isinstance(estimator, str) else 'custom'}"
        ),
    )
