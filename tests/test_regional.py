"""The regional report (kinerja_research.analysis.regional) and the real report grid (config/reports.yml)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import repository_grid_raw

import kinerja_research as kr
from kinerja_research.analysis import regional
from kinerja_research.reports.grid import load_grid
from kinerja_research.reports.privacy import scan_text
from kinerja_research.scoring import discipline_sanction, ip_asn, lelang_kinerja, skm_sample_size

ROOT = Path(__file__).resolve().parents[1]
PERIOD = 2024

# The scorecard and the recomputations below do the same arithmetic in a different order (group
# sums vs. per-region means), so they agree to rounding noise only.
RTOL, ATOL = 1e-12, 1e-9


@pytest.fixture(scope="module")
def study() -> kr.Study:
    return kr.simulate("tiny", seed=0)


@pytest.fixture(scope="module")
def region(study: kr.Study) -> str:
    regs = study.regions
    return str(regs.loc[regs["kind"].astype(str).isin(["kota", "kabupaten"]), "region_id"].iloc[0])


def _region_rows(study: kr.Study, table: pd.DataFrame, region: str, period: int) -> pd.DataFrame:
    units = set(study.units.loc[study.units["region_id"].astype(str) == region, "unit_id"].astype(str))
    return table.loc[table["unit_id"].astype(str).isin(units) & (table["period"].astype(int) == period)]


def test_scorecard_equals_independent_recomputation(study: kr.Study, region: str) -> None:
    card = regional.scorecard(study, region, PERIOD, lang="en")
    v, c = card["value"], card["category"]

    emp = _region_rows(study, study.employees, region, PERIOD)
    np.testing.assert_allclose(v["ip_asn"], np.nanmean(ip_asn(emp)["ip_asn"].to_numpy(dtype=float)),
                               rtol=RTOL, atol=ATOL)
    levels = discipline_sanction(emp["days_absent"])["level"].astype(str)
    for lvl in ("ringan", "sedang", "berat"):
        assert v[f"disiplin_{lvl}"] == (levels == lvl).sum()

    # IKM by hand: NRR per item over answered questionnaires, mean × 25 (Permenpan RB 14/2017)
    resp = _region_rows(study, study.skm_responses, region, PERIOD)
    answers = resp[[f"u{i}" for i in range(1, 10)]].to_numpy(dtype=float, na_value=np.nan)
    expected_ikm = np.nanmean(answers, axis=0).mean() * 25
    np.testing.assert_allclose(v["ikm"], expected_ikm, rtol=RTOL, atol=ATOL)
    edges = [(88.31, "A"), (76.61, "B"), (65.0, "C"), (25.0, "D")]
    assert c["ikm"] == next(g for lo, g in edges if round(expected_ikm, 2) >= lo)

    ia = study.institution_assessments
    row = ia.loc[(ia["region_id"].astype(str) == region) & (ia["year"].astype(int) == PERIOD)].iloc[0]
    sakip = sum(float(row[f"sakip_{x}"]) for x in ("perencanaan", "pengukuran", "pelaporan", "evaluasi"))
    np.testing.assert_allclose(v["sakip"], sakip, rtol=RTOL, atol=ATOL)
    assert c["sakip"] == kr.scoring.sakip_grade(sakip)["sakip_grade"].iloc[0]
    assert v["merit"] == float(row["merit_score"])
    assert c["merit"] == kr.scoring.merit_category(float(row["merit_score"]))["merit_category"].iloc[0]
    assert v["ombudsman"] == float(row["ombudsman_score"])
    assert c["ombudsman"] == str(kr.scoring.ombudsman_zone(float(row["ombudsman_score"]), PERIOD)["zone"].iloc[0])

    actions = lelang_kinerja(_region_rows(study, study.unit_performance, region, PERIOD))["action"].astype(str)
    assert v["reward"] == (actions == "reward").sum()
    assert v["punishment"] == (actions == "punishment").sum()
    assert {r["id"].split("/")[0] for r in card.attrs["rubric"]} >= {"ip_asn", "ikm", "sakip", "merit", "ombudsman"}


def test_trends_against_province_and_previous_period(study: kr.Study, region: str) -> None:
    t = regional.trends(study, region, PERIOD, lang="en")
    regs = study.regions
    local = regs.loc[regs["kind"].astype(str).isin(["kota", "kabupaten"]), "region_id"].astype(str)
    same = [r for r in local if r[:2] == region[:2]]
    now = pd.DataFrame({r: regional.scorecard(study, r, PERIOD, lang="en")["value"] for r in same})
    before = regional.scorecard(study, region, PERIOD - 1, lang="en")["value"]
    np.testing.assert_allclose(t["province"].to_numpy(float), now.mean(axis=1).to_numpy(float), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(t["previous_period"].to_numpy(float), before.to_numpy(float), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(t["change"].to_numpy(float), (now[region] - before).to_numpy(float),
                               rtol=RTOL, atol=ATOL)


def test_unit_ranking_suppresses_small_units(study: kr.Study, region: str) -> None:
    full = regional.unit_ranking(study, region, PERIOD, k=1, lang="en")
    assert not full["suppressed"].any()
    ns = full["n"].astype(int)
    k = int(ns.median()) + 1  # some units fall below it, some not
    assert (ns < k).any() and (ns >= k).any()
    r = regional.unit_ranking(study, region, PERIOD, k=k, lang="en")
    small = set(full.loc[ns < k, "unit"])
    assert set(r.loc[r["suppressed"], "unit"]) == small
    hidden = r.loc[r["suppressed"], ["n", "ikm", "mutu", "rank", "sample_required"]]
    assert hidden.isna().all().all()
    shown = r.loc[~r["suppressed"]]
    assert shown["ikm"].is_monotonic_decreasing
    assert shown["rank"].tolist() == list(range(1, len(shown) + 1))


def test_flags_small_samples_and_unverified_rubrics(study: kr.Study, region: str) -> None:
    ranking = regional.unit_ranking(study, region, PERIOD, k=1, lang="en")
    need = skm_sample_size(regional.DEFAULT_UNIT_POPULATION)
    f = regional.flags(study, region, PERIOD, k=1, lang="en")
    assert set(f.loc[f["kind"] == "SKM sample", "unit"]) == set(ranking.loc[ranking["n"] < need, "unit"])
    unverified = {r["id"] for r in regional.scorecard(study, region, PERIOD).attrs["rubric"] if not r["verified"]}
    assert unverified and set(f.loc[f["kind"] == "rubric", "unit"]) == unverified
    # a population small enough for every unit's sample: no sample flag is left
    few = regional.flags(study, region, PERIOD, k=1, lang="en", population=int(ranking["n"].min()))
    assert not (few["kind"] == "SKM sample").any()


def test_summary_in_both_languages(study: kr.Study, region: str) -> None:
    name = regional.region_label(study, region)
    ikm_value = regional.scorecard(study, region, PERIOD)["nilai"]["ikm"]
    text_id = regional.summary_text(study, region, PERIOD, lang="id")
    text_en = regional.summary_text(study, region, PERIOD, lang="en")
    assert text_id.startswith(f"Pada {PERIOD}, {name}") and "rata-rata provinsi" in text_id
    assert text_en.startswith(f"In {PERIOD}, {name}") and "province mean" in text_en
    assert f"{ikm_value:.2f}".replace(".", ",") in text_id  # Indonesian decimal comma
    assert f"{ikm_value:.2f}" in text_en


@pytest.mark.parametrize("lang", ["id", "en"])
def test_displayed_tables_hold_no_names_or_nips(study: kr.Study, region: str, lang: str) -> None:
    tables = [regional.scorecard(study, region, PERIOD, lang=lang), regional.trends(study, region, PERIOD, lang=lang),
              regional.unit_ranking(study, region, PERIOD, lang=lang), regional.flags(study, region, PERIOD, lang=lang)]
    for t in tables:
        assert not {"name", "nama"} & {str(c).lower() for c in t.columns}
        assert scan_text(t.to_html()) == []


def test_bad_input_is_rejected(study: kr.Study, region: str) -> None:
    with pytest.raises(ValueError, match="not a kabupaten/kota"):
        regional.scorecard(study, "9999", PERIOD)
    with pytest.raises(ValueError, match="not covered"):
        regional.scorecard(study, region, 1990)
    with pytest.raises(ValueError, match="lang"):
        regional.scorecard(study, region, PERIOD, lang="fr")
    with pytest.raises(ValueError, match="k must be"):
        regional.unit_ranking(study, region, PERIOD, k=0)
    with pytest.raises(TypeError, match="Study"):
        regional.scorecard(study.regions, region, PERIOD)  # type: ignore[arg-type]


def test_scores_are_cached_per_study(study: kr.Study, region: str) -> None:
    assert regional._scored(study, PERIOD) is regional._scored(study, PERIOD)
    other = study.replace()  # same tables, another object without a fingerprint: scored anew
    assert regional._scored(other, PERIOD) is not regional._scored(study, PERIOD)
    assert regional.warm(study, [PERIOD]) == 1


def test_grid_expands_to_38_regional_reports(tmp_path: Path) -> None:
    raw = repository_grid_raw(tmp_path)
    assert raw["defaults"] == {"dataset": "synthetic", "seed": 0, "k": 5}  # lang comes from `languages`
    assert raw["preload_datasets"] == ["synthetic"]
    # study notebooks written elsewhere are checked by test_grid_lists_every_study_notebook
    raw["reports"] = [e for e in raw["reports"] if (ROOT / e["notebook"]).exists()]
    grid = load_grid(raw, base_dir=ROOT)
    reg = [r for r in grid.select("regional/*") if r.lang == "id"]
    assert len(reg) == 38 and len(grid.select("regional/*")) == 76  # and each in English at en/…
    assert {r.parameters["period"] for r in reg} == {PERIOD}
    assert all(r.name == f"regional/{r.parameters['region']}_{PERIOD}" for r in reg)
    assert "regional/3573_2024" in {r.name for r in reg}
    assert "kinerja_research.analysis.regional" in grid.preload
    en = load_grid(raw, base_dir=ROOT, lang="en")
    assert {r.merged["lang"] for r in en.select("regional/*")} == {"en"}


def test_grid_lists_every_study_notebook(tmp_path: Path) -> None:
    raw = repository_grid_raw(tmp_path)
    stems = ["00_data_overview", "01_professionalism", "02_service_quality", "03_merit_placement_did",
             "04_rewards_punishments", "05_malang_synthetic_control", "06_placement_weighting"]
    assert [e["notebook"] for e in raw["reports"][:7]] == [f"notebooks/{s}.ipynb" for s in stems]
    grid = load_grid(raw, base_dir=ROOT)  # fails while a listed notebook is missing
    assert len(grid.reports) == (7 + 38) * 2  # each in Indonesian and English


def test_covered_periods_follows_the_tables() -> None:
    import pandas as pd

    from kinerja_research.data.simulate import simulate
    from kinerja_research.data.study import covered_periods

    study = simulate("tiny", 0)
    years = covered_periods(study)
    assert years == tuple(sorted(set(study.employees["period"].astype(int)) | set(study.skm_responses["period"].astype(int))))
    study.employees = study.employees[study.employees["period"] < years[-1]]
    study.skm_responses = study.skm_responses[study.skm_responses["period"] < years[-1]].copy()
    assert covered_periods(study) == years[:-1]  # new tables, new answer: never a stale cache
    study.employees = pd.concat([study.employees, study.employees.head(1).assign(period=years[-1] + 3)])
    assert covered_periods(study)[-1] == years[-1] + 3


def test_lelang_kinerja_only_where_the_region_has_it(study: kr.Study) -> None:
    pol = study.policies
    has = set(pol.loc[pol["policy"].astype(str) == regional.LELANG_POLICY, "region_id"].astype(str))
    regs = study.regions
    local = set(regs.loc[regs["kind"].astype(str).isin(["kota", "kabupaten"]), "region_id"].astype(str))
    without, with_ = sorted(local - has), sorted(local & has)
    assert without and with_  # the tiny world has both kinds
    for lang in ("id", "en"):
        card = regional.scorecard(study, without[0], PERIOD, lang=lang)
        head = "kategori" if lang == "id" else "category"
        assert card.loc[["reward", "punishment"], head].eq(regional.NOT_APPLICABLE[lang]).all()
        assert card.loc[["reward", "punishment"]].iloc[:, 1].isna().all()
        text = regional.summary_text(study, without[0], PERIOD, lang=lang)
        assert ("unit mendapat penghargaan" not in text) and ("units were rewarded" not in text)
    card = regional.scorecard(study, with_[0], PERIOD, lang="en")
    assert card.loc[["reward", "punishment"], "value"].notna().all()


def test_scorecard_uses_the_rubric_in_force_each_period(study: kr.Study, region: str) -> None:
    scored = kr.scoring.score_study(study)["institution_scores"]
    for year in (2021, 2022):
        want = set(scored.loc[scored["year"].astype(int).isin([year - 1, year]), "sakip_rubric"].astype(str))
        got = {r["id"] for r in regional.scorecard(study, region, year).attrs["rubric"] if r["id"].startswith("sakip/")}
        assert got == want
    assert regional.scorecard(study, region, 2021).loc["sakip", "kategori"] == str(
        scored.loc[(scored["region_id"].astype(str) == region) & (scored["year"] == 2021), "sakip_grade"].iloc[0])


def _with_published_zone(study: kr.Study, region: str, year: int, zone: str) -> kr.Study:
    """The study with one published Ombudsman zone for ``region`` in ``year`` (a new study, so
    the report cache cannot serve the old scores)."""
    ia = study.institution_assessments.copy()
    row = (ia["region_id"].astype(str) == region) & (ia["year"].astype(int) == year)
    assert row.sum() == 1
    zones = ia["ombudsman_zone"].astype(object)
    zones[row] = zone
    ia["ombudsman_zone"] = pd.Categorical(zones, dtype=study.institution_assessments["ombudsman_zone"].dtype)
    return study.replace(institution_assessments=ia, meta={**study.meta, "fingerprint": f"published-{zone}"})


def _score_zone(study: kr.Study, region: str, year: int) -> tuple[float, str]:
    ia = study.institution_assessments
    score = float(ia.loc[(ia["region_id"].astype(str) == region) & (ia["year"].astype(int) == year),
                         "ombudsman_score"].iloc[0])
    return score, str(kr.scoring.ombudsman_zone([score], [year])["zone"].iloc[0])


def test_scorecard_says_which_labels_are_published(study: kr.Study, region: str) -> None:
    score, derived = _score_zone(study, region, PERIOD)
    agreeing = _with_published_zone(study, region, PERIOD, derived.lower())
    card = regional.scorecard(agreeing, region, PERIOD, lang="en")
    assert card.loc["ombudsman", "category"] == derived
    assert card.loc["ombudsman", "category_source"] == regional.SOURCE_TEXT["en"]["published"]
    assert card.loc["sakip", "category_source"] == regional.SOURCE_TEXT["en"]["derived"]
    assert card.loc["reward", "category_source"] is None or pd.isna(card.loc["reward", "category_source"])
    assert regional.conflict_notes(card, "en") == []  # published and derived agree: nothing to say
    html = regional.scorecard_view(agreeing, region, PERIOD, lang="id").to_html()
    assert "dipublikasikan" in html and "dihitung dari skor" in html and "tidak sesuai" not in html
    # the unmodified study has no published label: every category is derived
    plain = regional.scorecard(study, region, PERIOD, lang="id")
    assert "dipublikasikan" not in set(plain["sumber_kategori"].dropna())


def test_published_zone_contradicting_the_score_is_said_in_words(study: kr.Study, region: str) -> None:
    score, derived = _score_zone(study, region, PERIOD)
    published = next(z for z in ("Hijau", "Kuning", "Merah") if z != derived)
    changed = _with_published_zone(study, region, PERIOD, published.lower())
    for lang, word in (("id", "dipublikasikan"), ("en", "published")):
        card = regional.scorecard(changed, region, PERIOD, lang=lang)
        head = "kategori" if lang == "id" else "category"
        assert card.loc["ombudsman", head] == published  # scoring never overrides a published label
        notes = regional.conflict_notes(card, lang)
        assert len(notes) == 1
        assert published in notes[0] and derived in notes[0] and word in notes[0]
        html = regional.scorecard_view(changed, region, PERIOD, lang=lang).to_html()
        assert notes[0].split(":")[0] in html
        assert notes[0] in regional.summary_text(changed, region, PERIOD, lang=lang)
        f = regional.flags(changed, region, PERIOD, lang=lang)
        assert f.iloc[:, 2].tolist().count(notes[0]) == 1  # the caveats list it too
    # in English the Indonesian zone names are explained where they are said
    note = regional.conflict_notes(regional.scorecard(changed, region, PERIOD, lang="en"), "en")[0]
    assert len(re.findall(r"\((?:green|yellow|red), \w+ compliance\)", note)) == 2


def test_a_period_without_employee_records_is_reported_not_crashed() -> None:
    """The national world holds employees for one year only; a later report must say so."""
    from kinerja_research.data.simulate import simulate

    study = simulate("tiny", seed=0)
    study = study.replace(employees=study.employees.loc[study.employees["period"].astype(int) < 2023])
    region = str(study.regions.loc[study.regions["kind"].astype(str) == "kota", "region_id"].iloc[0])
    for lang, words in (("id", "Data pegawai 2024 tidak tersedia"), ("en", "No employee records for 2024")):
        assert words in regional.summary_text(study, region, 2024, lang=lang)
        card = regional.scorecard(study, region, 2024, lang=lang)
        assert card.iloc[:, 1].isna().any()  # IP ASN and discipline: no value, not zero
