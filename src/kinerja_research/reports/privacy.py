"""Privacy scan of rendered reports.

Every rendered report is scanned for what must never appear in it — an NIP-like 18-digit number
or a personal-name column (:func:`scan_html`). A report with a finding is marked failed and its
outputs are withdrawn. Small-group suppression, which the analysis layer applies while building
tables, lives in :mod:`kinerja_research.analysis.suppression`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: An NIP is 18 digits (data/README.md); any run of exactly 18 digits is treated as one.
NIP_PATTERN = re.compile(r"(?<!\d)\d{18}(?!\d)")

#: Column headers that hold personal names in Indonesian and English exports.
NAME_HEADERS: tuple[str, ...] = ("nama", "name", "nama_pegawai", "nama_lengkap", "full_name", "nama pegawai",
                                 "nama lengkap")

# Embedded images (base64) and inline CSS/JS cannot carry table data; dropping them first makes
# the scan fast and avoids digit runs inside base64 being read as NIPs.
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+")
_BLOCKS = re.compile(r"<(style|script)\b[^>]*>.*?</\1>", re.DOTALL | re.IGNORECASE)
_TH = re.compile(r"<th\b[^>]*>(.*?)</th>", re.DOTALL | re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class PrivacyFinding:
    """One thing a rendered report must not contain. ``detail`` never repeats the value itself."""

    kind: str  # "nip" or "name_column"
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def _mask(digits: str) -> str:
    return f"{digits[:2]}…{digits[-2:]}"


def scan_text(html: str, *, name_headers: Iterable[str] = NAME_HEADERS) -> list[PrivacyFinding]:
    """Scan rendered HTML text; see :func:`scan_html`."""
    names = {h.strip().lower() for h in name_headers}
    body = _BLOCKS.sub(" ", _DATA_URI.sub(" ", html))
    findings: list[PrivacyFinding] = []
    nips = NIP_PATTERN.findall(body)
    if nips:
        shown = ", ".join(sorted({_mask(n) for n in nips})[:3])
        findings.append(PrivacyFinding("nip", f"{len(nips)} NIP-like 18-digit number(s) ({shown})"))
    headers = {re.sub(r"\s+", " ", _TAGS.sub("", h)).strip().lower() for h in _TH.findall(body)}
    bad = sorted(headers & names)
    if bad:
        findings.append(PrivacyFinding("name_column", f"table column(s) {bad} look like personal names"))
    return findings


def scan_html(path: str | Path, *, name_headers: Iterable[str] = NAME_HEADERS) -> list[PrivacyFinding]:
    """Find NIP-like numbers and personal-name columns in a rendered report.

    Parameters
    ----------
    path
        The HTML file.
    name_headers
        Table headers (case-insensitive) that count as a name column.

    Returns
    -------
    list of PrivacyFinding
        Empty when the report is clean.

    Examples
    --------
    >>> scan_text("<table><tr><th>nama</th></tr><tr><td>199001012015031001</td></tr></table>")[0].kind
    'nip'
    """
    return scan_text(Path(path).read_text(encoding="utf-8", errors="replace"), name_headers=name_headers)
