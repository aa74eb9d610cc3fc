"""Repeated cross-sections for :func:`kinerja_research.stats.did.staggered_did` (private).

R ``did`` with ``panel = FALSE``: every row is its own observation (a survey response), the
influence functions have one entry per row, and each group-time cell is a 2x2 DiD on the
rows of its two periods, estimated by

* ``reg``: ``DRDID::reg_did_rc`` (outcome regression; in :mod:`._did_core`),
* ``ipw``: ``DRDID::std_ipw_did_rc`` (normalized IPW, Abadie 2005),
* ``dr``: ``DRDID::drdid_rc`` (the locally efficient doubly robust estimator of Sant'Anna &
  Zhao 2020, with outcome regressions for the treated and the comparison rows in each period),

with propensity trimming at 0.995 and R ``did``'s overlap (0.999) and rank guards. Without
covariates the intercept is the only regressor, as in R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinerja_research.stats._did_core import (
    _OVERLAP_LEVEL,
    _TRIM_LEVEL,
    BlockDesign,
    CellFailure,
    CellPlan,
    _check_rank,
    _fail,
    control_mask,
    propensity,
    reg_did_rc,
)


@dataclass(frozen=True)
class CrossSections:
    """Rows sorted by (cohort, period) (private; never leaves the estimator)."""

    y: np.ndarray  # (n,)
    x: np.ndarray | None  # (n, p) covariates without intercept
    tcode: np.ndarray  # (n,) index of the row's period in ``times``
    cohort: np.ndarray  # (n,) first treatment period, 0 = never treated
    times: np.ndarray  # (T,)
    cluster: np.ndarray | None  # (n,) cluster codes
    bounds: np.ndarray  # block boundaries of equal (cohort, period) in the row order


def prepare_cross_sections(
    data: pd.DataFrame, *, outcome: str, time: str, cohort: str, covariates: list[str],
    cluster: str | None,
) -> tuple[CrossSections, int]:
    """Validate the rows and return them sorted, with the number of rows dropped as missing."""
    t_raw = pd.to_numeric(data[time], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(t_raw)):
        raise ValueError(f"time column {time!r} must be numeric and complete")
    g = pd.to_numeric(data[cohort], errors="coerce").to_numpy(dtype=float)
    g = np.where(np.isnan(g), 0.0, g)  # NaN = never treated
    if np.any(g < 0):
        raise ValueError(f"cohort column {cohort!r} must be 0/NaN (never treated) or a period")
    y = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(y)
    x = None
    if covariates:
        x = np.column_stack([pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
                             for c in covariates])
        ok &= np.isfinite(x).all(axis=1)
    clust = None
    if cluster is not None:
        clust, _ = pd.factorize(data[cluster], use_na_sentinel=True)
        if (clust < 0).any():
            raise ValueError(f"cluster column {cluster!r} has missing values")
    n_bad = int((~ok).sum())
    if n_bad:
        y, t_raw, g = y[ok], t_raw[ok], g[ok]
        x = None if x is None else x[ok]
        clust = None if clust is None else clust[ok]
    tcode, times = pd.factorize(t_raw, sort=True)
    return _sorted(y, x, tcode.astype(np.int64), g, np.asarray(times, float), clust), n_bad


def _sorted(y: np.ndarray, x: np.ndarray | None, tcode: np.ndarray, g: np.ndarray,
            times: np.ndarray, clust: np.ndarray | None) -> CrossSections:
    order = np.lexsort((tcode, g))
    y, tcode, g = y[order], tcode[order], g[order]
    x = None if x is None else x[order]
    if clust is not None:
        _, clust = np.unique(clust[order], return_inverse=True)
    change = np.flatnonzero((np.diff(g) != 0) | (np.diff(tcode) != 0)) + 1
    bounds = np.concatenate([[0], change, [len(y)]]).astype(np.int64)
    return CrossSections(y, x, tcode, g, times, clust, bounds)


def keep_rows(c: CrossSections, keep: np.ndarray) -> CrossSections:
    """Subset rows (the sort order is kept)."""
    x = None if c.x is None else c.x[keep]
    cl = None if c.cluster is None else c.cluster[keep]
    return _sorted(c.y[keep], x, c.tcode[keep], c.cohort[keep], c.times, cl)


def keep_periods(c: CrossSections, keep_t: np.ndarray) -> CrossSections:
    """Keep the rows of the periods flagged in ``keep_t`` and re-code the periods."""
    rows = keep_t[c.tcode]
    new_code = np.cumsum(keep_t) - 1
    x = None if c.x is None else c.x[rows]
    cl = None if c.cluster is None else c.cluster[rows]
    return _sorted(c.y[rows], x, new_code[c.tcode[rows]], c.cohort[rows], c.times[keep_t], cl)


def with_cohort(c: CrossSections, g: np.ndarray) -> CrossSections:
    """The same rows with re-coded cohorts (re-sorted)."""
    return _sorted(c.y, c.x, c.tcode, g, c.times, c.cluster)


# --------------------------------------------------------------------------------------------
# 2x2 estimators on the rows of one cell; IF normalized as DRDID (mean over the cell's rows)
# --------------------------------------------------------------------------------------------


def _ps_pieces(d: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trimmed propensity score, trimming indicator and the logit's asymptotic linear rep."""
    n = len(d)
    df = d.astype(float)
    ps = np.minimum(propensity(df, x), 1 - 1e-6)
    trim = np.where(d, True, ps < _TRIM_LEVEL)
    hess = _check_rank(x.T @ ((ps * (1 - ps))[:, None] * x), "propensity-score") * n
    alr_ps = ((df - ps)[:, None] * x) @ hess
    return ps, trim.astype(float), alr_ps


