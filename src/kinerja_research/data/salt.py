"""The pseudonymization salt: one secret per user, outside every repository.

Where the salt comes from, first match wins:

1. a ``salt`` argument (Python callers and tests);
2. a salt file given explicitly (``--salt-file`` on the command line, ``KINERJA_SALT_FILE``);
3. the ``KINERJA_SALT`` environment variable;
4. the user's salt file, ``<user config folder>/kinerja_research/salt`` (``~/.config`` on Linux,
   honouring ``XDG_CONFIG_HOME``), created once with 256 random bits and mode 0600.

The user's salt file is created atomically: the bits are written to a private temporary file in
the same folder and hard-linked into place, which fails if another process got there first, so
processes starting together all read the same complete salt. Nothing is ever written into the
working folder, and a ``salt:`` in the tracked ``config/settings.yml`` is refused.

>>> info = salt_info()  # doctest: +SKIP
>>> info.source, info.fingerprint  # doctest: +SKIP
('user config', '3f1c9a0b7d2e4c55')
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from kinerja_research.data.errors import ContractError

#: Environment variable holding the salt itself.
ENV_SALT = "KINERJA_SALT"
#: Environment variable naming a salt file (what ``--salt-file`` sets).
ENV_SALT_FILE = "KINERJA_SALT_FILE"
#: Bytes of a salt: 256 bits. Created salts have exactly this much randomness (as 64 hex digits).
MIN_SALT_BYTES = 32
_FINGERPRINT_DOMAIN = b"kinerja_research salt fingerprint v1\x00"
_APP = "kinerja_research"


class SaltError(ContractError):
    """The salt cannot be used: empty, too short, unreadable, world-readable or from a tracked file."""


class SaltWarning(UserWarning):
    """A salt shorter than 256 bits was given; pseudonyms made with it can be guessed."""


@dataclass(frozen=True)
class SaltInfo:
    """Where the salt in force comes from, without the salt itself.

    Attributes
    ----------
    source
        ``"argument"``, ``"salt file"``, ``"KINERJA_SALT"`` or ``"user config"``.
    path
        The salt file, when the salt comes from one.
    fingerprint
        16 hex digits identifying the salt (see :func:`fingerprint`); equal fingerprints mean
        equal salts, so two machines can be checked for the same key.
    bits
        Length of the salt in bits (8 per byte of the text).
    created
        Whether this call created the user's salt file.
    """

    source: str
    path: Path | None
    fingerprint: str
    bits: int
    created: bool = False


def user_salt_path() -> Path:
    """The user's salt file, ``<user config folder>/kinerja_research/salt``.

    Examples
    --------
    >>> user_salt_path().name
    'salt'
    """
    import platformdirs

    return Path(platformdirs.user_config_dir(_APP, appauthor=False)) / "salt"


def fingerprint(salt: bytes) -> str:
    """16 hex digits of SHA-256 over a domain tag and the salt: shows *which* salt, never the salt.

    The tag keeps the fingerprint unrelated to the key the pseudonyms use (SHA-256 of the salt).

    Examples
    --------
    >>> len(fingerprint(b"x" * 32))
    16
    """
    return hashlib.sha256(_FINGERPRINT_DOMAIN + salt).hexdigest()[:16]


def _check_length(salt: bytes, where: str, *, strict: bool) -> bytes:
    salt = salt.strip()
    if not salt:
        raise SaltError(
            f"the salt from {where} is empty. An empty key makes every pseudonym reversible; "
            f"unset it to use your own salt file ({user_salt_path()}), or give 256 random bits "
            "(`python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    if len(salt) < MIN_SALT_BYTES:
        msg = (
            f"the salt from {where} has {8 * len(salt)} bits; at least {8 * MIN_SALT_BYTES} are "
            "needed, because a short salt can be guessed and then every pseudonym reversed. Use "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
        if strict:
            raise SaltError(msg)
        warnings.warn(msg, SaltWarning, stacklevel=4)
    return salt


def _refuse_settings_salt() -> None:
    from kinerja_research.config import settings

    if settings().get("salt") not in (None, ""):
        path = os.environ.get("KINERJA_CONFIG", "config/settings.yml")
        raise SaltError(
            f"{path} holds a `salt:`; it is refused because that file is tracked by git and the "
            "salt is as secret as the NIPs themselves. Delete the line (and rotate the salt if it "
            f"was ever committed); keep the salt in {user_salt_path()} (created automatically), "
            "in KINERJA_SALT or in a file given with --salt-file."
        )


def _tracked_by_git(path: Path) -> bool:
    for parent in path.resolve().parents:
        if (parent / ".git").exists():
            try:
                done = subprocess.run(
                    ["git", "-C", str(parent), "ls-files", "--error-unmatch", str(path.resolve())],
                    capture_output=True, timeout=10, check=False,
                )
            except (OSError, subprocess.SubprocessError):
                return False
            return done.returncode == 0
    return False


def _read_salt_file(path: Path, *, strict: bool = True) -> bytes:
    try:
        st = path.stat()
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SaltError(f"salt file {path} does not exist.") from None
    except OSError as exc:
        raise SaltError(f"salt file {path} cannot be read ({exc.strerror}).") from None
    if os.name == "posix" and st.st_mode & 0o077:
        raise SaltError(
            f"salt file {path} can be read by other users (mode {st.st_mode & 0o777:o}); the salt "
            f"is as sensitive as the NIPs. Run `chmod 600 {path}`."
        )
    if _tracked_by_git(path):
        raise SaltError(
            f"salt file {path} is tracked by git, so the salt would be published with the "
            "repository. Move it out of the repository and rotate it (`kinerja salt --new`)."
        )
    return _check_length(raw, f"file {path}", strict=strict)


def _create_user_salt(path: Path) -> bool:
    """Create ``path`` with 256 fresh bits unless it exists; True when this call created it.

    The bits go to a private temporary file first, then ``os.link`` puts it in place: linking
    never replaces an existing file, so when several processes race exactly one wins and every
    reader sees a complete salt.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        return False
    fd, tmp = _private_temp(path)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(MIN_SALT_BYTES) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
            return True
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: exclusive create, readers wait
            return _create_exclusive(path, Path(tmp).read_text(encoding="ascii"))
    finally:
        Path(tmp).unlink(missing_ok=True)


