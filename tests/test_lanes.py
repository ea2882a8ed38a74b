"""The fast lane holds itself to its page budget: a test that lays out more pages than
``FAST_LANE_PAGES`` without the ``typeset`` mark fails, and with it passes."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from conftest import FAST_LANE_PAGES, PROJECT

BODY = """\
    import pytest

    from conftest import TINY, build, write_content


    def _builds(tmp_path, times):
        content = write_content(tmp_path, base=TINY)
        for n in range(times):
            build(content, tmp_path / f"out{{n}}", report=lambda _: None, warn=lambda _: None)


    def test_within_the_budget(tmp_path):
        _builds(tmp_path, {within})


    def test_over_the_budget(tmp_path):
        _builds(tmp_path, {over})


    @pytest.mark.typeset
    def test_over_the_budget_and_marked(tmp_path):
        _builds(tmp_path, {over})
"""


@pytest.mark.typeset
def test_a_test_over_the_page_budget_fails_unless_marked(pytester):
    # The tiny plan is one page; its 概要 is laid out in a child, which is not counted.
    shutil.copy(PROJECT / "tests" / "conftest.py", pytester.path / "conftest.py")
    pytester.makepyfile(
        test_budget=textwrap.dedent(BODY).format(within=FAST_LANE_PAGES, over=FAST_LANE_PAGES + 1)
    )
    result = pytester.runpytest_subprocess("-p", "no:xdist", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [f"*test_over_the_budget laid out {FAST_LANE_PAGES + 1} pages, more than *"]
    )
