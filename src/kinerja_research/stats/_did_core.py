"""Numerical core of :func:`kinerja_research.stats.did.staggered_did` (private).

Everything here works on numpy arrays, vectorized over units: the panel is reshaped once to a
wide ``n_units x n_periods`` outcome matrix, each group-time cell is a 2x2 DiD over unit
vectors, and each cell's influence function (IF) is one column of a dense ``n x k`` matrix.

The 2x2 estimators follow R ``DRDID`` as called by R ``did`` (Callaway & Sant'Anna 2021):

* ``reg``: outcome regression, ``DRDID::reg_did_panel`` (Heckman, Ichimura & Todd 1997);
* ``ipw``: normalized (Hajek) IPW, ``DRDID::std_ipw_did_panel`` (Abadie 2005);
* ``dr``: the locally efficient doubly robust estimator with a logit propensity score and
  OLS outcome model, ``DRDID::drdid_panel`` (Sant'Anna & Zhao 2020, eq. 3.1) -- the one R
  ``did``'s ``est_method = "dr"`` calls, including its propensity trimming at 0.995;
* unbalanced panels: ``DRDID::reg_did_rc`` on the long rows, each row's IF summed back to its
  unit (R ``did``'s ``allow_unbalanced_panel = TRUE`` path).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

_TRIM_LEVEL = 0.995  # DRDID's default: controls with p(X) >= 0.995 get zero weight


@dataclass(frozen=True)
class PanelArrays:
    """The panel in wide form (private; never leaves the estimator)."""

    y: np.ndarray  # (n, T) outcome, NaN where unobserved
    x: np.ndarray | None  # (n, T, p) covariates without intercept, or None
    cohort: np.ndarray  # (n,) first treatment period, 0 = never treated
    times: np.ndarray  # (T,) sorted periods
    cluster: np.ndarray | None  # (n,) integer cluster codes
    balanced: bool


def prepare_panel(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    covariates: list[str],
    cluster: str | None,
) -> PanelArrays:
    """Validate the long panel and reshape it to wide arrays."""
    uid, _ = pd.factorize(data[unit], use_na_sentinel=True)
    if (uid < 0).any():
        raise ValueError(f"unit column {unit!r} has missing values")
    t_raw = pd.to_numeric(data[time], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(t_raw)):
        raise ValueError(f"time column {time!r} must be numeric and complete")
    tcode, times = pd.factorize(t_raw, sort=True)  # hash-based: faster than np.unique
    times = np.asarray(times, dtype=float)
    n, n_t = int(uid.max()) + 1, len(times)
    key = uid.astype(np.int64) * n_t + tcode
    if n * n_t <= 8 * len(key) + 1_000_000:
        dup = np.bincount(key, minlength=n * n_t).max() > 1
    else:
        dup = len(np.unique(key)) < len(key)
    if dup:
        raise ValueError(f"duplicate ({unit}, {time}) rows: each unit may appear once per period")

    g_row = pd.to_numeric(data[cohort], errors="coerce").to_numpy(dtype=float)
    g_row = np.where(np.isnan(g_row), 0.0, g_row)  # NaN = never treated
    g = np.zeros(n)
    g[uid] = g_row
    if np.any(g[uid] != g_row):
        raise ValueError(f"cohort column {cohort!r} must be constant within each unit")
    if np.any(g < 0):
        raise ValueError(f"cohort column {cohort!r} must be 0/NaN (never treated) or a period")

    y_row = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(y_row)
    x_wide = None
    if covariates:
        x_row = np.column_stack(
            [pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float) for c in covariates]
        )
        ok &= np.isfinite(x_row).all(axis=1)
        x_wide = np.full((n, n_t, len(covariates)), np.nan)
        x_wide[uid[ok], tcode[ok]] = x_row[ok]
    y_wide = np.full((n, n_t), np.nan)
    y_wide[uid[ok], tcode[ok]] = y_row[ok]

    clust = None
    if cluster is not None:
        c_row, _ = pd.factorize(data[cluster], use_na_sentinel=True)
        if (c_row < 0).any():
            raise ValueError(f"cluster column {cluster!r} has missing values")
        clust = np.zeros(n, dtype=np.int64)
        clust[uid] = c_row
        if np.any(clust[uid] != c_row):
            raise ValueError(
                f"cluster column {cluster!r} varies within units; clusters must nest units"
            )
        _, clust = np.unique(clust, return_inverse=True)
    balanced = bool(np.isfinite(y_wide).all())
    return PanelArrays(y_wide, x_wide, g, times, clust, balanced)


def keep_units(p: PanelArrays, keep: np.ndarray) -> PanelArrays:
    """Subset units (and re-code clusters)."""
    clust = None
    if p.cluster is not None:
        _, clust = np.unique(p.cluster[keep], return_inverse=True)
    x = None if p.x is None else p.x[keep]
    y = p.y[keep]
    return PanelArrays(y, x, p.cohort[keep], p.times, clust, bool(np.isfinite(y).all()))


def keep_periods(p: PanelArrays, keep: np.ndarray) -> PanelArrays:
    """Subset periods; units left with no observation are dropped."""
    y = p.y[:, keep]
    x = None if p.x is None else p.x[:, keep]
    q = PanelArrays(y, x, p.cohort, p.times[keep], p.cluster, bool(np.isfinite(y).all()))
    seen = np.isfinite(y).any(axis=1)
    return q if seen.all() else keep_units(q, seen)


@dataclass(frozen=True)
class CellPlan:
    """Group-time cells in R ``did``'s order (by group, then time)."""

    group: np.ndarray  # (k,) cohort g
    time: np.ndarray  # (k,) period t
    base: np.ndarray  # (k,) base (reference) period
    t_idx: np.ndarray  # (k,) index of t in times
    b_idx: np.ndarray  # (k,) index of base in times
    ref_cell: np.ndarray  # (k,) universal-base reference cell (ATT = 0 by construction)


