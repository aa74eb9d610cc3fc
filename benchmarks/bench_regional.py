"""Own work of one regional report on the jatim world (target: well under 1 s).

Run: .venv/bin/python benchmarks/bench_regional.py   (needs data/synthetic: make data)
"""

from __future__ import annotations

import time

from kinerja_research.analysis import regional
from kinerja_research.analysis.notebook import load_dataset

TARGET_S = 1.0


def main() -> None:
    study, _ = load_dataset("synthetic")
    t = time.perf_counter()
    regional.warm(study, [2024])
    cold = time.perf_counter() - t
    print(f"regional scoring, 2 periods, all regions (once per worker): {cold:.3f} s, target {TARGET_S} s, "
          f"ratio {cold / TARGET_S:.2f}")
    regional.trend_figure(study, "3573", 2024)  # matplotlib warm-up, done by the worker before forking
    times = []
    for region in ("3573", "3507", "3578"):
        t = time.perf_counter()
        regional.summary_text(study, region, 2024)
        regional.scorecard(study, region, 2024)
        regional.trends(study, region, 2024)
        regional.unit_ranking(study, region, 2024)
        regional.flags(study, region, 2024)
        regional.trend_figure(study, region, 2024)
        times.append(time.perf_counter() - t)
    best = min(times)
    print(f"regional report own work (warm cache), best of 3: {best:.3f} s, target {TARGET_S} s, "
          f"ratio {best / TARGET_S:.2f}")


if __name__ == "__main__":
    main()
