"""Independent work on the other core (keikaku/forked.py): what a forked child answers is
what the work would have given here, refusals and warnings included; where forking is
not safe, or the child gives no answer, the work runs here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import PROJECT, write_content
from keikaku import forked
from keikaku.errors import BuildError, Pos, Problem

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _in_child_only(monkeypatch) -> None:
    """This test process forks, whatever threads the test runner keeps."""
    monkeypatch.setattr(forked, "can_fork", lambda: True)


def test_the_childs_value_and_warnings_come_back_in_order(monkeypatch):
    _in_child_only(monkeypatch)
    parent = os.getpid()
    heard: list[str] = []

    def work(warn):
        warn("一つ目")
        warn("二つ目")
        return {"pid": os.getpid(), "data": b"\x00" * 100_000}

    job = forked.Forked(work, heard.append)
    assert job.pid is not None and job.pid != parent
    value = job.result()
    assert value["pid"] != parent and value["data"] == b"\x00" * 100_000
    assert heard == ["一つ目", "二つ目"]


def test_a_refusal_in_the_child_is_the_same_refusal_here(monkeypatch):
    _in_child_only(monkeypatch)
    problem = Problem(Pos("content/overview.yaml", 3, 5), "列が頁に収まりません")
    note = Problem(Pos("output", 0, 0), "何も書き出していません")

    def work(warn):
        warn("注意")
        raise BuildError([problem], note=note)

    heard: list[str] = []
    with pytest.raises(BuildError) as caught:
        forked.Forked(work, heard.append).result()
    assert caught.value.problems == [problem] and caught.value.note == note
    assert heard == ["注意"]


def test_a_fault_in_the_child_runs_the_work_here(monkeypatch):
    _in_child_only(monkeypatch)
    parent = os.getpid()
    heard: list[str] = []

    def work(warn):
        warn("実行")
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return "here"

    assert forked.Forked(work, heard.append).result() == "here"
    assert heard == ["実行"]  # the child's warning is not told twice


def test_a_child_killed_before_it_answers_leaves_the_work_to_this_process(monkeypatch):
    _in_child_only(monkeypatch)
    parent = os.getpid()

    def work(_warn):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return os.getpid()

    assert forked.Forked(work, lambda _: None).result() == parent


def test_with_other_threads_running_nothing_is_forked():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        job = forked.Forked(lambda _warn: os.getpid(), lambda _: None)
        assert job.pid is None and job.result() == os.getpid()
    finally:
        stop.set()
        other.join()


def test_close_ends_a_child_still_working(monkeypatch):
    _in_child_only(monkeypatch)
    job = forked.Forked(lambda _warn: time.sleep(60), lambda _: None)
    pid = job.pid
    job.close()
    assert job.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped


@pytest.mark.typeset
def test_the_overview_made_in_a_child_is_the_one_made_here(tmp_path):
    """``build.py`` (one thread: it forks) and a build in this test process with forking
    off give the same 概要, byte for byte; the plan beside it too."""
    content = write_content(tmp_path)
    forked_out, here_out = tmp_path / "forked", tmp_path / "here"
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}

    def build(out, fork: bool) -> str:
        # The command's main, with os.fork counted (or forking turned off).
        code = (
            "import os, sys; from keikaku import forked; real = os.fork; forks = []\n"
            "def counted():\n    pid = real()\n    if pid: forks.append(pid)\n    return pid\n"
            "os.fork = counted\n"
            + ("" if fork else "forked.can_fork = lambda: False\n")
            + "from keikaku.cli import main\n"
            f"code = main(['--no-docx', '--content', {str(content)!r}, '--out', {str(out)!r}])\n"
            "print('forks', len(forks), file=sys.stderr); sys.exit(code)\n"
        )
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr
        return run.stderr

    assert "forks 1" in build(forked_out, fork=True)  # the 概要, beside the plan's layout
    assert "forks 0" in build(here_out, fork=False)
    for name in ("overview.pdf", "overview.html", "plan.pdf"):
        assert (forked_out / name).read_bytes() == (here_out / name).read_bytes(), name
