"""Live preview: ``python build.py watch`` shows the draft in the browser as it is saved.

A save is shown in two steps. First the HTML: this process loads, checks and renders the
draft (``pipeline.render_preview``, about a tenth of a second for the real plan) and
writes it to ``OUT/.preview/plan.html``, outside the products' set, so that the output
folder never holds a new plan.html beside an old plan.pdf; the open page reloads at once.
Then the PDF: a full build (``python build.py build --no-docx``) in a process of its own,
in the background, one at a time. A newer save cancels the build in progress (SIGINT:
it stops as a Ctrl-C would, the output folder left as it was, or its set completed) and
the next build starts from the newer content; ``/plan.pdf`` waits for the build the page
is waiting for, so the link in the page always opens the PDF of what it shows.

One thread watches the inputs — the content folder, ``templates/``, ``styles/`` and the
code — by their names, sizes and modification times ten times a second, and by their
bytes every two seconds (an edit that keeps size and time); editors' swap, lock and
backup files and bytecode caches are not inputs. The page polls ``/__status`` (a long
poll: the answer comes as soon as something changes) and reloads when a new HTML is
ready, or shows the problems of the HTML or of the PDF over the page (file:line and
message, in the vendored BIZ UD fonts) until they are fixed.

What it serves is a fixed list: ``/plan.html`` (the preview; before the first preview
of a session, the last built plan.html), ``/plan.pdf``, the 概要's ``/overview.html`` and
``/overview.pdf`` (as the last build left them), the files of ``styles/`` (under
``/styles/`` and under the path plan.html links them by) and ``/__status``; nothing else
of the output folder (no stamp, temporary or journal) and no folder listing. Files are
read with ``files.read_product``: regular files only, never through a link, under a
shared lock so that a set being published is never served half old, half new. Requests
must name the preview by its address (``Host: 127.0.0.1:PORT``, ``localhost:PORT`` or
``[::1]:PORT``), else 403: a web page cannot reach it through DNS rebinding. A malformed
path (a NUL, a control character, a ``..`` segment, bad UTF-8) is answered 400, and a
connection idle for ``limits.PREVIEW_IDLE_SECONDS`` is closed.
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
import posixpath
import re
import signal
import stat
import subprocess
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from . import files
from .errors import BuildError
from .limits import MAX_IMAGE_BYTES, MAX_SERVED_BYTES, PREVIEW_IDLE_SECONDS
from .paths import PROJECT_ROOT, STYLES_DIR
from .stamp import FULL_HASH_LIMIT, SOURCE_DIRS

Report = Callable[[str], None]

STATUS_PATH = "/__status"
#: How often the inputs are looked at (names, sizes, times), and read (their bytes).
POLL_SECONDS = 0.1
FULL_CHECK_SECONDS = 2.0
#: How long ``/__status?after=N`` holds its answer when nothing changes.
LONG_POLL_SECONDS = 5.0
#: How long ``/plan.pdf`` waits for the PDF build in progress.
PDF_WAIT_SECONDS = 300.0
#: How long a cancelled PDF build may take to stop before it is killed.
CANCEL_GRACE_SECONDS = 5.0

# The overlay and the PDF link use the vendored fonts (styles/fonts.css, loaded by every
# page served): a machine without Japanese system fonts shows no □.
_FONT = "'BIZ UDGothic', 'BIZ UDMincho', sans-serif"

# Injected before </body> of every HTML page served. Plain DOM calls only: no framework.
RELOAD_SCRIPT = """<script>
(function () {
  var seen = __VERSION__, tick = -1, FONT = "__FONT__";
  var LABELS = {building: "PDF 作成中… (building)", ready: "PDF", failed: "PDF ×（作成できません）",
                none: "PDF"};
  function element(id, css) {
    var node = document.getElementById(id);
    if (!node) {
      node = document.createElement(id === "__pdf" ? "a" : "div");
      node.id = id;
      node.style.cssText = css;
      document.body.appendChild(node);
    }
    return node;
  }
  function show(s) {
    var lines = [];
    if (s.problems.length) {
      lines.push("作成できませんでした。下のページは最後に作成できたものです。" +
                 " (build failed; the page below is the last good build)", "");
      lines = lines.concat(s.problems);
    } else if (s.pdf.problems.length) {
      lines.push("PDF を作成できませんでした。下のページは保存した内容のものです。" +
                 " (PDF build failed; the page below is up to date)", "");
      lines = lines.concat(s.pdf.problems);
    }
    var box = document.getElementById("__build_problems");
    if (!lines.length) { if (box) box.remove(); }
    else {
      box = element("__build_problems", "position:fixed;inset:0;overflow:auto;background:#fff;" +
        "color:#900;font:14px/1.6 " + FONT + ";padding:2em;white-space:pre-wrap;z-index:9999");
      box.setAttribute("role", "alert");
      box.textContent = lines.join("\\n");
    }
    var link = element("__pdf", "position:fixed;right:1em;bottom:1em;z-index:10000;background:#fff;" +
      "color:#036;border:1px solid #036;border-radius:4px;padding:.2em .7em;font:13px/1.6 " + FONT);
    link.href = "/plan.pdf";
    link.target = "_blank";
    link.textContent = LABELS[s.pdf.state] || "PDF";
  }
  function poll() {
    fetch("__STATUS__?after=" + tick, {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.version !== seen && !s.problems.length) { location.reload(); return; }
      seen = s.version;
      tick = s.tick;
      show(s);
      setTimeout(poll, 0);
    }).catch(function () { tick = -1; setTimeout(poll, 1000); });
  }
  var style = document.createElement("style");
  style.textContent = "@media print { #__pdf, #__build_problems { display: none !important; } }";
  document.head.appendChild(style);
  poll();
})();
</script>""".replace("__STATUS__", STATUS_PATH).replace("__FONT__", _FONT)

#: What ``/plan.html`` shows while nothing has been built yet (the first build failed).
PLACEHOLDER = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>プレビュー (preview)</title>
<link rel="stylesheet" href="/styles/fonts.css"></head>
<body style="font-family: 'BIZ UDGothic', sans-serif">
<p>まだ作成されていません。 (nothing built yet)</p>
</body></html>
"""


