"""One exception family for everything an editor or the person running the build can fix.

Each problem carries the file, line and column it points at, so that ``cli.main`` can
print ``content/goals/1.yaml:41:7: message`` and exit 1 without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Pos:
    """A place in a source file: path as shown to the editor, 1-based line and column."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col}"
        return self.path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, with where it is and what to do about it."""

    pos: Pos
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}"


class BuildError(Exception):
    """The build cannot go on; ``problems`` lists every reason found so far."""

    def __init__(self, problems: list[Problem] | Problem, *, note: Problem | None = None):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.note = note
        """A closing line after the problems (e.g. that nothing was written): printed,
        not counted among them."""
        super().__init__("\n".join(str(p) for p in [*self.problems, *([note] if note else [])]))


class Problems:
    """Collects problems during a stage, so an editor sees all of them in one round."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, pos: Pos, message: str) -> None:
        self.items.append(Problem(pos, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            # Sorted by place, so the messages read like a compiler's.
            raise BuildError(sorted(self.items, key=lambda p: (p.pos, p.message)))
