"""Benchmark: staggered_did + aggregate("dynamic") on 200,000 units x 10 periods, 999 draws.

Targets: <= 5 s and <= 1 GiB peak resident memory. Peer: csdid 0.4.3 (the maintained Python
port of R did), run in the same run on two smaller panels (5,000 and 20,000 units by default)
and extrapolated along the line through them (its cost per cell is linear in n), each run
capped at 300 s.

Run: ``.venv/bin/python benchmarks/bench_did.py [n_units] [peer_units]``
Each measurement runs in a fresh subprocess so that peak memory is its own; peak RSS is sampled
every 10 ms by a psutil thread. Printed: one line per figure (value, target, ratio).
"""

from __future__ import annotations

import sys
import textwrap

from _harness import run_json

N_UNITS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
PEER_UNITS = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000
N_PERIODS = 10
N_BOOT = 999
TARGET_S = 5.0
TARGET_GIB = 1.0
PEER_CAP_S = 300

_MAKE = textwrap.dedent("""
    import numpy as np, pandas as pd
    def make_panel(n, T, seed=0):
        rng = np.random.default_rng(seed)
        # 40% never treated, the rest first treated in periods 3..T (staggered adoption)
        cohort = np.where(rng.random(n) < 0.4, 0, rng.integers(3, T + 1, n))
        unit = np.repeat(np.arange(n), T)
        period = np.tile(np.arange(1, T + 1), n)
        g = np.repeat(cohort, T)
        alpha = np.repeat(rng.normal(0, 1, n), T)
        effect = np.where((g > 0) & (period >= g), 0.1 * (period - g + 1), 0.0)
        y = alpha + 0.05 * period + effect + rng.normal(0, 0.5, n * T)
        return pd.DataFrame({"unit": unit, "period": period, "y": y, "cohort": g})
""")

_SAMPLER = textwrap.dedent("""
    import os, threading, time, psutil
    _proc = psutil.Process(os.getpid()); _peak = [0]; _stop = [False]
    def _sample():
        while not _stop[0]:
            _peak[0] = max(_peak[0], _proc.memory_info().rss); time.sleep(0.01)
    _t = threading.Thread(target=_sample, daemon=True)
""")

OURS = _MAKE + _SAMPLER + textwrap.dedent("""
    import json, sys
    from kinerja_research.stats.did import staggered_did
    df = make_panel(__N__, __T__)
    base = _proc.memory_info().rss
    _t.start()
    t0 = time.perf_counter()
    res = staggered_did(df, "y", "unit", "period", "cohort", n_boot=__B__, random_state=1)
    es = res.aggregate("dynamic")
    secs = time.perf_counter() - t0
    _stop[0] = True; _t.join()
    print(json.dumps({"secs": secs, "peak": _peak[0], "base": base,
                      "cells": len(res.att_gt), "att": float(es.overall["estimate"])}))
""")

PEER = _MAKE + _SAMPLER + textwrap.dedent("""
    import contextlib, io, json, warnings
    warnings.simplefilter("ignore")
    from csdid.att_gt import ATTgt
    df = make_panel(__N__, __T__)
    base = _proc.memory_info().rss
    _t.start()
    np.random.seed(1)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        m = ATTgt(yname="y", tname="period", idname="unit", gname="cohort", data=df,
                  biters=__B__).fit(est_method="dr", bstrap=True)
        m.aggte(typec="dynamic", bstrap=True)
    secs = time.perf_counter() - t0
    _stop[0] = True; _t.join()
    print(json.dumps({"secs": secs, "peak": _peak[0], "base": base}))
""")


def _fill(code: str, n: int) -> str:
    return code.replace("__N__", str(n)).replace("__T__", str(N_PERIODS)).replace(
        "__B__", str(N_BOOT))


def main() -> None:
    gib = 2**30
    ours = run_json(_fill(OURS, N_UNITS), timeout=600)
    assert ours is not None
    print(f"staggered_did+aggregate(dynamic), {N_UNITS:,} units x {N_PERIODS} periods, "
          f"{ours['cells']} ATT(g,t), {N_BOOT} draws: {ours['secs']:.2f} s "
          f"(target {TARGET_S:.0f} s, ratio {ours['secs'] / TARGET_S:.2f})")
    print(f"peak RSS: {ours['peak'] / gib:.2f} GiB (target {TARGET_GIB:.0f} GiB, ratio "
          f"{ours['peak'] / gib / TARGET_GIB:.2f}); of which before the call (data + imports): "
          f"{ours['base'] / gib:.2f} GiB")
    # csdid at two sizes; extrapolate along the line through them (time = a + b n), so that
    # its fixed per-cell overhead is not multiplied up
    sizes, peers = (PEER_UNITS, 4 * PEER_UNITS), []
    for size in sizes:
        peer = run_json(_fill(PEER, size), timeout=PEER_CAP_S)
        if peer is None:
            print(f"csdid 0.4.3 on {size:,} units: did not finish within {PEER_CAP_S} s")
            return
        peers.append(peer)
        print(f"csdid 0.4.3 (dr, bootstrap {N_BOOT}) on {size:,} units: {peer['secs']:.2f} s, "
              f"peak RSS {peer['peak'] / gib:.2f} GiB")
    (n0, n1), (p0, p1) = sizes, peers

    def line(a: float, b: float) -> float:
        return a + (b - a) * (N_UNITS - n0) / (n1 - n0)

    est_s = line(p0["secs"], p1["secs"])
    est_mem = line(p0["peak"], p1["peak"])
    print(f"csdid extrapolated linearly to {N_UNITS:,} units: {est_s:.0f} s, "
          f"~{est_mem / gib:.1f} GiB peak; ratio csdid/ours: {est_s / ours['secs']:.0f}x time, "
          f"{est_mem / ours['peak']:.0f}x memory")


if __name__ == "__main__":
    main()
