"""The batch report runner behind ``kinerja reports`` and ``make reports``.

For every report of the grid it computes a key over the notebook, the merged parameters, the
data fingerprint and the package versions; reports whose key matches an ``ok`` manifest with its
outputs on disk are skipped. The others run in parallel worker processes that import the heavy
libraries once (:func:`kinerja_research.reports.engine.prepare_worker`) and fork a clean child per
report, or on a Dask cluster when a scheduler address is given. A failing report never stops the
others; each gets a manifest, ``reports/index.html`` lists them all, and the exit code is 1 when
any failed.

>>> summary = run_reports("config/reports.yml", workers=2)  # doctest: +SKIP
>>> summary.exit_code, len(summary.ok)                     # doctest: +SKIP
(0, 39)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kinerja_research.reports.engine import DEFAULT_PRELOAD, ENGINES, ExecutionOutcome, ReportJob
from kinerja_research.reports.grid import Grid, ReportSpec, data_fingerprint, load_grid
from kinerja_research.reports.manifest import (
    git_commit,
    is_current,
    manifest_path,
    read_manifest,
    report_key,
    write_manifest,
)


@dataclass(frozen=True)
class RunSummary:
    """What a run did: report names by outcome, the index page and the exit code.

    Attributes
    ----------
    ok, failed, skipped
        Report names (``skipped``: unchanged since an ``ok`` run, not executed).
    errors
        For each failed report, a one-line reason.
    index
        Path of ``index.html``.
    duration_s
        Wall-clock seconds of the whole run.
    """

    ok: tuple[str, ...]
    failed: tuple[str, ...]
    skipped: tuple[str, ...]
    errors: dict[str, str] = field(default_factory=dict)
    index: Path | None = None
    duration_s: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when no report failed, else 1 (the CLI's exit status)."""
        return 1 if self.failed else 0

    @property
    def executed(self) -> tuple[str, ...]:
        """Reports that ran in this run (ok or failed)."""
        return self.ok + self.failed

    def __str__(self) -> str:
        return (f"{len(self.ok)} ok, {len(self.failed)} failed, {len(self.skipped)} unchanged "
                f"in {self.duration_s:.1f} s; index: {self.index}")


# --------------------------------------------------------------------------------------------
# Worker-side functions (module level so they pickle for process pools and Dask).
# --------------------------------------------------------------------------------------------


def _init_worker(preload: tuple[str, ...], datasets: tuple[str, ...], engine: str) -> None:
    from kinerja_research.reports.engine import prepare_worker

    prepare_worker((*DEFAULT_PRELOAD, *preload), datasets=datasets, engine=engine)


