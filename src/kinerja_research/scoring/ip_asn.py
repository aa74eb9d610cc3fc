"""Indeks Profesionalitas ASN (Permenpan RB 38/2018, Peraturan BKN 8/2019), per PNS and per unit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kinerja_research.data.schemas import CATEGORIES
from kinerja_research.rubrics import Rubric
from kinerja_research.scoring._inputs import (
    assemble,
    bool_states,
    category_codes,
    column_or_missing,
    float_values,
    passthrough,
    reasons,
    require_frame,
    resolve_rubric,
    with_rubric,
)
from kinerja_research.scoring.skp import RATINGS, predikat_codes

DEFAULT_RUBRIC = "ip_asn/permenpan-38-2018+perban-bkn-8-2019"
INPUT_COLUMNS: tuple[str, ...] = (
    "position_type", "education_level", "leadership_training", "functional_training",
    "technical_training_hours", "seminar", "skp_value", "rating_hasil_kerja",
    "rating_perilaku_kerja", "discipline_level",
)
SCORE_COLUMNS: tuple[str, ...] = (
    "kualifikasi", "kompetensi", "kinerja", "kinerja_basis", "disiplin", "ip_asn", "category", "reason",
)
_POSITIONS = CATEGORIES["position_type"]
_EDUCATION = CATEGORIES["education_level"]
_DISCIPLINE = CATEGORIES["discipline_level"]
_KOMPETENSI_TABLE = {"jpt": "kompetensi_structural", "administrator": "kompetensi_structural",
                     "pengawas": "kompetensi_structural", "fungsional": "kompetensi_fungsional",
                     "pelaksana": "kompetensi_pelaksana"}
_INDICATORS = ("leadership_training", "functional_training", "technical_training", "seminar")
_REASONS = (
    "education_level missing", "position_type missing", "leadership_training missing",
    "functional_training missing", "technical_training_hours missing", "seminar missing",
    "no appraisal (ratings or skp_value) to score kinerja", "discipline_level missing",
)


class _Tables:
    """The rubric's points as lookup tables over category codes (built once per rubric).

    Kompetensi is one lookup on a code combining the position and the four indicator states
    (0 not done, 1 done, 2 missing): the table holds the points, or NaN with the reason bits
    when an indicator that applies to the position is missing. Kinerja is one lookup on the
    predicate and the appraisal band. So the per-row work is integer arithmetic and takes.
    """

    def __init__(self, rb: Rubric) -> None:
        kual = rb.points("kualifikasi")
        self.kualifikasi = np.array([kual[e] for e in _EDUCATION] + [np.nan])
        n_pos = len(_POSITIONS) + 1  # code 0: position missing
        self.komp = np.full(n_pos * 81, np.nan)
        self.komp_bits = np.zeros(n_pos * 81, dtype=np.int16)
        for code in range(n_pos * 81):
            pos, rest = divmod(code, 81)
            states = (rest // 27, rest // 9 % 3, rest // 3 % 3, rest % 3)
            if pos == 0:
                self.komp_bits[code] = 2
                continue
            table = rb.points(_KOMPETENSI_TABLE[_POSITIONS[pos - 1]])
            total, bits = 0.0, 0
            for i, (ind, st) in enumerate(zip(_INDICATORS, states, strict=True)):
                if ind not in table:
                    continue  # does not apply to this position: its value does not matter
                if st == 2:
                    bits |= 1 << (2 + i)
                else:
                    total += table[ind] * st
            self.komp[code] = np.nan if bits else total
            self.komp_bits[code] = bits
        self.min_hours = rb.points("thresholds")["technical_training_min_hours"]
        self.kinerja_bands = rb.band_table("kinerja_skp_value")
        band_points = list(self.kinerja_bands.fields["points"])
        self.n_bands = len(band_points) + 1
        self.predikat_points = rb.points("kinerja_predikat")
        self.disiplin = np.array([rb.points("disiplin")[d] for d in _DISCIPLINE] + [np.nan])
        self.category = rb.band_table("category")
        self.band_points = band_points

    def kinerja_luts(self, order: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Points and basis (0 predikat, 1 skp_value, -1 none) on (pred + 1) * n_bands + band + 1."""
        pts = np.full((len(order) + 1) * self.n_bands, np.nan)
        basis = np.full(len(pts), -1, dtype=np.int8)
        for pred in range(-1, len(order)):
            for band in range(-1, self.n_bands - 1):
                k = (pred + 1) * self.n_bands + band + 1
                if pred >= 0:
                    pts[k], basis[k] = self.predikat_points[order[pred]], 0
                elif band >= 0:
                    pts[k], basis[k] = self.band_points[band], 1
        return pts, basis


