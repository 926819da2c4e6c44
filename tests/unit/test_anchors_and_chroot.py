"""Fast checks of .ci/forky-chroot.sh's refusals and of benchmarks/compare_anchors.py's readers
(the real chroot and the real measurements are in tests/e2e/test_pythons_e2e.py and
`nox -s anchors`)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / ".ci" / "forky-chroot.sh"


def chroot_script(
    *args: str, env: dict[str, str] | None = None, as_nobody: bool = False
) -> subprocess.CompletedProcess[str]:
    command = ["bash", str(SCRIPT), *args]
    if as_nobody:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="a bash script for Linux")


@posix_only
def test_chroot_needs_root_and_says_so_with_the_skip_status(tmp_path: Path) -> None:
    env = {"PYO3_SCAFFOLD_FORKY": str(tmp_path / "forky")}
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("no setpriv to drop root")
        done = chroot_script("setup", env=env, as_nobody=True)
    else:
        done = chroot_script("setup", env=env)
    assert done.returncode == 77, done.stderr
    assert done.stderr.strip() == (
        "forky-chroot: needs root (debootstrap, chroot, mount namespaces)"
    )
    assert not (tmp_path / "forky").exists()


@posix_only
@pytest.mark.parametrize("path", ["relative/forky", "/", "/usr/.."])
def test_chroot_refuses_a_path_that_is_not_a_folder_of_its_own(path: str) -> None:
    done = chroot_script("status", env={"PYO3_SCAFFOLD_FORKY": path})
    assert done.returncode == 1
    assert done.stderr.startswith("forky-chroot: PYO3_SCAFFOLD_FORKY must")


@posix_only
def test_chroot_status_of_a_missing_chroot_is_a_skip(tmp_path: Path) -> None:
    done = chroot_script("status", env={"PYO3_SCAFFOLD_FORKY": str(tmp_path / "none")})
    assert done.returncode == 77
    assert "no ready chroot" in done.stderr


@posix_only
def test_chroot_usage_error() -> None:
    done = chroot_script("mount-everything")
    assert done.returncode == 1
    assert done.stderr.startswith("forky-chroot: usage:")


@pytest.fixture(scope="module")
def anchors() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compare_anchors", REPO_ROOT / "benchmarks" / "compare_anchors.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compare_anchors"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("runner", "archs", "expected"),
    [
        ("ubuntu-latest", "auto", "x86_64 i686"),
        ("ubuntu-24.04-arm", "auto", "aarch64"),
        ("windows-latest", "auto", "AMD64 x86"),
        ("windows-11-arm", "auto64", "ARM64"),
        ("macos-15-intel", "auto", "x86_64"),
        ("macos-latest", "native", "arm64"),
        ("ubuntu-24.04", "x86_64", "x86_64"),
    ],
)
def test_anchors_archs_of_a_runner(
    anchors: ModuleType, runner: str, archs: str, expected: str
) -> None:
    platform, native = anchors.runner_platform(runner)
    assert anchors.auto_archs(platform, native, archs) == expected


@pytest.mark.parametrize(
    ("run", "builds"),
    [
        ("python -m cibuildwheel --output-dir wheelhouse", True),
        ("pipx run cibuildwheel==9.9.9", True),
        ("cibuildwheel", True),
        ("python -m pip install cibuildwheel==9.9.9", False),
        ("cibuildwheel --print-build-identifiers", False),
        ("echo cibuildwheel", False),
    ],
)
def test_anchors_knows_a_cibuildwheel_step(anchors: ModuleType, run: str, builds: bool) -> None:
    assert anchors.runs_cibuildwheel({"run": run}) is builds


def test_anchors_matrix_and_substitution(anchors: ModuleType) -> None:
    job = {"strategy": {"matrix": {"os": ["a", "b"], "include": [{"os": "c", "x": 1}]}}}
    assert anchors.matrix_combos(job) == [{"os": "a"}, {"os": "b"}, {"os": "c", "x": 1}]
    combo = {"platform": {"target": "armv7"}}
    assert anchors.substitute("t=${{ matrix.platform.target }}", combo) == "t=armv7"


def test_anchors_write_between_markers(anchors: ModuleType, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("before\n<!-- anchors -->\nold\n<!-- /anchors -->\nafter\n")
    anchors.write_between_markers(page, "new\ntable\n")
    assert page.read_text() == "before\n<!-- anchors -->\nnew\ntable\n<!-- /anchors -->\nafter\n"
    page.write_text("no markers\n")
    with pytest.raises(SystemExit, match="no <!-- anchors -->"):
        anchors.write_between_markers(page, "x\n")


def test_anchors_caching_cell_reads_every_workflow_the_same_way(
    anchors: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    maturin_ci = {"jobs": {"linux": {"steps": [
        {"uses": "PyO3/maturin-action@v1",
         "with": {"sccache": "${{ !startsWith(github.ref, 'refs/tags/') }}"}},
        {"uses": "astral-sh/setup-uv@v6", "if": "${{ startsWith(github.ref, 'refs/tags/') }}"},
    ]}}}  # fmt: skip
    ours = {
        "ci.yml": {"jobs": {"nox": {"steps": [
            {"uses": "astral-sh/setup-uv@abc", "with": {"enable-cache": False}},
            {"uses": "Swatinem/rust-cache@abc", "with": {"save-if": "main"}},
        ]}}},
        "wheels.yml": {"jobs": {"wheels": {"steps": [
            {"uses": "actions/cache/restore@abc", "if": "github.ref_type != 'tag'"},
            {"uses": "actions/cache/save@abc", "if": "github.ref == 'refs/heads/main'"},
        ]}}},
    }  # fmt: skip
    assert anchors.caching(tmp_path, {"CI.yml": maturin_ci}) == (
        "sccache in maturin-action in CI.yml (off on tags), setup-uv cache in CI.yml (on tags only)"
    )
    assert anchors.caching(tmp_path, ours) == (
        "Swatinem/rust-cache in ci.yml, actions/cache/restore in wheels.yml (off on tags)"
    )
    assert anchors.caching(tmp_path, {}) == "none"
    assert anchors.tag_runs("github.ref == 'refs/heads/main' && x") == " (off on tags)"
    assert anchors.tag_runs("${{ github.ref_type == 'tag' }}") == " (on tags only)"
    assert anchors.tag_runs(None, "github.event_name == 'push'") == ""
