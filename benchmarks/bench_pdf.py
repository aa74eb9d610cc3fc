"""Benchmark: seconds per report to print rendered regional reports as A4 PDFs.

Renders real regional reports (``notebooks/regional_report.ipynb``) on a tiny synthetic world with
the project's runner, finishes each page for readers (``finish_html``), then times
``render_pdf`` on each: the first call (which starts Chromium, about 0.7 s, once per process) and
the steady state (one reused tab per report). Also times ``pdf_text``, which the privacy scan
runs on every PDF.

Target (reports-for-readers issue): PDF rendering ≤ 0.5 s per report (steady state).

Run: ``.venv/bin/python benchmarks/bench_pdf.py [--n 8] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.5


def _render_reports(tmp: Path, n: int) -> list[tuple[Path, str]]:
    """Render ``n`` regional reports; returns (html, title) pairs."""
    from kinerja_research.reports.document import finish_html
    from kinerja_research.reports.runner import run_reports

    world = tmp / "world"
    kinerja = Path(sys.executable).with_name("kinerja")
    subprocess.run([str(kinerja), "simulate", "--preset", "tiny", "--out", str(world)], check=True,
                   capture_output=True)
    grid = {"defaults": {"dataset": "synthetic", "lang": "id", "seed": 0}, "data": str(world),
            "preload_datasets": ["synthetic"],
            "reports": [{"notebook": "notebooks/regional_report.ipynb", "name": "regional/{region}_{period}",
                         "title": "Laporan kinerja daerah {region} {period}",
                         "for_each": {"region": {"table": "regions", "column": "region_id",
                                                 "where": {"kind": ["kota", "kabupaten"]}},
                                      "period": [2024]}}]}
    out = tmp / "reports"
    os.environ["KINERJA_DATA"] = str(world)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        run_reports(grid, out_dir=out, progress=False, workers=2)
    finally:
        os.chdir(cwd)
    pages = []
    for m in sorted(out.rglob("*.manifest.json")):
        man = json.loads(m.read_text())
        if man.get("status") != "ok":
            continue
        html = Path(man["outputs"]["html"])
        title = str(man.get("title") or man["name"])
        # The runner applies finish_html once it is wired; applying it again changes nothing.
        html.write_text(finish_html(html.read_text(encoding="utf-8"), title=title, lang="id"), encoding="utf-8")
        pages.append((html, title))
    if not pages:
        raise SystemExit("no regional report rendered: see the manifests under " + str(out))
    return pages[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=8, help="reports to print (default 8)")
    ap.add_argument("--rounds", type=int, default=3, help="times each report is printed (default 3)")
    args = ap.parse_args()
    from kinerja_research.reports.pdf import BrowserError, find_browser, pdf_text, render_pdf

    try:
        find_browser()
    except BrowserError as exc:
        print(f"skipped: {exc}")
        return
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as d:
        pages = _render_reports(Path(d), args.n)
        sizes = [p.stat().st_size for p, _ in pages]
        print(f"{len(pages)} regional reports, HTML {min(sizes) // 1024}–{max(sizes) // 1024} KiB")
        t0 = time.perf_counter()
        render_pdf(pages[0][0], pages[0][0].with_suffix(".pdf"), header=pages[0][1])
        first = time.perf_counter() - t0
        times, text_times, n_pages = [], [], []
        for _ in range(args.rounds):
            for html, title in pages:
                pdf = html.with_suffix(".pdf")
                t0 = time.perf_counter()
                render_pdf(html, pdf, header=title)
                times.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                text = pdf_text(pdf)
                text_times.append(time.perf_counter() - t0)
                n_pages.append(text.count("\f") or 1)
        med = statistics.median(times)
        print(f"first PDF (starts Chromium): {first:.2f} s")
        print(f"render_pdf: {med:.3f} s per report (median of {len(times)}; mean {statistics.mean(times):.3f}, "
              f"max {max(times):.3f}); {statistics.median(n_pages):.0f} A4 pages each")
        print(f"pdf_text:   {statistics.median(text_times):.3f} s per report (median)")
        print(f"target ≤ {TARGET_S} s per report: {'met' if med <= TARGET_S else 'NOT met'}")
        if med > TARGET_S:
            sys.exit(1)


if __name__ == "__main__":
    main()
