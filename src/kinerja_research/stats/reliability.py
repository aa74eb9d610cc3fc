"""Internal-consistency reliability of survey instruments (Cronbach's alpha).

Used for the SKM service-satisfaction questionnaire (u1 … u9) and any multi-item scale. The
confidence interval is Feldt's F-based interval (Feldt, Woodruff & Salih 1987, formulas 6–7),
exact when the items are parallel with normal errors:
``(1 - rho) / (1 - alpha_hat) ~ F(n - 1, (n - 1)(k - 1))``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kinerja_research.provenance import fingerprint
from kinerja_research.stats._results import Results
from kinerja_research.stats._validate import check_alpha

__all__ = ["ReliabilityResults", "cronbach_alpha"]


class ReliabilityResults(Results):
    """Results of :func:`cronbach_alpha`.

    ``tidy()`` has one row, ``cronbach_alpha``: the estimate, Feldt's interval and the F test
    of ``H0: rho = 0`` (``statistic = 1 / (1 - alpha)``, ``df = (n - 1, (n - 1)(k - 1))``).
    There is no standard error (the interval is not symmetric). Extra columns ``n``, ``k``
    and ``standardized_alpha`` (from the item correlation matrix).
    """

    method = "Cronbach's alpha (Feldt F interval)"

    @property
    def item_statistics(self) -> pd.DataFrame:
        """Per item: mean, SD, corrected item–total correlation and alpha if the item is dropped."""
        return self._get_extra("items")

    @property
    def estimate(self) -> float:
        """Cronbach's alpha."""
        return float(self._tidy["estimate"].iloc[0])


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def cronbach_alpha(
    items: pd.DataFrame | np.ndarray,
    *,
    alpha: float = 0.05,
    nan_policy: Literal["listwise", "pairwise", "raise"] = "listwise",
) -> ReliabilityResults:
    """Cronbach's alpha with Feldt's confidence interval.

    ``alpha_hat = k / (k - 1) * (1 - sum(var(item)) / var(sum of items))``.

    Parameters
    ----------
    items : DataFrame or 2-D array
        One row per respondent, one column per item (numeric scores).
    alpha : float
        1 − confidence level of the interval (the significance level, not the coefficient).
    nan_policy : {"listwise", "pairwise", "raise"}
        ``"listwise"`` drops respondents with any missing item (``n`` = complete rows);
        ``"pairwise"`` uses the pairwise-complete covariance matrix (R ``psych::alpha`` with
        ``use="pairwise"``; ``n`` = all rows); ``"raise"`` refuses missing values.

    Returns
    -------
    ReliabilityResults

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5], [5, 3, 4]])
    >>> round(cronbach_alpha(x).estimate, 4)  # 3/2 * (1 - 4.8 / 11.3)
    0.8628
    >>> res = cronbach_alpha(skm[[f"u{i}" for i in range(1, 10)]])  # doctest: +SKIP
    """
    if isinstance(items, np.ndarray):
        if items.ndim != 2:
            raise ValueError(f"items must be 2-D (respondents × items), got {items.ndim}-D")
        items = pd.DataFrame(items, columns=[f"item{i + 1}" for i in range(items.shape[1])])
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a DataFrame or 2-D array, not {type(items).__name__}")
    alpha = check_alpha(alpha)
    if nan_policy not in ("listwise", "pairwise", "raise"):
        raise ValueError(f"nan_policy must be 'listwise', 'pairwise' or 'raise', not {nan_policy!r}")
    non_numeric = [c for c in items.columns if not pd.api.types.is_numeric_dtype(items[c])]
    if non_numeric:
        raise TypeError(f"item columns must be numeric: {non_numeric}")
    k = items.shape[1]
    if k < 2:
        raise ValueError("Cronbach's alpha needs at least two items")
    data = items.astype(float)
    n_missing_rows = int(data.isna().any(axis=1).sum())
    if nan_policy == "raise" and n_missing_rows:
        raise ValueError(f"{n_missing_rows} respondents have missing items (nan_policy='raise')")
    if nan_policy == "pairwise":
        n = len(data)
        cov_df = data.cov()  # pandas: pairwise-complete observations
        if cov_df.isna().to_numpy().any():
            raise ValueError("some item pairs have fewer than two joint observations")
        cov = cov_df.to_numpy()
        x = data.to_numpy()
    else:
        x = data.dropna().to_numpy()
        n = x.shape[0]
        cov = np.cov(x, rowvar=False, ddof=1)
    if n < 2:
        raise ValueError(f"Cronbach's alpha needs at least two respondents, got {n}")
    if cov.sum() <= 0:
        raise ValueError("the total score has zero variance; alpha is undefined")

    est = _alpha_from_cov(cov)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    # Feldt et al. (1987) formulas 6-7: the upper F quantile gives the lower limit.
    lo = 1 - (1 - est) * _st.f.isf(alpha / 2, df1, df2)
    hi = 1 - (1 - est) * _st.f.isf(1 - alpha / 2, df1, df2)
    f_stat = 1 / (1 - est) if est < 1 else np.inf
    p = float(_st.f.sf(f_stat, df1, df2))
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    rbar = (corr.sum() - k) / (k * (k - 1))
    std_alpha = k * rbar / (1 + (k - 1) * rbar)

    # Item statistics straight from the covariance matrix (no per-row work):
    # cov(i, T - i) = sum_j C_ij - C_ii; var(T - i) = sum C - 2 sum_j C_ij + C_ii.
    row = cov.sum(axis=1)
    diag = np.diag(cov)
    var_rest = cov.sum() - 2 * row + diag
    r_item_rest = (row - diag) / np.sqrt(diag * var_rest)
    if k > 2:
        # alpha without item i: (k-1)/(k-2) * (1 - (trace - C_ii) / var_rest)
        alpha_drop = (k - 1) / (k - 2) * (1 - (np.trace(cov) - diag) / var_rest)
    else:
        alpha_drop = np.full(k, np.nan)
    item_stats = pd.DataFrame(
        {
            "mean": np.nanmean(x, axis=0),
            "sd": sd,
            "item_rest_correlation": r_item_rest,
            "alpha_if_dropped": alpha_drop,
        },
        index=pd.Index([str(c) for c in items.columns], name="item"),
    )

    tidy = pd.DataFrame(
        {
            "term": ["cronbach_alpha"], "estimate": [est], "std_error": [np.nan],
            "statistic": [f_stat], "p_value": [p], "conf_low": [lo], "conf_high": [hi],
            "n": [n], "k": [k], "standardized_alpha": [std_alpha],
        }
    )
    prov: dict[str, Any] = {
        "estimand": "internal-consistency reliability of the sum score",
        "variance": "Feldt (1987) F-based interval; F test of rho = 0",
        "n_obs": n,
        "n_items": k,
        "nan_policy": nan_policy,
        "n_rows_with_missing": n_missing_rows,
        "df": (df1, df2),
        "data_fingerprint": fingerprint(items),
    }
    return ReliabilityResults(tidy=tidy, provenance=prov, alpha=alpha, extra={"items": item_stats})
