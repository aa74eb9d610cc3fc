"""Benchmark: wall time and peak memory of ``simulate`` for the three presets.

Each preset runs in a fresh subprocess, so the peak resident set size (``ru_maxrss``) is that
build's alone (it includes the interpreter and imports, about 0.2 GiB). Wall time is the
``simulate`` call only (imports excluded); for ``tiny`` the median of 7 builds.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--skip-national]``
"""

from __future__ import annotations

import json
import subprocess
import sys

TARGETS = {  # preset: (seconds, GiB)
    "tiny": (0.3, 1.0),
    "jatim": (10.0, 2.0),
    "national": (60.0, 6.0),
}

CHILD = r"""
import json, resource, statistics, sys, time
from kinerja_research.data.simulate import simulate
preset = sys.argv[1]
reps = 7 if preset == "tiny" else 1
times = []
for i in range(reps):
    t0 = time.perf_counter()
    study = simulate(preset, seed=0)
    times.append(time.perf_counter() - t0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
print(json.dumps({"seconds": statistics.median(times), "peak": peak,
                  "employees": len(study.employees), "responses": len(study.skm_responses)}))
"""


def run(preset: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, preset], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    presets = [p for p in TARGETS if not (p == "national" and "--skip-national" in argv)]
    for preset in presets:
        r = run(preset)
        t_target, m_target = TARGETS[preset]
        gib = r["peak"] / 2**30
        print(
            f"simulate({preset}): {r['seconds']:.2f} s (target <= {t_target:g} s, "
            f"ratio {r['seconds'] / t_target:.2f}), peak {gib:.2f} GiB (target <= {m_target:g} GiB, "
            f"ratio {gib / m_target:.2f}); {r['employees']:,} employee rows, "
            f"{r['responses']:,} SKM responses"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
