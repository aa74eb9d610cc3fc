"""Multilevel (hierarchical) linear models: employees in units in regions.

A thin wrapper on :class:`statsmodels.regression.mixed_linear_model.MixedLM`. Nested random
intercepts are expressed the statsmodels way: the outermost level is the ``groups`` argument
(one random intercept per region), every inner level is a variance component
(``vc_formula={"unit": "0 + C(unit)"}``), whose draws are independent within each outer group —
which is exactly nesting. Inner identifiers are rebuilt from the whole path (region, unit, …)
so that unit codes reused across regions still denote different units.

Variance components are reported on the variance scale with their share of the total and the
intra-class correlation per level: for level ``k`` (outermost = 1) the ICC is the correlation
of two observations that share level ``k`` (and hence every level above it),
``(σ²_1 + … + σ²_k) / (σ²_1 + … + σ²_K + σ²_residual)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from kinerja_research.provenance import fingerprint
from kinerja_research.stats._results import Results, normal_inference
from kinerja_research.stats._validate import check_alpha

__all__ = ["MultilevelResults", "multilevel"]


class MultilevelResults(Results):
    """Results of :func:`multilevel`.

    ``tidy()`` holds the fixed effects (Wald z inference from the model-based covariance), with
    the extra column ``effect = "fixed"``. :attr:`variance_components` holds the random part.
    """

    method = "multilevel linear model (statsmodels MixedLM)"

    @property
    def variance_components(self) -> pd.DataFrame:
        """One row per level (outermost first, ``residual`` last).

        Columns: ``variance``, ``sd``, ``share`` (of the total variance) and ``icc`` (correlation
        of two observations sharing this level; missing for the residual).
        """
        return self._get_extra("variance_components")

    def summary(self) -> str:
        """Fixed effects (the tidy table) followed by the variance components and ICCs."""
        vc = self._extra["variance_components"].to_string(float_format=lambda x: f"{x:.5g}")
        return f"{super().summary()}\n\nvariance components\n{vc}"

    def _repr_html_(self) -> str:
        vc = self._extra["variance_components"].to_html(float_format=lambda x: f"{x:.5g}")
        return f"{super()._repr_html_()}<p>variance components</p>{vc}"

    @property
    def icc(self) -> pd.Series:
        """Intra-class correlation per grouping level."""
        vc = self._extra["variance_components"]
        return vc["icc"].drop("residual").rename("icc")


def _safe_design(data: pd.DataFrame, covariates: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """Numeric design columns named c0, c1, … (formula-safe) and their display names."""
    frame = data[list(covariates)]
    cat = [c for c in covariates
           if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))]
    if cat:
        frame = pd.get_dummies(frame, columns=cat, drop_first=True, dtype=float)
    names = [str(c) for c in frame.columns]
    safe = frame.astype(float)
    safe.columns = [f"c{i}" for i in range(safe.shape[1])]
    return safe, names


def multilevel(
    data: pd.DataFrame,
    outcome: str,
    groups: Sequence[str],
    covariates: Sequence[str] | None = None,
    *,
    reml: bool = True,
    alpha: float = 0.05,
) -> MultilevelResults:
    """Linear model with nested random intercepts.

    Parameters
    ----------
    data : DataFrame
        One row per observation (e.g. employee-period).
    outcome : str
        Outcome column.
    groups : sequence of str
        Grouping columns from the outermost to the innermost level, e.g.
        ``["region_id", "unit_id"]`` for employees in units in regions.
    covariates : sequence of str, optional
        Fixed-effect covariates (an intercept is always included). Text/categorical columns
        are one-hot encoded with the first level as reference.
    reml : bool
        Restricted maximum likelihood (default) or maximum likelihood.
    alpha : float
        1 − confidence level of the fixed-effect intervals.

    Returns
    -------
    MultilevelResults

    Notes
    -----
    Rows with a missing outcome, covariate or group are dropped; their number is recorded in
    ``provenance["n_dropped_missing"]`` and printed with the summary.

    Examples
    --------
    >>> res = multilevel(employees, "skp_value", groups=["region_id", "unit_id"],
    ...                  covariates=["technical_training_hours"])  # doctest: +SKIP
    >>> res.variance_components, res.icc  # doctest: +SKIP
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if isinstance(groups, str):
        raise TypeError("groups must be a list of column names, outermost first, not a string")
    groups = list(groups)
    if not groups:
        raise ValueError("groups needs at least one grouping column")
    if len(set(groups)) != len(groups):
        raise ValueError(f"groups has duplicates: {groups}")
    covariates = [] if covariates is None else list(covariates)
    if isinstance(covariates, str):
        raise TypeError("covariates must be a list of column names")
    missing = [c for c in [outcome, *groups, *covariates] if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    if not pd.api.types.is_numeric_dtype(data[outcome]):
        raise TypeError(f"outcome {outcome!r} must be numeric")
    alpha = check_alpha(alpha)

    used = data[[outcome, *groups, *covariates]]
    complete = used.notna().all(axis=1).to_numpy()
    used = used.loc[complete]
    n_dropped = int((~complete).sum())

    x, names = _safe_design(used, covariates) if covariates else (pd.DataFrame(index=used.index), [])
    frame = pd.concat([used[[outcome]].rename(columns={outcome: "y"}), x], axis=1)
    # Level codes built from the whole path: unit "U1" in two regions is two units.
    for k in range(len(groups)):
        frame[f"g{k}"] = used.groupby(groups[: k + 1], sort=True, observed=True).ngroup().to_numpy()
    n_levels = [int(frame[f"g{k}"].nunique()) for k in range(len(groups))]
    for g, n in zip(groups, n_levels, strict=True):
        if n < 2:
            raise ValueError(f"level {g!r} has fewer than two groups")
    if len(frame) <= n_levels[-1]:
        raise ValueError("every innermost group has a single observation: the residual variance "
                         "is not identified")

    rhs = " + ".join(x.columns) if covariates else "1"
    vc = {f"g{k}": f"0 + C(g{k})" for k in range(1, len(groups))} or None
    model = smf.mixedlm(f"y ~ {rhs}", frame, groups=frame["g0"], re_formula="1", vc_formula=vc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(reml=reml)
    fit_warnings = sorted({str(w.message).splitlines()[0] for w in caught})

    fe_names = ["Intercept", *names]
    est = np.asarray(fit.fe_params, dtype=float)
    se = np.asarray(fit.bse_fe, dtype=float)
    inf = normal_inference(est, se, alpha)
    tidy = pd.DataFrame(
        {"term": fe_names, "estimate": est, "std_error": se, **inf, "effect": "fixed"}
    )

    variances = [float(np.asarray(fit.cov_re)[0, 0])]
    variances += [float(v) for v in np.atleast_1d(fit.vcomp)]
    variances.append(float(fit.scale))
    total = sum(variances)
    levels = [*groups, "residual"]
    cum = np.cumsum(variances[:-1]) / total
    vcomp = pd.DataFrame(
        {
            "variance": variances,
            "sd": np.sqrt(variances),
            "share": np.asarray(variances) / total,
            "icc": [*cum, np.nan],
            "n_groups": [*n_levels, len(frame)],
        },
        index=pd.Index(levels, name="level"),
    )

    prov: dict[str, Any] = {
        "estimand": "fixed effects and variance components of a nested random-intercept model",
        "variance": "model-based (inverse information), Wald z intervals for fixed effects",
        "estimation": "REML" if reml else "ML",
        "levels": {g: n for g, n in zip(groups, n_levels, strict=True)},
        "n_obs": len(frame),
        "n_dropped_missing": n_dropped,
        "converged": bool(fit.converged),
        "log_likelihood": float(fit.llf),
        "fit_warnings": fit_warnings,
        "covariates": names,
        "data_fingerprint": fingerprint(used),
    }
    return MultilevelResults(
        tidy=tidy, provenance=prov, alpha=alpha, extra={"variance_components": vcomp}
    )
