"""`nox -s wheels` without a container engine: a manylinux wheel from maturin --zig that
auditwheel accepts, installs into a fresh virtualenv and passes the project's own tests there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Venv, run

from scaffold import new
from scaffold.answers import Answers

pytestmark = pytest.mark.slow


def container_engine_works() -> bool:
    """What the noxfile checks first: can docker or podman run containers here?"""
    engines = [engine for engine in ("docker", "podman") if shutil.which(engine)]
    probes = [subprocess.run([e, "info"], capture_output=True, check=False) for e in engines]
    return any(probe.returncode == 0 for probe in probes)


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory, cargo_target_dir: Path) -> Path:
    """One project (the defaults: mixed layout, abi3 from 3.10, free-threaded) and its wheels."""
    if sys.platform != "linux" or container_engine_works():
        pytest.skip("cibuildwheel would run here, not the maturin --zig fallback under test")
    answers = Answers.resolve("demo-pkg", min_python="3.10")
    destination = tmp_path_factory.mktemp("wheels") / "demo-pkg"
    project = new.run(new.NewOptions(destination=destination, answers=answers)).destination
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env["CARGO_TARGET_DIR"] = str(cargo_target_dir)
    done = run("nox", "-s", "wheels", cwd=project, env=env)
    assert "No container engine" in done.stdout + done.stderr
    return project / "wheelhouse"


def test_wheels_session_builds_one_manylinux_abi3_wheel(wheelhouse: Path) -> None:
    (wheel,) = wheelhouse.glob("*.whl")
    # One wheel for every CPython >= 3.10 on glibc >= 2.17 (manylinux2014 = manylinux_2_17).
    name, version, python, abi, platforms = wheel.stem.split("-")
    assert (name, version, python, abi) == ("demo_pkg", "0.1.0", "cp310", "abi3")
    assert set(platforms.split(".")) == {"manylinux2014_x86_64", "manylinux_2_17_x86_64"}
    report = " ".join(run("auditwheel", "show", wheel).stdout.split())
    assert re.search(
        r"is consistent with the following platform tag: \"manylinux_2_17_x86_64\"", report
    ), report


def test_wheel_passes_the_projects_tests_in_a_fresh_venv(
    wheelhouse: Path, make_venv: Callable[[str], Venv], tmp_path: Path
) -> None:
    (wheel,) = wheelhouse.glob("*.whl")
    venv = make_venv("fresh")
    venv.install(wheel, "pytest>=8", "hypothesis>=6")
    # As cibuildwheel's test-command does: the installed wheel, tests from the source tree,
    # run from elsewhere so that nothing is imported from the project folder.
    tests = wheelhouse.parent / "tests"
    output = venv.run("-m", "pytest", "-q", "-p", "no:cacheprovider", tests, cwd=tmp_path)
    assert re.search(r"\b\d+ passed\b", output), output
    assert "failed" not in output
    location = venv.run("-c", "import demo_pkg; print(demo_pkg.__file__)", cwd=tmp_path)
    assert str(venv.path) in location
