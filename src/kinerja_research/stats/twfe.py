"""Two-way fixed effects, event studies (dynamic TWFE and Sun–Abraham) and the TWFE-bias diagnostic.

Estimation is delegated to pyfixest (``pf.feols``); this module builds the design, always
passes the variance estimator explicitly (pyfixest would otherwise cluster silently by the first
fixed effect), records it with the small-sample correction in ``provenance`` and drops the
fitted pyfixest object so that no input rows travel with the results.

The diagnostic is de Chaisemartin & D'Haultfœuille's (2020, AER, Theorem 1) decomposition of
the TWFE coefficient into a weighted sum of cell-level treatment effects; negative weights
signal that TWFE can have the wrong sign under heterogeneous (e.g. dynamic) effects in
staggered designs.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kinerja_research.provenance import fingerprint
from kinerja_research.stats._results import TIDY_COLUMNS, Results
from kinerja_research.stats._validate import check_alpha

__all__ = [
    "EventStudyResults",
    "TwfeResults",
    "TwfeWeights",
    "event_study",
    "twfe",
    "twfe_weights",
]

_VCOV_TYPES = ("iid", "hetero", "HC1", "HC2", "HC3", "CRV1", "CRV3")
_DEFAULT_SSC: dict[str, Any] = {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"}


# --------------------------------------------------------------------------------------------
# input checks and small helpers
# --------------------------------------------------------------------------------------------
def _check_frame(data: Any, columns: Sequence[str | None]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    if len(data) == 0:
        raise ValueError("data has no rows")


def _numeric(data: pd.DataFrame, col: str) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col]):
        raise TypeError(f"column {col!r} must be numeric (years or period numbers)")
    return data[col].to_numpy(dtype=float)


def _cohort_values(data: pd.DataFrame, cohort: str) -> np.ndarray:
    """Cohort (first treated period); 0 or missing means never treated (R ``did``'s convention)."""
    g = _numeric(data, cohort)
    g = np.where(np.isnan(g), 0.0, g)
    if np.any(g < 0) or np.any(g != np.round(g)):
        raise ValueError(f"cohort column {cohort!r} must hold whole periods, 0 for never treated")
    return g


def _vcov_arg(vcov: str) -> str | dict[str, str]:
    if vcov not in _VCOV_TYPES:
        raise ValueError(f"vcov must be one of {_VCOV_TYPES}, got {vcov!r}")
    # the slim frame names the cluster column "cl" (see _base_frame)
    return {vcov: "cl"} if vcov.startswith("CRV") else vcov


def _ssc_dict(ssc: Mapping[str, Any] | None) -> dict[str, Any]:
    import pyfixest as pf

    if ssc is None:
        return dict(_DEFAULT_SSC)
    if not isinstance(ssc, Mapping):
        raise TypeError("ssc must be a mapping of pyfixest.ssc() options or None")
    unknown = set(ssc) - set(_DEFAULT_SSC)
    if unknown:
        raise ValueError(f"unknown ssc options {sorted(unknown)}; allowed {sorted(_DEFAULT_SSC)}")
    return pf.ssc(**{**_DEFAULT_SSC, **dict(ssc)})


def _ssc_text(ssc: Mapping[str, Any], vcov: str, factor: float) -> str:
    parts = []
    if ssc["k_adj"]:
        fe = {
            "nonnested": "fixed effects nested in the clusters not counted",
            "full": "all fixed effects counted",
            "none": "fixed effects not counted",
        }[ssc["k_fixef"]]
        parts.append(f"(N-1)/(N-K), {fe}")
    if vcov.startswith("CRV") and ssc["G_adj"]:
        parts.append("G/(G-1)")
    body = " x ".join(parts) if parts else "none"
    return f"{body} [factor {factor:.6g}; pyfixest ssc {dict(ssc)}]"


def _t_inference(est: np.ndarray, se: np.ndarray, df: float, alpha: float) -> dict[str, np.ndarray]:
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    crit = _st.t.ppf(1 - alpha / 2, df)
    return {
        "statistic": t,
        "p_value": 2 * _st.t.sf(np.abs(t), df),
        "conf_low": est - crit * se,
        "conf_high": est + crit * se,
    }


@dataclass(frozen=True)
class _Fit:
    names: list[str]
    beta: np.ndarray
    vcov: np.ndarray
    df: float
    n_obs: int
    n_clusters: int | None
    ssc_factor: float
    dropped: list[str]
    used: np.ndarray  # rows of the estimation sample (missing values and singletons removed)


def _feols(
    frame: pd.DataFrame, regressors: list[str], vcov: str, ssc: Mapping[str, Any]
) -> _Fit:
    """Fit ``y ~ regressors | unit + time`` and keep only numbers (no data, no model object)."""
    import pyfixest as pf

    fml = f"y ~ {' + '.join(regressors)} | unit + time"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = pf.feols(
            fml,
            data=frame,
            vcov=_vcov_arg(vcov),
            ssc=dict(ssc),
            store_data=False,
            copy_data=False,
        )
    names = list(m._coefnames)
    dropped = [r for r in regressors if r not in names]
    for w in caught:
        # collinearity drops are reported in provenance, and pyfixest's own deprecation
        # noise under pandas 3 is not the user's business; anything else is passed on
        if "collinear" in str(w.message).lower() or issubclass(
            w.category, (DeprecationWarning, FutureWarning)
        ):
            continue
        warnings.warn(str(w.message), w.category, stacklevel=3)
    n_clusters = int(np.min(m._G)) if vcov.startswith("CRV") else None
    used = np.ones(len(frame), dtype=bool)
    # positions: the slim frame has a RangeIndex, so pyfixest's row labels are positions
    used[np.fromiter(m._na_index, dtype=np.int64, count=len(m._na_index))] = False
    fit = _Fit(
        names=names,
        beta=np.asarray(m._beta_hat, dtype=float).copy(),
        vcov=np.asarray(m._vcov, dtype=float).copy(),
        df=float(m._df_t),
        n_obs=int(m._N),
        n_clusters=n_clusters,
        ssc_factor=float(np.asarray(m._ssc).ravel()[0]),
        dropped=dropped,
        used=used,
    )
    del m  # the Feols object holds demeaned data arrays: do not let it escape
    return fit


def _codes(s: pd.Series) -> np.ndarray:
    """Integer codes with missing kept missing (pyfixest then drops the row and counts it)."""
    c = pd.factorize(s)[0].astype(float)
    c[c < 0] = np.nan
    return c


def _base_frame(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cluster: str | None,
    covariates: Sequence[str] = (),
) -> pd.DataFrame:
    """A slim copy with formula-safe names: any user column name works in the pyfixest formula."""
    out = pd.DataFrame(
        {
            "y": _numeric(data, outcome),
            "unit": _codes(data[unit]),
            "time": _codes(data[time]),
            "cl": _codes(data[cluster if cluster is not None else unit]),
        }
    )
    for i, c in enumerate(covariates):
        out[f"x{i}"] = _numeric(data, c)
    return out


def _prov_common(
    *,
    data: pd.DataFrame,
    columns: Sequence[str],
    vcov: str,
    cluster: str,
    ssc: Mapping[str, Any],
    fit: _Fit,
    alpha: float,
) -> dict[str, Any]:
    crv = vcov.startswith("CRV")
    return {
        "variance": {"iid": "iid (homoskedastic)", "hetero": "HC1 (heteroskedasticity-robust)"}.get(
            vcov, vcov
        ),
        "cluster": cluster if crv else None,
        "small_sample_correction": _ssc_text(ssc, vcov, fit.ssc_factor),
        "ssc": dict(ssc),
        "inference": f"t distribution with {fit.df:g} df" + (" (G - 1)" if crv else ""),
        "n_obs": fit.n_obs,
        "n_rows_dropped": int((~fit.used).sum()),  # missing values and singleton fixed effects
        "n_clusters": fit.n_clusters,
        "fixed_effects": "unit + time",
        "dropped_collinear": fit.dropped,
        "data_fingerprint": fingerprint(data[list(dict.fromkeys(columns))]),
        "alpha": alpha,
        "engine": "pyfixest.feols (store_data=False)",
    }


# --------------------------------------------------------------------------------------------
# the TWFE-bias diagnostic
# --------------------------------------------------------------------------------------------
class TwfeWeights(Results):
    """de Chaisemartin–D'Haultfœuille weights of the static TWFE coefficient.

    :attr:`cells` holds one row per treated (unit, time) cell: its weight ``w`` (the weights sum
    to one; β_TWFE = Σ w·Δ under parallel trends, Δ the cell's treatment effect).
    :attr:`by_cohort` aggregates the weights to cohort × period. ``tidy()`` has the count,
    share and sums of the negative and positive weights (descriptive: no standard errors). Only
    aggregated cells are kept, never input rows.
    """

    method = "twfe_weights"

    @classmethod
    def _build(cls, cells: pd.DataFrame, by_cohort: pd.DataFrame | None,
               provenance: Mapping[str, Any]) -> TwfeWeights:
        # tiny negative values are rounding noise from the projections, not negative weights
        tol = 1e-10 * max(1.0, float(np.abs(cells["w"]).max())) if len(cells) else 0.0
        neg = cells["w"] < -tol
        values = {
            "treated cells": float(len(cells)),
            "negative weights": float(neg.sum()),
            "share negative": float(neg.mean()) if len(cells) else 0.0,
            "sum of negative weights": float(cells.loc[neg, "w"].sum()),
            "sum of positive weights": float(cells.loc[~neg, "w"].sum()),
        }
        tidy = pd.DataFrame({"term": list(values), "estimate": list(values.values())})
        for c in TIDY_COLUMNS[2:]:
            tidy[c] = np.nan
        prov = dict(provenance)
        prov.setdefault("estimand", "weights of the treated cells in the static TWFE coefficient "
                                    "(de Chaisemartin & D'Haultfoeuille 2020, Theorem 1)")
        prov.setdefault("variance", "none (descriptive)")
        return cls(tidy=tidy, provenance=prov, alpha=0.05,
                   extra={"cells": cells, "by_cohort": by_cohort})

    def _value(self, term: str) -> float:
        return float(self._tidy.loc[self._tidy["term"] == term, "estimate"].iloc[0])

    @property
    def cells(self) -> pd.DataFrame:
        """Weight of each treated (unit, time) cell (a copy)."""
        return self._get_extra("cells")

    @property
    def by_cohort(self) -> pd.DataFrame | None:
        """Weights summed to cohort × period (``None`` when fitted from a 0/1 treatment)."""
        return self._get_extra("by_cohort")

    @property
    def n_treated_cells(self) -> int:
        """Number of treated (unit, time) cells."""
        return int(self._value("treated cells"))

    @property
    def n_negative(self) -> int:
        """Number of treated cells with a negative weight."""
        return int(self._value("negative weights"))

    @property
    def share_negative(self) -> float:
        """Share of treated cells with a negative weight."""
        return self._value("share negative")

    @property
    def sum_negative(self) -> float:
        """Sum of the negative weights."""
        return self._value("sum of negative weights")

    @property
    def sum_positive(self) -> float:
        """Sum of the positive weights."""
        return self._value("sum of positive weights")

    def summary(self) -> str:
        """One-paragraph reading of the diagnostic."""
        verdict = (
            "TWFE weights some treated cells negatively: with heterogeneous or dynamic effects "
            "the TWFE coefficient need not lie between the cell effects (it can even have the "
            "wrong sign); prefer event_study(method='sun_abraham') or staggered DiD."
            if self.n_negative
            else "No negative weights: TWFE is a convex combination of the cell effects."
        )
        return (
            "TWFE weights (de Chaisemartin & D'Haultfoeuille 2020, Theorem 1)\n"
            f"  treated cells: {self.n_treated_cells}\n"
            f"  negative weights: {self.n_negative} ({self.share_negative:.1%} of treated cells)\n"
            f"  sum of negative weights: {self.sum_negative:.4g}; "
            f"sum of positive weights: {self.sum_positive:.4g}\n  {verdict}"
        )

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"

    def plot(self, ax: Any = None) -> Any:
        """Histogram of the cell weights, negative weights in red; returns the figure."""
        import matplotlib.pyplot as plt

        w = self._extra["cells"]["w"].to_numpy()
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 3.5))
        else:
            fig = ax.figure
        bins = np.histogram_bin_edges(w, bins=min(40, max(5, len(w) // 5)))
        ax.hist(w[w >= 0], bins=bins, color="C0", label="positive")
        ax.hist(w[w < 0], bins=bins, color="C3", label="negative")
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlabel("TWFE weight of a treated cell")
        ax.set_ylabel("cells")
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig


def _twfe_weights_arrays(
    unit_codes: np.ndarray,
    time_codes: np.ndarray,
    d: np.ndarray,
    covariates: np.ndarray | None = None,
) -> np.ndarray:
    """Per-observation weight ε_i·D_i / Σ ε_j·D_j, ε the residual of D on the two-way FE (and X).

    dCDH (2020) eq. (3): with ε the residual of the treatment on unit and period effects, the
    TWFE coefficient equals Σ_i ε_i Y_i / Σ_i ε_i D_i, hence Σ_i w_i Δ_i under parallel trends.
    """
    from pyfixest.estimation import demean

    flist = np.column_stack([unit_codes, time_codes]).astype(np.uint64)
    cols = d[:, None] if covariates is None else np.column_stack([d, covariates])
    demeaned, ok = demean(
        np.ascontiguousarray(cols, dtype=float), flist, np.ones(len(d)), tol=1e-12, maxiter=100_000
    )
    if not ok:
        raise RuntimeError("alternating projections did not converge for the TWFE weights")
    eps = demeaned[:, 0]
    if covariates is not None:
        # Frisch–Waugh: partial the (demeaned) covariates out of the demeaned treatment
        xd = demeaned[:, 1:]
        eps = eps - xd @ np.linalg.lstsq(xd, eps, rcond=None)[0]
    denom = float(np.sum(eps * d))
    if abs(denom) < 1e-12:
        raise ValueError("treatment is collinear with the fixed effects: TWFE is not identified")
    return eps * d / denom


def twfe_weights(
    data: pd.DataFrame,
    unit: str,
    time: str,
    *,
    treatment: str | None = None,
    cohort: str | None = None,
) -> TwfeWeights:
    """Negative-weights diagnostic for the static TWFE coefficient (dCDH 2020).

    Parameters
    ----------
    data : DataFrame
        Panel (or repeated cross-section: several rows per unit-period are aggregated to cells).
    unit, time : str
        Unit and period columns (the two fixed effects).
    treatment : str, optional
        Binary 0/1 treatment column. Give exactly one of ``treatment`` and ``cohort``.
    cohort : str, optional
        First treated period (0 or missing = never treated); treatment is
        ``1{cohort > 0 and time >= cohort}``.

    Returns
    -------
    TwfeWeights
        Cell weights, their cohort × period aggregate, and the count, share and sum of the
        negative weights.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"u": [1, 1, 1, 2, 2, 2, 3, 3, 3], "t": [1, 2, 3] * 3,
    ...                    "g": [2] * 3 + [3] * 3 + [0] * 3})
    >>> w = twfe_weights(df, "u", "t", cohort="g")
    >>> round(float(w.cells["w"].sum()), 12)
    1.0
    """
    _check_frame(data, [unit, time, treatment, cohort])
    if (treatment is None) == (cohort is None):
        raise ValueError("give exactly one of treatment= or cohort=")
    t = _numeric(data, time)
    if cohort is not None:
        g = _cohort_values(data, cohort)
        d = ((g > 0) & (t >= g)).astype(float)
    else:
        d = _numeric(data, treatment)  # type: ignore[arg-type]
        if not np.all(np.isin(d, (0.0, 1.0))):
            raise ValueError(f"treatment column {treatment!r} must be 0/1 without missing values")
        g = None
    ucode = pd.factorize(data[unit])[0]
    tcode = pd.factorize(data[time])[0]
    w = _twfe_weights_arrays(ucode, tcode, d)
    treated = d == 1
    cells = (
        pd.DataFrame({"unit": data[unit].to_numpy()[treated], "time": t[treated], "w": w[treated]})
        .groupby(["unit", "time"], as_index=False, sort=True)["w"]
        .sum()
    )
    cells = cells.rename(columns={"unit": unit, "time": time})
    by_cohort = None
    if g is not None:
        by_cohort = (
            pd.DataFrame({"cohort": g[treated], "time": t[treated], "w": w[treated]})
            .groupby(["cohort", "time"], as_index=False, sort=True)
            .agg(w=("w", "sum"), n_obs=("w", "size"))
        )
        by_cohort["e"] = by_cohort["time"] - by_cohort["cohort"]
    cols = [unit, time, treatment if treatment is not None else cohort]
    prov = {
        "n_obs": len(data),
        "data_fingerprint": fingerprint(data[list(dict.fromkeys(cols))]),
        "treatment": treatment,
        "cohort": cohort,
    }
    return TwfeWeights._build(cells, by_cohort, prov)


# --------------------------------------------------------------------------------------------
# static TWFE
# --------------------------------------------------------------------------------------------
class TwfeResults(Results):
    """Static two-way fixed-effects estimate (pyfixest), with the dCDH weights diagnostic."""

    method = "twfe"

    def twfe_weights(self) -> TwfeWeights:
        """The negative-weights diagnostic computed at fit time (aggregated cells only)."""
        return self._get_extra("twfe_weights")

    def summary(self) -> str:
        """Text summary plus the one-line weights diagnostic."""
        p = self.provenance
        line = (
            f"  TWFE weights: {p['twfe_negative_weights']} of {p['twfe_treated_cells']} treated "
            f"cells negative (sum {p['twfe_sum_negative_weights']:.4g})"
        )
        return super().summary() + "\n" + line


def twfe(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    *,
    covariates: Sequence[str] | None = None,
    cluster: str | None = None,
    vcov: Literal["iid", "hetero", "HC1", "HC2", "HC3", "CRV1", "CRV3"] = "CRV1",
    ssc: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
) -> TwfeResults:
    """Static two-way fixed-effects regression ``outcome ~ treatment + X | unit + time``.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit-period (or finer).
    outcome, unit, time, treatment : str
        Column names; ``treatment`` is 0/1.
    covariates : sequence of str, optional
        Time-varying controls (time-invariant ones are collinear with the unit effects and
        dropped by pyfixest; the drop is recorded in ``provenance['dropped_collinear']``).
    cluster : str, optional
        Cluster column for ``CRV1``/``CRV3``; defaults to ``unit`` (recorded, never implicit).
    vcov : {"CRV1", "CRV3", "iid", "hetero", "HC1", "HC2", "HC3"}
        Variance estimator, passed to pyfixest explicitly.
    ssc : mapping, optional
        pyfixest ``ssc()`` options. The default is pyfixest's (= R fixest's) correction:
        (N-1)/(N-K) with K not counting fixed effects nested in the clusters, times G/(G-1), and
        t(G-1) inference. ``{"k_adj": False, "G_adj": False}`` gives the unadjusted sandwich.
        (linearmodels' ``PanelOLS`` instead uses N/(N-K) with every unit effect in K and no
        G/(G-1), which is why its clustered SE on mpdta is 0.014820 against fixest's 0.013265.)
    alpha : float
        1 - confidence level.

    Returns
    -------
    TwfeResults
        ``tidy()`` has the treatment row first, then covariates; ``provenance`` records the
        variance estimator, cluster level, small-sample correction and the weights diagnostic.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"u": np.repeat(np.arange(40), 4), "t": np.tile(np.arange(4), 40)})
    >>> df["d"] = ((df["u"] < 20) & (df["t"] >= 2)).astype(int)
    >>> df["y"] = 0.1 * df["u"] + 0.2 * df["t"] + 1.0 * df["d"] + rng.normal(0, 0.1, len(df))
    >>> res = twfe(df, "y", "u", "t", "d", cluster="u")
    >>> bool(abs(res.coef["d"] - 1.0) < 0.1)
    True
    """
    covariates = list(covariates or [])
    _check_frame(data, [outcome, unit, time, treatment, cluster, *covariates])
    alpha = check_alpha(alpha)
    ssc_d = _ssc_dict(ssc)
    if vcov not in _VCOV_TYPES:
        raise ValueError(f"vcov must be one of {_VCOV_TYPES}, got {vcov!r}")
    cluster_col = cluster if cluster is not None else unit
    frame = _base_frame(data, outcome, unit, time, cluster_col, covariates)
    d = _numeric(data, treatment)
    if not np.all(np.isin(d[~np.isnan(d)], (0.0, 1.0))):
        raise ValueError(f"treatment column {treatment!r} must be 0/1")
    frame["d"] = d
    regs = ["d", *[f"x{i}" for i in range(len(covariates))]]
    fit = _feols(frame, regs, vcov, ssc_d)
    if "d" not in fit.names:
        raise ValueError("the treatment is collinear with the fixed effects: TWFE is not identified")
    label = {"d": treatment, **{f"x{i}": c for i, c in enumerate(covariates)}}
    se = np.sqrt(np.diag(fit.vcov))
    tidy = pd.DataFrame({"term": [label[n] for n in fit.names], "estimate": fit.beta, "std_error": se})
    for k, v in _t_inference(fit.beta, se, fit.df, alpha).items():
        tidy[k] = v
    tidy = tidy[TIDY_COLUMNS]

    # diagnostic on the estimation sample (rows pyfixest keeps: no missing values, no singletons)
    keep = fit.used
    xcov = frame.loc[keep, regs[1:]].to_numpy(dtype=float) if covariates else None
    w = _twfe_weights_arrays(
        pd.factorize(frame.loc[keep, "unit"])[0],
        pd.factorize(frame.loc[keep, "time"])[0],
        d[keep],
        xcov,
    )
    sub = pd.DataFrame(
        {"unit": data[unit].to_numpy()[keep], "time": _numeric(data, time)[keep], "w": w}
    )[d[keep] == 1]
    cells = sub.groupby(["unit", "time"], as_index=False, sort=True)["w"].sum()
    cells = cells.rename(columns={"unit": unit, "time": time})
    diag = TwfeWeights._build(
        cells, None, {"n_obs": int(keep.sum()), "treatment": treatment, "covariates": covariates}
    )
    prov = _prov_common(
        data=data,
        columns=[outcome, unit, time, treatment, cluster_col, *covariates],
        vcov=vcov,
        cluster=cluster_col,
        ssc=ssc_d,
        fit=fit,
        alpha=alpha,
    )
    prov["dropped_collinear"] = [label[n] for n in fit.dropped]
    prov.update(
        estimand="TWFE coefficient: a weighted average of cell effects (weights may be negative)",
        formula=f"{outcome} ~ {' + '.join([treatment, *covariates])} | {unit} + {time}",
        twfe_treated_cells=diag.n_treated_cells,
        twfe_negative_weights=diag.n_negative,
        twfe_share_negative_weights=diag.share_negative,
        twfe_sum_negative_weights=diag.sum_negative,
    )
    return TwfeResults(
        tidy=tidy, provenance=prov, alpha=alpha, extra={"twfe_weights": diag, "term_vcov": fit.vcov}
    )


# --------------------------------------------------------------------------------------------
# event studies
# --------------------------------------------------------------------------------------------
def _ev_name(e: int) -> str:
    return f"m{-e}" if e < 0 else f"p{e}"


class EventStudyResults(Results):
    """Event-study estimates by event time ``e`` (and by cohort for Sun–Abraham).

    ``tidy()`` has one row per event time (columns ``e`` plus the standard ones). For
    ``method="sun_abraham"`` these are the interaction-weighted averages of the cohort × event
    coefficients (weights: each cohort's share of the observations at that event time);
    :meth:`cohort_effects` gives the underlying cells and :meth:`aggregate` the overall ATT.
    """

    method = "event_study"

    def summary(self) -> str:
        """Text summary; for Sun–Abraham with the overall ATT beneath the event-time table."""
        text = super().summary()
        p = self.provenance
        if p.get("event_study_method") == "sun_abraham":
            text += (
                f"\n  overall ATT (e >= 0 cells, weighted by size): {p['overall_att']:.5g} "
                f"(SE {p['overall_att_se']:.5g})"
            )
        return text

    def cohort_effects(self) -> pd.DataFrame:
        """Cohort × event-time coefficients (Sun–Abraham only), with cell sizes."""
        if self.provenance["event_study_method"] != "sun_abraham":
            raise ValueError("cohort effects exist for method='sun_abraham' only")
        return self._get_extra("cohort_effects")

    def aggregate(
        self, kind: Literal["overall", "event", "cohort"] = "overall"
    ) -> EventStudyAggregate:
        """Linear combinations of the Sun–Abraham cohort × event coefficients.

        ``"overall"``: post-period (e ≥ 0) cells weighted by their number of treated
        observations (equals Callaway–Sant'Anna's simple ATT with a universal base period);
        ``"event"``: by event time, cohort shares as weights (the ``tidy()`` table);
        ``"cohort"``: by cohort, post-period cells weighted by size.

        Returns an :class:`EventStudyAggregate` (``tidy()`` has the estimates, ``vcov`` their
        covariance from the full cohort × event covariance, R V R').
        """
        if self.provenance["event_study_method"] != "sun_abraham":
            raise ValueError("aggregate() needs method='sun_abraham'")
        if kind not in ("overall", "event", "cohort"):
            raise ValueError(f"kind must be 'overall', 'event' or 'cohort', got {kind!r}")
        cells = self._extra["cohort_effects"]
        beta = cells["estimate"].to_numpy()
        vcov = self._extra["vcov"]
        n = cells["n_obs"].to_numpy(dtype=float)
        if kind == "overall":
            # numpy's stubs reject None as a value; at runtime it makes an object array
            groups = pd.Series(np.where(cells["e"] >= 0, "ATT", None), dtype="object")  # type: ignore[call-overload]
        elif kind == "event":
            groups = cells["e"]
        else:
            groups = pd.Series(np.where(cells["e"] >= 0, cells["cohort"], np.nan))
        table, R = _lincomb_table(beta, vcov, n, groups, self._extra["df"], self.alpha, kind)
        prov = {k: v for k, v in self.provenance.items() if k not in ("overall_att", "overall_att_se")}
        prov.update(
            method=EventStudyAggregate.method,
            aggregation=kind,
            estimand={
                "overall": "Sun-Abraham overall ATT: post-period (e >= 0) cohort x event cells "
                           "weighted by their number of treated observations",
                "event": "Sun-Abraham ATT by event time (cohort-share weights)",
                "cohort": "Sun-Abraham ATT by cohort (post-period cells weighted by size)",
            }[kind],
        )
        return EventStudyAggregate(
            tidy=table, provenance=prov, alpha=self.alpha, extra={"term_vcov": R @ vcov @ R.T}
        )

    def sensitivity(
        self,
        *,
        method: Literal["relative_magnitude", "smoothness"] = "relative_magnitude",
        m: Any = None,
        l_vec: Any = None,
        alpha: float | None = None,
    ) -> Results:
        """Sensitivity of the post-period estimates to parallel-trends violations (HonestDiD).

        Rambachan & Roth (2023) on the event-time estimates and their covariance (``vcov``):
        ``betahat`` are the ``e < 0`` then ``e >= 0`` estimates relative to the reference period,
        which must be ``e = -1`` (the normalisation the method's restrictions are written in).

        Parameters
        ----------
        method : {"relative_magnitude", "smoothness"}
            Restriction on the post-period violation (see :func:`kinerja_research.stats.honest_did`).
        m : float or sequence of float, optional
            Values of M̄ (relative magnitudes) or M (smoothness); ``None`` uses that function's default.
        l_vec : array-like, optional
            Weights on the post-period estimates (default: the first post-period effect).
        alpha : float, optional
            Defaults to this result's ``alpha``.

        Returns
        -------
        Results
            The :func:`~kinerja_research.stats.honest_did` results object.
        """
        from kinerja_research.stats.honestdid import honest_did

        t = self._tidy
        ref = self.provenance.get("ref")
        if ref != -1:
            raise ValueError(
                f"sensitivity() needs the reference period e=-1 (this event study uses ref={ref}); "
                "refit with event_study(..., ref=-1)"
            )
        e = t["e"].to_numpy()
        if not np.all(np.diff(e) > 0):
            raise ValueError("event times must be increasing and distinct for sensitivity()")
        pre = int(np.sum(e < 0))
        post = int(np.sum(e >= 0))
        if pre < 1 or post < 1:
            raise ValueError(
                f"sensitivity() needs at least one pre-period and one post-period estimate; "
                f"this event study has {pre} pre and {post} post"
            )
        kwargs: dict[str, Any] = {"method": method, "alpha": self.alpha if alpha is None else alpha}
        if m is not None:
            kwargs["m"] = m
        if l_vec is not None:
            kwargs["l_vec"] = l_vec
        sigma = self.vcov.to_numpy()
        return honest_did(t["estimate"].to_numpy(dtype=float), sigma, pre, post, **kwargs)

    def plot(self, ax: Any = None) -> Any:
        """Estimates against event time with confidence intervals; reference period at 0."""
        import matplotlib.pyplot as plt

        t = self._tidy
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        ax.errorbar(
            t["e"], t["estimate"],
            yerr=[t["estimate"] - t["conf_low"], t["conf_high"] - t["estimate"]],
            fmt="o", capsize=3, label="estimate",
        )
        ref = self.provenance.get("ref")
        if ref is not None:
            ax.plot([ref], [0.0], marker="o", mfc="white", color="C0", label=f"reference (e={ref})")
        ax.axhline(0, color="grey", lw=0.8)
        ax.axvline(-0.5, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("event time e (periods since adoption)")
        ax.set_ylabel(f"effect ({1 - self.alpha:.0%} CI)")
        ax.set_title(f"event study — {self.provenance['event_study_method']}")
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig


class EventStudyAggregate(Results):
    """Aggregation of Sun–Abraham cohort × event coefficients (overall, by event time, by cohort)."""

    method = "event_study_aggregate"

    @property
    def overall(self) -> pd.Series:
        """The single aggregated row (``kind="overall"``) as a Series."""
        if len(self._tidy) != 1:
            raise ValueError("overall exists for aggregate('overall') only")
        return self._tidy.iloc[0].copy()


def _lincomb_table(
    beta: np.ndarray,
    vcov: np.ndarray,
    n: np.ndarray,
    groups: pd.Series,
    df: float,
    alpha: float,
    kind: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Size-weighted averages of coefficients within groups, SE from the full vcov (R V R')."""
    codes, labels = pd.factorize(groups, sort=True)  # missing group -> -1, left out
    valid = codes >= 0
    R = np.zeros((len(labels), len(beta)))
    R[codes[valid], np.flatnonzero(valid)] = n[valid]
    R /= R.sum(axis=1, keepdims=True)
    est = R @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", R, vcov, R))
    key = {"overall": "term", "event": "e", "cohort": "cohort"}[kind]
    out = pd.DataFrame({key: np.asarray(labels)})
    if kind == "event":
        out["e"] = out["e"].astype(int)
        out.insert(0, "term", [f"e={e}" for e in out["e"]])
    elif kind == "cohort":
        out["cohort"] = out["cohort"].astype(int)
        out.insert(0, "term", [f"g={g}" for g in out["cohort"]])
    out["estimate"] = est
    out["std_error"] = se
    for k, v in _t_inference(est, se, df, alpha).items():
        out[k] = v
    return out[[*TIDY_COLUMNS, *[c for c in out.columns if c not in TIDY_COLUMNS]]], R


def event_study(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    method: Literal["twfe", "sun_abraham"] = "twfe",
    ref: int = -1,
    cluster: str | None = None,
    vcov: Literal["CRV1", "CRV3", "iid", "hetero", "HC1", "HC2", "HC3"] = "CRV1",
    ssc: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
    min_e: int | None = None,
    max_e: int | None = None,
) -> EventStudyResults:
    """Event study with unit and time fixed effects: dynamic TWFE or Sun & Abraham (2021).

    Parameters
    ----------
    data : DataFrame
        Long panel.
    outcome, unit, time : str
        Column names; ``time`` numeric (years or period numbers).
    cohort : str
        First treated period; 0 or missing means never treated (the control group).
    method : {"twfe", "sun_abraham"}
        ``"twfe"``: one dummy per event time (``ref`` omitted) for treated units — biased
        under heterogeneous effects across cohorts (Sun & Abraham 2021, Prop. 3).
        ``"sun_abraham"``: saturated cohort × event-time dummies (``ref`` omitted) with
        never-treated units as controls, aggregated with cohort-share weights (their IW estimator).
    ref : int
        Omitted (reference) event time.
    cluster : str, optional
        Cluster column, defaults to ``unit``.
    vcov, ssc :
        As in :func:`twfe`.
    alpha : float
        1 - confidence level.
    min_e, max_e : int, optional
        Bin event times beyond these into the end points (Schmidheiny & Siegloch 2023): the
        end-point dummies then stand for "``min_e`` or earlier" / "``max_e`` or later".

    Returns
    -------
    EventStudyResults
        ``tidy()`` with ``e``; ``cohort_effects()`` and ``aggregate()`` for Sun–Abraham.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"u": np.repeat(np.arange(60), 6), "t": np.tile(np.arange(2000, 2006), 60)})
    >>> df["g"] = np.repeat(rng.choice([0, 2002, 2004], 60), 6)
    >>> on = (df["g"] > 0) & (df["t"] >= df["g"])
    >>> df["y"] = 0.01 * df["u"] + 0.1 * (df["t"] - 2000) + 0.5 * on + rng.normal(0, 0.1, len(df))
    >>> es = event_study(df, "y", "u", "t", "g", method="sun_abraham")
    >>> bool(abs(es.aggregate("overall").overall["estimate"] - 0.5) < 0.1)
    True
    """
    if method not in ("twfe", "sun_abraham"):
        raise ValueError(f"method must be 'twfe' or 'sun_abraham', got {method!r}")
    _check_frame(data, [outcome, unit, time, cohort, cluster])
    alpha = check_alpha(alpha)
    if isinstance(ref, bool) or not isinstance(ref, (int, np.integer)):
        raise TypeError(f"ref must be an integer event time, got {ref!r}")
    for name, bound in (("min_e", min_e), ("max_e", max_e)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, np.integer))):
            raise TypeError(f"{name} must be an integer or None, got {bound!r}")
    if min_e is not None and max_e is not None and min_e > max_e:
        raise ValueError(f"min_e ({min_e}) exceeds max_e ({max_e})")
    if (min_e is not None and ref < min_e) or (max_e is not None and ref > max_e):
        raise ValueError(f"ref ({ref}) lies outside [min_e, max_e]")
    ssc_d = _ssc_dict(ssc)
    if vcov not in _VCOV_TYPES:
        raise ValueError(f"vcov must be one of {_VCOV_TYPES}, got {vcov!r}")
    cluster_col = cluster if cluster is not None else unit

    t = _numeric(data, time)
    g = _cohort_values(data, cohort)
    treated = g > 0
    if not treated.any():
        raise ValueError("no treated cohort: every value of the cohort column is 0 or missing")
    e = np.where(treated, t - g, np.nan)
    if min_e is not None or max_e is not None:
        e = np.clip(e, min_e, max_e)
    frame = _base_frame(data, outcome, unit, time, cluster_col)

    ev = np.where(np.isnan(e), 0, e).astype(np.int64)
    if method == "twfe":
        cell_cols = pd.DataFrame({"e": ev[treated]})
        cells = cell_cols.value_counts().rename("n_obs").reset_index()
        cells = cells[cells["e"] != ref].sort_values("e", ignore_index=True)
        cells["var"] = [f"ev_{_ev_name(int(x))}" for x in cells["e"]]
        keys = np.where(treated, ev, np.iinfo(np.int64).min)
        key_of_cell = cells["e"].to_numpy()
    else:
        gi = g.astype(np.int64)
        cells = (
            pd.DataFrame({"cohort": gi[treated], "e": ev[treated]})
            .value_counts()
            .rename("n_obs")
            .reset_index()
        )
        cells = cells[cells["e"] != ref].sort_values(["e", "cohort"], ignore_index=True)
        cells["var"] = [
            f"sa_{int(c)}_{_ev_name(int(x))}" for c, x in zip(cells["cohort"], cells["e"], strict=True)
        ]
        # one integer key per (cohort, e) cell so the dummies are built in one vectorized pass
        span = int(np.abs(ev).max()) * 2 + 3
        keys = np.where(treated, gi * span + ev, np.iinfo(np.int64).min)
        key_of_cell = cells["cohort"].to_numpy() * span + cells["e"].to_numpy()
    if cells.empty:
        raise ValueError("no event time other than the reference period: nothing to estimate")
    dummies = (keys[:, None] == key_of_cell[None, :]).astype(float)
    frame = pd.concat([frame, pd.DataFrame(dummies, columns=cells["var"].tolist())], axis=1)

    fit = _feols(frame, cells["var"].tolist(), vcov, ssc_d)
    if method == "twfe":
        cell_label = dict(zip(cells["var"], [f"e={x}" for x in cells["e"]], strict=True))
    else:
        cell_label = dict(
            zip(
                cells["var"],
                [f"g={c},e={x}" for c, x in zip(cells["cohort"], cells["e"], strict=True)],
                strict=True,
            )
        )
    # cell sizes on the estimation sample: they are the Sun–Abraham aggregation weights
    cells["n_obs"] = dummies[fit.used].sum(axis=0).astype(np.int64)
    kept = cells["var"].isin(fit.names).to_numpy()
    cells = cells[kept].reset_index(drop=True)
    order = [fit.names.index(v) for v in cells["var"]]
    beta = fit.beta[order]
    V = fit.vcov[np.ix_(order, order)]
    se = np.sqrt(np.diag(V))

    prov = _prov_common(
        data=data,
        columns=[outcome, unit, time, cohort, cluster_col],
        vcov=vcov,
        cluster=cluster_col,
        ssc=ssc_d,
        fit=fit,
        alpha=alpha,
    )
    prov["dropped_collinear"] = [cell_label[v] for v in fit.dropped]
    prov.update(
        event_study_method=method,
        ref=int(ref),
        min_e=min_e,
        max_e=max_e,
        control_group="never treated (cohort 0 or missing)"
        if method == "sun_abraham"
        else "never treated and not-yet/already treated (TWFE)",
    )
    extra: dict[str, Any] = {"df": fit.df, "term_vcov": V}
    if method == "twfe":
        tidy = pd.DataFrame(
            {"term": [f"e={x}" for x in cells["e"]], "estimate": beta, "std_error": se}
        )
        for k, v in _t_inference(beta, se, fit.df, alpha).items():
            tidy[k] = v
        tidy["e"] = cells["e"].to_numpy()
        tidy["n_obs"] = cells["n_obs"].to_numpy()
        prov["estimand"] = (
            f"dynamic TWFE coefficients relative to e={ref}; contaminated by other event "
            "times' effects when effects differ across cohorts (Sun & Abraham 2021)"
        )
    else:
        ce = pd.DataFrame(
            {
                "term": [f"g={c},e={x}" for c, x in zip(cells["cohort"], cells["e"], strict=True)],
                "estimate": beta,
                "std_error": se,
            }
        )
        for k, v in _t_inference(beta, se, fit.df, alpha).items():
            ce[k] = v
        ce["cohort"] = cells["cohort"].to_numpy()
        ce["e"] = cells["e"].to_numpy()
        ce["n_obs"] = cells["n_obs"].to_numpy()
        extra.update(cohort_effects=ce, vcov=V)
        tidy, R_event = _lincomb_table(
            beta, V, ce["n_obs"].to_numpy(float), ce["e"], fit.df, alpha, "event"
        )
        extra["term_vcov"] = R_event @ V @ R_event.T
        overall, _ = _lincomb_table(
            beta, V, ce["n_obs"].to_numpy(float),
            # numpy's stubs reject None as a value; at runtime it makes an object array
            pd.Series(np.where(ce["e"] >= 0, "ATT", None), dtype="object"),  # type: ignore[call-overload]
            fit.df, alpha, "overall",
        )
        prov["estimand"] = (
            "Sun-Abraham interaction-weighted ATT by event time (cohort-share weights), "
            f"relative to e={ref}, never-treated controls"
        )
        prov["overall_att"] = float(overall["estimate"].iloc[0])
        prov["overall_att_se"] = float(overall["std_error"].iloc[0])
    prov["formula"] = f"{outcome} ~ <{len(cells)} event dummies> | {unit} + {time}"
    return EventStudyResults(tidy=tidy, provenance=prov, alpha=alpha, extra=extra)
