"""Benchmark: validated reading of 1-million-row employees exports.

* CSV read+validate (target >= 500,000 rows/s);
* XLSX read+validate with python-calamine (target >= 100,000 rows/s) and, on the same file, the
  openpyxl load the reader used before (``pandas.read_excel(engine="openpyxl")``, without any
  validation), whose time over ours must be >= 4.

The workbook is written the way Excel writes one (shared strings, numbers as numbers, a
``<dimension>``), directly as XML so that building it takes seconds, not minutes.

Each line gives rows/s on wall time (what the targets are about, on an idle 2-core machine)
and on process CPU time (comparable when the machine is shared), then PASS or FAIL. The files
are written before any timing starts.

Run: ``flock /tmp/kinerja-heavy.lock .venv/bin/python benchmarks/bench_read.py [n_rows]
[--no-openpyxl] [--strict]`` (``--strict``: exit status 1 when a target is missed).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
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
    """Result, wall seconds and process CPU seconds (all threads)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _report(what: str, n: int, wall: float, cpu: float, target: float) -> bool:
    """Print rows/s on wall time (the target) and on CPU time (comparable on a shared machine)."""
    rate, cpu_rate = n / wall, n / max(cpu, 1e-9)
    print(f"{what}: {rate:,.0f} rows/s wall ({wall:.2f} s), {cpu_rate:,.0f} rows/s on process "
          f"CPU ({cpu:.2f} s) — target >= {target:,.0f} rows/s wall: {_verdict(rate >= target)}",
          flush=True)
    return rate >= target


def _measure(path: str, warm: str, repeat: int) -> tuple[float, float, int, int]:
    """In a fresh process: best-of-``repeat`` (wall, CPU) of ``read``, after a small warm-up read.

    A fresh process per reader keeps one measurement from inheriting another's heap (after
    three 1M-row CSV reads in the same process, the workbook read took twice the CPU).
    """
    read(warm, "employees")  # imports and caches, on a small file of the same format
    runs = [_timed(lambda: read(path, "employees")) for _ in range(repeat)]
    res, wall, cpu = min(runs, key=lambda r: r[1])
    return wall, cpu, len(res.valid), res.n_rejected_rows


def _measure_openpyxl(path: str) -> tuple[float, float]:
    """In a fresh process too: the openpyxl load the reader used before, without validation."""
    _, wall, cpu = _timed(lambda: pd.read_excel(path, dtype=str, engine="openpyxl"))
    return wall, cpu


def _in_child(*args):
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as ex:
        return ex.submit(*args).result()


def main(n: int = 1_000_000, openpyxl: bool = True, repeat: int = 3) -> bool:
    """Run the benchmarks; ``True`` when every target is met."""
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} (targets are for an idle 2-core "
          "machine; with load above the CPU count, wall times overstate and the CPU-time rates "
          "are the better guide). Files are written before timing; only reading is timed, each "
          "reader in a fresh process.", flush=True)
    verdicts = []
    with tempfile.TemporaryDirectory() as d:
        df = make_frame(n)
        path, warm = Path(d) / "employees.csv", Path(d) / "warm.csv"
        df.to_csv(path, index=False)
        df.head(1000).to_csv(warm, index=False)
        xlsx, warm_x = Path(d) / "employees.xlsx", Path(d) / "warm.xlsx"
        write_xlsx(df, xlsx)
        write_xlsx(df.head(1000), warm_x)
        del df

        wall, cpu, n_valid, n_rej = _in_child(_measure, str(path), str(warm), repeat)
        print(f"CSV read+validate, {n:,} employee rows ({n_valid:,} valid, {n_rej:,} rejected), "
              f"best of {repeat}:")
        verdicts.append(_report("  CSV", n, wall, cpu, 500_000))

        x_repeat = max(1, repeat - 1)
        wall, cpu, n_valid, n_rej = _in_child(_measure, str(xlsx), str(warm_x), x_repeat)
        print(f"XLSX read+validate, {n:,} employee rows ({n_valid:,} valid, {n_rej:,} rejected), "
              f"best of {x_repeat}:")
        verdicts.append(_report("  XLSX", n, wall, cpu, 100_000))
        if openpyxl:
            wall_o, cpu_o = _in_child(_measure_openpyxl, str(xlsx))
            ratio, cpu_ratio = wall_o / wall, cpu_o / max(cpu, 1e-9)
            print(f"  openpyxl load alone (no validation), same file: {n / wall_o:,.0f} rows/s "
                  f"wall ({wall_o:.2f} s, CPU {cpu_o:.2f} s); ours is {ratio:.1f}x faster on "
                  f"wall time, {cpu_ratio:.1f}x on CPU — target >= 4x: {_verdict(ratio >= 4)}",
                  flush=True)
            verdicts.append(ratio >= 4)
    print("bench_read:", "all targets PASS" if all(verdicts) else "some targets FAIL", flush=True)
    return all(verdicts)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    ok = main(int(args[0]) if args else 1_000_000, openpyxl="--no-openpyxl" not in sys.argv)
    # a shared machine can miss wall-time targets for reasons outside the code: only
    # --strict turns a FAIL into a failing exit status
    sys.exit(0 if ok or "--strict" not in sys.argv else 1)
