"""Printable A4 PDF of a rendered report (issue 11, step 7): to be implemented.

Contract (the runner calls these; keep the signatures):

- ``render_pdf(html_path, pdf_path, *, header) -> None`` writes an A4 PDF of the rendered HTML
  with page numbers, a running header (``header``: region and period, or the study title) and
  figures kept whole; atomically (temporary file, then rename).
- ``pdf_text(pdf_path) -> str`` extracts the PDF's text so the privacy scan reads every byte
  that is published.
"""

from __future__ import annotations

from pathlib import Path


def render_pdf(html_path: str | Path, pdf_path: str | Path, *, header: str = "") -> None:
    """Write an A4 PDF of ``html_path`` to ``pdf_path``."""
    raise NotImplementedError("PDF rendering is not implemented yet")


def pdf_text(pdf_path: str | Path) -> str:
    """The text of a PDF, for the privacy scan."""
    raise NotImplementedError("PDF text extraction is not implemented yet")
