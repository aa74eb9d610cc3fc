"""IKM: weight modes, blank answers, exact band edges, the 2004 version, sample size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinerja_research.scoring import ikm, skm_sample_size

ITEMS = [f"u{i}" for i in range(1, 10)]


def _responses(answers, unit="U1", period=2024, items=ITEMS):
    answers = np.asarray(answers, dtype=float)
    if answers.ndim == 1:
        answers = np.repeat(answers[:, None], len(items), axis=1)
    df = pd.DataFrame(answers, columns=items)
    df.insert(0, "period", period)
    df.insert(0, "unit_id", unit)
    return df


class TestWeightModes:
    """docs/guide/rubrics.md#rubric-ikm-permenpan-14-2017: all answers 3.5 → 87.50 with exact 1/9, 87.41 with the published 0.111.

    Tolerance: exact arithmetic on these decimal inputs up to binary rounding (atol 1e-9, the
    rubric's snap); 87.41 is the published two-decimal rounding of 87.4125.
    """

    exact = 87.5
    published = 87.4125

    def test_exact(self):
        out = ikm(_responses([3, 4]))
        np.testing.assert_allclose(out["ikm"], self.exact, rtol=0, atol=1e-9)
        assert out["mutu"].item() == "B"

    def test_published(self):
        out = ikm(_responses([3, 4]), weights="published")
        np.testing.assert_allclose(out["ikm"], self.published, rtol=0, atol=1e-9)
        assert round(out["ikm"].item(), 2) == 87.41

    def test_modes_differ_where_it_flips_a_label(self):
        # 3.5324 everywhere is 88.31 (A) exactly; the published weight gives 88.2174… (B)
        df = _responses([4] * 5324 + [3] * 4676)
        assert ikm(df)["mutu"].item() == "A"
        assert ikm(df, weights="published")["mutu"].item() == "B"


class TestExactEdges:
    """A mean of 3.5324 is 88.31 and grade A, not 88.30999…; neighbours fall either side."""

    @pytest.mark.parametrize(("fours", "ikm_value", "mutu"), [
        (5323, 88.3075, "B"), (5324, 88.31, "A"), (5325, 88.3125, "A"),
    ])
    def test_edge_88_31(self, fours, ikm_value, mutu):
        out = ikm(_responses([4] * fours + [3] * (10000 - fours)))
        assert out["ikm"].item() == ikm_value  # exact: noise below 1e-9 is removed by the rubric's snap
        assert out["mutu"].item() == mutu

    def test_interval_value_is_exact_too(self):
        out = ikm(_responses([4] * 5324 + [3] * 4676))
        assert out["ikm_interval"].item() == 3.5324

    @pytest.mark.parametrize(("fours", "ikm_value", "mutu"), [
        (643, 76.6075, "C"), (644, 76.61, "B"), (645, 76.6125, "B"),
    ])
    def test_edge_76_61(self, fours, ikm_value, mutu):
        out = ikm(_responses([4] * fours + [3] * (10000 - fours)))
        assert out["ikm"].item() == ikm_value
        assert out["mutu"].item() == mutu


def test_blank_answers_divide_by_filled_count():
    df = _responses([4, 4, 2])
    df.loc[2, "u1"] = np.nan
    out = ikm(df)
    assert out["nrr_u1"].item() == 4.0  # (4 + 4) / 2, not / 3
    assert out["nrr_u2"].item() == pytest.approx(10 / 3, abs=1e-12)
    assert out["n"].item() == 3


def test_unsur_without_answers_gives_missing_ikm_with_reason():
    df = _responses([4, 3])
    df["u7"] = np.nan
    out = ikm(df)
    assert np.isnan(out["ikm"].item()) and pd.isna(out["mutu"].item())
    assert out["reason"].item() == "no answers for u7"


def test_groups_are_kept_apart_and_sorted():
    df = pd.concat([_responses([4, 4], unit="B"), _responses([1, 1], unit="A"), _responses([3], unit="A", period=2023)])
    out = ikm(df)
    assert out[["unit_id", "period"]].values.tolist() == [["A", 2023], ["A", 2024], ["B", 2024]]
    assert out["ikm"].tolist() == [75.0, 25.0, 100.0]
    assert out["kinerja"].tolist() == ["Kurang Baik", "Tidak Baik", "Sangat Baik"]


def test_custom_weights():
    df = _responses([4])
    df["u1"] = 1.0
    w = {f"u{i}": (0.2 if i == 1 else 0.1) for i in range(1, 10)}
    out = ikm(df, weights=w)
    np.testing.assert_allclose(out["ikm_interval"], 0.2 * 1 + 0.8 * 4, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="must sum to 1"):
        ikm(df, weights=[0.1] * 9)
    with pytest.raises(ValueError, match="need 9 values"):
        ikm(df, weights=[0.5, 0.5])
    with pytest.raises(ValueError, match="missing"):
        ikm(df, weights={"u1": 1.0})
    with pytest.raises(ValueError, match="'exact', 'published'"):
        ikm(df, weights="rounded")


def test_2004_fourteen_unsur():
    items = [f"u{i}" for i in range(1, 15)]
    df = _responses([3, 4], items=items)
    out = ikm(df, rubric="ikm/kepmenpan-25-2004")
    assert out["ikm"].item() == 87.5 and out["mutu"].item() == "A"  # A from 81.26 in 2004
    np.testing.assert_allclose(ikm(df, rubric="ikm/kepmenpan-25-2004", weights="published")["ikm"],
                               3.5 * 0.071 * 14 * 25, rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="missing required columns: u10"):
        ikm(_responses([3]), rubric="ikm/kepmenpan-25-2004")


@pytest.mark.parametrize("bad", [0, 5, 2.5, -1])
def test_answers_outside_1_to_4_name_the_column(bad):
    df = _responses([3, 4])
    df.loc[0, "u3"] = bad
    with pytest.raises(ValueError, match=r"column 'u3' has invalid values"):
        ikm(df)


def test_text_answers_are_rejected():
    df = _responses([3, 4]).astype({"u2": object})
    df.loc[0, "u2"] = "baik"
    with pytest.raises(ValueError, match="column 'u2' has invalid values"):
        ikm(df)


def test_attrs_record_rubric_and_weights():
    out = ikm(_responses([3]), weights="published")
    assert out.attrs["rubric"]["id"] == "ikm/permenpan-14-2017" and out.attrs["rubric"]["verified"]
    assert out.attrs["weights"] == "published"


class TestSampleSize:
    """Krejcie & Morgan table values (docs/guide/rubrics.md#rubric-ikm-permenpan-14-2017): exact integers."""

    @pytest.mark.parametrize(("population", "sample"), [(50, 44), (100, 80), (1000, 278), (10_000, 370),
                                                        (1_000_000, 384), (1, 1)])
    def test_table(self, population, sample):
        assert skm_sample_size(population) == sample

    def test_vector_and_missing(self):
        out = skm_sample_size(pd.Series([100, None, 1000]))
        assert out.tolist() == [80, pd.NA, 278]

    def test_invalid(self):
        with pytest.raises(ValueError, match="at least 1"):
            skm_sample_size([0, 10])

    def test_flag_units_below_sample(self):
        df = pd.concat([_responses([3] * 80, unit="A"), _responses([3] * 79, unit="B"), _responses([3], unit="C")])
        pop = pd.DataFrame({"unit_id": ["A", "B"], "population": [100, 100]})
        out = ikm(df, population=pop)
        assert out["sample_required"].tolist() == [80, 80, pd.NA]
        assert out["below_sample_size"].tolist() == [False, True, pd.NA]
        assert "sample_size" in out.attrs["rubric"]["unverified_tables"]
