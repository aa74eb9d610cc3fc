"""Importing this module prepares the process as a report worker (heavy imports, shell, caches).

It exists for :func:`multiprocessing.set_forkserver_preload`: the fork server imports it once,
and every pool worker forked from the server starts warm instead of importing numpy, pandas,
matplotlib, IPython, papermill and nbconvert again (about 2.5 s each).
"""

from __future__ import annotations

from kinerja_research.reports.warmup import prepare_worker

prepare_worker()
