"""NIP (Nomor Induk Pegawai) rules and salted pseudonyms.

An NIP has 18 digits: birth date ``YYYYMMDD``, appointment (TMT CPNS) ``YYYYMM``, a sex digit
(1 male, 2 female) and a 3-digit sequence number (BKN; see ``shared/domain/glossary.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

#: Minimum age at appointment, in years (UU ASN sets 18 as the minimum age to apply).
MIN_AGE_AT_APPOINTMENT = 18


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
    s = pd.Series(nip, dtype="string").str.strip()
    reason = pd.Series(pd.NA, index=s.index, dtype="string")
    missing = s.isna() | (s == "")
    reason[missing] = "NIP is missing"
    digits = s.str.fullmatch(r"\d{18}").fillna(False).astype(bool)
    bad_shape = ~missing & ~digits
    if bad_shape.any():
        lens = s[bad_shape].str.len().astype("Int64").astype(str)
        reason[bad_shape] = "NIP must have exactly 18 digits (has " + lens + " characters)"
    ok = digits.to_numpy()
    if not ok.any():
        return reason
    v = s[digits]
    # Arithmetic on the digits instead of date parsing: ~10x faster on millions of NIPs.
    head = pa_compute.cast(
        pa_compute.utf8_slice_codeunits(pa.array(v, type=pa.string()), 0, 15), pa.int64()
    ).to_numpy()
    sex_digit = head % 10
    appt = head // 10
    am, ay = appt % 100, appt // 100 % 10_000
    birth = appt // 1_000_000
    bd, bm, by = birth % 100, birth // 100 % 100, birth // 10_000
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
    reason[v.index] = r
    return reason


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