def std_ipw_did_rc(y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray
                   ) -> tuple[float, np.ndarray]:
    """Normalized IPW DiD for repeated cross sections (``DRDID::std_ipw_did_rc``)."""
    df, pf = d.astype(float), post.astype(float)
    ps, trim, alr_ps = _ps_pieces(d, x)
    odds = ps * (1 - df) / (1 - ps)
    ws = {"tpre": trim * df * (1 - pf), "tpost": trim * df * pf,
          "cpre": trim * odds * (1 - pf), "cpost": trim * odds * pf}
    mw = {k: w.mean() for k, w in ws.items()}
    att_ = {k: np.mean(ws[k] * y) / mw[k] for k in ws}
    inf = {k: (ws[k] * y - ws[k] * att_[k]) / mw[k] for k in ws}
    att = (att_["tpost"] - att_["tpre"]) - (att_["cpost"] - att_["cpre"])
    m2 = {k: ((ws[k] * (y - att_[k]))[:, None] * x).mean(axis=0) / mw[k]
          for k in ("cpre", "cpost")}
    inf_treat = inf["tpost"] - inf["tpre"]
    inf_cont = inf["cpost"] - inf["cpre"] + alr_ps @ (m2["cpost"] - m2["cpre"])
    return float(att), inf_treat - inf_cont


