"""`migrate --profile` on code shaped like real packages: the Python that runs the workload
(named, the active virtualenv, the project's), private helpers that only a class's methods
call (hashids), and a module whose functions all stay in Python (the reasons are kept).

The workloads are real subprocesses (pytest or a script), as in test_migrate_profile.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaffold import migrate
from scaffold.cli import cli
from scaffold.errors import InvalidInputError
from scaffold.migrate import profile

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "codec"
version = "0.1.0"
requires-python = ">=3.9"
"""

# As hashids: the API is a class; the work is done by module-private helpers it calls.
MODULE = '''\
"""A class whose methods do their work through private helpers."""


def _spread(number, width):
    """Heavy enough to be worth moving: a loop of `width` steps."""
    total = 0
    for i in range(width):
        total += (number * i) % 97
    return total


def _cheap(x):
    return x


def _unused(x):
    return x * 2


def __getattr__(name):
    raise AttributeError(name)


class Codec:
    def __init__(self, width):
        self.width = width

    def encode(self, number):
        return _spread(_cheap(number), self.width)
'''

TESTS = """\
from codec.core import Codec


def test_encode():
    codec = Codec(20000)
    for n in range(30):
        assert codec.encode(n) == sum((n * i) % 97 for i in range(20000))
"""


def _git(root: Path, *args: str) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "codec"
    (root / "codec").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "codec" / "__init__.py").write_text("")
    (root / "codec" / "core.py").write_text(MODULE)
    (root / "tests" / "test_core.py").write_text(TESTS)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    return root


def _venv(at: Path) -> Path:
    """A virtualenv's layout around our interpreter (what `interpreter` looks for)."""
    (at / "bin").mkdir(parents=True)
    (at / "pyvenv.cfg").write_text(f"home = {Path(sys.executable).parent}\n")
    python = at / "bin" / "python"
    python.symlink_to(sys.executable)
    return python


# -- which Python runs the workload --------------------------------------------------------------


def test_the_named_interpreter_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = _venv(tmp_path / "named")
    active = _venv(tmp_path / "active")
    _venv(tmp_path / "project" / ".venv")
    monkeypatch.setenv("VIRTUAL_ENV", str(active.parent.parent))
    assert profile.interpreter(tmp_path / "project", str(named)) == str(named)
    # A virtualenv's folder names its interpreter.
    assert profile.interpreter(tmp_path / "project", str(named.parent.parent)) == str(named)
    # A command on PATH.
    monkeypatch.setenv("PATH", f"{named.parent}{os.pathsep}{os.environ['PATH']}")
    assert profile.interpreter(tmp_path / "project", "python") == str(named)


def test_the_active_virtualenv_before_the_projects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    active = _venv(tmp_path / "active")
    own = _venv(tmp_path / "project" / ".venv")
    monkeypatch.setenv("VIRTUAL_ENV", str(active.parent.parent))
    assert profile.interpreter(tmp_path / "project") == str(active)
    monkeypatch.delenv("VIRTUAL_ENV")
    assert profile.interpreter(tmp_path / "project") == str(own)
    # No virtualenv anywhere: ours.
    assert profile.interpreter(tmp_path) == sys.executable
    # An active virtualenv that is gone is not a choice.
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "gone"))
    assert profile.interpreter(tmp_path / "project") == str(own)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no-such-python-here", "no such interpreter"),
        ("/no/such/python", "no such interpreter"),
        (".", "a folder without bin/python in it"),
        ("pyproject.toml", "not executable"),
    ],
)
def test_a_bad_interpreter_is_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    monkeypatch.chdir(project)
    with pytest.raises(InvalidInputError, match=message):
        profile.interpreter(project, name)
    done = CliRunner().invoke(
        cli, ["migrate", str(project / "codec/core.py"), "--dry-run", "--python", name]
    )
    assert done.exit_code == 2, done.output
    assert f"--python {name}: {message}" in done.output
    assert "Traceback" not in done.output


def test_the_workload_runs_with_the_chosen_python(project: Path, tmp_path: Path) -> None:
    python = _venv(tmp_path / "env")
    (project / "bench.py").write_text(
        "import os, sys\nfrom codec.core import Codec\nCodec(10).encode(3)\n"
        "print(sys.executable, os.environ['VIRTUAL_ENV'])\n"
    )
    # `python` in the command is the chosen one: its folder comes first on PATH.
    measured = profile.run(
        root=project,
        module_path=project / "codec" / "core.py",
        source_dirs=[project],
        workload="python bench.py",
        python=str(python),
    )
    assert measured.returncode == 0, measured.summary
    assert measured.python == str(python)
    assert measured.summary == f"{python} {python.parent.parent}"
    assert measured.observed["_spread"].signature() == "_spread(number: int, width: int) -> int"


