"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import yaml

matplotlib.use("Agg")
os.environ.setdefault("KINERJA_SALT", "test-salt-not-secret-0123456789abcdef")  # >= 256 bits: the CLI refuses less


def valid_employees(n: int = 20) -> pd.DataFrame:
    """A small employees table in the contract's canonical form, every row valid."""
    rows = []
    for i in range(n):
        year = 1965 + i % 25
        birth = f"{year}{1 + i % 12:02d}{1 + i % 28:02d}"
        appt = f"{year + 19 + i % 10}{1 + (i * 5) % 12:02d}"
        rows.append({
            "nip": f"{birth}{appt}{1 + i % 2}{i % 1000:03d}",
            "period": 2023,
            "unit_id": f"U{i % 4}",
            "position_type": ["jpt", "administrator", "pengawas", "fungsional", "pelaksana"][i % 5],
            "education_level": ["s3", "s2", "s1_d4", "d3", "d1_d2_slta", "sltp"][i % 6],
            "leadership_training": bool(i % 2),
            "technical_training_hours": float(10 * (i % 4)),
            "skp_value": 70.0 + i % 30,
            "days_absent": i % 5,
            "jpm": 60.0 + i % 40,
        })
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def tiny():
    """The tiny synthetic world, seed 0, built once per test session (treat as read-only)."""
    from kinerja_research.data.simulate import simulate

    return simulate("tiny", seed=0)


@pytest.fixture(scope="session")
def jatim():
    """The default Jawa Timur world, seed 0, built once per test session (treat as read-only)."""
    from kinerja_research.data.simulate import simulate

    return simulate("jatim", seed=0)


@pytest.fixture
def employees_frame() -> pd.DataFrame:
    return valid_employees()


ROOT = Path(__file__).resolve().parents[1]


def repository_grid_raw(tmp_path: Path) -> dict:
    """config/reports.yml, reading regions from data/synthetic when built, else from the packaged
    list of the 38 Jawa Timur kabupaten/kota (what `kinerja simulate --preset jatim` uses), so the
    grid can be checked on a fresh clone before `make data`."""
    raw = yaml.safe_load((ROOT / "config" / "reports.yml").read_text(encoding="utf-8"))
    if not (ROOT / raw["data"] / "regions.parquet").exists():
        regs = pd.read_csv(ROOT / "src" / "kinerja_research" / "data" / "regions_jatim.csv",
                           comment="#", dtype=str)
        regs.to_parquet(tmp_path / "regions.parquet")
        raw["data"] = str(tmp_path)
    return raw
