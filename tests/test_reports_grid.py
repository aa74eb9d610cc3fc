"""The report grid: parameters cells, expansion, validation and data fingerprints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import repository_grid_raw

from kinerja_research.reports.grid import (
    check_parameters,
    data_fingerprint,
    load_grid,
    notebook_parameters,
)
from kinerja_research.reports.manifest import is_current, read_manifest, report_key, write_manifest

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "tests" / "notebooks"


def test_parameters_cell_is_read() -> None:
    assert notebook_parameters(NB / "ok.ipynb") == {"label": "fixture", "n": 3, "lang": "id", "seed": 0}


def test_non_literal_parameters_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"parameter size must be a plain literal, not 'len\(name\)'"):
        notebook_parameters(NB / "bad_params.ipynb")


def test_missing_notebook() -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        notebook_parameters(NB / "nope.ipynb")


def test_undeclared_parameter_names_the_declared_ones() -> None:
    with pytest.raises(ValueError, match=r"does not declare parameter\(s\) \['colour'\].*\['label', 'lang', 'n', 'seed'\]"):
        check_parameters(NB / "ok.ipynb", {"colour": "red"})


def test_wrong_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="wrong parameter type.*n='3'"):
        check_parameters(NB / "ok.ipynb", {"n": "3"})
    assert check_parameters(NB / "ok.ipynb", {"n": 5})["n"] == 5


def _grid(**extra: object) -> dict:
    entry = {"notebook": "tests/notebooks/ok.ipynb", "name": "ok/{label}_{n}",
             "for_each": {"label": ["a", "b"], "n": [1, 2]}}
    entry.update(extra)
    return {"defaults": {"lang": "id", "seed": 1, "k": 5}, "reports": [entry]}


def test_for_each_expands_the_product() -> None:
    g = load_grid(_grid(), base_dir=ROOT)
    assert [r.name for r in g.reports] == ["ok/a_1", "ok/a_2", "ok/b_1", "ok/b_2"]
    r = g.reports[0]
    # defaults reach only the notebooks that declare them (ok.ipynb has no k)
    assert r.parameters == {"lang": "id", "seed": 1, "label": "a", "n": 1}
    assert r.merged == {"label": "a", "n": 1, "lang": "id", "seed": 1}
    assert r.title.startswith("Fixture report — label a")


def test_lang_override_and_select() -> None:
    g = load_grid(_grid(), lang="en", base_dir=ROOT)
    assert {r.merged["lang"] for r in g.reports} == {"en"}
    assert [r.name for r in g.select("ok/b_*")] == ["ok/b_1", "ok/b_2"]
    with pytest.raises(ValueError, match="lang must be"):
        load_grid(_grid(), lang="fr", base_dir=ROOT)


def test_for_each_from_csv(tmp_path: Path) -> None:
    (tmp_path / "regions.csv").write_text("region_id,kind\n3573,kota\n3507,kabupaten\n3573,kota\n")
    nb = tmp_path / "nb.ipynb"
    nb.write_bytes((NB / "regional.ipynb").read_bytes())
    g = load_grid({"reports": [{"notebook": "nb.ipynb", "name": "r/{region}",
                                "for_each": {"region": {"csv": "regions.csv", "column": "region_id",
                                                        "where": {"kind": "kota"}}}}]}, base_dir=tmp_path)
    assert [r.name for r in g.reports] == ["r/3573"]


@pytest.mark.parametrize(("grid", "msg"), [
    ({"reports": [{"notebook": "tests/notebooks/ok.ipynb", "parameters": {"colour": 1}}]}, "does not declare"),
    ({"reports": [{"notebook": "tests/notebooks/bad_params.ipynb"}]}, "plain literal"),
    ({"reports": [{"notebook": "tests/notebooks/ok.ipynb", "name": "x"},
                  {"notebook": "tests/notebooks/ok.ipynb", "name": "x"}]}, "unique"),
    ({"reports": [{"notebook": "tests/notebooks/ok.ipynb", "name": "../escape"}]}, "may use"),
    ({"reports": [{"notebook": "tests/notebooks/ok.ipynb", "name": "{nope}"}]}, "not a parameter"),
    ({"reports": [{"notebook": "tests/notebooks/ok.ipynb", "colour": 1}]}, "unknown key"),
    ({"reprots": []}, "unknown key"),
    ({"reports": []}, "non-empty"),
    ({"engine": "kernel", "reports": [{"notebook": "tests/notebooks/ok.ipynb"}]}, "engine"),
])
def test_bad_grids_fail_before_running(grid: dict, msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        load_grid(grid, base_dir=ROOT)


def test_repository_grid_is_valid(tmp_path: Path) -> None:
    g = load_grid(repository_grid_raw(tmp_path), base_dir=ROOT)
    assert g.reports and all(r.notebook.exists() for r in g.reports)


def test_data_fingerprint_follows_the_files(tmp_path: Path) -> None:
    (tmp_path / "a.parquet").write_bytes(b"1")
    first = data_fingerprint(tmp_path)
    assert data_fingerprint(tmp_path) == first
    (tmp_path / "a.parquet").write_bytes(b"12")
    assert data_fingerprint(tmp_path) != first
    assert data_fingerprint(tmp_path / "absent") == "missing"
    assert data_fingerprint(None) is None


def test_key_changes_with_every_input() -> None:
    base = report_key(b"nb", {"seed": 0}, "fp", {"pandas": "3"})
    assert report_key(b"nb", {"seed": 0}, "fp", {"pandas": "3"}) == base
    assert len({base, report_key(b"nb2", {"seed": 0}, "fp", {"pandas": "3"}),
                report_key(b"nb", {"seed": 1}, "fp", {"pandas": "3"}),
                report_key(b"nb", {"seed": 0}, "fp2", {"pandas": "3"}),
                report_key(b"nb", {"seed": 0}, "fp", {"pandas": "4"}),
                report_key(b"nb", {"seed": 0}, "fp", {"pandas": "3"}, engine="papermill")}) == 6


def test_is_current_needs_ok_status_and_outputs(tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    html.write_text("x")
    m = {"status": "ok", "key": "k", "outputs": {"html": str(html)}}
    write_manifest(tmp_path / "r.manifest.json", m)
    assert is_current(read_manifest(tmp_path / "r.manifest.json"), "k")
    assert not is_current(m, "other")
    assert not is_current({**m, "status": "failed"}, "k")
    os.unlink(html)
    assert not is_current(m, "k")
    assert read_manifest(tmp_path / "missing.json") is None


def test_notebook_modules_finds_imports_and_lazy_subpackages() -> None:
    from kinerja_research.reports.grid import notebook_modules

    mods = notebook_modules(NB / "regional.ipynb")
    # kr.analysis.i18n is reached as an attribute in a later cell than the import
    assert {"pandas", "numpy", "matplotlib.pyplot", "kinerja_research", "kinerja_research.analysis.i18n",
            "kinerja_research.analysis.suppression"} <= mods
    assert not any(m.startswith("kinerja_research.analysis.i18n.") for m in mods)  # functions are not modules
    g = load_grid({"reports": [{"notebook": "tests/notebooks/regional.ipynb"}], "preload": ["json"]}, base_dir=ROOT)
    assert g.preload[0] == "json" and "kinerja_research.analysis.i18n" in g.preload
