"""Where reports run: a local process pool, or a Dask cluster.

The local pool starts its workers from a fork server (the fork engine: each worker imports and
warms everything once, then forks a clean child per report) or with ``spawn`` (stock papermill:
no fork anywhere, for macOS and Windows). A worker that dies costs the report it was running one
attempt; the reports still queued go to a fresh pool. On Dask, whose workers run tasks in
threads, the fork engine runs each report in a fresh subprocess instead of forking.

>>> run_pool(todo, 2, "fork", 1, grid, out, record)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from kinerja_research.reports.grid import Grid, ReportSpec
from kinerja_research.reports.interrupts import stop_children
from kinerja_research.reports.job import ExecutionOutcome, ReportJob, failed_outcome
from kinerja_research.reports.manifest import manifest_path, read_manifest, write_manifest
from kinerja_research.reports.warmup import DEFAULT_PRELOAD

Todo = list[tuple[ReportSpec, ReportJob, dict[str, Any]]]

# --------------------------------------------------------------------------------------------
# Worker-side functions (module level so they pickle for process pools and Dask).
# --------------------------------------------------------------------------------------------


def _init_worker(preload: tuple[str, ...], datasets: tuple[str, ...], engine: str) -> None:
    # Ctrl-C reaches the whole process group; stopping the workers is the runner's job, so a
    # report never sees a KeyboardInterrupt that it would render as its result.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from kinerja_research.reports.warmup import prepare_worker

    prepare_worker((*DEFAULT_PRELOAD, *preload), datasets=datasets, engine=engine)


def _work(job: ReportJob, engine: str, retries: int, preload: tuple[str, ...] = (),
          datasets: tuple[str, ...] = (), running: dict[str, Any] | None = None,
          isolate: str = "fork") -> dict[str, Any]:
    """Run one report in a worker: mark it running, execute, return the outcome as a dict."""
    from kinerja_research.reports.supervise import execute_report
    from kinerja_research.reports.warmup import prepare_worker

    if isolate == "fork":
        prepare_worker((*DEFAULT_PRELOAD, *preload), datasets=datasets, engine=engine)  # no-op once warm
    if running is not None:
        # "running" with this worker's pid tells the parent, if the worker dies, that this
        # report was in flight (and so spends one of its attempts).
        write_manifest(running["path"], {**running["manifest"], "status": "running", "worker_pid": os.getpid(),
                                         "started": dt.datetime.now(dt.UTC).isoformat()})
    return execute_report(job, engine=engine, retries=retries, isolate=isolate).to_dict()



def run_pool(todo: Todo, n: int, engine: str, retries: int,
             g: Grid, out: Any, record: Callable[..., None]) -> None:
    """Run ``todo`` in ``n`` local worker processes; ``record`` each outcome as it comes."""
    ctx: Any
    if engine == "fork":
        # forkserver: workers start from a clean server process, whatever threads this process
        # runs; the server imports and warms everything once, so each worker starts warm.
        ctx = mp.get_context("forkserver")
        with contextlib.suppress(ValueError, RuntimeError):
            ctx.set_forkserver_preload(["kinerja_research.reports._warm", *g.preload])
    else:
        # No fork anywhere: the portable path (macOS, Windows); each report runs in its kernel.
        ctx = mp.get_context("spawn")
    attempts: dict[str, int] = {}
    pending = list(todo)
    while pending:
        with ProcessPoolExecutor(max_workers=min(n, len(pending)), mp_context=ctx, initializer=_init_worker,
                                 initargs=(g.preload, g.preload_datasets, engine)) as pool:
            futs = {}
            for item in pending:
                spec, job, manifest = item
                running = {"path": str(manifest_path(out, spec.name)), "manifest": manifest}
                futs[pool.submit(_work, job, engine, retries, g.preload, g.preload_datasets, running)] = item
            pending = []
            broken: list[tuple[ReportSpec, ReportJob, dict[str, Any]]] = []
            remaining = set(futs)
            try:
                while remaining:
                    done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                    for fut in done:
                        spec, job, manifest = futs[fut]
                        try:
                            outcome = ExecutionOutcome(**fut.result())
                        except BrokenProcessPool:
                            # A worker process died. Reports it had started spend an attempt; the
                            # ones still queued are resubmitted to a fresh pool as they were.
                            broken.append(futs[fut])
                            continue
                        except Exception as exc:  # noqa: BLE001 - reported in this report's manifest
                            outcome = failed_outcome(job, kind="runner", cls=type(exc).__name__, message=str(exc),
                                                     engine=engine)
                        if attempts.get(spec.name):
                            outcome.attempts += attempts[spec.name]
                        record(spec, job, manifest, outcome)
            except KeyboardInterrupt:
                stop_children()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        if not broken:
            continue
        states = {spec.name: (read_manifest(manifest_path(out, spec.name)) or {}).get("status")
                  for spec, _, _ in broken}
        # A worker process died. Reports it had started ("running") spend an attempt; the ones
        # still queued go to a fresh pool as they were — unless none had started, i.e. workers
        # die on start-up, when every report spends one (so the loop always ends).
        in_flight = {n for n, st in states.items() if st == "running"} or set(states)
        for spec, job, manifest in broken:
            if spec.name in in_flight:
                attempts[spec.name] = attempts.get(spec.name, 0) + 1
            if attempts.get(spec.name, 0) > retries:
                record(spec, job, manifest, failed_outcome(
                    job, kind="crash", cls="WorkerCrash", engine=engine, attempts=attempts[spec.name],
                    message=f"the worker process running this report died ({attempts[spec.name]} attempts)"))
            else:
                write_manifest(manifest_path(out, spec.name), {**manifest, "status": "queued"})
                pending.append((spec, job, manifest))


def run_dask(todo: Todo, scheduler: Any, engine: str,
             retries: int, g: Grid, record: Callable[..., None]) -> None:
    """Run ``todo`` on a Dask cluster (an address or a ``distributed.Client``)."""
    # Dask workers run tasks in threads: forking there would copy a process mid-way through other
    # threads' work. The shell engine therefore runs each report in a fresh subprocess; the
    # papermill engine's kernel is already a process of its own.
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    isolate = "subprocess" if engine == "fork" else "fork"
    try:
        futs = {}
        for item in todo:
            _, job, _ = item
            fut = client.submit(_work, job, engine, retries, g.preload, g.preload_datasets, None, isolate,
                                pure=False, key=f"kinerja-report-{job.name}-{time.time_ns()}")
            futs[fut] = item
        for fut in as_completed(list(futs)):
            spec, job, manifest = futs[fut]
            try:
                outcome = ExecutionOutcome(**fut.result())
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after Dask's own retries
                outcome = failed_outcome(job, kind="crash", cls=type(exc).__name__, message=str(exc), engine=engine)
            record(spec, job, manifest, outcome)
    finally:
        if own:
            client.close()