# -- private helpers the profile saw -------------------------------------------------------------


def test_private_helpers_the_workload_ran_move(project: Path) -> None:
    result = migrate.run(
        migrate.MigrateOptions(module=project / "codec/core.py", profile=True, ci=False)
    )
    reports = {r.name: r for r in result.functions}
    # Only a method calls _spread: no public function would have brought it along.
    assert reports["_spread"].status == "rust"
    # Never called, or a dunder (the module's protocol): not candidates at all.
    assert "_unused" not in reports
    assert "__getattr__" not in reports
    # `return x` is cheap: its verdict follows the measurement (the threshold is timed).
    measured = result.profile
    cheap = reports.get("_cheap")
    assert cheap is None or cheap.status == "rust" or "not worth moving" in cheap.reason
    assert any(line.startswith("Types observed from") and "_spread(" in line for line in measured)
    # The module now takes _spread from the extension, so the class's calls reach Rust.
    source = (project / "codec" / "core.py").read_text()
    assert '"_spread"' in source.split("pyo3-scaffold migrate: Rust dispatch")[1]


def test_without_profile_private_helpers_stay(project: Path) -> None:
    with pytest.raises(migrate.NothingToMigrateError) as raised:
        migrate.run(migrate.MigrateOptions(module=project / "codec/core.py", dry_run=True))
    # No public function: nothing is even considered; the reasons travel with the error.
    assert raised.value.skipped == ()
    assert "no public functions" in str(raised.value)


def test_nothing_to_migrate_keeps_each_reason_and_the_profile(project: Path) -> None:
    module = project / "codec" / "core.py"
    module.write_text(MODULE + "\n\ndef public(x):\n    return x\n")
    _git(project, "commit", "-q", "-am", "public")
    (project / "bench.py").write_text("from codec.core import public\npublic(1)\npublic(1.5)\n")
    with pytest.raises(migrate.NothingToMigrateError) as raised:
        migrate.run(
            migrate.MigrateOptions(
                module=module, dry_run=True, workload=f"{sys.executable} bench.py"
            )
        )
    reasons = {s.name: s.reason for s in raised.value.skipped}
    assert reasons["public"].endswith("observed calls: float and int")
    assert "Profiled `" in str(raised.value)  # the one line says what ran


# -- what real metadata needs --------------------------------------------------------------------


def test_keys_pep_518_does_not_define_are_dropped_from_build_system(tmp_path: Path) -> None:
    root = tmp_path / "flitpkg"
    (root / "flitpkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires-python = "3"\n'  # as pyphonetics 0.5.3 has it
        'requires = ["flit_core >=3.2,<4"]\n'
        'build-backend = "flit_core.buildapi"\n\n'
        '[project]\nname = "flitpkg"\nversion = "0.1.0"\ndescription = "x"\n'
    )
    (root / "flitpkg" / "__init__.py").write_text("")
    (root / "flitpkg" / "fast.py").write_text("def double(x: int) -> int:\n    return 2 * x\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    result = migrate.run(
        migrate.MigrateOptions(module=root / "flitpkg" / "fast.py", dry_run=True, ci=False)
    )
    assert [r.name for r in result.functions if r.status == "rust"] == ["double"]
    assert any("dropped 'requires-python' from [build-system]" in n for n in result.notes)
    assert "-requires-python" in result.diff


def test_a_function_returning_none_returns_none_from_rust() -> None:
    """`()` converted with `into_py_any` is an empty tuple: the differential tests of
    haversine's `_ensure_lat_lon` (moved with --profile) saw `()` where Python returns None
    (61 passed with this line, built in /tmp; e2e builds are not run here)."""
    from scaffold import migrate_codegen as codegen

    source = "def check(x: float) -> None:\n    if x > 1.0:\n        raise ValueError(x)\n"
    functions, _ = codegen.analyse(source, dotted="m")
    plan = codegen.ModulePlan(
        dotted="m", package="", module="m", extension="_m_rs", env_var="M_PURE_PYTHON",
        functions=tuple(functions), skipped=(),
    )  # fmt: skip
    lib = codegen.lib_rs(plan, gil_used=True)
    assert "Ok(()) => return Ok(py.None())," in lib
    assert "value.into_py_any(py)" not in lib
