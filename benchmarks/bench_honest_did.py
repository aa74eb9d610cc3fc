"""Benchmark: honest_did, relative magnitudes (C-LF), 10 values of Mbar, 5 pre- and 5
post-periods, with the breakdown value. Target: <= 2 s.

The event study is synthetic (AR(1)-correlated coefficients, SE 0.01, a post-period effect
of 0.05) -- the cost depends only on the dimensions. Run:
``.venv/bin/python benchmarks/bench_honest_did.py``
"""

from __future__ import annotations

import time

import numpy as np

from kinerja_research.stats.honestdid import honest_did

TARGET_S = 2.0


def main() -> None:
    n_pre, n_post = 5, 5
    n = n_pre + n_post
    idx = np.arange(n)
    sigma = 1e-4 * 0.5 ** np.abs(idx[:, None] - idx[None, :])
    beta = np.concatenate([np.random.default_rng(0).normal(0, 0.005, n_pre),
                           np.full(n_post, 0.05)])
    m = np.linspace(0.2, 2.0, 10)
    t0 = time.perf_counter()
    res = honest_did(beta, sigma, n_pre, n_post, method="relative_magnitude", m=m)
    secs = time.perf_counter() - t0
    print(f"honest_did relative magnitudes (C-LF), {len(m)} values of Mbar, {n_pre} pre / "
          f"{n_post} post, with breakdown value ({res.breakdown:.3g}): {secs:.2f} s "
          f"(target {TARGET_S:.0f} s, ratio {secs / TARGET_S:.2f})")


if __name__ == "__main__":
    main()
