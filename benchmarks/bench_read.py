"""Benchmark: validated reading of 1-million-row employees exports.

* CSV read+validate (target >= 500,000 rows/s);
* XLSX read+validate with python-calamine (target >= 100,000 rows/s) and, on the same file, the
  openpyxl load the reader used before (``pandas.read_excel(engine="openpyxl")``, without any
  validation), whose time over ours must be >= 4.

The workbook is written the way Excel writes one (shared strings, numbers as numbers, a
``<dimension>``), directly as XML so that building it takes seconds, not minutes.

Run: ``flock /tmp/kinerja-heavy.lock .venv/bin/python benchmarks/bench_read.py [n_rows] [--no-openpyxl]``
"""

from __future__ import annotations

import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from kinerja_research.data import read


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    year = rng.integers(1960, 2000, n)
    birth = pd.to_datetime(pd.DataFrame({"year": year, "month": rng.integers(1, 13, n), "day": rng.integers(1, 29, n)}))
    appt_y = year + rng.integers(19, 35, n)
    nip = (birth.dt.strftime("%Y%m%d") + pd.Series(appt_y).astype(str)
           + pd.Series(rng.integers(1, 13, n)).map("{:02d}".format)
           + pd.Series(rng.integers(1, 3, n)).astype(str)
           + pd.Series(np.arange(n) % 1000).map("{:03d}".format))
    df = pd.DataFrame({
        "NIP": nip, "Periode": 2024, "Unit Kerja": "U" + pd.Series(rng.integers(0, 30_000, n)).astype(str),
        "Jenis Jabatan": rng.choice(["pelaksana", "fungsional", "pengawas", "administrator", "jpt"], n),
        "Pendidikan Terakhir": rng.choice(["S1", "SLTA", "D-III", "S2", "S3", "SLTP"], n),
        "leadership_training": rng.choice(["ya", "tidak"], n),
        "technical_training_hours": rng.integers(0, 60, n),
        "seminar": rng.choice(["ya", "tidak"], n),
        "Nilai SKP": np.round(rng.uniform(60, 100, n), 2),
        "days_absent": rng.poisson(1, n),
        "jpm": np.round(rng.uniform(50, 100, n), 1),
    })
    df.loc[rng.choice(n, n // 200, replace=False), "Nilai SKP"] = 150  # 0.5% bad rows
    return df


def make_csv(path: Path, n: int, seed: int = 0) -> None:
    make_frame(n, seed).to_csv(path, index=False)


def _letter(j: int) -> str:
    s, j = "", j + 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"


def write_xlsx(df: pd.DataFrame, path: Path, sheet: str = "Pegawai") -> None:
    """An .xlsx as Excel writes it: text in the shared-strings table, numbers as numbers."""
    n = len(df)
    rows = pd.Series(np.arange(2, n + 2)).astype(str)
    sst: list[str] = [str(c) for c in df.columns]
    body = '<row r="' + rows + '">'
    for j, c in enumerate(df.columns):
        s, ref = df[c], '<c r="' + _letter(j) + rows
        if pd.api.types.is_numeric_dtype(s):
            body = body + ref + '"><v>' + s.astype(str) + "</v></c>"
        else:
            codes, uniques = pd.factorize(s.astype(str))
            base = len(sst)
            sst.extend(uniques)
            body = body + ref + '" t="s"><v>' + pd.Series(codes + base).astype(str) + "</v></c>"
    body = body + "</row>"
    header = '<row r="1">' + "".join(f'<c r="{_letter(j)}1" t="s"><v>{j}</v></c>' for j in range(df.shape[1])) + "</row>"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PKG}/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} xmlns:r="{_REL}"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="{len(sst)}" uniqueCount="{len(sst)}">'
                   + "".join("<si><t>" + escape(x) + "</t></si>" for x in sst) + "</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><dimension ref="A1:{_letter(df.shape[1] - 1)}{n + 1}"/><sheetData>'.encode())
            f.write(header.encode())
            for k in range(0, n, 100_000):
                f.write("".join(body.iloc[k:k + 100_000]).encode())
            f.write(b"</sheetData></worksheet>")


def _timed(fn):
    """Result, wall seconds; prints the CPU seconds too, since the machine may be shared."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  (wall {wall:.2f} s, process CPU {cpu:.2f} s)", flush=True)
    return out, wall


def main(n: int = 1_000_000, openpyxl: bool = True) -> None:
    with tempfile.TemporaryDirectory() as d:
        df = make_frame(n)
        path = Path(d) / "employees.csv"
        df.to_csv(path, index=False)
        read(path, "employees")  # warm imports and caches
        res, dt = _timed(lambda: read(path, "employees"))
        rate = n / dt
        print(f"read+validate {n:,}-row employees CSV: {dt:.2f} s, {rate:,.0f} rows/s "
              f"(target >= 500,000 rows/s, ratio {rate / 500_000:.2f}x); "
              f"{len(res.valid):,} valid, {res.n_rejected_rows:,} rejected", flush=True)

        xlsx = Path(d) / "employees.xlsx"
        write_xlsx(df, xlsx)
        del df
        res, dt = _timed(lambda: read(xlsx, "employees"))
        rate = n / dt
        print(f"read+validate {n:,}-row employees XLSX (calamine): {dt:.2f} s, {rate:,.0f} rows/s "
              f"(target >= 100,000 rows/s, ratio {rate / 100_000:.2f}x); "
              f"{len(res.valid):,} valid, {res.n_rejected_rows:,} rejected", flush=True)
        del res
        if openpyxl:
            _, dt_o = _timed(lambda: pd.read_excel(xlsx, dtype=str, engine="openpyxl"))
            print(f"openpyxl load alone (no validation), same file: {dt_o:.2f} s, "
                  f"{n / dt_o:,.0f} rows/s; calamine read+validate is {dt_o / dt:.1f}x faster "
                  "(target >= 4x)", flush=True)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 1_000_000, openpyxl="--no-openpyxl" not in sys.argv)
