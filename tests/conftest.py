"""Fixtures shared by the fast (tests/unit) and real-build (tests/e2e) tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaffold import new
from scaffold.answers import Answers

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def cargo_target_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cargo target dir for every build in the run: PyO3 compiles once, not per test.

    It lives beside pytest's numbered temp dirs, so a second local run starts warm too.
    """
    shared = os.environ.get("PYO3_SCAFFOLD_TEST_TARGET")
    target = Path(shared) if shared else tmp_path_factory.getbasetemp().parent / "cargo-target"
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def build_env(cargo_target_dir: Path) -> dict[str, str]:
    """The environment for a build: the shared target dir, no inherited virtualenv."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env["CARGO_TARGET_DIR"] = str(cargo_target_dir)
    return env


Generate = Callable[..., Path]


@pytest.fixture
def generate(tmp_path: Path) -> Generate:
    """Render a project non-interactively through `scaffold.new.run`, as the CLI does."""

    def _generate(name: str = "demo", *, parent: Path | None = None, **answers: object) -> Path:
        destination = (parent or tmp_path) / name
        options = new.NewOptions(
            destination=destination,
            answers=Answers.resolve(name, **answers),  # type: ignore[arg-type]
        )
        return new.run(options).destination

    return _generate


def run(
    *args: str | os.PathLike[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output when it fails."""
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {done.returncode}\n"
            f"--- stdout\n{done.stdout[-6000:]}\n--- stderr\n{done.stderr[-6000:]}"
        )
    return done


@dataclass(frozen=True)
class Venv:
    """A fresh virtualenv made with uv (fast; packages come from uv's cache)."""

    path: Path

    @property
    def python(self) -> Path:
        scripts = "Scripts" if sys.platform == "win32" else "bin"
        return self.path / scripts / ("python.exe" if sys.platform == "win32" else "python")

    def install(self, *requirements: str | os.PathLike[str]) -> None:
        run("uv", "pip", "install", "--quiet", "--python", self.python, *requirements)

    def run(self, *args: str | os.PathLike[str], cwd: Path | None = None) -> str:
        return run(self.python, *args, cwd=cwd).stdout


@pytest.fixture
def make_venv(tmp_path: Path) -> Iterator[Callable[[str], Venv]]:
    made: list[Path] = []

    def _make(name: str = "venv") -> Venv:
        path = tmp_path / name
        run("uv", "venv", "--quiet", "--python", sys.executable, path)
        made.append(path)
        return Venv(path)

    yield _make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


def build_wheel(
    project: Path, env: dict[str, str], out: Path, *extra: str, release: bool = False
) -> Path:
    """Build the project's wheel with maturin into `out` and return its path."""
    args = ["maturin", "build", "--quiet", "--out", str(out), *extra]
    if release:
        args.append("--release")
    run(*args, cwd=project, env=env)
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.fixture(autouse=True)
def _cli_calls_keep_their_promises(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every in-process CLI call in the suite: no traceback, only a code its command documents.

    An expected failure is one line and a code from `scaffold.usage`; anything else (an
    exception that escaped, or an undocumented code) fails the test that made the call.
    """
    from click.testing import CliRunner, Result

    from scaffold.usage import ALL_EXIT_CODES, EXIT_CODES

    invoke = CliRunner.invoke

    def checked(self: CliRunner, cli: object, args: object = None, **kwargs: object) -> Result:
        result: Result = invoke(self, cli, args, **kwargs)  # type: ignore[arg-type]
        words = [args] if isinstance(args, str) else list(args or [])  # type: ignore[call-overload]
        command = next((str(w) for w in words if str(w) in EXIT_CODES), None)
        documented = {code for code, _ in EXIT_CODES.get(command, ALL_EXIT_CODES)}
        escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
        if escaped or result.exit_code not in documented:
            pytest.fail(
                f"pyo3-scaffold {' '.join(map(str, words))} exited {result.exit_code}"
                f" (documented: {sorted(documented)}); escaped: {result.exception!r}\n"
                f"{result.output[-3000:]}"
            )
        return result

    monkeypatch.setattr(CliRunner, "invoke", checked)
