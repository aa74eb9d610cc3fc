"""Benchmark: ``diagnose`` of 500 tiny-world simulations with ``staggered_did``.

Target (issue): at most 120 s on the CI machine (2 cores, ``n_jobs=2``). Run with
``.venv/bin/python benchmarks/bench_diagnose.py``; prints one line per figure.
"""

from __future__ import annotations

import os
import time

from kinerja_research.analysis.designs import synthetic_designs
from kinerja_research.stats.diagnose import diagnose

SIMS = 500
TARGET_S = 120.0


def main() -> None:
    n_jobs = min(2, os.cpu_count() or 1)
    design = synthetic_designs("tiny")["merit_did"]
    start = time.perf_counter()
    res = diagnose(design, sims=SIMS, seed=0, n_jobs=n_jobs, progress=False)
    elapsed = time.perf_counter() - start
    coef = res.coef
    print(
        f"diagnose tiny world x staggered_did, {SIMS} sims, n_jobs={n_jobs}: "
        f"{elapsed:.1f} s (target <= {TARGET_S:.0f} s, ratio {elapsed / TARGET_S:.2f}); "
        f"coverage {coef['coverage']:.3f}, bias {coef['bias']:.4g}, mean SE {coef['mean_se']:.4g}"
    )


if __name__ == "__main__":
    main()
