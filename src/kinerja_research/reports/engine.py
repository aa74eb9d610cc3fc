"""Execute one notebook papermill-compatibly, either in a forked pre-imported shell or with papermill.

Why a fork engine: stock papermill starts a kernel and re-imports numpy/pandas/matplotlib for
every report (about 3 s of a 3.5 s report). Here a worker process imports the heavy libraries,
builds one IPython shell with the inline matplotlib backend and warms the HTML exporter once;
each report then runs in an ``os.fork()`` child of that worker, so every notebook starts from
the same pristine state (its own namespace, pyplot state, rcParams and module caches) and
nothing it does reaches the next report. The child runs papermill's own pipeline —
:func:`papermill.parameterize.parameterize_notebook` for the injected cell,
:class:`papermill.engines.NotebookExecutionManager` for the ``metadata.papermill`` records,
:func:`papermill.execute.raise_for_execution_errors` for the error marker cells — through a
papermill engine (:class:`ForkedShellEngine`, registered as ``"kinerja-fork"``) whose cells run
in the in-process shell. Stock papermill (``engine="papermill"``) is the fallback.

Outputs are written atomically (temporary file, then :func:`os.replace`); the caller writes the
manifest last, so a report is only ever ``ok`` when everything it produced is on disk.

>>> worker = prepare_worker()                                    # doctest: +SKIP
>>> res = execute_report(job, engine="fork")                     # doctest: +SKIP
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import gc
import importlib
import io
import json
import os
import select
import signal
import sys
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ENGINES = ("fork", "papermill")

#: Imported once per worker before any report runs (missing ones are skipped). The runner adds
#: the modules the grid's notebooks use (:func:`kinerja_research.reports.grid.notebook_modules`).
DEFAULT_PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "kinerja_research",
    "kinerja_research.reports.privacy",
)

_PM_ENGINE_NAME = "kinerja-fork"

#: Imported lazily by every report's pipeline or shell; loaded once in the worker instead.
_CHILD_MODULES: tuple[str, ...] = (
    "ipykernel.ipkernel",
    "IPython.core.logger",
    "IPython.core.magics.code",
    "kinerja_research.analysis.i18n",
    "kinerja_research.reports.manifest",
)


@dataclass
class ReportJob:
    """Everything a worker needs to render one report (plain data, picklable)."""

    name: str
    notebook: str
    ipynb_path: str
    html_path: str
    parameters: dict[str, Any]
    cwd: str
    timeout: float | None = None
    name_headers: tuple[str, ...] | None = None


@dataclass
class ExecutionOutcome:
    """What the worker reports back about one report (no notebook content, no data rows)."""

    name: str
    status: str  # "ok" | "failed"
    started: str
    finished: str
    duration_s: float
    attempts: int = 1
    error: dict[str, Any] | None = None  # ename, evalue, kind
    failing_cell: dict[str, Any] | None = None  # index, execution_count, source
    privacy: list[str] = field(default_factory=list)
    rubrics: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    engine: str = "fork"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------------------------
# The in-process shell: IPython with display hooks that collect nbformat outputs.
# --------------------------------------------------------------------------------------------


class _Sink:
    """Collects the outputs of the cell being executed, in nbformat v4 shape."""

    def __init__(self) -> None:
        self.outputs: list[Any] = []
        self.clear_on_next = False

    def _add(self, out: Any) -> None:
        if self.clear_on_next:
            self.outputs.clear()
            self.clear_on_next = False
        self.outputs.append(out)

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        from nbformat.v4 import new_output

        last = self.outputs[-1] if self.outputs and not self.clear_on_next else None
        # Consecutive writes to one stream form one output, as the kernel's buffered stream does.
        if last is not None and last.get("output_type") == "stream" and last.get("name") == name:
            last["text"] += text
        else:
            self._add(new_output("stream", name=name, text=text))

    def display(self, data: Mapping[str, Any], metadata: Mapping[str, Any] | None) -> None:
        from nbformat.v4 import new_output

        self._add(new_output("display_data", data=_json_data(data), metadata=dict(metadata or {})))

    def result(self, data: Mapping[str, Any], metadata: Mapping[str, Any] | None, count: int) -> None:
        from nbformat.v4 import new_output

        self._add(new_output("execute_result", data=_json_data(data), metadata=dict(metadata or {}),
                             execution_count=count))

    def error(self, ename: str, evalue: str, tb: list[str]) -> None:
        from nbformat.v4 import new_output

        self._add(new_output("error", ename=ename, evalue=evalue, traceback=list(tb)))

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_on_next = True
        else:
            self.outputs.clear()


def _json_data(data: Mapping[str, Any]) -> dict[str, Any]:
    # The kernel sends mime bundles as JSON: bytes become base64 text, as in ipykernel's json_clean.
    out: dict[str, Any] = {}
    for mime, value in data.items():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        out[mime] = value
    return out


class _SinkStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` replacement that writes into the current cell's outputs."""

    def __init__(self, sink: _Sink, name: str) -> None:
        self._sink = sink
        self.name = name

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        self._sink.stream(self.name, s)
        return len(s)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def isatty(self) -> bool:
        return False


