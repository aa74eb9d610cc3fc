"""finish_html: the reader-facing page around what nbconvert renders (title, language, styling, banner)."""

from __future__ import annotations

import re
import time

import nbformat
import pytest

from kinerja_research.reports.document import (
    BANNER_CLASS,
    banner_text,
    document_title,
    finish_html,
    is_synthetic,
    page_css,
)

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Notebook</title>
<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"></script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe"> </script>
<style>.jp-Notebook{}</style></head>
<body class="jp-Notebook" data-jp-theme-light="true"><main>
<div class="jp-Cell"><h1>Laporan Kinerja Kota Malang 2024</h1></div>
{banner}
<div class="jp-RenderedImage"><img src="data:image/png;base64,AAAA"></div>
</main></body></html>"""
BANNER = '<div class="kr-synthetic-banner">DATA SINTETIS — bukan data ASN sebenarnya</div>'


def test_title_language_and_no_network_scripts() -> None:
    page = finish_html(PAGE.replace("{banner}", ""), title="Laporan <Kinerja> & Kota Malang 2024", lang="id")
    assert re.search(r"<title>Laporan &lt;Kinerja&gt; &amp; Kota Malang 2024</title>", page)
    assert page.count("<title>") == 1
    assert '<html lang="id">' in page
    # a report opens offline: nothing is fetched from a CDN
    assert not re.search(r"<script[^>]+src=[\"']https?://", page)


def test_reader_and_print_styles_are_added_once() -> None:
    page = finish_html(PAGE.replace("{banner}", ""), title="Kota Malang 2024", lang="id")
    style = re.search(r'<style id="kr-document">(.*?)</style>', page, re.S)
    assert style, "reader stylesheet missing"
    css = style.group(1)
    assert "size:A4" in css and "counter(pages)" in css
    assert '@top-left{content:"Kota Malang 2024"' in css  # running header from the title
    assert "break-inside:avoid" in css  # figures kept whole on paper
    assert page.index('<style id="kr-document">') < page.index("</head>")  # after nbconvert's own CSS
    again = finish_html(page, title="Kota Malang 2024", lang="id")
    assert again.count('<style id="kr-document">') == 1


def test_synthetic_banner_moves_to_the_top_and_repeats_on_every_printed_page() -> None:
    page = finish_html(PAGE.replace("{banner}", BANNER), title="Kota Malang 2024", lang="id")
    body = page[page.index("<body"):]
    first = re.search(r"<body[^>]*>\s*(<div[^>]*>)", body)
    assert first and BANNER_CLASS in first.group(1) and "kr-top" in first.group(1)
    assert body.index("kr-top") < body.index("<h1>")
    assert '@top-right{content:"DATA SINTETIS — bukan data ASN sebenarnya"' in page


def test_no_banner_on_real_data() -> None:
    page = finish_html(PAGE.replace("{banner}", ""), title="Kota Malang 2024", lang="id")
    assert f'class="{BANNER_CLASS} kr-top"' not in page
    assert "@top-right" not in page
    assert banner_text(page) is None


def test_english_banner_keeps_its_words() -> None:
    en = BANNER.replace("DATA SINTETIS — bukan data ASN sebenarnya", "SYNTHETIC DATA — not real civil servants")
    page = finish_html(PAGE.replace("{banner}", en), title="Kota Malang 2024", lang="en")
    top = re.search(r'<div class="kr-synthetic-banner kr-top"[^>]*>(.*?)</div>', page)
    assert top and top.group(1) == "SYNTHETIC DATA — not real civil servants"
    assert "DATA SINTETIS" not in page


@pytest.mark.parametrize("header", ['Kota "Malang"', "a</style><script>alert(1)</script>", "back\\slash"])
def test_running_header_cannot_break_out_of_css(header: str) -> None:
    css = page_css(header)
    assert "</style" not in css and "<script" not in css
    # the content string is one CSS string: every quote inside is escaped
    content = re.search(r'@top-left\{content:(".*?(?<!\\)")', css)
    assert content, css
    decoded = re.sub(r"\\([0-9a-fA-F]{1,6}) ?|\\(.)",
                     lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), content.group(1)[1:-1])
    assert decoded == header


def test_fast_on_a_large_page() -> None:
    big = PAGE.replace("{banner}", BANNER + "<p>" + "x" * 2_000_000 + "</p>")
    t0 = time.perf_counter()
    finish_html(big, title="Kota Malang 2024", lang="id")
    assert time.perf_counter() - t0 < 0.2


def test_title_and_banner_read_from_the_executed_notebook() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": BANNER, "text/plain": "banner"})]),
        nbformat.v4.new_code_cell("y", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/markdown": "# Laporan Kinerja Kota Batu 2024"})]),
    ])
    assert document_title(nb, "fallback") == "Laporan Kinerja Kota Batu 2024"
    assert is_synthetic(nb)
    nb.cells = nb.cells[1:]
    assert not is_synthetic(nb)
