"""Rubric files: every file loads and passes the schema; the schema rejects broken tables;
classification honours inclusive/exclusive edges; for_date picks the version in force."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kinerja_research import rubrics
from kinerja_research.rubrics import RubricSchemaError, parse_rubric

REQUIRED_IDS = [
    "ikm/permenpan-14-2017", "ikm/kepmenpan-25-2004", "sakip/permenpan-88-2021",
    "sakip/permenpan-12-2015", "skp/permenpan-6-2022", "skp/pp-30-2019", "skp/pp-46-2011",
    "skp/pp-10-1979", "disiplin/pp-94-2021", "disiplin/pp-53-2010", "jpm/optimal-3band",
    "jpm/memenuhi-syarat-3band", "ombudsman/kepatuhan-2015", "ombudsman/opini-2022",
    "merit/permenpan-40-2018", "ip_asn/permenpan-38-2018+perban-bkn-8-2019",
    "tpp/kab-sampang-2021", "tpp/prov-jatim", "tpp/permentan-68-2012",
    "tpp/permendikdasmen-14-2025", "lelang_kinerja/kota-malang-2019",
]


def test_available_lists_every_rubric_id_of_rubrics_md():
    assert set(REQUIRED_IDS) <= set(rubrics.available())


@pytest.mark.parametrize("rubric_id", REQUIRED_IDS)
def test_every_rubric_loads_with_provenance(rubric_id):
    r = rubrics.load(rubric_id)
    assert r.id == rubric_id and r.sources and r.regulation and r.article
    assert isinstance(r.valid_from, dt.date)
    for name in r.tables:
        t = r.tables[name]
        confidence = t.confidence if isinstance(t, rubrics.BandTable) else t["confidence"]
        assert confidence in rubrics.CONFIDENCE_MARKS
        assert r.table_verified(name) == confidence.startswith("VERIFIED")


def test_unknown_rubric_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown rubric 'ikm/nope'"):
        rubrics.load("ikm/nope")


# -- schema -----------------------------------------------------------------------------------

def _doc() -> dict:
    return {
        "id": "x/v1", "kind": "x", "version": "v1", "title": "t", "regulation": "r", "article": "a",
        "sources": ["s"], "valid_from": "2020-01-01", "valid_to": None, "classify": "b",
        "tables": {"b": {"kind": "bands", "verified": True, "confidence": "VERIFIED (secondary)",
                         "source": "s", "bands": [
                             {"label": "lo", "lower": 0, "lower_inclusive": True, "upper": 10, "upper_inclusive": False},
                             {"label": "hi", "lower": 10, "lower_inclusive": True, "upper": 20, "upper_inclusive": True},
                         ]}},
    }


def test_schema_accepts_the_minimal_document():
    r = parse_rubric(_doc(), where="x.yml")
    assert r.classify(10) == "hi"


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.pop("sources"), "missing key 'sources'"),
    (lambda d: d.update(extra=1), "unknown keys"),
    (lambda d: d.update(id="x/v2"), "must be '<kind>/<version>'"),
    (lambda d: d.update(valid_to="2019-01-01"), "before valid_from"),
    (lambda d: d["tables"]["b"]["bands"][1].update(lower_inclusive=False), "ambiguous: neither includes"),
    (lambda d: d["tables"]["b"]["bands"][0].update(upper_inclusive=True), "ambiguous: both include"),
    (lambda d: d["tables"]["b"]["bands"][1].update(lower=11), "not contiguous"),
    (lambda d: d["tables"]["b"].update(verified=False), "contradicts confidence"),
    (lambda d: d["tables"]["b"].update(confidence="sure"), "confidence must be one of"),
    (lambda d: d["tables"]["b"]["bands"][1].update(label="lo"), "duplicate label"),
    (lambda d: d["tables"]["b"]["bands"][0].update(lower="zero"), "must be a number"),
    (lambda d: d.update(classify="nope"), "not a band table"),
])
def test_schema_rejects_broken_documents(mutate, message):
    doc = copy.deepcopy(_doc())
    mutate(doc)
    with pytest.raises(RubricSchemaError, match=message):
        parse_rubric(doc, where="x.yml")


def test_schema_error_is_a_value_error_naming_the_file():
    doc = _doc()
    doc["tables"]["b"]["bands"][1]["lower"] = 11
    with pytest.raises(ValueError, match=r"^x\.yml\.tables\.b\.bands\[1\]"):
        parse_rubric(doc, where="x.yml")


# -- classify ---------------------------------------------------------------------------------

def test_classify_is_vectorized_and_keeps_a_series_index():
    r = rubrics.load("sakip/permenpan-88-2021")
    s = pd.Series([30.0, 30.5, np.nan, 101.0], index=list("abcd"))
    out = r.classify(s)
    assert list(out.index) == list("abcd")
    assert out.tolist()[:2] == ["D", "C"]
    assert out.isna().tolist() == [False, False, True, True]


def test_classify_exclusive_lower_edges():
    r = rubrics.load("sakip/permenpan-88-2021")
    assert r.classify([0.0, 90.0, 90.000001, 100.0, -0.000001]).tolist()[:4] == ["D", "A", "AA", "AA"]
    assert pd.isna(r.classify(-0.000001))


def test_classify_zero_width_band():
    r = rubrics.load("lelang_kinerja/kota-malang-2019")
    assert r.classify([99.999999, 100.0, 100.000001]).tolist() == ["punishment", "target_met", "reward"]


def test_classify_other_field_and_scalar():
    r = rubrics.load("ikm/permenpan-14-2017")
    assert r.classify([64.99, 65.0], field="kinerja").tolist() == ["Tidak Baik", "Kurang Baik"]
    assert r.classify(None) is None
    with pytest.raises(ValueError, match="no field 'zone'"):
        r.classify([70.0], field="zone")


def test_classify_rejects_text():
    with pytest.raises(TypeError, match="values must be numeric"):
        rubrics.load("ikm/permenpan-14-2017").classify(["A", "B"])


def test_describe_shows_interval_notation():
    d = rubrics.load("sakip/permenpan-88-2021").band_table().describe()
    assert d.loc[d["label"] == "AA", "interval"].item() == "(90, 100]"
    assert d.loc[d["label"] == "D", "interval"].item() == "[0, 30]"


# -- provenance -------------------------------------------------------------------------------

def test_metadata_flags_unverified_tables():
    meta = rubrics.load("ip_asn/permenpan-38-2018+perban-bkn-8-2019").metadata()
    assert meta["verified"] is False
    assert "kinerja_predikat" in meta["unverified_tables"]
    assert "category" not in meta["unverified_tables"]
    assert rubrics.load("sakip/permenpan-88-2021").metadata()["verified"] is True


def test_kinerja_predikat_mapping_is_a_separate_explicit_unverified_table():
    r = rubrics.load("ip_asn/permenpan-38-2018+perban-bkn-8-2019")
    assert r.table("kinerja_predikat")["kind"] == "points"
    assert not r.table_verified("kinerja_predikat")
    assert "ASSUMPTION" in r.table("kinerja_predikat")["note"]


# -- for_date ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "date", "expected"), [
    ("ombudsman", 2021, "ombudsman/kepatuhan-2015"),
    ("ombudsman", 2022, "ombudsman/opini-2022"),
    ("ombudsman", "2024-12-31", "ombudsman/opini-2022"),
    ("skp", 2013, "skp/pp-10-1979"),
    ("skp", 2020, "skp/pp-46-2011"),
    ("skp", 2021, "skp/pp-30-2019"),
    ("skp", dt.date(2023, 6, 1), "skp/permenpan-6-2022"),
    ("ikm", 2016, "ikm/kepmenpan-25-2004"),
    ("ikm", 2017, "ikm/permenpan-14-2017"),
    ("sakip", 2021, "sakip/permenpan-12-2015"),
    ("sakip", pd.Timestamp("2022-03-01"), "sakip/permenpan-88-2021"),
    ("disiplin", "2021-08-30", "disiplin/pp-53-2010"),
    ("disiplin", "2021-08-31", "disiplin/pp-94-2021"),
])
def test_for_date_picks_the_version_in_force(kind, date, expected):
    assert rubrics.for_date(kind, date).id == expected


def test_for_date_series_and_errors():
    assert rubrics.for_date("jpm", 2021, series="inpassing-2020").id == "jpm/memenuhi-syarat-3band"
    assert rubrics.for_date("tpp", 2021, series="kab-sampang").id == "tpp/kab-sampang-2021"
    with pytest.raises(LookupError, match="no 'ombudsman' rubric"):
        rubrics.for_date("ombudsman", 2025)
    with pytest.raises(ValueError, match="unknown rubric kind"):
        rubrics.for_date("nope", 2020)
    with pytest.raises(ValueError, match="not an ISO date"):
        rubrics.for_date("ikm", "last year")


def test_float_noise_within_the_snap_counts_as_the_edge():
    # the mean of nine NRRs of 3.5324, times 25, evaluates to 88.30999999999999 in binary
    # floating point: that is 88.31, grade A; 1e-7 below the edge is a real difference, B.
    r = rubrics.load("ikm/permenpan-14-2017")
    noisy = sum([3.5324] * 9) / 9 * 25
    assert noisy != 88.31
    assert r.classify(noisy) == "A"
    assert r.classify(88.31 - 1e-7) == "B"
    exact = r.band_table().codes(np.array([noisy]), snap_decimals=None)
    assert exact.tolist() == [2]  # without the snap the noise would flip the grade
