"""NIP validator and salted pseudonyms."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinerja_research.data import is_valid_nip, nip_problems, pseudonymize_nip


@pytest.mark.parametrize(
    ("nip", "ok"),
    [
        ("199001012015031001", True),
        ("200002292020121002", True),   # 29 Feb in a leap year
        ("199002292015031001", False),  # 29 Feb 1990 does not exist
        ("199001012008011001", True),   # exactly 18 years: January 2008
        ("199001012007121001", False),  # one month short of 18 years
        ("199001012015001001", False),  # month 00
        ("199001012015031000", True),   # sequence 000 is still a number
        ("199001012015030001", False),  # sex digit 0
        (" 199001012015031001 ", True),  # surrounding spaces are trimmed
        ("1990010120150310011", False),
        ("19900101201503100a", False),
        (None, False),
    ],
)
def test_nip_rules(nip: str | None, ok: bool) -> None:
    assert bool(is_valid_nip(pd.Series([nip]))[0]) is ok


def test_problem_messages_name_the_part() -> None:
    r = nip_problems(pd.Series(["199013012015031001", "199001012015131001", "199001012015033001"]))
    assert "birth date 19901301" in r[0]
    assert "appointment month 201513" in r[1]
    assert "sex digit" in r[2]


@given(
    st.dates(min_value=pd.Timestamp("1940-01-01").date(), max_value=pd.Timestamp("2005-12-31").date()),
    st.integers(18, 40), st.integers(1, 12), st.sampled_from("12"), st.integers(0, 999),
)
@settings(max_examples=200, deadline=None)
def test_constructed_nips_are_valid(birth, age: int, month: int, sex: str, seq: int) -> None:
    appt_year = birth.year + age + (1 if month < birth.month else 0)
    nip = f"{birth:%Y%m%d}{appt_year}{month:02d}{sex}{seq:03d}"
    assert nip_problems(pd.Series([nip]))[0] is pd.NA


def test_pseudonyms_stable_and_salt_dependent() -> None:
    nips = pd.Series(["199001012015031001", "198501012010122005", "199001012015031001", None])
    a = pseudonymize_nip(nips, salt="alpha")
    b = pseudonymize_nip(nips, salt="alpha")
    c = pseudonymize_nip(nips, salt="beta")
    pd.testing.assert_series_equal(a, b)
    assert a[0] == a[2] and a[0] != a[1]
    assert a[0] != c[0] and a[1] != c[1]
    assert a.isna()[3]
    assert a.str.fullmatch(r"[0-9a-f]{16}")[:3].all()
    assert not a[:3].str.contains("19900101").any()


def test_pseudonym_salt_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    nips = pd.Series(["199001012015031001"])
    monkeypatch.setenv("KINERJA_SALT", "one")
    one = pseudonymize_nip(nips)[0]
    monkeypatch.setenv("KINERJA_SALT", "two")
    two = pseudonymize_nip(nips)[0]
    assert one != two and one == pseudonymize_nip(nips, salt="one")[0]
