"""Propensity-score weighting, augmented IPW and regression adjustment for a binary treatment.

The question in this toolkit: did placement fit (merit placement, a reward scheme) change an
outcome, when who gets treated depends on education, unit type and the like? Three estimators
with scikit-learn nuisance models:

* ``"ipw"`` — Hájek (normalised) inverse probability weighting;
* ``"aipw"`` — augmented IPW, doubly robust; for the ATT the normalised-weights form of
  Sant'Anna & Zhao (2020, eq. 3.1 with a cross-section);
* ``"reg"`` — regression adjustment (imputation from arm-specific outcome models).

Formulas (``e`` propensity, ``m_d`` outcome model fitted within arm ``d``)::

    IPW  ATE  sum(D y / e) / sum(D / e) - sum((1-D) y / (1-e)) / sum((1-D) / (1-e))
    IPW  ATT  mean(y | D=1) - sum_C o y / sum_C o,                       o = e / (1 - e)
    AIPW ATE  mean(m1 - m0 + D (y - m1) / e - (1-D) (y - m0) / (1 - e))
    AIPW ATT  mean_T(y - m0) - sum_C o (y - m0) / sum_C o
    REG  ATE  mean(m1 - m0);   REG ATT  mean_T(y - m0)

Variance: the nonparametric bootstrap over rows with both models refitted in every draw
(``variance="bootstrap"``, the default for IPW and regression) or, for AIPW, the plug-in
influence function with the nuisance models treated as known (``variance="influence"``, the
default for AIPW; valid when both models are correct and asymptotically equivalent to the
bootstrap otherwise when either is), or cross-fitted AIPW (``variance="crossfit"``), whose
out-of-fold nuisance predictions keep the estimation of the models in the variance. The choice, the seed and the number of draws are recorded
in ``provenance`` and printed.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from kinerja_research.provenance import fingerprint
from kinerja_research.stats._results import Results, normal_inference
from kinerja_research.stats._validate import check_alpha

__all__ = ["WeightingResults", "default_outcome_model", "default_propensity_model", "weighting"]

Estimand = Literal["ate", "att"]
_METHOD_LABELS = {
    "ipw": "inverse probability weighting (Hájek)",
    "aipw": "augmented IPW (doubly robust)",
    "reg": "regression adjustment",
}
Method = Literal["ipw", "aipw", "reg"]


def default_propensity_model() -> BaseEstimator:
    """Unpenalised logistic regression, fitted by Newton's method on standardised covariates.

    Standardising does not change an unpenalised fit but lets Newton converge to ~1e-10 even
    with covariates on the scale of annual earnings; the reference numbers need that accuracy
    because IPW with propensities near 1e-9 is sensitive to the last digits of the logit.
    """
    return make_pipeline(
        StandardScaler(),
        LogisticRegression(C=np.inf, solver="newton-cholesky", max_iter=1000, tol=1e-10),
    )


def default_outcome_model() -> BaseEstimator:
    """Ordinary least squares (:class:`sklearn.linear_model.LinearRegression`)."""
    return LinearRegression()


# --------------------------------------------------------------------------------------------
# estimators on arrays (used for the point estimate and every bootstrap draw)
# --------------------------------------------------------------------------------------------
def _fit_propensity(model: BaseEstimator, x: np.ndarray, d: np.ndarray) -> np.ndarray:
    m = clone(model).fit(x, d)
    return m.predict_proba(x)[:, list(m.classes_).index(1)]


def _fit_outcome(model: BaseEstimator, x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return clone(model).fit(x[rows], y[rows]).predict(x)


def _estimate(
    x: np.ndarray,
    xo: np.ndarray,
    d: np.ndarray,
    y: np.ndarray,
    *,
    estimand: str,
    method: str,
    ps_model: BaseEstimator,
    out_model: BaseEstimator,
    trim: tuple[float, float] | None,
    ps: np.ndarray | None = None,
) -> tuple[float, np.ndarray | None, np.ndarray]:
    """Point estimate, AIPW influence function (or None) and the kept-rows mask."""
    if ps is None and (method != "reg" or trim is not None):
        ps = _fit_propensity(ps_model, x, d)
    keep = np.ones(len(y), dtype=bool)
    if trim is not None and ps is not None:
        keep = (ps >= trim[0]) & (ps <= trim[1])
        x, xo, d, y, ps = x[keep], xo[keep], d[keep], y[keep], ps[keep]
    t, c = d == 1, d == 0
    if not t.any() or not c.any():
        raise ValueError("a treatment arm is empty (after trimming)")
    if method != "reg":
        assert ps is not None  # fitted above for every method but 'reg'
        if not np.all((ps > 0) & (ps < 1)):
            raise ValueError("estimated propensities of exactly 0 or 1 (no overlap); use trim=")
    if method == "ipw":
        assert ps is not None  # fitted above for every method but 'reg'
        if estimand == "ate":
            w1, w0 = 1 / ps[t], 1 / (1 - ps[c])
            est = np.sum(w1 * y[t]) / w1.sum() - np.sum(w0 * y[c]) / w0.sum()
        else:
            o = ps[c] / (1 - ps[c])
            est = y[t].mean() - np.sum(o * y[c]) / o.sum()
        return float(est), None, keep
    m0 = _fit_outcome(out_model, xo, y, c)
    m1 = _fit_outcome(out_model, xo, y, t) if estimand == "ate" else None
    if method == "reg":
        return (float(np.mean(m1 - m0)) if m1 is not None else float((y - m0)[t].mean())), None, keep
    assert ps is not None  # fitted above for every method but 'reg'
    est, psi = _aipw(d, y, ps, m0, m1, estimand)
    return est, psi, keep


def _aipw(
    d: np.ndarray, y: np.ndarray, ps: np.ndarray, m0: np.ndarray, m1: np.ndarray | None,
    estimand: str,
) -> tuple[float, np.ndarray]:
    """AIPW estimate and influence function from given nuisance predictions."""
    if estimand == "ate":
        phi = m1 - m0 + d * (y - m1) / ps - (1 - d) * (y - m0) / (1 - ps)
        est = float(phi.mean())
        return est, phi - est
    n = len(y)
    r = y - m0
    o = (1 - d) * ps / (1 - ps)
    w1, w0 = d / d.mean(), o / o.mean()
    mu1, mu0 = np.sum(w1 * r) / n, np.sum(w0 * r) / n
    # Influence function of the normalised DR ATT with the nuisance models held fixed.
    return float(mu1 - mu0), w1 * (r - mu1) - w0 * (r - mu0)


def _hat(design: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Leverages of (weighted) least squares: diag(W^½ X (X'WX)⁺ X' W^½)."""
    w = np.ones(len(design)) if w is None else w
    inv = np.linalg.pinv(design.T @ (w[:, None] * design))
    return w * np.einsum("ij,jk,ik->i", design, inv, design)


