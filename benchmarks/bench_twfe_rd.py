"""Benchmark: TWFE, Sun–Abraham event study, TWFE weights and RD on unit-period panels.

Scale: 50,000 units x 10 periods = 500,000 rows (every OPD/unit-layanan of a national study
for a decade, or employee-level panels of a large province); RD on 200,000 units.
Targets (2 cores): TWFE <= 5 s, Sun–Abraham <= 10 s, TWFE weights <= 5 s, RD <= 10 s.

Run: ``.venv/bin/python benchmarks/bench_twfe_rd.py [n_units]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from kinerja_research.stats.rd import rd
from kinerja_research.stats.twfe import event_study, twfe, twfe_weights


def make_panel(n_units: int, periods: int = 10, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice([0, 2017, 2019, 2021, 2023], n_units)
    df = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), periods),
            "year": np.tile(np.arange(2015, 2015 + periods), n_units),
            "g": np.repeat(g, periods),
            "region": np.repeat(rng.integers(0, 514, n_units), periods),
        }
    )
    on = (df["g"] > 0) & (df["year"] >= df["g"])
    df["d"] = on.astype(int)
    df["y"] = (
        np.repeat(rng.normal(size=n_units), periods)
        + 0.05 * (df["year"] - 2015)
        + np.where(on, 0.1 + 0.02 * (df["year"] - df["g"]), 0.0)
        + rng.normal(0, 0.5, len(df))
    )
    return df


def _time(label: str, target: float, fn) -> None:
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    print(f"{label}: {dt:.2f} s (target <= {target:g} s, ratio {dt / target:.2f})")


def main(n_units: int = 50_000) -> None:
    df = make_panel(n_units)
    small = make_panel(200)
    twfe(small, "y", "unit", "year", "d", cluster="region")  # warm imports / numba
    n = len(df)
    _time(f"twfe CRV1 by region, {n:,} rows", 5,
          lambda: twfe(df, "y", "unit", "year", "d", cluster="region"))
    _time(f"event_study sun_abraham, {n:,} rows", 10,
          lambda: event_study(df, "y", "unit", "year", "g", method="sun_abraham", cluster="region"))
    _time(f"twfe_weights, {n:,} rows", 5, lambda: twfe_weights(df, "unit", "year", cohort="g"))

    rng = np.random.default_rng(1)
    m = 200_000
    x = rng.uniform(50, 150, m)  # achievement %, punished below 100
    rdd = pd.DataFrame({"x": x, "y": 0.3 * x + 5 * (x >= 100) + rng.normal(0, 5, m)})
    rd(rdd.iloc[:2000], "y", "x", 100.0)  # warm
    _time(f"rd (rdrobust, mserd), {m:,} units", 10, lambda: rd(rdd, "y", "x", 100.0))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
