"""Live preview end to end: ``build.py watch`` in its own process, the page in headless
Chromium (Debian's chromium and chromium-driver, installed by ``make test``), and edits
to the content that the open page picks up by itself."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from test_safety import CLEAN

from conftest import PROJECT, write_content

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def status(url: str) -> dict:
    with urllib.request.urlopen(url + "/__status", timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def preview(tmp_path):
    """A running ``build.py watch`` on a free port; yields (base URL, content dir)."""
    content = write_content(tmp_path, CLEAN)
    process = subprocess.Popen(
        [sys.executable, str(PROJECT / "build.py"), "watch", "--port", "0",
         "--content", str(content), "--out", str(tmp_path / "out")],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert match, first
        url = f"http://127.0.0.1:{match.group(1)}"
        deadline = time.monotonic() + 120
        while status(url)["version"] < 1:
            assert time.monotonic() < deadline, "the first build did not finish"
            time.sleep(0.3)
        yield url, content
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def test_preview_reloads_on_edits_and_shows_errors_in_the_page(preview, browser):
    url, content = preview
    browser.get(url + "/")
    wait = WebDriverWait(browser, 120, poll_frequency=0.5)
    wait.until(lambda d: "施策テーマＡ" in body_text(d))
    assert browser.title == "テスト計画（素案）"
    marker = browser.execute_script("window.__marker = 1; return window.__marker;")
    assert marker == 1

    goal = content / "goals" / "a.yaml"
    good = goal.read_text("utf-8")
    goal.write_text(good.replace("施策テーマＡ", "施策テーマ改"), "utf-8")
    wait.until(lambda d: "施策テーマ改" in body_text(d))
    # The page reloaded itself: nothing here called refresh, and the old page's state is gone.
    assert browser.execute_script("return window.__marker === undefined")

    goal.write_text(good.replace("package: 施策テーマＡ", "package: [施策テーマ"), "utf-8")
    wait.until(lambda d: d.find_elements(By.ID, "__build_problems"))
    problems = browser.find_element(By.ID, "__build_problems").text
    assert re.search(r"goals/a\.yaml:\d+:\d+: ", problems), problems
    assert "build failed" in problems

    goal.write_text(good.replace("施策テーマＡ", "施策テーマ直"), "utf-8")
    wait.until(lambda d: "施策テーマ直" in body_text(d) and not d.find_elements(By.ID, "__build_problems"))


def test_preview_serves_nothing_outside_the_output_and_styles(preview):
    url, _content = preview
    for path in ("/../../etc/passwd", "/styles/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"):
        request = urllib.request.Request(url + path)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
        else:
            assert b"root:" not in body
    with urllib.request.urlopen(url + "/styles/plan.css", timeout=5) as response:
        assert b"@page" in response.read()
