"""Rendered reports open in a real browser, offline: the index and one report in headless Chromium.

Needs Chromium (``scripts/install_browser.sh``); skipped, with that reason, where none is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kinerja_research.reports.runner import run_reports

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

ROOT = Path(__file__).resolve().parents[1]
BROWSER = next((b for b in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or "")
                if b and Path(b).exists()), None)
# No network at all: every host name fails to resolve, so a page that needs a CDN would show it.
OFFLINE = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=3000"]


def _chromium(*args: str, tmp: Path) -> str:
    if BROWSER is None:
        pytest.skip("Chromium is not installed; run scripts/install_browser.sh (apt-get install chromium)")
    out = subprocess.run([BROWSER, *OFFLINE, f"--user-data-dir={tmp / 'profile'}", *args],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if BROWSER is None:
        pytest.skip("Chromium is not installed; run scripts/install_browser.sh (apt-get install chromium)")
    out = tmp_path_factory.mktemp("browser")
    grid = {"reports": [{"notebook": "tests/notebooks/ok.ipynb", "name": "b/ok", "parameters": {"label": "browser"}},
                        {"notebook": "tests/notebooks/raising.ipynb", "name": "b/raises"}]}
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        run_reports(grid, workers=2, out_dir=out, progress=False)
    finally:
        os.chdir(cwd)
    return out


def test_index_opens_offline_and_lists_the_failure(rendered: Path, tmp_path: Path) -> None:
    dom = _chromium("--dump-dom", (rendered / "index.html").as_uri(), tmp=tmp_path)
    assert "b/ok" in dom and "b/raises" in dom
    assert "deliberate failure" in dom
    assert 'href="b/ok.html"' in dom


def test_report_shows_its_figure_offline(rendered: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    dom = _chromium("--dump-dom", (rendered / "b/ok.html").as_uri(), tmp=tmp_path)
    assert "label=browser n=3" in dom
    _chromium(f"--screenshot={shot}", "--window-size=1000,2400", (rendered / "b/ok.html").as_uri(), tmp=tmp_path)
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)[..., :3]
    # the fixture's line is matplotlib's first colour, #1f77b4: visible only if the embedded PNG drew
    c0 = np.array([0x1F, 0x77, 0xB4]) / 255
    assert (np.abs(img - c0).max(axis=-1) < 0.08).sum() > 50
