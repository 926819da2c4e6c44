"""The generated noxfile on this machine (one CPython, no Docker): `nox` with its default
sessions succeeds under CI=true, missing Pythons are skipped, and the benchmark script runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run

from scaffold import new
from scaffold.answers import Answers

pytestmark = pytest.mark.slow

THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The other layout and ABI than the wheels test: the rust layout, one wheel per CPython.
    answers = Answers.resolve("demo-nox", layout="rust", abi3=False, min_python="3.10")
    destination = tmp_path_factory.mktemp("nox") / "demo-nox"
    return new.run(new.NewOptions(destination=destination, answers=answers)).destination


@pytest.fixture(scope="module")
def default_run(project: Path, cargo_target_dir: Path) -> str:
    """`nox` with no arguments, as CI runs it: CI=true makes nox strict about interpreters."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env.update(CI="true", CARGO_TARGET_DIR=str(cargo_target_dir))
    done = subprocess.run(
        ["nox"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-8000:]
    return output


def test_default_sessions_succeed_with_ci_set(default_run: str) -> None:
    results = dict(re.findall(r"^nox > \* (\S+): (\w+)", default_run, flags=re.MULTILINE))
    assert results.pop(f"tests-{THIS_PYTHON}") == "success"
    assert results.pop("rust") == "success"
    assert results.pop("lint") == "success"
    # Every other CPython (3.10..3.15 but this one) is missing here: skipped, not failed.
    assert results
    assert set(results.values()) == {"skipped"}
    assert all(name.startswith("tests-3.") for name in results)
    assert "mypy.stubtest demo_nox" in default_run
    assert re.search(r"Success: no issues found in \d+ modules?", default_run)


def test_slow_sessions_are_not_run_by_default(default_run: str) -> None:
    for session in ("stubs", "docs", "develop", "build", "wheels", "publish", "bench"):
        assert f"Running session {session}" not in default_run


def test_benchmark_prints_one_table(project: Path, default_run: str) -> None:
    assert default_run
    # The tests session left the compiled package in its venv: time it there (a debug build,
    # so the speed-ups understate a release build's).
    (python,) = project.glob(f".nox/tests-{THIS_PYTHON.replace('.', '-')}/bin/python")
    table = run(python, "benchmarks/bench.py", cwd=project).stdout
    rows = re.findall(r"^(fast_sum|levenshtein)\s+([\d,]+)\s+.+?\s+([\d.]+)x$", table, re.MULTILINE)
    assert [(name, size) for name, size, _ in rows] == [
        ("fast_sum", "1,000"),
        ("fast_sum", "100,000"),
        ("levenshtein", "50"),
        ("levenshtein", "500"),
    ], table
    assert all(float(speedup) > 1 for name, _, speedup in rows if name == "levenshtein"), table


def test_noxfile_runs_as_a_pep_723_script(project: Path) -> None:
    listing = run("uv", "run", "--quiet", "noxfile.py", "--list", cwd=project).stdout
    assert "* lint -> " in listing
    assert "- publish -> " in listing


@pytest.mark.parametrize("backend", ["uv", "virtualenv"])
def test_tests_session_builds_without_uv_on_path(
    project: Path, cargo_target_dir: Path, tmp_path: Path, backend: str
) -> None:
    """nox finds uv as the `uv` package beside it (as under pipx or `uv run noxfile.py`) though
    it is not on PATH; maturin must still get a uv it can run. With virtualenv (nox's fallback
    when there is no uv at all) maturin installs with pip."""
    bin_dir = tmp_path / "bin"  # this CPython, cargo and the C toolchain; no uv
    bin_dir.mkdir()
    (bin_dir / f"python{THIS_PYTHON}").symlink_to(sys.executable)
    cargo = shutil.which("cargo")
    assert cargo is not None
    path = os.pathsep.join([str(bin_dir), str(Path(cargo).parent), "/usr/bin", "/bin"])
    if shutil.which("uv", path=path) is not None:
        pytest.skip(f"uv is on the system PATH here ({shutil.which('uv', path=path)})")
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env.update(PATH=path, CARGO_TARGET_DIR=str(cargo_target_dir))
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-s", f"tests-{THIS_PYTHON}",
         "--force-venv-backend", backend, "--envdir", str(tmp_path / "envs")],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert f"Creating virtual environment ({backend})" in output, output[-4000:]
    assert done.returncode == 0, output[-8000:]
    assert re.search(r"^maturin develop --uv$" if backend == "uv" else r"^maturin develop$",
                     output.replace("nox > ", ""), re.MULTILINE), output[-4000:]  # fmt: skip
    assert re.search(r"\d+ passed", output), output[-4000:]
