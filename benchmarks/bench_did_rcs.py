"""Benchmark: staggered_did(panel=False) + aggregate("dynamic") on 1,000,000 responses x 10
periods (repeated cross-sections), 999 multiplier-bootstrap draws.

Targets: <= 10 s and <= 2 GiB peak resident memory. Peer: csdid 0.4.3 with ``panel=False``
(it supports repeated cross-sections) when the ``bench`` extra is installed, run on two
smaller samples (20,000 and 80,000 responses by default) and extrapolated along the line
through them, each run capped at 300 s.

Run: ``.venv/bin/python benchmarks/bench_did_rcs.py [n_rows] [peer_rows]``
Each measurement runs in a fresh subprocess so that peak memory is its own; peak RSS is sampled
every 10 ms by a psutil thread.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap

from _harness import run_json

N_ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
PEER_ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
N_PERIODS = 10
N_BOOT = 999
TARGET_S = 10.0
TARGET_GIB = 2.0
PEER_CAP_S = 300

_MAKE = textwrap.dedent("""
    import numpy as np, pandas as pd
    def make_rcs(n, T, seed=0):
        rng = np.random.default_rng(seed)
        # each row a response in one period; 40% of responses about never-treated units,
        # the rest about units first treated in periods 3..T
        period = rng.integers(1, T + 1, n)
        cohort = np.where(rng.random(n) < 0.4, 0, rng.integers(3, T + 1, n))
        effect = np.where((cohort > 0) & (period >= cohort), 0.1 * (period - cohort + 1), 0.0)
        y = 0.05 * period + 0.2 * (cohort > 0) + effect + rng.normal(0, 1, n)
        return pd.DataFrame({"row": np.arange(n), "period": period, "y": y, "cohort": cohort})
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
    import json
    from kinerja_research.stats.did import staggered_did
    df = make_rcs(__N__, __T__)
    base = _proc.memory_info().rss
    _t.start()
    t0 = time.perf_counter()
    res = staggered_did(df, "y", time="period", cohort="cohort", panel=False, n_boot=__B__,
                        random_state=1)
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
    df = make_rcs(__N__, __T__)
    base = _proc.memory_info().rss
    _t.start()
    np.random.seed(1)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        m = ATTgt(yname="y", tname="period", idname="row", gname="cohort", data=df,
                  panel=False, biters=__B__).fit(est_method="dr", bstrap=True)
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
    ours = run_json(_fill(OURS, N_ROWS), timeout=600)
    assert ours is not None
    print(f"staggered_did(panel=False)+aggregate(dynamic), {N_ROWS:,} responses x {N_PERIODS} "
          f"periods, {ours['cells']} ATT(g,t), {N_BOOT} draws: {ours['secs']:.2f} s "
          f"(target {TARGET_S:.0f} s, ratio {ours['secs'] / TARGET_S:.2f})")
    print(f"peak RSS: {ours['peak'] / gib:.2f} GiB (target {TARGET_GIB:.0f} GiB, ratio "
          f"{ours['peak'] / gib / TARGET_GIB:.2f}); of which before the call (data + imports): "
          f"{ours['base'] / gib:.2f} GiB")
    if importlib.util.find_spec("csdid") is None:
        print("csdid not installed (pip install -e '.[bench]'): no peer ratio")
        return
    sizes, peers = (PEER_ROWS, 4 * PEER_ROWS), []
    for size in sizes:
        peer = run_json(_fill(PEER, size), timeout=PEER_CAP_S)
        if peer is None:
            print(f"csdid (panel=False) on {size:,} responses: did not finish within "
                  f"{PEER_CAP_S} s")
            return
        peers.append(peer)
        print(f"csdid (panel=False, dr, bootstrap {N_BOOT}) on {size:,} responses: "
              f"{peer['secs']:.2f} s, peak RSS {peer['peak'] / gib:.2f} GiB")
    (n0, n1), (p0, p1) = sizes, peers

    def line(a: float, b: float) -> float:
        return a + (b - a) * (N_ROWS - n0) / (n1 - n0)

    est_s = line(p0["secs"], p1["secs"])
    est_mem = line(p0["peak"], p1["peak"])
    print(f"csdid extrapolated linearly to {N_ROWS:,} responses: {est_s:.0f} s, "
          f"~{est_mem / gib:.1f} GiB peak; ratio csdid/ours: {est_s / ours['secs']:.0f}x time, "
          f"{est_mem / ours['peak']:.0f}x memory")


if __name__ == "__main__":
    main()
