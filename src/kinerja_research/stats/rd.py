"""Sharp regression discontinuity through rdrobust (Calonico, Cattaneo & Titiunik 2014), with
the manipulation test of Cattaneo, Jansson & Ma (2020) through rddensity, placebo cutoffs and a
binned-means plot.

Results keep no input rows: the bandwidths, effective sample sizes, bin means (bins with fewer
than ``min_bin_n`` observations are suppressed) and the fitted local polynomials are all that
is stored. The checks that need the data again (:meth:`RDResults.density_test`,
:meth:`RDResults.placebo_cutoffs`) take it as an argument and verify, by fingerprint, that it
is the data the estimate came from.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from kinerja_research.provenance import fingerprint, package_versions
from kinerja_research.stats._results import TIDY_COLUMNS, Results, normal_inference
from kinerja_research.stats._validate import check_alpha

__all__ = ["DensityTestResults", "PlaceboResults", "RDResults", "rd"]

_KERNELS = ("triangular", "uniform", "epanechnikov")
_BWSELECT = (
    "mserd", "msetwo", "msesum", "msecomb1", "msecomb2",
    "cerrd", "certwo", "cersum", "cercomb1", "cercomb2",
)
_VCE = ("nn", "hc0", "hc1", "hc2", "hc3", "cr1", "cr2", "cr3")
_VCE_TEXT = {
    "NN": "nearest-neighbour residuals (3 neighbours), heteroskedasticity-robust",
    "HC0": "HC0 heteroskedasticity-robust",
    "HC1": "HC1 heteroskedasticity-robust",
    "HC2": "HC2 heteroskedasticity-robust",
    "HC3": "HC3 heteroskedasticity-robust",
    "CR1": "CR1 cluster-robust",
    "CR2": "CR2 cluster-robust",
    "CR3": "CR3 cluster-robust",
}
_SSC_TEXT = {
    "NN": "none",
    "HC0": "none",
    "HC1": "n/(n-k) on each side",
    "HC2": "leverage (1-h_ii)",
    "HC3": "leverage (1-h_ii)^2",
    "CR1": "(n-1)/(n-k) x G/(G-1) on each side",
    "CR2": "Bell-McCaffrey (CR2)",
    "CR3": "jackknife (CR3)",
}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _numeric_col(data: pd.DataFrame, col: str) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col]):
        raise TypeError(f"column {col!r} must be numeric")
    return data[col].to_numpy(dtype=float)


def _kernel_weights(u: np.ndarray, kernel: str) -> np.ndarray:
    """Kernel K(u) on |u| <= 1, the same kernels rdrobust uses."""
    a = np.abs(u)
    if kernel == "triangular":
        k = 1 - a
    elif kernel == "epanechnikov":
        k = 0.75 * (1 - a**2)
    else:
        k = np.full_like(a, 0.5)
    return np.where(a <= 1, k, 0.0)


def _local_fit(x: np.ndarray, y: np.ndarray, c: float, h: float, p: int, kernel: str) -> np.ndarray:
    """Kernel-weighted polynomial of order p in (x - c) within h: the conventional RD fit."""
    w = _kernel_weights((x - c) / h, kernel)
    m = w > 0
    X = np.vander(x[m] - c, p + 1, increasing=True)
    sw = np.sqrt(w[m])
    return np.linalg.lstsq(X * sw[:, None], y[m] * sw, rcond=None)[0]


def _rdrobust_call(
    y: np.ndarray,
    x: np.ndarray,
    *,
    c: float,
    p: int,
    q: int,
    kernel: str,
    bwselect: str,
    vce: str,
    cluster: np.ndarray | None,
    covs: np.ndarray | None,
    level: float,
    fuzzy: np.ndarray | None = None,
) -> Any:
    from rdrobust import rdrobust

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        # rdrobust warns (and prints) about mass points; the adjustment it applies
        # (masspoints="adjust") is recorded in provenance
        warnings.simplefilter("ignore", UserWarning)
        return rdrobust(
            y, x, c=c, p=p, q=q, kernel=kernel, bwselect=bwselect, vce=vce,
            cluster=cluster, covs=covs, level=level, masspoints="adjust", fuzzy=fuzzy,
        )


def _tidy_from_rdrobust(r: Any) -> pd.DataFrame:
    labels = ["conventional", "bias_corrected", "robust"]
    est = r.coef.iloc[:, 0].to_numpy(dtype=float)
    se = r.se.iloc[:, 0].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "term": labels,
            "estimate": est,
            "std_error": se,
            "statistic": r.z.iloc[:, 0].to_numpy(dtype=float),
            "p_value": r.pv.iloc[:, 0].to_numpy(dtype=float),
            "conf_low": r.ci.iloc[:, 0].to_numpy(dtype=float),
            "conf_high": r.ci.iloc[:, 1].to_numpy(dtype=float),
        }
    )


def _first_stage_tidy(r: Any) -> pd.DataFrame:
    """rdrobust's first-stage (jump in the treatment received) rows of a fuzzy fit."""
    labels = ["conventional", "bias_corrected", "robust"]
    return pd.DataFrame(
        {
            "term": [f"first_stage:{v}" for v in labels],
            "estimate": r.tau_T.iloc[:, 0].to_numpy(dtype=float),
            "std_error": r.se_T.iloc[:, 0].to_numpy(dtype=float),
            "statistic": r.z_T.iloc[:, 0].to_numpy(dtype=float),
            "p_value": r.pv_T.iloc[:, 0].to_numpy(dtype=float),
            "conf_low": r.ci_T.iloc[:, 0].to_numpy(dtype=float),
            "conf_high": r.ci_T.iloc[:, 1].to_numpy(dtype=float),
        }
    )


