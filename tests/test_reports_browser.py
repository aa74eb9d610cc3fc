"""Rendered reports as a reader sees them: headless Chromium, offline, in both languages.

The index, one study report and one regional report in each language are opened and checked:
the synthetic banner is visible at the top, no ``NaN``/``None``/``<NA>`` text, a real ``<title>``,
no prose of the other language, no console errors, figures drawn; a PDF's first page is rendered to
PNG (poppler's ``pdftoppm``) and checked for size, banner and text. The pages are built from the
fixture notebook ``tests/notebooks/doc_id_en.ipynb`` through the publishing steps (see
``tests/reportpages.py``); ``test_real_grid`` runs the same checks on ``kinerja reports`` output
(enable with ``KINERJA_REAL_REPORTS=1``).

Needs Chromium and poppler-utils (``scripts/install_browser.sh``); skipped, with that reason,
where they are not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kinerja_research.reports.pdf import BrowserError, Chromium, find_browser, pdf_text
from kinerja_research.reports.runner import run_reports

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

ROOT = Path(__file__).resolve().parents[1]
try:
    BROWSER: str | None = find_browser()
except BrowserError:
    BROWSER = None
SKIP = "Chromium is not installed; run scripts/install_browser.sh (apt-get install chromium poppler-utils)"
# No network at all: every host name fails to resolve, so a page that needs a CDN would show it.
OFFLINE = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=3000"]

BANNER = {"id": "DATA SINTETIS — bukan data ASN sebenarnya", "en": "SYNTHETIC DATA — not real civil servants"}
# Common function words: one of them in a page of the other language means untranslated prose.
WORDS = {
    "id": {"dan", "yang", "untuk", "dengan", "dari", "ini", "tidak", "adalah", "atau", "pada", "menurut",
           "laporan", "tahun", "nilai", "sebenarnya", "pertanyaan", "kesimpulan", "daerah"},
    "en": {"the", "and", "with", "for", "this", "that", "from", "which", "are", "not", "report", "reports",
           "year", "score", "question", "conclusion", "region"},
}
MISSING = re.compile(r"\bNaN\b|\bNone\b|<NA>|\bnan\b")

# What the page reports about itself, read in the browser after load.
PROBE = """(() => {
  const b = document.querySelector('.kr-synthetic-banner');
  let banner = null;
  if (b) {
    const r = b.getBoundingClientRect(), cs = getComputedStyle(b);
    banner = {top: r.top, height: r.height, width: r.width, text: b.innerText.trim(),
              display: cs.display, visibility: cs.visibility, bg: cs.backgroundColor};
  }
  const imgs = Array.from(document.images).map(i => ({w: i.naturalWidth, h: i.naturalHeight, ok: i.complete}));
  return {title: document.title, lang: document.documentElement.lang, text: document.body.innerText,
          banner: banner, images: imgs, scrollHeight: document.documentElement.scrollHeight};
})()"""


def _chromium(*args: str, tmp: Path) -> str:
    if BROWSER is None:
        pytest.skip(SKIP)
    out = subprocess.run([BROWSER, *OFFLINE, f"--user-data-dir={tmp / 'profile'}", *args],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    if BROWSER is None:
        pytest.skip(SKIP)
    with Chromium(BROWSER) as b:
        yield b


def open_page(browser: Chromium, path: Path) -> tuple[dict[str, Any], list[str]]:
    """The page's probe and its console errors (console.error, uncaught exceptions, failed loads)."""
    with browser.tab(path.as_uri(), width=1280, height=1000) as sid:
        probe = browser.evaluate(sid, PROBE)
        errors = []
        for ev in browser.events(sid):
            p = ev.get("params", {})
            if ev["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif ev["method"] == "Runtime.exceptionThrown":
                errors.append(p.get("exceptionDetails", {}).get("text", "exception"))
            elif ev["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(p["entry"].get("text", ""))
    return probe, errors


def check_page(browser: Chromium, path: Path, lang: str, *, synthetic: bool = True, figures: bool) -> dict[str, Any]:
    """Every reader-facing check on one page; returns the probe for further checks."""
    probe, errors = open_page(browser, path)
    assert errors == [], f"{path.name}: console errors {errors}"
    assert probe["lang"] == lang
    title = probe["title"].strip()
    assert title and title.lower() not in {"notebook", "untitled"}, f"{path}: title {title!r}"
    text = probe["text"]
    assert not MISSING.search(text), f"{path}: {MISSING.search(text).group(0)!r} shown to readers"
    words = set(re.findall(r"[a-z]+", text.lower()))
    other = "en" if lang == "id" else "id"
    assert not (words & WORDS[other]), f"{path}: {other} words in a {lang} page: {sorted(words & WORDS[other])}"
    assert words & WORDS[lang], f"{path}: no {lang} prose at all"
    if synthetic:
        b = probe["banner"]
        assert b is not None, f"{path}: no synthetic banner"
        assert b["display"] != "none" and b["visibility"] == "visible"
        assert b["top"] <= 2 and b["height"] >= 20 and b["width"] >= 600, b
        assert b["text"] == BANNER[lang]
    else:
        assert probe["banner"] is None
    if figures:
        assert probe["images"], f"{path}: no figure"
        assert all(i["ok"] and i["w"] > 50 and i["h"] > 50 for i in probe["images"]), probe["images"]
    return probe


def check_pdf_first_page(pdf: Path, tmp: Path, *, header: str, lang: str) -> None:
    """First page to PNG: A4 at 50 dpi, the red banner near the top, the header and title in its text."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.skip("pdftoppm is not installed; run scripts/install_browser.sh (poppler-utils)")
    stem = tmp / f"page-{pdf.stem}"
    subprocess.run([tool, "-f", "1", "-l", "1", "-r", "50", "-png", "-singlefile", str(pdf), str(stem)], check=True)
    import matplotlib.image as mpimg

    img = mpimg.imread(f"{stem}.png")[..., :3]
    h, w = img.shape[:2]
    assert abs(w - 413) <= 2 and abs(h - 585) <= 2, (w, h)  # A4 at 50 dpi
    red = np.abs(img - np.array([0xB3, 0x26, 0x1E]) / 255).max(axis=-1) < 0.08
    rows = np.nonzero(red.sum(axis=1) > w * 0.5)[0]  # the banner spans the text width
    assert rows.size and rows.min() < h * 0.15, "no banner at the top of the first page"
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout if shutil.which("pdftotext") else pdf_text(pdf)
    assert header in first and BANNER[lang] in " ".join(first.split())
    assert re.search(r"\b1\s*/\s*\d+\b", first)


# -- the fixture site: both languages, a study and a regional report, PDFs -------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if BROWSER is None:
        pytest.skip(SKIP)
    from reportpages import build_site

    return build_site(tmp_path_factory.mktemp("site"), pdf=True)


PAGES = [("index.html", "id", False), ("en/index.html", "en", False),
         ("study_doc.html", "id", True), ("regional/3573_2024.html", "id", True),
         ("en/study_doc.html", "en", True), ("en/regional/3573_2024.html", "en", True)]


@pytest.mark.parametrize(("page", "lang", "figures"), PAGES)
def test_page_as_a_reader_sees_it(site: dict[str, Any], browser: Chromium, page: str, lang: str,
                                  figures: bool) -> None:
    probe = check_page(browser, site["out"] / page, lang, figures=figures)
    if page.startswith(("regional", "en/regional")):
        assert "Kota Malang 2024" in probe["title"]


def test_banner_stays_in_view_while_scrolling(site: dict[str, Any], browser: Chromium) -> None:
    path = site["out"] / "regional/3573_2024.html"
    with browser.tab(path.as_uri(), width=1280, height=500) as sid:
        top = browser.evaluate(sid, "window.scrollTo(0, document.documentElement.scrollHeight);"
                                    "new Promise(r => requestAnimationFrame(() => r(["
                                    "window.scrollY, document.querySelector('.kr-synthetic-banner')"
                                    ".getBoundingClientRect().top])))")
    assert top[0] > 100 and abs(top[1]) <= 1, top


def test_index_filter_box_works_offline(site: dict[str, Any], browser: Chromium) -> None:
    with browser.tab(site["index"].as_uri()) as sid:
        def visible(q: str) -> list[str]:
            return browser.evaluate(sid, f"""(() => {{const b = document.getElementById('kr-filter');
                b.value = {q!r}; b.dispatchEvent(new Event('input'));
                return Array.from(document.querySelectorAll('tr[data-q]')).filter(r => !r.hidden)
                    .map(r => r.querySelector('td').innerText.trim());}})()""")
        assert len(visible("")) == 2
        assert visible("malang") == ["Kota Malang ✱\nLaporan Kinerja Kota Malang 2024"]
        assert visible("zzz-tidak-ada") == []
        assert browser.evaluate(sid, "document.getElementById('kr-nomatch').hidden") is False
        errors = [e for e in browser.events(sid) if e["method"] in ("Runtime.exceptionThrown",)]
    assert errors == []


def test_index_links_open(site: dict[str, Any], browser: Chromium) -> None:
    for index in (site["index"], site["index_en"]):
        with browser.tab(index.as_uri()) as sid:
            hrefs = browser.evaluate(sid, "Array.from(document.querySelectorAll('main a[href]')).map(a => a.href)")
        files = [Path(h[len("file://"):]) for h in hrefs if h.startswith("file://")]
        assert len(files) >= 5 and all(f.exists() for f in files), [f for f in files if not f.exists()]
        assert any(f.suffix == ".pdf" for f in files)


@pytest.mark.parametrize(("name", "lang", "header"), [
    ("regional/3573_2024", "id", "Laporan Kinerja Kota Malang 2024"),
    ("en/study_doc", "en", "Example Study: Merit Placement")])
def test_pdf_first_page(site: dict[str, Any], tmp_path: Path, name: str, lang: str, header: str) -> None:
    check_pdf_first_page(site["out"] / f"{name}.pdf", tmp_path, header=header, lang=lang)


def test_real_data_has_no_banner(tmp_path: Path, browser: Chromium) -> None:
    from reportpages import FIXTURE, render_page

    page = tmp_path / "real.html"
    render_page(FIXTURE, page, lang="id", region="Kota Malang", synthetic=False)
    check_page(browser, page, "id", synthetic=False, figures=True)
    assert "kr-top" not in page.read_text().split("</style>")[-1]


# -- the runner's own output (fixture notebooks of the runner tests) ---------------------------------------

@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if BROWSER is None:
        pytest.skip(SKIP)
    out = tmp_path_factory.mktemp("browser")
    grid = {"reports": [{"notebook": "tests/notebooks/ok.ipynb", "name": "b/ok", "parameters": {"label": "browser"}},
                        {"notebook": "tests/notebooks/raising.ipynb", "name": "b/raises"}]}
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


# -- the real report grid ------------------------------

@pytest.mark.slow
def test_real_grid(tmp_path: Path, browser: Chromium) -> None:
    import json

    import yaml

    world = tmp_path / "world"
    kinerja = Path(sys.executable).with_name("kinerja")
    subprocess.run([str(kinerja), "simulate", "--preset", "tiny", "--out", str(world)], check=True,
                   capture_output=True)
    grid = yaml.safe_load((ROOT / "config/reports.yml").read_text())
    grid["data"] = str(world)
    out = tmp_path / "reports"
    cwd, env = os.getcwd(), os.environ.get("KINERJA_DATA")
    os.chdir(ROOT)
    os.environ["KINERJA_DATA"] = str(world)
    try:
        for lang in ("id", "en"):
            run_reports(grid, lang=lang, out_dir=out, progress=False, workers=2, only="0[12]_*")
            run_reports(grid, lang=lang, out_dir=out, progress=False, workers=2, only="regional/*")
    finally:
        os.chdir(cwd)
        if env is None:
            os.environ.pop("KINERJA_DATA", None)
        else:
            os.environ["KINERJA_DATA"] = env
    manifests = [json.loads(p.read_text()) for p in out.rglob("*.manifest.json")]
    for lang in ("id", "en"):
        index = out / "index.html" if lang == "id" else out / "en" / "index.html"
        check_page(browser, index, lang, figures=False)
        ok = [m for m in manifests if m.get("status") == "ok" and m.get("lang") == lang]
        study = next(m for m in ok if not m.get("region"))
        regional = next(m for m in ok if m.get("region"))
        for m in (study, regional):
            check_page(browser, Path(m["outputs"]["html"]), lang, figures=True)
            if m["outputs"].get("pdf"):
                check_pdf_first_page(Path(m["outputs"]["pdf"]), tmp_path, header=str(m["period"] or ""), lang=lang)
