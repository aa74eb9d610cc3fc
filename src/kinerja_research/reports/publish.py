"""The only way text reaches the reports folder: scanned, then written atomically.

:func:`publish_text` scans a text for NIPs and personal-name columns
(:func:`kinerja_research.reports.privacy.scan_text`) and writes it through a temporary file and
:func:`os.replace`, so a half-written file never replaces a good one. Report pages, executed
notebooks, PDFs (their extracted text), manifests and the index all go through it.
:func:`publish_report` is the publishing step of one report: its page, optionally its executed
notebook and its PDF, each scanned, all withdrawn on any finding.

>>> publish_text("reports/x.manifest.json", "{}")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kinerja_research.reports.privacy import PrivacyFinding, redact, scan_text


class PrivacyError(ValueError):
    """A text about to be published holds an NIP or a personal-name column."""

    def __init__(self, findings: list[PrivacyFinding], what: str = "") -> None:
        self.findings = findings
        super().__init__(f"{what or 'text'} withheld: " + "; ".join(str(f) for f in findings))


def _atomic_write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if isinstance(data, bytes):
        tmp.write_bytes(data)
    else:
        tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, path)


def publish_text(path: str | Path, text: str, *, name_headers: Iterable[str] = (), redact_nips: bool = False,
                 what: str = "") -> str:
    """Scan ``text`` and write it to ``path`` atomically; return what was written.

    Parameters
    ----------
    path
        The destination.
    text
        What to publish.
    name_headers
        The grid's extra name headers (see :func:`~kinerja_research.reports.privacy.scan_text`).
    redact_nips
        Replace NIPs by ``[NIP]`` instead of refusing (manifests and the index, which must be
        written whatever a report printed).
    what
        How the text is named in the error.

    Raises
    ------
    PrivacyError
        When the text (after redaction, if asked) still holds an NIP or a name column; nothing
        is written.
    """
    if redact_nips:
        text = redact(text)
    findings = scan_text(text, name_headers=name_headers)
    if findings:
        raise PrivacyError(findings, what or str(path))
    _atomic_write(Path(path), text)
    return text


def remove(*paths: str | Path) -> None:
    """Delete published files (missing ones are fine)."""
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            Path(p).unlink()


_BINARY_MIME = ("image/png", "image/jpeg", "image/gif", "application/pdf")


def notebook_text(nb: Any) -> str:
    """Every string an executed notebook holds (sources, outputs, metadata, JSON outputs as JSON),
    one per line, image payloads left out: what the scan reads for a published ``.ipynb``."""
    parts: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if key in _BINARY_MIME:
            return
        if isinstance(value, dict):
            if key.startswith("application/") and key.endswith("json"):
                parts.append(json.dumps(value, ensure_ascii=False, default=str))
            for k, v in value.items():
                parts.append(f'"{k}":')
                walk(v, str(k))
        elif isinstance(value, list):
            if value and all(isinstance(v, str) for v in value):
                parts.append("".join(value))  # multi-line sources and texts as nbformat splits them
            else:
                for v in value:
                    walk(v, key)
        elif isinstance(value, str):
            parts.append(value)
        elif isinstance(value, float):
            parts.append(repr(value))
        elif value is not None and not isinstance(value, bool):
            parts.append(str(value))

    walk(dict(nb))
    return "\n".join(parts)


def sanitize_errors(nb: Any) -> None:
    """Replace every error output's traceback (which quotes the cell's code) by its class and
    redacted message, in place: a failed report's page never shows the failing source."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                out["evalue"] = redact(str(out.get("evalue", "")))[:500]
                out["traceback"] = [f"{out.get('ename', 'Error')}: {out['evalue']}"]


def _withdraw(outcome: Any, findings: list[PrivacyFinding], *paths: Path) -> None:
    remove(*paths)
    outcome.status = "failed"
    outcome.outputs = {}
    outcome.privacy = [str(f) for f in findings]
    outcome.error = {"kind": "privacy", "class": "PrivacyError",
                     "message": "report withdrawn: " + "; ".join(outcome.privacy)}


def publish_report(job: Any, nb: Any, outcome: Any) -> None:
    """Render, finish, scan and write one report's page (and ``.ipynb``/PDF when asked).

    Sets ``outcome.title``, ``synthetic``, ``lang`` and ``outputs``; on a privacy finding in any
    of them, nothing of the report stays published and ``outcome`` is failed with the findings
    (which never repeat a value).
    """
    import nbformat

    from kinerja_research.reports.document import document_title, finish_html, is_synthetic
    from kinerja_research.reports.warmup import exporter

    ipynb, html_path = Path(job.ipynb_path), Path(job.html_path)
    pdf_path = html_path.with_suffix(".pdf")
    outcome.lang = job.lang
    outcome.title = redact(document_title(nb, job.title) or job.title)
    outcome.synthetic = bool(is_synthetic(nb))
    sanitize_errors(nb)
    page, _ = exporter().from_notebook_node(nb)
    page = finish_html(page, title=outcome.title, lang=job.lang)
    heads = tuple(job.name_headers or ())
    findings = scan_text(page, name_headers=heads)
    nb_text = ""
    if job.publish_ipynb:
        scan_copy = copy.deepcopy(nb)
        findings += scan_text(notebook_text(scan_copy), name_headers=heads)
        nb_text = nbformat.writes(nb)
    if findings:
        _withdraw(outcome, findings, ipynb, html_path, pdf_path)
        return
    outputs: dict[str, str] = {}
    if job.publish_ipynb:
        _atomic_write(ipynb, nb_text)
        outputs["ipynb"] = str(ipynb)
    else:
        remove(ipynb)  # an older run's notebook must not outlive the opt-in
    _atomic_write(html_path, page)
    outputs["html"] = str(html_path)
    if job.pdf:
        from kinerja_research.reports import pdf as pdf_mod

        tmp = pdf_path.with_name(f".{pdf_path.stem}.{os.getpid()}.pdf")
        try:
            pdf_mod.render_pdf(html_path, tmp, header=redact(outcome.title or job.header))
            found = scan_text(pdf_mod.pdf_text(tmp), name_headers=heads)
            if found:
                _withdraw(outcome, found, ipynb, html_path, pdf_path, tmp)
                return
            os.replace(tmp, pdf_path)
            outputs["pdf"] = str(pdf_path)
        finally:
            remove(tmp)
    outcome.outputs = outputs
