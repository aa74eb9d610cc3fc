"""Supervision: each report in a process of its own, stopped when it hangs, retried when it dies.

Two ways, same result:

- :func:`fork_report` — the Linux fast path: an ``os.fork()`` child of a warm worker per report
  (the child starts with everything imported and returns its outcome through a pipe);
- :func:`subprocess_report` — a fresh ``python -m kinerja_research.reports.supervise`` process
  per report (no fork in this process: safe inside threaded Dask workers, and portable).

:func:`execute_report` picks by engine and retries a report whose process died.

>>> out = execute_report(job, engine="papermill")  # doctest: +SKIP
>>> out.status                                      # doctest: +SKIP
'ok'
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kinerja_research.reports.job import ENGINES, ExecutionOutcome, ReportJob, failed_outcome
from kinerja_research.reports.pipeline import run_pipeline
from kinerja_research.reports.warmup import prepare_worker


def _child(job: ReportJob, wfd: int) -> None:
    # In the child: route Python-level output into the notebook, C-level output away from the
    # parent's terminal, and never return into the parent's code (os._exit).
    from kinerja_research.reports.shell import install_streams

    code = 0
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        install_streams()
        outcome = run_pipeline(job, engine="fork")
        payload = json.dumps(outcome.to_dict(), default=str).encode()
        view = memoryview(payload)
        while view:
            n = os.write(wfd, view)
            view = view[n:]
    except BaseException:  # noqa: BLE001 - the parent reads a missing payload as a crash
        code = 70
    finally:
        with contextlib.suppress(OSError):
            os.close(wfd)
        os._exit(code)


def fork_report(job: ReportJob) -> tuple[dict[str, Any] | None, str]:
    """Fork a child for ``job``; return (outcome dict or None, how the child ended). POSIX only."""
    import select

    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
        os.close(rfd)
        _child(job, wfd)
    os.close(wfd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + job.timeout if job.timeout else None
    timed_out = False
    try:
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([rfd], [], [], wait)
            if not ready:
                timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(rfd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(rfd)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return None, f"timed out after {job.timeout:g} s"
    if os.WIFSIGNALED(status):
        return None, f"killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    if os.WEXITSTATUS(status) != 0 or not chunks:
        return None, f"exited with status {os.WEXITSTATUS(status)} without a result"
    try:
        return json.loads(b"".join(chunks)), "ok"
    except json.JSONDecodeError:
        return None, "sent an incomplete result"


def subprocess_report(job: ReportJob) -> tuple[dict[str, Any] | None, str]:
    """Run ``job`` in a fresh Python process; return (outcome dict or None, how it ended)."""
    with tempfile.TemporaryDirectory(prefix="kinerja-report-") as tmp:
        jpath, rpath = Path(tmp) / "job.json", Path(tmp) / "result.json"
        jpath.write_text(json.dumps(asdict(job), default=str), encoding="utf-8")
        try:
            proc = subprocess.run([sys.executable, "-m", "kinerja_research.reports.supervise", str(jpath), str(rpath)],
                                  cwd=job.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=job.timeout or None, check=False)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {job.timeout:g} s"
        if proc.returncode < 0:
            return None, f"killed by signal {signal.Signals(-proc.returncode).name}"
        if proc.returncode != 0 or not rpath.exists():
            return None, f"exited with status {proc.returncode} without a result"
        try:
            return json.loads(rpath.read_text(encoding="utf-8")), "ok"
        except json.JSONDecodeError:
            return None, "sent an incomplete result"


def execute_report(job: ReportJob, *, engine: str = "fork", retries: int = 1,
                   isolate: str = "fork") -> ExecutionOutcome:
    """Render one report and return its outcome; a report whose process died is retried.

    Parameters
    ----------
    job
        What to run and where to write it.
    engine
        ``"fork"`` (the shell engine, one process per report) or ``"papermill"`` (stock papermill
        in this process; its kernel is the report's own process).
    retries
        How many times a report whose process was killed (or died without a result) is re-run
        before it is marked failed. Timeouts are not retried.
    isolate
        For the shell engine: ``"fork"`` (a child of this warm worker, POSIX) or
        ``"subprocess"`` (a fresh Python process: no fork here, e.g. in a threaded Dask worker).

    Examples
    --------
    >>> out = execute_report(job, engine="papermill")  # doctest: +SKIP
    """
    if engine not in ENGINES or engine == "auto":
        raise ValueError(f"engine must be 'fork' or 'papermill', not {engine!r}")
    if engine == "papermill":
        prepare_worker((), engine="papermill")
        return run_pipeline(job, engine="papermill")
    if isolate == "fork":
        prepare_worker()
    t0 = time.perf_counter()
    attempts, how = 0, ""
    while attempts <= retries:
        attempts += 1
        data, how = fork_report(job) if isolate == "fork" else subprocess_report(job)
        if data is not None:
            data["attempts"] = attempts
            return ExecutionOutcome(**data)
        if how.startswith("timed out"):
            break
    timed_out = how.startswith("timed out")
    out = failed_outcome(job, kind="timeout" if timed_out else "crash", cls="Timeout" if timed_out else "WorkerCrash",
                         message=f"report process {how} (attempt {attempts} of {retries + 1})", engine=engine,
                         attempts=attempts)
    out.duration_s = time.perf_counter() - t0
    return out


def _main(argv: list[str]) -> int:
    """``python -m kinerja_research.reports.supervise JOB.json RESULT.json``: one report, inline."""
    from kinerja_research.reports.shell import install_streams

    job = ReportJob(**json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    job.name_headers = tuple(job.name_headers or ())
    # Ctrl-C is the runner's to handle: it stops this process when the run is interrupted.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prepare_worker(engine="inline")
    install_streams()
    outcome = run_pipeline(job, engine="inline")
    Path(argv[1]).write_text(json.dumps(outcome.to_dict(), default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover - runs as the report's own process
    sys.exit(_main(sys.argv[1:]))
