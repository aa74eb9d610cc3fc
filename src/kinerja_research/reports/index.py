"""``reports/index.html``: every report of the grid with its status, failures first.

Self-contained (inline CSS, no JavaScript, no network), so it opens offline from a shared
folder or a USB stick, as BKD analysts pass reports around.

>>> write_index("reports", grid, run={"engine": "fork"})  # doctest: +SKIP
PosixPath('reports/index.html')
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kinerja_research.reports.grid import Grid
from kinerja_research.reports.manifest import manifest_path, read_manifest

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem;color:#1f2328;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.ok{color:#1a7f37;font-weight:600}.failed{color:#cf222e;font-weight:600}.other{color:#9a6700;font-weight:600}
pre{white-space:pre-wrap;background:#f6f8fa;padding:.5rem;margin:.25rem 0;font-size:.8rem;max-height:12rem;overflow:auto}
.muted{color:#57606a;font-size:.85rem}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _link(out: Path, target: str | None, label: str) -> str:
    if not target or not Path(target).exists():
        return ""
    rel = os.path.relpath(Path(target).resolve(), out.resolve())
    return f'<a href="{_e(Path(rel).as_posix())}">{_e(label)}</a>'


def write_index(out_dir: str | Path, grid: Grid, *, run: Mapping[str, Any]) -> Path:
    """Write ``index.html`` in ``out_dir`` from the manifests of the grid's reports.

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
        The index file (written atomically).
    """
    out = Path(out_dir)
    rows, failures = [], []
    counts = {"ok": 0, "failed": 0, "other": 0}
    for spec in grid.reports:
        m = read_manifest(manifest_path(out, spec.name)) or {}
        status = m.get("status", "not rendered")
        cls = status if status in ("ok", "failed") else "other"
        counts[cls] += 1
        params = m.get("parameters") or spec.merged
        where = " ".join(str(params[k]) for k in ("region", "period") if params.get(k) is not None)
        outputs = m.get("outputs") or {}
        link = _link(out, outputs.get("html"), "HTML")
        nb = _link(out, outputs.get("ipynb"), "ipynb")
        dur = f"{m['duration_s']:.1f} s" if isinstance(m.get("duration_s"), int | float) else ""
        rubrics = ", ".join(f"{r['id']}{'' if r.get('verified') else ' (unverified)'}" for r in m.get("rubrics") or [])
        rows.append(
            f"<tr><td>{_e(m.get('title') or spec.title)}<div class='muted'>{_e(spec.name)}</div></td>"
            f"<td>{_e(where)}</td><td class='{cls}'>{_e(status)}</td><td>{_e(dur)}</td>"
            f"<td>{link} {nb}</td><td class='muted'>{_e(rubrics)}</td></tr>")
        if status == "failed":
            err = m.get("error") or {}
            cell = m.get("failing_cell") or {}
            cell_txt = (f"cell {cell.get('index')} (In [{cell.get('execution_count')}])" if cell else "")
            failures.append(
                f"<tr><td>{_e(spec.name)}</td><td>{_e(err.get('kind', ''))}</td>"
                f"<td><b>{_e(err.get('class', ''))}</b>: {_e(err.get('message', ''))}</td>"
                f"<td>{_e(cell_txt)}{'<pre>' + _e(cell.get('source', '')) + '</pre>' if cell.get('source') else ''}</td>"
                f"<td>{link}</td></tr>")
    versions = run.get("package_versions") or {}
    prov = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in run.items() if k != "package_versions")
    prov += "<tr><th>packages</th><td>" + _e(", ".join(f"{k} {v}" for k, v in versions.items())) + "</td></tr>"
    fail_html = ""
    if failures:
        fail_html = ("<h2 id='failures'>Gagal / Failed</h2><table><tr><th>report</th><th>kind</th><th>error</th>"
                     "<th>failing cell</th><th>output</th></tr>" + "".join(failures) + "</table>")
    page = f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Laporan / Reports — kinerja_research</title><style>{_CSS}</style></head>
<body>
<h1>Laporan / Reports</h1>
<p>{counts['ok']} ok · {counts['failed']} gagal/failed · {counts['other']} lainnya/other
 — {len(grid.reports)} laporan/reports in the grid.</p>
{fail_html}
<h2>Semua laporan / All reports</h2>
<table><tr><th>report</th><th>daerah/periode · region/period</th><th>status</th><th>durasi/duration</th>
<th>output</th><th>rubrics</th></tr>
{''.join(rows)}
</table>
<h2>Provenans / Provenance</h2>
<table>{prov}</table>
</body></html>
"""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    tmp = out / f".index.html.{os.getpid()}.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path
