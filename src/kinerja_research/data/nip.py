"""NIP (Nomor Induk Pegawai) rules and salted pseudonyms.

An NIP has 18 digits: birth date ``YYYYMMDD``, appointment (TMT CPNS) ``YYYYMM``, a sex digit
(1 male, 2 female) and a 3-digit sequence number (BKN; see ``docs/guide/data-contract.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

#: Minimum age at appointment, in years (UU ASN sets 18 as the minimum age to apply).
MIN_AGE_AT_APPOINTMENT = 18


def nip_digits(nip: pd.Series) -> np.ndarray:
    """Mask of values made of exactly 18 ASCII digits (0-9), the form every valid NIP has.

    A length and a byte-class check, several times faster than a regex on millions of rows;
    Arabic-Indic or full-width digits are not ASCII, so they fail it (``\\d`` would match them).

    Examples
    --------
    >>> nip_digits(pd.Series(["199001012015031001", " 199001012015031001", None])).tolist()
    [True, False, False]
    """
    s = pd.Series(nip, dtype="string")
    arr = pa.array(s.array)
    ok = pa_compute.and_(pa_compute.equal(pa_compute.binary_length(arr), 18),
                         pa_compute.ascii_is_decimal(arr))
    return np.asarray(pa_compute.fill_null(ok, False).to_numpy(zero_copy_only=False), dtype=bool)


def _digit_matrix(v: pd.Series) -> np.ndarray:
    """``(n, 18)`` uint8 digits of NIPs already known to be 18 ASCII digits each, no nulls.

    Such values sit back to back in the Arrow data buffer, so it is read as one block of
    bytes: no per-row string slicing or parsing.
    """
    arr = pa.array(v.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.string())
    start = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=1, offset=4 * arr.offset)[0]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8, count=18 * len(arr), offset=int(start))
    return data.reshape(-1, 18) - np.uint8(48)


def nip_problems(nip: pd.Series) -> pd.Series:
    """Return, for each NIP, the reason it is invalid, or missing when it is valid.

    Vectorized over the whole Series.

    Parameters
    ----------
    nip
        NIPs as text (numbers would have lost leading zeros and precision).

    Returns
    -------
    pandas.Series
        ``string`` dtype; ``<NA>`` for valid NIPs, else a reason such as
        ``"birth date 19901332 is not a real date"``.

    Examples
    --------
    >>> nip_problems(pd.Series(["199001012015031001", "12345"])).tolist()
    [<NA>, 'NIP must have exactly 18 digits (has 5 characters)']
    """
    s = pd.Series(nip, dtype="string")
    ok = nip_digits(s)
    if not (ok | s.isna().to_numpy()).all():  # only then can stripping change anything
        s = s.str.strip()
        ok = nip_digits(s)
    reason = pd.Series(pd.NA, index=s.index, dtype="string")
    missing = s.isna() | (s == "")
    reason[missing] = "NIP is missing"
    digits = pd.Series(ok, index=s.index)
    bad_shape = ~missing & ~digits
    if bad_shape.any():
        lens = s[bad_shape].str.len().astype("Int64").astype(str)
        reason[bad_shape] = "NIP must have exactly 18 digits (has " + lens + " characters)"
    if not ok.any():
        return reason
    v = s if ok.all() else s[digits]
    # Arithmetic on the digits instead of date parsing: ~10x faster on millions of NIPs.
    d = _digit_matrix(v)

    def field(a: int, b: int) -> np.ndarray:
        out = d[:, a].astype(np.int32)
        for k in range(a + 1, b):
            out = out * 10 + d[:, k]
        return out

    by, bm, bd = field(0, 4), field(4, 6), field(6, 8)
    ay, am, sex_digit = field(8, 12), field(12, 14), d[:, 14]
    leap = ((by % 4 == 0) & (by % 100 != 0)) | (by % 400 == 0)
    dim = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(bm, 0, 12)]
    dim = dim + ((bm == 2) & leap)
    bad_birth = (bm < 1) | (bm > 12) | (bd < 1) | (bd > dim) | (by < 1900)
    bad_appt = ~bad_birth & ((am < 1) | (am > 12) | (ay < 1900))
    young = ~bad_birth & ~bad_appt & (ay * 12 + am < (by + MIN_AGE_AT_APPOINTMENT) * 12 + bm)
    bad_sex = ~bad_birth & ~bad_appt & ~young & ~np.isin(sex_digit, (1, 2))
    r = pd.Series(pd.NA, index=v.index, dtype="string")
    if bad_birth.any():
        r[bad_birth] = "birth date " + v[bad_birth].str.slice(0, 8) + " is not a real date"
    if bad_appt.any():
        r[bad_appt] = "appointment month " + v[bad_appt].str.slice(8, 14) + " is not a real month"
    if young.any():
        r[young] = (
            "appointment " + v[young].str.slice(8, 14) + " is less than 18 years after birth "
            + v[young].str.slice(0, 8)
        )
    if bad_sex.any():
        r[bad_sex] = "sex digit (15th) must be 1 or 2, not " + v[bad_sex].str.slice(14, 15)
    if ok.all():  # the usual case: no label alignment needed
        return r
    reason[v.index] = r
    return reason


#: What :func:`normalize_nip` reports for each normalization it applies.
NORMALIZATIONS = {
    "spaces": "surrounding spaces removed",
    "formula": "Excel text formula =\"…\" unwrapped",
    "apostrophe": "leading apostrophe (Excel text marker) removed",
    "grouped_spaces": "official spaced form (8 6 1 3 digits) joined",
    "grouped_dashes": "dashed form (8-6-1-3 digits) joined",
    "integer_text": "exact integer text with a trailing '.0' recovered",
    "integer_column": "whole-number column converted to text",
}
#: The reason given for an NIP that only a number could have produced.
NUMERIC_NIP = (
    "Excel stored this NIP as a number and lost its last digits; export the column as text "
    "(format the NIP column as Text before typing or pasting, or export the CSV from the source)"
)
_GROUPED = r"[0-9]{8}[ \u00a0-]+[0-9]{6}[ \u00a0-]+[0-9][ \u00a0-]+[0-9]{3}"
_NUMBER_LIKE = r"[+-]?[0-9]*[.,][0-9]*([eE][+-]?[0-9]+)?|[+-]?[0-9]+[eE][+-]?[0-9]+"


def normalize_nip(nip: pd.Series) -> tuple[pd.Series, pd.Series, dict[str, int]]:
    """Bring NIPs written as text to their 18 digits, and refuse those a number produced.

    Vectorized. Accepted and counted: surrounding spaces, Excel's ``="…"`` text formula, a
    leading apostrophe, the official spaced print form ``19800101 200501 1 001`` and the same
    with dashes, and an exact integer written with ``.0`` (``198001012005011002.0``) when its
    digits cannot have been rounded through a floating-point number. Rejected with a reason:
    scientific notation and other float text (``1.98001012005011E+17``), the ``.0`` form of a
    value a float could have produced, and digits outside 0–9 (Arabic-Indic, full-width …).

    Parameters
    ----------
    nip
        Raw NIP text (``string`` dtype or objects convertible to it).

    Returns
    -------
    normalized : pandas.Series
        ``string`` dtype; the normalized text (still to be checked by :func:`nip_problems`).
    reasons : pandas.Series
        ``string``; why a value is refused before the NIP rules apply, else ``<NA>``.
    counts : dict of str to int
        Rows per normalization applied (keys of :data:`NORMALIZATIONS`), only those > 0.

    Examples
    --------
    >>> norm, why, counts = normalize_nip(pd.Series(["19800101 200501 1 001", "1.98001012005011E+17"]))
    >>> norm[0], counts
    ('198001012005011001', {'grouped_spaces': 1})
    >>> why[1].startswith("Excel stored this NIP as a number")
    True
    """
    raw = pd.Series(nip, dtype="string")
    reasons = pd.Series(pd.NA, index=raw.index, dtype="string")
    counts: dict[str, int] = {}
    present = raw.notna().to_numpy()
    if not present.any():
        return raw, reasons, counts
    plain = nip_digits(raw)
    if plain.all():  # the usual export: nothing to normalize, nothing to scan
        return raw, reasons, counts
    out = raw.copy()
    todo = present & ~plain
    t = raw[todo]

    def count(kind: str, mask: np.ndarray | pd.Series) -> None:
        n = int(np.asarray(mask, dtype=bool).sum())
        if n:
            counts[kind] = counts.get(kind, 0) + n

    stripped = t.str.strip()
    count("spaces", (stripped != t).fillna(False))
    t = stripped
    formula = t.str.fullmatch(r'=\s*"(.*)"').fillna(False).astype(bool)
    if formula.any():
        count("formula", formula)
        t = t.mask(formula, t.str.replace(r'^=\s*"(.*)"$', r"\1", regex=True).str.strip())
    apos = t.str.startswith("'").fillna(False).astype(bool)
    if apos.any():
        count("apostrophe", apos)
        t = t.mask(apos, t.str.slice(1).str.strip())
    grouped = t.str.fullmatch(_GROUPED).fillna(False).astype(bool)
    if grouped.any():
        dashed = grouped & t.str.contains("-", regex=False).fillna(False).astype(bool)
        count("grouped_dashes", dashed)
        count("grouped_spaces", grouped & ~dashed)
        t = t.mask(grouped, t.str.replace(r"[ \u00a0-]", "", regex=True))
    why = pd.Series(pd.NA, index=t.index, dtype="string")
    point0 = t.str.fullmatch(r"[0-9]{18}\.0*").fillna(False).astype(bool)
    if point0.any():
        digits = t[point0].str.slice(0, 18)
        v = pa_compute.cast(pa.array(digits, type=pa.string()), pa.int64()).to_numpy()
        # a float64 holds these 18-digit values only at multiples of 32: such digits may be a
        # rounded float printed with '.0', so they cannot be trusted
        through_float = v.astype(np.float64).astype(np.int64) == v
        idx = digits.index
        why[idx[through_float]] = NUMERIC_NIP
        ok = idx[~through_float]
        t[ok] = digits[ok]
        count("integer_text", ~through_float)
    numeric = (~point0 & t.str.fullmatch(_NUMBER_LIKE).fillna(False).astype(bool)
               & t.str.contains("[0-9]", regex=True).fillna(False).astype(bool))
    why[numeric] = NUMERIC_NIP
    foreign = why.isna() & t.str.contains(r"[^\x00-\x7f]", regex=True).fillna(False).astype(bool)
    if foreign.any():
        foreign_digit = foreign & t.str.contains(r"\d", regex=True).fillna(False).astype(bool)
        why[foreign_digit] = ("NIP contains digits other than 0-9 (e.g. Arabic-Indic or "
                              "full-width digits); type it again with the digits 0-9")
        why[foreign & ~foreign_digit] = ("NIP contains characters outside 0-9 and plain "
                                         "spaces; type it again with the digits 0-9")
    out[todo] = t
    reasons[todo] = why
    return out, reasons, counts


def nip_from_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series, dict[str, int]]:
    """NIPs from a numeric column (Parquet, a typed frame): integers are exact, floats are not.

    An integer column keeps every digit, so it is converted to text and counted
    (``integer_column``); a floating-point column (or a float value among objects) can only
    hold 15–17 significant digits, so each of its values is refused with :data:`NUMERIC_NIP`.

    Examples
    --------
    >>> norm, why, _ = nip_from_numbers(pd.Series([198001012005011001], dtype="int64"))
    >>> norm[0], bool(why.isna()[0])
    ('198001012005011001', True)
    """
    reasons = pd.Series(pd.NA, index=values.index, dtype="string")
    if pd.api.types.is_integer_dtype(values):
        text = values.astype("Int64").astype("string")
        n = int(text.notna().sum())
        return text, reasons, ({"integer_column": n} if n else {})
    present = values.notna()
    reasons[present] = NUMERIC_NIP
    return values.astype("string"), reasons, {}


def is_valid_nip(nip: pd.Series) -> pd.Series:
    """Boolean mask of NIPs that satisfy every rule of :func:`nip_problems`."""
    return nip_problems(nip).isna()


def get_salt(salt: str | None = None) -> bytes:
    """The pseudonymization salt; see :func:`kinerja_research.data.salt.get_salt`."""
    from kinerja_research.data.salt import get_salt as _get_salt

    return _get_salt(salt)


def pseudonymize_nip(nip: pd.Series, salt: str | bytes | None = None) -> pd.Series:
    """Salted pseudonyms (16 hex); see :func:`kinerja_research.data.store.pseudonymize_nip`."""
    from kinerja_research.data.store import pseudonymize_nip as _pseudonymize

    return _pseudonymize(nip, salt)
