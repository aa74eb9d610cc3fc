"""The front page of the reports folder: ``reports/index.html`` (Indonesian), ``reports/en/index.html``.

What a BKD analyst opens first: the synthetic-data banner when any report is built on synthetic
data, the study reports, then the regional reports by region *name* and period, each with its
status, date and links (HTML, PDF when rendered, the same report in the other language), and a
filter box. One language per page; each links the other. Self-contained (inline CSS and a few
lines of JavaScript, no network), so it opens offline from a shared folder or a USB stick.

Manifests written before the reports had titles or languages still list (by report name and
the grid's title); a failed report shows its error class and the runner's redacted message,
never the failing cell's source.

>>> write_index("reports", grid, run={"engine": "fork"})  # doctest: +SKIP
PosixPath('reports/index.html')
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinerja_research.reports.grid import Grid
from kinerja_research.reports.manifest import MANIFEST_SUFFIX, manifest_path, read_manifest

_TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Laporan Kinerja ASN — daftar laporan",
        "h1": "Laporan kinerja ASN",
        "lead": "Laporan studi dan laporan berkala kabupaten/kota. Klik judul untuk membuka laporan.",
        "banner": "DATA SINTETIS — bukan data ASN sebenarnya",
        "studies": "Laporan studi",
        "regional": "Laporan daerah",
        "report": "Laporan",
        "region": "Daerah",
        "period": "Periode",
        "status": "Status",
        "date": "Tanggal",
        "links": "Tautan",
        "filter": "Saring",
        "filter_hint": "Ketik nama daerah, periode atau status…",
        "none_match": "Tidak ada laporan yang cocok dengan saringan.",
        "empty": "Belum ada laporan.",
        "other_lang": "English",
        "other_lang_title": "Laporan dalam bahasa Inggris",
        "in_other": "EN",
        "summary": "{n} laporan", "n_ok": "{k} selesai", "n_failed": "{k} gagal", "n_other": "{k} lainnya",
        "updated": "Diperbarui",
        "provenance": "Asal-usul proses (untuk peneliti)",
        "synthetic_note": "Laporan bertanda ✱ dibuat dari data sintetis.",
        "ok": "Selesai", "failed": "Gagal", "interrupted": "Terhenti", "queued": "Antre",
        "running": "Berjalan", "skipped": "Dilewati", "not rendered": "Belum dibuat",
    },
    "en": {
        "title": "Civil-service performance reports — index",
        "h1": "Civil-service performance reports",
        "lead": "Study reports and periodic kabupaten/kota reports. Click a title to open the report.",
        "banner": "SYNTHETIC DATA — not real civil servants",
        "studies": "Study reports",
        "regional": "Regional reports",
        "report": "Report",
        "region": "Region",
        "period": "Period",
        "status": "Status",
        "date": "Date",
        "links": "Links",
        "filter": "Filter",
        "filter_hint": "Type a region name, period or status…",
        "none_match": "No report matches the filter.",
        "empty": "No reports yet.",
        "other_lang": "Bahasa Indonesia",
        "other_lang_title": "Reports in Indonesian",
        "in_other": "ID",
        "summary": "{n} reports", "n_ok": "{k} done", "n_failed": "{k} failed", "n_other": "{k} other",
        "updated": "Updated",
        "provenance": "Run provenance (for researchers)",
        "synthetic_note": "Reports marked ✱ are built on synthetic data.",
        "ok": "Done", "failed": "Failed", "interrupted": "Interrupted", "queued": "Queued",
        "running": "Running", "skipped": "Skipped", "not rendered": "Not rendered",
    },
}
_PROVENANCE_KEYS = {
    "finished": ("Selesai", "Finished"), "git_commit": ("Commit", "Commit"),
    "data_fingerprint": ("Sidik data", "Data fingerprint"), "engine": ("Mesin", "Engine"),
    "executed": ("Dijalankan", "Executed"), "skipped": ("Tidak berubah", "Unchanged"),
    "grid": ("Grid", "Grid"), "package_versions": ("Paket", "Packages"),
}

_CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans","Segoe UI",system-ui,-apple-system,Roboto,"DejaVu Sans",Arial,sans-serif;margin:0;
 color:#1f2328;background:#fff;font-size:16px;line-height:1.5}
main{max-width:64rem;margin:0 auto;padding:1.5rem 1.5rem 4rem}
.kr-synthetic-banner{position:sticky;top:0;z-index:10;background:#b3261e;color:#fff;font-weight:700;text-align:center;
 padding:.55rem 1rem;letter-spacing:.02em;box-shadow:0 1px 4px rgba(0,0,0,.25)}
header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;flex-wrap:wrap}
h1{font-size:1.9rem;margin:.8rem 0 .3rem}h2{font-size:1.3rem;margin:2rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
.lang a{font-weight:600}
.lead,.muted{color:#57606a}.muted{font-size:.85rem}
.filter{margin:1.2rem 0 .5rem;display:flex;gap:.6rem;align-items:center}
.filter input{flex:1;max-width:28rem;font:inherit;padding:.4rem .6rem;border:1px solid #8c959f;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #d0d7de;padding:.45rem .5rem;text-align:left;vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#57606a;border-bottom:2px solid #1f2328}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
a{color:#0b5394}td a.title{font-weight:600;text-decoration:none}td a.title:hover{text-decoration:underline}
.links a{margin-right:.6rem;white-space:nowrap}
.st{font-weight:600;white-space:nowrap}.st-ok{color:#1a7f37}.st-failed,.st-interrupted{color:#b3261e}.st-other{color:#9a6700}
.err{color:#b3261e;font-size:.85rem;margin-top:.2rem;word-break:break-word}
.syn{color:#b3261e;font-weight:700}
details{margin-top:2.5rem}summary{cursor:pointer;color:#57606a}
details table{font-size:.8rem}
[hidden]{display:none!important}
@media print{.filter,.kr-synthetic-banner{position:static;box-shadow:none}.filter{display:none}}
"""

