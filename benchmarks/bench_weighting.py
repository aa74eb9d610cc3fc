"""Benchmark: propensity weighting / AIPW at analysis scale.

Figures (one line each: value, target, ratio):
1. AIPW ATT with influence-function SE on 1,000,000 employee rows × 10 covariates
   (a national-size employee table); target 10 s.
2. Hájek IPW ATT with 999 bootstrap draws (both models refitted) on NSW treated + CPS
   (16,177 rows, 8 covariates); target 60 s. The reference script's whole LaLonde case,
   six samples × three estimators × 999 draws, took 207 s (ipw_lalonde.json).

Run: ``.venv/bin/python benchmarks/bench_weighting.py``
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from kinerja_research.stats.weighting import weighting

ROOT = Path(__file__).resolve().parents[1]
SIMPLE = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75"]


def main() -> None:
    rng = np.random.default_rng(0)
    n, p = 1_000_000, 10
    x = rng.normal(size=(n, p))
    d = rng.binomial(1, 1 / (1 + np.exp(-(x[:, 0] - 0.5 * x[:, 1] - 1.0))))
    y = x @ np.linspace(1, 0.1, p) + 2.0 * d + rng.normal(size=n)
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(p)]).assign(y=y, d=d)
    t = time.perf_counter()
    res = weighting(df, "y", "d", [f"x{i}" for i in range(p)], estimand="att", method="aipw")
    s = time.perf_counter() - t
    print(f"aipw att + IF SE, 1,000,000 rows x 10 covariates: {s:.2f} s (target 10.0 s, "
          f"ratio {s / 10.0:.2f}); estimate {res.coef.iloc[0]:.4f} (truth 2)")

    nsw = pd.read_csv(ROOT / "tests" / "data" / "nsw_mixtape.csv")
    cps = pd.read_csv(ROOT / "tests" / "data" / "cps_mixtape.csv")
    data = pd.concat([nsw[nsw["treat"] == 1], cps], ignore_index=True)
    t = time.perf_counter()
    weighting(data, "re78", "treat", SIMPLE, estimand="att", method="ipw", n_boot=999,
              random_state=12345)
    s = time.perf_counter() - t
    print(f"ipw att + 999 bootstrap draws, 16,177 rows: {s:.2f} s (target 60.0 s, "
          f"ratio {s / 60.0:.2f}; {s / 999 * 1e3:.1f} ms per draw)")


if __name__ == "__main__":
    main()
