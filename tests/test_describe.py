"""Notebook set-up (parameter validation, data loading) and descriptive summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

import kinerja_research as kr
from kinerja_research.analysis import describe
from kinerja_research.analysis.notebook import setup


@pytest.fixture(scope="module")
def tiny():
    return kr.simulate("tiny", seed=1)


def test_coverage_counts(tiny) -> None:
    cov = describe.coverage(tiny)
    emp = tiny.employees
    for row in cov.itertuples(index=False):
        assert row.employees == int((emp["period"] == row.year).sum())
        assert row.responses == int((tiny.skm_responses["period"] == row.year).sum())


def test_data_quality_lists_every_table(tiny) -> None:
    dq = describe.data_quality(tiny)
    assert set(dq["table"]) == set(kr.data.TABLES)
    assert dq["missing_share"].between(0, 1).all()


def test_overview_figure(tiny) -> None:
    fig = describe.overview_figure(tiny, lang="id")
    assert len(fig.axes) == 4


def test_setup_validates_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny) -> None:
    kr.data.save(tiny, tmp_path / "w")
    monkeypatch.setenv("KINERJA_DATA", str(tmp_path / "w"))
    ctx = setup(lang="en", seed=0)
    assert ctx.synthetic and ctx.k == 5 and ctx.t("coverage") == "Data coverage"
    region = str(tiny.regions["region_id"].iloc[0])
    assert setup(region=region, period=int(tiny.employees["period"].max())).params["region"] == region
    with pytest.raises(ValueError, match="lang"):
        setup(lang="fr")
    with pytest.raises(ValueError, match="seed"):
        setup(seed=-1)
    with pytest.raises(ValueError, match="region"):
        setup(region="9999")
    with pytest.raises(ValueError, match="period"):
        setup(period=1901)
    with pytest.raises(ValueError, match="not found"):
        setup(dataset="no_such_dataset")
