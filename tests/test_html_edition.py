"""The HTML edition as a browser shows it: headless Chromium (Debian's chromium and
chromium-driver, installed by ``make test``) opens the real plan's plan.html with the
project's stylesheet and reads what a reader, or a screen reader, is given."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from conftest import PROJECT

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: axe-core, pinned in tests/a11y/package.json and installed there by ``make test``.
AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"


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


@pytest.fixture
def page(built_plan, browser):
    """plan.html as built: it links the project's stylesheet by a relative path."""
    browser.get(built_plan.html_path.as_uri())
    # The stylesheet applies (its screen rules set the page on a grey ground).
    ground = "return getComputedStyle(document.documentElement).backgroundColor"
    assert browser.execute_script(ground) == "rgb(221, 221, 221)"
    return browser


def test_no_link_is_shown_without_a_name(page):
    """A page number is the paper's; on screen the 頁 column of 参考１ was 28 links with no
    text (a WCAG level A failure, axe's ``link-name``)."""
    nameless = page.execute_script(
        """return [...document.querySelectorAll('a')]
            .filter(a => a.getClientRects().length && !a.innerText.trim()
                         && !a.getAttribute('aria-label'))
            .map(a => a.getAttribute('href'));"""
    )
    assert nameless == []
    # The 参考１ table is there, with its titles linked to their sections.
    titles = page.execute_script(
        "return document.querySelectorAll('table.package-list a[href^=\"#\"]').length"
    )
    assert titles > 24


def test_the_page_has_a_main_landmark_and_fits_a_phone(page):
    assert page.execute_script("return document.querySelectorAll('main').length") == 1
    viewport = page.execute_script(
        "return document.querySelector('meta[name=viewport]').getAttribute('content')"
    )
    assert "width=device-width" in viewport


def test_screen_readers_are_not_given_the_much_less_than_signs(built_plan):
    """The draft's ≪≫ around a 目指す社会の姿 are the mathematical signs (U+226A/B), read
    aloud as 「小なり小なり」: on the HTML edition they are hidden from screen readers,
    which read the title itself. The text prints them as the draft does."""
    html = built_plan.html_path.read_text("utf-8")
    body = html.split("<body", 1)[1]
    brackets = body.count("≪") + body.count("≫")
    hidden = len(re.findall(r'<span class="vision-bracket" aria-hidden="true">[≪≫]</span>', body))
    assert brackets > 20 and hidden == brackets


def test_each_chapter_is_a_sheet_of_its_own_on_screen(page):
    """On screen the chapters, annexes, the cover and the 目次 stand apart, white sheets on
    the grey ground with a gap between, as the paper's pages do."""
    sheets = page.execute_script(
        """return [...document.querySelectorAll('main > *')].map(el => {
            const r = el.getBoundingClientRect(), s = getComputedStyle(el);
            return [el.id || el.className, r.top, r.bottom, s.backgroundColor];
        });"""
    )
    assert len(sheets) >= 10  # cover, 目次, 4 chapters, 4 annexes
    assert all(color == "rgb(255, 255, 255)" for *_, color in sheets)
    gaps = [b[1] - a[2] for a, b in itertools.pairwise(sheets)]
    assert min(gaps) > 10, gaps  # px: the grey ground shows between every two sheets


def test_footnotes_on_screen_are_calls_linked_to_notes_at_the_chapters_end(page, built_plan):
    """On paper a footnote floats to its page's foot; a screen has none. The HTML edition
    gives each call a link 「※n」 to its note, listed at the end of its chapter with a
    link back, numbered as the PDF numbers them; the PDF prints neither the links nor the
    lists."""
    from keikaku import tree
    from keikaku.load import load_plan

    numbers = tree.footnote_numbers(load_plan(PROJECT / "content"))
    html = built_plan.html_path.read_text("utf-8")
    calls = re.findall(
        r'<span class="footnote" data-footnote="([^"]+)">.*?<a class="fn-call" '
        r'id="fn-call-(\d+)" href="#fn-(\d+)" role="doc-noteref">※(\d+)</a>',
        html,
        re.S,
    )
    assert len(calls) == sum(len(n) for n in numbers.values()) >= 3
    for fid, call, target, shown in calls:
        assert int(call) == int(target) == int(shown) and int(shown) in numbers[fid]
    # On screen: the call and the note are shown, the paper's floated text is not.
    shown = page.execute_script(
        """const vis = el => getComputedStyle(el).display !== 'none';
        return [[...document.querySelectorAll('span.footnote')].some(vis),
                [...document.querySelectorAll('a.fn-call')].every(vis),
                [...document.querySelectorAll('aside.screen-notes li')].map(li => li.id),
                [...document.querySelectorAll('aside.screen-notes')].every(
                    a => a.closest('section.chapter') !== null)];"""
    )
    assert shown == [False, True, [f"fn-{n}" for n in range(1, len(calls) + 1)], True]
    # Each note links back to its call, and the call's chapter holds the note.
    for n in range(1, len(calls) + 1):
        back = page.find_element(By.CSS_SELECTOR, f"#fn-{n} a.fn-back")
        assert back.get_attribute("href").endswith(f"#fn-call-{n}")
        assert page.execute_script(
            "return document.getElementById(arguments[0]).closest('section.chapter') === "
            "document.getElementById(arguments[1]).closest('section.chapter')",
            f"fn-call-{n}",
            f"fn-{n}",
        )
    # The PDF has the paper's form only.
    text = "".join(built_plan.pages)
    assert "↩" not in text and "本文へ戻る" not in text


def _axe_violations(page) -> list:
    """axe-core's WCAG 2.1 A and AA rules over the page as the browser shows it."""
    assert AXE.is_file(), "axe-core is missing: make test installs it (npm ci in tests/a11y)"
    page.execute_script(AXE.read_text(encoding="utf-8"))
    page.set_script_timeout(120)
    return json.loads(
        page.execute_async_script(
            """const done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag',
                               values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(r => done(JSON.stringify(r.violations.map(v => [v.id, v.impact,
                       v.nodes.slice(0, 3).map(n => n.target.join(' '))]))))
               .catch(e => done(JSON.stringify([['error', String(e), []]])));"""
        )
    )


def test_axe_finds_no_wcag_a_or_aa_violation_in_the_overview(built_plan, browser):
    """The 概要's screen edition, overview.html, as built beside plan.html."""
    overview = built_plan.html_path.parent / "overview.html"
    browser.get(overview.as_uri())
    assert browser.execute_script("return document.documentElement.lang") == "ja"
    headings = browser.execute_script("return document.querySelectorAll('h1, h2, h3').length")
    assert headings > 4  # the title and a head for each 重点目標
    assert _axe_violations(browser) == []


def test_axe_finds_no_wcag_a_or_aa_violation(page):
    """axe-core's WCAG 2.1 A and AA rules over the whole HTML edition, as a browser shows
    it (screen stylesheet)."""

    def violations() -> list:
        return _axe_violations(page)

    assert violations() == []
    # The checker sees what it should: the 参考１ page links shown again are link-name.
    page.execute_script(
        "document.querySelectorAll('.col-page').forEach(e => e.style.display = 'table-cell')"
    )
    assert "link-name" in [v[0] for v in violations()]
