"""Stopping a run cleanly: SIGTERM handled like Ctrl-C, and every process the run started stopped.

>>> with signals_raise():  # doctest: +SKIP
...     work()
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the main thread, as Ctrl-C does."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    old_term = signal.signal(signal.SIGTERM, on_term)
    old_int = signal.getsignal(signal.SIGINT)
    if old_int in (signal.SIG_DFL, None):  # SIG_IGN (a background job) stays ignored
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int if old_int is not None else signal.SIG_DFL)


def stop_children() -> None:
    """Stop every process this run started (workers, fork server, report children, kernels)."""
    from multiprocessing import resource_tracker

    import psutil

    # multiprocessing's resource tracker is this process's housekeeper, not a report: it stays
    keep = {getattr(resource_tracker._resource_tracker, "_pid", None)}
    try:
        kids = [k for k in psutil.Process().children(recursive=True) if k.pid not in keep]
    except psutil.Error:
        return
    for k in kids:
        with contextlib.suppress(psutil.Error):
            k.terminate()
    _, alive = psutil.wait_procs(kids, timeout=3)
    for k in alive:
        with contextlib.suppress(psutil.Error):
            k.kill()