def _ols(x: np.ndarray, y: np.ndarray, w: np.ndarray, what: str
         ) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values on all rows and the OLS asymptotic linear representation (rows ``w``)."""
    n = len(y)
    xpx = (x * w[:, None]).T @ x / n
    xpx_inv = _check_rank(xpx, what)
    beta = xpx_inv @ ((x * w[:, None]).T @ y) / n
    fit = x @ beta
    return fit, (w * (y - fit))[:, None] * x @ xpx_inv


def drdid_rc(y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray
             ) -> tuple[float, np.ndarray]:
    """Locally efficient doubly robust DiD for repeated cross sections (``DRDID::drdid_rc``).

    One sign differs from R DRDID 1.2's code: the estimation effect of the comparison units'
    pre-period outcome regression enters the treated and the comparison components with a
    minus sign. Both components contain ``-tau_pre`` with ``tau_pre`` a mean of
    ``y - x' beta_pre``, so its derivative in ``beta_pre`` is subtracted; R adds it. csdid 0.4.3
    and moderndid 0.4.1 (the references in tests/test_did_rcs.py) subtract it, and the
    analytic SEs then agree with them to 1e-6; the point estimate is unaffected.
    """
    df, pf = d.astype(float), post.astype(float)
    ps, trim, alr_ps = _ps_pieces(d, x)
    cf = 1 - df
    oc_pre, alr_c_pre = _ols(x, y, cf * (1 - pf), "comparison units' pre-period outcome-regression")
    oc_post, alr_c_post = _ols(x, y, cf * pf, "comparison units' post-period outcome-regression")
    ot_pre, alr_t_pre = _ols(x, y, df * (1 - pf), "treated units' pre-period outcome-regression")
    ot_post, alr_t_post = _ols(x, y, df * pf, "treated units' post-period outcome-regression")
    oc = pf * oc_post + (1 - pf) * oc_pre
    odds = ps * cf / (1 - ps)
    w_tpre, w_tpost = trim * df * (1 - pf), trim * df * pf
    w_cpre, w_cpost = trim * odds * (1 - pf), trim * odds * pf
    w_d, w_dt1, w_dt0 = trim * df, trim * df * pf, trim * df * (1 - pf)
    r = y - oc

    def part(w: np.ndarray, v: np.ndarray) -> tuple[float, np.ndarray, float]:
        mw = w.mean()
        eta = w * v / mw
        a = eta.mean()
        return a, eta - w * a / mw, mw

    a_tpre, i_tpre, m_tpre = part(w_tpre, r)
    a_tpost, i_tpost, m_tpost = part(w_tpost, r)
    a_cpre, i_cpre, m_cpre = part(w_cpre, r)
    a_cpost, i_cpost, m_cpost = part(w_cpost, r)
    a_dpost, i_dpost, m_d = part(w_d, ot_post - oc_post)
    a_dt1, i_dt1, m_dt1 = part(w_dt1, ot_post - oc_post)
    a_dpre, i_dpre, _ = part(w_d, ot_pre - oc_pre)
    a_dt0, i_dt0, m_dt0 = part(w_dt0, ot_pre - oc_pre)
    att = ((a_tpost - a_tpre) - (a_cpost - a_cpre) + (a_dpost - a_dt1) - (a_dpre - a_dt0))

    def cm(v: np.ndarray) -> np.ndarray:
        return (v[:, None] * x).mean(axis=0)

    # treated component: estimation effect of the comparison outcome regressions
    m1_post = -cm(w_tpost * pf) / m_tpost
    m1_pre = -cm(w_tpre * (1 - pf)) / m_tpre
    inf_treat = i_tpost - i_tpre + alr_c_post @ m1_post - alr_c_pre @ m1_pre
    # comparison component: propensity score and outcome-regression estimation effects
    m2_pre = cm(w_cpre * (r - a_cpre)) / m_cpre
    m2_post = cm(w_cpost * (r - a_cpost)) / m_cpost
    m3_post = -cm(w_cpost * pf) / m_cpost
    m3_pre = -cm(w_cpre * (1 - pf)) / m_cpre
    inf_cont = (i_cpost - i_cpre + alr_ps @ (m2_post - m2_pre)
                + alr_c_post @ m3_post - alr_c_pre @ m3_pre)
    # local-efficiency adjustment terms
    inf_eff = (i_dpost - i_dt1) - (i_dpre - i_dt0)
    mom_post = cm(w_d / m_d - w_dt1 / m_dt1)
    mom_pre = cm(w_d / m_d - w_dt0 / m_dt0)
    inf_or = (alr_t_post - alr_c_post) @ mom_post - (alr_t_pre - alr_c_pre) @ mom_pre
    return float(att), inf_treat - inf_cont + inf_eff + inf_or


_ESTIMATORS = {"reg": reg_did_rc, "ipw": std_ipw_did_rc, "dr": drdid_rc}


def estimate_cells_rc(
    c: CrossSections, plan: CellPlan, *, method: str, control: str, anticipation: float,
    out: np.ndarray,
) -> tuple[np.ndarray, dict[int, str]]:
    """ATT(g,t) of every planned cell; ``out`` (zeros, ``n x k``) receives the row-level IF.

    A cell's IF is scaled by ``n / n_cell`` and zero outside its rows (R ``did``), so the
    analytic SE is ``sqrt(mean(IF**2) / n)``. Cells that cannot be estimated are NaN with a
    warning naming the cause.
    """
    n = len(c.y)
    k = len(plan.group)
    att = np.full(k, np.nan)
    reasons: dict[int, str] = {}
    est = _ESTIMATORS[method]
    cohorts = np.unique(c.cohort)
    for j in range(k):
        g, t, b = plan.group[j], plan.time[j], plan.base[j]
        if plan.ref_cell[j]:
            att[j] = 0.0
            continue
        ti, bi = plan.t_idx[j], plan.b_idx[j]
        ctrl_cohorts = cohorts[control_mask(cohorts, g, t, b, control=control,
                                            anticipation=anticipation)]
        in_periods = (c.tcode == ti) | (c.tcode == bi)
        treated = c.cohort == g
        rows = np.flatnonzero(in_periods & (treated | np.isin(c.cohort, ctrl_cohorts)))
        d = treated[rows]
        post = c.tcode[rows] == ti
        empty = [f"{'treated' if dv else 'comparison'} rows in period {c.times[pi]:g}"
                 for dv in (True, False) for pv, pi in ((True, ti), (False, bi))
                 if not np.any((d == dv) & (post == pv))]
        if empty:
            _fail(reasons, j, g, t, "no " + " and no ".join(empty))
            continue
        x = np.ones((len(rows), 1)) if c.x is None else np.column_stack(
            [np.ones(len(rows)), c.x[rows]])
        try:
            with np.errstate(divide="raise", invalid="raise"):
                a, f = est(c.y[rows], post, d, x)
            if not (np.isfinite(a) and np.all(np.isfinite(f))):
                raise CellFailure("the estimate is not finite (degenerate weights)")
        except CellFailure as err:
            _fail(reasons, j, g, t, str(err))
            continue
        except FloatingPointError as err:
            _fail(reasons, j, g, t, f"numerical failure ({err}): degenerate weights in the cell")
            continue
        att[j] = a
        out[rows, j] = f * (n / len(rows))
    return att, reasons


# --------------------------------------------------------------------------------------------
# Fast path: no covariates, no clustering. With the intercept as the only regressor the three
# estimators are differences of four means, and a row's IF in cell j is +-(n / n_G) (y - ybar_G)
# for its group G (treated/comparison x post/pre). Writing y - ybar_G = (y - ybar_b) +
# (ybar_b - ybar_G) for the row's (cohort, period) block b, the IF is F_i @ A_b with
# F_i = [y_i - ybar_b, 1]: the Gram matrix needs two sums per block and the bootstrap two
# multiplier sums per block and draw, never the n x k IF matrix.
# --------------------------------------------------------------------------------------------


def block_design_rc(c: CrossSections, plan: CellPlan, glist: np.ndarray, *, method: str,
                    control: str, anticipation: float) -> BlockDesign:
    """ATT(g,t) and the IF in block form for repeated cross-sections without covariates."""
    n = len(c.y)
    lo, hi = c.bounds[:-1], c.bounds[1:]
    cnt = (hi - lo).astype(float)
    b_cohort, b_t = c.cohort[lo], c.tcode[lo]
    sums = np.add.reduceat(c.y, lo)
    mean = sums / cnt
    dev = c.y - np.repeat(mean, hi - lo)
    ss = np.add.reduceat(dev * dev, lo)
    f = np.column_stack([dev, np.ones(n)])
    n_blocks = len(cnt)
    gram_blocks = np.zeros((n_blocks, 2, 2))
    gram_blocks[:, 0, 0] = ss
    gram_blocks[:, 1, 1] = cnt
    k, n_g = len(plan.group), len(glist)
    coef = np.zeros((n_blocks * 2, k + n_g))
    att = np.full(k, np.nan)
    reasons: dict[int, str] = {}
    cohorts = np.unique(c.cohort)
    for j in range(k):
        if plan.ref_cell[j]:
            att[j] = 0.0
            continue
        g, t, b = plan.group[j], plan.time[j], plan.base[j]
        ti, bi = plan.t_idx[j], plan.b_idx[j]
        ctrl = np.isin(b_cohort, cohorts[control_mask(cohorts, g, t, b, control=control,
                                                      anticipation=anticipation)])
        groups = [(b_cohort == g) & (b_t == ti), (b_cohort == g) & (b_t == bi),
                  ctrl & (b_t == ti), ctrl & (b_t == bi)]
        sizes = [cnt[m].sum() for m in groups]
        if min(sizes) == 0:
            names = ["treated rows in period", "treated rows in period",
                     "comparison rows in period", "comparison rows in period"]
            per = [t, b, t, b]
            empty = [f"{names[i]} {per[i]:g}" for i in range(4) if sizes[i] == 0]
            _fail(reasons, j, g, t, "no " + " and no ".join(empty))
            continue
        share_d = (sizes[0] + sizes[1]) / sum(sizes)
        if method in ("dr", "ipw") and share_d >= _TRIM_LEVEL:
            # R did: NA at 0.999 (overlap check); from 0.995 every comparison row is trimmed
            why = (f"overlap condition violated: the propensity score (share of treated rows, "
                   f"{share_d:.4f}) reaches {_OVERLAP_LEVEL}" if share_d >= _OVERLAP_LEVEL
                   else f"every comparison row is trimmed (propensity score {share_d:.4f} >= "
                        f"{_TRIM_LEVEL})")
            _fail(reasons, j, g, t, why)
            continue
        means = [float(sums[m].sum() / s) for m, s in zip(groups, sizes, strict=True)]
        att[j] = (means[0] - means[1]) - (means[2] - means[3])
        for m, s, mu, sign in zip(groups, sizes, means, (1.0, -1.0, -1.0, 1.0), strict=True):
            idx = np.flatnonzero(m)
            coef[2 * idx, j] = sign * n / s
            coef[2 * idx + 1, j] = sign * n / s * (mean[idx] - mu)
    for mcol, g in enumerate(glist):
        coef[2 * np.flatnonzero(b_cohort == g) + 1, k + mcol] = 1.0
    return BlockDesign(att, coef, f, c.bounds, gram_blocks, reasons)
