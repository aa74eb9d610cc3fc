"""What a rendered report says about itself: its title and whether it is built on synthetic data.

The analysis layer writes both into the executed notebook; the runner reads them here to set the
page's ``<title>`` and the manifest's ``title`` and ``synthetic`` fields, which the index shows.

- The **title** is the first level-1 heading of the report: a markdown cell starting with
  ``# `` or a markdown/HTML output holding one (region names are known only after the notebook
  ran, so a generated heading counts).
- The **synthetic banner** is an HTML element with the class :data:`BANNER_CLASS`
  (``<div class="kr-synthetic-banner">DATA SINTETIS — bukan data ASN sebenarnya</div>``),
  displayed by the notebook's setup when the dataset is synthetic.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Kota Malang 2024\\ntext")])
>>> document_title(nb)
'Kota Malang 2024'
>>> is_synthetic(nb)
False
"""

from __future__ import annotations

import html
import re
from typing import Any

#: CSS class of the synthetic-data banner.
BANNER_CLASS = "kr-synthetic-banner"

_MD_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_HTML_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL | re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_BANNER = re.compile(r"""class\s*=\s*["'][^"']*\b""" + re.escape(BANNER_CLASS) + r"\b")


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _h1(markdown: str = "", html_text: str = "") -> str | None:
    m = _MD_H1.search(markdown) if markdown else None
    if m:
        return m.group(1).strip()
    m = _HTML_H1.search(html_text) if html_text else None
    if m:
        return html.unescape(_TAGS.sub("", m.group(1))).strip() or None
    return None


def document_title(nb: Any, default: str = "") -> str:
    """The report's title: its first level-1 heading, in source or output order."""
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            found = _h1(_text(cell.get("source")))
        else:
            found = None
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                found = _h1(_text(data.get("text/markdown")), _text(data.get("text/html")))
                if found:
                    break
        if found:
            return found
    return default


