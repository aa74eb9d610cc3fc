"""The front page: banner, studies then regions by name, status, date, links, one language per page."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from kinerja_research.reports.grid import Grid, ReportSpec
from kinerja_research.reports.index import region_name, write_index
from kinerja_research.reports.manifest import manifest_path, write_manifest

NB = Path("notebooks/regional_report.ipynb")
ID_WORDS = {"dan", "yang", "untuk", "dengan", "laporan", "daerah", "tidak", "selesai", "gagal", "tanggal"}
EN_WORDS = {"the", "and", "with", "report", "reports", "region", "done", "failed", "date", "period"}


def _spec(name: str, title: str, **params: Any) -> ReportSpec:
    return ReportSpec(name=name, title=title, notebook=NB, parameters=dict(params), merged=dict(params))


def _report(out: Path, name: str, *, pdf: bool = False, **manifest: Any) -> None:
    html_path = out / f"{name}.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text("<html></html>")
    outputs = {"html": str(html_path)}
    if pdf:
        (out / f"{name}.pdf").write_bytes(b"%PDF-1.4")
        outputs["pdf"] = str(out / f"{name}.pdf")
    write_manifest(manifest_path(out, name), {"name": name, "status": "ok", "outputs": outputs,
                                              "notebook": str(NB), **manifest})


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<details>.*?</details>", " ", page, flags=re.S)  # provenance: package names
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _words(page: str) -> set[str]:
    return set(re.findall(r"[a-z]+", _text(page).lower()))


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Grid]:
    out = tmp_path / "reports"
    specs = [
        _spec("03_did", "03_merit_placement_did", lang="id"),
        _spec("regional/3573_2024", "Laporan kinerja daerah 3573 2024", lang="id", region="3573", period=2024),
        _spec("regional/3505_2024", "Laporan kinerja daerah 3505 2024", lang="id", region="3505", period=2024),
        _spec("regional/3579_2024", "Laporan kinerja daerah 3579 2024", lang="id", region="3579", period=2024),
        _spec("regional/3579_2023", "Laporan kinerja daerah 3579 2023", lang="id", region="3579", period=2023),
        _spec("regional/3574_2024", "Laporan kinerja daerah 3574 2024", lang="id", region="3574", period=2024),
    ]
    _report(out, "03_did", title="Penempatan merit dan kualitas layanan", synthetic=True, lang="id",
            finished="2026-11-29T10:00:00+00:00", pdf=True)
    common = {"synthetic": True, "lang": "id", "finished": "2026-11-29T10:00:00+00:00"}
    _report(out, "regional/3573_2024", title="Laporan Kinerja Kota Malang 2024", region="3573", period=2024,
            pdf=True, **common)
    _report(out, "regional/3505_2024", title="Laporan Kinerja Kabupaten Blitar 2024", region="3505", period=2024,
            **common)
    _report(out, "regional/3579_2024", title="Laporan Kinerja Kota Batu 2024", region="3579", period=2024, **common)
    _report(out, "regional/3579_2023", title="Laporan Kinerja Kota Batu 2023", region="3579", period=2023, **common)
    # a failed report: its class and the runner's redacted message, never its cell source
    write_manifest(manifest_path(out, "regional/3574_2024"), {
        "name": "regional/3574_2024", "status": "failed", "lang": "id", "region": "3574", "period": 2024,
        "title": "Laporan Kinerja Kota Probolinggo 2024",
        "error": {"class": "KeyError", "message": "kolom 'ikm' tidak ada"},
        "failing_cell": {"index": 3, "source": "SECRET_CELL_SOURCE = 1"}})
    # English reports, rendered by another run into en/ (not in this grid)
    _report(out, "en/03_did", title="Merit placement and service quality", synthetic=True, lang="en",
            finished="2026-11-29T11:00:00+00:00")
    _report(out, "en/regional/3573_2024", title="Performance Report Kota Malang 2024", synthetic=True, lang="en",
            region="3573", period=2024, finished="2026-11-29T11:00:00+00:00", pdf=True)
    return out, Grid(path=None, reports=tuple(specs))


def test_indonesian_front_page(site: tuple[Path, Grid]) -> None:
    out, grid = site
    path = write_index(out, grid, run={"finished": "2026-11-29T12:00:00+00:00", "engine": "fork"})
    assert path == out / "index.html"
    page = path.read_text()
    assert re.search(r"<title>[^<]*Laporan[^<]*</title>", page)
    assert '<html lang="id">' in page
    # banner first in the body
    assert re.search(r'<body>\s*<div class="kr-synthetic-banner"[^>]*>DATA SINTETIS — bukan data ASN sebenarnya',
                     page)
    # studies before regional reports; regions by name (Batu, Blitar, Malang, Probolinggo), not BPS code
    studies, regional = page.index("Laporan studi"), page.index("Laporan daerah")
    assert studies < page.index("Penempatan merit dan kualitas layanan") < regional
    order = [page.index(f">{n}<", regional) for n in ("Kota Batu", "Kabupaten Blitar", "Kota Malang",
                                                       "Kota Probolinggo")]
    assert order == sorted(order)
    assert page.index("2023", regional) < page.index("Laporan Kinerja Kota Batu 2024")  # period within a region
    assert ">3573<" not in page and "3573 2024" not in page
    # status, date and links
    assert "Selesai" in page and "Gagal" in page and "2026-11-29" in page
    assert 'href="regional/3573_2024.pdf"' in page and 'href="regional/3505_2024.pdf"' not in page
    assert 'href="en/regional/3573_2024.html"' in page  # the same report in English
    assert 'href="en/index.html"' in page
    # a failure shows class and message, never the cell source
    assert "KeyError" in page and "kolom &#x27;ikm&#x27; tidak ada" in page
    assert "SECRET_CELL_SOURCE" not in page
    # filter box, self-contained
    assert 'id="kr-filter"' in page and "<script>" in page
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert not (_words(page) & EN_WORDS), _words(page) & EN_WORDS
    assert not list(out.rglob(".*.tmp"))


def test_english_front_page(site: tuple[Path, Grid]) -> None:
    out, grid = site
    write_index(out, grid, run={"engine": "fork"})
    page = (out / "en" / "index.html").read_text()
    assert '<html lang="en">' in page
    assert "SYNTHETIC DATA — not real civil servants" in page and "DATA SINTETIS" not in page
    assert "Study reports" in page and "Regional reports" in page
    assert 'href="regional/3573_2024.html"' in page and 'href="regional/3573_2024.pdf"' in page
    assert 'href="../regional/3573_2024.html"' in page  # back to the Indonesian report
    assert 'href="../index.html"' in page
    assert ">Kota Malang<" in page
    assert not (_words(page) & ID_WORDS), _words(page) & ID_WORDS


def test_no_banner_when_no_report_is_synthetic(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    _report(out, "01_prof", title="Profesionalisme ASN", synthetic=False, lang="id")
    _report(out, "en/01_prof", title="Civil-service professionalism", synthetic=False, lang="en")
    write_index(out, Grid(path=None, reports=(_spec("01_prof", "01", lang="id"),)), run={})
    for page in (out / "index.html", out / "en" / "index.html"):
        text = page.read_text()
        assert "kr-synthetic-banner" not in text.split("</style>", 1)[1]
        assert "SINTETIS" not in text and "SYNTHETIC" not in text


def test_old_manifests_and_unrendered_reports_are_listed(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    # an old manifest: no title, lang, synthetic; its error in the old shape
    write_manifest(manifest_path(out, "regional/3573_2024"), {
        "name": "regional/3573_2024", "status": "failed", "region": "3573", "period": 2024,
        "error": {"kind": "exception", "ename": "ValueError", "evalue": "bad period"}})
    grid = Grid(path=None, reports=(
        _spec("regional/3573_2024", "Laporan kinerja daerah 3573 2024", region="3573", period=2024),
        _spec("02_skm", "02_service_quality")))
    page = write_index(out, grid, run={"engine": "fork"}).read_text()
    assert "ValueError" in page and "bad period" in page
    assert "Belum dibuat" in page and "02_service_quality" in page
    assert "kr-synthetic-banner" not in page.split("</style>", 1)[1]
    assert not (out / "en" / "index.html").exists()  # no English reports: no English page, no link
    assert 'href="en/index.html"' not in page


@pytest.mark.parametrize(("title", "period", "name"), [
    ("Laporan Kinerja Kota Malang 2024", 2024, "Kota Malang"),
    ("Laporan kinerja daerah Kabupaten Malang 2024", 2024, "Kabupaten Malang"),
    ("Performance Report Kota Malang 2024", 2024, "Kota Malang"),
    ("Regional performance report: Kota Batu, 2023", 2023, "Kota Batu"),
    ("Kota Malang", None, "Kota Malang"),
])
def test_region_name(title: str, period: int | None, name: str) -> None:
    assert region_name(title, period) == name
