"""One run per output folder: an exclusive lock on ``<out>/.kinerja-reports.lock``.

A second ``kinerja reports`` into the same folder waits up to ``wait`` seconds for the first to
finish, then exits with a message naming the process that holds the folder. The lock is the
operating system's (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows), so it is released
when its process ends, however it ends.

>>> with output_lock("reports"):  # doctest: +SKIP
...     pass
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".kinerja-reports.lock"


class OutputLocked(RuntimeError):
    """Another run is writing into the same output folder."""


def _try_lock(fd: int) -> bool:
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def output_lock(out_dir: str | Path, *, wait: float = 0.0) -> Iterator[Path]:
    """Hold the output folder's lock for the duration of the block.

    Parameters
    ----------
    out_dir
        The reports folder (created if missing).
    wait
        Seconds to wait for another run to finish before giving up.

    Raises
    ------
    OutputLocked
        When another run still holds the folder after ``wait`` seconds.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                try:
                    holder = path.read_text(encoding="utf-8").strip() or "another process"
                except OSError:
                    holder = "another process"
                raise OutputLocked(f"another `kinerja reports` run ({holder}) is writing to {out}; "
                                   f"wait for it to finish, or render into another folder with --out")
            time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}".encode())
        yield path
    finally:
        os.close(fd)  # closing releases the lock