def is_synthetic(nb: Any) -> bool:
    """True when an output of the executed notebook shows the synthetic-data banner."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if _BANNER.search(_text(data.get("text/html"))):
                return True
    return False


_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL | re.IGNORECASE)
_HTML_OPEN = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
# Scripts fetched from a CDN (nbconvert's require.js and MathJax): a report must open offline,
# where they only fail and fill the console with errors; the reports use no widgets or TeX.
_CDN_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']https?://[^>]*>\s*</script>\s*", re.IGNORECASE)
_BANNER_ELEMENT = re.compile(
    r"<(div|p|section|aside|span)\b[^>]*class\s*=\s*[\"'][^\"']*\b" + re.escape(BANNER_CLASS)
    + r"\b[^>]*>(.*?)</\1>", re.DOTALL | re.IGNORECASE)

#: Reader styling laid over nbconvert's notebook stylesheet: a readable column, calm tables that
#: leave the report's own table styles (pandas Styler / great_tables ids) in charge of colours,
#: the synthetic banner pinned to the top, and no notebook furniture (anchors, collapsers).
READER_CSS = """
:root{--kr-ink:#1f2328;--kr-muted:#57606a;--kr-rule:#d0d7de;--kr-accent:#0b5394}
html{background:#fff}
body.jp-Notebook,body{font-family:"Noto Sans","Segoe UI",system-ui,-apple-system,Roboto,"DejaVu Sans",Arial,sans-serif;
 font-size:16px;line-height:1.55;color:var(--kr-ink);background:#fff;margin:0;padding:0}
body.jp-Notebook main,body>main{max-width:60rem;margin:0 auto;padding:1.5rem 1.5rem 4rem}
.jp-Cell,.jp-Notebook-cell{padding:0!important;margin:0!important}
.jp-Collapser,.jp-InputPrompt,.jp-OutputPrompt,a.anchor-link,.jp-mod-noOutputs.jp-mod-noInput{display:none!important}
.jp-RenderedHTMLCommon{font-family:inherit;font-size:1rem;line-height:1.55;color:inherit;padding-right:0}
.jp-RenderedHTMLCommon,.jp-OutputArea-output,.jp-InputArea,.jp-MarkdownOutput{padding-left:0!important;margin-left:0!important}
.jp-RenderedHTMLCommon h1{font-size:1.9rem;line-height:1.2;margin:1.2rem 0 .6rem;color:var(--kr-ink)}
.jp-RenderedHTMLCommon h2{font-size:1.35rem;margin:2rem 0 .5rem;padding-bottom:.2rem;border-bottom:1px solid var(--kr-rule)}
.jp-RenderedHTMLCommon h3{font-size:1.1rem;margin:1.4rem 0 .4rem}
.jp-RenderedHTMLCommon p,.jp-RenderedHTMLCommon li{max-width:46rem}
.jp-OutputArea-output{overflow-x:auto}
.jp-OutputArea-output pre{font-size:.85rem;white-space:pre-wrap}
.jp-RenderedHTMLCommon table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.88rem;
 font-variant-numeric:tabular-nums;table-layout:auto;max-width:100%}
.jp-RenderedHTMLCommon table caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
.jp-RenderedHTMLCommon th,.jp-RenderedHTMLCommon td{padding:.3rem .6rem;border:none;border-bottom:1px solid var(--kr-rule)}
.jp-RenderedHTMLCommon td:first-child,.jp-RenderedHTMLCommon th:first-child{text-align:left}
.jp-RenderedHTMLCommon thead th{border-bottom:2px solid var(--kr-ink);vertical-align:bottom}
.jp-RenderedHTMLCommon tbody tr:nth-child(odd){background:transparent}
.jp-RenderedImage img,.jp-OutputArea-output img,.jp-OutputArea-output svg{max-width:100%;height:auto}
.jp-RenderedImage{margin:.5rem 0 1rem}
.kr-synthetic-banner{display:block;background:#b3261e;color:#fff;font-weight:700;letter-spacing:.02em;
 text-align:center;padding:.55rem 1rem;font-size:1rem;line-height:1.3;border-radius:0;margin:0}
.kr-synthetic-banner *{color:inherit}
.kr-top.kr-synthetic-banner{position:sticky;top:0;z-index:1000;box-shadow:0 1px 4px rgba(0,0,0,.25)}
main .kr-synthetic-banner{display:none}
@media print{
 html,body{font-size:10.5pt;background:#fff}
 body.jp-Notebook main,body>main{max-width:none;padding:0}
 .kr-top.kr-synthetic-banner{position:static;box-shadow:none;margin-bottom:.6rem;
  -webkit-print-color-adjust:exact;print-color-adjust:exact}
 .jp-OutputArea-output{overflow:visible}
 /* JupyterLab keeps every output whole on paper, which pushes a long table to the next page and
    leaves half a page blank; only figures are kept whole, tables break between rows. */
 .jp-OutputArea-child,.jp-Cell{break-inside:auto!important;page-break-inside:auto!important}
 .jp-RenderedImage,.jp-OutputArea-output img,.jp-OutputArea-output svg,figure,
 .jp-OutputArea-child:has(img):not(:has(table)){break-inside:avoid!important;page-break-inside:avoid!important}
 h1,h2,h3,h4{break-after:avoid;page-break-after:avoid}
 p,li{orphans:3;widows:3}
 .jp-RenderedHTMLCommon table{font-size:8.5pt}
 .jp-RenderedHTMLCommon thead{display:table-header-group}
 .jp-RenderedHTMLCommon tr{break-inside:avoid;page-break-inside:avoid}
 a{color:inherit;text-decoration:none}
}
"""


def _css_string(text: str) -> str:
    # A CSS string literal that cannot close the string or the <style> element.
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace(">", "\\3e ")
    return '"' + " ".join(out.split()) + '"'


def page_css(header: str | None, *, marker: str | None = None) -> str:
    """Print rules: A4, margins, page numbers at the foot, ``header`` at the head of each page.

    ``header`` None leaves the running header to rules given earlier; ``marker`` (the synthetic
    banner's words) goes top right of every page, so no printed page loses the warning.

    >>> "counter(pages)" in page_css("Kota Malang 2024")
    True
    >>> page_css('a"b</style>').count("</style>")
    0
    """
    boxes = ['@bottom-center{content:counter(page) " / " counter(pages);font-size:8pt;color:#57606a}']
    if header is not None:
        boxes.append(f"@top-left{{content:{_css_string(header)};font-size:8pt;color:#57606a;"
                     "vertical-align:bottom;padding-bottom:2mm}")
    if marker:
        boxes.append(f"@top-right{{content:{_css_string(marker)};font-size:8pt;font-weight:700;color:#b3261e;"
                     "vertical-align:bottom;padding-bottom:2mm}")
    return "@page{size:A4;margin:18mm 15mm 16mm 15mm;" + "".join(boxes) + "}"


def banner_text(page: str) -> str | None:
    """The words of the first synthetic-data banner in a rendered page, or None if it has none.

    >>> banner_text('<div class="kr-synthetic-banner">DATA <b>SINTETIS</b></div>')
    'DATA SINTETIS'
    """
    m = _BANNER_ELEMENT.search(page)
    if m is None:
        return "" if _BANNER.search(page) else None
    return " ".join(html.unescape(_TAGS.sub("", m.group(2))).split())


def finish_html(page: str, *, title: str, lang: str) -> str:
    """The rendered page made for readers: its real ``<title>``, ``<html lang>`` and styling.

    The runner calls this on every report page before the privacy scan and the write. Besides
    the title and language it removes CDN scripts (a report opens offline), adds the reader
    stylesheet and the print rules (A4, running header with ``title``, page numbers, figures kept
    whole) and, on a page built on synthetic data, puts the banner first on the page, where it
    stays in view while scrolling and repeats on every printed page. String operations only.

    >>> page = finish_html("<html><head><title>Notebook</title></head><body></body></html>",
    ...                    title="Kota Malang", lang="id")
    >>> page.startswith('<html lang="id"><head><title>Kota Malang</title>')
    True
    >>> 'class="kr-synthetic-banner kr-top"' in page  # no banner: real data
    False
    """
    page = _TITLE.sub(lambda _: f"<title>{html.escape(title)}</title>", page, count=1)
    page = _HTML_OPEN.sub(f'<html lang="{html.escape(lang)}">', page, count=1)
    page = _CDN_SCRIPT.sub("", page)
    if _FINISHED in page:
        return page  # idempotent: styled once
    marker = banner_text(page)
    style = f'{_FINISHED}{READER_CSS}{page_css(title, marker=marker)}</style>'
    head_end = page.lower().find("</head>")
    page = page[:head_end] + style + page[head_end:] if head_end >= 0 else style + page
    if marker is not None:
        top = (f'<div class="{BANNER_CLASS} kr-top" role="note">'
               f"{html.escape(marker or _DEFAULT_BANNER.get(lang, _DEFAULT_BANNER['id']))}</div>")
        m = _BODY_OPEN.search(page)
        page = page[:m.end()] + top + page[m.end():] if m else top + page
    return page


_FINISHED = '<style id="kr-document">'
_DEFAULT_BANNER = {"id": "DATA SINTETIS — bukan data ASN sebenarnya",
                   "en": "SYNTHETIC DATA — not real civil servants"}
