"""Nothing under the reports folder holds an NIP or a personal name, whatever form a notebook
prints it in, whether the report fails, and whether the executed notebook is published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kinerja_research.reports.grid import GridError
from kinerja_research.reports.privacy import scan_text
from kinerja_research.reports.runner import run_reports

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[1]
NIP = "198001012005011008"
NAME = "Budi Santoso"
LEAKS = ["plain", "spaced", "dashed", "dotted", "nbsp", "entity", "tags", "float", "table_float", "script",
         "name_column", "name_index", "name_printed"]


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _grid(forms: list[str], **extra: object) -> dict:
    return {"languages": ["id"], **extra, "reports": [
        {"notebook": "tests/notebooks/leak_forms.ipynb", "name": "leak/{form}", "for_each": {"form": forms}}]}


def _assert_nothing_published(out: Path) -> None:
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    for p in files:
        text = p.read_bytes().decode("utf-8", errors="replace")
        assert NIP not in text and NIP[:8] + " " + NIP[8:14] not in text, p
        assert NAME not in text, p
        # and in no other printed form either (the detector is tested on its own below)
        assert [f for f in scan_text(text) if f.kind == "nip"] == [], p


@pytest.fixture(scope="module")
def leak_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("leaks")
    s = run_reports(_grid([*LEAKS, "json_output", "raise", "ordinary", "code"]), out_dir=out, progress=False,
                    workers=2)
    return out, s


def test_every_printed_form_is_withdrawn(leak_run) -> None:
    out, s = leak_run
    assert sorted(s.failed) == sorted([f"leak/{f}" for f in [*LEAKS, "raise"]])
    for form in LEAKS:
        m = json.loads((out / f"leak/{form}.manifest.json").read_text())
        assert m["error"]["kind"] == "privacy", form
        assert not (out / f"leak/{form}.html").exists(), form


def test_no_nip_or_name_in_any_published_file(leak_run) -> None:
    _assert_nothing_published(leak_run[0])


def test_failure_message_is_redacted_and_its_source_unpublished(leak_run) -> None:
    out, _ = leak_run
    m = json.loads((out / "leak/raise.manifest.json").read_text())
    assert m["error"]["class"] == "KeyError" and "[NIP]" in m["error"]["message"]
    assert "source" not in (m["failing_cell"] or {})
    page = (out / "leak/raise.html").read_text()
    assert "KeyError" in page and "[NIP]" in page and "groups = " not in page


def test_ordinary_numbers_and_hidden_code_are_published(leak_run) -> None:
    out, s = leak_run
    assert {"leak/ordinary", "leak/code", "leak/json_output"} <= set(s.ok)
    assert "123456789012345678" in (out / "leak/ordinary.html").read_text()


def test_opted_in_notebooks_are_scanned_too(tmp_path: Path) -> None:
    # the code holds the NIP: with the .ipynb published every report is withdrawn
    s = run_reports(_grid(["code", "json_output"], publish_ipynb=True), out_dir=tmp_path, progress=False, workers=1)
    assert sorted(s.failed) == ["leak/code", "leak/json_output"]
    assert not list(tmp_path.rglob("*.ipynb"))
    _assert_nothing_published(tmp_path)


@pytest.mark.parametrize("value", [NIP, int(NIP), float(NIP), "19800101 200501 1 008", [NIP]])
def test_a_parameter_holding_an_nip_is_refused_before_running(tmp_path: Path, value: object) -> None:
    grid = {"languages": ["id"], "reports": [{"notebook": "tests/notebooks/leak_forms.ipynb", "name": "p",
                                               "parameters": {"form": value}}]}
    with pytest.raises(GridError, match=r"form: holds an NIP") as info:
        run_reports(grid, out_dir=tmp_path, progress=False)
    assert NIP not in str(info.value)
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.name != ".kinerja-reports.lock"]