def plan_cells(
    groups: np.ndarray, times: np.ndarray, *, anticipation: float, base_period: str
) -> CellPlan:
    """Which (g, t) cells to estimate and their base periods (R ``did`` 2.5 rules).

    Post-treatment and anticipation-window cells (``t >= g - anticipation``) and, under the
    universal base, every cell, are compared with the last period before ``g - anticipation``;
    earlier cells under the varying base with the period just before ``t``.
    """
    rows: list[tuple[float, float, float, int, int, bool]] = []
    start = 0 if base_period == "universal" else 1
    for g in groups:
        last_pre = np.flatnonzero(times + anticipation < g)
        if len(last_pre) == 0:  # cannot happen after preprocessing; defensive
            continue
        lp = int(last_pre[-1])
        for ti in range(start, len(times)):
            t = times[ti]
            bi = lp if (base_period == "universal" or g - anticipation <= t) else ti - 1
            rows.append((g, t, times[bi], ti, bi, bool(bi == ti)))
    arr: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [[]] * 6
    return CellPlan(
        group=np.asarray(arr[0], dtype=float),
        time=np.asarray(arr[1], dtype=float),
        base=np.asarray(arr[2], dtype=float),
        t_idx=np.asarray(arr[3], dtype=np.int64),
        b_idx=np.asarray(arr[4], dtype=np.int64),
        ref_cell=np.asarray(arr[5], dtype=bool),
    )


# --------------------------------------------------------------------------------------------
# 2x2 estimators on one cell. Inputs are restricted to the cell's units (treated or control).
# Each returns (att, IF) with the IF normalized as DRDID does (mean over the cell sample).
# --------------------------------------------------------------------------------------------


class CellFailure(Exception):
    """A cell that cannot be estimated; the message names the cause (becomes an NA cell)."""


