"""Bahasa Indonesia / English texts and number formats for notebooks and reports (``lang``).

>>> translate("estimate", "id"), number(1234.5, "id", 1), number(1234.5, "en", 1)
('Estimasi', '1.234,5', '1,234.5')
"""

from __future__ import annotations

import math
from typing import Any

LANGS = ("id", "en")

#: Shown for a missing value in tables and text (never NaN/None).
MISSING = "–"

TEXTS: dict[str, dict[str, str]] = {
    "synthetic_banner": {
        "id": "DATA SINTETIS — bukan data ASN sebenarnya",
        "en": "SYNTHETIC DATA — not real civil servants",
    },
    "yes": {"id": "ya", "en": "yes"},
    "no": {"id": "tidak", "en": "no"},
    "missing_note": {"id": "– : tidak tersedia", "en": "– : not available"},
    "coverage": {"id": "Cakupan data", "en": "Data coverage"},
    "quality": {"id": "Kualitas data", "en": "Data quality"},
    "distributions": {"id": "Sebaran", "en": "Distributions"},
    "year": {"id": "Tahun", "en": "Year"},
    "period": {"id": "Tahun", "en": "Year"},
    "regions": {"id": "Daerah", "en": "Regions"},
    "region": {"id": "Daerah", "en": "Region"},
    "region_id": {"id": "Kode daerah", "en": "Region code"},
    "units": {"id": "Unit kerja", "en": "Units"},
    "unit": {"id": "Unit", "en": "Unit"},
    "unit_id": {"id": "Kode unit", "en": "Unit code"},
    "units_with_staff": {"id": "Unit berpegawai", "en": "Units with staff"},
    "service_units": {"id": "Unit layanan", "en": "Service units"},
    "employees": {"id": "Pegawai", "en": "Employees"},
    "responses": {"id": "Responden SKM", "en": "SKM respondents"},
    "table": {"id": "Tabel", "en": "Table"},
    "rows": {"id": "Baris", "en": "Rows"},
    "column": {"id": "Kolom", "en": "Column"},
    "missing_share": {"id": "Proporsi kosong", "en": "Share missing"},
    "education_level": {"id": "Pendidikan", "en": "Education"},
    "position_type": {"id": "Jenis jabatan", "en": "Position type"},
    "sector": {"id": "Sektor", "en": "Sector"},
    "merit_exposure": {"id": "Tahun sistem merit", "en": "Years of merit system"},
    "share": {"id": "Proporsi", "en": "Share"},
    "ikm": {"id": "IKM (25–100)", "en": "IKM (25–100)"},
    "ip_asn": {"id": "IP ASN (0–100)", "en": "IP ASN (0–100)"},
    "kualifikasi": {"id": "Kualifikasi", "en": "Qualification"},
    "kompetensi": {"id": "Kompetensi", "en": "Competence"},
    "kinerja": {"id": "Kinerja", "en": "Performance"},
    "disiplin": {"id": "Disiplin", "en": "Discipline"},
    "category": {"id": "Kategori", "en": "Category"},
    "mutu": {"id": "Mutu", "en": "Grade"},
    "n": {"id": "Jumlah", "en": "Count"},
    "n_scored": {"id": "Jumlah berskor", "en": "Scored"},
    "mean": {"id": "Rata-rata", "en": "Mean"},
    "std": {"id": "Simpangan baku", "en": "Std. dev."},
    "min": {"id": "Minimum", "en": "Minimum"},
    "max": {"id": "Maksimum", "en": "Maximum"},
    "median": {"id": "Median", "en": "Median"},
    "unit_years": {"id": "Unit-tahun", "en": "Unit-years"},
    "days_absent": {"id": "Hari tidak masuk tanpa keterangan", "en": "Unexcused days absent"},
    "estimand": {"id": "Estimand", "en": "Estimand"},
    "term": {"id": "Suku", "en": "Term"},
    "estimate": {"id": "Estimasi", "en": "Estimate"},
    "std_error": {"id": "Galat baku", "en": "Std. error"},
    "statistic": {"id": "Statistik", "en": "Statistic"},
    "p_value": {"id": "Nilai p", "en": "p-value"},
    "conf_low": {"id": "IK 95% bawah", "en": "95% CI low"},
    "conf_high": {"id": "IK 95% atas", "en": "95% CI high"},
    "truth": {"id": "Nilai sebenarnya", "en": "True value"},
    "bias": {"id": "Bias", "en": "Bias"},
    "covers_truth": {"id": "IK memuat nilai sebenarnya", "en": "CI covers truth"},
    "estimator": {"id": "Penduga", "en": "Estimator"},
    "variance": {"id": "Varians", "en": "Variance"},
    "e": {"id": "Tahun sejak adopsi", "en": "Years since adoption"},
    "weight": {"id": "Bobot", "en": "Weight"},
    "sample_required": {"id": "Sampel minimum", "en": "Minimum sample"},
    "below_sample_size": {"id": "Di bawah minimum", "en": "Below minimum"},
    "population": {"id": "Populasi pengguna", "en": "Service users"},
    "share_below": {"id": "Proporsi unit di bawah minimum", "en": "Share of units below the minimum"},
    "alpha": {"id": "Alpha Cronbach", "en": "Cronbach's alpha"},
    "side": {"id": "Sisi", "en": "Side"},
    "ratio": {"id": "Rasio MSPE pasca/pra", "en": "Post/pre MSPE ratio"},
    "pre_mspe": {"id": "MSPE pra", "en": "Pre MSPE"},
    "post_mspe": {"id": "MSPE pasca", "en": "Post MSPE"},
    "treated": {"id": "Daerah perlakuan", "en": "Treated region"},
    "treatment": {"id": "Perlakuan", "en": "Treatment"},
    "outcome": {"id": "Hasil", "en": "Outcome"},
    "count": {"id": "Jumlah", "en": "Count"},
    "variable": {"id": "Variabel", "en": "Variable"},
    "smd_raw": {"id": "SMD sebelum", "en": "SMD before"},
    "smd_weighted": {"id": "SMD sesudah", "en": "SMD after"},
    "level": {"id": "Tingkat", "en": "Level"},
    "component": {"id": "Komponen", "en": "Component"},
    "value": {"id": "Nilai", "en": "Value"},
    "merit_score": {"id": "Indeks sistem merit", "en": "Merit-system index"},
    "sakip_score": {"id": "Nilai SAKIP", "en": "SAKIP score"},
    "ombudsman_score": {"id": "Nilai kepatuhan Ombudsman", "en": "Ombudsman compliance score"},
    "jpm_mean": {"id": "Rata-rata JPM", "en": "Mean JPM"},
    # values shown in tables (model terms, variance levels, table names of the data contract)
    "Intercept": {"id": "Konstanta", "en": "Intercept"},
    "jpm": {"id": "JPM", "en": "JPM"},
    "residual": {"id": "Antar pegawai (sisa)", "en": "Between employees (residual)"},
    "k": {"id": "Jumlah butir", "en": "Items"},
    "(all)": {"id": "(semua kolom)", "en": "(all columns)"},
    "skm_responses": {"id": "Kuesioner SKM", "en": "SKM questionnaires"},
    "unit_performance": {"id": "Capaian kinerja unit", "en": "Unit performance"},
    "institution_assessments": {"id": "Penilaian instansi", "en": "Institution assessments"},
    "policies": {"id": "Kebijakan", "en": "Policies"},
}


