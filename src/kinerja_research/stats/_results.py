"""Base class for immutable results objects (docs/guide/methods.md).

``tidy()`` is the one source of truth; ``summary()``, ``__str__``, ``_repr_html_`` and the
accessors derive from it. Results never hold input rows (personnel data must not travel into
notebook outputs); they hold estimates, options and provenance only.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
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


class FrozenList(list):
    """Read-only list in provenance: still a list (pandas indexes with it, it equals the list it
    was), but every mutating method raises."""

    __slots__ = ()

    def _readonly(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("provenance is read-only; fit again to change it")

    append = extend = insert = pop = remove = clear = sort = reverse = _readonly
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _readonly

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt through the constructor: unpickling must not call the blocked append
        return (FrozenList, (list(self),))


def freeze(value: Any) -> Any:
    """Deeply read-only copy: mappings → ``MappingProxyType``, lists → tuples, arrays read-only.

    Provenance is a record of how an estimate was made; a nested dict inside it must not be
    editable through the results object any more than the top level.
    """
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList(freeze(v) for v in value)
    if isinstance(value, tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, Set) and not isinstance(value, frozenset):
        return frozenset(freeze(v) for v in value)
    if isinstance(value, np.ndarray):
        out = value.copy()
        out.flags.writeable = False
        return out
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy()
    return value


def thaw(value: Any) -> Any:
    """Plain (picklable) copy of a :func:`freeze`-d value: read-only mappings back to dicts."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [thaw(v) for v in value]
    if isinstance(value, tuple):
        return tuple(thaw(v) for v in value)
    return value


class Results:
    """Immutable results object.

    Subclasses call ``super().__init__(tidy=..., provenance=..., alpha=...)`` and may add
    further read-only tables through ``extra`` (each returned as a copy). An ``extra`` entry
    ``"term_vcov"`` (a square array aligned with the rows of ``tidy``) feeds :attr:`vcov`.
    """

    method: str = "results"
    # set once in __init__ through object.__setattr__ (normal assignment is blocked)
    _tidy: pd.DataFrame
    _provenance: Mapping[str, Any]
    _alpha: float
    _extra: dict[str, Any]

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
        object.__setattr__(self, "_provenance", freeze(prov))
        object.__setattr__(self, "_alpha", float(alpha))
        object.__setattr__(self, "_extra", dict(extra or {}))

    # Pickling (process pools, Dask, caches) goes through plain state: the read-only view of
    # the provenance is rebuilt on loading.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_provenance"] = thaw(state["_provenance"])
        return state

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        state = dict(state)
        state["_provenance"] = freeze(state["_provenance"])
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

    @property
    def vcov(self) -> pd.DataFrame:
        """Variance–covariance matrix of the estimates, indexed by term on both axes.

        Where the method does not estimate the covariances between its terms (each term is
        fitted separately), the off-diagonal cells are NaN — unknown, not zero.
        """
        terms = self._tidy["term"].astype(str).to_numpy()
        v = self._extra.get("term_vcov")
        if v is None:
            v = np.full((len(terms), len(terms)), np.nan)
            np.fill_diagonal(v, self._tidy["std_error"].to_numpy(dtype=float) ** 2)
        return pd.DataFrame(np.array(v, dtype=float), index=terms, columns=terms)

    @property
    def nobs(self) -> int | None:
        """Number of observations the estimates use (``None`` where it is not defined)."""
        for key in ("n_obs", "nobs", "n"):
            value = self._provenance.get(key)
            if value is not None:
                return int(value)
        return None

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