@dataclass
class BuildState:
    """What the server tells the page: ``version``, which changes with every round of the
    HTML (a new preview, or problems), the HTML's ``problems``, the PDF's state (``none``,
    ``building``, ``ready`` or ``failed``) and problems, and ``tick``, which changes with
    any of them (what a long poll waits for)."""

    version: int = 0
    problems: list[str] = field(default_factory=list)
    pdf: str = "none"
    pdf_problems: list[str] = field(default_factory=list)
    #: Whether this session has written a preview (else plan.html is served).
    previewed: bool = False
    tick: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def update(self, problems: list[str], *, previewed: bool = False) -> None:
        with self.changed:
            self.version += 1
            self.problems = problems
            self.previewed = self.previewed or previewed
            self.tick += 1
            self.changed.notify_all()

    def set_pdf(self, state: str, problems: list[str] | None = None) -> None:
        with self.changed:
            self.pdf, self.pdf_problems = state, problems or []
            self.tick += 1
            self.changed.notify_all()

    def as_json(self, after: int | None = None, timeout: float = LONG_POLL_SECONDS) -> bytes:
        """The state; with ``after`` (a tick the page has seen), not before it changes or
        ``timeout`` passes."""
        with self.changed:
            if after is not None:
                self.changed.wait_for(lambda: self.tick != after, timeout)
            return json.dumps(
                {
                    "version": self.version,
                    "problems": self.problems,
                    "tick": self.tick,
                    "pdf": {"state": self.pdf, "problems": self.pdf_problems},
                },
                ensure_ascii=False,
            ).encode("utf-8")


