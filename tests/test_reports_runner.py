"""The batch runner end to end on tiny fixture notebooks: faults, incremental runs, privacy,
equivalence with stock papermill, and a Dask LocalCluster.

All tests here execute notebooks (marker ``notebooks``); they share the 2 CPUs with the rest of
the suite, so each uses at most 2 workers and notebooks that run in milliseconds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from kinerja_research.reports.runner import run_reports
from reports_support import notebook_structure

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    # Grid paths are relative to the working directory, as under `make reports`.
    monkeypatch.chdir(ROOT)


def _manifest(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.manifest.json").read_text())


def _entry(nb: str, name: str, **params: object) -> dict:
    return {"notebook": f"tests/notebooks/{nb}.ipynb", "name": name, "parameters": params}


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """One run with good, raising and self-killing reports (2 workers)."""
    out = tmp_path_factory.mktemp("faults")
    grid = {"defaults": {"seed": 7}, "languages": ["id"], "publish_ipynb": True, "reports": [
        _entry("ok", "good/a", label="a"),
        _entry("raising", "bad/raises"),
        _entry("slow", "bad/killed", kill="self"),
        _entry("ok", "good/b", label="b", n=2),
        _entry("ok", "good/c", label="c"),
    ]}
    summary = run_reports(grid, workers=2, out_dir=out, progress=False)
    return out, summary


def test_one_failure_does_not_stop_the_others(fault_run) -> None:
    out, s = fault_run
    assert sorted(s.ok) == ["good/a", "good/b", "good/c"]
    assert sorted(s.failed) == ["bad/killed", "bad/raises"]
    assert s.exit_code == 1
    for name in s.ok:
        assert (out / f"{name}.html").exists() and (out / f"{name}.ipynb").exists()


def test_raising_report_records_its_failing_cell(fault_run) -> None:
    out, _ = fault_run
    m = _manifest(out, "bad/raises")
    assert m["status"] == "failed"
    assert m["error"]["class"] == "ValueError"
    assert "deliberate failure" in m["error"]["message"]
    # input cells: markdown, parameters, print, raise → cell 3; executed: + injected cell → In [4]
    assert m["failing_cell"] == {"index": 3, "executed_index": 4, "execution_count": 4}
    # the failing source is published nowhere: not in the manifest, the page or the index
    for f in ("bad/raises.manifest.json", "bad/raises.html", "bad/raises.ipynb", "index.html"):
        text = (out / f).read_text()
        assert "deliberate failure" in text, f
        if f != "bad/raises.ipynb":  # the opted-in notebook holds the code by design
            assert "raise ValueError" not in text, f
    # papermill's own error markers are in the executed notebook
    nb = nbformat.read(out / "bad/raises.ipynb", as_version=4)
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.tags
    assert nb.metadata.papermill.exception is True


def test_killed_report_is_retried_then_failed_never_half_written(fault_run) -> None:
    out, s = fault_run
    m = _manifest(out, "bad/killed")
    assert m["status"] == "failed"
    assert m["attempts"] == 2
    assert "SIGKILL" in m["error"]["message"]
    assert m["outputs"] == {}
    assert not (out / "bad/killed.html").exists() and not (out / "bad/killed.ipynb").exists()
    assert "SIGKILL" in s.errors["bad/killed"]


def test_manifest_holds_the_provenance(fault_run) -> None:
    out, _ = fault_run
    m = _manifest(out, "good/b")
    assert m["parameters"] == {"label": "b", "n": 2, "lang": "id", "seed": 7}  # defaults merged
    assert m["injected_parameters"] == {"seed": 7, "label": "b", "n": 2, "lang": "id"}
    assert m["lang"] == "id" and m["title"] == "Fixture report" and m["synthetic"] is False
    assert len(m["code_fingerprint"]) == 64
    assert m["seed"] == 7
    assert m["status"] == "ok" and m["error"] is None and m["failing_cell"] is None
    assert m["duration_s"] > 0
    assert {"pandas", "numpy", "papermill", "kinerja_research", "python"} <= set(m["package_versions"])
    assert len(m["key"]) == 64 and len(m["notebook_sha256"]) == 64
    assert m["git_commit"] is None or len(m["git_commit"]) == 40
    assert m["rubrics"] == [{"id": "ikm/permenpan-14-2017", "verified": False, "unverified_tables": ["bands"]}]


def test_executed_notebook_has_papermill_metadata(fault_run) -> None:
    out, _ = fault_run
    nb = nbformat.read(out / "good/a.ipynb", as_version=4)
    pm = nb.metadata.papermill
    assert pm.parameters == {"seed": 7, "label": "a", "lang": "id"}
    assert pm.input_path == "tests/notebooks/ok.ipynb"
    assert pm.output_path.endswith("good/a.ipynb")
    assert {"start_time", "end_time", "duration", "exception", "environment_variables", "version"} <= set(pm)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1
    assert all(c.metadata.papermill.status == "completed" for c in nb.cells)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    kinds = {(o.output_type, tuple(sorted(o.get("data", {})))) for o in outputs}
    assert ("display_data", ("image/png", "text/plain")) in kinds  # the matplotlib figure
    assert ("execute_result", ("text/html", "text/plain")) in kinds  # the DataFrame


def test_each_report_starts_from_a_clean_state(fault_run) -> None:
    # ok.ipynb fails if a mark left by an earlier report in the same worker is visible; three of
    # them ran on two workers, so at least one worker served two.
    _, s = fault_run
    assert len(s.ok) == 3


def test_html_hides_code_and_needs_no_network(fault_run) -> None:
    out, _ = fault_run
    html = (out / "good/a.html").read_text()
    assert "kr._touched_by_a_report" not in html  # code hidden
    assert "label=a n=3" in html  # outputs shown
    assert 'src="data:image/png;base64,' in html  # figures embedded


def test_index_lists_failures_with_their_error(fault_run) -> None:
    out, _ = fault_run
    html = (out / "index.html").read_text()
    assert "deliberate failure" in html and "ValueError" in html and "SIGKILL" in html
    assert "raise ValueError" not in html  # the failing cell's source is not published
    assert 'href="good/a.html"' in html
    assert "<script src" not in html and "http" not in html.split("<body>")[1]  # offline: inline script only


def test_unchanged_rerun_executes_nothing_and_is_fast(tmp_path: Path) -> None:
    # Reports that take ~0.5 s each, like small real ones, so the ratio measures the skip path
    # rather than the fixed cost of starting workers.
    grid = {"languages": ["id"],
            "reports": [_entry("slow", "r/{kill}", seconds=0.5) | {"for_each": {"kill": ["a", "b", "c"]}}]}
    t0 = time.perf_counter()
    first = run_reports(grid, workers=2, out_dir=tmp_path, progress=False)
    t_first = time.perf_counter() - t0
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("r/*.html")}
    t0 = time.perf_counter()
    second = run_reports(grid, workers=2, out_dir=tmp_path, progress=False)
    t_second = time.perf_counter() - t0
    assert len(first.ok) == 3 and first.exit_code == 0
    assert second.executed == () and sorted(second.skipped) == ["r/a", "r/b", "r/c"]
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert t_second <= 0.05 * t_first, (t_second, t_first)
    # a changed parameter re-runs only that report; --force re-runs all
    grid["reports"][0]["parameters"] = {"seconds": 0.1}
    third = run_reports(grid, workers=2, out_dir=tmp_path, progress=False, only="r/a")
    assert third.ok == ("r/a",) and third.skipped == ()
    forced = run_reports(grid, workers=1, out_dir=tmp_path, progress=False, only="r/a", force=True)
    assert forced.ok == ("r/a",)


def test_bad_parameters_fail_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"does not declare parameter\(s\) \['colour'\]"):
        run_reports({"reports": [_entry("ok", "x", colour="red")]}, out_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="plain literal"):
        run_reports({"reports": [_entry("bad_params", "y")]}, out_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="no report name matches"):
        run_reports({"reports": [_entry("ok", "x")]}, out_dir=tmp_path, progress=False, only="zzz*")
    assert not list(tmp_path.rglob("*.manifest.json"))


def test_worker_killed_mid_run_is_retried(tmp_path: Path) -> None:
    marker = tmp_path / "killed-once"
    grid = {"languages": ["id"], "reports": [_entry("slow", "w/kills_worker", kill="worker", marker=str(marker)),
                        _entry("ok", "w/fine")]}
    s = run_reports(grid, workers=1, out_dir=tmp_path / "out", progress=False)
    assert marker.exists()  # the worker process was killed once
    assert sorted(s.ok) == ["w/fine", "w/kills_worker"] and s.exit_code == 0
    assert _manifest(tmp_path / "out", "w/kills_worker")["attempts"] == 2


def test_timeout_marks_the_report_failed(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    s = run_reports({"languages": ["id"], "reports": [_entry("slow", "t/sleepy", seconds=60.0)]}, out_dir=tmp_path,
                    progress=False, timeout=3, workers=1)
    assert time.perf_counter() - t0 < 40
    m = _manifest(tmp_path, "t/sleepy")
    assert s.failed == ("t/sleepy",) and m["error"]["class"] == "Timeout" and m["attempts"] == 1


@pytest.mark.parametrize(("what", "kind"), [("nip", "nip"), ("name", "name_column")])
def test_privacy_scan_withdraws_the_report(tmp_path: Path, what: str, kind: str) -> None:
    s = run_reports({"languages": ["id"],
                     "reports": [_entry("leaky", "p/leak", what=what), _entry("leaky", "p/clean", what="none")]},
                    out_dir=tmp_path, progress=False, workers=1)
    assert s.failed == ("p/leak",) and s.ok == ("p/clean",)
    m = _manifest(tmp_path, "p/leak")
    assert m["error"]["kind"] == "privacy" and m["privacy"][0].startswith(kind)
    assert not (tmp_path / "p/leak.html").exists() and not (tmp_path / "p/leak.ipynb").exists()
    assert "199001012015031001" not in (tmp_path / "index.html").read_text()
    assert not (tmp_path / "p/clean.ipynb").exists()  # executed notebooks are not published by default


def test_published_notebook_is_scanned_code_included(tmp_path: Path) -> None:
    # leaky.ipynb's code holds an NIP and a "nama" column even when it displays neither: opting in
    # to the .ipynb publishes the code, so the report is withdrawn.
    s = run_reports({"languages": ["id"], "publish_ipynb": True, "reports": [_entry("leaky", "p/clean", what="none")]},
                    out_dir=tmp_path, progress=False, workers=1)
    assert s.failed == ("p/clean",)
    assert _manifest(tmp_path, "p/clean")["error"]["kind"] == "privacy"
    assert not list(tmp_path.rglob("*.ipynb")) and not list(tmp_path.rglob("*.html"))[1:]


@pytest.mark.slow
def test_fork_engine_matches_stock_papermill(fault_run, tmp_path: Path) -> None:
    out_fork, _ = fault_run
    grid = {"defaults": {"seed": 7}, "engine": "papermill", "languages": ["id"], "publish_ipynb": True,
            "reports": [_entry("ok", "good/a", label="a"), _entry("raising", "bad/raises")]}
    s = run_reports(grid, workers=2, out_dir=tmp_path, progress=False)
    assert s.ok == ("good/a",) and s.failed == ("bad/raises",)
    assert _manifest(tmp_path, "bad/raises")["failing_cell"]["index"] == 3
    for name in ("good/a", "bad/raises"):
        a = nbformat.read(out_fork / f"{name}.ipynb", as_version=4)
        b = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
        assert notebook_structure(a) == notebook_structure(b), name


@pytest.mark.slow
def test_dask_local_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        s = run_reports({"languages": ["id"], "reports": [_entry("ok", "d/{label}") | {"for_each": {"label": ["a", "b"]}},
                                     _entry("raising", "d/raises")]},
                        scheduler=cluster.scheduler_address, out_dir=tmp_path, progress=False)
    assert sorted(s.ok) == ["d/a", "d/b"] and s.failed == ("d/raises",) and s.exit_code == 1
    assert _manifest(tmp_path, "d/raises")["failing_cell"]["index"] == 3
    assert (tmp_path / "d/a.html").exists()


def test_prepare_worker_runs_preloaded_modules_warm_imports_hooks(monkeypatch) -> None:
    """A preloaded module's ``warm_imports`` runs before forking (seaborn for the notebook helpers)."""
    import sys
    import types

    from kinerja_research.reports.warmup import prepare_worker

    calls: list[str] = []
    mod = types.ModuleType("kr_fake_preload")
    mod.warm_imports = lambda: calls.append("warmed")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kr_fake_preload", mod)
    out = prepare_worker(["kr_fake_preload", "kinerja_research.analysis.notebook", "no_such_module_xyz"], engine="papermill")
    assert calls == ["warmed"]
    assert "seaborn" in sys.modules  # kinerja_research.analysis.notebook.warm_imports loads what setup() uses
    assert out["skipped"] == ["no_such_module_xyz"]