#: English glosses of official Indonesian category labels. English pages keep the official label
#: (it is what the regulation and the BKD use) and explain it once, e.g. "Sangat Rendah (very low)".
CATEGORY_GLOSS: dict[str, str] = {
    "sangat rendah": "very low", "rendah": "low", "sedang": "moderate", "tinggi": "high",
    "sangat tinggi": "very high", "sangat baik": "very good", "baik": "good", "cukup": "fair",
    "cukup baik": "fairly good", "kurang": "poor", "kurang baik": "poor", "sangat kurang": "very poor",
    "tidak baik": "not good", "buruk": "bad", "memuaskan": "satisfactory",
    "sangat memuaskan": "very satisfactory", "optimal": "optimal", "cukup optimal": "fairly optimal",
    "kurang optimal": "below optimal", "hijau": "green, high compliance", "kuning": "yellow, moderate compliance",
    "merah": "red, low compliance", "kepatuhan tinggi": "high compliance",
    "kepatuhan sedang": "moderate compliance", "kepatuhan rendah": "low compliance",
}


#: Readers' names of the data contract's category codes: {column: {code: (id, en)}}.
CODES: dict[str, dict[str, tuple[str, str]]] = {
    "sector": {
        "pendidikan": ("pendidikan", "education"), "kesehatan": ("kesehatan", "health"),
        "kependudukan": ("kependudukan", "civil registration"), "perizinan": ("perizinan", "licensing"),
        "pekerjaan_umum": ("pekerjaan umum", "public works"), "sosial": ("sosial", "social affairs"),
        "perhubungan": ("perhubungan", "transport"), "lingkungan": ("lingkungan hidup", "environment"),
        "kecamatan": ("kecamatan", "sub-district office"), "keuangan": ("keuangan", "finance"),
        "perencanaan": ("perencanaan", "planning"), "kepegawaian": ("kepegawaian", "civil-service management"),
        "inspektorat": ("inspektorat", "inspectorate"), "sekretariat": ("sekretariat", "secretariat"),
        "lainnya": ("lainnya", "other"),
    },
    "position_type": {
        "jpt": ("pimpinan tinggi (JPT)", "senior executive (JPT)"),
        "administrator": ("administrator", "administrator"), "pengawas": ("pengawas", "supervisor"),
        "fungsional": ("fungsional", "functional"), "pelaksana": ("pelaksana", "clerical"),
    },
    "education_level": {
        "s3": ("S3", "doctorate"), "s2": ("S2", "master's"), "s1_d4": ("S1/D4", "bachelor's/D4"),
        "d3": ("D3", "diploma (D3)"), "d1_d2_slta": ("D1/D2/SLTA", "D1/D2/upper secondary"),
        "sltp": ("SLTP ke bawah", "lower secondary or less"),
    },
}


