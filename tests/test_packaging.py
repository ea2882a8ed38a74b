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
    assert out.startswith("usage: keikaku") and "--force" in out


def test_every_dependency_is_pinned_in_the_one_lock_file():
    pins = {}
    for line in (PROJECT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    project = _pyproject()["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ \[]", requirement)[0]).lower()
        assert name in pins, f"{requirement} is not pinned in requirements.lock"
