"""What one report is and how it ended: plain, picklable records passed between processes.

>>> job = ReportJob(name="x", notebook="nb.ipynb", ipynb_path="r/x.ipynb", html_path="r/x.html",
...                 parameters={}, cwd=".")
>>> job.lang
'id'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

#: ``fork``: the Linux fast path (a forked child of a warm worker per report); ``papermill``:
#: stock papermill, a kernel per report, no fork anywhere (macOS, Windows); ``auto`` picks.
ENGINES = ("auto", "fork", "papermill")

#: Report statuses a manifest can hold.
STATUSES = ("queued", "running", "ok", "failed", "interrupted")


@dataclass
class ReportJob:
    """Everything a worker needs to render one report (plain data, picklable)."""

    name: str
    notebook: str
    ipynb_path: str
    html_path: str
    parameters: dict[str, Any]
    cwd: str
    timeout: float | None = None
    name_headers: tuple[str, ...] = ()
    lang: str = "id"
    title: str = ""
    header: str = ""  # running header of the PDF when the report has no title (region and period)
    publish_ipynb: bool = False
    pdf: bool = False


@dataclass
class ExecutionOutcome:
    """What the worker reports back about one report (no notebook content, no data rows).

    ``error`` is ``{"kind", "class", "message"}`` with the message already redacted;
    ``failing_cell`` holds the cell's position only, never its source.
    """

    name: str
    status: str  # "ok" | "failed" | "interrupted"
    started: str
    finished: str
    duration_s: float
    attempts: int = 1
    error: dict[str, Any] | None = None
    failing_cell: dict[str, Any] | None = None
    privacy: list[str] = field(default_factory=list)
    rubrics: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    engine: str = "fork"
    title: str = ""
    synthetic: bool | None = None  # None: the report produced nothing to tell
    lang: str = "id"

    def to_dict(self) -> dict[str, Any]:
        """The outcome as plain data (what the manifest and the worker's pipe carry)."""
        return asdict(self)


def now() -> dt.datetime:
    """The current UTC time."""
    return dt.datetime.now(dt.UTC)


def failed_outcome(job: ReportJob, *, kind: str, cls: str, message: str, engine: str,
                   attempts: int = 1, status: str = "failed") -> ExecutionOutcome:
    """An outcome for a report that produced nothing (crash, timeout, interrupt, runner error).

    The message passes through the redaction like every published text.
    """
    from kinerja_research.reports.privacy import redact

    t = now().isoformat()
    return ExecutionOutcome(name=job.name, status=status, started=t, finished=t, duration_s=0.0,
                            attempts=attempts, engine=engine, lang=job.lang, title=job.title,
                            error={"kind": kind, "class": cls, "message": redact(message)})
