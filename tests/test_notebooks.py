"""Every notebook in notebooks/ runs on the tiny world in both languages and on a dataset without
truth (real-like): no error, one language per report, no NaN/None shown, one level-1 heading,
and the synthetic banner exactly when the data are synthetic. Also: nothing is written inside
notebooks/, and a notebook opened from notebooks/ finds the project root."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import kinerja_research as kr
from kinerja_research.analysis.i18n import CATEGORY_GLOSS
from kinerja_research.config import project_root
from kinerja_research.reports.document import document_title, is_synthetic
from kinerja_research.reports.language import select_language

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
# small but real runs of the expensive steps (the defaults are for the published reports)
FAST = {"n_boot": 19, "sims": 3, "n_multilevel": 1500}

# Words that mark prose of one language (checked in markdown cells and generated markdown only:
# tables may hold unit names such as "Dinas Kependudukan dan Pencatatan Sipil").
WORDS = {
    "id": re.compile(r"\b(yang|dan|tidak|dengan|Jawaban|Keterbatasan|Pertanyaan|daerah)\b"),
    "en": re.compile(r"\b(the|and|which|with|Answer|Limitations|Question|regions?)\b"),
}
# Words of the other language (keyed by the report's language) in anything shown, tables and
# captions included: estimator and
# variance names from provenance, model terms, placebo sides, label sources, sector codes.
# Case-sensitive, so that unit names ("Dinas Pendidikan 05 …") do not count.
SHOWN_WORDS = {
    "id": re.compile(r"\b(the|and|with|for|none|influence function|analytic|model-based|Intercept|residual|"
                     r"Estimator|variance|left|right|never|yes|published|derived|all columns|"
                     r"Wald z intervals|cluster-robust|homoskedastic|draws|uncertainty)\b"),
    "en": re.compile(r"\b(dan|yang|dengan|untuk|tidak|Penduga|varians|rubrik|kiri|kanan|ya|Konstanta|"
                     r"dipublikasikan|dihitung|semua kolom|pendidikan|kecamatan|kesehatan|pelaksana|pengawas|"
                     r"fungsi pengaruh|robust terhadap)\b"),
}
# Official Indonesian category labels an English page may keep only with their meaning said
# ("Rendah = low" in a table caption, or "Rendah (low)" in text). Longest first.
LABELS = re.compile(r"\b(" + "|".join(sorted((k.title() for k, m in CATEGORY_GLOSS.items() if k != m), key=len, reverse=True)) + r")\b")
MISSING_TEXT = re.compile(r"\b(NaN|nan|None)\b|<NA>|&lt;NA&gt;")
H1 = re.compile(r"^#\s+\S", re.MULTILINE)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root with the tiny world as the default synthetic data and a truthless copy."""
    root = tmp_path_factory.mktemp("project")
    (root / "config").mkdir()
    (root / "config" / "settings.yml").write_text("k_anonymity: 5\nworld:\n  preset: tiny\n  seed: 0\n"
                                                 "  out: data/synthetic\nsalt: test-salt\n", encoding="utf-8")
    study = kr.simulate("tiny", seed=0)
    kr.data.save(study, root / "data" / "synthetic")
    real = study.replace(truth=None, potential_outcomes={}, meta={**study.meta, "synthetic": False})
    kr.data.save(real, root / "data" / "processed" / "real")
    return root


def _run(name: str, lang: str, dataset: str, project: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("KINERJA_PROJECT", str(project))
    monkeypatch.delenv("KINERJA_DATA", raising=False)
    monkeypatch.delenv("KINERJA_CONFIG", raising=False)
    nb = select_language(nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4), lang)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    names = set(re.findall(r"^(\w+)\s*=", cell.source, re.MULTILINE))
    values = {"dataset": dataset, "lang": lang, **{k: v for k, v in FAST.items() if k in names}}
    cell.source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in values.items())
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    return nb


