"""Hygiene of the committed notebooks (notebooks/) and of the checker itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kinerja_research.reports.hygiene import notebook_problems

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FIXTURES = ROOT / "tests" / "notebooks"


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_hygiene(path: Path) -> None:
    assert notebook_problems(path) == []


def _write(tmp_path: Path, cells: list[dict], kernel: str = "python3") -> Path:
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": kernel, "display_name": "x", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    p = tmp_path / "nb.ipynb"
    p.write_text(json.dumps(nb))
    return p


def _code(src: str, *, tags: list[str] | None = None, outputs: list | None = None, count: int | None = None) -> dict:
    return {"cell_type": "code", "source": src, "metadata": {"tags": tags or []}, "outputs": outputs or [],
            "execution_count": count}


def test_clean_notebook_passes(tmp_path: Path) -> None:
    p = _write(tmp_path, [_code("lang = 'id'\nseed = 0", tags=["parameters"]), _code("import kinerja_research as kr")])
    assert notebook_problems(p) == []


@pytest.mark.parametrize(("cells", "kernel", "expected"), [
    ([_code("x = 1", tags=["parameters"]), _code("def f():\n    return 1")], "python3", "defines a def"),
    ([_code("x = 1", tags=["parameters"]), _code("class A:\n    pass")], "python3", "defines a class"),
    ([_code("x = 1", tags=["parameters"]), _code("import pandas as pd\npd.read_csv('data/raw/x.csv')")],
     "python3", "file path"),
    ([_code("x = 1", tags=["parameters"]), _code("open('notes')")], "python3", "opens a file"),
    ([_code("x = 1", tags=["parameters"], outputs=[{"output_type": "stream", "name": "stdout", "text": "1"}])],
     "python3", "outputs not stripped"),
    ([_code("x = 1", tags=["parameters"], count=3)], "python3", "execution_count"),
    ([_code("x = 1", tags=["parameters"])], "ir", "kernelspec"),
    ([_code("x = 1")], "python3", "exactly one cell tagged 'parameters'"),
    ([_code("x = 1", tags=["parameters"]), _code("y = 2", tags=["parameters"])], "python3", "found 2"),
])
def test_each_rule_can_fail(tmp_path: Path, cells: list[dict], kernel: str, expected: str) -> None:
    problems = notebook_problems(_write(tmp_path, cells, kernel))
    assert any(expected in p for p in problems), problems


def test_non_literal_parameters_fixture_is_flagged() -> None:
    problems = notebook_problems(FIXTURES / "bad_params.ipynb")
    assert any("plain literal" in p and "size" in p for p in problems), problems


@pytest.mark.parametrize(("text", "is_path"), [
    ("data/raw/pegawai.csv", True), ("data/synthetic", True), ("/home/x/y", True), ("./a", True),
    ("pegawai.xlsx", True), ("IKM / SKM", False), ("ikm/permenpan-14-2017", False), ("a/b", False),
])
def test_path_detection(tmp_path: Path, text: str, is_path: bool) -> None:
    p = _write(tmp_path, [_code("x = 1", tags=["parameters"]), _code(f"y = {text!r}")])
    assert any("file path" in m for m in notebook_problems(p)) is is_path
