"""The runner's promises around a run: an honest incremental key, clean interrupts, one run per
output folder, PDFs through the same scan, and command-line errors without tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

from kinerja_research.reports import cache
from kinerja_research.reports.lock import OutputLocked, output_lock
from kinerja_research.reports.runner import run_reports

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _slow_grid(n: int, seconds: float) -> dict:
    return {"languages": ["id"], "reports": [
        {"notebook": "tests/notebooks/slow.ipynb", "name": "s/{marker}", "parameters": {"seconds": seconds},
         "for_each": {"marker": [f"r{i}" for i in range(n)]}}]}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _start_cli(grid: dict, out: Path, tmp: Path, *extra: str) -> subprocess.Popen:
    g = tmp / f"grid-{time.time_ns()}.yml"
    g.write_text(yaml.safe_dump(grid))
    # its own session: a terminal's Ctrl-C reaches the whole foreground process group, as here
    return subprocess.Popen([sys.executable, "-m", "kinerja_research.cli", "reports", "--grid", str(g),
                             "--out", str(out), "--workers", "2", *extra], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(cond, timeout: float = 120.0) -> None:
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("condition not met")
        time.sleep(0.1)


def _statuses(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)).removesuffix(".manifest.json"): json.loads(p.read_text())["status"]
            for p in out.rglob("*.manifest.json")}


# -- the key covers the code ----------------------------------------------------------------------

@pytest.mark.notebooks
def test_rubric_or_code_edit_reruns_the_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(cache.package_root(), pkg, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "package_root", lambda: pkg)
    grid = {"languages": ["id"], "reports": [{"notebook": "tests/notebooks/ok.ipynb", "name": "k/a"}]}
    out = tmp_path / "out"
    assert run_reports(grid, out_dir=out, progress=False, workers=1).ok == ("k/a",)
    assert run_reports(grid, out_dir=out, progress=False, workers=1).skipped == ("k/a",)
    rubric = next(p for p in sorted((pkg / "rubrics" / "files").rglob("*")) if p.is_file())
    rubric.write_bytes(rubric.read_bytes() + b"\n")
    assert run_reports(grid, out_dir=out, progress=False, workers=1).ok == ("k/a",)  # rubric edit
    assert run_reports(grid, out_dir=out, progress=False, workers=1).skipped == ("k/a",)
    module = pkg / "scoring" / "__init__.py"
    module.write_text(module.read_text() + "\n# a fix\n")
    assert run_reports(grid, out_dir=out, progress=False, workers=1).ok == ("k/a",)  # code edit


def test_code_fingerprint_covers_config_and_the_lock_file(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yml").write_text("a: 1\n")
    first = cache.code_fingerprint(tmp_path)
    (tmp_path / "config" / "settings.yml").write_text("a: 2\n")
    second = cache.code_fingerprint(tmp_path)
    (tmp_path / cache.LOCK_FILE).write_text("pandas==3.1.1\n")
    third = cache.code_fingerprint(tmp_path)
    assert len({first, second, third}) == 3
    assert cache.lock_file_record(tmp_path)["path"] == cache.LOCK_FILE


# -- interrupts ----------------------------------------------------------------------------------

@pytest.mark.notebooks
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_leaves_a_consistent_folder(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "out"
    proc = _start_cli(_slow_grid(6, 4.0), out, tmp_path)
    try:
        _wait_for(lambda: "running" in _statuses(out).values() if out.exists() else False)
        time.sleep(0.5)
        os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in " ".join(err.split())
    statuses = _statuses(out)
    assert len(statuses) == 6 and set(statuses.values()) <= {"ok", "interrupted"}
    assert "interrupted" in statuses.values()
    index = (out / "index.html").read_text()
    assert index.count("interrupted") >= list(statuses.values()).count("interrupted")
    for name, st in statuses.items():
        page = out / f"{name}.html"
        assert page.exists() == (st == "ok"), name
        if page.exists():
            assert "KeyboardInterrupt" not in page.read_text()
    assert not list(out.rglob(".*.tmp"))
    # no report process outlives the run
    import psutil

    assert not [p for p in psutil.process_iter(["cmdline"])
                if str(out) in " ".join(p.info["cmdline"] or []) and p.pid != os.getpid()]


# -- one run per folder ----------------------------------------------------------------------------

def test_a_second_run_into_the_same_folder_exits_clearly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_lock(out):
        with pytest.raises(OutputLocked, match=r"another `kinerja reports` run \(pid \d+\) is writing to"):
            run_reports(_slow_grid(1, 0.0), out_dir=out, progress=False)
        t0 = time.monotonic()
        with pytest.raises(OutputLocked):
            run_reports(_slow_grid(1, 0.0), out_dir=out, progress=False, lock_wait=1.0)
        assert time.monotonic() - t0 >= 1.0
    assert not list(out.rglob("*.manifest.json"))  # nothing was touched while locked


@pytest.mark.notebooks
def test_concurrent_cli_runs_one_waits_one_exits(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _start_cli(_slow_grid(2, 3.0), out, tmp_path)
    try:
        _wait_for(lambda: out.exists() and bool(_statuses(out)))
        second = _start_cli(_slow_grid(2, 3.0), out, tmp_path)
        _, err = second.communicate(timeout=60)
        err = " ".join(err.split())
        assert second.returncode == 75 and "another `kinerja reports` run" in err and "Traceback" not in err
        waiting = _start_cli(_slow_grid(2, 0.1), out, tmp_path, "--wait", "120")
        _, err_w = waiting.communicate(timeout=180)
        first.communicate(timeout=60)
    finally:
        for p in (first,):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
    assert first.returncode == 0
    assert waiting.returncode == 0, err_w
    assert set(_statuses(out).values()) == {"ok"}


# -- PDFs pass the same scan -----------------------------------------------------------------------

def _job(tmp_path: Path, **kw: object) -> SimpleNamespace:
    base = {"ipynb_path": str(tmp_path / "r.ipynb"), "html_path": str(tmp_path / "r.html"), "lang": "id",
            "title": "Laporan", "header": "Kota Malang 2024", "name_headers": (), "publish_ipynb": False,
            "pdf": True}
    return SimpleNamespace(**{**base, **kw})


def _outcome() -> SimpleNamespace:
    return SimpleNamespace(status="ok", outputs={}, privacy=[], error=None, title="", synthetic=False, lang="")


def _nb() -> nbformat.NotebookNode:
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    return new_notebook(cells=[new_markdown_cell("# Kota Malang 2024"), new_code_cell("x", outputs=[
        new_output("display_data", data={"text/html": '<div class="kr-synthetic-banner">DATA SINTETIS</div>'})])])


@pytest.mark.parametrize("pdf_says", ["ringkasan", "NIP 19800101 200501 1 008"])
def test_pdf_is_rendered_beside_the_page_and_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     pdf_says: str) -> None:
    from kinerja_research.reports import pdf
    from kinerja_research.reports.publish import publish_report

    calls: list[tuple] = []

    def render(html_path, pdf_path, *, header):
        assert Path(html_path).exists()  # the accepted page is on disk before its PDF is made
        calls.append((Path(html_path).name, header))
        Path(pdf_path).write_bytes(b"%PDF-1.7 fake")

    monkeypatch.setattr(pdf, "render_pdf", render)
    monkeypatch.setattr(pdf, "pdf_text", lambda p: f"Kota Malang 2024 {pdf_says}")
    out = _outcome()
    publish_report(_job(tmp_path), _nb(), out)
    assert calls == [("r.html", "Kota Malang 2024")]
    assert out.title == "Kota Malang 2024" and out.synthetic is True and out.lang == "id"
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    if pdf_says == "ringkasan":
        assert out.status == "ok" and set(out.outputs) == {"html", "pdf"} and leftovers == ["r.html", "r.pdf"]
        assert "<title>Kota Malang 2024</title>" in (tmp_path / "r.html").read_text()
    else:
        assert out.status == "failed" and out.error["kind"] == "privacy" and leftovers == []


def test_no_pdf_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kinerja_research.reports import pdf
    from kinerja_research.reports.publish import publish_report

    monkeypatch.setattr(pdf, "render_pdf", lambda *a, **k: pytest.fail("PDF rendered without being asked"))
    out = _outcome()
    publish_report(_job(tmp_path, pdf=False), _nb(), out)
    assert out.outputs == {"html": str(tmp_path / "r.html")}


# -- the command line ------------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kinerja_research.cli", "reports", *args], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=120)


def test_cli_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yml"
    bad_yaml.write_text("reports:\n  - notebook: [unclosed\n")
    afile = tmp_path / "afile"
    afile.write_text("x")
    good = tmp_path / "good.yml"
    good.write_text("languages: [id]\nreports:\n  - notebook: tests/notebooks/ok.ipynb\n")
    cases = [
        (("--grid", str(bad_yaml)), "YAML syntax error at line"),
        (("--grid", str(tmp_path)), "is a folder"),
        (("--grid", str(tmp_path / "none.yml")), "does not exist"),
        (("--grid", str(good), "--out", str(afile)), "is a file"),
        (("--grid", str(good), "--lang", "fr"), "--lang must be"),
        (("--grid", str(good), "--engine", "kernel"), "engine must be one of"),
    ]
    for args, msg in cases:
        r = _cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        said = " ".join(r.stderr.split())  # rich wraps long lines
        assert msg in said and "Traceback" not in said, (args, r.stderr)


def test_cli_names_the_install_command_for_dask(tmp_path: Path) -> None:
    good = tmp_path / "good.yml"
    good.write_text("languages: [id]\nreports:\n  - notebook: tests/notebooks/ok.ipynb\n")
    # a Python where `distributed` is not installed
    code = ("import importlib.util, sys; real = importlib.util.find_spec; "
            "importlib.util.find_spec = lambda n, *a: None if n == 'distributed' else real(n, *a); "
            "from kinerja_research.cli import app; sys.argv = ['kinerja', 'reports', '--grid', sys.argv[1], "
            "'--out', sys.argv[2], '--scheduler', 'tcp://127.0.0.1:1']; app()")
    r = subprocess.run([sys.executable, "-c", code, str(good), str(tmp_path / "out")], cwd=ROOT, env=_env(),
                       capture_output=True, text=True, timeout=120)
    said = " ".join(r.stderr.split())
    assert r.returncode == 2 and "pip install 'kinerja_research[dist]'" in said and "Traceback" not in said
