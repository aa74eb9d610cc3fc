"""Benchmark: employee-level scoring and IKM at national scale.

Run: ``.venv/bin/python benchmarks/bench_scoring.py [n_employees] [n_questionnaires]``

Figures (one line each: value, target, ratio):

1. all employee-level scores (:func:`kinerja_research.scoring.study.score_employees`: IP ASN,
   SKP predicate and category, PP 94/2021 absence ladder, JPM category) on
   ``kr.simulate("national")`` employees (about 4.3 million rows) — against a pure-NumPy floor
   measured in the same run that computes the same numbers from the same columns with no
   validation, reasons or DataFrame output — target ≤ 1.5×;
2. against a row-by-row ``DataFrame.apply`` of the same IP ASN rubric on a 100,000-row
   sample — target ≥ 100× faster per row;
3. IKM over ≥ 5 million survey answers — target ≤ 3 s.

Until the simulator lands (``kinerja_research.data.simulate``), a same-shaped synthetic
employees frame is generated here (categorical columns, as the reader and simulator give).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from kinerja_research import rubrics
from kinerja_research.data.schemas import CATEGORIES
from kinerja_research.scoring import ikm
from kinerja_research.scoring.study import score_employees

NEEDED = ("period", "position_type", "education_level", "leadership_training", "functional_training",
          "technical_training_hours", "seminar", "skp_value", "rating_hasil_kerja", "rating_perilaku_kerja",
          "discipline_level", "days_absent", "jpm")


def _f(emp: pd.DataFrame, col: str) -> np.ndarray:
    return emp[col].to_numpy(dtype=float, na_value=np.nan)


def national_employees(n: int, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """``kr.simulate("national").employees`` when available, else a same-shaped frame."""
    try:
        from kinerja_research.data.simulate import simulate  # noqa: PLC0415
    except ImportError:
        pass
    else:
        emp = simulate("national", 0).employees
        missing = [c for c in NEEDED if c not in emp.columns]
        if not missing:
            emp = emp if n >= len(emp) else emp.iloc[:n].reset_index(drop=True)
            # both contenders get the same categorical columns (the contract's dtype for labels)
            for col in ("position_type", "education_level", "rating_hasil_kerja", "rating_perilaku_kerja",
                        "discipline_level"):
                if not isinstance(emp[col].dtype, pd.CategoricalDtype):
                    emp[col] = emp[col].astype(pd.CategoricalDtype(list(CATEGORIES[col])))
            return emp, "kr.simulate('national')"
        print(f"simulate('national') lacks {missing}; using a same-shaped synthetic frame")
    rng = np.random.default_rng(seed)
    cat = lambda col, p=None: pd.Categorical.from_codes(  # noqa: E731
        rng.choice(len(CATEGORIES[col]), n, p=p), categories=list(CATEGORIES[col]))
    period = rng.integers(2015, 2025, n)
    new = period >= 2022
    hasil = cat("rating_hasil_kerja", [0.1, 0.7, 0.2])
    perilaku = cat("rating_perilaku_kerja", [0.05, 0.75, 0.2])
    hasil[~new] = np.nan
    perilaku[~new] = np.nan
    skp = np.round(rng.normal(85, 8, n).clip(0, 120), 2)
    skp[new] = np.nan
    emp = pd.DataFrame({
        "employee_id": pd.Series(rng.integers(0, 2**62, n)).map("{:016x}".format),
        "period": period,
        "unit_id": pd.Categorical.from_codes(rng.integers(0, 30_000, n), categories=[f"U{i}" for i in range(30_000)]),
        "position_type": cat("position_type", [0.01, 0.04, 0.1, 0.45, 0.4]),
        "education_level": cat("education_level", [0.01, 0.12, 0.55, 0.12, 0.18, 0.02]),
        "leadership_training": rng.random(n) < 0.5,
        "functional_training": rng.random(n) < 0.5,
        "technical_training_hours": rng.gamma(2.0, 12.0, n).round(1),
        "seminar": rng.random(n) < 0.6,
        "skp_value": skp,
        "rating_hasil_kerja": hasil,
        "rating_perilaku_kerja": perilaku,
        "discipline_level": cat("discipline_level", [0.93, 0.04, 0.02, 0.01]),
        "days_absent": rng.poisson(1.5, n),
        "jpm": rng.normal(80, 8, n).clip(0, 100).round(1),
    })
    return emp, "synthetic national-shaped frame (simulate('national') not available yet)"


def numpy_floor(emp: pd.DataFrame) -> dict[str, np.ndarray]:
    """The same employee-level numbers in plain NumPy: codes in, arrays out, nothing else."""
    ip = rubrics.load("ip_asn/permenpan-38-2018+perban-bkn-8-2019")
    pos = emp["position_type"].cat.codes.to_numpy()
    edu = emp["education_level"].cat.codes.to_numpy()
    kual = np.array([ip.points("kualifikasi")[c] for c in emp["education_level"].cat.categories] + [np.nan])[edu]
    positions = list(emp["position_type"].cat.categories)
    tables = {"jpt": "kompetensi_structural", "administrator": "kompetensi_structural",
              "pengawas": "kompetensi_structural", "fungsional": "kompetensi_fungsional",
              "pelaksana": "kompetensi_pelaksana"}
    pts = {k: np.array([ip.points(tables[p]).get(k, 0.0) for p in positions] + [np.nan])
           for k in ("leadership_training", "functional_training", "technical_training", "seminar")}
    komp = (pts["leadership_training"][pos] * _f(emp, "leadership_training")
            + pts["functional_training"][pos] * _f(emp, "functional_training")
            + pts["technical_training"][pos] * (_f(emp, "technical_training_hours") >= 20)
            + pts["seminar"][pos] * _f(emp, "seminar"))
    h = emp["rating_hasil_kerja"].cat.codes.to_numpy()
    p = emp["rating_perilaku_kerja"].cat.codes.to_numpy()
    order = list(rubrics.load("skp/permenpan-6-2022").table("predikat")["order"])
    matrix = rubrics.load("skp/permenpan-6-2022").table("predikat")["matrix"]
    pred_code = np.array([order.index(v) for row in matrix for v in row])
    pred = np.where((h >= 0) & (p >= 0), pred_code[h * 3 + p], -1)
    pred_pts = np.array([ip.points("kinerja_predikat")[o] for o in order] + [np.nan])
    kb = ip.band_table("kinerja_skp_value")
    skp = _f(emp, "skp_value")
    band = np.searchsorted(kb.lower[1:], skp, side="right")
    kin = np.where(pred >= 0, pred_pts[pred], np.where(np.isnan(skp), np.nan, np.array(kb.fields["points"])[np.minimum(band, 4)]))
    dis = np.array([ip.points("disiplin")[c] for c in emp["discipline_level"].cat.categories] + [np.nan])[
        emp["discipline_level"].cat.codes.to_numpy()]
    total = kual + komp + kin + dis
    category = np.searchsorted(ip.band_table("category").lower[1:], total, side="right")
    # SKP category with the rubric in force per period (PP 46/2011 until 2020, PP 30/2019 in 2021)
    per = emp["period"].to_numpy()
    skp_cat = np.full(len(emp), -1)
    for rid, sel in (("skp/pp-46-2011", per <= 2020), ("skp/pp-30-2019", per == 2021)):
        skp_cat[sel] = np.searchsorted(rubrics.load(rid).band_table().lower[1:], skp[sel], side="right")
    ladder = np.searchsorted(rubrics.load("disiplin/pp-94-2021").band_table().lower[1:],
                             _f(emp, "days_absent"), side="right")
    jpm_cat = np.searchsorted(rubrics.load("jpm/optimal-3band").band_table().lower[1:],
                              _f(emp, "jpm"), side="right")
    return {"ip_asn": total, "category": category, "predikat": pred, "skp_category": skp_cat,
            "ladder": ladder, "jpm": jpm_cat}


def row_ip_asn(row: pd.Series, ip: rubrics.Rubric, pred_table: dict) -> float:
    """The IP ASN rubric for one row, written the way row-by-row code is."""
    kual = ip.points("kualifikasi")[row["education_level"]]
    pos = row["position_type"]
    table = {"fungsional": "kompetensi_fungsional", "pelaksana": "kompetensi_pelaksana"}.get(pos, "kompetensi_structural")
    pts = ip.points(table)
    komp = (pts.get("leadership_training", 0) * row["leadership_training"]
            + pts.get("functional_training", 0) * row["functional_training"]
            + pts.get("technical_training", 0) * (row["technical_training_hours"] >= 20)
            + pts.get("seminar", 0) * row["seminar"])
    if isinstance(row["rating_hasil_kerja"], str) and isinstance(row["rating_perilaku_kerja"], str):
        kin = ip.points("kinerja_predikat")[pred_table[(row["rating_hasil_kerja"], row["rating_perilaku_kerja"])]]
    else:
        kin = ip.band_table("kinerja_skp_value").classify([row["skp_value"]], field="points")[0]
    dis = ip.points("disiplin")[row["discipline_level"]]
    return kual + komp + kin + dis


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(n: int = 4_300_000, n_questionnaires: int = 600_000, repeat: int = 3) -> None:
    emp, source = national_employees(n)
    print(f"employees: {len(emp):,} rows from {source}")
    t_ours, scored = best_of(lambda: score_employees(emp), repeat)
    t_floor, floor = best_of(lambda: numpy_floor(emp), repeat)
    ours = scored["ip_asn"].to_numpy()
    scored_rows = ~np.isnan(ours)  # the floor has no missing-input rules; compare where both score
    np.testing.assert_allclose(ours[scored_rows], floor["ip_asn"][scored_rows], rtol=0, atol=1e-9)
    ratio = t_ours / t_floor
    print(f"employee scores: {t_ours:.2f} s vs numpy floor {t_floor:.2f} s — ratio {ratio:.2f}× "
          f"(target ≤ 1.5×) {'OK' if ratio <= 1.5 else 'MISSED'}")

    sample = emp.sample(100_000, random_state=0)
    ip = rubrics.load("ip_asn/permenpan-38-2018+perban-bkn-8-2019")
    skp = rubrics.load("skp/permenpan-6-2022").table("predikat")
    pred_table = {(r, c): skp["matrix"][i][j] for i, r in enumerate(skp["rows"]) for j, c in enumerate(skp["columns"])}
    as_obj = sample.astype({c: object for c in sample.columns if isinstance(sample[c].dtype, pd.CategoricalDtype)})
    t0 = time.perf_counter()
    slow = as_obj.apply(row_ip_asn, axis=1, args=(ip, pred_table))
    t_apply = time.perf_counter() - t0
    fast = scored.loc[sample.index, "ip_asn"].to_numpy()
    np.testing.assert_allclose(slow.to_numpy(dtype=float), fast, rtol=0, atol=1e-9)
    per_row_apply = t_apply / len(sample)
    per_row_ours = t_ours / len(emp)
    speedup = per_row_apply / per_row_ours
    print(f"vs DataFrame.apply (100,000-row sample): {per_row_apply * 1e6:.1f} µs/row vs "
          f"{per_row_ours * 1e6:.3f} µs/row — {speedup:,.0f}× faster per row (target ≥ 100×) "
          f"{'OK' if speedup >= 100 else 'MISSED'}")

    rng = np.random.default_rng(1)
    answers = rng.choice([1.0, 2.0, 3.0, 4.0], size=(n_questionnaires, 9), p=[0.05, 0.15, 0.5, 0.3])
    answers[rng.random(answers.shape) < 0.03] = np.nan
    skm = pd.DataFrame(answers, columns=[f"u{i}" for i in range(1, 10)])
    skm.insert(0, "period", rng.integers(2015, 2025, n_questionnaires))
    skm.insert(0, "unit_id", pd.Categorical.from_codes(rng.integers(0, 15_000, n_questionnaires),
                                                       categories=[f"U{i}" for i in range(15_000)]))
    n_answers = int(np.isfinite(answers).sum())
    t_ikm, res = best_of(lambda: ikm(skm), repeat)
    print(f"IKM over {n_answers:,} answers ({n_questionnaires:,} questionnaires, {len(res):,} unit-periods): "
          f"{t_ikm:.2f} s (target ≤ 3 s) — ratio {t_ikm / 3:.2f} of target {'OK' if t_ikm <= 3 else 'MISSED'}")


if __name__ == "__main__":
    args = [int(a.replace("_", "")) for a in sys.argv[1:3]]
    main(*args)
