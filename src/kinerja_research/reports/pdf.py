"""Printable A4 PDF of a rendered report, through headless Chromium's own print path.

Why Chromium: it is the browser the report is made for, so the PDF shows exactly what the screen
shows (the report's own table styles, embedded figures, the synthetic banner); it supports the
CSS paged-media rules the page carries (A4, margin boxes with a running header and page numbers,
``break-inside: avoid`` on figures); it is maintained and packaged by Debian (``chromium``), and
the browser tests already need it. WeasyPrint would lay the page out a second time with its own
engine (and is slow on nbconvert's large stylesheet); typst would need the report rewritten.

Starting Chromium costs about 0.7 s, more than a report may take, so one browser per process is
started on first use and kept: each report opens a tab, prints and closes it (about 0.1–0.3 s).
The browser talks over the DevTools *pipe* (``--remote-debugging-pipe``: file descriptors 3 and
4, JSON messages ending in NUL), so no port is opened and no websocket library is needed; it
runs with every host name unresolvable, so a page can fetch nothing from the network. It exits
when its pipe closes, so it never outlives the process that started it.

>>> render_pdf("reports/regional/3573_2024.html", "reports/regional/3573_2024.pdf",
...            header="Kota Malang 2024")  # doctest: +SKIP
>>> "Kota Malang" in pdf_text("reports/regional/3573_2024.pdf")  # doctest: +SKIP
True
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from kinerja_research.reports.document import page_css

#: Where to look for Chromium, after the ``KINERJA_CHROMIUM`` environment variable.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install it with `bash scripts/install_browser.sh` (Debian: apt-get install chromium)"

# A4 in inches (the unit of Page.printToPDF); the page's own @page rule wins where it has one.
_A4 = {"paperWidth": 8.27, "paperHeight": 11.69}
_FLAGS = (
    "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    # Offline by construction: nothing a report references can be fetched, and nothing leaks.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # Chromium refuses to start as root with its sandbox, and containers often lack user
    # namespaces; it only ever opens report files this package wrote.
    "--no-sandbox",
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    """Chromium is missing, did not start, or failed to print a page."""


def find_browser() -> str:
    """Path of the Chromium executable, or :class:`BrowserError` saying how to install one."""
    env = os.environ.get("KINERJA_CHROMIUM")
    if env:
        if not (Path(env).is_file() and os.access(env, os.X_OK)):
            raise BrowserError(f"KINERJA_CHROMIUM={env!r} is not an executable file")
        return env
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserError(f"PDF reports need Chromium, which is not installed: {INSTALL_HINT}")


_PROFILE_PREFIX = "kinerja-chromium-"


def _remove_stale_profiles() -> None:
    # A process that ends without running its exit handlers (a forked report child) stops its
    # browser, whose pipe closes, but leaves the profile folder; remove those of dead processes.
    for d in Path(tempfile.gettempdir()).glob(f"{_PROFILE_PREFIX}*-*"):
        try:
            pid = int(d.name[len(_PROFILE_PREFIX):].split("-", 1)[0])
            os.kill(pid, 0)
        except ValueError:
            continue
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except PermissionError:
            continue


def _high_fd(fd: int) -> int:
    # Move a pipe end above 10 so that the dup2 onto 3 and 4 in the child cannot clobber it.
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


class Chromium:
    """One headless Chromium driven over the DevTools pipe.

    Use as a context manager, or through :func:`render_pdf`, which keeps one per process.

    Examples
    --------
    >>> with Chromium() as browser:  # doctest: +SKIP
    ...     browser.print_pdf("file:///tmp/report.html")[:4]
    b'%PDF'
    """

    def __init__(self, executable: str | None = None, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.pid = os.getpid()  # the process that owns the pipe; a forked child starts its own
        self._next = 0
        self._buf = b""
        self._events: list[dict[str, Any]] = []
        self._printer: str | None = None
        self._lock = threading.Lock()
        self._print_lock = threading.Lock()  # one page at a time in the shared printing tab
        _remove_stale_profiles()
        self._profile = tempfile.mkdtemp(prefix=f"{_PROFILE_PREFIX}{os.getpid()}-")
        exe = executable or find_browser()
        cmd_r, cmd_w = (_high_fd(fd) for fd in os.pipe())
        res_r, res_w = (_high_fd(fd) for fd in os.pipe())
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            self._proc = os.posix_spawn(
                exe, [exe, *_FLAGS, f"--user-data-dir={self._profile}", "about:blank"], dict(os.environ),
                file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
                              (os.POSIX_SPAWN_DUP2, devnull, 2), (os.POSIX_SPAWN_DUP2, cmd_r, 3),
                              (os.POSIX_SPAWN_DUP2, res_w, 4)],
                setsid=True)
        except OSError as exc:
            for fd in (cmd_r, cmd_w, res_r, res_w):
                os.close(fd)
            raise BrowserError(f"could not start {exe}: {exc}; {INSTALL_HINT}") from None
        finally:
            os.close(devnull)
        os.close(cmd_r)
        os.close(res_w)
        self._w, self._r = cmd_w, res_r
        try:
            self.call("Browser.getVersion")
        except BrowserError:
            self.close()
            raise

    # -- protocol -------------------------------------------------------------------------------
    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise BrowserError(f"Chromium did not answer within {self.timeout:.0f} s")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium exited unexpectedly")
            self._buf += chunk
        raw, _, self._buf = self._buf.partition(b"\0")
        return json.loads(raw)

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None) -> Any:
        """Send one DevTools command and return its result (events seen meanwhile are kept)."""
        with self._lock:
            self._next += 1
            msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
            if session:
                msg["sessionId"] = session
            data = json.dumps(msg).encode() + b"\0"
            try:
                while data:
                    data = data[os.write(self._w, data):]
            except OSError as exc:
                raise BrowserError(f"Chromium is gone ({exc})") from None
            deadline = time.monotonic() + self.timeout
            while True:
                reply = self._read_message(deadline)
                if reply.get("id") == self._next:
                    if "error" in reply:
                        raise BrowserError(f"{method}: {reply['error'].get('message')}")
                    return reply.get("result", {})
                if "method" in reply:
                    self._events.append(reply)

    def wait_event(self, method: str, *, session: str | None = None) -> dict[str, Any]:
        """Wait for an event (or take it from those already received)."""
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while True:
                for i, ev in enumerate(self._events):
                    if ev.get("method") == method and (session is None or ev.get("sessionId") == session):
                        return self._events.pop(i)
                reply = self._read_message(deadline)
                if "method" in reply:
                    self._events.append(reply)

    def events(self, session: str | None = None) -> list[dict[str, Any]]:
        """Take the events received so far (of one tab when ``session`` is given)."""
        with self._lock:
            mine = [e for e in self._events if session is None or e.get("sessionId") == session]
            self._events = [e for e in self._events if e not in mine]
            return mine

    # -- tabs -----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def tab(self, url: str, *, width: int = 1280, height: int = 1600) -> Any:
        """Open ``url`` in a new tab and wait for its load event; yields the tab's session id."""
        target = self.call("Target.createTarget", {"url": "about:blank"})
        tid = target["targetId"]
        try:
            sid = self.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable", session=sid)
            self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                             "deviceScaleFactor": 1, "mobile": False}, session=sid)
            self.call("Page.navigate", {"url": url}, session=sid)
            self.wait_event("Page.loadEventFired", session=sid)
            yield sid
        finally:
            with contextlib.suppress(BrowserError):
                self.call("Target.closeTarget", {"targetId": tid})

    def evaluate(self, session: str, expression: str) -> Any:
        """The value of a JavaScript expression in a tab (promises awaited)."""
        res = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True}, session=session)
        if "exceptionDetails" in res:
            raise BrowserError(f"script failed: {res['exceptionDetails'].get('text')}")
        return res.get("result", {}).get("value")

    def _print_tab(self) -> str:
        # One tab, reused for every PDF: opening a tab costs about as much as printing a page.
        if self._printer is None:
            tid = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            sid = self.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
            self.call("Page.enable", session=sid)
            self._printer = sid
        return self._printer

    def print_pdf(self, url: str, *, header: str = "") -> bytes:
        """The PDF of ``url``: A4, running header and page numbers from :func:`page_css`."""
        with self._print_lock:
            return self._print(url, header)

    def _print(self, url: str, header: str) -> bytes:
        sid = self._print_tab()
        self.events(sid)  # drop what the previous page left
        self.call("Page.navigate", {"url": url}, session=sid)
        self.wait_event("Page.loadEventFired", session=sid)
        # The page's own print rules (finish_html) come first; this adds the header asked for
        # and covers pages that never went through finish_html.
        css = json.dumps(page_css(header) if header else page_css(None))
        self.evaluate(sid, "(() => {const s = document.createElement('style'); s.textContent = "
                           f"{css}; document.head.appendChild(s); return document.fonts.ready.then(() => 1);}})()")
        # Untagged: a tagged (accessible-structure) PDF takes twice the time and the size.
        res = self.call("Page.printToPDF", {**_A4, "printBackground": True, "preferCSSPageSize": True,
                                            "displayHeaderFooter": False, "generateTaggedPDF": False,
                                            "generateDocumentOutline": False}, session=sid)
        return base64.b64decode(res["data"])

    def close(self) -> None:
        """Stop the browser and remove its profile folder."""
        if os.getpid() != self.pid:
            return  # a forked copy: the browser belongs to the parent
        for fd in (getattr(self, "_w", None), getattr(self, "_r", None)):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._w = self._r = None  # type: ignore[assignment]
        pid = getattr(self, "_proc", None)
        if pid:
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                with contextlib.suppress(ChildProcessError):
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        break
                time.sleep(0.02)
            else:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
            self._proc = 0
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_SHARED: Chromium | None = None


