"""Sensitivity of event-study estimates to violations of parallel trends (HonestDiD).

:func:`honest_did` implements Rambachan & Roth (2023), "A More Credible Approach to Parallel
Trends", as the R package HonestDiD does by default:

* ``method="relative_magnitude"`` -- Delta^RM(Mbar): post-treatment violations of parallel
  trends are at most ``Mbar`` times the largest pre-treatment one. Robust intervals by the
  conditional-least-favorable hybrid test (C-LF) of Andrews, Roth & Pakes (ARP) with nuisance
  parameters, inverted over a grid of values of the target parameter, for each of the
  ``2 x num_pre`` polyhedra whose union is Delta^RM (R's ``computeConditionalCS_DeltaRM``).
* ``method="smoothness"`` -- Delta^SD(M): the slope of the violation changes by at most ``M``
  per period. Robust intervals are the optimal fixed-length confidence intervals (FLCI,
  Armstrong & Kolesar), R's ``findOptimalFLCI``.

The ARP test's linear programs all share one feasible set, the polytope
``{lambda >= 0, sd' lambda = 1, X' lambda = 0}`` (the dual of the test statistic's LP), so
its vertices are enumerated once and every LP over the theta grid and every least-favorable
simulation draw is a maximum over those vertices -- exact, and a matrix product instead of
tens of thousands of solver calls. The conditioning bounds (vlo, vup) are the closed form of
the interval on which the optimal vertex stays optimal (R finds them by bisection to 1e-6).
The FLCI's convex programs are solved with scipy (SLSQP), the folded-normal quantile exactly
(R simulates it with 10^6 draws).

References
----------
Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.
Andrews, I., Roth, J. & Pakes, A. (2023). Inference for linear conditional moment
inequalities. *Review of Economic Studies* 90(6), 2763-2791.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as _st

from kinerja_research.stats._results import Results

__all__ = ["HonestDiDResults", "honest_did"]

_METHODS = {
    "relative_magnitude": ("Delta^RM(Mbar): |post-period violation change| <= Mbar x max "
                           "|pre-period violation change|", "C-LF (conditional least-favorable "
                           "hybrid ARP test, kappa = alpha/10)", "Mbar"),
    "smoothness": ("Delta^SD(M): |change in the slope of the violation| <= M per period",
                   "FLCI (optimal fixed-length confidence interval)", "M"),
}
_MAX_VERTEX_SUBSETS = 400_000


class HonestDiDResults(Results):
    """Robust confidence intervals under bounded violations of parallel trends.

    ``tidy()`` rows: ``original`` (the usual interval under exact parallel trends), then one
    row per value of ``m`` (``term`` "Mbar=..." or "M=..."), with ``estimate`` the point
    estimate of ``l_vec' beta_post``, ``conf_low``/``conf_high`` the robust interval and the
    column ``m``. The ``breakdown`` value is the smallest ``m`` at which the robust interval
    includes zero.
    """

    method = "HonestDiD sensitivity analysis (Rambachan & Roth 2023)"

    @property
    def breakdown(self) -> float:
        """Smallest ``m`` whose robust interval contains 0 (0 if the original one does)."""
        return float(self._provenance["breakdown_value"])

    @property
    def original(self) -> pd.Series:
        """The interval under exact parallel trends."""
        return self._tidy.iloc[0].copy()

    @property
    def robust(self) -> pd.DataFrame:
        """Robust intervals, one row per ``m``."""
        return self._tidy.iloc[1:][["m", "conf_low", "conf_high"]].reset_index(drop=True)

    @property
    def vcov(self) -> pd.DataFrame:
        """Variance of the point estimate ``l_vec' beta_post`` (1 x 1)."""
        v = float(self._tidy["std_error"].iloc[0]) ** 2
        return pd.DataFrame([[v]], index=["l'beta_post"], columns=["l'beta_post"])

    @property
    def nobs(self) -> int | None:
        """Observations behind ``betahat`` when known (from the fit it came from), else None."""
        return self._provenance.get("nobs")

    def plot(self, ax: Any = None) -> Any:
        """Sensitivity plot: the original and the robust intervals against ``m``."""
        import matplotlib.pyplot as plt

        t = self._tidy
        if ax is None:
            fig, ax = plt.subplots(figsize=(6.5, 3.6))
        else:
            fig = ax.figure
        ms = t["m"].iloc[1:].to_numpy(dtype=float)
        gap = float(np.min(np.diff(np.sort(ms)))) if len(ms) > 1 else 1.0
        x = np.concatenate([[ms.min() - gap], ms])
        colors = ["C0"] + ["C3"] * len(ms)
        for xi, lo, hi, c in zip(x, t["conf_low"], t["conf_high"], colors, strict=True):
            ax.plot([xi, xi], [lo, hi], color=c, lw=2)
            ax.plot([xi - gap / 5, xi + gap / 5], [lo, lo], color=c, lw=1)
            ax.plot([xi - gap / 5, xi + gap / 5], [hi, hi], color=c, lw=1)
        ax.axhline(0, color="grey", lw=0.8)
        bd = self.breakdown
        if np.isfinite(bd) and bd > 0:
            ax.axvline(bd, color="grey", ls=":", lw=1)
        name = self._provenance["m_name"]
        ax.set_xticks(x, ["original"] + [f"{m:g}" for m in ms], fontsize=7)
        ax.set_xlabel(name)
        ax.set_title(f"{self._provenance['robust_method']}; breakdown {name} = {bd:.3g}",
                     fontsize=8)
        fig.tight_layout()
        return fig


