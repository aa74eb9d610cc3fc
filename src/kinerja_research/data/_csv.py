"""CSV reading: encoding, delimiter and header row found together, a pyarrow fast path, and a
careful path that keeps every record apart (ragged rows, unclosed quotes)."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from kinerja_research.data._raw import (
    HEADER_SEARCH_ROWS,
    Raw,
    find_header,
    header_score,
    map_header,
)
from kinerja_research.data.errors import ContractError
from kinerja_research.data.limits import ReadLimits, check_file_size, exceeded

DELIMITERS = (",", ";", "\t", "|")


def _decode(raw: bytes, path: Path) -> bytes:
    """UTF-8 bytes of the file (BOM dropped), from UTF-8 or Windows-1252."""
    try:
        if not raw.isascii():  # ASCII is UTF-8: checked without decoding the whole file
            raw.decode("utf-8")
        return raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:
        raise ContractError(
            f"{path.name}: the text cannot be decoded as UTF-8 or Windows-1252. Open it in Excel "
            "or LibreOffice and save it again as 'CSV UTF-8 (comma delimited)'."
        ) from None


def _split_line(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sep), [])
    except csv.Error:
        return line.split(sep)


def _locate_header(head: str, table: str) -> tuple[str, int]:
    """The delimiter and header line: the pair that recognises the table's header best."""
    # the same line splitting as the offset computed from it (str.splitlines also splits on
    # form feeds and other separators a CSV reader does not)
    lines = [ln.rstrip("\r\n") for ln in itertools.islice(io.StringIO(head, newline=""),
                                                          HEADER_SEARCH_ROWS)]
    best: tuple[tuple[bool, int, int], str, int] | None = None
    for sep in DELIMITERS:
        cells = [_split_line(line, sep) for line in lines]
        idx, complete = find_header(cells, table)
        n = header_score(cells[idx], table)[1] if cells else 0
        if n == 0:
            continue
        key = (complete, n, -idx)
        if best is None or key > best[0]:
            best = (key, sep, idx)
    if best is not None:
        return best[1], best[2]
    first = lines[0] if lines else ""
    counts = {sep: first.count(sep) for sep in DELIMITERS}
    return (max(counts, key=counts.__getitem__) if max(counts.values()) > 0 else ","), 0


@contextlib.contextmanager
def _field_limit(n: int) -> Iterator[None]:
    old = csv.field_size_limit()
    csv.field_size_limit(n)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def read_csv(path: Path, table: str, limits: ReadLimits) -> Raw:
    check_file_size(path, limits)
    raw = path.read_bytes()
    if not raw or raw.isspace():
        raise ContractError(f"{path.name} is empty: it has no header and no rows.")
    if b"\x00" in raw:
        raise ContractError(
            f"{path.name} contains NUL bytes, so it is not a text CSV file (is it a binary or "
            "corrupted file?). Export the table again as CSV."
        )
    utf8 = _decode(raw, path)
    head = utf8[: 1 << 16].decode("utf-8", errors="ignore")
    sep, idx = _locate_header(head, table)
    # byte offset of the header line: the title lines above it are not part of the table
    buf = io.StringIO(head, newline="")
    skipped = "".join(itertools.islice(buf, idx))
    body = utf8[len(skipped.encode("utf-8")):]
    first = 1 + idx  # the header's line number
    end = body.find(b"\n")
    header = _split_line(body[: end if end >= 0 else len(body)].decode("utf-8").rstrip("\r"), sep)
    mapped = map_header(header, table, path.name)
    frame = None
    if b"\n\n" not in body and b"\n\r\n" not in body:  # blank lines would shift row numbers
        frame = _fast(body, sep, header, mapped, limits, path)
    if frame is not None:
        rows = np.arange(first + 1, first + 1 + len(frame), dtype=np.int64)
        return Raw(frame, rows, mapped, delimiter=sep, header_row=first)
    return _careful(body.decode("utf-8"), sep, first, header, mapped, limits, path)


