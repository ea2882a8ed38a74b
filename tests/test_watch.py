"""Live preview end to end: ``build.py watch`` in its own process, the page in headless
Chromium (Debian's chromium and chromium-driver, installed by ``make test``), and edits
to the content that the open page picks up by itself: the HTML at once, the PDF behind
it, problems over the page. The time from each save to the updated page is recorded
(printed, and written to ``preview-latency.json`` in the test's folder), not asserted:
that is the benchmark's job (``python -m bench --only preview``)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pypdf
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CLEAN, PROJECT, write_content
from keikaku import files

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Stands in for a browser: ``--open`` runs it (webbrowser honours $BROWSER) with the URL.
FAKE_BROWSER = "import pathlib, sys\npathlib.Path(sys.argv[1]).write_text(sys.argv[2])\n"


def fetch(url: str, timeout: float = 5) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def status(url: str) -> dict:
    return json.loads(fetch(url + "/__status"))


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def preview(tmp_path):
    """A running ``build.py watch --open`` on a free port; yields (base URL, content dir,
    output dir, the file the stand-in browser wrote)."""
    content = write_content(tmp_path, CLEAN)
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "browser.py"
    fake.write_text(FAKE_BROWSER)
    process = subprocess.Popen(
        [
            sys.executable,
            str(PROJECT / "build.py"),
            "watch",
            "--port",
            "0",
            "--open",
            "--content",
            str(content),
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "BROWSER": f"{sys.executable} {fake} {opened} %s"},
    )
    try:
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert match, first
        url = f"http://127.0.0.1:{match.group(1)}"
        deadline = time.monotonic() + 120
        while status(url)["version"] < 1:
            assert time.monotonic() < deadline, "the first preview did not come"
            time.sleep(0.1)
        yield url, content, tmp_path / "out", opened
    finally:
        process.terminate()  # SIGTERM stops the preview and the PDF build in progress
        output = process.communicate(timeout=30)[0]
    assert "Traceback" not in output and "internal error" not in output, output


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def test_preview_reloads_on_edits_and_shows_errors_in_the_page(preview, browser, tmp_path):
    url, content, out, opened = preview
    deadline = time.monotonic() + 30
    while not opened.exists():  # --open: the browser was asked for the preview's address
        assert time.monotonic() < deadline, "--open did not open a browser"
        time.sleep(0.1)
    assert opened.read_text() == url + "/plan.html"

    browser.get(url + "/")
    # The page reloads itself: an element found just before a reload goes stale; look again.
    wait = WebDriverWait(
        browser, 120, poll_frequency=0.02, ignored_exceptions=[StaleElementReferenceException]
    )
    wait.until(lambda d: "施策テーマＡ" in body_text(d))
    assert browser.title == "テスト計画（素案）"
    # The PDF follows in the background; the page links it and says when it is ready.
    wait.until(lambda d: d.find_element(By.ID, "__pdf").text == "PDF")
    assert browser.find_element(By.ID, "__pdf").get_attribute("href") == url + "/plan.pdf"
    marker = browser.execute_script("window.__marker = 1; return window.__marker;")
    assert marker == 1

    goal = content / "goals" / "a.yaml"
    good = goal.read_text("utf-8")
    latencies = []
    for i, title in enumerate(["施策テーマ改", "施策テーマ新", "施策テーマ再"]):
        saved = time.perf_counter()
        goal.write_text(good.replace("施策テーマＡ", title), "utf-8")
        wait.until(lambda d, title=title: title in body_text(d))
        latencies.append(time.perf_counter() - saved)
        # The page reloaded itself: nothing here called refresh, and the old page's state is gone.
        assert browser.execute_script("return window.__marker === undefined")
        browser.execute_script(f"window.__marker = {i + 2};")
        # The output folder holds a whole set of one build, never the new HTML beside the
        # old PDF: the preview's HTML is a file of its own.
        assert title in (out / ".preview" / "plan.html").read_text("utf-8")
    record = {"save to updated page (s)": latencies, "median (s)": sorted(latencies)[1]}
    (tmp_path / "preview-latency.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    print(f"\npreview latency, save to updated page in Chromium: {record}")

    # /plan.pdf is the PDF of what the page shows: it waits for the build in progress.
    assert "施策テーマ再" in pdf_text(fetch(url + "/plan.pdf", timeout=120))
    wait.until(lambda d: d.find_element(By.ID, "__pdf").text == "PDF")
    assert "施策テーマ再" in files.read_product(out, "plan.html").decode("utf-8")

    goal.write_text(good.replace("package: 施策テーマＡ", "package: [施策テーマ"), "utf-8")
    wait.until(lambda d: d.find_elements(By.ID, "__build_problems"))
    box = browser.find_element(By.ID, "__build_problems")
    problems = box.text
    assert re.search(r"goals/a\.yaml:\d+:\d+: ", problems), problems
    assert "build failed" in problems and "作成できませんでした" in problems
    # Set in the vendored fonts, which plan.css loads: no □ on a machine without Japanese fonts.
    assert "BIZ UDGothic" in box.value_of_css_property("font-family")
    wait.until(
        lambda d: d.execute_script(
            "return Array.from(document.fonts).some(function (f) {"
            " return f.family.replace(/[\"']/g, '') === 'BIZ UDGothic' && f.status === 'loaded'; })"
        )
    )

    goal.write_text(good.replace("施策テーマＡ", "施策テーマ直"), "utf-8")
    wait.until(
        lambda d: "施策テーマ直" in body_text(d) and not d.find_elements(By.ID, "__build_problems")
    )


def test_a_failed_pdf_build_is_reported_by_its_problems():
    """A problem only the PDF's build finds is shown over the page: its lines, without the
    build's summary line."""
    from keikaku.watch import BuildState, PdfBuilder

    state = BuildState()
    builder = PdfBuilder(
        [
            sys.executable,
            "-c",
            "import sys; print('content/x.yaml:1:1: だめです (bad)');"
            " print('build failed: 1 problem; output/ was left as it was.'); sys.exit(1)",
        ],
        state,
        lambda _line: None,
    )
    builder.start()
    try:
        builder.request(1)
        assert builder.wait(timeout=60)
    finally:
        builder.close()
    assert state.pdf == "failed"
    assert state.pdf_problems == ["content/x.yaml:1:1: だめです (bad)"]


