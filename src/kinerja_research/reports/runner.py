"""The batch report runner behind ``kinerja reports`` and ``make reports``.

For every report of the grid (each in each of the grid's languages) it computes a key over the
notebook, the merged parameters, the data fingerprint, package versions and the content of the
package's code, rubric, config and lock files; reports whose key matches an ``ok`` manifest with
its outputs on disk are skipped. The others run in parallel worker processes
(:mod:`kinerja_research.reports.supervise`), or on a Dask cluster when a scheduler address is
given. A failing report never stops the others; each gets a manifest, ``reports/index.html``
lists them all, and the exit code is 1 when any failed.

Only one run writes into an output folder at a time (:mod:`kinerja_research.reports.lock`).
Ctrl-C or SIGTERM stops the worker processes, marks the reports that had not finished
``interrupted``, rewrites the index and exits with :class:`RunInterrupted`; every output is
written atomically, so a good older page is never replaced by a half-written one.

>>> summary = run_reports("config/reports.yml", workers=2)  # doctest: +SKIP
>>> summary.exit_code, len(summary.ok)                     # doctest: +SKIP
(0, 78)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kinerja_research.reports.grid import Grid, ReportSpec, data_fingerprint, load_grid
from kinerja_research.reports.interrupts import signals_raise, stop_children
from kinerja_research.reports.job import ENGINES, ExecutionOutcome, ReportJob, failed_outcome
from kinerja_research.reports.manifest import (
    git_commit,
    is_current,
    manifest_path,
    read_manifest,
    report_key,
    write_manifest,
)
from kinerja_research.reports.pool import run_dask, run_pool


class RunInterrupted(KeyboardInterrupt):
    """The run was stopped (Ctrl-C, SIGTERM); manifests and the index are consistent."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(f"interrupted: {summary}")
        self.summary = summary


