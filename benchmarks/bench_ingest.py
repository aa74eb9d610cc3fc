"""Benchmark: ``kinerja ingest`` of a national-size folder of exports (targets ≤ 120 s, ≤ 8 GiB).

The folder is built from ``simulate("national")`` (about 4.3 million employees) the way exports
arrive: employees as a CSV with Indonesian headers and ``;`` separators, SKM responses as Parquet,
the other tables as CSV, the assessments as an XLSX workbook. It is kept in ``.bench/ingest-<preset>``
so a second run measures only the ingest. The ingest runs as the real command in a child process;
its wall time and peak resident memory are reported.

Run: ``flock /tmp/kinerja-heavy.lock .venv/bin/python benchmarks/bench_ingest.py [preset]``
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 120.0
TARGET_GIB = 8.0
_EMPLOYEE_HEADERS = {"nip": "NIP", "period": "Periode", "unit_id": "Unit Kerja",
                     "position_type": "Jenis Jabatan", "education_level": "Pendidikan Terakhir",
                     "skp_value": "Nilai SKP"}


def build_exports(folder: Path, preset: str) -> dict[str, int]:
    """Write the synthetic world ``preset`` as a folder of exports; return rows per table."""
    import kinerja_research as kr

    study = kr.simulate(preset, 0)
    folder.mkdir(parents=True, exist_ok=True)
    emp = study.employees.rename(columns=_EMPLOYEE_HEADERS)
    emp.to_csv(folder / "pegawai.csv", index=False, sep=";")
    study.skm_responses.to_parquet(folder / "skm.parquet", index=False)
    study.regions.to_csv(folder / "wilayah.csv", index=False)
    study.units.to_csv(folder / "unit_kerja.csv", index=False)
    study.unit_performance.to_csv(folder / "kinerja_unit.csv", index=False)
    study.policies.to_csv(folder / "kebijakan.csv", index=False)
    study.institution_assessments.to_excel(folder / "penilaian.xlsx", index=False)
    return {name: len(df) for name, df in study.tables().items()}


def main(preset: str = "national") -> None:
    cache = ROOT / ".bench" / f"ingest-{preset}"
    exports = cache / "exports"
    if not (exports / "pegawai.csv").exists():
        t0 = time.perf_counter()
        rows = build_exports(exports, preset)
        print(f"built exports of '{preset}' in {time.perf_counter() - t0:.0f} s: "
              + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    size = sum(p.stat().st_size for p in exports.iterdir()) / 2**20
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        env.setdefault("KINERJA_SALT", "bench-salt-not-secret-0123456789abcdef")
        cmd = [sys.executable, "-m", "kinerja_research.cli", "ingest", str(exports), "--name", "bench"]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_gib = usage.ru_maxrss / 2**20  # KiB on Linux
        cpu = usage.ru_utime + usage.ru_stime  # wall time depends on what else the machine runs
        if done.returncode != 0:
            print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
            raise SystemExit(f"kinerja ingest failed (exit {done.returncode})")
        stored = sum(p.stat().st_size for p in (Path(work) / "data" / "processed" / "bench").glob("*.parquet"))
    print(f"kinerja ingest of a '{preset}' folder ({size:,.0f} MiB of exports): {wall:.1f} s "
          f"(target <= {TARGET_S:.0f} s), peak memory {peak_gib:.2f} GiB (target <= {TARGET_GIB:.0f} GiB); "
          f"CPU {cpu:.1f} s; study {stored / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "national")
