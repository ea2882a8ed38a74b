"""Live preview: ``python build.py watch`` rebuilds on every change and serves the HTML.

One thread watches the inputs (the same digest the no-op check uses: content,
templates, styles, code) and rebuilds the draft when it changes; the main thread serves
the output folder on 127.0.0.1 only. Every HTML page served gets a small script that
asks ``/__status`` once a second and reloads the page when a new build is ready, or
shows the build's problems over the page (file:line and message) until they are fixed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import BuildError
from .paths import STYLES_DIR
from .stamp import input_digest

STATUS_PATH = "/__status"

# Injected before </body> of every HTML page served. Plain DOM calls only: no framework.
RELOAD_SCRIPT = """<script>
(function () {
  var seen = null;
  function show(problems) {
    var box = document.getElementById("__build_problems");
    if (!problems.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "__build_problems";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;overflow:auto;background:#fff;color:#900;" +
        "font:14px/1.6 monospace;padding:2em;white-space:pre-wrap;z-index:9999";
      document.body.appendChild(box);
    }
    box.textContent = "build failed (the page below is the last good build):\\n\\n" + problems.join("\\n");
  }
  function poll() {
    fetch("__STATUS__", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.version !== seen && !s.problems.length) { location.reload(); return; }
      seen = s.version;
      show(s.problems);
    }).catch(function () {}).finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>""".replace("__STATUS__", STATUS_PATH)


@dataclass
class BuildState:
    """What the server tells the page: a version that changes with every build, and
    the problems of the last build if it failed."""

    version: int = 0
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def update(self, problems: list[str]) -> None:
        with self.lock:
            self.version += 1
            self.problems = problems

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps({"version": self.version, "problems": self.problems},
                              ensure_ascii=False).encode("utf-8")


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the output folder, the project's styles (the HTML links them relatively)
    and the build status; nothing else on the machine is reachable through it."""

    def __init__(self, *args, state: BuildState, directory: str, **kwargs) -> None:
        self.state = state
        super().__init__(*args, directory=directory, **kwargs)

    def log_message(self, format: str, *args) -> None:
        pass  # the console shows builds, not every request

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == STATUS_PATH:
            self._send(HTTPStatus.OK, "application/json", self.state.as_json())
            return
        if path == "/":
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", "/plan.html")
            self.end_headers()
            return
        if "/styles/" in path:
            # plan.html links ../styles/plan.css from the output folder.
            target = (STYLES_DIR / path.split("/styles/", 1)[1]).resolve()
            if target.is_file() and target.is_relative_to(STYLES_DIR.resolve()):
                self._send(HTTPStatus.OK, self.guess_type(str(target)), target.read_bytes())
            else:
                self.send_error(HTTPStatus.NOT_FOUND)
            return
        if path.endswith(".html"):
            target = Path(self.translate_path(path))
            if target.is_file():
                page = target.read_text("utf-8")
                page = page.replace("</body>", RELOAD_SCRIPT + "</body>", 1)
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", page.encode("utf-8"))
                return
        super().do_GET()

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class Watcher:
    """Rebuilds the draft whenever the inputs' digest changes."""

    def __init__(self, content: Path, out: Path, state: BuildState, build: Callable[[], object],
                 report, interval: float = 0.5):
        self.content, self.out, self.state, self.report = content, out, state, report
        self.build = build
        self.interval = interval
        self.stop = threading.Event()

    def build_once(self) -> None:
        try:
            self.build()
            self.state.update([])
        except BuildError as exc:
            lines = [str(p) for p in exc.problems]
            for line in lines:
                self.report(line)
            self.state.update(lines)
        except Exception as exc:  # keep watching: the next save may fix it
            self.report(f"internal error: {type(exc).__name__}: {exc}")
            self.state.update([f"internal error: {type(exc).__name__}: {exc}"])

    def run(self) -> None:
        digest = None
        while not self.stop.is_set():
            current = input_digest(self.content, self.out)
            if current != digest:
                # The digest from before the build: a save made during the build changes
                # it again, and the next round builds once more.
                digest = current
                self.build_once()
            self.stop.wait(self.interval)


def serve(content: Path, out: Path, port: int, build: Callable[[], object], report=print) -> None:
    """Watch, rebuild with ``build`` (the draft, forced) and serve until interrupted (Ctrl-C)."""
    out.mkdir(parents=True, exist_ok=True)
    state = BuildState()
    watcher = Watcher(content, out, state, build, report)
    handler = partial(PreviewHandler, state=state, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    report(f"preview on http://127.0.0.1:{server.server_address[1]}/plan.html "
           "(rebuilds on every change; Ctrl-C stops)")
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        watcher.stop.set()
        server.server_close()
        thread.join(timeout=5)