def resolve_engine(engine: str) -> str:
    """``auto`` → ``fork`` on Linux (the fast path), ``papermill`` elsewhere (no fork anywhere).

    >>> resolve_engine("papermill")
    'papermill'
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, not {engine!r}")
    if engine == "auto":
        return "fork" if sys.platform.startswith("linux") else "papermill"
    if engine == "fork" and not hasattr(os, "fork"):
        raise ValueError("engine 'fork' needs os.fork (Linux); use engine: papermill on this platform")
    return engine


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
    interrupted: tuple[str, ...] = ()

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


def _header(spec: ReportSpec) -> str:
    where = " ".join(str(spec.merged[k]) for k in ("region", "period") if spec.merged.get(k) is not None)
    return where or spec.title


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
    pdf: bool | None = None,
    lock_wait: float = 0.0,
) -> RunSummary:
    """Render the report grid: execute changed reports in parallel, write manifests and the index.

    Parameters
    ----------
    grid
        The grid YAML (``config/reports.yml``) or its parsed mapping; see
        :mod:`kinerja_research.reports.grid`.
    only
        Glob on report names (``"regional/35*"``; English reports match with or without ``en/``).
    workers
        Worker processes (default: the CPU count, at most the number of reports to run).
    scheduler
        A Dask distributed scheduler address (``"tcp://host:8786"``) or a ``distributed.Client``;
        reports are then submitted to that cluster, whose workers must see this file system.
    lang
        ``"id"`` or ``"en"``: render only that language (default: the grid's ``languages``).
    force
        Re-run reports even when nothing changed.
    out_dir
        Where reports, manifests and ``index.html`` are written.
    progress
        Show a rich progress bar (only on a terminal).
    engine
        ``"auto"`` (fork on Linux, papermill elsewhere), ``"fork"`` or ``"papermill"``; default
        from the grid.
    parameters
        Parameters set for every notebook that declares them.
    data_fingerprint
        The data's fingerprint, or a function returning it; default from the grid's ``data``.
    timeout
        Seconds a report may take before it is stopped and marked failed (default from the grid).
    retries
        How often a report whose process was killed is re-run before it is marked failed.
    pdf
        Write an A4 PDF beside each HTML (default from the grid's ``pdf``).
    lock_wait
        Seconds to wait for another run writing into ``out_dir`` before giving up.

    Returns
    -------
    RunSummary
        ``exit_code`` is 1 when any report failed.

    Raises
    ------
    ValueError, FileNotFoundError
        For a bad grid or bad parameters, before any report runs or any file is written.
    kinerja_research.reports.lock.OutputLocked
        When another run holds the output folder.
    RunInterrupted
        On Ctrl-C or SIGTERM, after the manifests and the index are made consistent.

    Examples
    --------
    >>> s = run_reports("config/reports.yml", only="fixture*", workers=1, progress=False)  # doctest: +SKIP
    >>> s.exit_code                                                                         # doctest: +SKIP
    0
    """
    t0 = time.perf_counter()
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise ValueError(f"workers must be a positive integer, not {workers!r}")
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, not {retries!r}")
    if timeout is not None:
        import math

        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not math.isfinite(timeout) \
                or timeout <= 0:
            raise ValueError(f"timeout must be a positive, finite number of seconds, not {timeout!r}")
    if pdf is not None and not isinstance(pdf, bool):
        raise ValueError(f"pdf must be true or false, not {pdf!r}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"the output folder {out} is a file; give a folder with --out")
    base = Path.cwd()
    g = load_grid(grid, lang=lang, overrides=parameters, base_dir=base)
    eng = resolve_engine(engine or g.engine)
    selected = g.select(only)
    if not selected:
        raise ValueError(f"no report name matches {only!r}; names look like {g.reports[0].name!r}")
    use_pdf = g.pdf if pdf is None else pdf
    if scheduler is not None and not _has_distributed(scheduler):
        raise ImportError("running on a Dask cluster (--scheduler) needs the 'distributed' package: "
                          "pip install 'kinerja_research[dist]'")

    from kinerja_research.reports.lock import output_lock

    with output_lock(out, wait=lock_wait), signals_raise():
        return _run_locked(g, selected, eng=eng, out=out, base=base, t0=t0, force=force, workers=workers,
                           scheduler=scheduler, progress=progress, data_fp=data_fingerprint,
                           timeout=timeout, retries=retries, use_pdf=use_pdf)


def _has_distributed(scheduler: Any) -> bool:
    if not isinstance(scheduler, str):
        return True
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


def _run_locked(g: Grid, selected: tuple[ReportSpec, ...], *, eng: str, out: Path, base: Path, t0: float,
                force: bool, workers: int | None, scheduler: Any, progress: bool, data_fp: Any,
                timeout: float | None, retries: int, use_pdf: bool) -> RunSummary:
    from kinerja_research.provenance import package_versions
    from kinerja_research.reports.cache import code_fingerprint, lock_file_record

    versions = package_versions(("ipykernel", "ipython", "nbformat", "jinja2"))
    fp = _resolve_fingerprint(g, data_fp)
    commit = git_commit(str(base))
    code = code_fingerprint(base)
    lock = lock_file_record(base)
    options = {"pdf": use_pdf, "publish_ipynb": g.publish_ipynb, "name_headers": list(g.name_headers)}
    nb_bytes: dict[Path, bytes] = {}

    skipped: list[str] = []
    todo: list[tuple[ReportSpec, ReportJob, dict[str, Any]]] = []
    for spec in selected:
        if spec.notebook not in nb_bytes:
            nb_bytes[spec.notebook] = spec.notebook.read_bytes()
        key = report_key(nb_bytes[spec.notebook], spec.merged, fp, versions, engine=eng, code=code,
                         options=options)
        mpath = manifest_path(out, spec.name)
        if not force and is_current(read_manifest(mpath), key):
            skipped.append(spec.name)
            continue
        base_manifest = {
            "schema": 2,
            "name": spec.name,
            "title": spec.title,
            "lang": spec.lang,
            "synthetic": None,
            "notebook": _rel(spec.notebook, base),
            "notebook_sha256": hashlib.sha256(nb_bytes[spec.notebook]).hexdigest(),
            "parameters": spec.merged,
            "injected_parameters": spec.parameters,
            "seed": spec.merged.get("seed"),
            "region": spec.merged.get("region"),
            "period": spec.merged.get("period"),
            "data": _rel(g.data, base) if g.data else None,
            "data_fingerprint": fp,
            "code_fingerprint": code,
            "lock_file": lock,
            "package_versions": versions,
            "kinerja_research_version": versions.get("kinerja_research"),
            "git_commit": commit,
            "engine": eng,
            "options": options,
            "key": key,
            "status": "queued",
        }
        job = ReportJob(
            name=spec.name, notebook=_rel(spec.notebook, base),
            ipynb_path=str(out / f"{spec.name}.ipynb"), html_path=str(out / f"{spec.name}.html"),
            parameters=dict(spec.parameters), cwd=str(base),
            timeout=timeout if timeout is not None else spec.timeout,
            name_headers=tuple(g.name_headers), lang=spec.lang, title=spec.title, header=_header(spec),
            publish_ipynb=g.publish_ipynb, pdf=use_pdf)
        todo.append((spec, job, base_manifest))

    ok: list[str] = []
    failed: list[str] = []
    errors: dict[str, str] = {}
    recorded: set[str] = set()
    bar = _Progress(len(todo), progress and sys.stderr.isatty())

    def record(spec: ReportSpec, job: ReportJob, manifest: dict[str, Any], outcome: ExecutionOutcome) -> None:
        if outcome.status != "ok" and (outcome.error or {}).get("kind") in {"crash", "runner", "timeout"}:
            # A report whose process died leaves nothing that could pass for a result. (An
            # interrupted one wrote nothing: its previous page, if any, stays, unlisted.)
            from kinerja_research.reports.publish import remove

            remove(job.ipynb_path, job.html_path, Path(job.html_path).with_suffix(".pdf"))
            outcome.outputs = {}
        data = asdict(outcome)
        data.pop("name", None)
        final = {**manifest, **data}
        final["title"] = outcome.title or manifest["title"]
        final.pop("worker_pid", None)
        write_manifest(manifest_path(out, spec.name), final)  # last: the report's commit point
        recorded.add(spec.name)
        if outcome.status == "interrupted":
            return
        (ok if outcome.status == "ok" else failed).append(spec.name)
        if outcome.status != "ok":
            err = outcome.error or {}
            errors[spec.name] = f"{err.get('class', 'Error')}: {err.get('message', '')}".strip()
        bar.advance(spec.name, outcome.status == "ok")

    def write_the_index() -> Path | None:
        from kinerja_research.reports.index import write_index
        from kinerja_research.reports.publish import PrivacyError, publish_text, remove

        path = write_index(out, g, run={
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "git_commit": commit, "data_fingerprint": fp, "code_fingerprint": code, "engine": eng,
            "lock_file": (lock or {}).get("sha256"),
            "package_versions": versions, "executed": len(todo), "skipped": len(skipped),
            "grid": str(g.path) if g.path else "(mapping)",
        })
        # The index is built from manifests (already scanned); it passes the scan itself too.
        try:
            publish_text(path, path.read_text(encoding="utf-8"), name_headers=g.name_headers,
                         redact_nips=True, what="index")
        except PrivacyError as exc:
            remove(path)
            errors["index.html"] = str(exc)
            return None
        return path

    interrupted = False
    try:
        try:
            for spec, _, manifest in todo:
                write_manifest(manifest_path(out, spec.name), manifest)
            if todo:
                n = workers or os.cpu_count() or 1
                if scheduler is not None:
                    run_dask(todo, scheduler, eng, retries, g, record)
                else:
                    run_pool(todo, min(n, len(todo)), eng, retries, g, out, record)
        finally:
            bar.close()
    except KeyboardInterrupt:
        interrupted = True
        # Ignore further Ctrl-C while the folder is made consistent.
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop_children()
        for spec, job, manifest in todo:
            if spec.name not in recorded:
                record(spec, job, manifest, failed_outcome(
                    job, kind="interrupt", cls="Interrupted", message="the run was interrupted before this "
                    "report finished; run `kinerja reports` again to render it", engine=eng, status="interrupted"))
    index = write_the_index()
    summary = RunSummary(ok=tuple(ok), failed=tuple(failed), skipped=tuple(skipped), errors=errors,
                         index=index, duration_s=time.perf_counter() - t0,
                         interrupted=tuple(n for n in (s.name for s, _, _ in todo) if n not in ok and n not in failed)
                         if interrupted else ())
    if interrupted:
        raise RunInterrupted(summary)
    return summary
