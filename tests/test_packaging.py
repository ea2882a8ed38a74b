"""The conventions around the code: the console script and the pinned dependencies."""

from __future__ import annotations

import importlib
import re
import tomllib

import pytest

from conftest import PROJECT
from keikaku import cli


def _pyproject() -> dict:
    return tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))


def test_console_script_is_cli_main():
    target = _pyproject()["project"]["scripts"]["keikaku"]
    module, _, name = target.partition(":")
    assert getattr(importlib.import_module(module), name) is cli.main


def test_console_script_help_names_the_command_it_was_run_as(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["keikaku", "--help"])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("使い方 (usage): keikaku") and "--force" in out
    # Japanese, with English beside.
    assert (
        "コマンド (commands):" in out and "kpi import FILE" in out and "(output directory)" in out
    )


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (PROJECT / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            package, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[re.sub(r"[-_.]+", "-", package).lower()] = version
    return pins


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ \[]", requirement)[0]).lower()


def test_every_dependency_is_pinned_in_its_lock_file():
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    project = _pyproject()["project"]
    for requirement in project["dependencies"]:
        assert _name(requirement) in runtime, f"{requirement} is not pinned in requirements.lock"
    for requirement in project["optional-dependencies"]["test"]:
        assert _name(requirement) in dev, f"{requirement} is not pinned in requirements-dev.lock"
    # `make pdf` installs only the build's own dependencies, and nothing is pinned twice.
    assert not {"selenium", "hypothesis", "ruff", "pytest", "mypy"} & set(runtime)
    assert not set(runtime) & set(dev)
