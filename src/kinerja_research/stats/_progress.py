"""The one progress bar of the statistical methods (rich), or nothing when disabled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(enabled: bool, total: int, label: str) -> Iterator[Callable[[int], None]]:
    """Context yielding ``advance(n)``; a no-op callable when ``enabled`` is false.

    >>> with progress_bar(False, 10, "work") as advance:
    ...     advance(10)
    """
    if not enabled:
        yield lambda n: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(),
    )
    bar.start()
    try:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
    finally:
        bar.stop()
