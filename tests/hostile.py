# ruff: noqa: E501 - the fixture table reads best one fixture per line
"""Hostile projects: each fixture turns a small, valid PyO3 project into one hostile case.

Shared by tests/unit/test_hostile.py (every verb over every fixture), the fuzz test and
docs/robustness.md (whose table is checked against `FIXTURES`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# The base project is a file tree (tests/projects/hostile, and hostile-pure before `migrate`);
# the fixtures below build their hostile content from its files.
_BASE = Path(__file__).resolve().parent / "projects" / "hostile"
_PURE = _BASE.with_name("hostile-pure")
PYPROJECT = (_BASE / "pyproject.toml").read_text(encoding="utf-8")
CARGO = (_BASE / "Cargo.toml").read_text(encoding="utf-8")
LIB_RS = (_BASE / "src/lib.rs").read_text(encoding="utf-8")
WORKFLOW = (_BASE / ".github/workflows/ci.yml").read_text(encoding="utf-8")
SECRET = "TOP-SECRET-OUTSIDE-THE-PROJECT"  # noqa: S105 - a marker, not a credential


def base_project(root: Path, *, pure_python: bool = False) -> Path:
    """A valid little maturin project (mixed layout) with one workflow; with `pure_python`,
    the same package before `migrate` (setuptools, no crate)."""
    shutil.copytree(_PURE if pure_python else _BASE, root, dirs_exist_ok=True)
    (root / "src").mkdir(exist_ok=True)
    return root


def _replace(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        for child in sorted(path.rglob("*"), reverse=True):
            child.unlink() if not child.is_dir() or child.is_symlink() else child.rmdir()
        path.rmdir()


def _fifo(name: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        _replace(root / name)
        os.mkfifo(root / name)

    return make


def _symlink(name: str, target: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        _replace(root / name)
        (root / name).symlink_to(target)

    return make


def _outside(name: str) -> Callable[[Path], None]:
    """A symlink to a file outside the project that holds a secret (never to be printed)."""

    def make(root: Path) -> None:
        secret = root.parent / f"secret-{name.replace('/', '-')}"
        secret.write_text(f'{SECRET} = "x"\n[tool]\nx = "{SECRET}"\n')
        _replace(root / name)
        (root / name).symlink_to(secret)

    return make


def _content(name: str, data: bytes) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        _replace(root / name)
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)

    return make


def _huge(name: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        _replace(root / name)
        with (root / name).open("wb") as stream:
            stream.truncate(64 * 1024 * 1024)  # sparse: 64 MiB of zeros, no disk used

    return make


def _folder(name: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        _replace(root / name)
        (root / name).mkdir()
        (root / name / "x").write_text("x")

    return make


def _matrix_bomb(root: Path) -> None:
    axes = "\n".join(f"        a{i}: [{', '.join(str(v) for v in range(10))}]" for i in range(12))
    (root / ".github/workflows/wheels.yml").write_text(
        "on: [push]\njobs:\n  build:\n    runs-on: ${{ matrix.os }}\n    strategy:\n"
        f"      matrix:\n        os: [ubuntu-latest]\n{axes}\n"
        "    steps:\n      - run: pipx run cibuildwheel\n"
    )


def _alias_bomb(root: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    (root / ".github/workflows/ci.yml").write_text("\n".join(lines) + "\non: [push]\njobs: {}\n")


DEEP = 100_000


@dataclass(frozen=True)
class Fixture:
    name: str
    what: str
    make: Callable[[Path], None]


FIXTURES: tuple[Fixture, ...] = (
    Fixture("fifo-pyproject", "pyproject.toml is a FIFO", _fifo("pyproject.toml")),
    Fixture("fifo-workflow", "a workflow is a FIFO", _fifo(".github/workflows/ci.yml")),
    Fixture("fifo-lib-rs", "src/lib.rs is a FIFO", _fifo("src/lib.rs")),
    Fixture("dev-zero-cargo", "Cargo.toml is a symlink to /dev/zero", _symlink("Cargo.toml", "/dev/zero")),
    Fixture("dev-zero-inside", "src/lib.rs is a symlink to /dev/zero", _symlink("src/lib.rs", "/dev/zero")),
    Fixture("huge-pyproject", "pyproject.toml is 64 MiB", _huge("pyproject.toml")),
    Fixture("huge-workflow", "a workflow is 64 MiB", _huge(".github/workflows/ci.yml")),
    Fixture("huge-lib-rs", "src/lib.rs is 64 MiB", _huge("src/lib.rs")),
    Fixture("latin1-pyproject", "pyproject.toml is not UTF-8", _content("pyproject.toml", PYPROJECT.encode() + b"# caf\xe9\n")),
    Fixture("latin1-lib-rs", "src/lib.rs is not UTF-8", _content("src/lib.rs", LIB_RS.encode() + b"// caf\xe9\n")),
    Fixture("latin1-python", "a Python module is not UTF-8", _content("python/hostile/__init__.py", b"# caf\xe9\nx = 1\n")),
    Fixture("latin1-stub", "the stub is not UTF-8", _content("python/hostile/_core.pyi", b"# caf\xe9\n")),
    Fixture("tool-string", 'pyproject.toml has tool = "x"', _content("pyproject.toml", ('tool = "x"\n' + PYPROJECT.replace("[tool.maturin]", "[x]")).encode())),
    Fixture("cibuildwheel-array", "[[tool.cibuildwheel]] (an array of tables)", _content("pyproject.toml", (PYPROJECT + "\n[[tool.cibuildwheel]]\nbuild = 1\n").encode())),
    Fixture("project-string", 'project = "x"', _content("pyproject.toml", b'project = "x"\n[build-system]\nrequires = []\n')),
    Fixture("cargo-wrong-types", "Cargo.toml: dependencies = 3, package = []", _content("Cargo.toml", b"package = []\ndependencies = 3\nlib = 'x'\n")),
    Fixture("invalid-toml", "pyproject.toml is not TOML", _content("pyproject.toml", b"[project\nname = \n")),
    Fixture("src-is-a-file", "src is a file, not a folder", _content("src", b"not a folder\n")),
    Fixture("workflows-is-a-file", ".github/workflows is a file", _content(".github/workflows", b"x")),
    Fixture("pyproject-is-a-folder", "pyproject.toml is a folder", _folder("pyproject.toml")),
    Fixture("cargo-is-a-folder", "Cargo.toml is a folder", _folder("Cargo.toml")),
    Fixture("symlink-loop", "pyproject.toml is a symlink loop (unreadable: ELOOP)", _symlink("pyproject.toml", "pyproject.toml")),
    Fixture("dangling-symlink", "Cargo.toml is a dangling symlink", _symlink("Cargo.toml", "missing/Cargo.toml")),
    Fixture("deep-toml", f"pyproject.toml nests arrays {DEEP} deep", _content("pyproject.toml", (PYPROJECT + "x = " + "[" * DEEP + "]" * DEEP + "\n").encode())),
    Fixture("deep-yaml", f"a workflow nests lists {DEEP} deep", _content(".github/workflows/ci.yml", ("on: " + "[" * DEEP + "]" * DEEP + "\n").encode())),
    Fixture("deep-python", "a Python module nests parentheses 5000 deep", _content("python/hostile/slow.py", ("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n").encode())),
    Fixture("matrix-bomb", "a workflow matrix of 10^12 combinations", _matrix_bomb),
    Fixture("alias-bomb", "a YAML alias bomb (10^12 nodes once expanded)", _alias_bomb),
    Fixture("outside-pyproject", "pyproject.toml is a symlink to a file outside the project", _outside("pyproject.toml")),
    Fixture("outside-cargo", "Cargo.toml is a symlink to a file outside the project", _outside("Cargo.toml")),
    Fixture("outside-github", ".github is a symlink to a folder outside the project", lambda root: _outside_folder(root, ".github")),
    Fixture("empty", "an empty folder", lambda root: [_replace(p) for p in list(root.iterdir())] and None),
)  # fmt: skip


def _outside_folder(root: Path, name: str) -> None:
    outside = root.parent / f"outside-{name.strip('.')}"
    (outside / "workflows").mkdir(parents=True)
    (outside / "workflows/ci.yml").write_text(f"# {SECRET}\n{WORKFLOW}")
    _replace(root / name)
    (root / name).symlink_to(outside)


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    max_rss_mb: float


# Runs the CLI in a process that reports its own CPU time and peak memory when it exits.
_MEASURE = """\
import atexit, resource, sys
path = sys.argv.pop(1)
sys.argv[0] = "pyo3-scaffold"
def _report():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(path, "w") as stream:
        stream.write(f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
atexit.register(_report)
from scaffold.__main__ import main
main()
"""


def run_verb(
    args: list[str], *, cwd: Path, timeout: float = 20, tmpdir: Path | None = None
) -> Outcome:
    """`pyo3-scaffold ARGS` as a real process, with its CPU time and peak memory."""
    report = cwd.absolute().parent / f".rusage-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "NO_COLOR": "1"}
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)  # so that a test can see what is left there
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(report), *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, env=env,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    cpu, rss = (float(v) for v in report.read_text().split()) if report.exists() else (0.0, 0.0)
    report.unlink(missing_ok=True)
    return Outcome(done.returncode, done.stdout, done.stderr, seconds, cpu, rss / 1024)
