"""The data-quality page of an ingested dataset (``reports/data_quality/<name>.html``).

One self-contained HTML page in one language (Indonesian by default) that tells the analyst what
to fix: rows read / valid / rejected per file and reason, normalizations applied, coverage by
region and period, missing periods and cross-table checks. It holds counts, headers, unit and
region codes only: no NIP, no name (reasons are redacted by the ingest step), and it is checked
with :func:`kinerja_research.reports.privacy.scan_text` before it is written.

>>> res = kr.data.ingest("exports/", "bkd_2024")  # doctest: +SKIP
>>> write_quality_page(res, "reports/data_quality/bkd_2024.html", lang="id")  # doctest: +SKIP
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from kinerja_research.data.ingest import IngestResult
from kinerja_research.data.rejects import redact
from kinerja_research.reports.privacy import scan_text

_T: dict[str, dict[str, str]] = {
    "title": {"id": "Kualitas data: {name}", "en": "Data quality: {name}"},
    "intro": {
        "id": "Hasil membaca folder ekspor <code>{src}</code> menjadi dataset <code>{name}</code> "
              "(dimuat dengan <code>dataset: {name}</code>). Sidik jari salt: <code>{fp}</code>.",
        "en": "Result of reading the export folder <code>{src}</code> into dataset <code>{name}</code> "
              "(load it with <code>dataset: {name}</code>). Salt fingerprint: <code>{fp}</code>.",
    },
    "verdict_ok": {"id": "Semua berkas terbaca.", "en": "Every file was read."},
    "verdict_bad": {
        "id": "{n} berkas tidak dapat dipakai sama sekali: datanya tidak masuk ke dataset. Perbaiki "
              "dan jalankan ulang.",
        "en": "{n} file(s) could not be used at all: their data are not in the dataset. Fix them and "
              "run again.",
    },
    "no_study": {"id": "Tidak ada dataset yang disimpan.", "en": "No dataset was stored."},
    "files": {"id": "Berkas", "en": "Files"},
    "file": {"id": "berkas", "en": "file"},
    "table": {"id": "tabel", "en": "table"},
    "how": {"id": "dikenali dari", "en": "recognised by"},
    "rows": {"id": "baris dibaca", "en": "rows read"},
    "valid": {"id": "valid", "en": "valid"},
    "rejected": {"id": "ditolak", "en": "rejected"},
    "status": {"id": "status", "en": "status"},
    "note": {"id": "keterangan", "en": "note"},
    "headers": {"id": "judul kolom", "en": "headers"},
    "mapping": {"id": "berkas pemetaan", "en": "mapping file"},
    "reasons": {"id": "Alasan penolakan", "en": "Why rows were rejected"},
    "reasons_none": {"id": "Tidak ada baris yang ditolak.", "en": "No row was rejected."},
    "column": {"id": "kolom", "en": "column"},
    "reason": {"id": "alasan", "en": "reason"},
    "rejects_at": {
        "id": "Baris yang ditolak, dengan nilai aslinya, ada di <code>{dir}</code>. Berkas itu berisi "
              "data pribadi (NIP): jangan dibagikan; hapus setelah ekspor diperbaiki.",
        "en": "The rejected rows, with their raw values, are in <code>{dir}</code>. Those files hold "
              "personal data (NIPs): do not share them; delete them once the exports are fixed.",
    },
    "norm": {"id": "Normalisasi yang diterapkan", "en": "Normalizations applied"},
    "norm_none": {"id": "Tidak ada nilai yang dinormalisasi.", "en": "No value was normalized."},
    "kind": {"id": "jenis", "en": "kind"},
    "count": {"id": "jumlah", "en": "count"},
    "tables": {"id": "Tabel yang disimpan", "en": "Tables stored"},
    "number_format": {"id": "format angka", "en": "number format"},
    "sheets": {"id": "Lembar kerja yang tidak dibaca", "en": "Sheets not read"},
    "sheet": {"id": "lembar", "en": "sheet"},
    "coverage": {"id": "Cakupan menurut wilayah dan periode", "en": "Coverage by region and period"},
    "coverage_note": {
        "id": "Jumlah baris per wilayah (lewat unit kerja) dan tahun. “?” = unit kerja tidak dikenal.",
        "en": "Rows per region (through the unit) and year. “?” = unit not known.",
    },
    "region": {"id": "kode wilayah", "en": "region code"},
    "region_label": {"id": "wilayah", "en": "region"},
    "missing": {"id": "Periode yang hilang", "en": "Missing periods"},
    "missing_none": {"id": "Tidak ada tahun atau wilayah yang hilang di tabel mana pun.",
                     "en": "No year or region is missing from any table."},
    "span": {"id": "rentang", "en": "span"},
    "years_missing": {"id": "tahun tanpa data", "en": "years without data"},
    "regions_gaps": {"id": "wilayah yang kehilangan sebagian tahun", "en": "regions lacking some years"},
    "regions_absent": {"id": "wilayah tanpa data sama sekali", "en": "regions with no rows at all"},
    "checks": {"id": "Pemeriksaan antartabel", "en": "Cross-table checks"},
    "check": {"id": "pemeriksaan", "en": "check"},
    "result": {"id": "hasil", "en": "result"},
    "examples": {"id": "contoh kode", "en": "example codes"},
    "check_row": {"id": "baris {table} dengan {column} yang tidak ada di {ref}",
                  "en": "{table} rows whose {column} is not in {ref}"},
    "not_checked": {"id": "tidak diperiksa: tidak ada berkas {ref}", "en": "not checked: no {ref} file"},
    "check_ok": {"id": "semua dikenal", "en": "all known"},
    "check_bad": {"id": "{rows} baris, {keys} kode", "en": "{rows} rows, {keys} codes"},
    "msg_unsupported": {
        "id": "format {suffix} bukan CSV, XLSX atau Parquet; ubah formatnya, atau tandai <code>ignore</code> "
              "di <code>kinerja_ingest.yml</code>.",
        "en": "{suffix} is not CSV, XLSX or Parquet; convert it, or mark it <code>ignore</code> in "
              "<code>kinerja_ingest.yml</code>.",
    },
    "msg_closest": {
        "id": "judul kolomnya tidak cocok dengan tabel mana pun. Paling dekat: {closest}, yang tidak "
              "memiliki kolom {missing}. Ganti judul kolom, atau sebutkan tabelnya di "
              "<code>kinerja_ingest.yml</code>.",
        "en": "its headers match no table. Closest: {closest}, which lacks {missing}. Rename the "
              "headers, or name the table in <code>kinerja_ingest.yml</code>.",
    },
    "msg_none": {
        "id": "judul kolomnya tidak cocok dengan tabel mana pun; sebutkan tabelnya di "
              "<code>kinerja_ingest.yml</code>.",
        "en": "its headers match no table; name the table in <code>kinerja_ingest.yml</code>.",
    },
    "msg_tied": {
        "id": "judul kolomnya cocok dengan beberapa tabel ({tied}); sebutkan tabelnya di "
              "<code>kinerja_ingest.yml</code>.",
        "en": "its headers fit several tables ({tied}); name the table in <code>kinerja_ingest.yml</code>.",
    },
    "msg_ignored": {"id": "ditandai ignore di berkas pemetaan", "en": "marked ignore in the mapping file"},
    "msg_skipped": {"id": "berkas tersembunyi atau berkas kunci Excel", "en": "hidden or Excel lock file"},
    "reasons_note": {"id": "Alasan dikutip dari pemeriksa data apa adanya (bahasa Inggris).",
                     "en": ""},
    "reader_note": {
        "id": "Pesan pembaca berkas (berstatus GAGAL) dikutip apa adanya dalam bahasa Inggris.",
        "en": "Messages of the file reader (status FAILED) are quoted as given.",
    },
    "st_read": {"id": "terbaca", "en": "read"},
    "st_rejected rows": {"id": "sebagian ditolak", "en": "some rows rejected"},
    "st_failed": {"id": "GAGAL", "en": "FAILED"},
    "st_unrecognised": {"id": "TIDAK DIKENALI", "en": "NOT RECOGNISED"},
    "st_unsupported": {"id": "FORMAT TIDAK DIDUKUNG", "en": "UNSUPPORTED FORMAT"},
    "st_ignored": {"id": "diabaikan (pemetaan)", "en": "ignored (mapping)"},
    "st_skipped": {"id": "dilewati (berkas tersembunyi)", "en": "skipped (hidden file)"},
}

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.25rem .5rem}
th{background:#f3f3f3;text-align:left}td.n{text-align:right}.bad{color:#b00020;font-weight:600}
.ok{color:#1b5e20}code{background:#f6f6f6;padding:0 .2rem}
"""