_JS = """
(function(){
  var box=document.getElementById('kr-filter');
  if(!box){return;}
  function apply(){
    var q=box.value.trim().toLowerCase(), shown=0;
    var rows=document.querySelectorAll('tr[data-q]');
    for(var i=0;i<rows.length;i++){
      var hit=!q||rows[i].getAttribute('data-q').indexOf(q)>=0;
      rows[i].hidden=!hit; if(hit){shown++;}
    }
    var secs=document.querySelectorAll('section[data-list]');
    for(var j=0;j<secs.length;j++){
      secs[j].hidden=secs[j].querySelectorAll('tr[data-q]:not([hidden])').length===0;
    }
    document.getElementById('kr-nomatch').hidden=shown>0||rows.length===0;
  }
  box.addEventListener('input',apply);
  apply();
})();
"""


@dataclass
class _Entry:
    name: str
    lang: str
    title: str
    status: str
    date: str
    region: Any
    period: Any
    synthetic: bool
    html: Path | None
    pdf: Path | None
    ipynb: Path | None
    error: tuple[str, str] | None
    pair: tuple[str, str, str]

    @property
    def regional(self) -> bool:
        return self.region not in (None, "")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _existing(path: Any, base: Path) -> Path | None:
    if not path:
        return None
    p = Path(str(path))
    # The runner records paths as it was given them (relative to where it ran, or absolute);
    # a path relative to the reports folder is accepted too.
    for cand in (p, base / p):
        if cand.exists():
            return cand
    return None


_LEAD = re.compile(r"^\s*(laporan\s+kinerja(\s+daerah)?|regional\s+(performance\s+)?report|performance\s+report"
                   r"(\s+for)?)\s*[:\-—–]?\s*", re.IGNORECASE)
_KIND = re.compile(r"^(kabupaten|kab\.|kota|city\s+of|regency\s+of)\s+", re.IGNORECASE)


def region_name(title: str, period: Any = None) -> str:
    """The region's name within a regional report's title (the title itself if none is found).

    >>> region_name("Laporan Kinerja Kota Malang 2024", 2024)
    'Kota Malang'
    >>> region_name("Regional performance report: Kabupaten Malang, 2024", 2024)
    'Kabupaten Malang'
    """
    t = _LEAD.sub("", title)
    if period not in (None, ""):
        t = re.sub(r"[\s,:\-—–(]*\b" + re.escape(str(period)) + r"\b\)?\s*$", "", t)
    t = t.strip(" -—–:,")
    return t or title


def _sort_region(e: _Entry) -> tuple[str, str, str]:
    name = region_name(e.title, e.period)
    return (_KIND.sub("", name).casefold(), name.casefold(), str(e.period))


def _lang_of(m: Mapping[str, Any], params: Mapping[str, Any], name: str) -> str:
    lang = m.get("lang") or params.get("lang")
    if lang in _TEXT:
        return str(lang)
    return "en" if name.startswith("en/") else "id"


