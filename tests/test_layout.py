"""The repository layout and the one-dependency-list rule (foundation issue)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_layout_exists() -> None:
    for p in ("notebooks", "src/kinerja_research", "data/README.md", "reports", "tests",
              "environment.yml", "README.md", "pyproject.toml", "Makefile", "config", ".ci/run"):
        assert (ROOT / p).exists(), p


def test_environment_yml_is_thin() -> None:
    """pyproject.toml is the one dependency list: environment.yml names only python, pip and the project."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    plain = [d for d in deps if isinstance(d, str)]
    pips = [d for d in deps if isinstance(d, dict)]
    assert sorted(plain) == ["pip", "python=3.11"]
    assert len(pips) == 1 and pips[0]["pip"] == ["-e .[notebooks,dev]"]


def test_pyproject_extras() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["build-system"]["build-backend"] == "hatchling.build"
    extras = meta["project"]["optional-dependencies"]
    assert {"notebooks", "dev", "dist"} <= set(extras)
    assert meta["project"]["scripts"]["kinerja"] == "kinerja_research.cli:app"


def test_ci_runs_make_test_only() -> None:
    lines = [ln.strip() for ln in (ROOT / ".ci/run").read_text().splitlines()
             if ln.strip() and not ln.strip().startswith("#")]
    assert "make test" in lines
    assert not any("pytest" in ln for ln in lines)


def test_data_and_reports_are_ignored() -> None:
    ignore = (ROOT / ".gitignore").read_text().splitlines()
    assert "data/*" in ignore and "!data/README.md" in ignore and "reports/*" in ignore
