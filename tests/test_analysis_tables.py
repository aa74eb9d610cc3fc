"""Reader tables (analysis.tables), generated sentences (analysis.narrative) and number formats."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kinerja_research.analysis import narrative
from kinerja_research.analysis.i18n import number, p_value
from kinerja_research.analysis.tables import BAND_COLOURS, styled


def _cells(html: str) -> list[str]:
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_styled_shows_no_raw_values(lang: str) -> None:
    df = pd.DataFrame({"year": [2024, 2023], "estimate": [1234.5678, np.nan], "p_value": [0.0, 0.04321],
                       "covers_truth": pd.array([True, pd.NA], dtype="boolean"), "mutu": ["A", None],
                       "share": [0.25, 0.5]}, index=[7, 9])
    html = styled(df, lang=lang, bands=["mutu"], percent=["share"]).to_html()
    cells = _cells(html)
    assert not re.search(r"\b(nan|NaN|None|True|False)\b|&lt;NA&gt;", " ".join(cells))
    assert "7" not in cells and "9" not in cells  # no index column
    big, small, pct = ("1.234,57", "0,043", "25,00 %") if lang == "id" else ("1,234.57", "0.043", "25.00 %")
    assert {"2024", big, "&lt; " + ("0,001" if lang == "id" else "0.001"), small, pct} <= set(cells)
    assert ("ya" if lang == "id" else "yes") in cells
    assert cells.count("–") == 3  # the missing estimate, coverage and grade
    assert ("tidak tersedia" if lang == "id" else "not available") in html  # the caption says what – means
    assert ("Estimasi" if lang == "id" else "Estimate") in html and "p_value" not in html
    assert BAND_COLOURS["a"] in html


def test_number_formats() -> None:
    assert number(-0.001, "id", 2) == "0,00" and number(1e6, "id", 0) == "1.000.000"
    assert p_value(0.0009, "en") == "< 0.001" and p_value(0.001, "en") == "0.001"


def test_placebo_note_states_the_smallest_attainable_p_value() -> None:
    text = narrative.placebo_note(1 / 12, 12, "en")
    assert "11 donors" in text and "1/12 = 0.083" in text and "reaches it" in text
    text_id = narrative.placebo_note(0.5, 12, "id")
    assert "11 donor" in text_id and "0,083" in text_id and "reaches" not in text_id


def test_diagnosis_table_keeps_proportions_inside_0_1() -> None:
    tidy = pd.DataFrame({"term": ["coverage", "power", "bias"], "estimate": [0.98, 0.9, 0.1],
                         "conf_low": [0.946, 0.8, -1.5], "conf_high": [1.014, 1.0, 1.7]})
    t = narrative.diagnosis_table(SimpleNamespace(tidy=lambda: tidy), "en")
    assert t["conf_high"].iloc[0] == 1.0 and t["conf_low"].iloc[0] == 0.946
    assert t["conf_low"].iloc[2] == -1.5 and t["conf_high"].iloc[2] == 1.7  # not a proportion: untouched
    assert t["term"].tolist()[0] == "95% interval coverage"


@pytest.mark.parametrize(("lo", "hi", "word"), [(0.5, 2.0, "positive"), (-2.0, -0.5, "negative"), (-1.0, 1.0, "cannot")])
def test_headline_conclusion_follows_the_interval(lo: float, hi: float, word: str) -> None:
    row = pd.Series({"estimate": (lo + hi) / 2, "conf_low": lo, "conf_high": hi})
    text = narrative.headline(row, "en", effect={"en": "The effect"}, unit={"en": "points"})
    assert word in text and "true value" not in text
    with_truth = narrative.headline(pd.concat([row, pd.Series({"truth": 0.25})]), "id",
                                    effect={"id": "Efek"}, unit={"id": "poin"})
    assert "0,25" in with_truth and "nilai sebenarnya" in with_truth


def test_pretrend_note_reads_the_p_value() -> None:
    ok = narrative.pretrend_note(SimpleNamespace(statistic=2.0, df=3, p_value=0.57), "en")
    bad = narrative.pretrend_note(SimpleNamespace(statistic=80.0, df=4, p_value=1e-9), "id")
    assert "do not contradict" in ok and "p = 0.570" in ok
    assert "diragukan" in bad and "p < 0,001" in bad


def test_diagnosis_shown_gives_proportions_as_percentages() -> None:
    tidy = pd.DataFrame({"term": ["coverage", "power", "bias"], "estimate": [0.98, 0.9, 0.1],
                         "conf_low": [0.946, 0.8, -1.5], "conf_high": [1.014, 1.0, 1.7]})
    t = narrative.diagnosis_shown(SimpleNamespace(tidy=lambda: tidy), "id")
    assert t["estimate"].tolist() == ["98 %", "90 %", "0,100"]
    assert t["conf_high"].tolist()[0] == "100 %"  # clipped to [0, 1] before it is shown


def test_reader_table_layout_words_left_long_caption_readable() -> None:
    from kinerja_research.analysis.tables import styled

    df = pd.DataFrame({"region": ["Kota Malang"], "weight": [1.0], "shown": ["1,5"]})
    html = styled(df, lang="id").to_html()
    assert "td.col0 {\n  text-align: left;" in html  # names read from the left
    assert "td.col1 {\n  text-align: left;" not in html and "td.col2 {\n  text-align: left;" not in html
    assert "min-width" not in html
    assert "min-width" in styled(df, lang="id", caption="Penduga: " + "x" * 120).to_html()
