"""Per-report manifests: what was run, on what, with which versions, and how it ended.

A manifest is a JSON file beside the report (``<name>.manifest.json``). It is written last and
atomically and through the privacy scan (NIPs redacted), so ``status == "ok"`` means the
outputs it lists are complete. Its ``key`` hashes every input of the report (notebook bytes,
merged parameters, data fingerprint, package versions, the content of the package's code, rubric
and config files and of the lock file: :mod:`kinerja_research.reports.cache`); an unchanged key with an ``ok`` status and outputs on disk means the report
is not executed again.

>>> key = report_key(b"{}", {"seed": 0}, "abc", {"pandas": "3.1.1"})
>>> len(key)
64
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# the registry lives in the bottom layer so that analysis code can record rubrics too; re-exported
# here, where the manifest reads it
from kinerja_research.provenance import record_rubric as record_rubric
from kinerja_research.provenance import rubrics_recorded as rubrics_recorded

MANIFEST_SUFFIX = ".manifest.json"
SCHEMA_VERSION = 1


def report_key(notebook_bytes: bytes, parameters: Mapping[str, Any], data_fingerprint: str | None,
               versions: Mapping[str, str], *, engine: str = "fork", code: str | None = None,
               options: Mapping[str, Any] | None = None) -> str:
    """SHA-256 over everything a report's output depends on (the incremental-run key).

    The engine is part of the key: switching to stock papermill re-renders, since outputs may
    differ in detail (timings, traceback colours). ``code`` is the content hash of the package's
    source, rubric, config and lock files (:func:`kinerja_research.reports.cache.code_fingerprint`):
    a version number stays the same across edits of an editable install, the content does not.
    ``options`` are publishing options (PDF, ``.ipynb``, extra name headers).
    """
    h = hashlib.sha256()
    h.update(hashlib.sha256(notebook_bytes).digest())
    h.update(json.dumps(dict(parameters), sort_keys=True, default=str).encode())
    h.update(str(data_fingerprint).encode())
    h.update(json.dumps(dict(versions), sort_keys=True).encode())
    h.update(engine.encode())
    h.update(str(code).encode())
    h.update(json.dumps(dict(options or {}), sort_keys=True, default=str).encode())
    h.update(str(SCHEMA_VERSION).encode())
    return h.hexdigest()


@functools.cache
def git_commit(cwd: str = ".") -> str | None:
    """The checked-out commit (``git rev-parse HEAD``), or ``None`` outside a git work tree."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                             timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and len(commit) == 40 else None


def manifest_path(out_dir: str | Path, name: str) -> Path:
    """Where the manifest of report ``name`` lives."""
    return Path(out_dir) / f"{name}{MANIFEST_SUFFIX}"


def write_manifest(path: str | Path, manifest: Mapping[str, Any]) -> None:
    """Write a manifest atomically, through the privacy scan (NIPs redacted)."""
    from kinerja_research.reports.publish import publish_text

    publish_text(path, json.dumps(dict(manifest), indent=1, sort_keys=False, default=str, ensure_ascii=False),
                 redact_nips=True, what="manifest")


def read_manifest(path: str | Path) -> dict[str, Any] | None:
    """A manifest, or ``None`` when it is missing or unreadable (which means: run the report)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def is_current(manifest: Mapping[str, Any] | None, key: str) -> bool:
    """Whether a report with this key is already rendered: same key, ``ok``, outputs present."""
    if not manifest or manifest.get("status") != "ok" or manifest.get("key") != key:
        return False
    outputs = manifest.get("outputs") or {}
    return bool(outputs) and all(Path(p).exists() for p in outputs.values())