# ============================================================================================
# Shared pieces
# ============================================================================================


def _gamma(l_vec: np.ndarray) -> np.ndarray:
    """Invertible matrix whose first row is ``l_vec`` (R HonestDiD's ``.construct_Gamma``).

    Columns of ``[l, I]`` are kept in order when they raise the rank (the leading ones of the
    reduced row echelon form), and their transposes stacked.
    """
    cols = [l_vec] + list(np.eye(len(l_vec)))
    keep: list[np.ndarray] = []
    for c in cols:
        trial = np.array(keep + [c])
        if np.linalg.matrix_rank(trial) > len(keep):
            keep.append(c)
        if len(keep) == len(l_vec):
            break
    return np.array(keep)


def _vertices(sd: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Vertices of ``{lam >= 0 : sd' lam = 1, x' lam = 0}`` (rows), by basis enumeration."""
    m, k = x.shape
    size = k + 1
    if math.comb(m, size) > _MAX_VERTEX_SUBSETS:
        raise ValueError(f"too many moment inequalities ({m}) for {k} nuisance parameters to "
                         "enumerate the test's vertices; use fewer post-periods")
    w = np.column_stack([sd, x])  # (m, k+1); constraints w' lam = e1
    subsets = np.array(list(itertools.combinations(range(m), size)), dtype=np.int64)
    mats = np.transpose(w[subsets], (0, 2, 1))  # (S, k+1, k+1)
    det = np.linalg.det(mats)
    scale = np.prod(np.linalg.norm(mats, axis=2), axis=1)
    ok = np.abs(det) > 1e-12 * np.maximum(scale, 1e-300)
    subsets, mats = subsets[ok], mats[ok]
    e1 = np.zeros(size)
    e1[0] = 1.0
    lam = np.linalg.solve(mats, np.broadcast_to(e1, (len(mats), size))[..., None])[..., 0]
    feasible = np.all(lam >= -1e-10, axis=1)
    out = np.zeros((int(feasible.sum()), m))
    rows = np.repeat(np.arange(len(out)), size)
    out[rows, subsets[feasible].ravel()] = np.clip(lam[feasible], 0, None).ravel()
    if len(out) == 0:
        raise ValueError("the moment inequalities admit no test vertex (degenerate design)")
    return np.unique(np.round(out, 12), axis=0)


def _mvn_draws(cov: np.ndarray, n: int, seed: int) -> np.ndarray:
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = np.random.default_rng(seed).standard_normal((n, len(cov)))
    return z @ root.T


def _arp_lf_accept(y: np.ndarray, a: np.ndarray, x: np.ndarray, sigma_y: np.ndarray,
                   theta: np.ndarray, alpha: float, n_sims: int, seed: int) -> np.ndarray:
    """Which ``theta`` the C-LF hybrid ARP test accepts for ``y - a theta`` (moments <= 0).

    ``y`` (M,) are the moments at theta = 0, ``x`` (M, k) the nuisance directions.
    """
    kappa = alpha / 10
    sd = np.sqrt(np.diag(sigma_y))
    verts = _vertices(sd, x)  # (V, M)
    # least-favorable critical value: 1 - kappa quantile of max_v v' xi, xi ~ N(0, Sigma_Y)
    xi = _mvn_draws(sigma_y, n_sims, seed)
    lf_cv = float(np.quantile((xi @ verts.T).max(axis=1), 1 - kappa))
    vy, va = verts @ y, verts @ a
    vals = vy[:, None] - va[:, None] * theta[None, :]  # (V, G)
    best = np.argmax(vals, axis=0)
    eta = vals[best, np.arange(len(theta))]
    gam = verts[best]  # (G, M)
    accept = eta <= lf_cv
    s_gam = gam @ sigma_y  # (G, M) = (Sigma gamma)'
    var_b = np.einsum("gm,gm->g", s_gam, gam)
    tiny = var_b < np.finfo(float).eps
    accept &= ~(tiny & (eta > 0))
    live = accept & ~tiny
    if not live.any():
        return accept
    g_idx = np.flatnonzero(live)
    b = s_gam[g_idx] / var_b[g_idx, None]  # (g, M)
    ymat = y[None, :] - a[None, :] * theta[g_idx, None]  # (g, M)
    s_t = ymat - b * eta[g_idx, None]
    num = s_t @ verts.T  # (g, V)
    den = 1.0 - b @ verts.T
    tol = 1e-10
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = num / den
    vlo = np.where(den > tol, ratio, -np.inf).max(axis=1)
    vup = np.where(den < -tol, ratio, np.inf).min(axis=1)
    sig_b = np.sqrt(var_b[g_idx])
    maxstat = eta[g_idx] / sig_b
    zlo = vlo / sig_b
    zup = np.minimum(vup, lf_cv) / sig_b
    inside = (zlo <= maxstat) & (maxstat <= zup)
    mod_size = (alpha - kappa) / (1 - kappa)
    cval = np.zeros(len(g_idx))
    if inside.any():
        lo, hi = zlo[inside], zup[inside]
        with np.errstate(all="ignore"):
            q = _st.truncnorm.ppf(1 - mod_size, lo, hi)
        # degenerate truncation (lo == hi): the point itself
        q = np.where(np.isfinite(q), q, hi)
        cval[inside] = np.maximum(0.0, q)
    reject = inside & (maxstat > cval)
    accept[g_idx] = ~reject
    return accept


# ============================================================================================
# Relative magnitudes
# ============================================================================================


def _a_rm(num_pre: int, num_post: int, mbar: float, s: int, positive: bool) -> np.ndarray:
    """Constraint matrix of Delta^RM_{s,(+/-)}(Mbar) (R's ``.create_A_RM``, t = 0 dropped)."""
    t_all = num_pre + num_post
    at = np.zeros((t_all, t_all + 1))
    for r in range(t_all):
        at[r, r:r + 2] = (-1, 1)
    v = np.zeros(t_all + 1)
    v[num_pre + s - 1:num_pre + s + 1] = (-1, 1)
    if not positive:
        v = -v
    ub = np.vstack([np.tile(v, (num_pre, 1)), np.tile(mbar * v, (num_post, 1))])
    a = np.vstack([at - ub, -at - ub])
    a = a[(a * a).sum(axis=1) > 1e-10]
    return np.delete(a, num_pre, axis=1)


def _rm_interval(beta: np.ndarray, sigma: np.ndarray, num_pre: int, num_post: int,
                 l_vec: np.ndarray, mbar: float, alpha: float, grid: np.ndarray,
                 n_sims: int, seed: int) -> tuple[float, float, bool]:
    gam_inv = np.linalg.inv(_gamma(l_vec))
    accept = np.zeros(len(grid), dtype=bool)
    for s in range(-(num_pre - 1), 1):
        for positive in (True, False):
            a_full = _a_rm(num_pre, num_post, mbar, s, positive)
            post = a_full[:, num_pre:]
            rows = np.any(post != 0, axis=1)  # post-period moments only (R's default)
            a_mat = a_full[rows]
            ag = a_mat[:, num_pre:] @ gam_inv
            y = a_mat @ beta
            sig_y = a_mat @ sigma @ a_mat.T
            accept |= _arp_lf_accept(y, ag[:, 0], ag[:, 1:], sig_y, grid, alpha, n_sims, seed)
    if not accept.any():
        return float("nan"), float("nan"), False
    open_end = bool(accept[0] or accept[-1])
    return float(grid[accept].min()), float(grid[accept].max()), open_end


# ============================================================================================
# Smoothness: FLCI
# ============================================================================================


def _folded_normal_quantile(p: float, mu: float) -> float:
    """``c`` with ``P(|N(mu, 1)| <= c) = p`` (exact; R simulates it)."""
    mu = abs(mu)

    def f(c: float) -> float:
        return _st.norm.cdf(c - mu) - _st.norm.cdf(-c - mu) - p

    return float(optimize.brentq(f, 0.0, mu + 10.0, xtol=1e-14, rtol=1e-14))


class _Flci:
    """R HonestDiD's FLCI pieces for Delta^SD (``flci.R``), with w the pre-period weights on
    first differences and l_pre = D w."""

    def __init__(self, sigma: np.ndarray, num_pre: int, num_post: int, l_vec: np.ndarray,
                 alpha: float) -> None:
        k = num_pre
        self.k, self.alpha, self.l_vec = k, alpha, l_vec
        d = np.eye(k)
        d[np.arange(1, k), np.arange(k - 1)] = -1.0  # l_pre = D w
        self.d = d
        s_pre = sigma[:k, :k]
        s_pp = sigma[:k, k:]
        self.q = d.T @ s_pre @ d
        self.g = 2 * d.T @ s_pp @ l_vec
        self.c = float(l_vec @ sigma[k:, k:] @ l_vec)
        idx = np.arange(1, num_post + 1)
        self.target = float(idx @ l_vec)  # sum of w
        self.const = sum(abs(float(np.arange(1, s + 1) @ l_vec[num_post - s:]))
                         for s in range(1, num_post + 1)) - self.target
        self.lower = np.tril(np.ones((k, k)))

    def var(self, w: np.ndarray) -> float:
        return float(w @ self.q @ w + self.g @ w + self.c)

    def h_range(self) -> tuple[float, float, np.ndarray, np.ndarray]:
        k = self.k
        kkt = np.block([[2 * self.q, np.ones((k, 1))], [np.ones((1, k)), np.zeros((1, 1))]])
        sol = np.linalg.lstsq(kkt, np.concatenate([-self.g, [self.target]]), rcond=None)[0]
        w_min = sol[:k]
        w0 = np.zeros(k)
        w0[-1] = self.target
        return (math.sqrt(max(self.var(w_min), 0.0)), math.sqrt(max(self.var(w0), 0.0)),
                w_min, w0)

    def min_bias(self, h: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        """Smallest worst-case bias (per unit of M) of estimators with sd <= h."""
        k = self.k
        low = self.lower

        def obj(z: np.ndarray) -> float:
            return float(z[:k].sum())

        def jac(z: np.ndarray) -> np.ndarray:
            return np.concatenate([np.ones(k), np.zeros(k)])

        cons = [
            {"type": "ineq", "fun": lambda z: z[:k] - low @ z[k:],
             "jac": lambda z: np.hstack([np.eye(k), -low])},
            {"type": "ineq", "fun": lambda z: z[:k] + low @ z[k:],
             "jac": lambda z: np.hstack([np.eye(k), low])},
            {"type": "eq", "fun": lambda z: np.array([z[k:].sum() - self.target]),
             "jac": lambda z: np.concatenate([np.zeros(k), np.ones(k)])[None, :]},
            {"type": "ineq", "fun": lambda z: np.array([h * h - self.var(z[k:])]),
             "jac": lambda z: np.concatenate([np.zeros(k), -(2 * self.q @ z[k:] + self.g)])[None, :]},
        ]
        z0 = np.concatenate([np.abs(low @ start) + 1e-9, start])
        res = optimize.minimize(obj, z0, jac=jac, constraints=cons, method="SLSQP",
                                options={"ftol": 1e-13, "maxiter": 500})
        w = res.x[k:]
        return self.const + float(np.abs(low @ w).sum()), w

    def interval(self, beta: np.ndarray, m: float) -> tuple[float, float]:
        h_min, h0, w_min, w0 = self.h_range()
        p = 1 - self.alpha
        cache: dict[float, tuple[float, np.ndarray]] = {}

        def half(h: float) -> float:
            start = w_min + (w0 - w_min) * ((h - h_min) / (h0 - h_min) if h0 > h_min else 1.0)
            bias, w = self.min_bias(h, start)
            cache[h] = (bias, w)
            return _folded_normal_quantile(p, m * bias / h) * h

        if h0 - h_min <= 1e-12 * max(h0, 1e-300):
            h_star = h0
            half(h_star)
        else:
            cands = [h_min * (1 + 1e-9), h0]
            res = optimize.minimize_scalar(half, bounds=(h_min * (1 + 1e-9), h0),
                                           method="bounded",
                                           options={"xatol": 1e-10 * h0, "maxiter": 200})
            cands.append(float(res.x))
            h_star = min(cands, key=lambda h: half(h) if h not in cache else
                         _folded_normal_quantile(p, m * cache[h][0] / h) * h)
        bias, w = cache[h_star]
        hl = _folded_normal_quantile(p, m * bias / h_star) * h_star
        l_pre = self.d @ w
        center = float(l_pre @ beta[:self.k] + self.l_vec @ beta[self.k:])
        return center - hl, center + hl


# ============================================================================================
# The public function
# ============================================================================================


def honest_did(
    betahat: Sequence[float] | np.ndarray,
    sigma: np.ndarray,
    num_pre: int,
    num_post: int,
    *,
    method: Literal["relative_magnitude", "smoothness"] = "relative_magnitude",
    m: Sequence[float] | float | None = None,
    l_vec: Sequence[float] | None = None,
    alpha: float = 0.05,
    grid_points: int = 1000,
    n_sims: int = 1000,
    random_state: int = 0,
    breakdown: bool = True,
    nobs: int | None = None,
) -> HonestDiDResults:
    """Robust confidence intervals for an event-study effect (Rambachan & Roth 2023).

    Parameters
    ----------
    betahat : array of length ``num_pre + num_post``
        Event-study coefficients, pre-periods first (earliest to latest, the reference period
        excluded), then post-periods.
    sigma : array, shape (n, n)
        Their covariance matrix.
    num_pre, num_post : int
        Number of pre- and post-period coefficients.
    method : {"relative_magnitude", "smoothness"}
        Restriction on the violations of parallel trends: relative magnitudes (C-LF
        intervals) or smoothness (FLCI), R HonestDiD's defaults for each.
    m : float or sequence of float, optional
        Values of ``Mbar`` (relative magnitudes; default 0, 0.5, ..., 2) or ``M``
        (smoothness; default 10 values from 0 to the first pre-period coefficient's SE).
    l_vec : sequence of float, optional
        Weights on the post-period coefficients defining the target ``l' beta_post``;
        default the first post-period.
    alpha : float
        1 - confidence level.
    grid_points : int
        Relative magnitudes: theta grid on ``+- 20`` standard errors of the target, as R
        (the interval's ends are grid points, so they are accurate to one grid step).
    n_sims : int
        Relative magnitudes: draws for the least-favorable critical value (as R, 1000).
    random_state : int
        Seed of those draws (R uses 0 too, but its normal draws differ).
    breakdown : bool
        Also find the breakdown value (bisection on ``m`` to 1e-3 relative).
    nobs : int, optional
        Observations behind ``betahat`` (recorded for ``nobs``).

    Returns
    -------
    HonestDiDResults

    Examples
    --------
    >>> import numpy as np
    >>> from kinerja_research.stats.honestdid import honest_did
    >>> b = np.array([0.0, 0.01, 0.05])
    >>> res = honest_did(b, np.diag([1e-4, 1e-4, 1e-4]), 2, 1, m=[0.5, 1.0],
    ...                  breakdown=False)
    >>> list(res.tidy()["term"])
    ['original', 'Mbar=0.5', 'Mbar=1']
    """
    beta, sig, lv, ms = _check(betahat, sigma, num_pre, num_post, method, m, l_vec, alpha,
                               grid_points, n_sims)
    z = _st.norm.ppf(1 - alpha / 2)
    post = beta[num_pre:]
    est = float(lv @ post)
    se = math.sqrt(float(lv @ sig[num_pre:, num_pre:] @ lv))
    orig = (est - z * se, est + z * se)

    if method == "relative_magnitude":
        grid = np.linspace(-20 * se, 20 * se, grid_points)

        def ci(mv: float) -> tuple[float, float]:
            lo, hi, open_end = _rm_interval(beta, sig, num_pre, num_post, lv, mv, alpha, grid,
                                            n_sims, random_state)
            if open_end:
                warnings.warn(f"robust interval for Mbar={mv:g} reaches the end of the theta "
                              "grid (+- 20 SE): it may be longer than shown", stacklevel=4)
            return lo, hi
    else:
        flci = _Flci(sig, num_pre, num_post, lv, alpha)

        def ci(mv: float) -> tuple[float, float]:
            return flci.interval(beta, mv)

    bounds = [ci(float(mv)) for mv in ms]
    bd = _breakdown(ci, ms, bounds, orig) if breakdown else float("nan")
    name = _METHODS[method][2]
    tidy = pd.DataFrame({
        "term": ["original"] + [f"{name}={mv:g}" for mv in ms],
        "estimate": est,
        "std_error": [se] + [np.nan] * len(ms),
        "statistic": [est / se] + [np.nan] * len(ms),
        "p_value": [2 * _st.norm.sf(abs(est / se))] + [np.nan] * len(ms),
        "conf_low": [orig[0]] + [b[0] for b in bounds],
        "conf_high": [orig[1]] + [b[1] for b in bounds],
        "m": [np.nan] + list(ms),
        "interval": ["original (parallel trends)"] + [_METHODS[method][1].split(" (")[0]] * len(ms),
    })
    prov = {
        "estimand": f"l' beta_post with l = {lv.tolist()} (post-periods 1..{num_post})",
        "restriction": _METHODS[method][0],
        "robust_method": _METHODS[method][1],
        "m_name": name,
        "num_pre": num_pre, "num_post": num_post,
        "variance": "sigma as supplied (the event study's covariance)",
        "grid_points": grid_points if method == "relative_magnitude" else None,
        "n_sims": n_sims if method == "relative_magnitude" else None,
        "seed": random_state if method == "relative_magnitude" else None,
        "breakdown_value": bd,
        "breakdown_definition": f"smallest {name} whose robust interval contains 0 (0 when "
                                "the original interval does; bisection to 1e-3 relative)",
        "nobs": nobs,
        "reference": "Rambachan & Roth (2023); R package HonestDiD",
    }
    return HonestDiDResults(tidy=tidy, provenance=prov, alpha=alpha)


def _breakdown(ci: Any, ms: np.ndarray, bounds: list[tuple[float, float]],
               orig: tuple[float, float]) -> float:
    """Smallest m whose interval covers 0, by bracketing on the grid and bisection."""
    def covers(b: tuple[float, float]) -> bool:
        return bool(np.isfinite(b[0]) and b[0] <= 0 <= b[1])

    if orig[0] <= 0 <= orig[1]:
        return 0.0
    pairs = sorted(zip(ms, bounds, strict=True))
    lo, hi = 0.0, None
    for mv, b in pairs:
        if covers(b):
            hi = float(mv)
            break
        lo = float(mv)
    if hi is None:
        hi = max(lo, 1e-3) * 2
        for _ in range(12):
            if covers(ci(hi)):
                break
            lo, hi = hi, hi * 2
        else:
            return float("inf")
    while hi - lo > 1e-3 * max(hi, 1e-12):
        mid = (lo + hi) / 2
        if covers(ci(mid)):
            hi = mid
        else:
            lo = mid
    return hi


def _check(betahat: Any, sigma: Any, num_pre: Any, num_post: Any, method: str, m: Any,
           l_vec: Any, alpha: Any, grid_points: Any, n_sims: Any
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if method not in _METHODS:
        raise ValueError(f"method must be 'relative_magnitude' or 'smoothness', got {method!r}")
    for name, v in (("num_pre", num_pre), ("num_post", num_post)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha!r}")
    for name, v in (("grid_points", grid_points), ("n_sims", n_sims)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 10:
            raise ValueError(f"{name} must be an integer >= 10, got {v!r}")
    beta = np.asarray(betahat, dtype=float).ravel()
    n = num_pre + num_post
    if beta.shape != (n,):
        raise ValueError(f"betahat has {beta.size} entries; num_pre + num_post = {n}")
    sig = np.asarray(sigma, dtype=float)
    if sig.shape != (n, n):
        raise ValueError(f"sigma must be {n} x {n}, got shape {sig.shape}")
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(sig))):
        raise ValueError("betahat and sigma must be finite")
    if not np.allclose(sig, sig.T, rtol=1e-8, atol=1e-14 * np.abs(sig).max()):
        raise ValueError("sigma must be symmetric")
    if np.linalg.eigvalsh((sig + sig.T) / 2).min() < -1e-10 * np.abs(sig).max():
        raise ValueError("sigma must be positive semi-definite")
    lv = np.zeros(num_post) if l_vec is None else np.asarray(l_vec, dtype=float).ravel()
    if l_vec is None:
        lv[0] = 1.0
    if lv.shape != (num_post,) or not np.all(np.isfinite(lv)) or not np.any(lv != 0):
        raise ValueError(f"l_vec must be {num_post} finite weights, not all zero")
    if method == "smoothness" and num_pre < 1:
        raise ValueError("smoothness needs at least one pre-period")
    if m is None:
        ms = (np.linspace(0, 2, 5) if method == "relative_magnitude"
              else np.linspace(0, math.sqrt(sig[0, 0]), 10))
    else:
        ms = np.atleast_1d(np.asarray(m, dtype=float))
    if ms.ndim != 1 or len(ms) == 0 or not np.all(np.isfinite(ms)) or np.any(ms < 0):
        raise ValueError(f"m must be non-negative finite number(s), got {m!r}")
    return beta, sig, lv, ms
