"""render_pdf / pdf_text: A4, page numbers, running header, figures whole, atomic; text for the scan.

Needs Chromium (``scripts/install_browser.sh``); skipped, with that reason, where none is installed.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest

from kinerja_research.reports import pdf as pdfmod
from kinerja_research.reports.document import finish_html
from kinerja_research.reports.pdf import BrowserError, find_browser, pdf_text, render_pdf

pytestmark = pytest.mark.browser

try:
    find_browser()
    HAVE_BROWSER = True
except BrowserError:
    HAVE_BROWSER = False
needs_browser = pytest.mark.skipif(not HAVE_BROWSER, reason="Chromium is not installed; run scripts/install_browser.sh")

A4_PT = (595.3, 841.9)


def _png(width: int, height: int) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    fig.patch.set_facecolor("#1f77b4")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _report(tmp_path: Path, body: str, *, title: str = "Laporan Kinerja Kota Malang 2024") -> Path:
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Notebook</title></head>"
            f"<body class='jp-Notebook'><main>{body}</main></body></html>")
    path = tmp_path / "report.html"
    path.write_text(finish_html(page, title=title, lang="id"), encoding="utf-8")
    return path


@needs_browser
def test_a4_with_header_page_numbers_and_banner_on_every_page(tmp_path: Path) -> None:
    from pypdf import PdfReader

    paras = "".join(f"<p>Paragraf {i}: pelayanan publik di unit ini dinilai oleh masyarakat.</p>" for i in range(150))
    src = _report(tmp_path, '<div class="kr-synthetic-banner">DATA SINTETIS — bukan data ASN sebenarnya</div>'
                            f"<h1>Laporan Kinerja Kota Malang 2024</h1>{paras}")
    out = tmp_path / "out" / "report.pdf"
    render_pdf(src, out, header="Kota Malang 2024")
    reader = PdfReader(str(out))
    n = len(reader.pages)
    assert n >= 3
    for i, page in enumerate(reader.pages, start=1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - A4_PT[0]) < 2 and abs(h - A4_PT[1]) < 2, (w, h)
        text = page.extract_text()
        assert "Kota Malang 2024" in text, f"running header missing on page {i}"
        assert re.search(rf"\b{i}\s*/\s*{n}\b", text), f"page number missing on page {i}: {text[-200:]}"
        assert "DATA SINTETIS" in text, f"synthetic marker missing on page {i}"
    assert not list(out.parent.glob(".*.tmp"))


@needs_browser
def test_figures_are_never_split_across_pages(tmp_path: Path) -> None:
    from pypdf import PdfReader

    img = _png(600, 500)
    # text pushes the figure to straddle the first page's foot; kept whole, it starts page 2
    body = "<div style='height:880px'>Teks pembuka</div>" + \
        f"<div class='jp-RenderedImage'><img src='data:image/png;base64,{img}' width='600' height='500'></div>"
    src = _report(tmp_path, body)
    out = tmp_path / "fig.pdf"
    render_pdf(src, out, header="Kota Malang 2024")
    pages_with_image = [i for i, p in enumerate(PdfReader(str(out)).pages) if p.images]
    assert pages_with_image == [1], pages_with_image


@needs_browser
def test_a_figure_keeps_its_caption(tmp_path: Path) -> None:
    from pypdf import PdfReader

    img = _png(600, 400)
    body = ("<div style='height:800px'>Teks pembuka</div><div class='jp-OutputArea-child'>"
            "<div class='jp-RenderedHTMLCommon'><p>Gambar 1. IKM menurut tahun</p></div>"
            f"<div class='jp-RenderedImage'><img src='data:image/png;base64,{img}' width='600' height='400'></div>"
            "</div>")
    out = tmp_path / "cap.pdf"
    render_pdf(_report(tmp_path, body), out)
    pages = PdfReader(str(out)).pages
    with_image = [i for i, p in enumerate(pages) if p.images]
    with_caption = [i for i, p in enumerate(pages) if "Gambar 1." in p.extract_text()]
    assert with_image == with_caption == [1], (with_image, with_caption)


@needs_browser
def test_written_atomically_and_missing_input_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    out.write_bytes(b"%PDF-old")
    with pytest.raises(FileNotFoundError, match="no rendered report"):
        render_pdf(tmp_path / "missing.html", out)
    assert out.read_bytes() == b"%PDF-old"  # the previous PDF stays whole
    src = _report(tmp_path, "<p>Isi</p>")
    render_pdf(src, out)
    assert out.read_bytes().startswith(b"%PDF-") and out.read_bytes() != b"%PDF-old"
    # no header given: the page's own (its title) runs at the head
    assert "Laporan Kinerja Kota Malang 2024" in pdf_text(out)
    assert not list(tmp_path.glob(".*.tmp"))


@needs_browser
def test_pdf_text_with_and_without_poppler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _report(tmp_path, "<p>NIP 19800101 200501 1 001 tercetak di sini</p>")
    out = tmp_path / "t.pdf"
    render_pdf(src, out)
    fast = pdf_text(out)
    monkeypatch.setattr(pdfmod.shutil, "which", lambda name: None)
    slow = pdf_text(out)
    for text in (fast, slow):
        assert "19800101 200501 1 001" in text


def test_missing_browser_names_the_install_script(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KINERJA_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(BrowserError, match="KINERJA_CHROMIUM"):
        find_browser()
    monkeypatch.delenv("KINERJA_CHROMIUM")
    monkeypatch.setattr(pdfmod.shutil, "which", lambda name: None)
    with pytest.raises(BrowserError, match="install_browser.sh"):
        find_browser()


def test_pdf_text_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        pdf_text(tmp_path / "none.pdf")
