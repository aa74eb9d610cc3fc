"""Benchmark: the national report grid — one regional report for each of the 514 regions of
``simulate("national")``, latest period — rendered by the project's runner, against stock
papermill on a 20-report sample of the same grid.

Targets (runner issue), on a 2-core machine with 2 workers:

- at most 0.5 s per report per worker after warm-up;
- at most 6 minutes in all (worker start-up and data loading included);
- peak memory at most 12 GiB (proportional set size summed over the run's processes, so pages
  shared by forked reports are counted once);
- at least 5x faster per report than stock papermill (``papermill.execute_notebook`` + nbconvert
  HTML in a 2-process pool) on 20 reports of the grid.

The national world (about 4.3 million employees) is built once into ``data/processed/national``.
Run it alone on the machine: ``flock /tmp/kinerja-heavy.lock .venv/bin/python
benchmarks/bench_reports_national.py [--sample 20] [--limit N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "notebooks" / "regional_report.ipynb"
DATA = Path("data/processed/national")
DATASET = "national"
WORKERS = 2
GiB = 1 << 30

_RUNNER_SCRIPT = """
import json, sys, time
from kinerja_research.reports.runner import run_reports
if __name__ == "__main__":
    grid, out, workers = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
    t0 = time.perf_counter()
    s = run_reports(grid, workers=workers, out_dir=out, progress=False, force=True)
    print(json.dumps({"seconds": time.perf_counter() - t0, "ok": len(s.ok), "failed": s.errors}))
"""


def _world() -> tuple[list[str], int]:
    """Region ids and the latest period of the national world (built on first use)."""
    import pandas as pd

    if not (ROOT / DATA / "study.json").exists():
        print(f"building the national world into {DATA} (once) ...", flush=True)
        import kinerja_research as kr
        from kinerja_research.data import save

        t0 = time.perf_counter()
        save(kr.simulate("national", 0), ROOT / DATA)
        print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    regions = pd.read_parquet(ROOT / DATA / "regions.parquet")
    kinds = regions["kind"].astype(str)
    local = sorted(regions.loc[kinds.isin(["kota", "kabupaten"]), "region_id"].astype(str))
    periods = pd.read_parquet(ROOT / DATA / "skm_responses.parquet", columns=["period"])["period"]
    return local, int(periods.max())


def _grid(regions: list[str], period: int) -> dict:
    return {"engine": "fork", "languages": ["id"], "data": str(DATA), "timeout": 600,
            "defaults": {"dataset": DATASET}, "preload_datasets": [DATASET],
            "preload": ["kinerja_research.analysis.regional"],
            "reports": [{"notebook": str(TEMPLATE.relative_to(ROOT)), "name": "regional/{region}_{period}",
                         "for_each": {"region": regions, "period": [period]}}]}


class _Peak(threading.Thread):
    """Samples the summed proportional set size of a process tree until stopped."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self._halt = pid, every, 0, threading.Event()

    def run(self) -> None:
        import psutil

        while not self._halt.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            total = 0
            for p in procs:
                try:
                    total += p.memory_full_info().pss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            self._halt.wait(self.every)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak


def run_runner(grid: dict, out: Path) -> dict:
    """The runner in a fresh interpreter (worker start-up and data loading count), memory sampled."""
    out.parent.mkdir(parents=True, exist_ok=True)
    script, gfile = out.parent / "run.py", out.parent / "grid.json"
    script.write_text(_RUNNER_SCRIPT)
    gfile.write_text(json.dumps(grid))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script), str(gfile), str(out), str(WORKERS)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = _Peak(proc.pid)
    peak.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    mem = peak.stop()
    if proc.returncode != 0:
        raise SystemExit(f"runner exited with {proc.returncode}:\n{stderr[-3000:]}")
    data = json.loads(stdout.strip().splitlines()[-1])
    manifests = [json.loads(p.read_text()) for p in out.rglob("*.manifest.json")]
    starts = sorted(m["started"] for m in manifests if m.get("status") == "ok")
    ends = sorted(m["finished"] for m in manifests if m.get("status") == "ok")
    import datetime as dt

    span = (dt.datetime.fromisoformat(ends[-1]) - dt.datetime.fromisoformat(starts[0])).total_seconds() if starts else 0
    durations = sorted(m["duration_s"] for m in manifests if m.get("status") == "ok")
    return {"wall": wall, "peak": mem, "span": span, "ok": data["ok"], "failed": data["failed"],
            "median_report": durations[len(durations) // 2] if durations else float("nan")}


def _papermill_one(args: tuple[str, str, dict]) -> float:
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    nb_in, out, params = args
    t0 = time.perf_counter()
    nb = pm.execute_notebook(nb_in, out, parameters=params, kernel_name="python3", progress_bar=False,
                             cwd=str(ROOT))
    html, _ = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
                           ).from_notebook_node(nbformat.from_dict(nb))
    Path(out).with_suffix(".html").write_text(html, encoding="utf-8")
    return time.perf_counter() - t0


def run_papermill(regions: list[str], period: int, out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(str(TEMPLATE), str(out / f"{r}_{period}.ipynb"), {"dataset": DATASET, "region": r, "period": period})
            for r in regions]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn")) as pool:
        list(pool.map(_papermill_one, jobs))
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=20, help="reports rendered by stock papermill (default 20)")
    ap.add_argument("--limit", type=int, default=None, help="render only the first N regions (a quick check)")
    args = ap.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT / "src"))
    regions, period = _world()
    if args.limit:
        regions = regions[: args.limit]
    n = len(regions)
    tmp = Path(tempfile.mkdtemp(prefix="bench_national_"))
    try:
        r = run_runner(_grid(regions, period), tmp / "runner" / "reports")
        sample = regions[:: max(1, n // args.sample)][: args.sample]
        t_pm = run_papermill(sample, period, tmp / "pm") if args.sample else float("nan")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    per_worker = r["span"] * WORKERS / max(r["ok"], 1)  # after warm-up: first report start to last end
    pm_per = t_pm * WORKERS / max(len(sample), 1)
    runner_per = r["wall"] * WORKERS / max(r["ok"], 1)  # warm-up included
    ratio = pm_per / runner_per
    print(f"== national grid: {n} regional reports (period {period}), {WORKERS} workers, {os.cpu_count()} CPUs")
    print(f"runner: {r['ok']} ok, {len(r['failed'])} failed, {r['wall']:.1f} s in all "
          f"(target <= 360 s)  {'OK' if r['wall'] <= 360 else 'MISS'}")
    print(f"after warm-up: {per_worker:.3f} s per report per worker (target <= 0.5)  "
          f"{'OK' if per_worker <= 0.5 else 'MISS'}; median report process {r['median_report']:.3f} s")
    print(f"peak memory (PSS, all processes): {r['peak'] / GiB:.2f} GiB (target <= 12)  "
          f"{'OK' if r['peak'] <= 12 * GiB else 'MISS'}")
    print(f"stock papermill, {len(sample)}-report sample: {t_pm:.1f} s = {pm_per:.2f} s per report per worker")
    print(f"speed-up vs stock papermill (per report, runner's warm-up included): {ratio:.1f}x (target >= 5x)  "
          f"{'OK' if ratio >= 5 else 'MISS'}")
    for name, err in list(r["failed"].items())[:5]:
        print(f"  failed: {name}: {err}")
    return 0 if not r["failed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
