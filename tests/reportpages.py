"""Build a small reports folder the way the runner does, from ``tests/notebooks/doc_id_en.ipynb``.

The fixture notebook has a title generated at run time, the synthetic banner, prose cells tagged
``lang-id``/``lang-en``, a styled table and a figure. Each page goes through the publishing steps
the runner applies: language selection, execution (nbclient), nbconvert without code,
:func:`finish_html`, a manifest, the index, and optionally the PDF. So the browser, index and PDF
tests need only this branch's code, not the notebooks or runner being rewritten elsewhere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import nbformat

from kinerja_research.reports.document import document_title, finish_html, is_synthetic
from kinerja_research.reports.grid import Grid, ReportSpec
from kinerja_research.reports.index import write_index
from kinerja_research.reports.language import select_language
from kinerja_research.reports.manifest import manifest_path, write_manifest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "notebooks" / "doc_id_en.ipynb"

#: (name, lang, region, period) of the pages built; English ones under ``en/``.
PAGES = (
    ("study_doc", "id", "", None),
    ("regional/3573_2024", "id", "Kota Malang", 2024),
    ("en/study_doc", "en", "", None),
    ("en/regional/3573_2024", "en", "Kota Malang", 2024),
)


def render_page(nb_path: Path, out_html: Path, *, lang: str, region: str = "", period: int | None = 2024,
                synthetic: bool = True) -> tuple[str, bool]:
    """Execute the fixture in one language and write its finished HTML; returns (title, synthetic)."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = select_language(nbformat.read(nb_path, as_version=4), lang)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = (f"lang = {lang!r}\nregion = {region!r}\nperiod = {period or 2024!r}\n"
                     f"synthetic = {synthetic!r}")
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(ROOT)}}).execute()
    body, _ = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                           embed_images=True).from_notebook_node(nb)
    title = document_title(nb, default=out_html.stem)
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.write_text(finish_html(body, title=title, lang=lang), encoding="utf-8")
    return title, is_synthetic(nb)


def build_site(out: Path, *, pdf: bool = False, synthetic: bool = True) -> dict[str, Any]:
    """Render :data:`PAGES` into ``out`` with manifests and both front pages; PDFs when asked."""
    specs = []
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for name, lang, region, period in PAGES:
        html_path = out / f"{name}.html"
        title, syn = render_page(FIXTURE, html_path, lang=lang, region=region, period=period, synthetic=synthetic)
        outputs = {"html": str(html_path)}
        if pdf:
            from kinerja_research.reports.pdf import render_pdf

            render_pdf(html_path, out / f"{name}.pdf", header=title)
            outputs["pdf"] = str(out / f"{name}.pdf")
        params = {"lang": lang, "region": region or None, "period": period}
        write_manifest(manifest_path(out, name), {
            "name": name, "title": title, "synthetic": syn, "lang": lang, "status": "ok",
            "notebook": "tests/notebooks/doc_id_en.ipynb", "region": region or None, "period": period,
            "parameters": params, "started": now, "finished": now, "outputs": outputs, "error": None})
        specs.append(ReportSpec(name=name, title=title, notebook=FIXTURE, parameters=params, merged=params))
    grid = Grid(path=None, reports=tuple(specs))
    index = write_index(out, grid, run={"finished": now, "engine": "fork", "executed": len(specs)})
    return {"out": out, "grid": grid, "index": index, "index_en": out / "en" / "index.html"}
