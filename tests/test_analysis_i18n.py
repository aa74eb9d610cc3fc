"""One language per page for what the analysis layer says in words: estimator and variance
descriptions from the estimators' provenance, category codes and labels, and the data-quality
page's rejection reasons."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import kinerja_research as kr
from kinerja_research.analysis.estimates import method_note
from kinerja_research.analysis.i18n import CODES, code_label, gloss, glossary
from kinerja_research.analysis.methods import ESTIMATORS, describe, variance_text
from kinerja_research.analysis.tables import styled
from kinerja_research.reports.quality import REASONS_ID, reason_kind, reason_text

# English words that mean a description was not translated (checked on Indonesian text)
ENGLISH = re.compile(r"\b(the|and|with|for|by|of|over|none|influence|function|analytic|model-based|"
                     r"cluster|clustered|robust by|draws|models|refitted|resampled|intervals|"
                     r"test|standard|errors|simulation|known|treated|is|must|not|missing|digits|"
                     r"characters|duplicate|every|copy|rejected|number|whole|large|one|maximum)\b")



@pytest.fixture(scope="module")
def study() -> kr.Study:
    return kr.simulate("tiny", seed=0)


def _results(study: kr.Study) -> list:
    """One fitted result of each estimator the study reports use."""
    from kinerja_research.analysis.panels import merit_panel
    from kinerja_research.stats.did import staggered_did
    from kinerja_research.stats.multilevel import multilevel
    from kinerja_research.stats.reliability import cronbach_alpha
    from kinerja_research.stats.twfe import twfe

    panel = merit_panel(study)
    fit = staggered_did(panel, "ikm", "unit_id", "period", "cohort", cluster="region_id", n_boot=0)
    emp = kr.scoring.ip_asn(study.employees).merge(study.units[["unit_id", "region_id"]], on="unit_id")
    emp = emp.loc[emp["period"] == emp["period"].max()].dropna(subset=["ip_asn", "jpm"]).head(800)
    x = np.random.default_rng(0).integers(1, 5, size=(60, 4))
    from kinerja_research.analysis.estimates import with_treated

    tw = twfe(with_treated(panel), "ikm", "unit_id", "period", "treated", cluster="region_id")
    return [fit.aggregate("simple"), multilevel(emp, "ip_asn", ["region_id", "unit_id"], ["jpm"]),
            cronbach_alpha(x), tw]


def test_method_notes_are_in_the_report_language(study: kr.Study) -> None:
    for res in _results(study):
        note_id, note_en = method_note(res, lang="id"), method_note(res, lang="en")
        assert note_id.startswith("Penduga: ") and note_en.startswith("Estimator: ")
        left = ENGLISH.findall(note_id)
        assert left == [], f"English in {note_id!r}: {left}"
        assert "rd;" not in note_en and "CR1: CR1" not in note_en


@pytest.mark.parametrize("variance", [
    "influence function, analytic, cluster-robust by 'region_id' (CR0)",
    "plug-in influence function (nuisance models treated as known), clustered by 'region_id' (G/(G-1) factor)",
    "nonparametric bootstrap, 99 draws, models refitted, clusters of 'unit_id' resampled",
    "model-based (inverse information), Wald z intervals for fixed effects",
    "Feldt (1987) F-based interval; F test of rho = 0",
    "none (placebo-in-space permutation p-value)",
    "Monte-Carlo standard errors over simulations (Morris et al. 2019)",
    "CR1: CR1 cluster-robust", "HC1: HC1 heteroskedasticity-robust", "CRV1", "iid (homoskedastic)",
])
def test_variance_descriptions_translate(variance: str) -> None:
    text = variance_text(variance, "id")
    assert ENGLISH.findall(text) == [], text
    assert "region_id" not in text and "unit_id" not in text
    assert "CR1: " not in variance_text(variance, "en")


def test_every_catalogued_estimator_has_both_languages() -> None:
    for method, names in ESTIMATORS.items():
        assert set(names) == {"id", "en"} and all(names.values()), method
    assert describe({"method": "twfe", "variance": "CRV1", "cluster": "region_id"}, "x", "en") == (
        "two-way fixed effects (TWFE)", "cluster-robust (CRV1) by region")


def test_codes_and_labels() -> None:
    from kinerja_research.data.schemas import CATEGORIES as schema

    for column in CODES:
        assert set(CODES[column]) == set(schema[column]), column  # every code of the contract is named
    assert code_label("sector", "kecamatan", "en") == "sub-district office"
    assert code_label("sector", "unknown_code", "en") == "unknown code"
    assert gloss("Kuning", "en").startswith("Kuning (yellow") and gloss("Kuning", "id") == "Kuning"
    assert glossary(["A", "B"], "en") == "" and glossary(["Rendah"], "id") == ""


def test_styled_explains_indonesian_categories_once_on_english_pages() -> None:
    df = pd.DataFrame({"region": ["a", "b", "c"], "category": ["Rendah", "Rendah", "Sangat Rendah"]})
    en = styled(df, lang="en", bands=["category"]).to_html()
    assert en.count("Rendah = low") == 1 and en.count("Sangat Rendah = very low") == 1
    assert "= low" not in styled(df, lang="id", bands=["category"]).to_html()
    terms = pd.DataFrame({"term": ["Intercept", "jpm", "days_absent"], "estimate": [1.0, 2.0, 3.0]})
    html = styled(terms, lang="id").to_html()
    assert "Konstanta" in html and "Intercept" not in html and "days_absent" not in html


@pytest.mark.parametrize(("reason", "kind"), [
    ("NIP is missing", "nip_missing"),
    ("NIP must have exactly 18 digits (has 17 characters)", "nip_length"),
    (kr.data.nip.NUMERIC_NIP, "nip_numeric"),
    ("12 NIPs in this file end in 000: Excel stored the column as a number and lost the last digits; "
     "export the column as text", "nip_zeros"),
    ("birth date 19901332 is not a real date", "nip_birth"),
    ("sex digit (15th) must be 1 or 2, not 3", "nip_sex"),
    ("duplicate key (nip, period): every copy is rejected", "duplicate"),
    ("is missing (required)", "required"),
    ("… is not a whole number", "not_whole"),
    ("… is not one of pns, pppk", "not_category"),
    ("is below the minimum 0", "below_min"),
    ("is above the maximum 100", "above_max"),
])
def test_rejection_reasons_have_an_indonesian_rendering(reason: str, kind: str) -> None:
    assert reason_kind(reason) == kind
    text = reason_text(reason, "id")
    assert text != reason and ENGLISH.findall(text) == [], text
    assert reason_text(reason, "en") == reason  # the English original stays available
    assert len({k for k, _, _ in REASONS_ID}) == len(REASONS_ID)


def test_indonesian_quality_page_quotes_no_english_reason(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import html as html_lib

    from tests.conftest import valid_employees

    from kinerja_research.reports.quality import quality_html

    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    df = valid_employees(30)
    df.loc[0, "nip"] = "1.98001012005011E+17"  # Excel's number form
    df.loc[1, "nip"] = "12345"
    df.loc[2, "nip"] = ""
    df.to_csv(tmp_path / "exports" / "pegawai.csv", index=False)
    res = kr.data.ingest(tmp_path / "exports", "demo", salt="s" * 40)
    assert sum(int(r.rows) for f in res.files for r in f.reasons.itertuples(index=False)) == 3
    page = quality_html(res, lang="id")
    shown = html_lib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page, flags=re.S)))
    assert "NIP kosong" in shown and "berisi 5 karakter" in shown and "Excel menyimpan NIP" in shown
    assert ENGLISH.findall(shown) == [], sorted(set(ENGLISH.findall(shown)))
    assert 'title="NIP is missing"' in page  # the English original stays on the page
    assert "NIP is missing" in quality_html(res, lang="en")