def _t(key: str, lang: str, **fmt: object) -> str:
    text = _T[key][lang]
    return text.format(**fmt) if fmt else text


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _listed(codes: object, n: object, limit: int = 20) -> str:
    codes = sorted(codes)
    more = " …" if len(codes) > limit else ""
    return n(len(codes)) + (": " + _e(", ".join(codes[:limit])) + more if codes else "")


def _message(f: object, t: object) -> str:
    d = f.details
    if f.status == "unsupported":
        return t("msg_unsupported", suffix=_e(d.get("suffix") or "—"))
    if f.status == "unrecognised":
        if d.get("tied"):
            return t("msg_tied", tied=_e(", ".join(d["tied"])))
        if d.get("closest"):
            return t("msg_closest", closest=_e(d["closest"]), missing=_e(", ".join(d.get("missing", []))))
        return t("msg_none")
    if f.status in ("ignored", "skipped"):
        return t(f"msg_{f.status}")
    return _e(f.message)


def quality_html(result: IngestResult, *, lang: str = "id") -> str:
    """The data-quality page as HTML text.

    Parameters
    ----------
    result
        What :func:`kinerja_research.data.ingest` returned.
    lang
        ``"id"`` (Bahasa Indonesia) or ``"en"``.

    Examples
    --------
    >>> quality_html(res, lang="en")[:15]  # doctest: +SKIP
    '<!DOCTYPE html>'
    """
    if lang not in ("id", "en"):
        raise ValueError(f"lang must be 'id' or 'en', not {lang!r}")
    n = _n if lang == "id" else (lambda v: f"{v:,}")
    t = lambda key, **fmt: _t(key, lang, **fmt)  # noqa: E731
    parts = [f"<h1>{_e(t('title', name=result.name))}</h1>",
             "<p>" + t("intro", src=_e(result.source_dir.name), name=_e(result.name),
                       fp=_e(result.salt_fingerprint)) + "</p>"]
    failed = result.failed
    parts.append(f'<p class="bad">{t("verdict_bad", n=len(failed))}</p>' if failed
                 else f'<p class="ok">{t("verdict_ok")}</p>')
    if result.study_dir is None:
        parts.append(f'<p class="bad">{t("no_study")}</p>')

    parts.append(f"<h2>{t('files')}</h2>")
    rows = []
    quoted = False
    for f in result.files:
        note = _message(f, t)
        quoted |= f.status == "failed" and lang != "en"
        status = t(f"st_{f.status}")
        cls = "bad" if f.failed else ""
        rows.append([
            f"<code>{_e(redact(f.path))}</code>", _e(f.table or "—"), t(f.how) if f.how else "—",
            n(f.n_rows), n(f.n_valid), n(f.n_rejected),
            f'<span class="{cls}">{status}</span>', note,
        ])
    parts.append(_table([t("file"), t("table"), t("how"), t("rows"), t("valid"), t("rejected"),
                         t("status"), t("note")], rows, {3, 4, 5}))
    if quoted:
        parts.append(f"<p>{t('reader_note')}</p>")

    parts.append(f"<h2>{t('reasons')}</h2>")
    reason_rows = [[f"<code>{_e(redact(f.path))}</code>", _e(r.column), _e(r.reason), n(int(r.rows))]
                   for f in result.files for r in f.reasons.itertuples(index=False)]
    parts.append(_table([t("file"), t("column"), t("reason"), t("rejected")], reason_rows, {3})
                 if reason_rows else f"<p>{t('reasons_none')}</p>")
    if reason_rows:
        parts.append("<p>" + t("rejects_at", dir=_e(result.interim_dir.as_posix())) + "</p>")
        if lang != "en":
            parts.append(f"<p>{t('reasons_note')}</p>")

    parts.append(f"<h2>{t('norm')}</h2>")
    norm_rows = [[f"<code>{_e(redact(f.path))}</code>", _e(k), n(v)] for f in result.files
                 for k, v in sorted(f.normalizations.items())]
    parts.append(_table([t("file"), t("kind"), t("count")], norm_rows, {2}) if norm_rows
                 else f"<p>{t('norm_none')}</p>")
    formats = [[f"<code>{_e(redact(f.path))}</code>", _e(f.number_format)] for f in result.files if f.number_format]
    if formats:
        parts.append(f"<h3>{t('number_format')}</h3>")
        parts.append(_table([t("file"), t("number_format")], formats))
    sheets = [[f"<code>{_e(redact(f.path))}</code>", _e(sh), _e(st)] for f in result.files
              for sh, st in f.sheets_not_read]
    if sheets:
        parts.append(f"<h3>{t('sheets')}</h3>")
        parts.append(_table([t("file"), t("sheet"), t("note")], sheets))

    parts.append(f"<h2>{t('tables')}</h2>")
    parts.append(_table([t("table"), t("valid")], [[_e(k), n(v)] for k, v in result.rows.items()], {1}))

    parts.append(f"<h2>{t('coverage')}</h2><p>{t('coverage_note')}</p>")
    for table, cov in result.coverage.groupby("table", sort=False):
        wide = cov.pivot_table(index="region_id", columns="period", values="rows", aggfunc="sum",
                               fill_value=0, observed=True)
        years = [int(y) for y in wide.columns]
        body = [[_e(r), _e(result.region_names.get(str(r), "")), *[n(int(v)) for v in wide.loc[r]]]
                for r in wide.index]
        parts.append(f"<h3>{_e(table)}</h3>")
        parts.append(_table([t("region"), t("region_label"), *map(str, years)], body,
                            set(range(2, 2 + len(years)))))

    parts.append(f"<h2>{t('missing')}</h2>")
    miss_rows = []
    for table, years in result.missing_periods.items():
        cov = result.coverage[result.coverage["table"] == table]["period"].dropna().astype(int)
        gaps = result.region_gaps.get(table, {})
        absent = result.regions_without_rows.get(table, [])
        miss_rows.append([_e(table), f"{cov.min()}–{cov.max()}", _e(", ".join(map(str, years)) or "—"),
                          _listed(gaps, n), _listed(absent, n)])
    if any(r[2] != "—" or r[3] != "0" or r[4] != "0" for r in miss_rows):
        parts.append(_table([t("table"), t("span"), t("years_missing"), t("regions_gaps"),
                             t("regions_absent")], miss_rows))
    else:
        parts.append(f"<p>{t('missing_none')}</p>")

    parts.append(f"<h2>{t('checks')}</h2>")
    check_rows = []
    for c in result.checks:
        label = t("check_row", table=c.table, column=c.column, ref=c.reference)
        if not c.checked:
            res, cls = t("not_checked", ref=c.reference), ""
        elif c.n_rows:
            res, cls = t("check_bad", rows=n(c.n_rows), keys=n(c.n_keys)), "bad"
        else:
            res, cls = t("check_ok"), "ok"
        check_rows.append([_e(label), f'<span class="{cls}">{res}</span>', _e(", ".join(c.examples))])
    parts.append(_table([t("check"), t("result"), t("examples")], check_rows))

    title = _e(t("title", name=result.name))
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def write_quality_page(result: IngestResult, path: str | Path, *, lang: str = "id") -> Path:
    """Write the data-quality page, refusing to write one the privacy scan objects to.

    Raises
    ------
    ValueError
        If the page would show something NIP-like or a name column (never expected: every value
        on it is a count, a header, a code or a redacted reason).
    """
    text = quality_html(result, lang=lang)
    findings = scan_text(text)
    if findings:
        raise ValueError("data-quality page withheld by the privacy scan: " + "; ".join(map(str, findings)))
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, p)
    return p


__all__ = ["quality_html", "write_quality_page"]
