"""Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010, 2015).

One treated unit (a region that adopted a reward-and-punishment regime, say) is compared with a
convex combination of donor units chosen so that the combination reproduces the treated unit's
predictors and its pre-treatment outcome path. Inference is by placebos in space: every donor in
turn is treated as if it had been treated, and the treated unit's post/pre MSPE ratio is ranked
among the placebos' ratios.

The optimisation is the nested one of the reference implementations (R ``Synth``, ``pysyncon``):

* inner problem: given a diagonal predictor-weight matrix ``V``, the donor weights ``W`` minimise
  ``(X1 - X0 W)' V (X1 - X0 W)`` on the simplex (``W >= 0``, ``sum W = 1``); predictors are first
  divided by their standard deviation across all units, as both references do;
* outer problem: ``V`` (parametrised as ``|x| / sum |x|``) minimises the mean squared prediction
  error of the outcome over the optimisation window. The problem has local optima, so it is
  solved from several starts (equal weights — the reference implementations' only start —,
  R Synth's regression-based V, random draws) and the best pre-period fit is kept; every start
  and its loss is recorded in the provenance. ``starts=("equal",)`` with Nelder–Mead and
  ``maxiter=1000`` is pysyncon's setting, which produced the validation numbers.

The inner problem is solved exactly rather than with SLSQP: the support of ``W`` is found by
Lawson–Hanson non-negative least squares (:func:`scipy.optimize.nnls`) with the adding-up
constraint appended as a heavily weighted row, then ``W`` is recomputed on that support from the
equality-constrained least-squares (KKT) system. That is about 50 times faster than SLSQP, which
is what makes re-optimising ``V`` for every placebo (as the reference does) cheap.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize

from kinerja_research.provenance import fingerprint
from kinerja_research.stats._results import TIDY_COLUMNS, Results
from kinerja_research.stats._validate import check_alpha

__all__ = ["SynthResults", "synthetic_control"]

PredictorSpec = str | tuple[str, Iterable[Any]] | tuple[str, Iterable[Any], str]
_AGGREGATIONS = ("mean", "median")


# --------------------------------------------------------------------------------------------
# numerical core (arrays only, so placebo runs reuse it without pandas overhead)
# --------------------------------------------------------------------------------------------
def _simplex_least_squares(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``min ||a w - b||^2`` subject to ``w >= 0`` and ``sum(w) = 1``.

    Lawson–Hanson NNLS on the system augmented with a weighted row of ones finds the active
    set; the weights are then recomputed exactly on that set from the KKT equations of the
    equality-constrained problem (falling back to the renormalised NNLS solution if that
    would turn a weight negative).
    """
    k = a.shape[1]
    big = 1e3 * max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), 1.0)
    w, _ = optimize.nnls(np.vstack([a, np.full((1, k), big)]), np.append(b, big), maxiter=50 * k)
    support = np.flatnonzero(w > 0)
    if support.size == 0:
        return np.full(k, 1.0 / k)
    a_s = a[:, support]
    m = support.size
    kkt = np.zeros((m + 1, m + 1))
    kkt[:m, :m] = a_s.T @ a_s
    kkt[:m, m] = 1.0
    kkt[m, :m] = 1.0
    rhs = np.append(a_s.T @ b, 1.0)
    sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:m]
    out = np.zeros(k)
    if np.all(sol >= -1e-12):
        out[support] = np.clip(sol, 0.0, None)
    else:
        out[support] = w[support]
    return out / out.sum()


