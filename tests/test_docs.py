"""The documentation: public names documented, references inside the repository, the site builds.

The full build (``make docs``: Sphinx, warnings as errors, every worked example executed) is the
``slow`` test at the end; the others are quick checks of the same rules.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _conf_value(name: str):
    """A literal assigned in docs/conf.py (read without running it: conf.py writes API pages)."""
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(node.value)
    raise KeyError(name)


@pytest.fixture(scope="module")
def api_ext():
    pytest.importorskip("sphinx", reason="the docs extra is not installed: pip install -e '.[docs]'")
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        yield _load("kinerja_api", DOCS / "_ext" / "kinerja_api.py")
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_every_public_name_has_a_docstring(api_ext) -> None:
    missing = set(api_ext.missing_docstrings("kinerja_research"))
    baseline = set(_conf_value("kinerja_api_undocumented"))
    assert sorted(missing - baseline) == [], "public names without a docstring"
    assert sorted(baseline - missing) == [], (
        "documented since: remove from kinerja_api_undocumented in docs/conf.py")


def test_reference_lists_every_public_module_and_function(api_ext) -> None:
    api = api_ext.public_api("kinerja_research")
    # the walk finds modules of every layer, and names the package's own contracts
    for module in ("kinerja_research.data.read", "kinerja_research.scoring.ikm",
                   "kinerja_research.stats.did", "kinerja_research.analysis.panels",
                   "kinerja_research.reports.runner", "kinerja_research.cli"):
        assert module in api
    assert "staggered_did" in api["kinerja_research.stats.did"].functions
    assert "Results" in api["kinerja_research.stats"].classes      # re-exported from _results
    assert "ikm" in api["kinerja_research.scoring.ikm"].functions   # not shadowed by the package
    # a name is listed once: re-exports of public modules stay where they are defined
    listed = [f"{m}.{n}" for m, e in api.items() for n in e.functions + e.classes]
    assert len(listed) == len(set(listed))
    assert "staggered_did" not in api["kinerja_research.stats"].functions
    assert not any(m.split(".")[-1].startswith("_") for m in api)


def test_fix_refs_rewrites_every_outside_reference(tmp_path: Path) -> None:
    fix = _load("fix_refs", DOCS / "fix_refs.py")
    # Built from pieces so that this file holds no reference itself (fix_refs scans tests/).
    design, shared, rubrics = "DESI" + "GN", "sha" + "red/", "rubrics" + ".md"
    sample = {
        "src/kinerja_research/stats/x.py":
            f'"""Methods ({design} §6): one.\n\nSee {rubrics} open\nquestion 3.\n"""\n',
        "src/kinerja_research/rubrics/files/ikm/permenpan-14-2017.yml":
            f"# 9 unsur. Transcribed from {shared}domain/{rubrics} §2.\nsource: {rubrics} §2.8\n",
        "tests/test_y.py": f'"""Reference: /work/{shared}validation/results/rd_senate.json; copied '
                           f'from\n{shared}validation/data/mpdta.csv."""\n',
        "tests/test_coverage.py": f"{design}S = synthetic_designs('tiny')\n",
    }
    for rel, text in sample.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    fix.ROOT = tmp_path
    assert fix.main(["--check"]) == 1
    assert fix.main([]) == 0
    text = "".join((tmp_path / rel).read_text(encoding="utf-8") for rel in sample)
    assert not re.search(design + "|" + shared + r"|(?<!guide/)rubrics\.md", text)
    assert "docs/guide/methods.md" in text
    assert "docs/guide/rubrics.md#rubric-ikm-permenpan-14-2017" in text
    assert "docs/guide/rubrics.md#open-questions, question 3" in text
    assert "(``mpdta.csv``, docs/guide/methods.md)." in text
    before = text
    assert fix.main(["--check"]) == 0          # idempotent: nothing left, nothing changes
    assert fix.main([]) == 0
    assert "".join((tmp_path / rel).read_text(encoding="utf-8") for rel in sample) == before


def test_no_reference_points_outside_the_repository() -> None:
    fix = _load("fix_refs_repo", DOCS / "fix_refs.py")
    left = []
    for path in fix.files():
        rel = path.relative_to(fix.ROOT).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        left += [f"{rel}:{line}: {old}" for line, old, _ in fix.rewrite(text, rel)[1]]
    assert left == []


def test_pending_examples_exist_and_are_excluded() -> None:
    pending = _conf_value("pending_examples")
    for rel in pending:
        assert (DOCS / rel).is_file(), rel
        assert "{code-cell}" in (DOCS / rel).read_text(encoding="utf-8")


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path: Path) -> None:
    """`make docs`: offline, -W --keep-going, examples executed; a stale example fails here."""
    pytest.importorskip("sphinx", reason="the docs extra is not installed: pip install -e '.[docs]'")
    out = tmp_path / "html"
    env = {**os.environ, "KINERJA_DOCS_EXECUTE": "force"}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-j", "2", "-q",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    warnings = [ln for ln in proc.stderr.splitlines() if "WARNING" in ln and "IPKernelApp" not in ln]
    assert proc.returncode == 0 and not warnings, proc.stderr[-4000:]
    assert (out / "index.html").is_file()
    api_page = out / "api" / "generated" / "kinerja_research.stats.did.staggered_did.html"
    assert "Callaway" in api_page.read_text(encoding="utf-8")
    example = (out / "examples" / "did.html").read_text(encoding="utf-8")
    assert "cell_output" in example and "Pre-trend" in example     # the example ran
    for page in ("getting-started/en.html", "getting-started/id.html",
                 "guide/report-guide-en.html", "guide/report-guide-id.html"):
        assert (out / page).is_file(), page