def test_a_newer_save_cancels_the_pdf_build_in_progress(tmp_path):
    from keikaku.watch import BuildState, PdfBuilder

    started = tmp_path / "started"
    slow = (
        f"import pathlib, sys, time; p = pathlib.Path({str(started)!r}); "
        "n = int(p.read_text()) + 1 if p.exists() else 1; p.write_text(str(n)); "
        "time.sleep(30 if n == 1 else 0)"
    )
    state = BuildState()
    lines: list[str] = []
    builder = PdfBuilder([sys.executable, "-c", slow], state, lines.append)
    builder.start()
    try:
        builder.request(1)
        deadline = time.monotonic() + 30
        while not started.exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        began = time.monotonic()
        builder.request(2)  # a newer save: the first build stops, the second runs
        assert builder.wait(timeout=60)
        assert time.monotonic() - began < 20, "the build in progress was not cancelled"
    finally:
        builder.close()
    assert started.read_text() == "2"
    assert state.pdf == "ready"
    assert any("取りやめ" in line for line in lines)


def test_preview_serves_nothing_outside_the_output_and_styles(preview):
    url, _content, _out, _opened = preview
    for path in (
        "/../../etc/passwd",
        "/styles/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/.preview/plan.html",
    ):
        request = urllib.request.Request(url + path)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            assert exc.code in (400, 404)  # a ``..`` segment is a malformed path: 400
        else:
            assert b"root:" not in body
    assert b"@page" in fetch(url + "/styles/plan.css")
    assert b"BIZ UDGothic" in fetch(url + "/styles/fonts.css")
