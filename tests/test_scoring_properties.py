"""Property tests: a better input never lowers a score; totals stay in range; missing propagates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kinerja_research import rubrics
from kinerja_research.scoring import discipline_sanction, ikm, ip_asn, skp_predikat

SETTINGS = settings(max_examples=60, deadline=None)
EDU = ["sltp", "d1_d2_slta", "d3", "s1_d4", "s2", "s3"]  # worst → best
POS = ["jpt", "administrator", "pengawas", "fungsional", "pelaksana"]
RATING = ["di_bawah", "sesuai", "di_atas"]
DISC = ["berat", "sedang", "ringan", "none"]  # worst → best

employee = st.fixed_dictionaries({
    "position_type": st.sampled_from(POS),
    "education": st.integers(0, 5),
    "leadership_training": st.booleans(),
    "functional_training": st.booleans(),
    "technical_training_hours": st.floats(0, 200),
    "seminar": st.booleans(),
    "skp_value": st.floats(0, 120),
    "ratings": st.one_of(st.none(), st.tuples(st.integers(0, 2), st.integers(0, 2))),
    "discipline": st.integers(0, 3),
})


def _frame(e: dict) -> pd.DataFrame:
    row = {k: v for k, v in e.items() if k not in ("education", "ratings", "discipline")}
    row["education_level"] = EDU[e["education"]]
    row["discipline_level"] = DISC[e["discipline"]]
    row["rating_hasil_kerja"] = None if e["ratings"] is None else RATING[e["ratings"][0]]
    row["rating_perilaku_kerja"] = None if e["ratings"] is None else RATING[e["ratings"][1]]
    return pd.DataFrame([row])


def _improve(e: dict, what: str) -> dict:
    b = dict(e)
    if what == "education":
        b["education"] = min(5, e["education"] + 1)
    elif what in ("leadership_training", "functional_training", "seminar"):
        b[what] = True
    elif what == "technical_training_hours":
        b[what] = e[what] + 10
    elif what == "skp_value":
        b[what] = min(120.0, e[what] + 7.5)
    elif what == "discipline":
        b["discipline"] = min(3, e["discipline"] + 1)
    elif what == "ratings" and e["ratings"] is not None:
        b["ratings"] = (min(2, e["ratings"][0] + 1), e["ratings"][1])
    elif what == "ratings2" and e["ratings"] is not None:
        b["ratings"] = (e["ratings"][0], min(2, e["ratings"][1] + 1))
    return b


@SETTINGS
@given(employee, st.sampled_from(["education", "leadership_training", "functional_training", "seminar",
                                  "technical_training_hours", "skp_value", "discipline", "ratings", "ratings2"]))
def test_ip_asn_better_input_never_lowers_score(e, what):
    both = pd.concat([_frame(e), _frame(_improve(e, what))], ignore_index=True)
    out = ip_asn(both)
    lo, hi = out["ip_asn"].tolist()
    assert hi >= lo
    cats = out["category"].cat.codes.tolist()
    assert cats[1] >= cats[0]


@SETTINGS
@given(employee)
def test_ip_asn_total_in_range_and_equal_to_sum(e):
    out = ip_asn(_frame(e)).iloc[0]
    assert 0 <= out["ip_asn"] <= 100
    assert out["ip_asn"] == out["kualifikasi"] + out["kompetensi"] + out["kinerja"] + out["disiplin"]
    assert not pd.isna(out["category"])


@SETTINGS
@given(employee, st.sampled_from(["education_level", "position_type", "technical_training_hours", "seminar",
                                  "discipline_level"]))
def test_ip_asn_missing_propagates(e, column):
    df = _frame(e)
    df[column] = None
    out = ip_asn(df).iloc[0]
    assert np.isnan(out["ip_asn"]) and pd.isna(out["category"]) and isinstance(out["reason"], str)


@SETTINGS
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=9, max_size=9), min_size=1, max_size=15),
       st.integers(0, 14), st.integers(1, 9), st.sampled_from(["exact", "published"]))
def test_ikm_better_answer_never_lowers_and_stays_in_range(rows, r, item, weights):
    df = pd.DataFrame(rows, columns=[f"u{i}" for i in range(1, 10)], dtype=float).assign(unit_id="U", period=2024)
    r = r % len(df)
    better = df.copy()
    v = better.loc[r, f"u{item}"]
    better.loc[r, f"u{item}"] = 4.0 if np.isnan(v) else min(4.0, v + 1)
    a = ikm(df, weights=weights)
    b = ikm(better, weights=weights)
    if not np.isnan(a["ikm"].item()):
        upper = 100 if weights == "exact" else 4 * 0.111 * 9 * 25
        assert 24.975 - 1e-9 <= a["ikm"].item() <= upper + 1e-9
        if weights == "exact":
            assert 25 <= a["ikm"].item()
        if not np.isnan(v):  # raising an existing answer: the score cannot fall
            assert b["ikm"].item() >= a["ikm"].item()
            assert b["mutu"].cat.codes.item() >= a["mutu"].cat.codes.item()
    else:
        assert a["reason"].item().startswith("no answers for")


@SETTINGS
@given(st.floats(0, 400), st.floats(0, 50), st.one_of(st.none(), st.floats(0, 20)))
def test_more_absence_never_lowers_the_sanction(days, extra, consecutive):
    c = None if consecutive is None else [consecutive, consecutive]
    out = discipline_sanction([days, days + extra], consecutive_days=c)
    codes = out["level"].cat.codes.tolist()
    assert codes[1] >= codes[0] >= 0
    sanctions = out["sanction"].cat.codes.tolist()
    assert sanctions[1] >= sanctions[0]


@SETTINGS
@given(st.integers(0, 2), st.integers(0, 2), st.integers(0, 1))
def test_better_rating_never_lowers_predikat(h, p, which):
    h2, p2 = (min(2, h + 1), p) if which == 0 else (h, min(2, p + 1))
    out = skp_predikat([RATING[h], RATING[h2]], [RATING[p], RATING[p2]])
    codes = out["predikat"].cat.codes.tolist()
    assert codes[1] >= codes[0]


BAND_TABLES = [(i, n) for i in rubrics.available() for n, t in rubrics.load(i).tables.items()
               if isinstance(t, rubrics.BandTable)]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-10, 500, allow_nan=False), min_size=2, max_size=50))
def test_every_band_table_is_monotone(values):
    x = np.sort(np.asarray(values))
    for rubric_id, name in BAND_TABLES:
        r = rubrics.load(rubric_id)
        codes = r.band_table(name).codes(x, snap_decimals=r.snap_decimals)
        inside = codes[codes >= 0]
        assert np.all(np.diff(inside) >= 0), (rubric_id, name)
        # values inside the scale always get a label: no gaps between bands
        bt = r.band_table(name)
        strictly_inside = (x > bt.lower[0]) & (x < bt.upper[-1])
        assert np.all(codes[strictly_inside] >= 0), (rubric_id, name)