_CACHE: dict[int, tuple[Rubric, _Tables]] = {}


def _tables(rb: Rubric) -> _Tables:
    hit = _CACHE.get(id(rb))
    if hit is None or hit[0] is not rb:
        hit = _CACHE[id(rb)] = (rb, _Tables(rb))
    return hit[1]


def ip_asn(
    employees: pd.DataFrame,
    *,
    rubric: str | Rubric = DEFAULT_RUBRIC,
    skp_rubric: str | Rubric = "skp/permenpan-6-2022",
) -> pd.DataFrame:
    """IP ASN per employee-period: four dimensions, the total and its category, vectorized.

    Parameters
    ----------
    employees
        The contract's employees table (or any frame with ``education_level`` and
        ``position_type``; the other inputs are optional columns). Kompetensi depends on the
        position type: structural positions (jpt, administrator, pengawas) score diklat
        kepemimpinan, fungsional positions diklat fungsional, pelaksana only diklat teknis and
        seminar. Diklat teknis counts from the rubric's threshold (20 JP). Kinerja comes from the
        2022+ predicate (both ratings, through ``skp_rubric``'s matrix and the rubric's explicit,
        unverified ``kinerja_predikat`` table) when present, else from ``skp_value``.
    rubric
        IP ASN rubric id or :class:`~kinerja_research.rubrics.Rubric`.
    skp_rubric
        Rubric holding the Permenpan 6/2022 predicate matrix.

    Returns
    -------
    pandas.DataFrame
        The input's other columns (ids, period, unit) followed by ``kualifikasi``,
        ``kompetensi``, ``kinerja``, ``kinerja_basis`` (``predikat`` / ``skp_value``),
        ``disiplin``, ``ip_asn`` (raw, unrounded), ``category`` and ``reason`` (why a value is
        missing). A missing input gives missing dimensions, never 0. ``attrs["rubric"]`` says
        which tables are unverified.

    Raises
    ------
    ValueError
        For unknown category codes or out-of-range numbers (naming column and values), or
        missing required columns.

    Examples
    --------
    >>> df = pd.DataFrame({"nip": ["x"], "position_type": ["pelaksana"], "education_level": ["s1_d4"],
    ...                    "technical_training_hours": [24.0], "seminar": [True], "skp_value": [92.0],
    ...                    "discipline_level": ["none"]})
    >>> ip_asn(df)[["ip_asn", "category"]].to_dict("records")
    [{'ip_asn': 90.0, 'category': 'Tinggi'}]
    """
    require_frame(employees, "employees", ["education_level", "position_type"])
    rb = resolve_rubric(rubric, "ip_asn")
    return _ip_asn(employees, rb, resolve_rubric(skp_rubric, "skp"))[0]


def _ip_asn(employees: pd.DataFrame, rb: Rubric, skp_rb: Rubric) -> tuple[pd.DataFrame, pd.Categorical]:
    """:func:`ip_asn`'s frame and the Permenpan 6/2022 predicate it computed on the way.

    :func:`~kinerja_research.scoring.study.score_employees` reports the predicate too; taking it
    from here saves reading both rating columns a second time.
    """
    t = _tables(rb)

    edu = category_codes(employees["education_level"], "education_level", _EDUCATION)
    pos = category_codes(employees["position_type"], "position_type", _POSITIONS)
    kualifikasi = t.kualifikasi[edu]

    hours = float_values(column_or_missing(employees, "technical_training_hours"),
                         "technical_training_hours", minimum=0)
    nan_hours = np.isnan(hours)
    tech = (hours >= t.min_hours).view(np.int8) + 2 * nan_hours.view(np.int8)
    code = (pos.astype(np.int16) + 1) * 81
    code += bool_states(column_or_missing(employees, "leadership_training"), "leadership_training") * np.int16(27)
    code += bool_states(column_or_missing(employees, "functional_training"), "functional_training") * np.int16(9)
    code += tech * np.int16(3)
    code += bool_states(column_or_missing(employees, "seminar"), "seminar")
    kompetensi = t.komp[code]
    bits = t.komp_bits[code]
    bits |= (edu < 0).view(np.int8)

    # kinerja: the 2022+ predicate when both ratings are present, else the numeric appraisal
    hasil = category_codes(column_or_missing(employees, "rating_hasil_kerja"), "rating_hasil_kerja", RATINGS)
    perilaku = category_codes(column_or_missing(employees, "rating_perilaku_kerja"),
                              "rating_perilaku_kerja", RATINGS)
    pred, pred_dtype = predikat_codes(skp_rb, hasil, perilaku)
    skp = float_values(column_or_missing(employees, "skp_value"), "skp_value", minimum=0, maximum=120)
    band = t.kinerja_bands.codes(skp, snap_decimals=rb.snap_decimals)
    kin_pts, kin_basis = t.kinerja_luts(list(pred_dtype.categories))
    kcode = (pred.astype(np.int16) + 1) * t.n_bands + (band + 1)
    kinerja = kin_pts[kcode]
    basis = kin_basis[kcode]
    bits |= (basis < 0).view(np.int8) << 6

    disc = category_codes(column_or_missing(employees, "discipline_level"), "discipline_level", _DISCIPLINE)
    disiplin = t.disiplin[disc]
    bits |= (disc < 0).view(np.int8).astype(np.int16) << 7

    total = kualifikasi + kompetensi + kinerja + disiplin
    category = t.category.classify(total, snap_decimals=rb.snap_decimals)

    out = assemble(passthrough(employees, INPUT_COLUMNS), {
        "kualifikasi": kualifikasi,
        "kompetensi": kompetensi,
        "kinerja": kinerja,
        "kinerja_basis": pd.Categorical.from_codes(basis, categories=["predikat", "skp_value"], validate=False),
        "disiplin": disiplin,
        "ip_asn": total,
        "category": category,
        "reason": reasons(bits, _REASONS),
    })
    used = ["kualifikasi", "thresholds", "kompetensi_structural", "kompetensi_fungsional",
            "kompetensi_pelaksana", "kinerja_skp_value", "kinerja_predikat", "disiplin", "category"]
    return with_rubric(out, rb, used), pd.Categorical.from_codes(pred, dtype=pred_dtype, validate=False)


