"""Architecture checks: imports only go down the layers; static types of src/ (mypy).

The layers are declared in ``pyproject.toml`` (``[tool.importlinter]``) and explained in
``docs/guide/architecture.md``: cli > reports > analysis > stats > scoring > rubrics > data >
config | provenance.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    exe = BIN / name
    if not exe.exists():
        pytest.fail(f"{name} is not installed in this environment: pip install -e '.[docs]' "
                    "(make docs installs it)")
    return str(exe)


def test_imports_only_go_down_the_layers() -> None:
    proc = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_the_layer_contract_catches_an_upward_import(tmp_path: Path) -> None:
    """The contract is not vacuous: a data module importing the runner breaks it."""
    pkg = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "kinerja_research", pkg / "kinerja_research",
                    ignore=shutil.ignore_patterns("__pycache__", "*.parquet", "*.csv"))
    (pkg / "kinerja_research" / "data" / "upward.py").write_text(
        "from kinerja_research.reports import runner  # noqa: F401\n", encoding="utf-8")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(pkg)}
    proc = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode != 0
    assert "kinerja_research.data.upward -> kinerja_research.reports" in proc.stdout


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    proc = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True,
                          timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:]
