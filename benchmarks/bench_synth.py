"""Benchmark: synthetic control, Basque case and a Jawa Timur–sized panel, placebos included.

Figures (one line each: value, target, ratio):
1. Basque (17 donors, 14 predictors): fit + 17 placebo refits with V re-optimised.
   Target 5 s. Peer: pysyncon 1.7.0 took 115.9 s for the same case (fit + PlaceboTest over
   all cores), as recorded in validation case ``synth_basque`` (docs/guide/methods.md).
2. Inner problem: one donor-weight solve, our NNLS + KKT solver vs scipy SLSQP (pysyncon's
   solver), on the Basque predictors with equal V; also the max weight difference.
3. Jawa Timur size (38 regions × 10 years, 4 predictors): fit + 37 placebos. Target 10 s.

Run: ``.venv/bin/python benchmarks/bench_synth.py``
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from kinerja_research.stats.synth import _donor_weights, _scale, synthetic_control

ROOT = Path(__file__).resolve().parents[1]
PYSYNCON_BASQUE_S = 115.9


def basque() -> tuple[pd.DataFrame, list]:
    d = pd.read_csv(ROOT / "tests" / "data" / "basque.csv")
    d["year"] = d["year"].astype(int)
    odd = list(range(1961, 1970, 2))
    sectors = ["sec.agriculture", "sec.energy", "sec.industry", "sec.construction",
               "sec.services.venta", "sec.services.nonventa"]
    preds = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high",
             "invest", ("gdpcap", range(1960, 1970)), *[(s, odd) for s in sectors],
             ("popdens", [1969])]
    return d, preds


def slsqp(v: np.ndarray, x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """pysyncon's inner solver: the same QP with SLSQP from equal weights."""
    k = x0.shape[1]
    p = x0.T @ np.diag(v) @ x0
    q = -(x1 @ np.diag(v) @ x0)
    res = optimize.minimize(
        lambda w: q @ w + 0.5 * w @ p @ w, np.full(k, 1 / k), method="SLSQP",
        bounds=optimize.Bounds(np.zeros(k), np.ones(k)),
        constraints=optimize.LinearConstraint(np.ones(k), 1, 1), options={"maxiter": 1000},
    )
    return res.x


def main() -> None:
    d, preds = basque()
    t = time.perf_counter()
    res = synthetic_control(
        d, "gdpcap", "regionname", "year", "Basque Country (Pais Vasco)", 1975,
        predictors=preds, predictor_window=range(1964, 1970), optimize_window=range(1960, 1970),
        placebo=True,
    )
    s = time.perf_counter() - t
    print(f"synth basque fit + 17 placebos: {s:.2f} s (target 5.0 s, ratio {s / 5.0:.2f}; "
          f"reference run with pysyncon {PYSYNCON_BASQUE_S} s, ratio {PYSYNCON_BASQUE_S / s:.0f}x); "
          f"p = {res.placebo()['p_value']:.4f}")

    # Multi-start (equal, regression-based, 3 random starts; the default) for fit and placebos.
    t = time.perf_counter()
    multi = synthetic_control(
        d, "gdpcap", "regionname", "year", "Basque Country (Pais Vasco)", 1975,
        predictors=preds, predictor_window=range(1964, 1970), optimize_window=range(1960, 1970),
        placebo=True,
    )
    s_multi = time.perf_counter() - t
    print(f"synth basque multi-start ({len(multi.provenance['starts'])} starts) fit + 17 placebos: "
          f"{s_multi:.2f} s ({s_multi / s:.1f}x the single start); best start "
          f"{multi.provenance['best_start']}, pre-period loss {multi.loss_v:.6g} vs "
          f"{res.loss_v:.6g} from equal V; p = {multi.placebo()['p_value']:.4f}")

    # Inner solve on the scaled Basque predictors with equal V.
    b = res.predictor_balance
    units = ["Basque Country (Pais Vasco)", *res.weights.index]
    xcols = []
    for _label, col, periods, op in res.provenance["predictors"]:
        sub = d[d["year"].isin(periods)].groupby("regionname")[col].agg(op)
        xcols.append(sub.reindex(units).to_numpy())
    xs = _scale(np.vstack(xcols))
    x0, x1 = xs[:, 1:], xs[:, 0]
    v = np.full(len(b), 1 / len(b))
    reps = 200
    t = time.perf_counter()
    for _ in range(reps):
        w_ours = _donor_weights(v, x0, x1)
    ours = (time.perf_counter() - t) / reps
    t = time.perf_counter()
    for _ in range(reps // 10):
        w_slsqp = slsqp(v, x0, x1)
    peer = (time.perf_counter() - t) / (reps // 10)
    obj = lambda w: (x1 - x0 @ w) @ (v * (x1 - x0 @ w))  # noqa: E731
    print(f"inner donor-weight solve: {ours * 1e3:.3f} ms (scipy SLSQP as in pysyncon {peer * 1e3:.3f} ms, "
          f"ratio {ours / peer:.3f}); max |W - W_slsqp| {np.abs(w_ours - w_slsqp).max():.2e}, "
          f"objective ours/slsqp {obj(w_ours) / obj(w_slsqp):.8f}")

    # Jawa Timur size: 38 regions, 2015-2024, treatment 2019 (as the synthetic world's Malang).
    rng = np.random.default_rng(0)
    regions = [f"35{i:02d}" for i in range(1, 30)] + [f"35{i}" for i in range(71, 80)]
    years = np.arange(2015, 2025)
    level = rng.normal(75, 5, len(regions))
    trend = rng.normal(0.8, 0.3, len(regions))
    panel = pd.DataFrame(
        [(r, y, level[i] + trend[i] * (y - 2015) + rng.normal(0, 0.5),
          rng.normal(250, 40), rng.normal(60, 8), rng.normal(0.5, 0.1))
         for i, r in enumerate(regions) for y in years],
        columns=["region_id", "year", "ikm", "merit_score", "sakip_score", "share_s1"],
    )
    t = time.perf_counter()
    synthetic_control(
        panel, "ikm", "region_id", "year", "3573", 2019,
        predictors=["merit_score", "sakip_score", "share_s1", ("ikm", [2015, 2016, 2017, 2018])],
        placebo=True,
    )
    s = time.perf_counter() - t
    print(f"synth jatim size (38 regions x 10 years) fit + 37 placebos: {s:.2f} s "
          f"(target 10.0 s, ratio {s / 10.0:.2f})")


if __name__ == "__main__":
    main()