def _entry(name: str, m: Mapping[str, Any], *, title: str, params: Mapping[str, Any], notebook: str,
           out: Path) -> _Entry:
    lang = _lang_of(m, params, name)
    outputs = m.get("outputs") or {}
    region = m.get("region", params.get("region"))
    period = m.get("period", params.get("period"))
    err = m.get("error") if isinstance(m.get("error"), Mapping) else None
    error = None
    if err:
        # The runner redacts the message before it writes the manifest; the cell source is never shown.
        error = (str(err.get("class") or err.get("ename") or err.get("kind") or "Error"),
                 str(err.get("message") if err.get("message") is not None else err.get("evalue") or ""))
    date = str(m.get("finished") or m.get("started") or "")[:10]
    return _Entry(
        name=name, lang=lang, title=str(m.get("title") or title or name), status=str(m.get("status") or "not rendered"),
        date=date, region=region, period=period, synthetic=m.get("synthetic") is True,
        html=_existing(outputs.get("html"), out), pdf=_existing(outputs.get("pdf"), out),
        ipynb=_existing(outputs.get("ipynb"), out), error=error,
        pair=(str(m.get("notebook") or notebook), str(region), str(period)))


def _entries(out: Path, grid: Grid) -> list[_Entry]:
    found: list[_Entry] = []
    seen: set[Path] = set()
    for spec in grid.reports:
        mp = manifest_path(out, spec.name)
        seen.add(mp.resolve())
        m = read_manifest(mp) or {}
        found.append(_entry(spec.name, m, title=spec.title, params=m.get("parameters") or spec.merged,
                            notebook=str(spec.notebook), out=out))
    # Reports rendered by another run into this folder (the other language, say) are listed too,
    # when their page is there to open.
    if out.is_dir():
        for mp in sorted(out.rglob(f"*{MANIFEST_SUFFIX}")):
            if mp.resolve() in seen or any(part.startswith(".") for part in mp.relative_to(out).parts):
                continue
            other = read_manifest(mp)
            if not other:
                continue
            name = mp.relative_to(out).as_posix()[: -len(MANIFEST_SUFFIX)]
            e = _entry(name, other, title=str(other.get("title") or name), params=other.get("parameters") or {},
                       notebook=str(other.get("notebook") or ""), out=out)
            if e.html is not None:
                found.append(e)
    return found


def _href(target: Path, page_dir: Path) -> str:
    return _e(Path(os.path.relpath(target.resolve(), page_dir.resolve())).as_posix())


def _status_class(status: str) -> str:
    return {"ok": "st-ok", "failed": "st-failed", "interrupted": "st-interrupted"}.get(status, "st-other")


def _row(e: _Entry, t: Mapping[str, str], page_dir: Path, other: _Entry | None, *, regional: bool) -> str:
    status = t.get(e.status, e.status)
    title = _e(region_name(e.title, e.period) if regional else e.title)
    title_html = (f'<a class="title" href="{_href(e.html, page_dir)}">{title}</a>' if e.html and e.status == "ok"
                  else title)
    if e.synthetic:
        title_html += ' <span class="syn" title="' + _e(t["banner"]) + '">✱</span>'
    links = []
    if e.html and e.status == "ok":
        links.append(f'<a href="{_href(e.html, page_dir)}">HTML</a>')
    if e.pdf and e.status == "ok":
        links.append(f'<a href="{_href(e.pdf, page_dir)}">PDF</a>')
    if other is not None and other.html is not None and other.status == "ok":
        links.append(f'<a href="{_href(other.html, page_dir)}" hreflang="{_e(other.lang)}" '
                     f'title="{_e(other.title)}">{_e(t["in_other"])}</a>')
    if e.ipynb and e.status == "ok":
        links.append(f'<a class="muted" href="{_href(e.ipynb, page_dir)}">ipynb</a>')
    err = ""
    if e.error and e.status != "ok":
        err = f'<div class="err"><b>{_e(e.error[0])}</b>{": " + _e(e.error[1]) if e.error[1] else ""}</div>'
    name_line = f'<div class="muted">{_e(e.title)}</div>' if regional else ""
    q = " ".join(str(x) for x in (e.title, e.name, e.period or "", status, e.status, e.region or "")).lower()
    cells = [f"<td>{title_html}{name_line}{err}</td>"]
    if regional:
        cells.append(f'<td class="num">{_e(e.period)}</td>')
    cells += [f'<td class="st {_status_class(e.status)}">{_e(status)}</td>', f'<td class="num">{_e(e.date)}</td>',
              f'<td class="links">{" ".join(links)}</td>']
    return f'<tr data-q="{_e(q)}">' + "".join(cells) + "</tr>"


