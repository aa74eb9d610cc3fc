"""Base class for immutable results objects (DESIGN §6).

``tidy()`` is the one source of truth; ``summary()``, ``__str__``, ``_repr_html_`` and the
accessors derive from it. Results never hold input rows (personnel data must not travel into
notebook outputs); they hold estimates, options and provenance only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from kinerja_research.provenance import package_versions

TIDY_COLUMNS = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]


def normal_inference(
    estimate: np.ndarray, std_error: np.ndarray, alpha: float, crit: float | np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """z statistic, two-sided normal p-value and (possibly uniform-band) confidence limits."""
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    p = 2 * _st.norm.sf(np.abs(z))
    c = _st.norm.ppf(1 - alpha / 2) if crit is None else crit
    return {"statistic": z, "p_value": p, "conf_low": est - c * se, "conf_high": est + c * se}


class Results:
    """Immutable results object.

    Subclasses call ``super().__init__(tidy=..., provenance=..., alpha=...)`` and may add
    further read-only tables through ``extra`` (each returned as a copy).
    """

    method: str = "results"

    def __init__(
        self,
        *,
        tidy: pd.DataFrame,
        provenance: Mapping[str, Any],
        alpha: float,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        missing = [c for c in TIDY_COLUMNS if c not in tidy.columns]
        if missing:
            raise ValueError(f"tidy table lacks columns {missing}")
        prov = dict(provenance)
        prov.setdefault("method", self.method)
        prov.setdefault("alpha", alpha)
        prov.setdefault("package_versions", package_versions())
        object.__setattr__(self, "_tidy", tidy.reset_index(drop=True).copy())
        object.__setattr__(self, "_provenance", MappingProxyType(prov))
        object.__setattr__(self, "_alpha", float(alpha))
        object.__setattr__(self, "_extra", dict(extra or {}))

    # Pickling (process pools, Dask, caches) goes through plain state: the read-only view of
    # the provenance is rebuilt on loading.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_provenance"] = dict(state["_provenance"])
        return state

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        state = dict(state)
        state["_provenance"] = MappingProxyType(dict(state["_provenance"]))
        self.__dict__.update(state)

    def __setattr__(self, name: str, value: Any) -> None:  # immutability
        raise AttributeError(f"{type(self).__name__} is immutable; fit again to change it")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    # --- the source of truth -------------------------------------------------------------
    def tidy(self) -> pd.DataFrame:
        """Return the estimates as a tidy DataFrame (a copy)."""
        return self._tidy.copy()

    @property
    def alpha(self) -> float:
        """Significance level of every interval in this object."""
        return self._alpha

    @property
    def provenance(self) -> Mapping[str, Any]:
        """Options, variance estimator, cluster level, seed, package versions, data fingerprint."""
        return self._provenance

    def _get_extra(self, key: str) -> Any:
        value = self._extra[key]
        return value.copy() if hasattr(value, "copy") else value

    # --- derived accessors ----------------------------------------------------------------
    @property
    def coef(self) -> pd.Series:
        """Point estimates indexed by term."""
        t = self._tidy
        return pd.Series(t["estimate"].to_numpy(), index=t["term"], name="estimate")

    @property
    def se(self) -> pd.Series:
        """Standard errors indexed by term."""
        t = self._tidy
        return pd.Series(t["std_error"].to_numpy(), index=t["term"], name="std_error")

    def conf_int(self) -> pd.DataFrame:
        """Confidence limits at level ``1 - alpha``, indexed by term."""
        return self._tidy.set_index("term")[["conf_low", "conf_high"]].copy()

    # --- display --------------------------------------------------------------------------
    def _header_lines(self) -> list[str]:
        p = self._provenance
        keys = ("estimand", "variance", "cluster", "small_sample_correction", "n_obs", "seed")
        lines = [f"{type(self).__name__} — {p.get('method', self.method)}"]
        for k in keys:
            if p.get(k) is not None:
                lines.append(f"  {k.replace('_', ' ')}: {p[k]}")
        lines.append(f"  confidence level: {1 - self._alpha:.0%}")
        return lines

    def summary(self) -> str:
        """Text summary: method, estimand, variance estimator and the tidy table."""
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            table = self._tidy.to_string(index=False, float_format=lambda x: f"{x:.5g}")
        return "\n".join([*self._header_lines(), "", table])

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self._tidy)} terms, alpha={self._alpha}>"

    def _repr_html_(self) -> str:
        head = "<br>".join(self._header_lines())
        body = self._tidy.to_html(index=False, float_format=lambda x: f"{x:.5g}")
        return f"<div><p style='font-family:monospace'>{head}</p>{body}</div>"

    def plot(self, ax: Any = None) -> Any:
        """Point-and-interval plot of every term; returns the matplotlib figure."""
        import matplotlib.pyplot as plt

        t = self._tidy
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 0.35 * len(t) + 1.2))
        else:
            fig = ax.figure
        y = np.arange(len(t))
        ax.errorbar(
            t["estimate"], y,
            xerr=[t["estimate"] - t["conf_low"], t["conf_high"] - t["estimate"]],
            fmt="o", capsize=3,
        )
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, t["term"].astype(str))
        ax.set_xlabel(f"estimate ({1 - self._alpha:.0%} CI)")
        ax.set_title(str(self._provenance.get("method", self.method)))
        fig.tight_layout()
        return fig
