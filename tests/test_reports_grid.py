"""The report grid: parameters cells, expansion, validation and data fingerprints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import repository_grid_raw

from kinerja_research.reports.grid import (
    GridError,
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
    return {"defaults": {"seed": 1, "k": 5}, "languages": ["id"], "reports": [entry]}


def test_for_each_expands_the_product() -> None:
    g = load_grid(_grid(), base_dir=ROOT)
    assert [r.name for r in g.reports] == ["ok/a_1", "ok/a_2", "ok/b_1", "ok/b_2"]
    r = g.reports[0]
    # defaults reach only the notebooks that declare them (ok.ipynb has no k)
    assert r.parameters == {"seed": 1, "label": "a", "n": 1, "lang": "id"}
    assert r.merged == {"label": "a", "n": 1, "lang": "id", "seed": 1}
    assert r.title.startswith("Fixture report — label a")


def test_every_report_in_each_language_at_its_own_path() -> None:
    raw = {**_grid(), "languages": ["id", "en"]}
    g = load_grid(raw, base_dir=ROOT)
    assert [r.name for r in g.reports][:2] == ["ok/a_1", "en/ok/a_1"]
    assert {(r.name.startswith("en/"), r.lang, r.merged["lang"]) for r in g.reports} == {(False, "id", "id"),
                                                                                         (True, "en", "en")}
    assert {r.base_name for r in g.reports} == {"ok/a_1", "ok/a_2", "ok/b_1", "ok/b_2"}
    assert load_grid({k: v for k, v in raw.items() if k != "languages"}, base_dir=ROOT).languages == ("id", "en")


def test_lang_restricts_and_select() -> None:
    g = load_grid({**_grid(), "languages": ["id", "en"]}, lang="en", base_dir=ROOT)
    assert {r.merged["lang"] for r in g.reports} == {"en"}
    assert [r.name for r in g.select("ok/b_*")] == ["en/ok/b_1", "en/ok/b_2"]  # base names match too
    with pytest.raises(ValueError, match="lang must be"):
        load_grid(_grid(), lang="fr", base_dir=ROOT)


def test_for_each_from_csv(tmp_path: Path) -> None:
    (tmp_path / "regions.csv").write_text("region_id,kind\n3573,kota\n3507,kabupaten\n3573,kota\n")
    nb = tmp_path / "nb.ipynb"
    nb.write_bytes((NB / "regional.ipynb").read_bytes())
    g = load_grid({"reports": [{"notebook": "nb.ipynb", "name": "r/{region}",
                                "for_each": {"region": {"csv": "regions.csv", "column": "region_id",
                                                        "where": {"kind": "kota"}}}}]}, base_dir=tmp_path)
    assert [r.name for r in g.reports] == ["r/3573", "en/r/3573"]


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


OK = "tests/notebooks/ok.ipynb"


@pytest.mark.parametrize(("grid", "key", "msg"), [
    ({"timeout": "ten"}, "timeout", "number of seconds"),
    ({"timeout": -5}, "timeout", "positive, finite"),
    ({"timeout": 0}, "timeout", "positive, finite"),
    ({"timeout": True}, "timeout", "number of seconds"),
    ({"timeout": float("inf")}, "timeout", "positive, finite"),
    ({"timeout": "1e400"}, "timeout", "number of seconds"),
    ({"engine": "kernel"}, "engine", "must be one of"),
    ({"name_headers": "nama_asn"}, "name_headers", "list of names"),
    ({"name_headers": ["ok", ""]}, "name_headers", "non-empty"),
    ({"languages": ["fr"]}, "languages", "distinct languages"),
    ({"languages": []}, "languages", "distinct languages"),
    ({"languages": "id"}, "languages", "list of names"),
    ({"pdf": "yes please"}, "pdf", "true or false"),
    ({"publish_ipynb": 1}, "publish_ipynb", "true or false"),
    ({"preload": "json"}, "preload", "list of names"),
    ({"defaults": ["seed"]}, "defaults", "mapping"),
    ({"defaults": {"lang": "en"}}, "defaults.lang", "languages"),
    ({"data": "../outside"}, "data", "outside the project"),
    ({"reports": [{"notebook": "../x.ipynb"}]}, "reports[0].notebook", "outside the project"),
    ({"reports": [{"notebook": OK, "timeout": "soon"}]}, "timeout", "number of seconds"),
    ({"reports": [{"notebook": OK, "parameters": ["x"]}]}, "parameters", "mapping"),
    ({"reports": [{"notebook": OK, "for_each": {"label": {"nope": 1}}}]}, "for_each.label", "column"),
    ({"reports": [{"notebook": OK, "title": 5}]}, "title", "text"),
])
def test_every_bad_value_is_named(grid: dict, key: str, msg: str) -> None:
    raw = {"reports": [{"notebook": OK}], **grid}
    with pytest.raises(GridError) as info:
        load_grid(raw, base_dir=ROOT)
    assert key in str(info.value) and msg in str(info.value)


def test_yaml_errors_name_the_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "grid.yml"
    p.write_text("reports:\n  - notebook: tests/notebooks/ok.ipynb\n    parameters: {label: [a, b}\n")
    with pytest.raises(GridError, match=r"YAML syntax error at line 3, column \d+"):
        load_grid(p, base_dir=ROOT)
    p.write_text("timeout: ten\nreports:\n  - notebook: tests/notebooks/ok.ipynb\n")
    with pytest.raises(GridError, match=r"grid.yml, line 1: timeout: must be a number of seconds, not 'ten'"):
        load_grid(p, base_dir=ROOT)
    with pytest.raises(GridError, match="is a folder"):
        load_grid(tmp_path, base_dir=ROOT)


def test_a_bad_grid_touches_no_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kinerja_research.reports.runner import run_reports

    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    out.mkdir()
    m = {"status": "ok", "key": "k", "outputs": {}}
    write_manifest(out / "ok.manifest.json", m)
    before = (out / "ok.manifest.json").read_bytes()
    for bad in ({"timeout": "ten"}, {"timeout": -5}, {"name_headers": "nama"}):
        with pytest.raises(GridError):
            run_reports({"reports": [{"notebook": OK, "name": "ok"}], **bad}, out_dir=out, progress=False)
    assert (out / "ok.manifest.json").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["ok.manifest.json"]


def test_titles_follow_each_report_language() -> None:
    raw = {**_grid(title={"id": "Laporan {label}", "en": "Report {label}"}), "languages": ["id", "en"]}
    titles = {r.name: r.title for r in load_grid(raw, base_dir=ROOT).reports}
    assert titles["ok/a_1"] == "Laporan a" and titles["en/ok/a_1"] == "Report a"
    # Without a grid title, each language takes the first heading of its own cells.
    g = load_grid({"languages": ["id", "en"], "reports": [{"notebook": "notebooks/03_merit_placement_did.ipynb"}]},
                  base_dir=ROOT)
    by_lang = {r.lang: r.title for r in g.reports}
    assert by_lang == {"id": "Sistem Merit dan Mutu Pelayanan: DiD Bertahap",
                       "en": "Merit System and Service Quality: Staggered DiD"}
    for bad, msg in (({"fr": "x"}, "not report languages"), ({"id": 3}, "must be text"), (["x"], "mapping")):
        with pytest.raises(GridError, match=msg):
            load_grid({**_grid(title=bad)}, base_dir=ROOT)