def _loo_influence(
    x: np.ndarray, xo: np.ndarray, d: np.ndarray, y: np.ndarray, ps: np.ndarray, estimand: str
) -> tuple[np.ndarray, int]:
    """AIPW influence function at leave-one-out nuisance predictions (an n-fold cross-fit in
    closed form), for the variance.

    OLS outcome models: the exact leave-one-out prediction ``y_i - r_i / (1 - h_ii)`` for rows
    of the arm the model is fitted on (rows of the other arm are out of sample already).
    Logit propensity: one Newton step from the full fit, ``η_(-i) = η_i - h_ii (d_i - p_i) /
    (p_i (1 - p_i) (1 - h_ii))`` (Pregibon 1981). A row alone in its covariate cell
    (``h_ii`` = 1) has no leave-one-out prediction; it keeps its in-sample one (counted).
    """
    one = np.ones((len(y), 1))
    xp, xm = np.column_stack([one, x]), np.column_stack([one, xo])
    undefined = 0

    def loo_outcome(arm: np.ndarray) -> np.ndarray:
        nonlocal undefined
        beta = np.linalg.lstsq(xm[arm], y[arm], rcond=None)[0]
        pred = xm @ beta
        h = np.zeros(len(y))
        h[arm] = _hat(xm[arm])
        ok = arm & (h < 1 - 1e-8)
        undefined += int(np.sum(arm & ~ok))
        pred[ok] = y[ok] - (y[ok] - pred[ok]) / (1 - h[ok])
        return pred

    m0 = loo_outcome(d == 0)
    m1 = loo_outcome(d == 1) if estimand == "ate" else None
    w = ps * (1 - ps)
    h = _hat(xp, w)
    ok = (h < 1 - 1e-8) & (w > 0)
    undefined += int(np.sum(~ok))
    eta = np.log(ps) - np.log1p(-ps)
    eta[ok] = eta[ok] - h[ok] * (d[ok] - ps[ok]) / (w[ok] * (1 - h[ok]))
    ps_loo = 1 / (1 + np.exp(-eta))
    ps_loo = np.clip(ps_loo, 1e-12, 1 - 1e-12)
    return _aipw(d, y, ps_loo, m0, m1, estimand)[1], undefined


