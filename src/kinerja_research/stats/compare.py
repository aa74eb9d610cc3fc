"""Several results side by side, one column per model (in the spirit of fixest's ``etable``).

Each column names its estimator and its variance estimator, so that two numbers in the same row
are never compared without saying how each was obtained.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd

from kinerja_research.stats._results import Results

__all__ = ["Comparison", "compare"]

_FOOTER = ("estimator", "variance", "observations", "confidence level")


class Comparison:
    """Side-by-side table of several results objects (immutable).

    ``to_frame()`` gives the numbers (one row per term, a column pair estimate / std. error per
    model); ``str()`` and ``_repr_html_`` render the estimate with its standard error beneath and
    the footer naming each model's estimator, variance estimator, observations and level.
    """

    __slots__ = ("_footer", "_names", "_table")
    # set once in __init__ through object.__setattr__ (normal assignment is blocked)
    _table: pd.DataFrame
    _footer: pd.DataFrame
    _names: tuple[str, ...]

    def __init__(self, table: pd.DataFrame, footer: pd.DataFrame, names: Sequence[str]) -> None:
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_footer", footer)
        object.__setattr__(self, "_names", tuple(names))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Comparison is immutable")

    @property
    def names(self) -> tuple[str, ...]:
        """Column (model) names."""
        return self._names

    def to_frame(self) -> pd.DataFrame:
        """Estimates and standard errors: index term, columns (model, estimate|std_error)."""
        return self._table.copy()

    def footer(self) -> pd.DataFrame:
        """Estimator, variance estimator, observations and confidence level of each model."""
        return self._footer.copy()

    def _cells(self, digits: int) -> pd.DataFrame:
        rows: dict[str, list[str]] = {}
        for term in self._table.index:
            est_row, se_row = [], []
            for name in self._names:
                est = self._table.loc[term, (name, "estimate")]
                se = self._table.loc[term, (name, "std_error")]
                est_row.append("" if pd.isna(est) else f"{est:.{digits}g}")
                se_row.append("" if pd.isna(se) else f"({se:.{digits}g})")
            rows[str(term)] = est_row
            rows[f"{term} "] = se_row  # the SE line beneath, label kept unique
        body = pd.DataFrame.from_dict(rows, orient="index", columns=list(self._names))
        return body

    def summary(self, digits: int = 4) -> str:
        """Plain-text table: estimates, standard errors in parentheses, observations and level;
        then one note per model naming its estimator and variance estimator (long names would
        otherwise widen every column)."""
        body = self._cells(digits)
        foot = self._footer.astype(str)
        short = foot.loc[[r for r in foot.index if r not in ("estimator", "variance")]]
        full = pd.concat([body, pd.DataFrame([["-" * 3] * len(self._names)],
                                             index=["---"], columns=list(self._names)), short])
        with pd.option_context("display.width", 200, "display.max_columns", 50,
                               "display.max_colwidth", 60):
            lines = [full.to_string(), ""]
        for name in self._names:
            lines.append(f"{name}: {foot.loc['estimator', name]}; variance: {foot.loc['variance', name]}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<Comparison of {len(self._names)} results: {', '.join(self._names)}>"

    def _repr_html_(self) -> str:
        body = self._cells(4)
        head = "".join(f"<th>{html.escape(n)}</th>" for n in self._names)
        lines = ["<table class='kr-compare'>", f"<thead><tr><th></th>{head}</tr></thead><tbody>"]
        for label, row in body.iterrows():
            is_se = str(label).endswith(" ")
            cells = "".join(
                f"<td style='text-align:right{';color:#555' if is_se else ''}'>{html.escape(v)}</td>"
                for v in row
            )
            lines.append(f"<tr><th>{'' if is_se else html.escape(str(label))}</th>{cells}</tr>")
        for label, row in self._footer.astype(str).iterrows():
            cells = "".join(f"<td style='text-align:right'>{html.escape(v)}</td>" for v in row)
            lines.append(
                f"<tr style='border-top:1px solid #999'><th>{html.escape(str(label))}</th>{cells}</tr>"
            )
        lines.append("</tbody></table>")
        return "".join(lines)


def _estimator_name(r: Results) -> str:
    p = r.provenance
    method = str(p.get("method", r.method))
    sub = p.get("event_study_method") or p.get("estimator") or p.get("est_method")
    if sub is not None and str(sub) != method:
        method = f"{method} ({sub})"
    return method


def _variance_name(r: Results) -> str:
    p = r.provenance
    variance = p.get("variance") or p.get("vcov") or p.get("se_type")
    text = "not stated" if variance is None else str(variance)
    cluster = p.get("cluster")
    if cluster:
        text += f", clustered by {cluster}"
    return text


def compare(*results: Results, names: Sequence[str] | None = None) -> Comparison:
    """Render several results side by side, naming each estimator and variance estimator.

    Parameters
    ----------
    *results : Results
        Two or more results objects (any methods; terms are aligned by name, a term a model
        lacks is left blank).
    names : sequence of str, optional
        Column headings; defaults to ``(1)``, ``(2)``, …

    Returns
    -------
    Comparison
        ``str()`` / ``_repr_html_`` render the table; ``to_frame()`` gives the numbers.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from kinerja_research.stats.reliability import cronbach_alpha
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(200, 1))
    >>> items = pd.DataFrame(f + rng.normal(size=(200, 4)), columns=list("abcd"))
    >>> c = compare(cronbach_alpha(items), cronbach_alpha(items[["a", "b", "c"]]))
    >>> c.names
    ('(1)', '(2)')
    """
    if not results:
        raise ValueError("compare() needs at least one results object")
    for i, r in enumerate(results):
        if not isinstance(r, Results):
            raise TypeError(
                f"argument {i + 1} is a {type(r).__name__}, not a results object from kinerja_research.stats"
            )
    if names is None:
        names = [f"({i + 1})" for i in range(len(results))]
    names = [str(n) for n in names]
    if len(names) != len(results):
        raise ValueError(f"{len(names)} names for {len(results)} results")
    if len(set(names)) != len(names):
        raise ValueError("names must be distinct")
    parts = []
    for name, r in zip(names, results, strict=True):
        t = r.tidy()
        t = t.assign(term=t["term"].astype(str)).drop_duplicates("term").set_index("term")
        part = t[["estimate", "std_error"]]
        part.columns = pd.MultiIndex.from_product([[name], ["estimate", "std_error"]])
        parts.append(part)
    table = pd.concat(parts, axis=1, sort=False)
    footer = pd.DataFrame(
        {
            name: [
                _estimator_name(r),
                _variance_name(r),
                "" if r.nobs is None else f"{r.nobs:,}",
                f"{1 - r.alpha:.0%}",
            ]
            for name, r in zip(names, results, strict=True)
        },
        index=list(_FOOTER),
    )
    return Comparison(table, footer, names)
