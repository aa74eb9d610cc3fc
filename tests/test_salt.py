"""The pseudonymization salt: one per user, created atomically, never empty, never tracked."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kinerja_research.cli import app
from kinerja_research.config import settings
from kinerja_research.data import pseudonymize_nip
from kinerja_research.data.salt import (
    SaltError,
    SaltWarning,
    fingerprint,
    get_salt,
    new_user_salt,
    resolve_salt,
    user_salt_path,
)

NIP = "198001012005011001"
LONG = "0123456789abcdef0123456789abcdef-long-enough"
SRC = str(Path(__file__).resolve().parents[1] / "src")

# Each child imports everything, checks in at a barrier folder and spins until all have, so the
# first use of the salt happens in every process at (nearly) the same moment.
_CHILD = """
import os, sys, time
import pandas as pd
from kinerja_research.data import pseudonymize_nip
from kinerja_research.data.salt import salt_info
barrier, n = sys.argv[1], int(sys.argv[2])
if n > 1:
    open(os.path.join(barrier, str(os.getpid())), "w").close()
    deadline = time.time() + 60
    while len(os.listdir(barrier)) < n and time.time() < deadline:
        pass
print(pseudonymize_nip(pd.Series([sys.argv[3]]))[0], salt_info().fingerprint)
"""


def _fresh_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KINERJA_SALT", "KINERJA_SALT_FILE", "KINERJA_CONFIG")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), PYTHONPATH=SRC)
    return env


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with no salt yet, and no salt in the environment."""
    home = tmp_path / "home"
    home.mkdir()
    for k, v in _fresh_env(home).items():
        monkeypatch.setenv(k, v)
    for k in ("KINERJA_SALT", "KINERJA_SALT_FILE", "KINERJA_CONFIG"):
        monkeypatch.delenv(k, raising=False)
    settings.cache_clear()
    yield home
    settings.cache_clear()