def ip_asn_summary(
    scores: pd.DataFrame,
    *,
    by: str | Sequence[str] = ("unit_id", "period"),
    rubric: str | Rubric = DEFAULT_RUBRIC,
) -> pd.DataFrame:
    """IP ASN of units or regions: the mean of scored employees, and its category.

    The official aggregation is not published (docs/guide/rubrics.md#open-questions, question 3); this uses the
    unweighted mean over employees with a score and reports how many were scored, flagged
    through the rubric's unverified ``aggregation`` table in ``attrs["rubric"]``.

    Parameters
    ----------
    scores
        Output of :func:`ip_asn`, with the ``by`` columns.
    by
        Grouping columns (e.g. ``["region_id", "period"]`` after joining units).
    rubric
        Rubric whose category bands classify the mean.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``n``, ``n_scored``, the mean of each dimension and of ``ip_asn``,
        ``category`` of the mean, and the share of scored employees in each category
        (``share_<category>``).

    Examples
    --------
    >>> s = pd.DataFrame({"unit_id": ["a", "a"], "kualifikasi": [15.0, 20.0], "kompetensi": [40.0, 25.0],
    ...                   "kinerja": [30.0, 25.0], "disiplin": [5.0, 5.0], "ip_asn": [90.0, 75.0]})
    >>> ip_asn_summary(s, by="unit_id")[["n", "ip_asn", "category"]].to_dict("records")
    [{'n': 2, 'ip_asn': 82.5, 'category': 'Tinggi'}]
    """
    keys = [by] if isinstance(by, str) else list(by)
    dims = ["kualifikasi", "kompetensi", "kinerja", "disiplin", "ip_asn"]
    require_frame(scores, "scores", [*keys, *dims])
    rb = resolve_rubric(rubric, "ip_asn")
    bt = rb.band_table("category")
    g = scores.groupby(keys, observed=True, sort=True, dropna=False)
    out = g[dims].mean()
    out.insert(0, "n_scored", g["ip_asn"].count())
    out.insert(0, "n", g.size())
    out["category"] = bt.classify(out["ip_asn"].to_numpy(), snap_decimals=rb.snap_decimals)
    each = pd.Series(bt.classify(scores["ip_asn"].to_numpy(), snap_decimals=rb.snap_decimals),
                     index=scores.index)
    shares = pd.crosstab([scores[k] for k in keys], each, dropna=False)
    shares = shares.reindex(columns=list(bt.labels), fill_value=0)
    denom = out["n_scored"].to_numpy()[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        share_vals = shares.reindex(out.index, fill_value=0).to_numpy(dtype=float) / denom
    for j, lbl in enumerate(bt.labels):
        out[f"share_{lbl.lower().replace(' ', '_')}"] = share_vals[:, j]
    out = out.reset_index()
    return with_rubric(out, rb, ["category", "aggregation"])