_SHELL: Any = None
#: prepare_worker's arguments already prepared in this process, with what it reported.
_PREPARED: dict[tuple[tuple[str, ...], tuple[str, ...], str], dict[str, Any]] = {}
_SINK = _Sink()
_EXPORTER: Any = None


def _build_shell() -> Any:
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type
    from traitlets.config import Config

    class _DisplayPublisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):  # type: ignore[override]
            _SINK.display(data, metadata)

        def clear_output(self, wait: bool = False) -> None:
            _SINK.clear(wait)

    class _DisplayHook(DisplayHook):
        def start_displayhook(self) -> None:
            self._bundle: tuple[Any, Any] | None = None

        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict, md_dict=None) -> None:  # type: ignore[override]
            self._bundle = (format_dict, md_dict)

        def finish_displayhook(self) -> None:
            if self._bundle is not None:
                _SINK.result(self._bundle[0], self._bundle[1], self.prompt_count)
            self._bundle = None

    class ReportShell(InteractiveShell):
        displayhook_class = Type(_DisplayHook)
        display_pub_class = Type(_DisplayPublisher)

        def _showtraceback(self, etype, evalue, stb):  # type: ignore[override]
            _SINK.error(getattr(etype, "__name__", str(etype)), str(evalue), stb)

        def enable_gui(self, gui=None):  # type: ignore[override]
            # The inline backend needs no event loop (ipykernel does the same for "inline").
            if gui not in (None, "inline"):
                raise NotImplementedError(f"GUI event loop {gui!r} is not available in a report")

        def init_environment(self) -> None:
            # What ipykernel sets for its kernels: no pagers in a batch job.
            super().init_environment()
            os.environ.update({"PAGER": "cat", "GIT_PAGER": "cat", "CLICOLOR": "1"})

    cfg = Config()
    # An in-memory history: a SQLite file shared across forks would be corrupted.
    cfg.HistoryManager.hist_file = ":memory:"
    shell = ReportShell.instance(config=cfg)
    shell.enable_matplotlib("inline")
    import matplotlib.pyplot as plt

    # pyplot's REPL hook redraws every open figure after each cell; the inline backend then draws
    # them again into the PNG it displays and closes them. In a batch run the first draw is never
    # seen (~60 ms per figure), so it goes; the displayed output is the same.
    hook = getattr(plt, "_draw_all_if_interactive", None)
    if hook is not None and hook in shell.events.callbacks.get("post_execute", []):
        shell.events.unregister("post_execute", hook)
    return shell


def _exporter() -> Any:
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        # Code hidden: readers of a report see narrative and results only.
        _EXPORTER = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                                 embed_images=True)
    return _EXPORTER