def _fast(body: bytes, sep: str, header: list[str], mapped, limits: ReadLimits,
          path: Path) -> pd.DataFrame | None:
    """pyarrow's multi-threaded reader; ``None`` sends the file to the careful path."""
    try:
        table = pa_csv.read_csv(
            io.BytesIO(body),
            read_options=pa_csv.ReadOptions(column_names=[f"c{i}" for i in range(len(header))],
                                            skip_rows=1),
            parse_options=pa_csv.ParseOptions(delimiter=sep),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(header))},
                include_columns=[f"c{i}" for i in mapped.positions],
                strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        return None
    out = {}
    quoted = b'"' in body  # without quotes no value can span lines
    for pos, name in zip(mapped.positions, mapped.canonical, strict=True):
        col = table.column(f"c{pos}")
        if quoted and len(col) and (pc.any(pc.match_substring_regex(col, r"[\r\n]")).as_py() or False):
            return None  # a value spans lines: check it is not an unclosed quote
        if len(col) and (pc.max(pc.binary_length(col)).as_py() or 0) > limits.max_field_bytes:
            raise exceeded(path, "max_field_bytes", "a field longer than that", limits.max_field_bytes)
        out[name] = pd.Series(pd.arrays.ArrowStringArray(col))
    return pd.DataFrame(out)


def _careful(text: str, sep: str, first: int, header: list[str], mapped, limits: ReadLimits,
             path: Path) -> Raw:
    """Python's csv reader, one record at a time, restarting after an unclosed quote.

    A record spanning several lines is kept only when it has the header's number of fields and
    no line inside it looks like a record of its own; otherwise its first line is rejected on
    its own (never merged with the next employees') and reading resumes on the next line.
    """
    lines = io.StringIO(text, newline="").readlines()
    n = len(header)
    records: list[list[str]] = []
    rownums: list[int] = []
    problems: dict[int, tuple[str, str]] = {}
    pos = 1
    with _field_limit(limits.max_field_bytes):
        while pos < len(lines):
            reader = csv.reader(itertools.islice(lines, pos, None), delimiter=sep)
            done = 0
            restart = None
            try:
                for rec in reader:
                    start = pos + done
                    span = reader.line_num - done
                    done = reader.line_num
                    if not rec:  # an empty line
                        continue
                    if span > 1 and _merged(rec, n, sep):
                        line = lines[start].rstrip("\r\n")
                        problems[len(records)] = (
                            f"line {first + start}: a quote (\") opened in this line is not closed "
                            "in it, so the following lines would be read as part of this row; "
                            "close or remove the quote", line)
                        records.append(_split_line(line.replace('"', ""), sep))
                        rownums.append(first + start)
                        restart = start + 1
                        break
                    if len(rec) != n:
                        problems[len(records)] = (f"row has {len(rec)} fields, the header has {n}",
                                                  sep.join(rec))
                    records.append(rec)
                    rownums.append(first + start)
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise exceeded(path, "max_field_bytes", "a field longer than that",
                                   limits.max_field_bytes) from None
                raise ContractError(f"{path.name} is not a readable CSV file: {exc}.") from None
            if restart is None:
                break
            pos = restart
    if not records:
        raise ContractError(f"{path.name} has a header but no data rows.")
    cols = {}
    for p, name in zip(mapped.positions, mapped.canonical, strict=True):
        cols[name] = pd.Series([r[p] if p < len(r) else "" for r in records], dtype="string")
    frame = pd.DataFrame(cols)
    frame = frame.mask(frame == "")
    return Raw(frame, np.asarray(rownums, dtype=np.int64), mapped, row_problems=problems,
               delimiter=sep, header_row=first)


def _merged(rec: list[str], n: int, sep: str) -> bool:
    if len(rec) != n:
        return True
    for value in rec:
        if "\n" in value or "\r" in value:
            for part in value.splitlines()[1:]:
                if part.count(sep) >= max(n - 1, 1):
                    return True
    return False