def _logit(d: np.ndarray, x: np.ndarray, *, tol: float = 1e-10, max_iter: int = 200
           ) -> np.ndarray:
    """Maximum-likelihood logit by Newton/IRLS with step-halving; returns fitted probabilities.

    Written out rather than statsmodels' GLM because it runs once per cell on up to millions
    of rows (a handful of BLAS calls per iteration, no formula/model overhead). It is R
    ``glm``'s algorithm made safer: the non-intercept columns are rescaled to unit standard
    deviation for the solve (fitted probabilities do not depend on it, the Hessian's condition
    number does -- earnings in dollars next to 0/1 dummies made plain Newton diverge), and a
    step that lowers the log-likelihood is halved until it does not. It converges where R
    ``glm`` converges (tested against statsmodels' unpenalized GLM in tests/test_did_robust.py).
    Under quasi-separation the likelihood keeps rising as some coefficient diverges; the loop
    stops when the log-likelihood no longer changes and the fitted probabilities of the
    separated units are then numerically 0 or 1 -- the overlap check turns that into an NA
    cell, as R ``did`` does.

    Raises
    ------
    CellFailure
        If the propensity-score covariates are collinear within the cell.
    """
    scale = x.std(axis=0)
    scale[0] = 1.0  # column 0 is the intercept
    const = scale == 0
    if const[1:].any():
        raise CellFailure("a propensity-score covariate is constant within the cell "
                          "(collinear with the intercept)")
    xs = x / scale
    beta = np.zeros(x.shape[1])
    pbar = np.clip(d.mean(), 1e-10, 1 - 1e-10)
    beta[0] = np.log(pbar / (1 - pbar))

    def loglik(eta: np.ndarray) -> float:
        # log(1 + exp(eta)) computed stably
        return float(d @ eta - np.logaddexp(0.0, eta).sum())

    eta = xs @ beta
    ll = loglik(eta)
    for _ in range(max_iter):
        p = 0.5 * (1.0 + np.tanh(0.5 * eta))  # = 1 / (1 + exp(-eta)), no overflow
        w = p * (1 - p)
        grad = xs.T @ (d - p)
        hess = (xs * w[:, None]).T @ xs
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            raise CellFailure("the propensity-score covariates are collinear within the cell"
                              ) from None
        if not np.all(np.isfinite(step)):
            raise CellFailure("the propensity-score covariates are collinear within the cell")
        for _halving in range(60):
            eta_new = xs @ (beta + step)
            ll_new = loglik(eta_new)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * (abs(ll) + 1):
                break
            step = step / 2
        beta = beta + step
        eta = eta_new
        change = abs(ll_new - ll) / (abs(ll_new) + 0.1)
        ll = ll_new
        if change < tol or np.max(np.abs(step)) < 1e-12 * (1 + np.max(np.abs(beta))):
            break
    else:
        warnings.warn("propensity-score logit did not converge in "
                      f"{max_iter} iterations", RuntimeWarning, stacklevel=3)
    return 0.5 * (1.0 + np.tanh(0.5 * eta))


def _check_rank(m: np.ndarray, what: str) -> np.ndarray:
    with np.errstate(all="ignore"):
        try:
            rcond = 1.0 / np.linalg.cond(m, 1) if np.all(np.isfinite(m)) else 0.0
        except np.linalg.LinAlgError:
            rcond = 0.0
    if not rcond >= np.finfo(float).eps:
        raise CellFailure(f"the {what} design is singular or numerically ill-conditioned "
                          "(collinear covariates, or a covariate without variation in the cell)")
    return np.linalg.inv(m)


_OVERLAP_LEVEL = 0.999  # R did: a cell whose propensity score reaches 0.999 is NA