#: Below this first-stage z² (a one-instrument F statistic) the fuzzy ratio is unreliable
#: (Stock & Yogo's rule of thumb for one instrument).
WEAK_FIRST_STAGE_F = 10.0


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
class DensityTestResults(Results):
    """Manipulation test of the running variable (Cattaneo, Jansson & Ma 2020) via rddensity.

    ``tidy()`` rows: ``density_left`` and ``density_right`` (local-polynomial density estimates
    at the cutoff) and ``difference`` (right − left) whose ``statistic``/``p_value`` are the test
    of no discontinuity in the density (no sorting around the cutoff).
    """

    method = "rd_density_test"


class PlaceboResults(Results):
    """RD estimates at placebo cutoffs, each using only the data on its side of the true cutoff.

    One row per placebo cutoff: ``estimate`` is the bias-corrected estimate, ``std_error`` and
    the interval are robust (rdrobust's recommended inference); ``conventional`` is beside it.
    """

    method = "rd_placebo_cutoffs"


class RDResults(Results):
    """Sharp RD estimate: conventional, bias-corrected and robust bias-corrected rows."""

    method = "rd"

    def first_stage(self) -> pd.DataFrame:
        """First stage of a fuzzy design: the jump in the treatment received at the cutoff."""
        t = self._tidy
        if "stage" not in t.columns:
            raise ValueError("a sharp RD has no first stage; fit with rd(..., fuzzy=<column>)")
        return t[t["stage"] == "first_stage"].reset_index(drop=True)

    def _header_lines(self) -> list[str]:
        lines = super()._header_lines()
        p = self._provenance
        if p.get("design") == "fuzzy":
            fs = self.first_stage().set_index("term")
            row = fs.loc["first_stage:conventional"]
            lines.append(
                f"  first stage (jump in {p['fuzzy']}): {row['estimate']:.4g} "
                f"(SE {row['std_error']:.4g}, F = {p['first_stage_f']:.4g})"
            )
        return lines

    # --- the checks that need the data again -------------------------------------------------
    def _check_same_data(self, data: pd.DataFrame) -> None:
        p = self.provenance
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        cols = p["columns"]
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise ValueError(f"columns not in data: {missing}")
        if fingerprint(data[cols]) != p["data_fingerprint"]:
            raise ValueError(
                "data differ from the data this RD was estimated on (fingerprint mismatch); "
                "pass the same DataFrame (results keep no input rows, so they cannot re-read it)"
            )

    def density_test(
        self,
        data: pd.DataFrame,
        *,
        p: int = 2,
        kernel: Literal["triangular", "uniform", "epanechnikov"] = "triangular",
        vce: Literal["jackknife", "plugin"] = "jackknife",
        h: float | tuple[float, float] | None = None,
    ) -> DensityTestResults:
        """Test for a discontinuity in the density of the running variable at the cutoff.

        Wraps ``rddensity.rddensity`` (the method's authors' implementation) with its defaults:
        local quadratic (``p=2``), triangular kernel, jackknife variance, bandwidths chosen by
        ``bwselect="comb"`` unless ``h`` is given. Rows with a missing running variable are left out.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> df = pd.DataFrame({"x": rng.uniform(-1, 1, 2000)})
        >>> df["y"] = 0.5 * df["x"] + 1.0 * (df["x"] >= 0) + rng.normal(0, 0.2, 2000)
        >>> dt = rd(df, "y", "x", 0.0).density_test(df)
        >>> bool(dt.tidy().set_index("term").loc["difference", "p_value"] > 0.01)
        True
        """
        self._check_same_data(data)
        if kernel not in _KERNELS:
            raise ValueError(f"kernel must be one of {_KERNELS}, got {kernel!r}")
        if vce not in ("jackknife", "plugin"):
            raise ValueError(f"vce must be 'jackknife' or 'plugin', got {vce!r}")
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
            raise ValueError(f"p must be a positive integer, got {p!r}")
        prov = self.provenance
        x = _numeric_col(data, prov["running"])
        x = x[~np.isnan(x)]
        c = float(prov["cutoff"])
        hh: list[float] = [] if h is None else list(np.atleast_1d(np.asarray(h, dtype=float)))
        with warnings.catch_warnings():
            # rddensity sets a global FutureWarning filter on import; contain it
            warnings.simplefilter("ignore")
            from rddensity import rddensity

            r = rddensity(x, c=c, p=int(p), kernel=kernel, vce=vce, h=hh)
        key = "jk" if vce == "jackknife" else "asy"
        hat = r.hat
        sd = r.sd_jk if vce == "jackknife" else r.sd_asy
        est = np.array([hat["left"], hat["right"], hat["diff"]], dtype=float)
        se = np.array([sd["left"], sd["right"], sd["diff"]], dtype=float)
        inf = normal_inference(est, se, self.alpha)
        # a density is not tested against zero: only the difference carries a test
        inf["statistic"][:2] = np.nan
        inf["p_value"][:2] = np.nan
        inf["statistic"][2] = float(r.test[f"t_{key}"])
        inf["p_value"][2] = float(r.test[f"p_{key}"])
        tidy = pd.DataFrame(
            {"term": ["density_left", "density_right", "difference"], "estimate": est, "std_error": se, **inf}
        )[TIDY_COLUMNS]
        out_prov = {
            "estimand": "f(c+) - f(c-): discontinuity in the running variable's density",
            "variance": f"{vce} (rddensity)",
            "cutoff": c,
            "p": int(p),
            "kernel": kernel,
            "h_left": float(r.h["left"]),
            "h_right": float(r.h["right"]),
            "n_obs": int(r.n["full"]),
            "n_left": int(r.n["left"]),
            "n_right": int(r.n["right"]),
            "n_h_left": int(r.n["eff_left"]),
            "n_h_right": int(r.n["eff_right"]),
            "data_fingerprint": prov["data_fingerprint"],
            "package_versions": package_versions(("rddensity", "lpdensity")),
            "reference": "Cattaneo, Jansson & Ma (2020, JASA); rddensity (Python)",
        }
        return DensityTestResults(tidy=tidy, provenance=out_prov, alpha=self.alpha)

    def placebo_cutoffs(
        self, data: pd.DataFrame, *, cutoffs: Sequence[float] | None = None
    ) -> PlaceboResults:
        """Re-estimate the RD at placebo cutoffs, each on its own side's data only.

        Using only one side keeps the true discontinuity out of every placebo window
        (Cattaneo, Idrobo & Titiunik 2020, §5.2). For a fuzzy design the placebos are on the
        outcome (the reduced form), whose jump must be zero too. By default the quartiles of the running
        variable on each side. Options (p, q, kernel, bwselect, vce, cluster, covariates) are
        those of the main estimate; a cutoff where rdrobust cannot estimate gives a row of NaN.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> df = pd.DataFrame({"x": rng.uniform(-1, 1, 2000)})
        >>> df["y"] = 0.5 * df["x"] + 1.0 * (df["x"] >= 0) + rng.normal(0, 0.2, 2000)
        >>> pl = rd(df, "y", "x", 0.0).placebo_cutoffs(df)
        >>> len(pl.tidy())
        6
        """
        self._check_same_data(data)
        prov = self.provenance
        c = float(prov["cutoff"])
        y = _numeric_col(data, prov["outcome"])
        x = _numeric_col(data, prov["running"])
        covs = (
            np.column_stack([_numeric_col(data, v) for v in prov["covariates"]])
            if prov["covariates"]
            else None
        )
        cl = data[prov["cluster"]].to_numpy() if prov["cluster"] is not None else None
        ok = ~(np.isnan(y) | np.isnan(x))
        if covs is not None:
            ok &= ~np.isnan(covs).any(axis=1)
        if cutoffs is None:
            left = x[ok & (x < c)]
            right = x[ok & (x >= c)]
            qs = [0.25, 0.5, 0.75]
            cuts = [*np.quantile(left, qs), *np.quantile(right, qs)]
        else:
            cuts = [float(v) for v in cutoffs]
            if any(v == c for v in cuts):
                raise ValueError("a placebo cutoff cannot equal the true cutoff")
        rows = []
        for cp in cuts:
            side = ok & ((x < c) if cp < c else (x >= c))
            row: dict[str, Any] = {"term": f"cutoff={cp:.6g}", "cutoff": cp,
                                   "side": "left" if cp < c else "right"}
            try:
                r = _rdrobust_call(
                    y[side], x[side], c=cp, p=prov["p"], q=prov["q"], kernel=prov["kernel"],
                    bwselect=prov["bwselect"], vce=prov["vce_option"],
                    cluster=None if cl is None else cl[side],
                    covs=None if covs is None else covs[side],
                    level=100 * (1 - self.alpha),
                )
                t = _tidy_from_rdrobust(r).set_index("term")
                row.update(
                    estimate=t.loc["robust", "estimate"],
                    std_error=t.loc["robust", "std_error"],
                    statistic=t.loc["robust", "statistic"],
                    p_value=t.loc["robust", "p_value"],
                    conf_low=t.loc["robust", "conf_low"],
                    conf_high=t.loc["robust", "conf_high"],
                    conventional=t.loc["conventional", "estimate"],
                    h=float(r.bws.iloc[0, 0]),
                    n_h_left=int(r.N_h[0]),
                    n_h_right=int(r.N_h[1]),
                    note="",
                )
            except Exception as exc:  # rdrobust raises bare Exception for too few observations
                row.update({k: np.nan for k in TIDY_COLUMNS[1:]}, conventional=np.nan, h=np.nan,
                           n_h_left=0, n_h_right=0, note=str(exc)[:120])
            rows.append(row)
        tidy = pd.DataFrame(rows)
        out_prov = {
            "estimand": "RD effect at a placebo cutoff (should be zero), one side's data only",
            "variance": prov["variance"],
            "true_cutoff": c,
            "data_fingerprint": prov["data_fingerprint"],
            "options": {k: prov[k] for k in ("p", "q", "kernel", "bwselect", "vce_option")},
        }
        return PlaceboResults(tidy=tidy, provenance=out_prov, alpha=self.alpha)

    # --- display -----------------------------------------------------------------------------
    def plot_data(self) -> dict[str, pd.DataFrame]:
        """The aggregated data behind :meth:`plot`: bin means and the fitted local polynomials."""
        return {"bins": self._get_extra("bins"), "fit": self._get_extra("fit")}

    def plot(self, ax: Any = None) -> Any:
        """Binned means of the outcome with the local polynomial fits on each side (within h)."""
        import matplotlib.pyplot as plt

        p = self.provenance
        bins = self._extra["bins"]
        fit = self._extra["fit"]
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4.5))
        else:
            fig = ax.figure
        ax.scatter(bins["x_mean"], bins["y_mean"], s=14, color="0.35", label="bin means")
        for side, color in (("left", "C0"), ("right", "C1")):
            f = fit[fit["side"] == side]
            ax.plot(f["x"], f["y_hat"], color=color, lw=2,
                    label=f"local polynomial (p={p['p']}, h={p['h_' + side]:.3g})")
        ax.axvline(p["cutoff"], color="k", ls="--", lw=1)
        ax.set_xlabel(p["running"])
        ax.set_ylabel(p["outcome"])
        conv = self._tidy.set_index("term").loc["conventional", "estimate"]
        rob = self._tidy.set_index("term").loc["robust"]
        ax.set_title(
            f"RD at {p['cutoff']:g}: {conv:.3g} "
            f"(robust {1 - self.alpha:.0%} CI {rob['conf_low']:.3g} to {rob['conf_high']:.3g})"
        )
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        return fig