def _provenance(run: Mapping[str, Any], lang: str) -> str:
    i = 0 if lang == "id" else 1
    rows = []
    for k, v in run.items():
        label = _PROVENANCE_KEYS.get(k, (k, k))[i]
        if isinstance(v, Mapping):
            v = ", ".join(f"{a} {b}" for a, b in v.items())
        rows.append(f"<tr><th>{_e(label)}</th><td>{_e(v)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _page(lang: str, entries: list[_Entry], others: dict[tuple[str, str, str], _Entry], page_dir: Path,
          run: Mapping[str, Any], other_index: Path | None) -> str:
    t = _TEXT[lang]
    studies = [e for e in entries if not e.regional]
    regional = sorted((e for e in entries if e.regional), key=_sort_region)
    counts = {"ok": 0, "failed": 0, "other": 0}
    for e in entries:
        counts[e.status if e.status in ("ok", "failed") else "other"] += 1
    synthetic = any(e.synthetic for e in entries)
    banner = f'<div class="kr-synthetic-banner" role="note">{_e(t["banner"])}</div>' if synthetic else ""
    switch = (f'<p class="lang"><a href="{_href(other_index, page_dir)}" hreflang="{"en" if lang == "id" else "id"}" '
              f'title="{_e(t["other_lang_title"])}">{_e(t["other_lang"])}</a></p>') if other_index else ""
    head_cols = {
        False: f"<tr><th>{t['report']}</th><th>{t['status']}</th><th>{t['date']}</th><th>{t['links']}</th></tr>",
        True: (f"<tr><th>{t['region']}</th><th>{t['period']}</th><th>{t['status']}</th><th>{t['date']}</th>"
               f"<th>{t['links']}</th></tr>"),
    }
    sections = []
    for key, items, is_regional in (("studies", studies, False), ("regional", regional, True)):
        if not items:
            continue
        rows = "".join(_row(e, t, page_dir, others.get(e.pair), regional=is_regional) for e in items)
        sections.append(f'<section data-list="{key}"><h2>{_e(t[key])}</h2><table><thead>{head_cols[is_regional]}'
                        f"</thead><tbody>{rows}</tbody></table></section>")
    updated = str(run.get("finished") or "")[:16].replace("T", " ")
    parts = [t[f"n_{k}"].format(k=v) for k, v in counts.items() if v]
    summary = t["summary"].format(n=len(entries)) + (": " + ", ".join(parts) if parts else "") + "."
    note = f'<p class="muted">{_e(t["synthetic_note"])}</p>' if synthetic else ""
    body = "".join(sections) or f"<p>{_e(t['empty'])}</p>"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(t['title'])}</title><style>{_CSS}</style></head>
<body>{banner}<main>
<header><h1>{_e(t['h1'])}</h1>{switch}</header>
<p class="lead">{_e(t['lead'])}</p>
<p>{_e(summary)}{(' ' + _e(t['updated']) + ' ' + _e(updated) + ' UTC.') if updated else ''}</p>{note}
<div class="filter"><label for="kr-filter">{_e(t['filter'])}</label>
<input id="kr-filter" type="search" placeholder="{_e(t['filter_hint'])}" autocomplete="off"></div>
<p id="kr-nomatch" class="muted" hidden>{_e(t['none_match'])}</p>
{body}
<details><summary>{_e(t['provenance'])}</summary>{_provenance(run, lang)}</details>
</main><script>{_JS}</script></body></html>
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_index(out_dir: str | Path, grid: Grid, *, run: Mapping[str, Any]) -> Path:
    """Write the front pages of ``out_dir`` from the manifests of the grid's reports.

    ``index.html`` lists the Indonesian reports and ``en/index.html`` the English ones (written
    when there are any); each row links the same report in the other language.

    Parameters
    ----------
    out_dir
        The reports folder.
    grid
        The expanded grid: every report of it gets a row, rendered or not.
    run
        Provenance of the run (commit, data fingerprint, engine, package versions, counts).

    Returns
    -------
    pathlib.Path
        The Indonesian front page (written atomically, as is the English one).
    """
    out = Path(out_dir)
    entries = _entries(out, grid)
    by_lang: dict[str, list[_Entry]] = {lang: [e for e in entries if e.lang == lang] for lang in _TEXT}
    pairs = {lang: {e.pair: e for e in by_lang[lang]} for lang in _TEXT}
    pages = {"id": out / "index.html", "en": out / "en" / "index.html"}
    has_en = bool(by_lang["en"])
    _write(pages["id"], _page("id", by_lang["id"], pairs["en"], out, run, pages["en"] if has_en else None))
    if has_en:
        _write(pages["en"], _page("en", by_lang["en"], pairs["id"], pages["en"].parent, run, pages["id"]))
    return pages["id"]
