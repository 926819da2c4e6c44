"""`new --build`'s plan (where it installs) and how a failing step ends (no builds here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaffold import first_build, pins
from scaffold.cli import cli
from scaffold.errors import BuildError


@pytest.fixture(autouse=True)
def pyproject(tmp_path: Path) -> None:
    maturin = pins.load().maturin_requirement
    (tmp_path / "pyproject.toml").write_text(
        f'[build-system]\nrequires = ["{maturin}"]\nbuild-backend = "maturin"\n'
    )


def test_with_an_active_virtualenv_it_installs_there(tmp_path: Path) -> None:
    options = first_build.BuildOptions(
        project=tmp_path, module_name="demo", environ={"VIRTUAL_ENV": "/v", "PATH": "/bin"}
    )
    plan = first_build.plan(options)
    assert (plan.venv, plan.created) == (Path("/v"), False)
    assert not any(step.title.startswith("Create") for step in plan.steps)
    assert all(step.argv[0] == "/v/bin/python" for step in plan.steps)
    assert plan.env["PATH"].startswith("/v/bin")
    install = next(step for step in plan.steps if step.title.startswith("Install"))
    maturin = pins.load().maturin_requirement
    assert install.argv[-3:] == (maturin, "--group", "test")  # the project's own requirement


def test_without_one_it_makes_dot_venv_in_the_project(tmp_path: Path) -> None:
    options = first_build.BuildOptions(project=tmp_path, module_name="demo", environ={"PATH": ""})
    plan = first_build.plan(options)
    assert (plan.venv, plan.created) == (tmp_path / ".venv", True)
    assert plan.steps[0].title == f"Create {tmp_path / '.venv'}"
    assert plan.steps[0].argv == (sys.executable, "-m", "venv", str(tmp_path / ".venv"))
    assert plan.env["VIRTUAL_ENV"] == str(tmp_path / ".venv")


def test_a_failing_step_streams_its_output_then_raises(tmp_path: Path) -> None:
    plan = first_build.plan(
        first_build.BuildOptions(project=tmp_path, module_name="m", environ={"PATH": ""})
    )
    code = "print('compiling'); import sys; sys.exit(3)"
    step = first_build.Step(title="Build", argv=(sys.executable, "-c", code))
    seen: list[str] = []
    with pytest.raises(BuildError, match=r"^Build failed \(exit 3\); the project is kept in "):
        first_build.run_step(step, plan, tmp_path, seen.append)
    assert seen == ["compiling"]


@pytest.mark.parametrize(
    ("lines", "summary"),
    [
        (["....", "14 passed in 3.21s"], "14 passed"),
        (["===== 12 passed, 2 skipped in 1.0s ====="], "12 passed, 2 skipped"),
        (["nothing"], "tests passed"),
    ],
)
def test_tests_summary(lines: list[str], summary: str) -> None:
    assert first_build.tests_summary(lines) == summary


def test_a_build_that_fails_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real failure: the virtualenv cannot be made where a file is in the way.
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # no uv: python -m venv
    real_plan = first_build.plan

    def plan_into_a_file(options: first_build.BuildOptions) -> first_build.Plan:
        (options.project / ".venv").write_text("in the way\n")
        return real_plan(options)

    monkeypatch.setattr(first_build, "plan", plan_into_a_file)
    (tmp_path / "pyproject.toml").unlink()
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "p"), "-y", "--no-git", "--build"])
    assert result.exit_code == 1, result.output
    assert "Error: Create " in result.output
    assert "failed (exit 1); the project is kept in" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "p/Cargo.toml").is_file()
