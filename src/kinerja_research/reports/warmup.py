"""Worker warm-up: import the heavy libraries, build the report shell and warm every
per-process cache once, so that each report (a fork child of the worker, or the worker itself)
starts warm instead of spending ~2.5 s importing numpy, pandas, matplotlib, IPython, papermill
and nbconvert.

>>> prepare_worker(["json"], engine="papermill")["imported"]  # doctest: +SKIP
['json']
"""

from __future__ import annotations

import base64
import contextlib
import gc
import importlib
import os
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any

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

#: Imported lazily by every report's pipeline or shell; loaded once in the worker instead.
_CHILD_MODULES: tuple[str, ...] = (
    "ipykernel.ipkernel",
    "IPython.core.logger",
    "IPython.core.magics.code",
    "kinerja_research.analysis.i18n",
    "kinerja_research.reports.manifest",
)

#: prepare_worker's arguments already prepared in this process, with what it reported.
_PREPARED: dict[tuple[tuple[str, ...], tuple[str, ...], str], dict[str, Any]] = {}
_EXPORTER: Any = None


def exporter() -> Any:
    """The process's HTML exporter (built once): code hidden, images embedded."""
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
        ``"fork"`` (shell built, heap frozen for the forked reports), ``"inline"`` (shell built;
        reports run in this process, one per process) or ``"papermill"`` (imports only).

    Returns
    -------
    dict
        ``imported``, ``skipped`` module names and ``seconds`` spent.

    Examples
    --------
    >>> prepare_worker(["json"], engine="papermill")["imported"]  # doctest: +SKIP
    ['json']
    """
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

    from kinerja_research.reports.pm_engine import ensure_registered
    from kinerja_research.reports.shell import build_shell, current_shell

    ensure_registered()
    exp = exporter()
    if engine in ("fork", "inline") and current_shell() is None:
        shell = build_shell()
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

        table, _ = shell.display_formatter.format(pd.DataFrame({"a": [1.5], "b": pd.array(["x&y"], dtype="string")}))
        exp.from_notebook_node(_warm_notebook(table))
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

    from kinerja_research.reports.shell import json_data

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode("ascii")
    nb = new_notebook(cells=[
        new_markdown_cell("# Warm &amp; ready\n\n*text* with `code` and a [link](https://example.org)"),
        new_code_cell("x", execution_count=1, outputs=[
            new_output("stream", name="stdout", text="text\n"),
            new_output("display_data", data={"text/markdown": "**bold** &mdash; 1 < 2"}),
            new_output("execute_result", data=json_data(table), execution_count=1),
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        ]),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.from_dict(nb)


