"""Test-only helpers for the report runner's tests and its benchmark."""

from __future__ import annotations

from typing import Any


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
