"""Notebook hygiene: the rules every notebook in ``notebooks/`` keeps (docs/guide/reports.md).

Outputs stripped, kernelspec ``python3``, exactly one ``parameters`` cell of plain literals,
no ``def`` or ``class`` (functions belong in the package), no file paths (data come through
``kinerja_research.analysis.notebook.setup``).

>>> notebook_problems("notebooks/00_data_overview.ipynb")  # doctest: +SKIP
[]
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from kinerja_research.reports.grid import notebook_parameters

# A string is a path when it starts like one (./ ../ ~/ /x C:\ or a project folder) or names a
# data file; labels such as "IKM / SKM" or rubric ids such as "ikm/permenpan-14-2017" are not.
_PATHLIKE = re.compile(
    r"^(\.{1,2}/|~/|/(?=\S)|[A-Za-z]:\\|(data|reports|config|notebooks)/)"
    r"|\.(csv|xlsx?|parquet|json|ya?ml|ipynb|pkl|pickle|feather|txt|sav|dta)$",
    re.IGNORECASE)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def notebook_problems(path: str | Path) -> list[str]:
    """Every hygiene rule a notebook breaks, as readable messages (empty when clean).

    Parameters
    ----------
    path
        The ``.ipynb`` file.

    Examples
    --------
    >>> notebook_problems("tests/notebooks/bad_params.ipynb")[0]  # doctest: +SKIP
    'parameters cell: ...'
    """
    p = Path(path)
    nb = json.loads(p.read_text(encoding="utf-8"))
    problems: list[str] = []
    spec = nb.get("metadata", {}).get("kernelspec", {})
    if spec.get("name") != "python3":
        problems.append(f"kernelspec name is {spec.get('name')!r}, not 'python3'")
    try:
        notebook_parameters(p)
    except ValueError as exc:
        problems.append(f"parameters cell: {exc}")
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {i}: outputs not stripped")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i}: execution_count not cleared")
        src = _source(cell)
        try:
            # IPython magics are not Python; blank them before parsing.
            tree = ast.parse("\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in src.splitlines()))
        except SyntaxError as exc:
            problems.append(f"cell {i}: not valid Python ({exc.msg})")
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                kind = "lambda" if isinstance(node, ast.Lambda) else ("class" if isinstance(node, ast.ClassDef) else "def")
                if kind != "lambda":
                    problems.append(f"cell {i}: defines a {kind} ({getattr(node, 'name', '')}); move it into the package")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _PATHLIKE.search(node.value.strip()):
                problems.append(f"cell {i}: file path {node.value!r}; load data through kr.analysis.notebook.setup")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                problems.append(f"cell {i}: opens a file; load data through kr.analysis.notebook.setup")
    return problems
