"""What must never be published: NIPs in any printed form and personal-name columns.

Every text that reaches the reports folder passes :func:`scan_text` (through
:mod:`kinerja_research.reports.publish`); failure messages pass :func:`redact`.

NIPs are found in every form a person or a library prints them:

- plain (``199001012015031001``), or in digit groups separated by spaces, NBSP or thin spaces,
  dashes, dots, commas, HTML entities (``&nbsp;``), JSON escapes (``\\u00a0``) or tags
  (``<b>19900101</b> <b>201503</b>…``): a candidate is any 18 digits between two group
  boundaries of such a run;
- floats and scientific notation (``1.99001012015031e+17``, ``199001012015031001.0``): the
  digits of the mantissa;

and a candidate counts only when it has an NIP's structure (a real birth date, an appointment
month at least 18 years later, a sex digit 1 or 2 — :func:`kinerja_research.data.nip.nip_problems`),
so ordinary 18-digit numbers (order numbers, sums) are not flagged. Scripts and JSON outputs
are scanned like everything else; only base64 payloads of embedded images are skipped.

Names: any table header or index name (HTML ``<th>``, pandas' plain-text tables, JSON keys,
plotly hover templates) starting with ``nama`` or ``name`` in any case, spacing or suffix, plus
the grid's ``name_headers``.

>>> [f.kind for f in scan_text("<td>19900101&nbsp;201503&nbsp;1&nbsp;001</td>")]
['nip']
>>> scan_text("<td>123456789012345678</td>")  # not an NIP's structure
[]
>>> redact("KeyError: '199001012015031001'")
"KeyError: '[NIP]'"
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Header prefixes that mark a personal-name column or index (any case, spacing, suffix).
NAME_PREFIXES: tuple[str, ...] = ("nama", "name")

#: Kept for callers that passed the old default list; every entry starts with a prefix above.
NAME_HEADERS: tuple[str, ...] = ("nama", "name", "nama_pegawai", "nama_lengkap", "full_name", "nama pegawai",
                                 "nama lengkap")

#: What a redacted NIP reads as.
REDACTED = "[NIP]"

# One separator between digit groups: whitespace (NBSP, thin and figure spaces included),
# punctuation used for grouping, an entity for a space, a JSON/Python escape of one, or a tag.
_SEP = (r"(?:[\s\u00a0\u2007\u2009\u202f.\-_'/]|,(?! )"
        r"|&(?:nbsp|thinsp|ensp|emsp|#160|#xa0|#x202f|#8239|#8201|#32|#x20);"
        r"|\\u00a0|\\u202f|\\u2009|\\xa0|\\n"
        r"|<[^<>]{0,300}>)")
_RUN = re.compile(rf"\d(?:{_SEP}{{0,6}}\d)*", re.IGNORECASE)
_TOKEN = re.compile(rf"(\d+)|{_SEP}", re.IGNORECASE)
# Scientific notation with an 18-digit integer part: d.ddd…e+17 (also E17, comma decimals).
_SCI = re.compile(r"(?<![\d.,])(\d)[.,](\d{11,20})[eE]\+?0*17(?!\d)")
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+", re.IGNORECASE)
_TH = re.compile(r"<th\b[^>]*>(.*?)</th>", re.DOTALL | re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_JSON_KEY = re.compile(r"""["']([^"'\n]{1,80})["']\s*:""")
_HOVER = re.compile(r"([A-Za-z_][\w .]{0,60}?)=%\{")
# pandas' plain-text tables: columns separated by two or more spaces.
_FIELD_SPLIT = re.compile(r"\s{2,}")
_FIELD_OK = re.compile(r"^[^\W\d][\w .()/-]*$")
# An index name on its own line, padded by pandas to the index width.
_INDEX_LINE = re.compile(r"^(\S+)\s{2,}$|^(\S+)$")


@dataclass(frozen=True)
class PrivacyFinding:
    """One thing a published text must not contain. ``detail`` never repeats the value itself."""

    kind: str  # "nip" or "name_column"
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def _mask(digits: str) -> str:
    return f"{digits[:2]}…{digits[-2:]}"


def _candidates(text: str) -> list[tuple[int, int, str]]:
    """(start, end, 18-digit string) for every NIP-shaped stretch of ``text``, unchecked."""
    out: list[tuple[int, int, str]] = []
    for run in _RUN.finditer(text):
        s = run.group()
        if len(s) < 18:
            continue
        # digit groups only: escapes such as \\u00a0 hold digits that are not the number's
        groups = [(g.start(), g.end(), g.group(1)) for g in _TOKEN.finditer(s) if g.group(1)]
        digits = "".join(g[2] for g in groups)
        if len(digits) < 18:
            continue
        # digit offset → (group index) boundaries: a candidate starts at a group start and ends
        # at a group end, so digits of neighbouring numbers are never spliced into the middle.
        starts, ends, pos = {}, {}, 0
        for gi, (_, _, g) in enumerate(groups):
            starts[pos] = gi
            pos += len(g)
            ends[pos] = gi
        for d0, g0 in starts.items():
            g1 = ends.get(d0 + 18)
            if g1 is not None:
                out.append((run.start() + groups[g0][0], run.start() + groups[g1][1], digits[d0:d0 + 18]))
    for m in _SCI.finditer(text):
        mant = (m.group(1) + m.group(2))[:15]
        if len(mant) >= 12:
            # the digits a float keeps: birth date and appointment (and the sex digit from 15 on);
            # the rest is filled with values that never fail the check by themselves
            fill = "011001"[len(mant) - 12:] if len(mant) < 15 else "001"
            out.append((m.start(), m.end(), mant + fill))
    return out


#: Birth and appointment years an NIP of a serving or retired civil servant can have. Besides
#: ``nip_problems``' rules, they keep digit runs of numeric JSON (plot data) from passing by chance.
BIRTH_YEARS = (1930, 2010)
APPOINTMENT_YEARS = (1950, 2045)
_MONTHS = {f"{m:02d}" for m in range(1, 13)}


def _plausible(c: str) -> bool:
    return (BIRTH_YEARS[0] <= int(c[:4]) <= BIRTH_YEARS[1] and c[4:6] in _MONTHS
            and APPOINTMENT_YEARS[0] <= int(c[8:12]) <= APPOINTMENT_YEARS[1] and c[12:14] in _MONTHS
            and c[14] in "12")


def _nip_spans(text: str) -> list[tuple[int, int, str]]:
    cands = [c for c in _candidates(text) if _plausible(c[2])]
    if not cands:
        return []
    import pandas as pd

    from kinerja_research.data.nip import nip_problems

    ok = nip_problems(pd.Series([c[2] for c in cands], dtype="string")).isna().to_numpy()
    return [c for c, good in zip(cands, ok, strict=True) if good]


def _skip_images(text: str) -> str:
    # Embedded image payloads are not printed text; blanked (same length, so that offsets hold)
    # with a character none of the patterns starts or extends a match with.
    return _DATA_URI.sub(lambda m: "#" * len(m.group()), text)


def _norm_header(h: str) -> str:
    return re.sub(r"\s+", " ", _html.unescape(_TAGS.sub("", h))).strip().lower()


def _name_prefixes(name_headers: Iterable[str]) -> tuple[str, ...]:
    if isinstance(name_headers, str):
        raise TypeError("name_headers must be a list of headers, not one string")
    extra = tuple(str(h).strip().lower() for h in name_headers if str(h).strip())
    return tuple(dict.fromkeys((*NAME_PREFIXES, *extra)))


def name_headers_found(text: str, *, name_headers: Iterable[str] = ()) -> list[str]:
    """Headers in ``text`` that mark a personal-name column or index (normalized, sorted)."""
    prefixes = _name_prefixes(name_headers)
    found: set[str] = set()

    def check(header: str) -> None:
        h = _norm_header(header)
        if h and h.startswith(prefixes):
            found.add(h)

    for h in _TH.findall(text):
        check(h)
    for h in _JSON_KEY.findall(text):
        # a plotly trace's "name" key is its legend label, not a column: only nama… and the
        # grid's own headers count as keys
        n = _norm_header(h)
        if n.startswith(tuple(p for p in prefixes if p != "name")):
            found.add(n)
    if "=%{" in text:
        for h in _HOVER.findall(text):
            check(h)
    # plain-text tables (printed frames) sit inside <pre> blocks of a page: read without tags
    lines = (_html.unescape(_TAGS.sub("", text)) if "<" in text else text).splitlines()
    for i, line in enumerate(lines[:-1]):
        if not lines[i + 1].strip():
            continue
        if line[:1].isspace():
            for f in _FIELD_SPLIT.split(line.strip()):
                if _FIELD_OK.match(f):
                    check(f)
        elif i > 0 and lines[i - 1][:1].isspace() and (m := _INDEX_LINE.match(line)):
            check(m.group(1) or m.group(2))
    return sorted(found)


def scan_text(text: str, *, name_headers: Iterable[str] = ()) -> list[PrivacyFinding]:
    """Find NIPs (any printed form) and personal-name columns in a text (HTML, JSON, notebook).

    Parameters
    ----------
    text
        Anything about to be published.
    name_headers
        Extra header prefixes that mark a name column, added to ``nama``/``name``.

    Returns
    -------
    list of PrivacyFinding
        Empty when the text is clean; details never repeat an NIP.

    Examples
    --------
    >>> [f.kind for f in scan_text("<table><tr><th>Nama ASN</th></tr></table>")]
    ['name_column']
    """
    body = _skip_images(text)
    findings: list[PrivacyFinding] = []
    nips = sorted({c[2] for c in _nip_spans(body)})
    if nips:
        shown = ", ".join(sorted({_mask(n) for n in nips})[:3])
        findings.append(PrivacyFinding("nip", f"{len(nips)} NIP(s) ({shown})"))
    bad = name_headers_found(body, name_headers=name_headers)
    if bad:
        findings.append(PrivacyFinding("name_column", f"column(s)/index {bad[:5]} look like personal names"))
    return findings


def redact(text: str) -> str:
    """``text`` with every NIP (any printed form) replaced by ``[NIP]``.

    For failure messages, which are published (shortened) while the report is withdrawn.

    Examples
    --------
    >>> redact("id 19900101-201503-1-001 not found")
    'id [NIP] not found'
    """
    spans = _nip_spans(_skip_images(text))
    if not spans:
        return text
    out, pos = [], 0
    for start, end, _ in sorted(spans):
        if start < pos:
            start = pos
        if end <= start:
            continue
        out.append(text[pos:start])
        out.append(REDACTED)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def scan_html(path: str | Path, *, name_headers: Iterable[str] = ()) -> list[PrivacyFinding]:
    """Find NIPs and personal-name columns in a file (see :func:`scan_text`).

    Examples
    --------
    >>> scan_html("reports/index.html")  # doctest: +SKIP
    []
    """
    return scan_text(Path(path).read_text(encoding="utf-8", errors="replace"), name_headers=name_headers)


def nip_in_value(value: object) -> bool:
    """Whether a parameter value (scalar, list or mapping, walked) holds an NIP.

    >>> nip_in_value({"who": [199001012015031001]})
    True
    """
    if isinstance(value, dict):
        return any(nip_in_value(k) or nip_in_value(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return any(nip_in_value(v) for v in value)
    if isinstance(value, float):
        return bool(_nip_spans(repr(value)))
    return bool(_nip_spans(str(value)))
