"""Size limits checked before a file is parsed, so a huge or malicious file fails in seconds.

Each limit has a default, an environment variable and a :class:`ReadLimits` field; the error
names all three so an analyst with a genuinely large export knows how to raise it.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from kinerja_research.data.errors import ContractError

_GIB = 1 << 30
_ENV = {
    "max_file_bytes": "KINERJA_MAX_FILE_BYTES",
    "max_field_bytes": "KINERJA_MAX_FIELD_BYTES",
    "max_xlsx_uncompressed_bytes": "KINERJA_MAX_XLSX_UNCOMPRESSED_BYTES",
    "max_xlsx_cells": "KINERJA_MAX_XLSX_CELLS",
    "max_xlsx_compression_ratio": "KINERJA_MAX_XLSX_COMPRESSION_RATIO",
}
_WHAT = {
    "max_file_bytes": "file size",
    "max_field_bytes": "size of one CSV field",
    "max_xlsx_uncompressed_bytes": "uncompressed size of the workbook",
    "max_xlsx_cells": "number of cells in the workbook",
    "max_xlsx_compression_ratio": "compression ratio of a workbook part",
}


@dataclass(frozen=True)
class ReadLimits:
    """Limits :func:`~kinerja_research.data.read` checks before parsing.

    Attributes
    ----------
    max_file_bytes
        Size of a CSV or Parquet file on disk (default 4 GiB).
    max_field_bytes
        Size of one CSV field (default 1 MiB): a longer field is almost always an unclosed
        quote that swallowed the rest of the file.
    max_xlsx_uncompressed_bytes
        Total uncompressed size of a workbook's parts (default 4 GiB; Excel's own largest sheet,
        1,048,576 rows, stays well below it).
    max_xlsx_cells
        Cells over all worksheets (default 60 million: a national employees table spread over
        sheets).
    max_xlsx_compression_ratio
        Uncompressed / compressed size of any part above 10 MB (default 200; worksheets
        written by Excel compress 5–30 times, a zip bomb a thousand times).

    Examples
    --------
    >>> ReadLimits().max_field_bytes
    1048576
    >>> ReadLimits.from_env({"KINERJA_MAX_XLSX_CELLS": "1000"}).max_xlsx_cells
    1000
    """

    max_file_bytes: int = 4 * _GIB
    max_field_bytes: int = 1 << 20
    max_xlsx_uncompressed_bytes: int = 4 * _GIB
    max_xlsx_cells: int = 60_000_000
    max_xlsx_compression_ratio: int = 200

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ReadLimits:
        """Defaults, overridden by the ``KINERJA_MAX_*`` environment variables that are set."""
        env = os.environ if environ is None else environ
        changes = {}
        for f in fields(cls):
            text = env.get(_ENV[f.name])
            if text:
                try:
                    changes[f.name] = int(text.replace("_", ""))
                except ValueError:
                    raise ContractError(
                        f"{_ENV[f.name]}={text!r} is not a whole number of "
                        f"{'cells' if f.name.endswith('cells') else 'bytes'}."
                    ) from None
        return replace(cls(), **changes)


def exceeded(path: Path, name: str, found: int | str, limit: int) -> ContractError:
    """The error for a limit: what was found, the limit, and both ways to raise it."""
    return ContractError(
        f"{path.name}: the {_WHAT[name]} ({found}) exceeds the limit of {limit:,}. If the file is "
        f"genuine, raise the limit: read(..., limits=ReadLimits({name}=...)) in Python, or set "
        f"the environment variable {_ENV[name]}; otherwise split or re-export the file."
    )


def check_file_size(path: Path, limits: ReadLimits) -> None:
    """Refuse a file larger than ``limits.max_file_bytes`` before anything reads it."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise exceeded(path, "max_file_bytes", f"{size:,} bytes", limits.max_file_bytes)


def check_xlsx(path: Path, limits: ReadLimits) -> None:
    """Refuse a workbook whose parts inflate past the limits, before any XML is parsed.

    The zip's declared sizes are summed (instant, whatever a zip bomb's compression ratio);
    they bound what is parsed, since the parser refuses a part that inflates past its declared
    size. Cells are counted from each worksheet's ``<dimension>`` (the first bytes of the part)
    when the part is too small to hold more cells than allowed, otherwise by inflating it as a
    capped stream and counting cell tags (a ``<dimension>`` can understate them).
    """
    try:
        zf = zipfile.ZipFile(path)
    # a damaged header can claim an unsupported zip version (NotImplementedError)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ContractError(
            f"{path.name} is not a readable Excel workbook ({exc}). Open it in Excel and save it "
            "again as .xlsx, or export the sheet as CSV."
        ) from None
    with zf:
        infos = zf.infolist()
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_xlsx_uncompressed_bytes:
            raise exceeded(path, "max_xlsx_uncompressed_bytes", f"{declared:,} bytes",
                           limits.max_xlsx_uncompressed_bytes)
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 10_000_000 and ratio > limits.max_xlsx_compression_ratio:
                raise exceeded(path, "max_xlsx_compression_ratio",
                               f"{info.filename}: {ratio:,.0f} to 1",
                               limits.max_xlsx_compression_ratio)
        cells = 0
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            head = _inflate(path, info, 1 << 16)
            m = _DIMENSION.search(head)
            if info.file_size // _MIN_CELL_BYTES + cells <= limits.max_xlsx_cells:
                # the part cannot hold more cells than allowed: trust <dimension>, or skip
                cells += _cells_in(m) if m else 0
            else:  # count the cells themselves: a <dimension> can understate them
                cells += _inflate(path, info, limits.max_xlsx_uncompressed_bytes, count=True)
            if cells > limits.max_xlsx_cells:
                raise exceeded(path, "max_xlsx_cells", f"at least {cells:,} cells",
                               limits.max_xlsx_cells)


_DIMENSION = re.compile(rb'<dimension\s+ref="\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"')
_MIN_CELL_BYTES = 15  # <c><v>1</v></c>: no cell is written in fewer bytes


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _cells_in(m: re.Match) -> int:
    if m.group(3) is None:
        return 1
    rows = int(m.group(4)) - int(m.group(2)) + 1
    cols = _col(m.group(3)) - _col(m.group(1)) + 1
    return max(rows, 0) * max(cols, 0)


def _inflate(path: Path, info: zipfile.ZipInfo, cap: int, count: bool = False):
    """The first ``cap`` inflated bytes of a part, or (``count``) its number of cell tags.

    Raw zlib on the stored bytes, stopping at ``cap`` inflated bytes.
    """
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            return 0 if count else b""
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        if info.compress_type == zipfile.ZIP_STORED:
            inflater = None
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
        else:
            return 0 if count else b""
        remaining, size, cells, tail, head = info.compress_size, 0, 0, b"", []
        try:
            while remaining > 0 and size <= cap:
                chunk = f.read(min(1 << 20, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                out = chunk if inflater is None else inflater.decompress(chunk, 1 << 22)
                while True:
                    size += len(out)
                    if count:
                        both = tail + out
                        cells += both.count(b"<c ") + both.count(b"<c>")
                        tail = out[-2:]
                    else:
                        head.append(out)
                    if size > cap or inflater is None or not inflater.unconsumed_tail:
                        break
                    out = inflater.decompress(inflater.unconsumed_tail, 1 << 22)
        except zlib.error:
            pass  # the parser reports the damaged part with its own words
    return cells if count else b"".join(head)[:cap]