def propensity(df: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Fitted propensity score of a cell, with R ``did``'s overlap check.

    Raises
    ------
    CellFailure
        When some fitted score reaches 0.999 (R ``did``'s "overlap condition violated").
    """
    ps = _logit(df, x)
    top = float(ps.max())
    if top >= _OVERLAP_LEVEL:
        raise CellFailure(f"overlap condition violated: a propensity score reaches {top:.4f} "
                          f"(>= {_OVERLAP_LEVEL}; some units have no comparable controls)")
    return ps


def did_panel_nocov(dy: np.ndarray, d: np.ndarray) -> tuple[float, np.ndarray]:
    """Unconditional 2x2 DiD on a balanced cell; reg, ipw and dr coincide here."""
    n1 = len(d)
    n_t = d.sum()
    n_c = n1 - n_t
    mt = dy[d].mean()
    mc = dy[~d].mean()
    inf = np.where(d, (dy - mt) * (n1 / n_t), -(dy - mc) * (n1 / n_c))
    return float(mt - mc), inf


def did_panel(dy: np.ndarray, d: np.ndarray, x: np.ndarray, method: str) -> tuple[float, np.ndarray]:
    """Panel 2x2 DiD with covariates ``x`` (intercept in column 0); DRDID's formulas."""
    n1 = len(d)
    df = d.astype(float)
    cf = 1.0 - df
    if method in ("ipw", "dr"):
        ps = np.minimum(propensity(df, x), 1 - 1e-6)
    if method in ("reg", "dr"):
        xc = x[~d]
        xpx_inv = _check_rank(xc.T @ xc / n1, "comparison units' outcome-regression")
        beta = xpx_inv @ (xc.T @ dy[~d]) / n1
        out = x @ beta
        # asymptotic linear representation of the OLS coefficients
        alr_ols = (cf * (dy - out))[:, None] * x @ xpx_inv
    if method in ("ipw", "dr"):
        trim = np.where(d, True, ps < _TRIM_LEVEL)
        hess = _check_rank(x.T @ ((ps * (1 - ps))[:, None] * x), "propensity-score") * n1
        alr_ps = ((df - ps)[:, None] * x) @ hess
    if method == "reg":
        w_t = df
        mw = w_t.mean()
        eta_t = np.mean(w_t * dy) / mw
        eta_c = np.mean(w_t * out) / mw
        inf_treat = (w_t * dy - w_t * eta_t) / mw
        inf_c1 = w_t * out - w_t * eta_c
        m1 = (w_t[:, None] * x).mean(axis=0)
        inf_control = (inf_c1 + alr_ols @ m1) / mw
        return float(eta_t - eta_c), inf_treat - inf_control
    w_t = trim * df
    w_c = trim * ps * cf / (1 - ps)
    if method == "ipw":
        mt, mc = w_t.mean(), w_c.mean()
        eta_t = np.mean(w_t * dy) / mt
        eta_c = np.mean(w_c * dy) / mc
        inf_treat = (w_t * dy - w_t * eta_t) / mt
        m2 = ((w_c * (dy - eta_c))[:, None] * x).mean(axis=0)
        inf_control = (w_c * dy - w_c * eta_c + alr_ps @ m2) / mc
        return float(eta_t - eta_c), inf_treat - inf_control
    # dr (DRDID::drdid_panel)
    resid = dy - out
    mt, mc = w_t.mean(), w_c.mean()
    eta_t = np.mean(w_t * resid) / mt
    eta_c = np.mean(w_c * resid) / mc
    m1 = (w_t[:, None] * x).mean(axis=0)
    inf_treat = (w_t * resid - w_t * eta_t - alr_ols @ m1) / mt
    m2 = ((w_c * (resid - eta_c))[:, None] * x).mean(axis=0)
    m3 = (w_c[:, None] * x).mean(axis=0)
    inf_control = (w_c * resid - w_c * eta_c + alr_ps @ m2 - alr_ols @ m3) / mc
    return float(eta_t - eta_c), inf_treat - inf_control


def reg_did_rc(y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD for repeated cross sections (``DRDID::reg_did_rc``)."""
    n1 = len(d)
    df, pf = d.astype(float), post.astype(float)
    alr = []
    outs = []
    for mask_post in (0.0, 1.0):
        wm = (1 - df) * (pf == mask_post)
        xw = x * wm[:, None]
        xpx_inv = _check_rank(xw.T @ x / n1, "outcome regression")
        beta = xpx_inv @ (xw.T @ y) / n1
        out = x @ beta
        outs.append(out)
        alr.append((wm * (y - out))[:, None] * x @ xpx_inv)
    out_pre, out_post = outs
    w_pre, w_post, w_d = df * (1 - pf), df * pf, df
    m_pre, m_post, m_d = w_pre.mean(), w_post.mean(), w_d.mean()
    eta_pre = np.mean(w_pre * y) / m_pre
    eta_post = np.mean(w_post * y) / m_post
    cont = w_d * (out_post - out_pre)
    eta_c = cont.mean() / m_d
    inf_pre = (w_pre * y - w_pre * eta_pre) / m_pre
    inf_post = (w_post * y - w_post * eta_post) / m_post
    mom = (w_d[:, None] * x).mean(axis=0)
    inf_control = (cont - w_d * eta_c + alr[1] @ mom - alr[0] @ mom) / m_d
    return float(eta_post - eta_pre - eta_c), inf_post - inf_pre - inf_control


# --------------------------------------------------------------------------------------------
# All cells
# --------------------------------------------------------------------------------------------


def control_mask(
    cohort: np.ndarray, g: float, t: float, base: float, *, control: str, anticipation: float
) -> np.ndarray:
    """Comparison units for cell (g, t): never treated, or also not yet treated (R ``did``)."""
    never = cohort == 0
    if control == "never":
        return never
    later = cohort > max(t, base) + anticipation
    return never | (later & (cohort != g))


def _fail(reasons: dict[int, str], j: int, g: float, t: float, why: str) -> None:
    reasons[j] = why
    warnings.warn(f"ATT({g:g},{t:g}) set to NA: {why}", RuntimeWarning, stacklevel=4)


def estimate_cells(
    panel: PanelArrays,
    plan: CellPlan,
    *,
    method: str,
    control: str,
    anticipation: float,
    unbalanced: bool,
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """ATT(g,t) for every planned cell, the ``n x k`` influence-function matrix, and the
    cells that could not be estimated (index -> cause).

    The IF column of a cell is scaled by ``n / n_cell`` and zero outside the cell, so that
    ``sqrt(mean(IF**2) / n)`` is the cell's standard error, exactly as in R ``did``. ``out``
    (zeros, ``n x k``, e.g. a view into a wider matrix) receives the IF if given. A cell that
    cannot be estimated (no treated or comparison units, overlap violated, collinear
    covariates) is NaN with a zero IF column and a warning naming the cause, as in R ``did``.
    """
    n = len(panel.cohort)
    k = len(plan.group)
    att = np.full(k, np.nan)
    inf = np.zeros((n, k)) if out is None else out
    reasons: dict[int, str] = {}
    cohort = panel.cohort
    for j in range(k):
        g, t, b = plan.group[j], plan.time[j], plan.base[j]
        if plan.ref_cell[j]:
            att[j] = 0.0  # universal base: the reference period itself
            continue
        treated = cohort == g
        ctrl = control_mask(cohort, g, t, b, control=control, anticipation=anticipation)
        cell = treated | ctrl
        if not treated.any() or not ctrl.any():
            _fail(reasons, j, g, t, "no comparison units" if treated.any() else "no treated units")
            continue
        idx = np.flatnonzero(cell)
        d = treated[idx]
        ti, bi = plan.t_idx[j], plan.b_idx[j]
        try:
            with np.errstate(divide="raise", invalid="raise"):
                if not unbalanced:
                    dy = panel.y[idx, ti] - panel.y[idx, bi]
                    if panel.x is None:
                        a, f = did_panel_nocov(dy, d)
                    else:
                        # covariates from the earlier of the two periods, as R did's panel2cs
                        xi = panel.x[idx, min(ti, bi)]
                        xx = np.column_stack([np.ones(len(idx)), xi])
                        a, f = did_panel(dy, d, xx, method)
                    f = f * (n / len(idx))
                else:
                    a, f_unit = _cell_rc(panel, idx, d, ti, bi, n)
            if not (np.isfinite(a) and np.all(np.isfinite(f if not unbalanced else f_unit))):
                raise CellFailure("the estimate is not finite (degenerate weights)")
        except CellFailure as err:
            _fail(reasons, j, g, t, str(err))
            continue
        except FloatingPointError as err:
            _fail(reasons, j, g, t, f"numerical failure ({err}): degenerate weights in the cell")
            continue
        att[j] = a
        if not unbalanced:
            inf[idx, j] = f
        else:
            inf[:, j] = f_unit
    return att, inf, reasons


def _cell_rc(
    panel: PanelArrays, idx: np.ndarray, d: np.ndarray, ti: int, bi: int, n: int
) -> tuple[float, np.ndarray]:
    """One cell on an unbalanced panel: long rows of periods t and base, reg_did_rc."""
    obs_post = np.isfinite(panel.y[idx, ti])
    obs_pre = np.isfinite(panel.y[idx, bi])
    u_post, u_pre = idx[obs_post], idx[obs_pre]
    d_long = np.concatenate([d[obs_post], d[obs_pre]])
    post = np.concatenate([np.ones(len(u_post), bool), np.zeros(len(u_pre), bool)])
    for dv in (True, False):
        for pv in (True, False):
            if not np.any((d_long == dv) & (post == pv)):
                raise CellFailure("a treated/comparison x period cell has no observed rows")
    y = np.concatenate([panel.y[u_post, ti], panel.y[u_pre, bi]])
    if panel.x is None:
        x = np.ones((len(y), 1))
    else:
        # each row's own-period covariates (R did's long/unbalanced path)
        x = np.column_stack([np.ones(len(y)),
                             np.concatenate([panel.x[u_post, ti], panel.x[u_pre, bi]])])
    a, f = reg_did_rc(y, post, d_long, x)
    n_rows = len(y)
    units = np.concatenate([u_post, u_pre])
    f_unit = np.bincount(units, weights=f * (n / n_rows), minlength=n)
    return a, f_unit


# --------------------------------------------------------------------------------------------
# Fast path: balanced panel, no covariates. Every cell's IF is, on the units of each cohort
# block h, a linear function of the unit's outcome path: IF_i = F_i @ a_{h(i), cell} with
# F_i = [Y_i1 - ybar_i, ..., Y_iT - ybar_i, 1]. So Z = X_blk @ A with X_blk block-sparse, and
# the Gram matrix and the bootstrap need only per-block products with F (n x (T+1)), never
# the n x k IF matrix: O(n (T+1)) work per bootstrap draw instead of O(n k).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockDesign:
    """Block representation of the influence functions (private)."""

    att: np.ndarray  # (k,)
    coef: np.ndarray  # (H * q, k + n_groups): Z = X_blk @ coef
    f_sorted: np.ndarray  # (n, q) unit features, units sorted by cohort block
    bounds: np.ndarray  # (H + 1,) block boundaries in the sorted order
    gram_blocks: np.ndarray  # (H, q, q) F_h' F_h
    reasons: dict[int, str]  # cells that could not be estimated -> cause


def block_design(
    panel: PanelArrays, plan: CellPlan, glist: np.ndarray, *, control: str, anticipation: float
) -> BlockDesign:
    """ATT(g,t) and the IF coefficients for a balanced panel without covariates."""
    y = panel.y
    n, n_t = y.shape
    q = n_t + 1
    cohorts, block_of = np.unique(panel.cohort, return_inverse=True)
    order = np.argsort(block_of, kind="stable")
    counts = np.bincount(block_of, minlength=len(cohorts)).astype(float)
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    # remove each unit's mean: differences Y_t - Y_b are unchanged, and the features lose the
    # unit-level (fixed-effect) magnitude, which keeps the Gram and float32 products accurate
    f = np.empty((n, q))
    ys = y[order]
    f[:, :n_t] = ys - ys.mean(axis=1, keepdims=True)
    f[:, n_t] = 1.0
    sums = np.add.reduceat(f, bounds[:-1], axis=0)  # (H, q) block column sums
    gram_blocks = np.stack([f[bounds[h]:bounds[h + 1]].T @ f[bounds[h]:bounds[h + 1]]
                            for h in range(len(cohorts))])
    k, n_g = len(plan.group), len(glist)
    coef = np.zeros((len(cohorts) * q, k + n_g))
    att = np.full(k, np.nan)
    reasons: dict[int, str] = {}
    for j in range(k):
        if plan.ref_cell[j]:
            att[j] = 0.0
            continue
        g, t, b = plan.group[j], plan.time[j], plan.base[j]
        ti, bi = plan.t_idx[j], plan.b_idx[j]
        hg = int(np.searchsorted(cohorts, g))
        hc = np.flatnonzero(control_mask(cohorts, g, t, b, control=control,
                                         anticipation=anticipation))
        n_c = counts[hc].sum()
        if n_c == 0:
            _fail(reasons, j, g, t, "no comparison units")
            continue
        eta_t = (sums[hg, ti] - sums[hg, bi]) / counts[hg]
        eta_c = (sums[hc, ti].sum() - sums[hc, bi].sum()) / n_c
        att[j] = eta_t - eta_c
        a_t = np.zeros(q)
        a_t[ti] += 1.0
        a_t[bi] -= 1.0
        coef[hg * q:(hg + 1) * q, j] = (n / counts[hg]) * (a_t - eta_t * (np.arange(q) == n_t))
        a_c = -(n / n_c) * (a_t - eta_c * (np.arange(q) == n_t))
        for h in hc:
            coef[h * q:(h + 1) * q, j] = a_c
    for m, g in enumerate(glist):  # cohort indicators = the constant feature of block g
        hb = int(np.searchsorted(cohorts, g))
        coef[hb * q + n_t, k + m] = 1.0
    return BlockDesign(att, coef, f, bounds, gram_blocks, reasons)