def _browser() -> Chromium:
    global _SHARED
    if _SHARED is None or _SHARED.pid != os.getpid() or _SHARED._proc == 0:
        _SHARED = Chromium()
        atexit.register(_SHARED.close)
    return _SHARED


def close_browser() -> None:
    """Stop this process's shared browser (it also stops by itself when the process exits).

    >>> close_browser()
    """
    global _SHARED
    if _SHARED is not None:
        _SHARED.close()
        _SHARED = None


def render_pdf(html_path: str | Path, pdf_path: str | Path, *, header: str = "") -> None:
    """Write an A4 PDF of a rendered report beside it.

    Page numbers ("3 / 7") at the foot of each page, ``header`` (region and period, or the study
    title) at the head, figures and table rows never split; written atomically (temporary file,
    then rename), so a PDF on disk is always complete.

    Parameters
    ----------
    html_path
        The rendered report (after :func:`~kinerja_research.reports.document.finish_html`).
    pdf_path
        Where the PDF goes.
    header
        The running header; empty keeps the page's own (its title).

    Raises
    ------
    BrowserError
        Chromium is not installed (the message says how to install it) or failed on the page.

    Examples
    --------
    >>> render_pdf("reports/index.html", "/tmp/index.pdf", header="Laporan")  # doctest: +SKIP
    """
    src = Path(html_path).resolve()
    if not src.is_file():
        raise FileNotFoundError(f"no rendered report at {src}")
    browser = _browser()
    try:
        data = browser.print_pdf(src.as_uri(), header=header)
    except BrowserError:
        browser.close()  # a stuck or dead browser is not reused; the next call starts a fresh one
        raise
    out = Path(pdf_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def pdf_text(pdf_path: str | Path) -> str:
    """The text of every page of a PDF, for the privacy scan.

    Poppler's ``pdftotext`` when it is installed (ten times faster), else pypdf.

    Examples
    --------
    >>> "Kota Malang" in pdf_text("reports/regional/3573_2024.pdf")  # doctest: +SKIP
    True
    """
    path = Path(pdf_path)
    if not path.is_file():
        raise FileNotFoundError(f"no PDF at {path}")
    tool = shutil.which("pdftotext")
    if tool:
        out = subprocess.run([tool, "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=120,
                             check=False)
        if out.returncode == 0:
            return out.stdout.decode("utf-8", "replace")
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