def _texts(nb: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """(prose: markdown sources and markdown outputs, everything shown: prose + html + plain text)."""
    prose, shown = [], []
    for c in nb.cells:
        if c.cell_type == "markdown":
            prose.append(c.source)
        for o in c.get("outputs", []):
            data = o.get("data", {})
            if "text/markdown" in data:
                prose.append(data["text/markdown"])
            shown += [data.get("text/html", ""), data.get("text/plain", ""), o.get("text", "")]
    return prose, prose + shown


def _visible(nb: nbformat.NotebookNode) -> list[str]:
    """What a reader of the rendered page sees: each output's richest form, as text without
    markup (markdown sources, markdown/HTML outputs; plain text only when nothing richer).
    Warnings on stderr are left out: they come from the test's small bootstrap sizes."""
    out = []
    for c in nb.cells:
        if c.cell_type == "markdown":
            out.append(c.source)
        for o in c.get("outputs", []):
            data = o.get("data", {})
            if o.get("output_type") == "stream":
                out.append("" if o.get("name") == "stderr" else o.get("text", ""))
            elif "text/markdown" in data:
                out.append(data["text/markdown"])
            elif "text/html" in data:
                t = re.sub(r"<style.*?</style>", "", data["text/html"], flags=re.S)
                out.append(html.unescape(re.sub(r"<[^>]+>", " ", t)))
            elif "image/png" not in data:
                out.append(data.get("text/plain", ""))
    return out


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize(("lang", "dataset"), [("id", "synthetic"), ("en", "synthetic"), ("id", "real")])
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_one_language(name: str, lang: str, dataset: str, project: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    before = sorted(p.relative_to(ROOT) for p in (ROOT / "notebooks").rglob("*"))
    nb = _run(name, lang, dataset, project, monkeypatch)
    assert sorted(p.relative_to(ROOT) for p in (ROOT / "notebooks").rglob("*")) == before  # nothing written there
    prose, shown = _texts(nb)
    other = "en" if lang == "id" else "id"
    mixed = [m.group(0) for t in prose for m in WORDS[other].finditer(t)]
    assert mixed == [], f"{other} words in a {lang} report: {sorted(set(mixed))}"
    assert any(WORDS[lang].search(t) for t in prose)
    visible = _visible(nb)
    shown_mixed = [m.group(0) for t in visible for m in SHOWN_WORDS[lang].finditer(t)]
    assert shown_mixed == [], f"{other} words shown in a {lang} report: {sorted(set(shown_mixed))}"
    if lang == "en":
        page = "\n".join(visible)
        unexplained = {m.group(0) for m in LABELS.finditer(page)
                       if f"{m.group(0)} = " not in page and f"{m.group(0)} (" not in page}
        assert not unexplained, f"Indonesian category labels never explained: {sorted(unexplained)}"
    leaks = [m.group(0) for t in shown for m in MISSING_TEXT.finditer(re.sub(r"<style.*?</style>", "", t, flags=re.S))]
    assert leaks == [], f"missing values shown as text: {sorted(set(leaks))}"
    headings = sum(len(H1.findall(t)) for t in prose)
    assert headings == 1 and document_title(nb)
    assert is_synthetic(nb) == (dataset == "synthetic")
    if name == "regional_report":
        study = kr.data.load(project / "data" / "synthetic")
        assert kr.analysis.regional.region_label(study, "3573") in document_title(nb)
    if dataset == "real":
        assert not any(("Nilai sebenarnya" in t or "True value" in t) for t in shown)


def test_project_root_found_from_notebooks_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KINERJA_PROJECT", raising=False)
    assert project_root(ROOT / "notebooks") == ROOT
    monkeypatch.chdir(ROOT / "notebooks")
    from kinerja_research.analysis.notebook import data_dir
    from kinerja_research.config import settings

    settings.cache_clear()
    try:
        out = settings().get("world", {}).get("out", "data/synthetic")
        assert data_dir("synthetic") == ROOT / out and data_dir("x") == ROOT / "data" / "processed" / "x"
    finally:
        settings.cache_clear()


def test_project_root_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINERJA_PROJECT", str(tmp_path))
    assert project_root(ROOT / "notebooks") == tmp_path.resolve()
    monkeypatch.setenv("KINERJA_PROJECT", str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="KINERJA_PROJECT"):
        project_root()
