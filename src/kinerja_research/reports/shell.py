"""The in-process IPython shell that runs a report's cells, with display hooks that collect
nbformat outputs (what a kernel would send), and the shell's per-cell step.

One shell is built per warm worker (:func:`build_shell`); each report runs in a fresh process
that inherits it (a fork child, or a fresh subprocess on platforms without fork), so a report's
namespace never reaches the next one.

>>> shell = build_shell()                     # doctest: +SKIP
>>> run_code_cell(shell, cell)                # doctest: +SKIP
True
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import sys
from collections.abc import Mapping
from typing import Any


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

        self._add(new_output("display_data", data=json_data(data), metadata=dict(metadata or {})))

    def result(self, data: Mapping[str, Any], metadata: Mapping[str, Any] | None, count: int) -> None:
        from nbformat.v4 import new_output

        self._add(new_output("execute_result", data=json_data(data), metadata=dict(metadata or {}),
                             execution_count=count))

    def error(self, ename: str, evalue: str, tb: list[str]) -> None:
        from nbformat.v4 import new_output

        self._add(new_output("error", ename=ename, evalue=evalue, traceback=list(tb)))

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_on_next = True
        else:
            self.outputs.clear()


def json_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """A display's mime bundle as a kernel would send it: bytes become base64 text."""
    # As in ipykernel's json_clean, so the fork engine's outputs equal a kernel's.
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


#: The outputs of the cell being executed.
SINK = _Sink()
_SHELL: Any = None


def current_shell() -> Any:
    """The shell built in this process, or None."""
    return _SHELL


def build_shell() -> Any:
    """The process's report shell (built once): IPython with the inline matplotlib backend."""
    global _SHELL
    if _SHELL is not None:
        return _SHELL
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type
    from traitlets.config import Config

    class _DisplayPublisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):  # type: ignore[override]
            SINK.display(data, metadata)

        def clear_output(self, wait: bool = False) -> None:
            SINK.clear(wait)

    class _DisplayHook(DisplayHook):
        def start_displayhook(self) -> None:
            self._bundle: tuple[Any, Any] | None = None

        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict, md_dict=None) -> None:  # type: ignore[override]
            self._bundle = (format_dict, md_dict)

        def finish_displayhook(self) -> None:
            if self._bundle is not None:
                SINK.result(self._bundle[0], self._bundle[1], self.prompt_count)
            self._bundle = None

    class ReportShell(InteractiveShell):
        displayhook_class = Type(_DisplayHook)
        display_pub_class = Type(_DisplayPublisher)

        def _showtraceback(self, etype, evalue, stb):  # type: ignore[override]
            SINK.error(getattr(etype, "__name__", str(etype)), str(evalue), stb)

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
    _SHELL = shell
    return shell



def install_streams() -> None:
    """Route Python-level ``print`` output into the current cell's outputs."""
    sys.stdout = _SinkStream(SINK, "stdout")
    sys.stderr = _SinkStream(SINK, "stderr")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso_z(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")



def run_code_cell(shell: Any, cell: Any) -> bool:
    """Run one code cell; fill its outputs, execution_count and timing metadata. True if no error."""
    SINK.outputs = []
    SINK.clear_on_next = False
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
    cell.outputs = list(SINK.outputs)
    return result.success


def collect_rubrics(shell: Any) -> list[dict[str, Any]]:
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