class PdfBuilder:
    """The PDF, built in the background by ``command`` (a full build) in a process of its
    own: at most one at a time; a newer request cancels the build in progress."""

    def __init__(self, command: list[str], state: BuildState, report: Report) -> None:
        self.command, self.state, self.report = command, state, report
        self.cond = threading.Condition()
        self.wanted = 0  # the newest HTML round that asked for a PDF
        self.done = 0  # the newest round whose build finished (built or failed)
        self.closed = False
        self.thread = threading.Thread(target=self._run, name="pdf-builder", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def request(self, round_: int) -> None:
        """Build the PDF for HTML round ``round_`` (cancelling an older build in progress)."""
        with self.cond:
            self.wanted = max(self.wanted, round_)
            self.cond.notify_all()

    def wait(self, timeout: float = PDF_WAIT_SECONDS) -> bool:
        """Wait until the PDF asked for so far is built (or failed); False on timeout."""
        with self.cond:
            target = self.wanted
            return self.cond.wait_for(lambda: self.done >= target or self.closed, timeout)

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        if self.thread.is_alive():
            self.thread.join(timeout=CANCEL_GRACE_SECONDS + 5)

    def _superseded(self, round_: int) -> bool:
        with self.cond:
            return self.closed or self.wanted > round_

    def _run(self) -> None:
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.closed or self.wanted > self.done)
                if self.closed:
                    return
                round_ = self.wanted
            self.state.set_pdf("building")
            started = time.perf_counter()
            try:
                code, output = self._build(round_)
            except OSError as exc:  # the interpreter could not be started
                code, output = 2, [f"internal error: {type(exc).__name__}: {exc}"]
            if code is None:  # cancelled: a newer round follows (or the preview stops)
                self.report(
                    "PDF の作成を取りやめました（新しい保存の PDF を作ります）。"
                    " (PDF build cancelled: superseded by a newer save)"
                )
                if self._superseded(round_) and not self.closed:
                    continue
            elif code == 0:
                for line in output:
                    if not line.startswith("warning: 公用文 lint"):  # the preview said it already
                        self.report(line)
                self.state.set_pdf("ready")
            else:
                problems = [
                    line
                    for line in output
                    if line.strip()
                    and not line.startswith("warning:")
                    and not re.match(r"(build failed|interrupted|output/ was left)", line)
                ]
                for line in problems:
                    self.report(line)
                self.state.set_pdf("failed", problems or [f"PDF build exited with {code}"])
            with self.cond:
                self.done = max(self.done, round_)
                self.cond.notify_all()
            if code is not None:
                self.report(f"PDF: {time.perf_counter() - started:.1f} s")

    def _build(self, round_: int) -> tuple[int | None, list[str]]:
        """Run one build; its exit code (None if cancelled) and its output lines."""
        process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
        chunks: list[str] = []
        while True:
            try:
                out, _ = process.communicate(timeout=0.1)
                chunks.append(out or "")
                return process.returncode, "".join(chunks).splitlines()
            except subprocess.TimeoutExpired:
                pass
            if self._superseded(round_):
                _cancel(process)
                return None, []


def _cancel(process: subprocess.Popen) -> None:
    """Stop a build as Ctrl-C would (it removes its temporaries, or completes a set it was
    renaming into place); kill it if it does not stop in time."""
    try:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=CANCEL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
    except OSError:
        pass


#: The products the preview serves, with their media types. ``/plan.html`` is the
#: preview's own file (``pipeline.preview_path``) once this session has written one.
PRODUCTS = {
    "/plan.html": "text/html; charset=utf-8",
    "/plan.pdf": "application/pdf",
    "/overview.html": "text/html; charset=utf-8",
    "/overview.pdf": "application/pdf",
}
#: The 概要's products, served as the last build left them (the build the PDF waits for
#: makes them too).
OVERVIEW_PRODUCTS = ("/overview.html", "/overview.pdf")
#: The kinds of style file it serves (stylesheets and the fonts they load).
STYLE_SUFFIXES = (".css", ".ttf", ".otf", ".woff", ".woff2")
#: The figures' image files it serves: only those the page shows (``PreviewHandler._figure``).
FIGURE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}
#: An image is shown, never run: an SVG opened on its own may not run script or fetch.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
_IMG_SRC = re.compile(r'<img\s[^>]*?src="([^"]*)"')


