"""`new --build`: the first build, an import and the generated tests, as steps to run.

Where it installs: into the virtualenv that is active (`VIRTUAL_ENV`), the one the user chose
to work in; else into a new `.venv` in the project (uv when it is on PATH, else `venv`), so
that nothing lands in the Python that runs pyo3-scaffold or in the system's. The build is
`maturin develop --profile develop`, the loop the generated README teaches (a debug build in
target/develop, which `cargo test` does not invalidate).

The CLI runs the steps one by one and shows each one's output as it comes, with times: this
module only says what to run and reads the results.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import BuildError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_PIP_WITH_GROUPS = (25, 1)  # `pip install --group` (PEP 735) appeared in pip 25.1


@dataclass(frozen=True, kw_only=True)
class BuildOptions:
    project: Path
    module_name: str
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True, kw_only=True)
class Step:
    title: str
    argv: tuple[str, ...]
    # Run only when this returns True (decided just before the step, e.g. pip's version).
    needed: Callable[[], bool] | None = None


@dataclass(frozen=True, kw_only=True)
class Plan:
    venv: Path
    created: bool  # a new .venv in the project (else the active virtualenv)
    env: dict[str, str]
    steps: tuple[Step, ...]


def plan(options: BuildOptions) -> Plan:
    project = options.project
    active = options.environ.get("VIRTUAL_ENV")
    venv = Path(active) if active else project / ".venv"
    python = str(venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python"))
    bin_dir = str(Path(python).parent)
    env = {
        **options.environ,
        "VIRTUAL_ENV": str(venv),
        "PATH": bin_dir + os.pathsep + options.environ.get("PATH", ""),
    }
    steps: list[Step] = []
    if not active:
        uv = shutil.which("uv", path=options.environ.get("PATH"))
        make = (
            (uv, "venv", "--quiet", "--seed", str(venv))
            if uv
            else (sys.executable, "-m", "venv", str(venv))
        )
        steps.append(Step(title=f"Create {venv}", argv=tuple(make)))
    steps += [
        Step(
            title="Upgrade pip (dependency groups need pip 25.1)",
            argv=(python, "-m", "pip", "install", "--upgrade", "pip"),
            needed=lambda: _pip_version(python) < _PIP_WITH_GROUPS,
        ),
        Step(
            title="Install maturin and the test dependencies",
            argv=(python, "-m", "pip", "install", *_build_requires(project), "--group", "test"),
        ),
        Step(
            title="Build the Rust extension (maturin develop --profile develop)",
            argv=(python, "-m", "maturin", "develop", "--profile", "develop"),
        ),
        Step(
            title=f"Import {options.module_name}",
            argv=(
                python,
                "-c",
                f"import {options.module_name} as m; print('fast_sum:', m.fast_sum([1, 2, 3]))",
            ),
        ),
        Step(
            title="Run the tests (pytest)",
            argv=(python, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
        ),
    ]
    return Plan(venv=venv, created=not active, env=env, steps=tuple(steps))


def run_step(step: Step, plan: Plan, cwd: Path, on_line: Callable[[str], None]) -> None:
    """Run one step, passing each line of its output on as it comes; a failure is BuildError."""
    try:
        process = subprocess.Popen(
            step.argv,
            cwd=cwd,
            env=plan.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
        )
    except OSError as error:
        raise BuildError(f"{step.title}: cannot run {step.argv[0]}: {error.strerror}") from error
    assert process.stdout is not None  # noqa: S101  (stdout=PIPE)
    with process:
        for line in process.stdout:
            on_line(line.rstrip("\n"))
    if process.returncode != 0:
        raise BuildError(
            f"{step.title} failed (exit {process.returncode}); the project is kept in {cwd}: "
            "fix it and run the steps of its README"
        )


def tests_summary(lines: list[str]) -> str:
    """pytest's closing line ("14 passed in 3.2s") without its time, for the summary."""
    for line in reversed(lines):
        if found := re.search(r"(\d+ passed[^=]*?)(?: in [\d.]+s.*)?$", line.strip(" =")):
            return found[1].strip(" ,")
    return "tests passed"


def _pip_version(python: str) -> tuple[int, ...]:
    done = subprocess.run(
        [python, "-m", "pip", "--version"], capture_output=True, text=True, check=False
    )
    found = re.match(r"pip (\d+)\.(\d+)", done.stdout)
    return (int(found[1]), int(found[2])) if found else (0,)


def _build_requires(project: Path) -> list[str]:
    """The project's own `[build-system] requires` (maturin, pinned the template's way)."""
    with (project / "pyproject.toml").open("rb") as file:
        requires = tomllib.load(file).get("build-system", {}).get("requires", [])
    return [str(item) for item in requires] or ["maturin"]