def prepare_worker(preload: Iterable[str] = DEFAULT_PRELOAD, *, datasets: Iterable[str] = (),
                   engine: str = "fork") -> dict[str, Any]:
    """Import the heavy libraries and warm every per-process cache once (idempotent).

    Run in each worker process before its first report. With ``engine="fork"`` it also builds
    the IPython shell and renders one figure and one tiny notebook, so that matplotlib's font
    cache and nbconvert's templates are loaded before the first fork.

    Parameters
    ----------
    preload
        Module names to import; those not installed are skipped.
    datasets
        Dataset names to load through :func:`kinerja_research.analysis.notebook.load_dataset`, so forked
        reports share the loaded study (copy-on-write).
    engine
        ``"fork"`` or ``"papermill"``.

    Returns
    -------
    dict
        ``imported``, ``skipped`` module names and ``seconds`` spent.

    Examples
    --------
    >>> prepare_worker(["json"], engine="papermill")["imported"]  # doctest: +SKIP
    ['json']
    """
    global _SHELL
    preload, datasets = tuple(preload), tuple(datasets)
    done = _PREPARED.get((preload, datasets, engine))
    if done is not None:
        # the pool calls this before every report; everything below has been done already
        return dict(done)
    t0 = time.perf_counter()
    imported, skipped = [], []
    if "jsonschema" not in sys.modules:
        # jsonschema imports rfc3987_syntax, if installed, only to check the "iri" string format,
        # and building its grammar costs ~1 s per worker start. nbformat's schemas use no such
        # format, so report workers go without it (jsonschema skips the check on ImportError).
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    # Reports always show their figures inline, as in Jupyter, whatever MPLBACKEND the calling
    # environment sets (CI often sets Agg): the fork engine enables the inline backend itself,
    # and kernels started by the papermill engine inherit this.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    for mod in preload:
        try:
            importlib.import_module(mod)
            imported.append(mod)
        except Exception:  # noqa: BLE001 - a missing optional module must not stop the worker
            skipped.append(mod)
    for mod in imported:
        # modules may name lazily imported dependencies of theirs to load before forking
        hook = getattr(sys.modules.get(mod), "warm_imports", None)
        if callable(hook):
            hook()
    for name in datasets:
        # Only data already on disk: building a synthetic world is `make data`'s job, not a worker's.
        with contextlib.suppress(Exception):
            from kinerja_research.analysis.notebook import data_dir, load_dataset

            if (data_dir(name) / "study.json").exists():
                study, _ = load_dataset(name)
                # preloaded modules may cache per-study work (e.g. regional scores) before forking
                for mod in imported:
                    warm = getattr(importlib.import_module(mod), "warm", None)
                    if callable(warm):
                        warm(study)
    import papermill.engines  # noqa: F401

    _register_pm_engine()
    exporter = _exporter()
    if engine == "fork" and _SHELL is None:
        _SHELL = _build_shell()
        import matplotlib.pyplot as plt
        from IPython.core.pylabtools import print_figure

        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1])
        ax.set_title("warm")
        print_figure(fig, "png", bbox_inches="tight")  # as the inline backend renders them
        plt.close(fig)
        # What each report would otherwise import again in its own child: the kernel's
        # language_info, manifest helpers, the shell's lazily loaded parts, and the HTML/text
        # reprs of a table (formatted here without running a cell: the shell stays pristine).
        for mod in _CHILD_MODULES:
            with contextlib.suppress(ImportError):
                importlib.import_module(mod)
        import pandas as pd

        table, _ = _SHELL.display_formatter.format(pd.DataFrame({"a": [1.5], "b": pd.array(["x&y"], dtype="string")}))
        exporter.from_notebook_node(_warm_notebook(table))
    if engine == "fork":
        # Everything built so far is shared by the forked reports and never freed: moved out of
        # the collector's sight, a full collection in a child (~0.1 s over this heap, triggered
        # by any report that allocates) walks only the report's own objects, and the children
        # no longer touch, and so copy, the shared pages to update reference-cycle bookkeeping.
        gc.collect()
        gc.freeze()
    result = {"imported": imported, "skipped": skipped, "seconds": time.perf_counter() - t0}
    _PREPARED[(preload, datasets, engine)] = result
    return dict(result)