@dataclass(frozen=True)
class Site:
    """What the preview serves: the output folder and the preview's, where the styles are
    asked for, the Host headers it answers to, and the PDF builder ``/plan.pdf`` waits for."""

    out: Path
    state: BuildState
    style_prefixes: tuple[str, ...]
    hosts: frozenset[str]
    preview: Path = Path()
    pdf: PdfBuilder | None = None
    content: Path | None = None
    """The content folder, whose figures the page shows (None: no figures served)."""

    @classmethod
    def make(
        cls,
        out: Path,
        state: BuildState,
        port: int,
        pdf: PdfBuilder | None = None,
        content: Path | None = None,
    ) -> Site:
        from .pipeline import preview_path
        from .write import stylesheet_href

        # plan.html links its stylesheet relatively; a browser resolves a path that climbs
        # above the root at the root, as urljoin does.
        linked = posixpath.dirname(
            urlsplit(urljoin("http://127.0.0.1/plan.html", stylesheet_href(out))).path
        )
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        if port == 80:
            hosts |= {"127.0.0.1", "localhost", "[::1]"}
        return cls(
            out,
            state,
            tuple(dict.fromkeys(["/styles", linked.rstrip("/") or "/styles"])),
            frozenset(hosts),
            preview_path(out).parent,
            pdf,
            content,
        )


def request_path(raw: str) -> str | None:
    """The decoded path of a request target, or None if it is malformed: not a plain
    path, bad percent-encoding or UTF-8, a control character, a backslash or a ``.`` or
    ``..`` segment."""
    if not raw.startswith("/") or raw.startswith("//"):
        return None
    path = raw.split("?", 1)[0].split("#", 1)[0]
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded) or "\\" in decoded:
        return None
    if any(segment in (".", "..") for segment in decoded.split("/")):
        return None
    return decoded


def _after(raw: str) -> int | None:
    """The tick of ``/__status?after=N`` (the page's long poll), or None."""
    query = raw.split("?", 1)[1] if "?" in raw else ""
    match = re.fullmatch(r"after=(-?\d{1,12})", query)
    return int(match.group(1)) if match else None


class PreviewHandler(BaseHTTPRequestHandler):
    """Serves the preview, the PDF, the project's styles (the HTML links them relatively)
    and the build status; nothing else on the machine is reachable through it."""

    server_version = "keikaku-preview"
    sys_version = ""
    timeout = PREVIEW_IDLE_SECONDS

    def __init__(self, *args, site: Site, **kwargs) -> None:
        self.site = site
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args) -> None:
        pass  # the console shows builds, not every request

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0].strip().lower() not in self.site.hosts:
            self.send_error(HTTPStatus.FORBIDDEN, "unknown host")
            return
        path = request_path(self.path)
        if path is None:
            self.send_error(HTTPStatus.BAD_REQUEST, "malformed path")
            return
        if path == "/":
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", "/plan.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == STATUS_PATH:
            self._send("application/json", self.site.state.as_json(_after(self.path)), head)
            return
        if path == "/plan.html":
            self._send(PRODUCTS[path], self._page(), head)
            return
        if path == "/plan.pdf" or path in OVERVIEW_PRODUCTS:
            if self.site.pdf is not None:
                self.site.pdf.wait()  # the PDF of what the page shows, not the one before
            self._send(PRODUCTS[path], files.read_product(self.site.out, path[1:]), head)
            return
        figure = self._figure(path)
        if figure is not None:
            self._send(FIGURE_TYPES[figure.suffix.lower()], self._read_figure(figure), head)
            return
        style = self._style(path)
        if style is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self._send(
            mimetypes.guess_type(style.name)[0] or "application/octet-stream",
            self._read_style(style),
            head,
        )

    def _page(self) -> bytes:
        """The preview (or, before this session wrote one, the last built plan.html, or a
        placeholder) with the reload script."""
        state = self.site.state
        with state.changed:  # the version before the file: a newer file only reloads once more
            version, previewed = state.version, state.previewed
        body = None
        if previewed and _is_folder(self.site.preview):  # never read through a planted link
            body = files.read_product(self.site.preview, "plan.html")
        if body is None:
            body = files.read_product(self.site.out, "plan.html")
        page = body.decode("utf-8", "replace") if body is not None else PLACEHOLDER
        script = RELOAD_SCRIPT.replace("__VERSION__", str(version))
        return page.replace("</body>", script + "</body>", 1).encode("utf-8")

    def _style(self, path: str) -> Path | None:
        """The file of styles/ a path names, if it names one we serve."""
        for prefix in self.site.style_prefixes:
            if path.startswith(prefix + "/"):
                parts = path[len(prefix) + 1 :].split("/")
                if all(p and not p.startswith(".") for p in parts) and parts[-1].lower().endswith(
                    STYLE_SUFFIXES
                ):
                    return STYLES_DIR.joinpath(*parts)
        return None

    def _figure(self, path: str) -> Path | None:
        """The content file of a figure the page shows at ``path`` (its ``<img src>``
        resolved as the browser resolves it), if the page shows one there. Nothing else
        of the content folder is served: not its YAML, not an image no figure uses."""
        content = self.site.content
        if content is None or not path.lower().endswith(tuple(FIGURE_TYPES)):
            return None
        from .write import content_href

        page = self._page().decode("utf-8", "replace")
        base = content_href(self.site.out, content)
        for src in _IMG_SRC.findall(page):
            src = html.unescape(src)
            if not src.startswith(base + "/"):
                continue  # a data: URL, or not a content file
            shown = unquote(urlsplit(urljoin("http://127.0.0.1/plan.html", src)).path)
            rel = src[len(base) + 1 :]
            parts = rel.split("/")
            if shown == path and all(p and p not in (".", "..") for p in parts):
                return content.joinpath(*parts)
        return None

    def _read_figure(self, path: Path) -> bytes | None:
        assert self.site.content is not None
        try:
            return files.read_bytes(path, root=self.site.content, limit=MAX_IMAGE_BYTES)
        except files.Refused:
            return None

    def _read_style(self, path: Path) -> bytes | None:
        try:
            return files.read_bytes(path, root=STYLES_DIR, limit=MAX_SERVED_BYTES)
        except files.Refused:
            return None

    def _send(self, kind: str, body: bytes | None, head: bool = False) -> None:
        if body is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if kind.startswith("image/"):
            self.send_header("Content-Security-Policy", IMAGE_POLICY)
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


