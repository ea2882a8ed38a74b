"""Independent work of a build on the other core: a function run in a forked child.

``Forked(work)`` forks this process, runs ``work()`` in the child and goes on here at
once; ``result()`` waits for the child and returns what ``work`` returned, or raises the
``BuildError`` it raised, with the same problems. The build sets the 概要 so while
WeasyPrint lays out the plan (pipeline.py): the child has the loaded plan and the layout
engine already imported, as a copy, so it starts at once and costs no second import.

Only what is safe to fork is forked. Where this process runs other threads (the live
preview's server, a test runner's), where the system has no ``fork``, or where the child
dies before it has answered (killed, out of memory), ``work()`` runs here instead, when
``result()`` is called: the products are the same bytes either way (the layout engine is
deterministic), only the time differs. What ``work`` reports (``warn``) while it runs in
the child is collected and handed to ``result``'s caller in order (``warnings``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

from .errors import BuildError

T = TypeVar("T")

#: What the child answers: ("value", value, warnings), ("refused", problems, note,
#: warnings) for a BuildError, ("fault", traceback text, warnings) for anything else.
_Answer = tuple


def can_fork() -> bool:
    """Whether forking is safe here: the system has ``fork`` and this process runs no
    thread but the main one (a forked child gets only the calling thread, and a lock
    another thread held at the fork would stay held in the child forever)."""
    return hasattr(os, "fork") and threading.active_count() == 1


class Forked(Generic[T]):
    """``work(warn)`` started in a forked child; ``result()`` its value (or its BuildError).

    ``work`` takes the function it reports warnings to: in the child they are collected
    and come back with the answer; run here, they go to ``warn`` directly."""

    def __init__(self, work: Callable[[Callable[[str], None]], T], warn: Callable[[str], None]):
        self.work, self.warn = work, warn
        self.pid: int | None = None
        self.reader: int | None = None
        if can_fork():
            self._start()

    def _start(self) -> None:
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer through the pipe, then leave without cleanup
            os.close(reader)
            code = 0
            try:
                collected: list[str] = []
                try:
                    answer: _Answer = ("value", self.work(collected.append), collected)
                except BuildError as exc:
                    answer = ("refused", exc.problems, exc.note, collected)
                except BaseException:
                    answer = ("fault", traceback.format_exc(), collected)
                data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
                with open(writer, "wb", closefd=True) as pipe:
                    pipe.write(data)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(writer)
        self.pid, self.reader = pid, reader

    def _answer(self) -> _Answer | None:
        """The child's answer, once it has finished; None if it gave none."""
        assert self.reader is not None and self.pid is not None
        try:
            with open(self.reader, "rb", closefd=True) as pipe:
                data = pipe.read()
        finally:
            self.reader = None
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None
        try:
            answer = pickle.loads(data) if data else None
        except Exception:  # a truncated answer: the child was killed while writing
            return None
        return answer if isinstance(answer, tuple) and answer else None

    def result(self) -> T:
        answer = self._answer() if self.pid is not None else None
        if answer is None or answer[0] == "fault":
            # Here, as if there were no fork (its warnings come again from this run).
            return self.work(self.warn)
        for line in answer[-1]:
            self.warn(line)
        if answer[0] == "refused":
            raise BuildError(answer[1], note=answer[2])
        value: T = answer[1]
        return value

    def close(self) -> None:
        """Stop waiting for the child (the build stopped): end it and reap it."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, 9)
            if self.reader is not None:
                os.close(self.reader)
                self.reader = None
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None


__all__ = ["Forked", "can_fork"]