def code_label(column: str, code: object, lang: str = "id") -> str:
    """A category code of the data contract as readers of ``lang`` name it (the code itself
    when it is not catalogued).

    Examples
    --------
    >>> code_label("sector", "pekerjaan_umum", "en"), code_label("education_level", "s1_d4", "id")
    ('public works', 'S1/D4')
    """
    names = CODES.get(column, {}).get(str(code))
    return (names[0] if lang == "id" else names[1]) if names else str(code).replace("_", " ")


def gloss(label: object, lang: str = "id") -> str:
    """An official category label as a reader of ``lang`` needs it: unchanged in Indonesian; in
    English with its meaning in brackets when the label is Indonesian words.

    Examples
    --------
    >>> gloss("Sangat Rendah", "en"), gloss("Sangat Rendah", "id"), gloss("B", "en")
    ('Sangat Rendah (very low)', 'Sangat Rendah', 'B')
    """
    text = str(label)
    meaning = CATEGORY_GLOSS.get(text.strip().lower()) if lang == "en" else None
    return f"{text} ({meaning})" if meaning and meaning != text.strip().lower() else text


def glossary(labels: object, lang: str = "id") -> str:
    """One sentence explaining the Indonesian category labels among ``labels`` (English pages
    only; empty otherwise or when none needs it).

    Examples
    --------
    >>> glossary(["Rendah", "B", "Rendah", "Sedang"], "en")
    'Official Indonesian categories: Rendah = low; Sedang = moderate'
    """
    if lang != "en":
        return ""
    seen: dict[str, str] = {}
    for v in labels if isinstance(labels, list | tuple) else list(labels):  # type: ignore[call-overload]
        if isinstance(v, str):
            m = CATEGORY_GLOSS.get(v.strip().lower())
            if m and m != v.strip().lower():
                seen.setdefault(v, m)
    return ("Official Indonesian categories: " + "; ".join(f"{k} = {m}" for k, m in seen.items())) if seen else ""


def translate(key: str, lang: str = "id", **fmt: Any) -> str:
    """The text for ``key`` in ``lang``; unknown keys come back unchanged (never an error in a report)."""
    entry = TEXTS.get(key)
    text = entry.get(lang, entry.get("id", key)) if entry else key
    return text.format(**fmt) if fmt else text


def number(x: Any, lang: str = "id", digits: int = 2) -> str:
    """``x`` with ``digits`` decimals in the language's format (id: ``1.234,56``; en: ``1,234.56``);
    :data:`MISSING` for a missing value.

    Examples
    --------
    >>> number(-0.5, "id"), number(None, "en"), number(12000, "id", 0)
    ('-0,50', '–', '12.000')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return MISSING
    s = f"{v:,.{digits}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0:
        s = s[1:]  # no "-0,00"
    return s.replace(",", "_").replace(".", ",").replace("_", ".") if lang == "id" else s


def p_value(p: Any, lang: str = "id") -> str:
    """A p-value for readers: ``< 0,001`` below 0.001, else three decimals.

    Examples
    --------
    >>> p_value(0.0, "id"), p_value(0.0432, "en")
    ('< 0,001', '0.043')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return MISSING
    return f"< {number(0.001, lang, 3)}" if float(p) < 0.001 else number(p, lang, 3)
