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


def finish_html(page: str, *, title: str, lang: str) -> str:
    """The rendered page with its real ``<title>`` and ``<html lang>``.

    The runner calls this on every report page before the privacy scan and the write; the
    reader-facing styling (print CSS, running header, banner style) is added here too.

    >>> finish_html("<html><head><title>Notebook</title></head></html>", title="Kota Malang", lang="id")
    '<html lang="id"><head><title>Kota Malang</title></head></html>'
    """
    page = _TITLE.sub(lambda _: f"<title>{html.escape(title)}</title>", page, count=1)
    return _HTML_OPEN.sub(f'<html lang="{html.escape(lang)}">', page, count=1)