# --------------------------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------------------------
def rd(
    data: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    *,
    p: int = 1,
    q: int = 2,
    kernel: Literal["triangular", "uniform", "epanechnikov"] = "triangular",
    bwselect: str = "mserd",
    vce: Literal["nn", "hc0", "hc1", "hc2", "hc3", "cr1", "cr2", "cr3"] = "nn",
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    alpha: float = 0.05,
    nbins: int = 20,
    min_bin_n: int = 5,
    fuzzy: str | None = None,
) -> RDResults:
    """Sharp or fuzzy regression discontinuity with robust bias-corrected inference (rdrobust).

    Parameters
    ----------
    data : DataFrame
        One row per unit; rows with a missing outcome, running variable or covariate are left out.
    outcome, running : str
        Outcome and running-variable columns; treatment is ``running >= cutoff``.
    cutoff : float
        The threshold (e.g. 100 for "achievement below 100% is punished").
    p, q : int
        Order of the local polynomial and of the bias-correction polynomial (q > p).
    kernel : {"triangular", "uniform", "epanechnikov"}
    bwselect : str
        rdrobust bandwidth selector (``"mserd"``, ``"msetwo"``, ``"cerrd"``, …).
    vce : {"nn", "hc0", "hc1", "hc2", "hc3", "cr1", "cr2", "cr3"}
        Variance estimator. With ``cluster`` given, ``"nn"`` becomes ``"cr1"`` (as rdrobust
        would do silently; here it is recorded in ``provenance``).
    cluster : str, optional
        Cluster column.
    covariates : sequence of str, optional
        Covariates for efficiency (Calonico et al. 2019); the plot's fitted lines are unadjusted.
    alpha : float
        1 - confidence level.
    nbins : int
        Evenly spaced bins per side for the plot's bin means.
    min_bin_n : int
        Bins with fewer observations are not stored (a bin of one would reveal a person's value).
    fuzzy : str, optional
        Column of the treatment actually received (0/1, or a dose) for a fuzzy design, where
        crossing the cutoff changes the probability of treatment but not from 0 to 1.
        rdrobust's ``fuzzy=``: the estimate is the ratio of the jump in the outcome to the jump
        in the treatment — the local average effect for compliers at the cutoff — and
        ``tidy()`` adds the first stage (``first_stage:conventional``, ``…:bias_corrected``,
        ``…:robust``, column ``stage``). A first stage with z² below 10 warns (weak).

    Returns
    -------
    RDResults
        ``tidy()`` rows ``conventional``, ``bias_corrected``, ``robust`` (and the first stage for
        a fuzzy design); ``provenance`` with bandwidths h and b on each side, effective N on
        each side, kernel and variance estimator.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.uniform(-1, 1, 2000)})
    >>> df["y"] = 0.5 * df["x"] + 1.0 * (df["x"] >= 0) + rng.normal(0, 0.2, 2000)
    >>> res = rd(df, "y", "x", 0.0)
    >>> bool(abs(res.coef["conventional"] - 1.0) < 0.15)
    True
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    covariates = list(covariates or [])
    missing = [
        c for c in [outcome, running, cluster, fuzzy, *covariates]
        if c is not None and c not in data.columns
    ]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    alpha = check_alpha(alpha)
    for name, v in (("p", p), ("q", q), ("nbins", nbins), ("min_bin_n", min_bin_n)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {v!r}")
    if p < 0 or q <= p:
        raise ValueError(f"need 0 <= p < q, got p={p}, q={q}")
    if nbins < 1 or min_bin_n < 1:
        raise ValueError("nbins and min_bin_n must be positive")
    if kernel not in _KERNELS:
        raise ValueError(f"kernel must be one of {_KERNELS}, got {kernel!r}")
    if bwselect not in _BWSELECT:
        raise ValueError(f"bwselect must be one of {_BWSELECT}, got {bwselect!r}")
    if vce not in _VCE:
        raise ValueError(f"vce must be one of {_VCE}, got {vce!r}")
    if vce.startswith("cr") and cluster is None:
        raise ValueError(f"vce={vce!r} needs cluster=")
    if not isinstance(cutoff, (int, float, np.integer, np.floating)) or not np.isfinite(cutoff):
        raise TypeError(f"cutoff must be a finite number, got {cutoff!r}")
    c = float(cutoff)
    vce_option = "cr1" if (cluster is not None and vce == "nn") else vce

    y_all = _numeric_col(data, outcome)
    x_all = _numeric_col(data, running)
    covs_all = (
        np.column_stack([_numeric_col(data, v) for v in covariates]) if covariates else None
    )
    ok = ~(np.isnan(y_all) | np.isnan(x_all))
    if covs_all is not None:
        ok &= ~np.isnan(covs_all).any(axis=1)
    if cluster is not None:
        ok &= data[cluster].notna().to_numpy()
    d_all = None
    if fuzzy is not None:
        col = data[fuzzy]
        d_all = (col.astype("float64") if pd.api.types.is_bool_dtype(col) else col)
        if not pd.api.types.is_numeric_dtype(d_all):
            raise TypeError(f"fuzzy column {fuzzy!r} must be numeric or boolean (treatment received)")
        d_all = d_all.to_numpy(dtype=float)
        ok &= ~np.isnan(d_all)
    y, x = y_all[ok], x_all[ok]
    if not (np.any(x < c) and np.any(x >= c)):
        raise ValueError(f"the cutoff {c} must lie inside the range of {running!r}")
    cl = data[cluster].to_numpy()[ok] if cluster is not None else None
    covs = covs_all[ok] if covs_all is not None else None
    d = d_all[ok] if d_all is not None else None
    if d is not None and (np.ptp(d[x < c]) == 0 and np.ptp(d[x >= c]) == 0
                          and d[x < c][0] == d[x >= c][0]):
        raise ValueError(
            f"the treatment received ({fuzzy!r}) does not change at the cutoff: "
            "the fuzzy RD is not identified"
        )

    try:
        r = _rdrobust_call(
            y, x, c=c, p=p, q=q, kernel=kernel, bwselect=bwselect, vce=vce_option,
            cluster=cl, covs=covs, level=100 * (1 - alpha), fuzzy=d,
        )
    except Exception as exc:  # rdrobust raises bare Exception
        if d is None:
            raise
        raise ValueError(f"fuzzy RD on {fuzzy!r} could not be estimated: {exc}") from exc
    tidy = _tidy_from_rdrobust(r)
    first_stage_f = None
    if d is not None:
        tidy["stage"] = "effect"
        fs = _first_stage_tidy(r)
        fs["stage"] = "first_stage"
        tidy = pd.concat([tidy, fs], ignore_index=True)
        first_stage_f = float(fs["statistic"].iloc[0] ** 2)
        if not first_stage_f >= WEAK_FIRST_STAGE_F:
            warnings.warn(
                f"weak first stage: the jump in {fuzzy!r} at the cutoff has z^2 = "
                f"{first_stage_f:.3g} < {WEAK_FIRST_STAGE_F:g}; the fuzzy RD ratio and its "
                "interval are unreliable",
                UserWarning,
                stacklevel=2,
            )
    h_l, h_r = (float(v) for v in r.bws.loc["h"])
    b_l, b_r = (float(v) for v in r.bws.loc["b"])

    # --- aggregated plot data: evenly spaced bins per side, small bins suppressed ---
    side = np.where(x >= c, 1, 0)
    edges_l = np.linspace(x[side == 0].min(), c, nbins + 1)
    edges_r = np.linspace(c, x[side == 1].max(), nbins + 1)
    bin_l = np.clip(np.searchsorted(edges_l, x, side="right") - 1, 0, nbins - 1)
    bin_r = np.clip(np.searchsorted(edges_r, x, side="right") - 1, 0, nbins - 1)
    bin_id = np.where(side == 1, nbins + bin_r, bin_l)
    bins = (
        pd.DataFrame({"bin": bin_id, "x": x, "y": y})
        .groupby("bin", sort=True)
        .agg(x_mean=("x", "mean"), y_mean=("y", "mean"), n=("y", "size"))
        .reset_index()
    )
    bins.insert(1, "side", np.where(bins["bin"] >= nbins, "right", "left"))
    bins = bins[bins["n"] >= min_bin_n].reset_index(drop=True)
    fits = []
    for s, h, lo, hi in (("left", h_l, max(c - h_l, x.min()), c), ("right", h_r, c, min(c + h_r, x.max()))):
        m = side == (1 if s == "right" else 0)
        beta = _local_fit(x[m], y[m], c, h, p, kernel)
        grid = np.linspace(lo, hi, 60)
        fits.append(pd.DataFrame({"side": s, "x": grid, "y_hat": np.polyval(beta[::-1], grid - c)}))
    fit = pd.concat(fits, ignore_index=True)

    vce_label = str(r.vce)
    n_clusters = None
    if cluster is not None:
        n_clusters = int(pd.Series(cl).nunique())
    columns = list(dict.fromkeys(
        [outcome, running, *covariates, *([cluster] if cluster else []), *([fuzzy] if fuzzy else [])]
    ))
    estimand = (
        f"sharp RD: jump in E[{outcome} | {running}] at {running} = {c:g}" if fuzzy is None
        else f"fuzzy RD: local average effect of {fuzzy} on {outcome} for compliers at "
        f"{running} = {c:g} (jump in E[{outcome}] / jump in E[{fuzzy}])"
    )
    prov: dict[str, Any] = {
        "estimand": estimand,
        "design": "sharp" if fuzzy is None else "fuzzy",
        "fuzzy": fuzzy,
        "first_stage_f": first_stage_f,
        "variance": f"{vce_label}: {_VCE_TEXT.get(vce_label, vce_label)}",
        "cluster": cluster,
        "n_clusters": n_clusters,
        "small_sample_correction": _SSC_TEXT.get(vce_label, "see rdrobust"),
        "inference": "normal; robust row = bias-corrected estimate with robust SE (CCT 2014)",
        "n_obs": int(len(y)),
        "outcome": outcome,
        "running": running,
        "covariates": covariates,
        "columns": columns,
        "cutoff": c,
        "p": int(p),
        "q": int(q),
        "kernel": kernel,
        "bwselect": bwselect,
        "vce": vce_label,
        "vce_option": vce_option,
        "h_left": h_l,
        "h_right": h_r,
        "b_left": b_l,
        "b_right": b_r,
        "n_left": int(r.N[0]),
        "n_right": int(r.N[1]),
        "n_h_left": int(r.N_h[0]),
        "n_h_right": int(r.N_h[1]),
        "n_b_left": int(r.N_b[0]),
        "n_b_right": int(r.N_b[1]),
        "masspoints": "adjust",
        "data_fingerprint": fingerprint(data[columns]),
        "engine": "rdrobust.rdrobust",
    }
    return RDResults(tidy=tidy, provenance=prov, alpha=alpha, extra={"bins": bins, "fit": fit})