def test_twelve_processes_at_once_share_one_salt(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    env = _fresh_env(home)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, str(barrier), "12", NIP], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(12)]
    outs = []
    for p in procs:
        out, errs = p.communicate(timeout=120)
        assert p.returncode == 0, errs
        outs.append(out.split())
    assert len({tuple(o) for o in outs}) == 1, outs
    salt_dir = home / ".config" / "kinerja_research"
    assert sorted(p.name for p in salt_dir.iterdir()) == ["salt"]  # no temporary file left behind
    salt_file = salt_dir / "salt"
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    key = salt_file.read_text().strip()
    assert len(bytes.fromhex(key)) == 32
    assert outs[0][1] == fingerprint(key.encode())
    assert list(work.iterdir()) == []  # nothing written into the working folder

    other = tmp_path / "elsewhere"
    other.mkdir()
    done = subprocess.run([sys.executable, "-c", _CHILD, str(barrier), "1", NIP], cwd=other, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == outs[0]
    assert list(other.iterdir()) == []
    assert sorted(p.name for p in salt_dir.iterdir()) == ["salt"]


def test_user_salt_created_once_and_reused(fresh_home: Path) -> None:
    key, info = resolve_salt()
    assert info.source == "user config" and info.created and info.path == user_salt_path()
    assert info.bits == 8 * 64 and str(info.path).startswith(str(fresh_home))
    again, info2 = resolve_salt()
    assert again == key and not info2.created
    assert pseudonymize_nip(pd.Series([NIP]))[0] == pseudonymize_nip(pd.Series([NIP]), key)[0]


@pytest.mark.parametrize("value", ["", "   ", "\n"])
def test_empty_salt_is_refused(fresh_home: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KINERJA_SALT", value)
    with pytest.raises(SaltError, match="empty"):
        get_salt()
    with pytest.raises(SaltError, match="empty"):
        pseudonymize_nip(pd.Series([NIP]))


def test_short_salt_refused_when_strict_and_warned_otherwise(fresh_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINERJA_SALT", "short")
    with pytest.raises(SaltError, match="40 bits; at least 256"):
        get_salt(strict=True)
    with pytest.warns(SaltWarning, match="40 bits"):
        assert get_salt() == b"short"
    monkeypatch.setenv("KINERJA_SALT", LONG)
    assert get_salt(strict=True) == LONG.encode()


def test_salt_in_settings_is_refused(fresh_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "settings.yml"
    cfg.write_text(f"salt: {LONG}\nk_anonymity: 5\n")
    monkeypatch.setenv("KINERJA_CONFIG", str(cfg))
    settings.cache_clear()
    with pytest.raises(SaltError, match="tracked by git"):
        get_salt()
    monkeypatch.setenv("KINERJA_SALT", LONG)  # even with a good salt elsewhere: remove the line
    with pytest.raises(SaltError, match="holds a `salt:`"):
        get_salt()
    cfg.write_text("salt: null\n")
    settings.cache_clear()
    assert get_salt() == LONG.encode()


def test_salt_file_rules(fresh_home: Path, tmp_path: Path) -> None:
    f = tmp_path / "my.salt"
    f.write_text(LONG)
    f.chmod(0o644)
    with pytest.raises(SaltError, match="chmod 600"):
        get_salt(salt_file=f)
    f.chmod(0o600)
    assert get_salt(salt_file=f) == LONG.encode()
    f.write_text("tooshort")
    with pytest.raises(SaltError, match="64 bits"):
        get_salt(salt_file=f)
    with pytest.raises(SaltError, match="does not exist"):
        get_salt(salt_file=tmp_path / "absent")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_salt_file_tracked_by_git_is_refused(fresh_home: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    f = repo / "salt.txt"
    f.write_text(LONG)
    f.chmod(0o600)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert get_salt(salt_file=f) == LONG.encode()  # untracked: fine
    subprocess.run(["git", "-C", str(repo), "add", "salt.txt"], check=True)
    with pytest.raises(SaltError, match="tracked by git"):
        get_salt(salt_file=f)


def test_new_salt_changes_pseudonyms_and_keeps_the_old(fresh_home: Path) -> None:
    old_key, old = resolve_salt()
    before = pseudonymize_nip(pd.Series([NIP]))[0]
    info, kept = new_user_salt()
    assert info.fingerprint != old.fingerprint
    assert kept is not None and kept.read_bytes().strip() == old_key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert pseudonymize_nip(pd.Series([NIP]))[0] != before


def test_new_salt_refused_when_environment_sets_it(fresh_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINERJA_SALT", LONG)
    with pytest.raises(SaltError, match="KINERJA_SALT is set"):
        new_user_salt()


def test_cli_salt_shows_fingerprint_never_the_salt(fresh_home: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["salt"])
    assert shown.exit_code == 0, shown.output
    key = user_salt_path().read_text().strip()
    assert key not in shown.output and fingerprint(key.encode()) in shown.output
    assert str(user_salt_path()) in shown.output.replace("\n", "")

    refused = runner.invoke(app, ["salt", "--new"], input="n\n")
    assert refused.exit_code == 1 and user_salt_path().read_text().strip() == key
    assert "linked" in refused.output

    renewed = runner.invoke(app, ["salt", "--new", "--yes"])
    assert renewed.exit_code == 0, renewed.output
    new_key = user_salt_path().read_text().strip()
    assert new_key != key and fingerprint(new_key.encode()) in renewed.output
    assert new_key not in renewed.output


def test_cli_refuses_empty_salt_without_traceback(fresh_home: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINERJA_SALT", "")
    src = tmp_path / "x.csv"
    src.write_text("a\n1\n")
    result = CliRunner().invoke(app, ["validate", str(src), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "empty" in result.output and "Traceback" not in result.output


def test_empty_bytes_salt_is_refused_too() -> None:
    with pytest.raises(SaltError, match="empty"):
        pseudonymize_nip(pd.Series([NIP]), b"")
    with pytest.raises(SaltError, match="empty"):
        pseudonymize_nip(pd.Series([NIP]), b"  \n")


def test_pseudonym_is_the_documented_construction() -> None:
    import hashlib

    expected = hashlib.blake2b(NIP.encode(), key=hashlib.sha256(LONG.encode()).digest(), digest_size=8).hexdigest()
    got = pseudonymize_nip(pd.Series([NIP, None, NIP]), LONG)
    assert got[0] == expected == got[2] and got.isna().tolist() == [False, True, False]
    readme = (Path(__file__).resolve().parents[1] / "data" / "README.md").read_text(encoding="utf-8")
    assert "hashlib.blake2b(nip.encode(), key=sha256(salt).digest()," in readme.replace("\n", " ").replace("  ", " ")
