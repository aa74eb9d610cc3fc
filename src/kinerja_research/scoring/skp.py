"""Individual performance ratings: Permenpan 6/2022 predicates, PP 46/2011 and PP 30/2019 categories."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.rubrics import Rubric
from kinerja_research.scoring._inputs import (
    bool_values,
    category_codes,
    float_values,
    normalise_label,
    reasons,
    resolve_rubric,
    with_rubric,
)

RATINGS: tuple[str, ...] = ("di_bawah", "sesuai", "di_atas")
DEFAULT_2022_RUBRIC = "skp/permenpan-6-2022"


def predikat_codes(rubric: Rubric, hasil: np.ndarray, perilaku: np.ndarray) -> tuple[np.ndarray, pd.CategoricalDtype]:
    """Predicate codes (index into the rubric's ordered labels, -1 when a rating is missing)."""
    table = rubric.table("predikat")
    order = list(table["order"])
    rows = [str(r) for r in table["rows"]]
    cols = [str(c) for c in table["columns"]]
    if rows != list(RATINGS) or cols != list(RATINGS):
        raise ValueError(f"rubric {rubric.id!r}: matrix rows/columns must be {list(RATINGS)}")
    # lookup on (hasil + 1) * 4 + (perilaku + 1): row or column 0 is a missing rating
    lut = np.full(16, -1, dtype=np.int8)
    for i, row in enumerate(table["matrix"]):
        for j, v in enumerate(row):
            lut[(i + 1) * 4 + j + 1] = order.index(v)
    return lut[(hasil.astype(np.int8) + 1) * 4 + (perilaku + 1)], pd.CategoricalDtype(order, ordered=True)


def skp_predikat(
    rating_hasil_kerja: Any,
    rating_perilaku_kerja: Any,
    *,
    rubric: str | Rubric = DEFAULT_2022_RUBRIC,
) -> pd.DataFrame:
    """Permenpan RB 6/2022 predicate from the two ratings (the rubric's matrix), vectorized.

    Parameters
    ----------
    rating_hasil_kerja, rating_perilaku_kerja
        Array-likes or Series of ``di_bawah`` / ``sesuai`` / ``di_atas`` or the Indonesian
        phrases ("Di Atas Ekspektasi", any case); missing allowed.
    rubric
        Rubric id or :class:`~kinerja_research.rubrics.Rubric` holding the ``predikat`` matrix.

    Returns
    -------
    pandas.DataFrame
        ``rating_hasil_kerja``, ``rating_perilaku_kerja`` (canonical codes), ``predikat``
        (ordered categorical, worst first) and ``reason`` (why a predicate is missing). A Series
        input's index is kept.

    Raises
    ------
    ValueError
        For a rating outside the three values, naming the column and the values.

    Examples
    --------
    >>> skp_predikat(["Di Atas Ekspektasi", "sesuai"], ["di_atas", "DI BAWAH EKSPEKTASI"])["predikat"].tolist()
    ['Sangat Baik', 'Kurang/Misconduct']
    """
    rb = resolve_rubric(rubric, "skp")
    h = category_codes(rating_hasil_kerja, "rating_hasil_kerja", RATINGS)
    p = category_codes(rating_perilaku_kerja, "rating_perilaku_kerja", RATINGS)
    if len(h) != len(p):
        raise ValueError(f"the two ratings differ in length ({len(h)} vs {len(p)})")
    codes, dtype = predikat_codes(rb, h, p)
    rating_dtype = pd.CategoricalDtype(list(RATINGS), ordered=True)
    index = rating_hasil_kerja.index if isinstance(rating_hasil_kerja, pd.Series) else None
    out = pd.DataFrame({
        "rating_hasil_kerja": pd.Categorical.from_codes(h, dtype=rating_dtype, validate=False),
        "rating_perilaku_kerja": pd.Categorical.from_codes(p, dtype=rating_dtype, validate=False),
        "predikat": pd.Categorical.from_codes(codes, dtype=dtype, validate=False),
        "reason": reasons((h < 0) * 1 | (p < 0) * 2,
                          ["rating_hasil_kerja missing", "rating_perilaku_kerja missing"]),
    }, index=index)
    return with_rubric(out, rb, ["predikat"])


def category_codes_for(
    x: np.ndarray, rb: Rubric, innovation: Any = None,
) -> tuple[np.ndarray, pd.CategoricalDtype, np.ndarray, list[str]]:
    """Category codes of numeric appraisal values under ``rb`` (the engine of :func:`skp_category`).

    Returns codes, the ordered label dtype, reason bits (1 missing, 2 off-scale, 4 innovation
    unknown) and the tables used.
    """
    bt = rb.band_table("predikat")
    codes = bt.codes(x, snap_decimals=rb.snap_decimals)
    labels = list(bt.labels)
    nan = np.isnan(x)
    bits = nan.view(np.int8) | ((~nan & (codes < 0)).view(np.int8) << 1)
    used = ["predikat"]
    if "sangat_baik" in rb.tables:
        rule = rb.table("sangat_baik")["rules"]
        labels.append(str(rule["label"]))
        tol = 0.5 * 10.0 ** -rb.snap_decimals  # the band tables' edge tolerance, see BandTable.codes
        with np.errstate(invalid="ignore"):
            eligible = (x >= float(rule["lower"]) - tol) & (x <= float(rule["upper"]) + tol)
        if innovation is None:
            inn = np.full(len(x), np.nan)
        else:
            inn = bool_values(innovation if np.ndim(innovation) else np.full(len(x), innovation), "innovation")
            if len(inn) != len(x):
                raise ValueError(f"innovation has {len(inn)} values for {len(x)} appraisal values")
        unknown = eligible & np.isnan(inn)
        codes = np.where(eligible & (inn == 1), len(labels) - 1, codes).astype(np.int8)
        codes[unknown] = -1
        bits = bits | (unknown.view(np.int8) << 2)
        used.append("sangat_baik")
    elif innovation is not None:
        raise ValueError(f"rubric {rb.id!r} has no innovation rule; leave innovation=None")
    return codes, pd.CategoricalDtype(labels, ordered=True), bits, used


def skp_category(
    value: Any,
    innovation: Any = None,
    *,
    rubric: str | Rubric = "skp/pp-30-2019",
) -> pd.DataFrame:
    """Category of a numeric appraisal value under PP 46/2011, PP 30/2019 or DP3.

    Parameters
    ----------
    value
        Appraisal values (0–120), array-like or Series; missing allowed.
    innovation
        PP 30/2019 only: whether the PNS created a new idea/method that benefits the
        organisation (Pasal 41), needed for Sangat Baik (110 ≤ x ≤ 120). ``None`` means unknown:
        values of 110 and above then get a missing label with a reason, since the regulation
        cannot tell Baik from Sangat Baik without it.
    rubric
        ``"skp/pp-30-2019"`` (default), ``"skp/pp-46-2011"``, ``"skp/pp-10-1979"`` or a Rubric.

    Returns
    -------
    pandas.DataFrame
        ``value`` (raw, unrounded), ``category`` (ordered categorical) and ``reason``.

    Examples
    --------
    >>> skp_category([89.99, 90, 115], innovation=[False, False, True])["category"].tolist()
    ['Cukup', 'Baik', 'Sangat Baik']
    >>> skp_category([90.5], rubric="skp/pp-46-2011")["category"].tolist()
    ['Baik']
    """
    rb = resolve_rubric(rubric, "skp")
    x = float_values(value, "skp_value")
    codes, labels, bits, used = category_codes_for(x, rb, innovation)
    index = value.index if isinstance(value, pd.Series) else None
    out = pd.DataFrame({
        "value": x,
        "category": pd.Categorical.from_codes(codes, dtype=labels, validate=False),
        "reason": reasons(bits, ["value missing", f"value outside the scale of {rb.id}",
                                 "innovation flag unknown (needed for Sangat Baik at 110–120)"]),
    }, index=index)
    return with_rubric(out, rb, used)


@dataclass(frozen=True)
class PredikatViolation:
    """One broken distribution rule: which labels, the limit and what was observed."""

    organisation_predikat: str
    labels: tuple[str, ...]
    op: str
    limit: float
    observed: float
    count: int
    n: int

    def __str__(self) -> str:
        names = " + ".join(self.labels)
        return (f"organisation predikat {self.organisation_predikat}: share of {names} must be "
                f"{self.op} {self.limit:.0%}, observed {self.observed:.1%} ({self.count} of {self.n})")


_OPS = {"<=": operator.le, ">=": operator.ge, ">": operator.gt, "<": operator.lt}
_ORG_SYNONYMS = {"cukup": "Butuh Perbaikan"}


def check_predikat_distribution(
    predikat: Sequence[Any] | pd.Series,
    organisation_predikat: str,
    *,
    rubric: str | Rubric = DEFAULT_2022_RUBRIC,
) -> list[PredikatViolation]:
    """Check employees' predicates against the organisation-performance distribution rule.

    Parameters
    ----------
    predikat
        The predicates of one organisation's employees (labels as :func:`skp_predikat` gives
        them, any case; missing values are ignored and not counted).
    organisation_predikat
        The organisation's own predicate: Istimewa, Baik, Butuh Perbaikan (or Cukup), Kurang,
        Sangat Kurang.
    rubric
        Rubric holding the ``distribution`` rules.

    Returns
    -------
    list of PredikatViolation
        Empty when the distribution is allowed. Shares are compared exactly: docs/guide/rubrics.md#open-questions, question 5 (rounding for small units) is unresolved, so no rounding is applied.

    Examples
    --------
    >>> v = check_predikat_distribution(["Sangat Baik"] * 8 + ["Baik"] * 2, "Istimewa")
    >>> [str(x) for x in v]
    ['organisation predikat Istimewa: share of Sangat Baik must be <= 70%, observed 80.0% (8 of 10)']
    """
    rb = resolve_rubric(rubric, "skp")
    rules = rb.table("distribution")["rules"]
    by_key = {normalise_label(k): k for k in rules}
    key = normalise_label(organisation_predikat)
    key = normalise_label(_ORG_SYNONYMS.get(key, key))
    if key not in by_key:
        raise ValueError(f"unknown organisation predikat {organisation_predikat!r}; "
                         f"allowed: {', '.join(rules)} (or Cukup)")
    order = list(rb.table("predikat")["order"])
    canon = {normalise_label(o): o for o in order}
    s = pd.Series(predikat).dropna()
    counts_raw = s.astype(str).map(normalise_label).value_counts()
    unknown = [k for k in counts_raw.index if k not in canon]
    if unknown:
        raise ValueError(f"predikat has invalid values {unknown}; allowed: {', '.join(order)}")
    counts = {canon[k]: int(v) for k, v in counts_raw.items()}
    n = int(sum(counts.values()))
    if n == 0:
        raise ValueError("predikat holds no non-missing values")
    org = by_key[key]
    out = []
    for rule in rules[org]:
        labels = tuple(rule["labels"])
        c = sum(counts.get(lbl, 0) for lbl in labels)
        # exact rational comparison: 7 of 10 is exactly the 70% limit, not 0.7000000000000001
        if not _OPS[rule["op"]](Fraction(c, n), Fraction(str(rule["share"]))):
            out.append(PredikatViolation(org, labels, rule["op"], float(rule["share"]), c / n, c, n))
    return out
