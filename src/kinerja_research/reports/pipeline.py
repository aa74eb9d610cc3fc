"""One report through papermill's own pipeline, in this process: language selection,
parameters, execution, error markers, publishing.

papermill's pieces are used as stock papermill uses them —
:func:`papermill.parameterize.parameterize_notebook` for the injected cell,
:class:`papermill.engines.NotebookExecutionManager` (through the engine) for the
``metadata.papermill`` records, :func:`papermill.execute.raise_for_execution_errors` for the
error marker cells — with either the in-process shell engine (``kinerja-fork``) or a kernel.

>>> outcome = run_pipeline(job, engine="papermill")  # doctest: +SKIP
>>> outcome.status                                    # doctest: +SKIP
'ok'
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from kinerja_research.reports.job import ExecutionOutcome, ReportJob, now
from kinerja_research.reports.privacy import redact

#: Exception classes that mean the run was stopped, not that the report is wrong.
INTERRUPTS = ("KeyboardInterrupt", "SystemExit")


def failing_cell(nb: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The first failing cell (its position only, never its source) and its error.

    ``index`` counts cells of the input notebook (what the author edits: the injected-parameters
    cell is not counted); ``executed_index`` counts cells of the executed notebook. The error's
    message is redacted.
    """
    injected = 0
    for index, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            injected = 1
        if cell.get("cell_type") != "code":
            continue
        where = {"index": index - injected, "executed_index": index,
                 "execution_count": cell.get("execution_count")}
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return where, {"kind": "cell", "class": str(out.get("ename")),
                               "message": redact(str(out.get("evalue")))[:500]}
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            return where, {"kind": "cell", "class": "CellExecutionError", "message": ""}
    return None, None


def run_pipeline(job: ReportJob, *, engine: str) -> ExecutionOutcome:
    """Run one report in this process; publish its outputs; never raise.

    ``engine="fork"``/``"inline"`` execute the cells in this process's shell (a fork child of a
    prepared worker, or a prepared one-report process); ``engine="papermill"`` starts a kernel as
    stock papermill does.
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

    from kinerja_research.reports.language import select_language
    from kinerja_research.reports.pm_engine import ensure_registered
    from kinerja_research.reports.publish import publish_report, remove
    from kinerja_research.reports.shell import collect_rubrics, current_shell

    in_process = engine in ("fork", "inline")
    pm_engine = ensure_registered() if in_process else None
    start = now()
    t0 = time.perf_counter()
    outcome = ExecutionOutcome(name=job.name, status="ok", started=start.isoformat(), finished="",
                               duration_s=0.0, engine=engine, lang=job.lang, title=job.title)
    nb = None
    try:
        os.chdir(job.cwd)
        nb = select_language(load_notebook_node(job.notebook), job.lang)
        nb = parameterize_notebook(nb, job.parameters, report_mode=False, engine_name=pm_engine)
        nb = prepare_notebook_metadata(nb, job.notebook, job.ipynb_path)
        nb = remove_error_markers(nb)
        kernel_name = papermill_engines.nb_kernel_name(engine_name=pm_engine, nb=nb)
        extra: dict[str, Any] = {}
        if not in_process:
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
        if in_process:
            outcome.rubrics = collect_rubrics(current_shell())
        failing, cell_error = failing_cell(nb)
        if cell_error is not None and cell_error["class"] in INTERRUPTS:
            # Stopped from outside (Ctrl-C reached a kernel): nothing of it is a result.
            outcome.status = "interrupted"
            outcome.error = {**cell_error, "kind": "interrupt"}
        else:
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
                outcome.error = cell_error or {"kind": "cell", "class": "CellExecutionError", "message": ""}
            finally:
                remove(tmp)
            publish_report(job, nb, outcome)
    except Exception as exc:  # noqa: BLE001 - one report's failure is reported, never raised
        outcome.status = "failed"
        if nb is not None and outcome.failing_cell is None:
            outcome.failing_cell, cell_error = failing_cell(nb)
            if cell_error is not None and outcome.error is None:
                outcome.error = cell_error
        if outcome.error is None or outcome.error.get("kind") == "privacy":
            outcome.error = {"kind": "runner", "class": type(exc).__name__,
                             "message": redact(str(exc))[:500]}
    outcome.finished = now().isoformat()
    outcome.duration_s = time.perf_counter() - t0
    return outcome