class PreviewServer(ThreadingHTTPServer):
    """The preview's server: one thread per connection, and a client that goes away or
    sends garbage costs one quiet line of nothing (no traceback in the console)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


def inputs_state(roots: list[tuple[str, Path]], *, contents: bool = False) -> str:
    """A digest of the inputs under ``roots``: every entry's name, kind, size and
    modification time, and with ``contents`` the bytes of each regular file up to
    ``stamp.FULL_HASH_LIMIT`` (larger ones, the fonts, by size and time only). Never follows
    a symbolic link nor opens anything but a regular file; at most ``MAX_CONTENT_ENTRIES``
    entries a tree."""
    h = hashlib.sha256()

    def feed(*parts: object) -> None:
        h.update("\0".join(map(str, parts)).encode("utf-8", "surrogateescape") + b"\1")

    for label, root in roots:
        feed("tree", label)
        for name, path, st, listing in files.walk(root):
            if st is None:
                feed("too many entries")
                break
            if isinstance(st, OSError):
                feed(name, "unreadable" if listing else "unstatable", st.errno)
                continue
            if stat.S_ISDIR(st.st_mode):
                feed(name, "folder")
                continue
            feed(name, stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)
            if contents and stat.S_ISREG(st.st_mode) and st.st_size <= FULL_HASH_LIMIT:
                try:
                    h.update(
                        hashlib.sha256(
                            files.read_bytes(path, root=None, limit=FULL_HASH_LIMIT)
                        ).digest()
                    )
                except files.Refused as exc:
                    feed("refused", exc.kind)
    return h.hexdigest()


class Watcher:
    """Renders the preview whenever the inputs change, and asks ``pdf`` for the PDF."""

    def __init__(
        self,
        content: Path,
        out: Path,
        state: BuildState,
        report: Report,
        pdf: PdfBuilder | None = None,
        render: Callable[[], object] | None = None,
        on_first: Callable[[], object] | None = None,
    ) -> None:
        from .pipeline import render_preview

        self.content, self.out, self.state, self.report, self.pdf = content, out, state, report, pdf
        self.render = render or partial(render_preview, content, out, warn=report)
        self.roots = [("content", content), *SOURCE_DIRS.items()]
        self.on_first = on_first
        self.stop = threading.Event()

    def build_once(self) -> bool:
        """One round: the HTML, then (if it succeeded) a PDF asked for. False if the inputs
        changed while it ran and it failed (a save caught half written): not reported."""
        before = inputs_state(self.roots)
        started = time.perf_counter()
        try:
            self.render()
        except BuildError as exc:
            if inputs_state(self.roots) != before:
                return False
            lines = [str(p) for p in exc.problems]
            for line in lines:
                self.report(line)
            self.state.update(lines)
            return True
        except Exception as exc:  # keep watching: the next save may fix it
            line = f"internal error: {type(exc).__name__}: {exc}"
            self.report(line)
            self.state.update([line])
            return True
        if self.pdf is not None:
            self.pdf.request(self.state.version + 1)  # before the page hears of the new HTML
        self.state.update([], previewed=True)
        self.report(
            f"プレビューを更新しました（{time.perf_counter() - started:.2f} s）。PDF は続けて作ります。"
            " (preview updated; the PDF follows)"
        )
        return True

    def run(self) -> None:
        seen, glance, next_full = None, None, 0.0
        first = True
        while not self.stop.is_set():
            try:
                current = inputs_state(self.roots)
                now = time.monotonic()
                if current != glance or now >= next_full:
                    # Any change, or every FULL_CHECK_SECONDS: the bytes too.
                    full = inputs_state(self.roots, contents=True)
                    next_full = now + FULL_CHECK_SECONDS
                    if full != seen:
                        # Taken before the round: a save during it changes it again, and
                        # the next round renders once more.
                        if self.build_once():
                            seen = full
                        if first and self.on_first:
                            first = False
                            self.on_first()
                    glance = current
            except Exception as exc:  # the page must not say all is well while nothing is watched
                line = f"watch: the inputs cannot be read: {type(exc).__name__}: {exc}"
                self.report(line)
                self.state.update([line])
                self.stop.wait(2.0)
                continue
            self.stop.wait(POLL_SECONDS)


def pdf_command(content: Path, out: Path) -> list[str]:
    """The full build the preview runs for the PDF: the draft, without the Word edition."""
    return [
        sys.executable,
        str(PROJECT_ROOT / "build.py"),
        "build",
        "--no-docx",
        "--content",
        str(content),
        "--out",
        str(out),
    ]


def _open_browser(url: str, report: Report) -> None:
    try:
        opened = webbrowser.open(url)
    except Exception:  # a broken browser setting must not stop the preview
        opened = False
    if not opened:
        report(f"ブラウザを開けませんでした。{url} を開いてください。 (could not open a browser)")


def serve(
    content: Path,
    out: Path,
    port: int,
    report: Report = print,
    *,
    open_browser: bool = False,
    command: list[str] | None = None,
) -> None:
    """Watch, preview and serve until interrupted (Ctrl-C, or SIGTERM). ``command`` builds
    the PDF (default: ``pdf_command``). Raises ``BuildError`` if the content or output
    folder cannot be used at all."""
    files.check_content_root(content)
    files.check_output_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    for note in files.recover(out):
        report(f"warning: {out}: {note}")
    state = BuildState()
    pdf = PdfBuilder(command or pdf_command(content, out), state, report)
    server = PreviewServer(
        ("127.0.0.1", port), partial(PreviewHandler, site=Site.make(out, state, port, pdf, content))
    )
    bound = server.server_address[1]
    if bound != port:  # --port 0: the Host header names the port actually bound
        server.RequestHandlerClass = partial(
            PreviewHandler, site=Site.make(out, state, bound, pdf, content)
        )
    url = f"http://127.0.0.1:{bound}/plan.html"
    on_first = None
    if open_browser:

        def on_first() -> None:
            threading.Thread(target=_open_browser, args=(url, report), daemon=True).start()

    watcher = Watcher(content, out, state, report, pdf, on_first=on_first)
    report(f"preview on {url} (rebuilds on every change; Ctrl-C stops)")
    thread = threading.Thread(target=watcher.run, name="watcher", daemon=True)
    previous = None
    if threading.current_thread() is threading.main_thread():
        # SIGTERM stops the preview as Ctrl-C does, so the PDF build in progress is stopped too.
        previous = signal.signal(signal.SIGTERM, _interrupt)
    pdf.start()
    thread.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        watcher.stop.set()
        thread.join(timeout=10)
        pdf.close()
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
