"""Benchmark: validated reading of a 1-million-row employees CSV (target ≥ 500,000 rows/s).

Run: ``.venv/bin/python benchmarks/bench_read.py [n_rows]``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kinerja_research.data import read


def make_csv(path: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    year = rng.integers(1960, 2000, n)
    birth = pd.to_datetime(pd.DataFrame({"year": year, "month": rng.integers(1, 13, n), "day": rng.integers(1, 29, n)}))
    appt_y = year + rng.integers(19, 35, n)
    nip = (birth.dt.strftime("%Y%m%d") + pd.Series(appt_y).astype(str)
           + pd.Series(rng.integers(1, 13, n)).map("{:02d}".format)
           + pd.Series(rng.integers(1, 3, n)).astype(str)
           + pd.Series(np.arange(n) % 1000).map("{:03d}".format))
    df = pd.DataFrame({
        "NIP": nip, "Periode": 2024, "Unit Kerja": "U" + pd.Series(rng.integers(0, 30_000, n)).astype(str),
        "Jenis Jabatan": rng.choice(["pelaksana", "fungsional", "pengawas", "administrator", "jpt"], n),
        "Pendidikan Terakhir": rng.choice(["S1", "SLTA", "D-III", "S2", "S3", "SLTP"], n),
        "leadership_training": rng.choice(["ya", "tidak"], n),
        "technical_training_hours": rng.integers(0, 60, n),
        "seminar": rng.choice(["ya", "tidak"], n),
        "Nilai SKP": np.round(rng.uniform(60, 100, n), 2),
        "days_absent": rng.poisson(1, n),
        "jpm": np.round(rng.uniform(50, 100, n), 1),
    })
    df.loc[rng.choice(n, n // 200, replace=False), "Nilai SKP"] = 150  # 0.5% bad rows
    df.to_csv(path, index=False)


def main(n: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "employees.csv"
        make_csv(path, n)
        read(path, "employees")  # warm imports and caches
        t0 = time.perf_counter()
        res = read(path, "employees")
        dt = time.perf_counter() - t0
    rate = n / dt
    print(f"read+validate {n:,}-row employees CSV: {dt:.2f} s, {rate:,.0f} rows/s "
          f"(target >= 500,000 rows/s, ratio {rate / 500_000:.2f}x); "
          f"{len(res.valid):,} valid, {res.n_rejected_rows:,} rejected")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