def _work(job: ReportJob, engine: str, retries: int, preload: tuple[str, ...] = (),
          datasets: tuple[str, ...] = (), running: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one report in a worker: mark it running, execute, return the outcome as a dict."""
    from kinerja_research.reports.engine import execute_report, prepare_worker

    prepare_worker((*DEFAULT_PRELOAD, *preload), datasets=datasets, engine=engine)  # no-op once warm
    if running is not None:
        # "running" with this worker's pid tells the parent, if the worker dies, that this
        # report was in flight (and so spends one of its attempts).
        write_manifest(running["path"], {**running["manifest"], "status": "running", "worker_pid": os.getpid(),
                                         "started": dt.datetime.now(dt.UTC).isoformat()})
    return execute_report(job, engine=engine, retries=retries).to_dict()


# --------------------------------------------------------------------------------------------
# The runner.
# --------------------------------------------------------------------------------------------


class _Progress:
    """A rich progress bar, or nothing when disabled / not a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = None
        if enabled and total:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(TextColumn("[bold]reports"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(),
                                TextColumn("{task.description}"), transient=False)
            self.task = self.bar.add_task("", total=total, failed=0)
            self.bar.start()
        self.failed = 0

    def advance(self, name: str, ok: bool) -> None:
        if not ok:
            self.failed += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=name, failed=self.failed)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _resolve_fingerprint(grid: Grid, given: str | Callable[[], str] | None) -> str | None:
    if callable(given):
        return str(given())
    if given is not None:
        return str(given)
    return data_fingerprint(grid.data)


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def run_reports(
    grid: str | Path | Mapping[str, Any] = "config/reports.yml",
    *,
    only: str | None = None,
    workers: int | None = None,
    scheduler: str | Any | None = None,
    lang: str | None = None,
    force: bool = False,
    out_dir: str | Path = "reports",
    progress: bool = True,
    engine: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    data_fingerprint: str | Callable[[], str] | None = None,
    timeout: float | None = None,
    retries: int = 1,
) -> RunSummary:
    """Render the report grid: execute changed reports in parallel, write manifests and the index.

    Parameters
    ----------
    grid
        The grid YAML (``config/reports.yml``) or its parsed mapping; see
        :mod:`kinerja_research.reports.grid`.
    only
        Glob on report names (``"regional/35*"``); the others are left as they are.
    workers
        Worker processes (default: the CPU count, at most the number of reports to run).
    scheduler
        A Dask distributed scheduler address (``"tcp://host:8786"``) or a ``distributed.Client``;
        reports are then submitted to that cluster, whose workers must see this file system.
    lang
        ``"id"`` or ``"en"``: overrides ``lang`` for every notebook that declares it.
    force
        Re-run reports even when nothing changed.
    out_dir
        Where reports, manifests and ``index.html`` are written.
    progress
        Show a rich progress bar (only on a terminal).
    engine
        ``"fork"`` (default: forked pre-imported workers) or ``"papermill"`` (stock papermill,
        one kernel per report); default from the grid.
    parameters
        Parameters set for every notebook that declares them.
    data_fingerprint
        The data's fingerprint, or a function returning it; default from the grid's ``data``.
    timeout
        Seconds a report may take before it is stopped and marked failed (default from the grid).
    retries
        How often a report whose process was killed is re-run before it is marked failed.

    Returns
    -------
    RunSummary
        ``exit_code`` is 1 when any report failed.

    Raises
    ------
    ValueError, FileNotFoundError
        For a bad grid or bad parameters, before any report runs.

    Examples
    --------
    >>> s = run_reports("config/reports.yml", only="fixture*", workers=1, progress=False)  # doctest: +SKIP
    >>> s.exit_code                                                                         # doctest: +SKIP
    0
    """
    t0 = time.perf_counter()
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise ValueError(f"workers must be a positive integer, not {workers!r}")
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, not {retries!r}")
    base = Path.cwd()
    g = load_grid(grid, lang=lang, overrides=parameters, base_dir=base)
    eng = engine or g.engine
    if eng not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {eng!r}")
    selected = g.select(only)
    if not selected:
        raise ValueError(f"no report name matches {only!r}; names look like {g.reports[0].name!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    from kinerja_research.provenance import package_versions

    versions = package_versions(("ipykernel", "ipython", "nbformat", "jinja2"))
    fp = _resolve_fingerprint(g, data_fingerprint)
    commit = git_commit(str(base))
    nb_bytes: dict[Path, bytes] = {}

    skipped: list[str] = []
    todo: list[tuple[ReportSpec, ReportJob, dict[str, Any]]] = []
    for spec in selected:
        if spec.notebook not in nb_bytes:
            nb_bytes[spec.notebook] = spec.notebook.read_bytes()
        key = report_key(nb_bytes[spec.notebook], spec.merged, fp, versions, engine=eng)
        mpath = manifest_path(out, spec.name)
        if not force and is_current(read_manifest(mpath), key):
            skipped.append(spec.name)
            continue
        import hashlib

        base_manifest = {
            "schema": 1,
            "name": spec.name,
            "title": spec.title,
            "notebook": _rel(spec.notebook, base),
            "notebook_sha256": hashlib.sha256(nb_bytes[spec.notebook]).hexdigest(),
            "parameters": spec.merged,
            "injected_parameters": spec.parameters,
            "seed": spec.merged.get("seed"),
            "lang": spec.merged.get("lang"),
            "region": spec.merged.get("region"),
            "period": spec.merged.get("period"),
            "data": _rel(g.data, base) if g.data else None,
            "data_fingerprint": fp,
            "package_versions": versions,
            "kinerja_research_version": versions.get("kinerja_research"),
            "git_commit": commit,
            "engine": eng,
            "key": key,
            "status": "queued",
        }
        write_manifest(mpath, base_manifest)
        job = ReportJob(
            name=spec.name, notebook=_rel(spec.notebook, base),
            ipynb_path=str(out / f"{spec.name}.ipynb"), html_path=str(out / f"{spec.name}.html"),
            parameters=dict(spec.parameters), cwd=str(base),
            timeout=float(timeout if timeout is not None else (spec.timeout or 0)) or None,
            name_headers=g.name_headers)
        todo.append((spec, job, base_manifest))

    ok: list[str] = []
    failed: list[str] = []
    errors: dict[str, str] = {}
    bar = _Progress(len(todo), progress and sys.stderr.isatty())

    def record(spec: ReportSpec, job: ReportJob, manifest: dict[str, Any], outcome: ExecutionOutcome) -> None:
        if outcome.status != "ok" and (outcome.error or {}).get("kind") in {"crash", "runner"}:
            # A report whose process died leaves nothing that could pass for a result.
            for p in (job.ipynb_path, job.html_path):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(p)
            outcome.outputs = {}
        data = asdict(outcome)
        data.pop("name", None)
        final = {**manifest, **data}
        final.pop("worker_pid", None)
        write_manifest(manifest_path(out, spec.name), final)  # last: the report's commit point
        (ok if outcome.status == "ok" else failed).append(spec.name)
        if outcome.status != "ok":
            err = outcome.error or {}
            errors[spec.name] = f"{err.get('ename', 'Error')}: {err.get('evalue', '')}".strip()
        bar.advance(spec.name, outcome.status == "ok")

    try:
        if todo:
            n = workers or os.cpu_count() or 1
            if scheduler is not None:
                _run_dask(todo, scheduler, eng, retries, g, record)
            else:
                _run_pool(todo, min(n, len(todo)), eng, retries, g, out, record)
    finally:
        bar.close()

    from kinerja_research.reports.index import write_index

    index = write_index(out, g, run={
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": commit, "data_fingerprint": fp, "engine": eng,
        "package_versions": versions, "executed": len(todo), "skipped": len(skipped),
        "grid": str(g.path) if g.path else "(mapping)",
    })
    return RunSummary(ok=tuple(ok), failed=tuple(failed), skipped=tuple(skipped), errors=errors,
                      index=index, duration_s=time.perf_counter() - t0)


def _crash_outcome(job: ReportJob, attempts: int, why: str, engine: str) -> ExecutionOutcome:
    now = dt.datetime.now(dt.UTC).isoformat()
    return ExecutionOutcome(name=job.name, status="failed", started=now, finished=now, duration_s=0.0,
                            attempts=attempts, engine=engine,
                            error={"kind": "crash", "ename": "WorkerCrash", "evalue": why})


def _run_pool(todo: list[tuple[ReportSpec, ReportJob, dict[str, Any]]], n: int, engine: str, retries: int,
              g: Grid, out: Path, record: Callable[..., None]) -> None:
    # forkserver: workers start from a clean server process, whatever threads this process runs;
    # the server imports and warms everything once, so each worker forked from it starts warm.
    ctx = mp.get_context("forkserver")
    with contextlib.suppress(ValueError, RuntimeError):
        ctx.set_forkserver_preload(["kinerja_research.reports._warm", *g.preload])
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
                        outcome = _crash_outcome(job, 1, f"{type(exc).__name__}: {exc}", engine)
                        outcome.error = {**(outcome.error or {}), "kind": "runner"}
                    if attempts.get(spec.name):
                        outcome.attempts += attempts[spec.name]
                    record(spec, job, manifest, outcome)
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
                record(spec, job, manifest, _crash_outcome(
                    job, attempts[spec.name], "the worker process running this report died "
                    f"({attempts[spec.name]} attempts)", engine))
            else:
                write_manifest(manifest_path(out, spec.name), {**manifest, "status": "queued"})
                pending.append((spec, job, manifest))


def _run_dask(todo: list[tuple[ReportSpec, ReportJob, dict[str, Any]]], scheduler: Any, engine: str,
              retries: int, g: Grid, record: Callable[..., None]) -> None:
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        futs = {}
        for item in todo:
            _, job, _ = item
            fut = client.submit(_work, job, engine, retries, g.preload, g.preload_datasets, None,
                                pure=False, key=f"kinerja-report-{job.name}-{time.time_ns()}")
            futs[fut] = item
        for fut in as_completed(list(futs)):
            spec, job, manifest = futs[fut]
            try:
                outcome = ExecutionOutcome(**fut.result())
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after Dask's own retries
                outcome = _crash_outcome(job, 1, f"{type(exc).__name__}: {exc}", engine)
            record(spec, job, manifest, outcome)
    finally:
        if own:
            client.close()