def _warm_notebook(table: Mapping[str, Any]) -> Any:
    """An executed notebook with the outputs reports have, so that exporting it loads every
    lazily built part of nbconvert (templates, markdown, HTML entity tables) before forking."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode("ascii")
    nb = new_notebook(cells=[
        new_markdown_cell("# Warm &amp; ready\n\n*text* with `code` and a [link](https://example.org)"),
        new_code_cell("x", execution_count=1, outputs=[
            new_output("stream", name="stdout", text="text\n"),
            new_output("display_data", data={"text/markdown": "**bold** &mdash; 1 < 2"}),
            new_output("execute_result", data=_json_data(table), execution_count=1),
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        ]),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.from_dict(nb)


# --------------------------------------------------------------------------------------------
# The papermill engine that runs cells in the in-process shell.
# --------------------------------------------------------------------------------------------


def _iso_z(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _register_pm_engine() -> None:
    from papermill.engines import Engine, papermill_engines

    if _PM_ENGINE_NAME in papermill_engines._engines:
        return

    class ForkedShellEngine(Engine):
        """papermill engine: cells run in this process's IPython shell (the fork child's)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):  # type: ignore[override]
            shell = _SHELL
            if shell is None:
                raise RuntimeError("the fork engine runs only in a prepared worker (prepare_worker)")
            for index, cell in enumerate(nb_man.nb.cells):
                nb_man.cell_start(cell, index)
                try:
                    if cell.cell_type == "code":
                        if not _run_code_cell(shell, cell):
                            nb_man.cell_exception(cell, cell_index=index)
                            break
                finally:
                    nb_man.cell_complete(cell, cell_index=index)

    globals()["ForkedShellEngine"] = ForkedShellEngine
    papermill_engines.register(_PM_ENGINE_NAME, ForkedShellEngine)


def _run_code_cell(shell: Any, cell: Any) -> bool:
    """Run one code cell; fill its outputs, execution_count and timing metadata. True if no error."""
    _SINK.outputs = []
    _SINK.clear_on_next = False
    busy = _now()
    cell.metadata["execution"] = {"iopub.status.busy": _iso_z(busy), "iopub.execute_input": _iso_z(busy)}
    source = cell.source
    if not source.strip():
        # The kernel does not number an empty cell (nbclient skips it).
        cell.outputs = []
        return True
    result = shell.run_cell(source, store_history=True, silent=False)
    sys.stdout.flush()
    sys.stderr.flush()
    end = _now()
    cell.metadata["execution"].update({"shell.execute_reply": _iso_z(end), "iopub.status.idle": _iso_z(end)})
    cell.execution_count = result.execution_count
    cell.outputs = list(_SINK.outputs)
    return result.success


def _collect_rubrics(shell: Any) -> list[dict[str, Any]]:
    """Rubric ids and verified flags the notebook used: results' ``attrs["rubric"]`` and the registry."""
    from kinerja_research.reports.manifest import rubrics_recorded

    found: dict[str, dict[str, Any]] = {r["id"]: r for r in rubrics_recorded()}
    for value in list(shell.user_ns.values()):
        attrs = getattr(value, "attrs", None)
        meta = attrs.get("rubric") if isinstance(attrs, dict) else None
        metas = meta if isinstance(meta, list) else [meta]
        for m in metas:
            if isinstance(m, dict) and "id" in m:
                prev = found.get(m["id"])
                verified = bool(m.get("verified", False)) and (prev is None or prev["verified"])
                found[m["id"]] = {"id": m["id"], "verified": verified,
                                  "unverified_tables": list(m.get("unverified_tables", []))}
    return sorted(found.values(), key=lambda r: r["id"])


