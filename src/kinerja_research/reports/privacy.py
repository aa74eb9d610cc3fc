"""Privacy rules for rendered reports: small-group suppression and a post-render scan.

Two safeguards (DESIGN §7): tables and plots never show a group smaller than ``k``
(:func:`suppress_small`, :func:`drop_small_groups`), and every rendered report is scanned for
what must never appear in it — an NIP-like 18-digit number or a personal-name column
(:func:`scan_html`). A report with a finding is marked failed and its outputs are withdrawn.

>>> import pandas as pd
>>> t = pd.DataFrame({"unit": ["A", "B"], "n": [12, 3], "ikm": [81.2, 77.0]})
>>> suppress_small(t, count_col="n", k=5)
  unit     n   ikm  suppressed
0    A    12  81.2       False
1    B  <NA>   NaN        True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kinerja_research.config import settings

#: Smallest group shown when ``k_anonymity`` is not set in ``config/settings.yml``.
K_ANONYMITY_DEFAULT = 5

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


def k_anonymity() -> int:
    """The configured smallest group size: ``k_anonymity`` in settings, else 5.

    Examples
    --------
    >>> k_anonymity() >= 1
    True
    """
    k = settings().get("k_anonymity", K_ANONYMITY_DEFAULT)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"settings k_anonymity must be a positive integer, not {k!r}")
    return k


def _check_k(k: int | None) -> int:
    kk = k_anonymity() if k is None else k
    if not isinstance(kk, int) or isinstance(kk, bool) or kk < 1:
        raise ValueError(f"k must be a positive integer, not {k!r}")
    return kk


def _as_list(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def suppress_small(
    df: pd.DataFrame,
    *,
    count_col: str | None = None,
    by: str | Sequence[str] | None = None,
    k: int | None = None,
    value_cols: Iterable[str] | None = None,
    marker: str = "suppressed",
) -> pd.DataFrame:
    """Mask the values of groups smaller than ``k`` and mark them.

    Give either ``count_col`` (an aggregate table: one row per group, its size in that column) or
    ``by`` (row-level data: groups are the distinct values of these columns, sized by rows).

    Parameters
    ----------
    df
        The table to publish. Not modified.
    count_col
        Column holding each row's group size; it is masked too for small groups.
    by
        Grouping columns of row-level data.
    k
        Smallest group shown; default :func:`k_anonymity` (5).
    value_cols
        Columns to mask; default every column except the group keys (``by``, or the text and
        categorical columns of an aggregate table) and the marker.
    marker
        Name of the boolean column that says which rows were suppressed.

    Returns
    -------
    pandas.DataFrame
        A copy with masked values (missing) and the marker column.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"unit": ["A"] * 6 + ["B"] * 2, "skp": range(8)})
    >>> suppress_small(rows, by="unit", k=5)["skp"].isna().sum()
    np.int64(2)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, not {type(df).__name__}")
    if (count_col is None) == (by is None):
        raise ValueError("give exactly one of count_col= (aggregate table) or by= (row-level data)")
    kk = _check_k(k)
    if count_col is not None:
        if count_col not in df.columns:
            raise ValueError(f"count_col {count_col!r} is not a column; columns: {list(df.columns)}")
        sizes = pd.to_numeric(df[count_col], errors="raise")
        keys = [c for c in df.columns
                if c != count_col and (pd.api.types.is_string_dtype(df[c]) or isinstance(df[c].dtype, pd.CategoricalDtype)
                                       or df[c].dtype == object)]
    else:
        keys = _as_list(by)  # type: ignore[arg-type]
        missing = [c for c in keys if c not in df.columns]
        if missing:
            raise ValueError(f"by columns not in the table: {missing}")
        sizes = df.groupby(keys, observed=True, dropna=False)[keys[0]].transform("size")
    small = (sizes < kk).to_numpy()
    if value_cols is None:
        cols = [c for c in df.columns if c not in keys and c != marker]
    else:
        cols = list(value_cols)
        unknown = [c for c in cols if c not in df.columns]
        if unknown:
            raise ValueError(f"value_cols not in the table: {unknown}")
    out = df.copy()
    if count_col is not None and count_col in cols and pd.api.types.is_integer_dtype(out[count_col]):
        # Nullable integers keep counts integral once the small ones are masked.
        out[count_col] = out[count_col].astype("Int64")
    for c in cols:
        out[c] = out[c].mask(small)
    out[marker] = small
    return out


def drop_small_groups(df: pd.DataFrame, *, by: str | Sequence[str], k: int | None = None) -> pd.DataFrame:
    """Rows of groups with at least ``k`` rows, for plots drawn from row-level data.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"unit": ["A"] * 6 + ["B"] * 2, "skp": range(8)})
    >>> sorted(drop_small_groups(rows, by="unit", k=5)["unit"].unique())
    ['A']
    """
    kk = _check_k(k)
    keys = _as_list(by)
    missing = [c for c in keys if c not in df.columns]
    if missing:
        raise ValueError(f"by columns not in the table: {missing}")
    sizes = df.groupby(keys, observed=True, dropna=False)[keys[0]].transform("size")
    return df.loc[(sizes >= kk).to_numpy()]


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