def _folds(d: np.ndarray, n_folds: int, rng: np.random.Generator) -> np.ndarray:
    """Fold of each row, stratified by arm so every training set has both arms."""
    fold = np.empty(len(d), dtype=np.int64)
    for arm in (0.0, 1.0):
        idx = np.flatnonzero(d == arm)
        fold[rng.permutation(idx)] = np.arange(len(idx)) % n_folds
    return fold


def _crossfit(
    x: np.ndarray, xo: np.ndarray, d: np.ndarray, y: np.ndarray, *, estimand: str,
    ps_model: BaseEstimator, out_model: BaseEstimator, trim: tuple[float, float] | None,
    n_folds: int, rng: np.random.Generator,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Cross-fitted AIPW (Chernozhukov et al. 2018, DML2): every row's nuisance predictions
    come from models fitted on the other folds, so the influence function's residuals are
    out-of-sample and its variance is not shrunk by the models' own fit.

    Returns (estimate, influence function on kept rows, kept-rows mask, out-of-fold propensity).
    """
    fold = _folds(d, n_folds, rng)
    ps = np.empty(len(y))
    m0 = np.empty(len(y))
    m1 = np.empty(len(y)) if estimand == "ate" else None
    for k in range(n_folds):
        test = fold == k
        train = ~test
        fitted = clone(ps_model).fit(x[train], d[train])
        ps[test] = fitted.predict_proba(x[test])[:, list(fitted.classes_).index(1)]
        ctl, trt = train & (d == 0), train & (d == 1)
        m0[test] = clone(out_model).fit(xo[ctl], y[ctl]).predict(xo[test])
        if m1 is not None:
            m1[test] = clone(out_model).fit(xo[trt], y[trt]).predict(xo[test])
    keep = np.ones(len(y), dtype=bool)
    if trim is not None:
        keep = (ps >= trim[0]) & (ps <= trim[1])
    dk = d[keep]
    if dk.min() == dk.max():
        raise ValueError("a treatment arm is empty (after trimming)")
    if not np.all((ps[keep] > 0) & (ps[keep] < 1)):
        raise ValueError("estimated propensities of exactly 0 or 1 (no overlap); use trim=")
    est, psi = _aipw(dk, y[keep], ps[keep], m0[keep], None if m1 is None else m1[keep], estimand)
    return est, psi, keep, ps


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
class WeightingResults(Results):
    """Results of :func:`weighting`.

    ``tidy()`` has one row (term ``ATE`` or ``ATT``); extra columns ``estimand``, ``method``,
    ``n_treated``, ``n_control`` and, with the bootstrap, the percentile interval
    (``conf_low_percentile``, ``conf_high_percentile``). Only aggregates are kept: the balance
    table and propensity histograms, never per-row propensities.
    """

    method = "propensity weighting"

    def balance(self) -> pd.DataFrame:
        """Covariate balance before and after weighting.

        Columns: means in each arm unweighted and weighted, and the standardised mean
        differences ``smd`` (unweighted) and ``smd_weighted``. The denominator is the same
        unweighted SD in both: pooled ``sqrt((s1² + s0²) / 2)`` for the ATE, the treated arm's
        SD for the ATT (as R ``cobalt``). A common rule flags ``|smd| > 0.1``.
        """
        return self._get_extra("balance")

    def overlap(self) -> pd.DataFrame:
        """Histogram of estimated propensities by arm (bin edges and counts)."""
        return self._get_extra("overlap")

    def plot_overlap(self, ax: Any = None) -> Any:
        """Mirrored histogram of propensities (treated up, control down); returns the figure."""
        import matplotlib.pyplot as plt

        h = self._extra["overlap"]
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 3.5))
        else:
            fig = ax.figure
        width = (h["bin_high"] - h["bin_low"]).to_numpy()
        share_t = h["treated"] / max(h["treated"].sum(), 1)
        share_c = h["control"] / max(h["control"].sum(), 1)
        ax.bar(h["bin_low"], share_t, width=width, align="edge", color="C1", label="treated")
        ax.bar(h["bin_low"], -share_c, width=width, align="edge", color="C0", label="control")
        trim = self._provenance.get("trim")
        if trim is not None:
            for v in trim:
                ax.axvline(v, color="grey", ls=":")
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xlabel("estimated propensity score")
        ax.set_ylabel("share of arm (control below 0)")
        ax.legend()
        ax.set_title("overlap")
        fig.tight_layout()
        return fig


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------
def _design(data: pd.DataFrame, cols: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"covariates not in data: {missing}")
    frame = data[list(cols)]
    if frame.isna().to_numpy().any():
        bad = frame.columns[frame.isna().any()].tolist()
        raise ValueError(f"covariates have missing values: {bad}; impute or drop rows first")
    cat = [c for c in cols if not (pd.api.types.is_numeric_dtype(frame[c])
                                   or pd.api.types.is_bool_dtype(frame[c]))]
    if cat:
        # a declared but absent category would be an all-zero column: a singular design
        frame = frame.assign(**{c: frame[c].cat.remove_unused_categories() for c in cat
                                if isinstance(frame[c].dtype, pd.CategoricalDtype)})
        frame = pd.get_dummies(frame, columns=cat, drop_first=True, dtype=float)
    return frame.to_numpy(dtype=float), [str(c) for c in frame.columns]


def _models(model: Any, method: str) -> tuple[BaseEstimator, BaseEstimator]:
    ps_model, out_model = default_propensity_model(), default_outcome_model()
    if model is None:
        return ps_model, out_model
    if isinstance(model, Mapping):
        unknown = set(model) - {"propensity", "outcome"}
        if unknown:
            raise ValueError(f"model dict keys must be 'propensity' and/or 'outcome', not {unknown}")
        ps_model = model.get("propensity", ps_model)
        out_model = model.get("outcome", out_model)
    elif not hasattr(model, "fit"):
        raise TypeError(
            "model must be a scikit-learn classifier (propensity), regressor (outcome) or a "
            f"dict {{'propensity': ..., 'outcome': ...}}, not {type(model).__name__}"
        )
    elif is_classifier(model):
        ps_model = model
    elif is_regressor(model):
        out_model = model
    else:
        raise TypeError(
            "model must be a scikit-learn classifier (propensity), regressor (outcome) or a "
            "dict {'propensity': ..., 'outcome': ...}"
        )
    if not hasattr(ps_model, "predict_proba"):
        raise TypeError("the propensity model needs predict_proba")
    if not hasattr(out_model, "predict"):
        raise TypeError("the outcome model needs predict")
    return ps_model, out_model


def _positivity(
    x: np.ndarray, names: list[str], d: np.ndarray, ps: np.ndarray, keep: np.ndarray,
    estimand: str,
) -> str:
    """Describe where treated/control comparisons are impossible ('' when nowhere).

    The ATE needs both arms at every covariate value, the ATT controls wherever there are
    treated units. Checked on 0/1 (dummy) covariates — a level lacking the needed arm — and on
    the propensities (within 1e-6 of 0 or 1).
    """
    xk, dk, pk = x[keep], d[keep], ps[keep]
    binary = np.all((xk == 0) | (xk == 1), axis=0)
    problems = []
    for j in np.flatnonzero(binary):
        on = xk[:, j] == 1
        n_t, n_c = int(dk[on].sum()), int((1 - dk[on]).sum())
        if on.any() and ((estimand == "ate" and (n_t == 0 or n_c == 0))
                         or (estimand == "att" and n_t > 0 and n_c == 0)):
            problems.append(f"{names[j]} ({n_t} treated, {n_c} control)")
    if estimand == "ate":
        extreme = int(np.sum((pk < 1e-6) | (pk > 1 - 1e-6)))
    else:
        extreme = int(np.sum((pk > 1 - 1e-6) & (dk == 1)))
    out = []
    if problems:
        out.append("covariate levels without both needed arms: " + ", ".join(problems))
    if extreme:
        out.append(f"{extreme} estimated propensities within 1e-6 of 0 or 1")
    return "; ".join(out)


def _weighted_moments(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (w[:, None] * x).sum(axis=0) / w.sum()


# --------------------------------------------------------------------------------------------
# public function
# --------------------------------------------------------------------------------------------
def weighting(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    *,
    estimand: Estimand = "ate",
    method: Method = "ipw",
    model: BaseEstimator | Mapping[str, BaseEstimator] | None = None,
    outcome_covariates: Sequence[str] | None = None,
    trim: tuple[float, float] | None = None,
    cluster: str | None = None,
    variance: Literal["auto", "bootstrap", "influence", "crossfit", "loo"] = "auto",
    n_boot: int = 999,
    n_folds: int = 5,
    random_state: int | None = 0,
    bins: int = 40,
    alpha: float = 0.05,
) -> WeightingResults:
    """Average treatment effect (ATE) or effect on the treated (ATT) by weighting.

    Parameters
    ----------
    data : DataFrame
        One row per unit (employee, unit or region).
    outcome, treatment : str
        Outcome column and a 0/1 (or boolean) treatment column.
    covariates : sequence of str
        Columns for the propensity model (and the outcome model unless
        ``outcome_covariates``). Text and categorical columns are one-hot encoded; build
        transformations (squares, interactions) as columns first.
    estimand : {"ate", "att"}
    method : {"ipw", "aipw", "reg"}
        Hájek IPW, augmented IPW (doubly robust) or regression adjustment.
    model : estimator or dict, optional
        A scikit-learn classifier replaces the propensity model, a regressor the outcome
        model; ``{"propensity": ..., "outcome": ...}`` sets either. Defaults:
        :func:`default_propensity_model` (unpenalised logit) and OLS, fitted within each arm.
    outcome_covariates : sequence of str, optional
        Covariates of the outcome model, if different.
    trim : (float, float), optional
        Drop units whose estimated propensity is outside ``[low, high]`` (e.g. ``(0.01,
        0.99)``) before estimating; this changes the estimand to the trimmed population. The
        same rule is reapplied to each bootstrap draw's propensities.
    cluster : str, optional
        Column of clusters (e.g. ``region_id`` when employees or units of one region share
        shocks): the influence-function variance sums the influence function within clusters
        (with the small-sample factor G/(G−1)) and the bootstrap resamples whole clusters.
        Point estimates do not change.
    variance : {"auto", "bootstrap", "influence", "crossfit"}
        ``"auto"``: influence function for AIPW, bootstrap otherwise. ``"crossfit"`` (AIPW
        only): cross-fitted AIPW — the nuisance models of each of ``n_folds`` folds are fitted
        on the other folds, and the influence-function variance uses those out-of-sample
        predictions (Chernozhukov et al. 2018); the estimate itself is then the cross-fitted
        one. It accounts for the estimation of the nuisance models, which the plug-in
        ``"influence"`` ignores. ``"loo"`` (AIPW, default models): the same idea with one
        fold per row, in closed form — the point estimate is the full-sample one and the
        influence function is evaluated at leave-one-out predictions (exact for OLS, one
        Newton step for the logit); deterministic, and free of the extreme out-of-fold
        propensities that small covariate cells give K-fold cross-fitting (the synthetic
        coverage test uses it).
    n_boot : int
        Bootstrap draws (rows, or clusters with ``cluster``, resampled; both models refitted).
    n_folds : int
        Folds of ``variance="crossfit"`` (stratified by treatment arm).
    random_state : int or None
        Seed of the bootstrap or of the fold assignment (numpy ``default_rng``).
    bins : int
        Bins of the propensity histograms kept for :meth:`WeightingResults.plot_overlap`.
    alpha : float
        1 − confidence level.

    Returns
    -------
    WeightingResults

    Examples
    --------
    >>> res = weighting(df, "ikm", "merit_placement", ["education_years", "is_service_unit"],
    ...                 estimand="att", method="aipw")  # doctest: +SKIP
    >>> res.tidy(), res.balance()  # doctest: +SKIP
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if isinstance(covariates, str):
        raise TypeError("covariates must be a list of column names, not a string")
    if estimand not in ("ate", "att"):
        raise ValueError(f"estimand must be 'ate' or 'att', not {estimand!r}")
    if method not in ("ipw", "aipw", "reg"):
        raise ValueError(f"method must be 'ipw', 'aipw' or 'reg', not {method!r}")
    if variance not in ("auto", "bootstrap", "influence", "crossfit", "loo"):
        raise ValueError(
            "variance must be 'auto', 'bootstrap', 'influence', 'crossfit' or 'loo', "
            f"not {variance!r}"
        )
    if variance in ("influence", "crossfit", "loo") and method != "aipw":
        raise ValueError(f"variance={variance!r} is implemented for method='aipw'")
    if variance == "crossfit" and (
        isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)) or n_folds < 2
    ):
        raise ValueError(f"n_folds must be an integer >= 2, got {n_folds!r}")
    if variance == "auto":
        variance = "influence" if method == "aipw" else "bootstrap"
    if trim is not None:
        if len(trim) != 2 or not 0 <= trim[0] < trim[1] <= 1:
            raise ValueError(f"trim must be (low, high) with 0 <= low < high <= 1, got {trim!r}")
        trim = (float(trim[0]), float(trim[1]))
    alpha = check_alpha(alpha)
    if variance == "bootstrap" and (not isinstance(n_boot, (int, np.integer)) or n_boot < 2):
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")
    for name, col in (("outcome", outcome), ("treatment", treatment), ("cluster", cluster)):
        if col is not None and col not in data.columns:
            raise ValueError(f"{name} column {col!r} is not in data")
    groups = None
    if cluster is not None:
        if data[cluster].isna().any():
            raise ValueError(f"cluster {cluster!r} has missing values")
        groups = pd.factorize(data[cluster], sort=True)[0]
        if groups.max() < 1:
            raise ValueError(f"cluster {cluster!r} needs at least two clusters")
    ps_model, out_model = _models(model, method)

    d_raw = data[treatment]
    if d_raw.isna().any() or not set(pd.unique(d_raw)) <= {0, 1}:  # bools compare equal to 0/1
        raise ValueError(f"treatment {treatment!r} must be 0/1 or boolean without missing values")
    d = d_raw.to_numpy(dtype=float)
    if data[outcome].isna().any():
        raise ValueError(f"outcome {outcome!r} has missing values")
    y = data[outcome].to_numpy(dtype=float)
    x, names = _design(data, covariates)
    xo = x if outcome_covariates is None else _design(data, outcome_covariates)[0]
    if d.min() == d.max():
        raise ValueError("both treatment arms need observations")

    fitted_ps = clone(ps_model).fit(x, d)
    ps = fitted_ps.predict_proba(x)[:, list(fitted_ps.classes_).index(1)]
    kw = {"estimand": estimand, "method": method, "ps_model": ps_model, "out_model": out_model,
          "trim": trim}
    psi: np.ndarray | None
    if variance == "crossfit":
        if min(d.sum(), (1 - d).sum()) < 2 * n_folds:
            raise ValueError(
                f"cross-fitting with {n_folds} folds needs at least {2 * n_folds} units in each "
                "arm; use fewer folds or variance='influence'"
            )
        est, psi, keep, ps = _crossfit(
            x, xo, d, y, estimand=estimand, ps_model=ps_model, out_model=out_model, trim=trim,
            n_folds=int(n_folds), rng=np.random.default_rng(random_state),
        )
    else:
        est, psi, keep = _estimate(x, xo, d, y, ps=ps, **kw)
    n_loo_undefined = None
    if variance == "loo":
        if model is not None:
            raise ValueError(
                "variance='loo' has closed forms for the default models only (logit propensity, "
                "OLS outcome); with custom models use variance='crossfit' or 'bootstrap'"
            )
        psi, n_loo_undefined = _loo_influence(x[keep], xo[keep], d[keep], y[keep], ps[keep], estimand)

    boot = None
    failed = 0
    if variance == "bootstrap":
        rng = np.random.default_rng(random_state)
        n = len(y)
        draws = []
        if groups is not None:
            members = np.split(np.argsort(groups, kind="stable"), np.cumsum(np.bincount(groups))[:-1])
        for _ in range(int(n_boot)):
            if groups is None:
                idx = rng.integers(0, n, n)
            else:  # whole clusters, drawn with replacement
                idx = np.concatenate([members[g] for g in rng.integers(0, len(members), len(members))])
            try:
                draws.append(_estimate(x[idx], xo[idx], d[idx], y[idx], **kw)[0])
            except ValueError:  # a draw without treated or control units (after trimming)
                failed += 1
        boot = np.asarray(draws)
        if len(boot) < 2:
            raise ValueError("fewer than two bootstrap draws succeeded")
        se = float(boot.std(ddof=1))
    elif groups is None:
        assert psi is not None  # variances other than 'bootstrap' are for method='aipw' (checked)
        se = float(np.sqrt(np.mean(psi**2) / len(psi)))
    else:
        assert psi is not None  # variances other than 'bootstrap' are for method='aipw' (checked)
        # cluster-robust: the influence function summed within clusters, as CR1 does for OLS
        g_kept = groups[keep]
        sums = np.bincount(g_kept, weights=psi)
        n_g = int(np.count_nonzero(np.bincount(g_kept)))
        se = float(np.sqrt(n_g / (n_g - 1) * np.sum(sums**2)) / len(psi)) if n_g > 1 else float("nan")

    positivity = _positivity(x, names, d, ps, keep, estimand)
    if positivity:
        warnings.warn(
            f"positivity fails for the {estimand.upper()}: {positivity}; the estimate "
            "extrapolates the outcome model there"
            + ("; consider estimand='att', trim=(0.01, 0.99) or coarser covariates"
               if estimand == "ate" else "; consider trim= or coarser covariates"),
            UserWarning,
            stacklevel=2,
        )

    inf = normal_inference(np.array([est]), np.array([se]), alpha)
    n_t, n_c = int(d[keep].sum()), int((1 - d[keep]).sum())
    tidy = pd.DataFrame(
        {
            "term": [estimand.upper()],
            "estimate": [est],
            "std_error": [se],
            **{k: v for k, v in inf.items()},
            "estimand": [estimand.upper()],
            "method": [method],
            "n_treated": [n_t],
            "n_control": [n_c],
        }
    )
    if boot is not None:
        lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
        tidy["conf_low_percentile"], tidy["conf_high_percentile"] = lo, hi

    # Balance on the kept rows, with the weights of the chosen estimand.
    xk, dk, pk = x[keep], d[keep], ps[keep]
    t, c = dk == 1, dk == 0
    if estimand == "ate":
        wt, wc = 1 / pk[t], 1 / (1 - pk[c])
        sd = np.sqrt((xk[t].var(axis=0, ddof=1) + xk[c].var(axis=0, ddof=1)) / 2)
    else:
        wt, wc = np.ones(t.sum()), pk[c] / (1 - pk[c])
        sd = xk[t].std(axis=0, ddof=1)
    sd = np.where(sd > 0, sd, np.nan)
    mt, mc = xk[t].mean(axis=0), xk[c].mean(axis=0)
    mtw, mcw = _weighted_moments(xk[t], wt), _weighted_moments(xk[c], wc)
    balance = pd.DataFrame(
        {
            "mean_treated": mt, "mean_control": mc, "smd": (mt - mc) / sd,
            "mean_treated_weighted": mtw, "mean_control_weighted": mcw,
            "smd_weighted": (mtw - mcw) / sd,
        },
        index=pd.Index(names, name="covariate"),
    )
    edges = np.linspace(0.0, 1.0, int(bins) + 1)
    overlap = pd.DataFrame(
        {
            "bin_low": edges[:-1], "bin_high": edges[1:],
            "treated": np.histogram(ps[d == 1], bins=edges)[0],
            "control": np.histogram(ps[d == 0], bins=edges)[0],
        }
    )
    ess = (wc.sum() ** 2) / np.sum(wc**2)

    last = fitted_ps[-1] if hasattr(fitted_ps, "steps") else fitted_ps
    n_iter = getattr(last, "n_iter_", None)
    max_iter = getattr(last, "max_iter", None)
    converged = None if n_iter is None or max_iter is None else bool(np.max(n_iter) < max_iter)

    variance_label = {
        "bootstrap": f"nonparametric bootstrap, {int(n_boot)} draws, models refitted",
        "crossfit": f"cross-fitted influence function ({int(n_folds)} folds, nuisance models "
                    "fitted out of fold)",
        "influence": "plug-in influence function (nuisance models treated as known)",
        "loo": "influence function at leave-one-out nuisance predictions (closed-form n-fold "
               "cross-fit: exact for OLS, one Newton step for the logit)",
    }[variance]
    if cluster is not None:
        variance_label += (f", clusters of {cluster!r} resampled" if variance == "bootstrap"
                           else f", clustered by {cluster!r} (G/(G-1) factor)")
    prov: dict[str, Any] = {
        "method": _METHOD_LABELS[method],
        "estimand": estimand.upper(),
        "variance": variance_label,
        "cluster": cluster,
        "n_clusters": int(groups.max()) + 1 if groups is not None else None,
        "seed": random_state if variance in ("bootstrap", "crossfit") else None,
        "n_folds": int(n_folds) if variance == "crossfit" else None,
        "n_loo_undefined": n_loo_undefined,
        "n_boot": int(n_boot) if variance == "bootstrap" else None,
        "failed_draws": failed if variance == "bootstrap" else None,
        "n_obs": int(keep.sum()),
        "n_input": len(y),
        "n_trimmed": int((~keep).sum()),
        "trim": trim,
        "propensity_model": repr(ps_model),
        "outcome_model": repr(out_model) if method != "ipw" else None,
        "propensity_converged": converged,
        "propensity_range": (float(ps.min()), float(ps.max())),
        "positivity": positivity or "no violation detected",
        "effective_control_sample_size": float(ess),
        "covariates": names,
        "data_fingerprint": fingerprint(
            data[list(dict.fromkeys([outcome, treatment, *covariates, *(outcome_covariates or []),
                                     *([cluster] if cluster else [])]))]
        ),
    }
    return WeightingResults(
        tidy=tidy, provenance=prov, alpha=alpha, extra={"balance": balance, "overlap": overlap}
    )
