"""Rejected rows are personal data: redacting what is shown, and the rejects files kept for fixing.

The console, logs and published pages see reasons through :func:`redact` (no NIP digits); the
rejects CSV keeps raw values so an analyst can fix the export, and says so in its first line.

>>> redact("birth date 19901332 is not a real date")
'birth date … is not a real date'
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

#: First line of every rejects file.
PERSONAL_DATA_LINE = (
    "# PERSONAL DATA — raw values (NIPs) from {source}, for fixing the export. Keep it private "
    "(data/interim is git-ignored), never share or publish it, delete it once fixed."
)
_DIGITS = re.compile(r"\d{4,}")
#: Codes (units, regions) are short; longer digit runs may be NIPs.
LONG_DIGITS = re.compile(r"\d{10,}")
_FILE_NAME = re.compile(r"([\w./~$-]+\.(?:csv|tsv|txt|xlsx|xlsm|parquet|pq|ya?ml))\b", re.IGNORECASE)
_QUOTED = re.compile(r"'[^']*'")
_SEX_DIGIT = re.compile(r"(?<=not )\d\b")


def redact(text: str, *, quoted: bool = True) -> str:
    """Text safe for the console, logs and published pages: quoted values and digit runs removed.

    Reasons may quote a cell (``'19800101…' is not a number``) or spell parts of an NIP (a birth
    date, an appointment month); both become ``…``. Short numbers (counts, limits) stay. Whole-file
    messages quote headers and table names, not cells: pass ``quoted=False`` to keep those.

    Examples
    --------
    >>> redact("birth date 19901332 is not a real date")
    'birth date … is not a real date'
    >>> redact("'1.98E+17' is not a number")
    '… is not a number'
    >>> redact("duplicate key also in pegawai_2024.xlsx")
    'duplicate key also in pegawai_2024.xlsx'
    """
    out = []
    for i, part in enumerate(_FILE_NAME.split(str(text))):
        if i % 2:  # a file name: keep its years and numbers, not an NIP-long run
            out.append(LONG_DIGITS.sub("…", part))
            continue
        part = _QUOTED.sub("…", part) if quoted else part
        out.append(_SEX_DIGIT.sub("…", _DIGITS.sub("…", part)))
    return "".join(out)


def write_rejects(rejected: pd.DataFrame, path: str | Path, source: str) -> Path:
    """Write a rejects CSV whose first line marks it as personal data; see :func:`read_rejects`.

    Examples
    --------
    >>> write_rejects(res.rejected, "data/interim/pegawai.rejects.csv", "pegawai.csv")  # doctest: +SKIP
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(PERSONAL_DATA_LINE.format(source=source) + "\n")
        rejected.to_csv(fh, index=False)
    tmp.replace(p)
    return p


def read_rejects(path: str | Path) -> pd.DataFrame:
    """Read a rejects file written by :func:`write_rejects` (skipping its personal-data line)."""
    return pd.read_csv(path, skiprows=1, dtype={"value": "string", "column": "string", "reason": "string"})