# --------------------------------------------------------------------------------------------
# One report: parameterize, execute, write .ipynb, render and scan HTML.
# --------------------------------------------------------------------------------------------


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _remove(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _failing_cell(nb: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The first failing cell (before papermill's error markers are added) and its error.

    ``index`` counts cells of the input notebook (what the author edits: the injected-parameters
    cell is not counted); ``executed_index`` counts cells of the executed notebook.
    """
    injected = 0
    for index, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            injected = 1
        if cell.get("cell_type") != "code":
            continue
        where = {"index": index - injected, "executed_index": index,
                 "execution_count": cell.get("execution_count"), "source": cell.source[:500]}
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return where, {"kind": "cell", "ename": out.get("ename"), "evalue": str(out.get("evalue"))[:2000]}
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            return where, {"kind": "cell", "ename": "CellExecutionError", "evalue": ""}
    return None, None


def _render_and_write(job: ReportJob, nb: Any, outcome: ExecutionOutcome) -> None:
    import nbformat

    from kinerja_research.reports.privacy import NAME_HEADERS, scan_text

    ipynb, html_path = Path(job.ipynb_path), Path(job.html_path)
    html, _ = _exporter().from_notebook_node(nb)
    findings = scan_text(html, name_headers=job.name_headers or NAME_HEADERS)
    if findings:
        # Withdraw the report: neither its notebook nor its page may be published.
        _remove(ipynb, html_path)
        outcome.status = "failed"
        outcome.privacy = [str(f) for f in findings]
        outcome.error = {"kind": "privacy", "ename": "PrivacyError",
                         "evalue": "; ".join(outcome.privacy)}
        return
    _atomic_write_text(ipynb, nbformat.writes(nb))
    _atomic_write_text(html_path, html)
    outcome.outputs = {"ipynb": str(ipynb), "html": str(html_path)}


def run_pipeline(job: ReportJob, *, engine: str) -> ExecutionOutcome:
    """Run papermill's pipeline for one report in this process; write outputs; never raise.

    ``engine="fork"`` executes the cells in this process's shell (call only in a fork child of
    a prepared worker); ``engine="papermill"`` starts a kernel as stock papermill does.
    """
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import (
        prepare_notebook_metadata,
        raise_for_execution_errors,
        remove_error_markers,
    )
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    _register_pm_engine()
    start = _now()
    t0 = time.perf_counter()
    outcome = ExecutionOutcome(name=job.name, status="ok", started=start.isoformat(), finished="",
                               duration_s=0.0, engine=engine)
    pm_engine = _PM_ENGINE_NAME if engine == "fork" else None
    nb = None
    try:
        os.chdir(job.cwd)
        nb = load_notebook_node(job.notebook)
        nb = parameterize_notebook(nb, job.parameters, report_mode=False, engine_name=pm_engine)
        nb = prepare_notebook_metadata(nb, job.notebook, job.ipynb_path)
        nb = remove_error_markers(nb)
        kernel_name = papermill_engines.nb_kernel_name(engine_name=pm_engine, nb=nb)
        extra: dict[str, Any] = {}
        if engine == "papermill":
            extra = {"cwd": job.cwd, "start_timeout": 60}
            if job.timeout:
                extra["execution_timeout"] = int(job.timeout)
        else:
            from ipykernel.ipkernel import IPythonKernel

            # What a kernel reports in its kernel_info reply, as nbclient records it.
            nb.metadata["language_info"] = dict(IPythonKernel.language_info)
        nb = papermill_engines.execute_notebook_with_engine(
            pm_engine, nb, input_path=job.notebook, output_path=None, kernel_name=kernel_name,
            progress_bar=False, log_output=False, **extra)
        if engine == "fork":
            outcome.rubrics = _collect_rubrics(_SHELL)
        failing, cell_error = _failing_cell(nb)
        tmp = Path(job.ipynb_path).with_name(f".{Path(job.ipynb_path).stem}.{os.getpid()}.err.ipynb")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        try:
            # papermill's own error markers (top banner + anchor before the failing cell).
            raise_for_execution_errors(nb, str(tmp))
        except PapermillExecutionError:
            import nbformat

            nb = nbformat.read(tmp, as_version=4)
            outcome.status = "failed"
            outcome.failing_cell = failing
            outcome.error = cell_error or {"kind": "cell", "ename": "CellExecutionError", "evalue": ""}
        finally:
            _remove(tmp)
        _render_and_write(job, nb, outcome)
    except Exception as exc:  # noqa: BLE001 - one report's failure is reported, never raised
        outcome.status = "failed"
        if nb is not None and outcome.failing_cell is None:
            outcome.failing_cell, cell_error = _failing_cell(nb)
            if cell_error is not None and outcome.error is None:
                outcome.error = cell_error
        if outcome.error is None:
            outcome.error = {"kind": "runner", "ename": type(exc).__name__, "evalue": str(exc)[:2000],
                             "traceback": traceback.format_exc(limit=8)[-4000:]}
    end = _now()
    outcome.finished = end.isoformat()
    outcome.duration_s = time.perf_counter() - t0
    return outcome


# --------------------------------------------------------------------------------------------
# The fork: one child per report, detected crashes, retry once.
# --------------------------------------------------------------------------------------------


def _child(job: ReportJob, wfd: int) -> None:
    # In the child: route Python-level output into the notebook, C-level output away from the
    # parent's terminal, and never return into the parent's code (os._exit).
    code = 0
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        sys.stdout = _SinkStream(_SINK, "stdout")
        sys.stderr = _SinkStream(_SINK, "stderr")
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


def _fork_once(job: ReportJob) -> tuple[dict[str, Any] | None, str]:
    """Fork a child for ``job``; return (outcome dict or None, how the child ended)."""
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


def execute_report(job: ReportJob, *, engine: str = "fork", retries: int = 1) -> ExecutionOutcome:
    """Render one report and return its outcome; a crashed fork child is retried ``retries`` times.

    Parameters
    ----------
    job
        What to run and where to write it.
    engine
        ``"fork"`` (a child of this prepared worker per report) or ``"papermill"`` (stock).
    retries
        How many times a child killed by a signal (or dying without a result) is re-run before
        the report is marked failed. Timeouts are not retried.

    Examples
    --------
    >>> out = execute_report(job, engine="papermill")  # doctest: +SKIP
    >>> out.status
    'ok'
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if engine == "papermill":
        prepare_worker((), engine="papermill")
        return run_pipeline(job, engine="papermill")
    prepare_worker()
    start = _now()
    t0 = time.perf_counter()
    attempts = 0
    how = ""
    while attempts <= retries:
        attempts += 1
        data, how = _fork_once(job)
        if data is not None:
            data["attempts"] = attempts
            return ExecutionOutcome(**data)
        if how.startswith("timed out"):
            break
    return ExecutionOutcome(
        name=job.name, status="failed", started=start.isoformat(), finished=_now().isoformat(),
        duration_s=time.perf_counter() - t0, attempts=attempts, engine=engine,
        error={"kind": "crash", "ename": "WorkerCrash" if not how.startswith("timed out") else "Timeout",
               "evalue": f"report process {how} (attempt {attempts} of {retries + 1})"})


def notebook_structure(nb: Any) -> dict[str, Any]:
    """What must agree between two executions of a notebook, values aside.

    Cell types, tags and metadata keys (top level, ``papermill`` and per cell), execution counts
    and, per output, its type, stream name and MIME types. Used to check the fork engine against
    stock papermill.

    Examples
    --------
    >>> import nbformat
    >>> notebook_structure(nbformat.read("reports/x.ipynb", as_version=4))  # doctest: +SKIP
    """
    cells = []
    for c in nb["cells"]:
        outs = [(o["output_type"], o.get("name"), tuple(sorted(o.get("data", {}))), tuple(sorted(o))) for o in c.get("outputs", [])]
        md = c.get("metadata", {})
        cells.append({"type": c["cell_type"], "tags": tuple(md.get("tags", [])), "meta": tuple(sorted(md)),
                      "papermill": tuple(sorted(md.get("papermill", {}))),
                      "status": md.get("papermill", {}).get("status"),
                      "execution_count": c.get("execution_count"), "outputs": outs})
    meta = nb["metadata"]
    return {"metadata": tuple(sorted(meta)), "papermill": tuple(sorted(meta.get("papermill", {}))),
            "language_info": tuple(sorted(meta.get("language_info", {}))), "cells": cells}
