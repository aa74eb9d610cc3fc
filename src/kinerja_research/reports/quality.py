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
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from kinerja_research.data.ingest import FileReport, IngestResult
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
    "reasons_note": {"id": "Alasan yang belum memiliki terjemahan dikutip dari pemeriksa data apa adanya "
                           "(bahasa Inggris); arahkan kursor ke alasan lain untuk melihat teks aslinya.",
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

#: Indonesian renderings of the readers' common rejection reasons, by kind: (kind, pattern of the
#: English reason, Indonesian text with the pattern's groups). The English original stays on the
#: page as the cell's tooltip, and a reason no pattern knows is quoted as given.
REASONS_ID: tuple[tuple[str, str, str], ...] = (
    ("nip_missing", r"NIP is missing", "NIP kosong"),
    ("nip_length", r"NIP must have exactly 18 digits \(has (\S+) characters\)",
     r"NIP harus tepat 18 digit (berisi \1 karakter)"),
    ("nip_numeric", r"Excel stored this NIP as a number and lost its last digits; export the column as text.*",
     "Excel menyimpan NIP ini sebagai angka dan digit terakhirnya hilang; ekspor kolom NIP sebagai teks "
     "(format kolom NIP sebagai Teks sebelum mengetik atau menempel, atau ekspor CSV dari sistem sumber)"),
    ("nip_zeros", r"([\d.,]+) NIPs in this file end in 000: Excel stored the column as a number and lost the "
     r"last digits; export the column as text",
     r"\1 NIP di berkas ini berakhir 000: Excel menyimpan kolom sebagai angka dan digit terakhirnya hilang; "
     "ekspor kolom sebagai teks"),
    ("nip_foreign_digits", r"NIP contains digits other than 0-9.*",
     "NIP memuat angka selain 0-9 (misalnya angka Arab atau lebar penuh); ketik ulang dengan angka 0-9"),
    ("nip_foreign_chars", r"NIP contains characters outside 0-9 and plain spaces.*",
     "NIP memuat karakter selain 0-9 dan spasi biasa; ketik ulang dengan angka 0-9"),
    ("nip_birth", r"birth date (\S+) is not a real date", r"tanggal lahir \1 bukan tanggal yang ada"),
    ("nip_appointment", r"appointment month (\S+) is not a real month", r"bulan pengangkatan \1 bukan bulan yang ada"),
    ("nip_young", r"appointment (\S+) is less than 18 years after birth.*",
     r"pengangkatan \1 kurang dari 18 tahun sesudah tanggal lahir"),
    ("nip_sex", r"sex digit \(15th\) must be 1 or 2, not (.*)", r"digit jenis kelamin (ke-15) harus 1 atau 2, bukan \1"),
    ("duplicate", r"duplicate key \((.*)\): every copy is rejected", r"kunci ganda (\1): semua salinannya ditolak"),
    ("required", r"is missing \(required\)", "kosong (wajib diisi)"),
    ("not_finite", r"(.*) is not a finite number", r"\1 bukan angka terhingga"),
    ("not_whole", r"(.*) is not a whole number", r"\1 bukan bilangan bulat"),
    ("too_large", r"(.*) is too large", r"\1 terlalu besar"),
    ("not_bool", r"(.*) is not yes/no \(ya/tidak, 1/0, true/false\)", r"\1 bukan ya/tidak (ya/tidak, 1/0, true/false)"),
    ("not_category", r"(.*) is not one of (.*)", r"\1 bukan salah satu dari \2"),
    ("below_min", r"is below the minimum (\S+)", r"di bawah minimum \1"),
    ("not_greater", r"must be greater than (\S+)", r"harus lebih besar dari \1"),
    ("above_max", r"is above the maximum (\S+)", r"di atas maksimum \1"),
)

#: Normalization kinds (the reader's codes) in readers' words.
NORMALIZATIONS: dict[str, tuple[str, str]] = {
    "spaces": ("spasi di awal/akhir dihapus", "surrounding spaces removed"),
    "formula": ("rumus teks Excel =\"…\" dibuka", "Excel text formula =\"…\" unwrapped"),
    "apostrophe": ("apostrof penanda teks Excel di depan dihapus", "leading apostrophe (Excel text marker) removed"),
    "grouped_spaces": ("bentuk resmi berspasi (8 6 1 3 digit) digabung", "official spaced form (8 6 1 3 digits) joined"),
    "grouped_dashes": ("bentuk bertanda pisah (8-6-1-3 digit) digabung", "dashed form (8-6-1-3 digits) joined"),
    "integer_text": ("teks bilangan bulat berakhiran '.0' dipulihkan", "exact integer text with a trailing '.0' recovered"),
    "integer_column": ("kolom bilangan bulat diubah menjadi teks", "whole-number column converted to text"),
    "decimal_comma": ("koma dibaca sebagai tanda desimal", "decimal comma read as the decimal mark"),
    "thousands_removed": ("pemisah ribuan dihapus", "thousands separators removed"),
}


#: The reader's description of a file's number format, phrase by phrase in Indonesian.
_FORMAT_ID: tuple[tuple[str, str], ...] = (
    (r"undetermined \(no value shows which mark is the decimal one\)",
     "belum dapat ditentukan (tidak ada nilai yang menunjukkan tanda desimalnya)"),
    (r"^decimal comma", "desimal koma"), (r"^decimal point", "desimal titik"),
    (r"(\S+) groups thousands", r"\1 pemisah ribuan"), (r"no thousands grouping", "tanpa pemisah ribuan"),
    (r"detected from values such as (.*)\)$", r"dikenali dari nilai seperti \1)"),
    (r"the file is (\S+)-delimited", r"berkas dipisah dengan \1"),
    (r"\(given\)$", "(ditentukan pengguna)"),
)


def format_text(described: str, lang: str = "id") -> str:
    """A file's number format (:meth:`NumberFormat.describe`) in ``lang``.

    Examples
    --------
    >>> format_text("decimal comma, '.' groups thousands (given)")
    "desimal koma, '.' pemisah ribuan (ditentukan pengguna)"
    """
    if lang != "id":
        return described
    out = described
    for pattern, text in _FORMAT_ID:
        out = re.sub(pattern, text, out)
    return out


def reason_kind(reason: str) -> str | None:
    """The kind of a reader's rejection reason (a key of :data:`REASONS_ID`), or None.

    Examples
    --------
    >>> reason_kind("NIP must have exactly 18 digits (has 17 characters)")
    'nip_length'
    """
    for kind, pattern, _ in REASONS_ID:
        if re.fullmatch(pattern, reason, flags=re.S):
            return kind
    return None


def reason_text(reason: str, lang: str = "id") -> str:
    """A rejection reason in ``lang``: Indonesian through :data:`REASONS_ID` (the English as
    given when no pattern knows it), English unchanged.

    Examples
    --------
    >>> reason_text("NIP must have exactly 18 digits (has 17 characters)")
    'NIP harus tepat 18 digit (berisi 17 karakter)'
    >>> reason_text("'x' is not one of pns, pppk", "id")
    "'x' bukan salah satu dari pns, pppk"
    """
    if lang != "id":
        return reason
    for _, pattern, text in REASONS_ID:
        m = re.fullmatch(pattern, reason, flags=re.S)
        if m:
            return m.expand(text)
    return reason


def _reason_cell(reason: str, lang: str) -> str:
    shown = reason_text(reason, lang)
    if shown == reason:
        return _e(reason)
    return f'<span title="{html.escape(reason)}">{_e(shown)}</span>'


def _norm_cell(kind: str, lang: str) -> str:
    names = NORMALIZATIONS.get(kind)
    return _e(names[0] if lang == "id" else names[1]) if names else f"<code>{_e(kind)}</code>"


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


def _table(headers: list[str], rows: list[list[str]], numeric: Collection[int] = frozenset()) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _listed(codes: Iterable[str], n: Callable[[int], str], limit: int = 20) -> str:
    listed = sorted(codes)
    more = " …" if len(listed) > limit else ""
    return n(len(listed)) + (": " + _e(", ".join(listed[:limit])) + more if listed else "")


def _message(f: FileReport, t: Callable[..., str]) -> str:
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
    reason_rows = [[f"<code>{_e(redact(f.path))}</code>", _e(r.column), _reason_cell(str(r.reason), lang),
                    n(int(r.rows))]
                   for f in result.files for r in f.reasons.itertuples(index=False)]
    parts.append(_table([t("file"), t("column"), t("reason"), t("rejected")], reason_rows, {3})
                 if reason_rows else f"<p>{t('reasons_none')}</p>")
    if reason_rows:
        parts.append("<p>" + t("rejects_at", dir=_e(result.interim_dir.as_posix())) + "</p>")
        if lang != "en" and any(reason_text(str(r.reason), lang) == str(r.reason)
                                for f in result.files for r in f.reasons.itertuples(index=False)):
            parts.append(f"<p>{t('reasons_note')}</p>")

    parts.append(f"<h2>{t('norm')}</h2>")
    norm_rows = [[f"<code>{_e(redact(f.path))}</code>", _norm_cell(k, lang), n(v)] for f in result.files
                 for k, v in sorted(f.normalizations.items())]
    parts.append(_table([t("file"), t("kind"), t("count")], norm_rows, {2}) if norm_rows
                 else f"<p>{t('norm_none')}</p>")
    formats = [[f"<code>{_e(redact(f.path))}</code>", _e(format_text(str(f.number_format), lang))]
               for f in result.files if f.number_format]
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


__all__ = ["NORMALIZATIONS", "REASONS_ID", "format_text", "quality_html", "reason_kind", "reason_text", "write_quality_page"]
