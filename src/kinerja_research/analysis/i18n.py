"""Bahasa Indonesia / English texts for notebooks and reports (the ``lang`` parameter)."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "synthetic_banner": {
        "id": "DATA SINTETIS — bukan data ASN sebenarnya; efek sebenarnya diketahui.",
        "en": "SYNTHETIC DATA — not real civil servants; the true effects are known.",
    },
    "coverage": {"id": "Cakupan data", "en": "Data coverage"},
    "quality": {"id": "Kualitas data", "en": "Data quality"},
    "distributions": {"id": "Sebaran", "en": "Distributions"},
    "year": {"id": "Tahun", "en": "Year"},
    "regions": {"id": "Daerah", "en": "Regions"},
    "units": {"id": "Unit kerja", "en": "Units"},
    "employees": {"id": "Pegawai", "en": "Employees"},
    "responses": {"id": "Responden SKM", "en": "SKM respondents"},
    "table": {"id": "Tabel", "en": "Table"},
    "rows": {"id": "Baris", "en": "Rows"},
    "column": {"id": "Kolom", "en": "Column"},
    "missing_share": {"id": "Proporsi kosong", "en": "Share missing"},
    "education_level": {"id": "Pendidikan", "en": "Education"},
    "position_type": {"id": "Jenis jabatan", "en": "Position type"},
    "share": {"id": "Proporsi", "en": "Share"},
    "ikm": {"id": "IKM (25–100)", "en": "IKM (25–100)"},
    "unit_years": {"id": "Unit-tahun", "en": "Unit-years"},
    "days_absent": {"id": "Hari tidak masuk tanpa keterangan", "en": "Unexcused days absent"},
    "estimate": {"id": "Estimasi", "en": "Estimate"},
    "truth": {"id": "Nilai sebenarnya", "en": "True value"},
}


def translate(key: str, lang: str = "id", **fmt: Any) -> str:
    """The text for ``key`` in ``lang``; unknown keys come back unchanged (never an error in a report)."""
    entry = TEXTS.get(key)
    text = entry.get(lang, entry.get("id", key)) if entry else key
    return text.format(**fmt) if fmt else text
