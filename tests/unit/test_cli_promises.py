"""The autouse fixture in tests/conftest.py holds every in-process CLI call to its promises."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import scaffold.doctor
from scaffold.cli import cli


def _boom(_options: object) -> object:
    raise ZeroDivisionError


def test_an_escaped_exception_fails_the_calling_test(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(scaffold.doctor, "run", _boom)
    with pytest.raises(pytest.fail.Exception, match="escaped: ZeroDivisionError"):
        CliRunner().invoke(cli, ["doctor", str(tmp_path)])


def test_a_documented_failure_passes(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["doctor", str(tmp_path)])  # not a PyO3 project
    assert result.exit_code == 2
    assert result.output.count("\n") == 1, result.output