def _private_temp(path: Path) -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(prefix=".salt-", suffix=".tmp", dir=path.parent)  # mode 0600


def _create_exclusive(path: Path, text: str) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def _read_user_salt(path: Path) -> bytes:
    # Only the exclusive-create fallback can expose a file still being written: wait for it.
    deadline = time.monotonic() + 5.0
    while True:
        try:
            return _read_salt_file(path)
        except SaltError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def resolve_salt(
    salt: str | bytes | None = None, *, salt_file: str | Path | None = None, strict: bool = False
) -> tuple[bytes, SaltInfo]:
    """The salt in force and where it comes from; see the module docstring for the order.

    Parameters
    ----------
    salt
        An explicit salt.
    salt_file
        A file holding the salt (overrides ``KINERJA_SALT_FILE``).
    strict
        Refuse a salt shorter than 256 bits instead of warning (the command line is strict).

    Returns
    -------
    tuple of bytes and SaltInfo

    Raises
    ------
    SaltError
        For an empty or (strict) short salt, an unreadable, world-readable or git-tracked salt
        file, or a ``salt:`` in the settings file.
    """
    _refuse_settings_salt()
    if salt is not None:
        key = salt if isinstance(salt, bytes) else str(salt).encode()
        key = _check_length(key, "the salt argument", strict=strict)
        return key, SaltInfo("argument", None, fingerprint(key), 8 * len(key))
    file = salt_file or os.environ.get(ENV_SALT_FILE)
    if file:
        p = Path(file).expanduser()
        key = _read_salt_file(p)
        return key, SaltInfo("salt file", p, fingerprint(key), 8 * len(key))
    env = os.environ.get(ENV_SALT)
    if env is not None:
        key = _check_length(env.encode(), ENV_SALT, strict=strict)
        return key, SaltInfo(ENV_SALT, None, fingerprint(key), 8 * len(key))
    path = user_salt_path()
    try:
        created = _create_user_salt(path)
    except OSError as exc:
        raise SaltError(
            f"the salt file {path} cannot be created ({exc.strerror}). Make the folder writable, "
            f"or give the salt with {ENV_SALT} or --salt-file."
        ) from None
    key = _read_user_salt(path)
    return key, SaltInfo("user config", path, fingerprint(key), 8 * len(key), created)


def get_salt(
    salt: str | bytes | None = None, *, salt_file: str | Path | None = None, strict: bool = False
) -> bytes:
    """The salt in force, as bytes (see :func:`resolve_salt`).

    Examples
    --------
    >>> get_salt("0123456789abcdef0123456789abcdef")[:4]
    b'0123'
    """
    return resolve_salt(salt, salt_file=salt_file, strict=strict)[0]


def salt_info(*, salt_file: str | Path | None = None) -> SaltInfo:
    """Where the salt in force lives and its fingerprint (creating the user's salt if absent)."""
    return resolve_salt(salt_file=salt_file)[1]


def new_user_salt() -> tuple[SaltInfo, Path | None]:
    """Replace the user's salt file with 256 fresh bits.

    Pseudonyms made with the old salt no longer match new ones: data processed before and after
    cannot be linked. The old salt is kept beside the new one (``salt.<fingerprint>.old``, mode
    0600) so that a mistaken rotation can be undone by moving it back.

    Returns
    -------
    tuple of SaltInfo and pathlib.Path or None
        The new salt's info and where the old salt was kept (``None`` if there was none).

    Raises
    ------
    SaltError
        When ``KINERJA_SALT`` or ``KINERJA_SALT_FILE`` is set: the user's file is not in force, so
        replacing it would change nothing.
    """
    for var in (ENV_SALT, ENV_SALT_FILE):
        if os.environ.get(var) is not None:
            raise SaltError(
                f"{var} is set, so the salt in force does not come from {user_salt_path()}; "
                f"change {var} itself (or unset it) instead."
            )
    path = user_salt_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = _private_temp(path)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(MIN_SALT_BYTES) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    kept = None
    if path.exists():
        old = _read_salt_file(path, strict=False)
        kept = path.with_name(f"salt.{fingerprint(old)}.old")
        if not kept.exists():
            os.link(path, kept)
    os.replace(tmp, path)  # atomic: readers see the old salt or the new one, never none
    key = _read_salt_file(path)
    return SaltInfo("user config", path, fingerprint(key), 8 * len(key), True), kept