def _donor_weights(v: np.ndarray, x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """Inner problem: donor weights on the simplex for diagonal predictor weights ``v``."""
    root = np.sqrt(v)
    return _simplex_least_squares(root[:, None] * x0, root * x1)


_OPTIMIZERS = ("Nelder-Mead", "Powell", "BFGS", "L-BFGS-B")
_STARTS = ("equal", "regression", "random")


def _regression_v(x0: np.ndarray, x1: np.ndarray, z0: np.ndarray, z1: np.ndarray) -> np.ndarray:
    """Regression-based starting V (as R ``Synth``): regress each unit's outcome over the
    optimisation window on its (scaled) predictors across units; V_k ∝ Σ_t β_kt²."""
    x = np.column_stack([np.ones(x0.shape[1] + 1), np.column_stack([x1, x0]).T])
    z = np.column_stack([z1, z0]).T  # units × periods
    beta = np.linalg.lstsq(x, z, rcond=None)[0][1:]  # drop the intercept
    v = np.sum(beta**2, axis=1)
    if not np.all(np.isfinite(v)) or v.sum() <= 0:
        return np.full(x0.shape[0], 1.0 / x0.shape[0])
    return v / v.sum()


def _start_points(
    starts: Sequence[str], n_random: int, rng: np.random.Generator,
    x0: np.ndarray, x1: np.ndarray, z0: np.ndarray, z1: np.ndarray,
) -> list[tuple[str, np.ndarray]]:
    n_pred = x0.shape[0]
    out: list[tuple[str, np.ndarray]] = []
    for kind in starts:
        if kind == "equal":
            out.append(("equal", np.full(n_pred, 1.0 / n_pred)))
        elif kind == "regression":
            out.append(("regression", _regression_v(x0, x1, z0, z1)))
        else:
            out.extend((f"random{i + 1}", rng.dirichlet(np.ones(n_pred))) for i in range(n_random))
    return out


def _fit_arrays(
    x0: np.ndarray,
    x1: np.ndarray,
    z0: np.ndarray,
    z1: np.ndarray,
    *,
    v: np.ndarray | None,
    maxiter: int,
    optimizer: str = "Nelder-Mead",
    starts: Sequence[str] = ("equal",),
    n_random: int = 0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray, float, list[tuple[str, float]]]:
    """Nested optimisation on scaled predictors from several starting V, keeping the best.

    Returns (W, V, MSPE over the optimise window, [(start, its final MSPE), ...]).
    """

    def loss(x: np.ndarray) -> float:
        ax = np.abs(x)
        total = ax.sum()
        if not np.isfinite(total) or total <= 0:
            return np.inf
        w = _donor_weights(ax / total, x0, x1)
        r = z1 - z0 @ w
        return float(r @ r) / len(r)

    tried: list[tuple[str, float]] = []
    if v is None:
        best_x, best_loss = None, np.inf
        points = _start_points(
            starts, n_random, rng if rng is not None else np.random.default_rng(0), x0, x1, z0, z1
        )
        for label, x_start in points:
            res = optimize.minimize(loss, x_start, method=optimizer, options={"maxiter": maxiter})
            value = float(res.fun)
            tried.append((label, value))
            if value < best_loss:  # ties keep the earlier start (equal weights first)
                best_x, best_loss = res.x, value
        if best_x is None:
            raise RuntimeError("the outer optimisation failed from every start")
        v_hat = np.abs(best_x) / np.abs(best_x).sum()
    else:
        v_hat = np.asarray(v, dtype=float) / np.sum(v)
    w = _donor_weights(v_hat, x0, x1)
    r = z1 - z0 @ w
    return w, v_hat, float(r @ r) / len(r), tried


def _hull_distance(x0: np.ndarray, x1: np.ndarray) -> float:
    """L1 distance (scaled predictor units) from the treated predictors to the donors' hull.

    Linear program (HiGHS): min Σ (s⁺ + s⁻) s.t. X0 w + s⁺ − s⁻ = x1, Σ w = 1, w, s ≥ 0.
    Zero means the treated unit's predictors are a convex combination of the donors'.
    """
    k, j = x0.shape
    c = np.concatenate([np.zeros(j), np.ones(2 * k)])
    a_eq = np.vstack([
        np.hstack([x0, np.eye(k), -np.eye(k)]),
        np.concatenate([np.ones(j), np.zeros(2 * k)])[None, :],
    ])
    b_eq = np.append(x1, 1.0)
    res = optimize.linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return float(res.fun) if res.status == 0 else np.inf


def _scale(x: np.ndarray) -> np.ndarray:
    """Divide each predictor (row) by its SD across all units (columns), as Synth and pysyncon."""
    sd = x.std(axis=1, ddof=1)
    sd = np.where(sd > 0, sd, 1.0)  # a constant predictor carries no information; keep it finite
    return x / sd[:, None]


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
class SynthResults(Results):
    """Results of :func:`synthetic_control`.

    ``tidy()`` has one row ``att`` (the mean gap over the post-treatment periods, the estimand
    reported by Synth and pysyncon) followed by one row ``gap[t]`` per post-treatment period.
    Synthetic control has no sampling standard error: ``std_error``, ``statistic`` and the
    confidence limits are missing; ``p_value`` of the ``att`` row is the placebo-in-space
    p-value when placebos were run. Extra columns: ``kind`` (``att``/``gap``) and ``period``.
    """

    method = "synthetic control (Abadie–Diamond–Hainmueller)"

    @property
    def weights(self) -> pd.Series:
        """Donor weights (sum to one), indexed by donor unit."""
        return self._get_extra("weights")

    @property
    def predictor_weights(self) -> pd.Series:
        """Diagonal of ``V`` (sums to one), indexed by predictor."""
        return self._get_extra("predictor_weights")

    @property
    def predictor_balance(self) -> pd.DataFrame:
        """Predictor values of the treated unit, the synthetic unit and the donor mean."""
        return self._get_extra("balance")

    @property
    def gaps(self) -> pd.DataFrame:
        """Every period: treated outcome, synthetic outcome and gap (treated − synthetic)."""
        return self._get_extra("path")

    @property
    def pre_rmspe(self) -> float:
        """Root mean squared gap over all pre-treatment periods."""
        return float(self._provenance["pre_rmspe"])

    @property
    def loss_v(self) -> float:
        """MSPE over the optimisation window (the outer objective; Synth's ``loss.v``)."""
        return float(self._provenance["loss_v"])

    @property
    def att(self) -> float:
        """Mean gap over the post-treatment periods."""
        return float(self.coef["att"])

    def _header_lines(self) -> list[str]:
        lines = super()._header_lines()
        p = self._provenance
        if p.get("best_start") is not None:
            lines.append(f"  optimizer: {p['optimizer']}; best start: {p['best_start']}")
        if p.get("placebo_p_value") is not None:
            lines.append(
                f"  placebo p-value: {p['placebo_p_value']:.4g} (smallest attainable with "
                f"{p['n_donors']} donors: 1/{p['n_donors'] + 1} = {p['placebo_min_p_value']:.4g})"
            )
        return lines

    def placebo(self) -> dict[str, Any]:
        """Placebo-in-space inference.

        Returns
        -------
        dict
            ``ratios`` (DataFrame: unit, pre_mspe, post_mspe, ratio, treated — one row per unit,
            the treated unit first), ``p_value`` (the treated unit's rank among all units by
            post/pre MSPE ratio divided by the number of units, ``(1 + #{j: r_j >= r_1}) /
            (J + 1)``, ADH 2010 §2.4 and Firpo & Possebom 2018 eq. 3; pre = periods before
            ``treatment_time``, post = from it on), ``min_p_value`` (the smallest attainable
            p-value, ``1 / (J + 1)``) and ``gaps`` (period × donor placebo gaps).
        """
        if "placebo_ratios" not in self._extra:
            raise ValueError("placebos were not run; fit again with placebo=True")
        return {
            "ratios": self._get_extra("placebo_ratios"),
            "p_value": float(self._provenance["placebo_p_value"]),
            "min_p_value": float(self._provenance["placebo_min_p_value"]),
            "gaps": self._get_extra("placebo_gaps"),
        }

    def plot(self, ax: Any = None, *, kind: Literal["path", "gap"] = "path") -> Any:
        """Plot the treated and synthetic paths (``kind="path"``) or the gaps (``"gap"``).

        The gap plot draws every placebo gap in grey behind the treated unit's gap when
        placebos were run. Returns the matplotlib figure.
        """
        import matplotlib.pyplot as plt

        if kind not in ("path", "gap"):
            raise ValueError(f"kind must be 'path' or 'gap', not {kind!r}")
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        path = self._extra["path"]
        t0 = self._provenance["treatment_time"]
        if kind == "path":
            ax.plot(path["period"], path["treated"], color="black", label="treated")
            ax.plot(path["period"], path["synthetic"], color="C0", ls="--", label="synthetic")
            ax.set_ylabel(str(self._provenance["outcome"]))
            ax.legend()
        else:
            if "placebo_gaps" in self._extra:
                pg = self._extra["placebo_gaps"]
                ax.plot(pg.index, pg.to_numpy(), color="grey", alpha=0.3, lw=0.8)
            ax.plot(path["period"], path["gap"], color="black", lw=2, label="treated")
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_ylabel("gap (treated − synthetic)")
        ax.axvline(t0, color="grey", ls=":")
        ax.set_xlabel(str(self._provenance["time"]))
        ax.set_title(f"synthetic control: {self._provenance['treated']}")
        fig.tight_layout()
        return fig


# --------------------------------------------------------------------------------------------
# data preparation
# --------------------------------------------------------------------------------------------
def _window_label(periods: Sequence[Any]) -> str:
    p = list(periods)
    if len(p) == 1:
        return str(p[0])
    ints = all(isinstance(v, (int, np.integer)) for v in p)
    if ints and p == list(range(p[0], p[-1] + 1)):
        return f"{p[0]}-{p[-1]}"
    return ",".join(str(v) for v in p)


def _parse_predictors(
    predictors: Sequence[PredictorSpec] | None,
    *,
    outcome: str,
    pre_periods: list[Any],
    window: Iterable[Any] | None,
    columns: pd.Index,
) -> list[tuple[str, str, list[Any], str]]:
    """Normalise predictor specs to (label, column, periods, aggregation)."""
    default_window = list(window) if window is not None else pre_periods
    if predictors is None:
        # Without predictors, the outcome in every pre-treatment period is a predictor.
        return [(f"{outcome}[{t}]", outcome, [t], "mean") for t in pre_periods]
    if isinstance(predictors, str):
        raise TypeError("predictors must be a list of column names or (column, periods[, op]) tuples")
    out = []
    for spec in predictors:
        if isinstance(spec, str):
            col, periods, op = spec, default_window, "mean"
            label = spec
        elif isinstance(spec, tuple) and len(spec) in (2, 3):
            col = spec[0]
            periods = [spec[1]] if np.isscalar(spec[1]) else list(spec[1])
            op = spec[2] if len(spec) == 3 else "mean"
            label = f"{col}[{_window_label(periods)}]"
        else:
            raise TypeError(f"bad predictor spec {spec!r}: use 'column' or (column, periods[, op])")
        if col not in columns:
            raise ValueError(f"predictor column {col!r} is not in data")
        if op not in _AGGREGATIONS:
            raise ValueError(f"aggregation {op!r} for {col!r} is not one of {_AGGREGATIONS}")
        if not periods:
            raise ValueError(f"predictor {col!r} has an empty time window")
        out.append((label, col, list(periods), op))
    labels = [p[0] for p in out]
    if len(set(labels)) != len(labels):
        raise ValueError(f"duplicate predictors: {labels}")
    return out


def _predictor_matrix(
    data: pd.DataFrame, specs: list[tuple[str, str, list[Any], str]], unit: str, time: str,
    units: list[Hashable],
) -> pd.DataFrame:
    """Predictors × units matrix of window aggregates (NaN skipped, as Synth's dataprep)."""
    rows = {}
    for label, col, periods, op in specs:
        sub = data.loc[data[time].isin(periods), [unit, col]]
        agg = sub.groupby(unit, observed=True)[col].agg(op)
        rows[label] = agg.reindex(units)
    x = pd.DataFrame(rows).T
    bad = x.isna()
    if bad.to_numpy().any():
        where = [(r, c) for r, c in zip(*np.nonzero(bad.to_numpy()), strict=True)]
        msg = ", ".join(f"{x.index[r]} for {x.columns[c]!r}" for r, c in where[:5])
        raise ValueError(f"predictors have no data in their window: {msg}")
    return x.astype(float)


# --------------------------------------------------------------------------------------------
# public function
# --------------------------------------------------------------------------------------------
def synthetic_control(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: Hashable,
    treatment_time: Any,
    *,
    predictors: Sequence[PredictorSpec] | None = None,
    predictor_window: Iterable[Any] | None = None,
    optimize_window: Iterable[Any] | None = None,
    donors: Iterable[Hashable] | None = None,
    predictor_weights: Sequence[float] | None = None,
    maxiter: int = 1000,
    optimizer: Literal["Nelder-Mead", "Powell", "BFGS", "L-BFGS-B"] = "Nelder-Mead",
    starts: Sequence[Literal["equal", "regression", "random"]] = ("equal", "regression", "random"),
    n_random_starts: int = 3,
    random_state: int | None = 0,
    placebo: bool = True,
    alpha: float = 0.05,
) -> SynthResults:
    """Synthetic control estimate for one treated unit with placebo-in-space inference.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period.
    outcome, unit, time : str
        Column names of the outcome, the unit identifier and the period.
    treated : hashable
        The treated unit's identifier.
    treatment_time : scalar
        First treated period; periods before it are pre-treatment.
    predictors : list, optional
        Each item is a column name, aggregated (mean) over ``predictor_window``, or a tuple
        ``(column, periods)`` / ``(column, periods, "mean" | "median")`` with its own window —
        Synth's ``special.predictors``. Missing values inside a window are skipped. Default:
        the outcome in every pre-treatment period.
    predictor_window : iterable, optional
        Window for bare column names (Synth's ``time.predictors.prior``); default all
        pre-treatment periods.
    optimize_window : iterable, optional
        Periods whose outcome MSPE the outer problem minimises (Synth's ``time.optimize.ssr``);
        default all pre-treatment periods.
    donors : iterable, optional
        Donor pool; default every unit except the treated one.
    predictor_weights : sequence of float, optional
        A fixed diagonal ``V`` (skips the outer optimisation; placebos then reuse it too).
    maxiter : int
        Iterations of the outer optimiser from each start (pysyncon's default 1000).
    optimizer : {"Nelder-Mead", "Powell", "BFGS", "L-BFGS-B"}
        :func:`scipy.optimize.minimize` method of the outer problem.
    starts : sequence of {"equal", "regression", "random"}
        Starting values of ``V`` tried in turn; the fit with the smallest pre-period MSPE
        is kept (ties keep the earlier start). ``"equal"``: equal weights (the reference
        implementations' only start); ``"regression"``: R Synth's regression-based V;
        ``"random"``: ``n_random_starts`` Dirichlet draws. Every start and its loss is
        recorded in ``provenance["starts"]``; placebos use the same starts. ``("equal",)``
        reproduces pysyncon exactly.
    n_random_starts : int
        Number of random starts when ``"random"`` is among ``starts``.
    random_state : int, optional
        Seed of the random starts (placebo units get their own streams from it).
    placebo : bool
        Run the placebo-in-space test: each donor in turn is the treated unit, the other donors
        (not the treated unit) its donor pool, and ``V`` is re-optimised for each, as in the
        reference implementations.
    alpha : float
        Kept for the common results interface; synthetic control reports no intervals.

    Returns
    -------
    SynthResults

    Warns
    -----
    UserWarning
        When the treated unit's predictors lie outside the convex hull of the donors'
        (a linear-programming feasibility check): no weighting of the donors reproduces them,
        and the synthetic control extrapolates on those predictors.

    Examples
    --------
    >>> res = synthetic_control(panel, "ikm", "region_id", "year", treated="3573",
    ...                         treatment_time=2019, predictors=["ikm", "merit_score"],
    ...                         )  # doctest: +SKIP
    >>> res.weights.nlargest(3), res.att, res.placebo()["p_value"]  # doctest: +SKIP
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    for name, col in (("outcome", outcome), ("unit", unit), ("time", time)):
        if col not in data.columns:
            raise ValueError(f"{name} column {col!r} is not in data")
    alpha = check_alpha(alpha)
    if not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}")
    if optimizer not in _OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {_OPTIMIZERS}, got {optimizer!r}")
    chosen_starts: tuple[str, ...] = (starts,) if isinstance(starts, str) else tuple(starts)
    bad = [x for x in chosen_starts if x not in _STARTS]
    if not chosen_starts or bad:
        raise ValueError(f"starts must be a non-empty subset of {_STARTS}, got {list(chosen_starts)!r}")
    if not isinstance(n_random_starts, (int, np.integer)) or n_random_starts < 1:
        raise ValueError(f"n_random_starts must be a positive integer, got {n_random_starts!r}")
    if data.duplicated([unit, time]).any():
        raise ValueError(f"data has duplicate ({unit}, {time}) rows")

    all_units = list(pd.unique(data[unit]))
    if treated not in all_units:
        raise ValueError(f"treated unit {treated!r} is not in column {unit!r}")
    donor_list = [u for u in all_units if u != treated] if donors is None else list(donors)
    unknown = [u for u in donor_list if u not in all_units]
    if unknown:
        raise ValueError(f"donors not in data: {unknown}")
    if treated in donor_list:
        raise ValueError("the treated unit cannot be a donor")
    if len(donor_list) < 2:
        raise ValueError("synthetic control needs at least two donors")

    periods = np.sort(pd.unique(data[time]))
    pre_periods = [t for t in periods if t < treatment_time]
    post_periods = [t for t in periods if t >= treatment_time]
    if not pre_periods or not post_periods:
        raise ValueError(f"treatment_time {treatment_time!r} leaves no pre- or no post-period")
    opt_window = pre_periods if optimize_window is None else list(optimize_window)
    if not set(opt_window) <= set(periods):
        raise ValueError("optimize_window has periods that are not in data")

    specs = _parse_predictors(
        predictors, outcome=outcome, pre_periods=pre_periods, window=predictor_window,
        columns=data.columns,
    )
    units = [treated, *donor_list]
    xmat = _predictor_matrix(data, specs, unit, time, units)  # predictors × units
    zwide = data.pivot(index=time, columns=unit, values=outcome).reindex(index=periods, columns=units)
    if zwide.isna().to_numpy().any():
        missing = zwide.columns[zwide.isna().any()].tolist()
        raise ValueError(f"outcome {outcome!r} is missing in some periods for units {missing}")
    z_all = zwide.to_numpy(dtype=float)  # periods × units
    opt_rows = np.isin(periods, opt_window)
    pre_rows = np.isin(periods, pre_periods)
    v_fixed = None
    if predictor_weights is not None:
        v_fixed = np.asarray(predictor_weights, dtype=float)
        if v_fixed.shape != (len(specs),) or np.any(v_fixed < 0) or v_fixed.sum() <= 0:
            raise ValueError(
                f"predictor_weights must be {len(specs)} non-negative numbers with a positive sum"
            )

    seeds = np.random.SeedSequence(random_state).spawn(len(units))

    def fit_one(
        j: int, pool: list[int]
    ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, list[tuple[str, float]]]:
        cols = [j, *pool]
        xs = _scale(xmat.to_numpy()[:, cols])
        w, v, loss, tried = _fit_arrays(
            xs[:, 1:], xs[:, 0], z_all[opt_rows][:, pool], z_all[opt_rows, j],
            v=v_fixed, maxiter=int(maxiter), optimizer=optimizer, starts=chosen_starts,
            n_random=int(n_random_starts), rng=np.random.default_rng(seeds[j]),
        )
        gap = z_all[:, j] - z_all[:, pool] @ w
        return w, v, loss, gap, tried

    donor_idx = list(range(1, len(units)))
    w, v, loss_v, gap, tried = fit_one(0, donor_idx)
    xs_all = _scale(xmat.to_numpy())
    hull = _hull_distance(xs_all[:, 1:], xs_all[:, 0])
    outside_range = [
        s[0] for s, row in zip(specs, xs_all, strict=True)
        if row[0] > row[1:].max() or row[0] < row[1:].min()
    ]
    if hull > 1e-8:
        where = (
            f"; outside the donors' range on {outside_range}" if outside_range else
            " (each predictor lies within the donors' range, but not their combination)"
        )
        warnings.warn(
            f"the treated unit {treated!r} lies outside the convex hull of the donors' predictors "
            f"(L1 distance {hull:.3g} in SD units{where}): no weighting of the donors reproduces "
            "it, so the synthetic control extrapolates; check predictor_balance and consider "
            "fewer predictors or a wider donor pool",
            UserWarning,
            stacklevel=2,
        )
    synthetic = z_all[:, donor_idx] @ w
    post_rows = ~pre_rows
    att = float(gap[post_rows].mean())
    pre_rmspe = float(np.sqrt(np.mean(gap[pre_rows] ** 2)))

    weights = pd.Series(w, index=pd.Index(donor_list, name=unit), name="weight")
    v_ser = pd.Series(v, index=pd.Index([s[0] for s in specs], name="predictor"), name="v")
    x_np = xmat.to_numpy()
    balance = pd.DataFrame(
        {
            "v": v,
            "treated": x_np[:, 0],
            "synthetic": x_np[:, 1:] @ w,
            "donor_mean": x_np[:, 1:].mean(axis=1),
        },
        index=v_ser.index,
    )
    path = pd.DataFrame(
        {"period": periods, "treated": z_all[:, 0], "synthetic": synthetic, "gap": gap}
    )

    prov: dict[str, Any] = {
        "estimand": "ATT on the treated unit: mean post-treatment gap (treated − synthetic)",
        "variance": "none (placebo-in-space permutation p-value)" if placebo else "none",
        "outcome": outcome,
        "unit": unit,
        "time": time,
        "treated": treated,
        "treatment_time": treatment_time,
        "n_donors": len(donor_list),
        "n_pre_periods": len(pre_periods),
        "n_post_periods": len(post_periods),
        "predictors": [(s[0], s[1], s[2], s[3]) for s in specs],
        "optimize_window": list(opt_window),
        "optimizer": (
            "outer: fixed V" if v_fixed is not None
            else f"outer: {optimizer} from {len(tried)} starts ({', '.join(chosen_starts)}), "
            f"best pre-period fit kept, maxiter={maxiter}"
        ) + "; inner: NNLS active set + exact KKT solve on the simplex",
        "starts": [{"start": label, "loss_v": value} for label, value in tried],
        "best_start": min(tried, key=lambda t: t[1])[0] if tried else None,
        "random_state": random_state,
        "hull_distance": hull,
        "outside_donor_range": outside_range,
        "placebo_v": ("fixed V reused" if v_fixed is not None else "V re-optimised per placebo")
        if placebo else None,
        "loss_v": loss_v,
        "pre_rmspe": pre_rmspe,
        "data_fingerprint": fingerprint(data[[unit, time, outcome]]),
    }
    extra: dict[str, Any] = {
        "weights": weights, "predictor_weights": v_ser, "balance": balance, "path": path,
    }

    p_value = np.nan
    if placebo:
        gaps_all = np.empty((len(periods), len(units)))
        gaps_all[:, 0] = gap
        for j in donor_idx:
            pool = [k for k in donor_idx if k != j]
            gaps_all[:, j] = fit_one(j, pool)[3]
        pre_mspe = np.mean(gaps_all[pre_rows] ** 2, axis=0)
        post_mspe = np.mean(gaps_all[post_rows] ** 2, axis=0)
        with np.errstate(divide="ignore"):
            ratio = post_mspe / pre_mspe
        n_ge = int(np.sum(ratio[1:] >= ratio[0]))
        p_value = (1 + n_ge) / len(units)
        prov["placebo_p_value"] = p_value
        # with J donors no placebo p-value can be below 1/(J+1): say so beside every p-value
        prov["placebo_min_p_value"] = 1 / len(units)
        extra["placebo_ratios"] = pd.DataFrame(
            {
                "unit": units, "pre_mspe": pre_mspe, "post_mspe": post_mspe, "ratio": ratio,
                "treated": [True] + [False] * len(donor_list),
            }
        )
        extra["placebo_gaps"] = pd.DataFrame(
            gaps_all[:, 1:], index=pd.Index(periods, name=time), columns=donor_list
        )

    post_t = [t for t in periods if t >= treatment_time]
    n_post = len(post_t)
    tidy = pd.DataFrame(
        {
            "term": ["att", *[f"gap[{t}]" for t in post_t]],
            "estimate": [att, *gap[post_rows]],
            "std_error": np.nan,
            "statistic": np.nan,
            "p_value": [p_value, *[np.nan] * n_post],
            "conf_low": np.nan,
            "conf_high": np.nan,
            "kind": ["att", *["gap"] * n_post],
            "period": [np.nan, *post_t],
        }
    )
    assert list(tidy.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    return SynthResults(tidy=tidy, provenance=prov, alpha=alpha, extra=extra)
