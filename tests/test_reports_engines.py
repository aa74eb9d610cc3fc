"""Portable engines: stock papermill with no fork anywhere, the fork engine registered through
papermill's public entry point, and a real Dask cluster that loses a worker mid-run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from kinerja_research.reports.runner import resolve_engine, run_reports

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([*extra.pop("prepend", "").split(os.pathsep),
                                                          str(ROOT / "src")]).strip(os.pathsep), **extra}


def test_auto_engine_is_fork_on_linux_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert resolve_engine("auto") == "fork"
    for platform in ("darwin", "win32"):
        monkeypatch.setattr(sys, "platform", platform)
        assert resolve_engine("auto") == "papermill"
    with pytest.raises(ValueError, match="engine must be one of"):
        resolve_engine("kernel")


def test_fork_engine_is_a_papermill_entry_point() -> None:
    from importlib import import_module

    from papermill.engines import Engine, papermill_engines

    eps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["papermill.engine"]
    module, _, attr = eps["kinerja-fork"].partition(":")
    engine = getattr(import_module(module), attr)
    assert issubclass(engine, Engine)
    from kinerja_research.reports.pm_engine import ENGINE_NAME, ensure_registered

    assert ensure_registered() == ENGINE_NAME == "kinerja-fork"
    assert papermill_engines.get_engine("kinerja-fork") is engine


_WATCH_FORKS = """
import os, sys
_log = os.environ.get("KR_FORK_LOG")
if _log:
    os.register_at_fork(before=lambda: open(_log, "a").write(f"{os.getpid()} {sys.argv[:2]}\\n"))
"""

_RUN = """
import sys
from kinerja_research.reports.runner import run_reports
if __name__ == "__main__":
    grid = {"languages": ["id"], "engine": sys.argv[2], "reports": [
        {"notebook": "tests/notebooks/ok.ipynb", "name": "e/{label}", "for_each": {"label": ["a", "b"]}}]}
    s = run_reports(grid, out_dir=sys.argv[1], progress=False, workers=2)
    sys.exit(s.exit_code)
"""


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("engine", ["papermill", "fork"])
def test_papermill_engine_never_forks(tmp_path: Path, engine: str) -> None:
    # Every Python process of the run (runner, pool workers, kernels) logs each os.fork() it makes;
    # the fork engine's run shows the log works.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_WATCH_FORKS)
    script = tmp_path / "run.py"
    script.write_text(_RUN)
    log = tmp_path / "forks.log"
    r = subprocess.run([sys.executable, str(script), str(tmp_path / "out"), engine], cwd=ROOT,
                       env=_env(prepend=str(site), KR_FORK_LOG=str(log)), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    forks = log.read_text().splitlines() if log.exists() else []
    if engine == "papermill":
        assert forks == []
    else:
        assert len(forks) >= 2  # one child per report at least
    assert (tmp_path / "out" / "e" / "a.html").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.notebooks
@pytest.mark.slow
def test_real_dask_cluster_losing_a_worker(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        pytest.skip("the dask command is not installed")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = _env()
    procs: list[subprocess.Popen] = []
    logs = []

    def start(*args: str) -> subprocess.Popen:
        log = open(tmp_path / f"dask-{len(procs)}.log", "w")  # noqa: SIM115 - closed below
        logs.append(log)
        p = subprocess.Popen([str(dask), *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        procs.append(p)
        return p

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        # two threads per worker: reports must not fork inside a threaded worker
        w1 = start("worker", addr, "--host", "127.0.0.1", "--nthreads", "2", "--no-dashboard", "--name", "w1")
        start("worker", addr, "--host", "127.0.0.1", "--nthreads", "2", "--no-dashboard", "--name", "w2")
        from distributed import Client

        client = Client(addr, timeout=60)
        client.wait_for_workers(2, timeout=120)
        out = tmp_path / "out"
        grid = {"languages": ["id"], "reports": [
            {"notebook": "tests/notebooks/slow.ipynb", "name": "d/{marker}", "parameters": {"seconds": 2.0},
             "for_each": {"marker": [f"r{i}" for i in range(6)]}},
            {"notebook": "tests/notebooks/raising.ipynb", "name": "d/raises"}]}

        def kill_w1() -> None:
            time.sleep(8)  # reports are running on both workers
            os.killpg(w1.pid, signal.SIGKILL)

        import threading

        killer = threading.Thread(target=kill_w1)
        killer.start()
        s = run_reports(grid, scheduler=client, out_dir=out, progress=False)
        killer.join()
        client.close()
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
        for log in logs:
            log.close()
    assert w1.poll() is not None  # the worker was killed during the run
    names = [f"d/r{i}" for i in range(6)] + ["d/raises"]
    statuses = {n: json.loads((out / f"{n}.manifest.json").read_text())["status"] for n in names}
    assert set(statuses.values()) <= {"ok", "failed"}, statuses  # none lost, none left running
    assert statuses["d/raises"] == "failed"
    assert sorted(s.ok + s.failed) == sorted(names)
    assert len(s.ok) >= 4  # the surviving worker finished what the killed one had
