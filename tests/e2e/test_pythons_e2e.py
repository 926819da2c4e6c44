"""A generated project on every CPython this machine can have: 3.13, 3.14 and 3.15.

The host has CPython 3.11 only; `.ci/forky-chroot.sh` gives a Debian forky chroot with
python3.13, 3.14 and 3.15 and the host's Rust bind-mounted read-only (`.ci/run` sets it up
before the tests). Inside it, the generated project's own nox `tests` session runs on each of
them, and the abi3 wheel built on the host's 3.11 is installed and tested on 3.15 unchanged.
Where the chroot cannot be had (not root, no network, no debootstrap) these tests skip and
say why.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import REPO_ROOT, Generate, build_wheel, run

pytestmark = pytest.mark.slow

SCRIPT = REPO_ROOT / ".ci" / "forky-chroot.sh"
PYTHONS = ("3.13", "3.14", "3.15")
CANNOT = 77  # the script's "cannot be had on this machine" status
# The tools that drive the project, as a user would install them (nox picks uv when found).
TOOLS = ("nox", "uv")


@dataclass(frozen=True)
class Chroot:
    """Runs commands inside the forky chroot, with some host directories bound in."""

    root: Path
    binds: tuple[Path, ...]
    env: dict[str, str]

    def run(self, script: str) -> str:
        """Run a bash script inside; its output (nox logs on stderr), or fail the test."""
        binds = [arg for path in self.binds for arg in ("--bind", str(path))]
        command = ["bash", SCRIPT, "run", *binds, "--", "bash", "-euo", "pipefail", "-c", script]
        done = run(*command, env={**self.env, "PYO3_SCAFFOLD_FORKY": str(self.root)})
        return done.stdout + done.stderr


@pytest.fixture(scope="module")
def forky_root() -> Path:
    """Set up the chroot (instant when `.ci/run` already did), or skip saying why not."""
    if sys.platform != "linux":
        pytest.skip("the forky chroot needs Linux")
    done = subprocess.run(
        ["bash", SCRIPT, "setup"], capture_output=True, text=True, check=False, timeout=1200
    )
    if done.returncode == CANNOT:
        reason = done.stderr.strip().splitlines()[-1]
        pytest.skip(f"no CPython 3.13-3.15 here: {reason}")
    assert done.returncode == 0, f"{SCRIPT} setup failed:\n{done.stdout}\n{done.stderr[-4000:]}"
    root = Path(done.stdout.strip())
    assert (root / "usr" / "bin" / "python3.15").exists(), root
    return root


@pytest.fixture
def project(generate: Generate, tmp_path: Path) -> Path:
    """A project on default answers (abi3 from the minimum Python on, as the template does)."""
    return generate("demo", parent=tmp_path)


@pytest.fixture
def chroot(
    forky_root: Path, tmp_path: Path, cargo_target_dir: Path, build_env: dict[str, str]
) -> Chroot:
    """The chroot with this test's temp dir and its cargo target dir at the same paths, and a
    venv of the tools (nox, uv) from PyPI made by its newest CPython.

    The target dir is a folder of the shared one: measured, the chroot's builds and the host's
    never reuse each other's crates (each side rebuilt all of PyO3 after the other), and in one
    folder each would make the other rebuild; apart, both stay warm from run to run.
    """
    target = cargo_target_dir / "forky-chroot"
    target.mkdir(exist_ok=True)
    env = {**build_env, "CARGO_TARGET_DIR": str(target)}
    chroot = Chroot(root=forky_root, binds=(tmp_path, target), env=env)
    tools = tmp_path / "tools"
    chroot.run(f"python3.15 -m venv {tools} && {tools}/bin/pip install --quiet {' '.join(TOOLS)}")
    return chroot


def junit_counts(report: Path) -> dict[str, int]:
    suite = ET.parse(report).getroot()  # noqa: S314  (pytest's own report of this test run)
    if suite.tag == "testsuites":
        (suite,) = suite
    return {key: int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")}


def assert_all_passed(counts: dict[str, int], where: str) -> int:
    assert counts["tests"] > 0, f"no tests ran on {where}"
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0, (where, counts)
    return counts["tests"]


def test_nox_tests_session_on_each_cpython(project: Path, chroot: Chroot, tmp_path: Path) -> None:
    """`nox -s tests-3.X` of the generated noxfile, as its README says, on 3.13, 3.14, 3.15.

    The session's interpreters come from requires-python (3.11 on); the noxfile never
    downloads one, so each session uses the chroot's Debian CPython.
    """
    tools = tmp_path / "tools" / "bin"
    passed: dict[str, int] = {}
    for version in PYTHONS:
        report = tmp_path / f"junit-{version}.xml"
        # `nox` on PATH as in an activated venv: the session's `maturin develop --uv` runs `uv`.
        output = chroot.run(
            f"cd {project} && PATH={tools}:$PATH nox -s tests-{version} -- --junitxml={report}"
        )
        assert re.search(rf"Session tests-{version} was successful", output), output[-4000:]
        # pytest's own header: the tests ran on that interpreter, not on some other one.
        header = re.search(r"^platform linux -- Python (\S+), pytest", output, re.MULTILINE)
        assert header, output[-4000:]
        assert header.group(1).startswith(f"{version}."), header.group(0)
        assert re.search(rf"Found CPython {re.escape(version)} at \S+/\.nox/tests-", output)
        passed[version] = assert_all_passed(junit_counts(report), f"CPython {header.group(1)}")
        print(f"CPython {header.group(1)}: nox -s tests-{version}: {passed[version]} passed")
    # The same suite everywhere: no interpreter quietly collected fewer tests.
    assert len(set(passed.values())) == 1, passed


def test_abi3_wheel_from_311_works_on_315(
    project: Path, chroot: Chroot, tmp_path: Path, build_env: dict[str, str]
) -> None:
    """abi3: the wheel the host's CPython 3.11 built installs and passes the tests on 3.15."""
    wheel = build_wheel(
        project, build_env, tmp_path / "wheels", "--interpreter", sys.executable, release=True
    )
    assert "-cp311-abi3-" in wheel.name, wheel.name
    with zipfile.ZipFile(wheel) as archive:
        (extension,) = [name for name in archive.namelist() if name.endswith(".abi3.so")]
        built = hashlib.sha256(archive.read(extension)).hexdigest()

    venv = tmp_path / "py315"
    install_report = tmp_path / "pip-report.json"
    report = tmp_path / "junit-abi3.xml"
    output = chroot.run(
        f"python3.15 -m venv {venv}\n"
        # --only-binary :all: forbids any build from source, the wheel's included.
        f"{venv}/bin/pip install --only-binary :all: --report {install_report} "
        f"{wheel} pytest hypothesis\n"
        f"{venv}/bin/python -c "
        "'import sys, demo._core as c; print(sys.version); print(c.__file__)'\n"
        # From / with the tests given by path, as cibuildwheel does: the installed wheel is
        # imported, not the source tree.
        f"cd / && {venv}/bin/python -m pytest -p no:cacheprovider {project}/tests "
        f"--junitxml={report}"
    )
    assert re.search(r"^3\.15\.\d+ ", output, re.MULTILINE), output[-4000:]
    assert f"{venv}/lib/python3.15/site-packages/demo/_core.abi3.so" in output, output[-4000:]
    installs = json.loads(install_report.read_text())["install"]
    (ours,) = [item for item in installs if item["metadata"]["name"] == "demo"]
    assert ours["download_info"]["url"] == wheel.as_uri()
    # The very file built on 3.11, not a rebuild: same bytes in the wheel and in site-packages.
    installed = venv / "lib" / "python3.15" / "site-packages" / extension
    assert hashlib.sha256(installed.read_bytes()).hexdigest() == built
    assert "Building wheel" not in output
    counts = assert_all_passed(junit_counts(report), "CPython 3.15 with the 3.11-built wheel")
    print(f"{wheel.name} on CPython 3.15: {counts} passed")


@pytest.fixture(autouse=True)
def _no_host_mounts_left(tmp_path: Path) -> Iterator[None]:
    """Whatever the test did, the host's mount table has nothing of the chroot afterwards."""
    yield
    root = os.environ.get("PYO3_SCAFFOLD_FORKY", "/var/cache/pyo3-scaffold/forky")
    mounts = Path("/proc/self/mountinfo").read_text().split("\n")
    leftovers = [line for line in mounts if root in line or str(tmp_path) in line]
    assert not leftovers, leftovers
