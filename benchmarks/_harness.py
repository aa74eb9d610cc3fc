"""Shared by the benchmarks that time a snippet in a fresh Python process (imports and data
included in its own peak memory, nothing left over from an earlier measurement)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run_json(code: str, timeout: float) -> dict[str, Any] | None:
    """Run ``code`` in a fresh interpreter; its last stdout line is a JSON record.

    Returns None when it runs past ``timeout`` seconds (a reference implementation too slow to
    finish is reported as such); a failure prints its stderr tail and raises.
    """
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as err:
        print(err.stderr[-2000:], file=sys.stderr)
        raise
    return json.loads(out.stdout.strip().splitlines()[-1])
