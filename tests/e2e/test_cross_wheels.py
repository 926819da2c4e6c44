"""A wheel for another target than this machine's, built here for real: Linux i686.

The `x86` platform choice adds a manylinux i686 job to wheels.yml; cibuildwheel needs a
container engine for it, which this machine lacks. What it can do is cross-compile: the
rustup target `i686-unknown-linux-gnu` (`.ci/run` adds it) and `maturin build --zig`, with
zig from the `ziglang` wheel as the linker and glibc 2.17 as the floor. The wheel must be
what the job promises: abi3 for CPython 3.11+, tagged manylinux i686, a 32-bit x86 ELF that
auditwheel accepts. One build (PyO3 compiles once for i686 in the shared cargo target dir).

Then the wheel is run: `.ci/i386-chroot.sh` gives a 32-bit Debian bookworm userland with its
CPython 3.11 (the x86-64 kernel runs it), where the wheel is installed from the file with the
test dependencies from PyPI, and the project's own tests pass on it. Where that chroot cannot
be had (not root, no network, no debootstrap) that test skips and says why.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run

from scaffold import new
from scaffold.answers import Answers

pytestmark = pytest.mark.slow

TARGET = "i686-unknown-linux-gnu"
I386_CHROOT = REPO_ROOT / ".ci" / "i386-chroot.sh"
CANNOT = 77  # the chroot script's "cannot be had on this machine" status
# The pointer size of the interpreter, and where it imports the package from.
PROBE = 'import struct, demo_i686; print(struct.calcsize("P") * 8, demo_i686.__file__)'
ELFCLASS32, EM_386 = 1, 3  # ELF header: e_ident[EI_CLASS] and e_machine of 32-bit x86


def add_rust_target() -> str | None:
    """Add the rustup target (a no-op when present); None, or why it cannot be had here."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        return f"cross-builds i686 from Linux x86_64; this is {sys.platform} {platform.machine()}"
    rustup = shutil.which("rustup")
    if rustup is None:
        return "no rustup on PATH: the i686 Rust target cannot be added"
    done = subprocess.run(
        [rustup, "target", "add", TARGET], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return f"`rustup target add {TARGET}` failed: {done.stderr.strip()[-400:]}"
    return None


def elf_class_and_machine(data: bytes) -> tuple[int, int]:
    assert data[:4] == b"\x7fELF", "not an ELF file"
    (machine,) = struct.unpack_from("<H", data, 18)  # e_machine, little-endian (EI_DATA = 1)
    return data[4], machine


@pytest.fixture(scope="module")
def i686_wheel(tmp_path_factory: pytest.TempPathFactory, cargo_target_dir: Path) -> Path:
    """The default project (mixed layout, abi3 from 3.11) built for i686."""
    reason = add_rust_target()
    if reason is not None:
        pytest.skip(reason)
    parent = tmp_path_factory.mktemp("cross")
    answers = Answers.resolve("demo-i686", platforms="x86")
    project = new.run(new.NewOptions(destination=parent / "demo-i686", answers=answers))
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env["CARGO_TARGET_DIR"] = str(cargo_target_dir)
    out = parent / "wheelhouse"
    run(
        sys.executable,
        "-m",
        "maturin",
        "build",
        "--release",
        "--zig",
        "--target",
        TARGET,
        "--out",
        out,
        cwd=project.destination,
        env=env,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def test_i686_wheel_is_abi3_manylinux_i686(i686_wheel: Path) -> None:
    name, version, python, abi, platforms = i686_wheel.stem.split("-")
    assert (name, version, python, abi) == ("demo_i686", "0.1.0", "cp311", "abi3")
    # zig links against glibc 2.17: manylinux2014, the image of wheels.yml's i686 job.
    assert set(platforms.split(".")) == {"manylinux2014_i686", "manylinux_2_17_i686"}


def test_i686_wheel_holds_a_32_bit_x86_extension(i686_wheel: Path) -> None:
    with zipfile.ZipFile(i686_wheel) as archive:
        (extension,) = [n for n in archive.namelist() if n.endswith(".so")]
        assert extension == "demo_i686/_core.abi3.so"
        assert elf_class_and_machine(archive.read(extension)) == (ELFCLASS32, EM_386)


def test_auditwheel_accepts_the_i686_wheel(i686_wheel: Path) -> None:
    report = " ".join(run("auditwheel", "show", i686_wheel).stdout.split())
    found = re.search(
        r'consistent with the following platform tag: "manylinux_2_(\d+)_i686"', report
    )
    assert found, report
    # The symbols it uses are no newer than the tag the wheel claims (glibc 2.17).
    assert int(found.group(1)) <= 17, report
    assert "requires no external shared libraries" in report, report


@pytest.fixture(scope="module")
def i386_root() -> Path:
    """The 32-bit chroot (instant when `.ci/run` already set it up), or skip saying why not."""
    if sys.platform != "linux":
        pytest.skip("the i386 chroot needs Linux")
    done = subprocess.run(
        ["bash", I386_CHROOT, "setup"], capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode == CANNOT:
        reason = done.stderr.strip().splitlines()[-1]
        pytest.skip(f"no 32-bit CPython here: {reason}")
    assert done.returncode == 0, f"{I386_CHROOT} setup failed:\n{done.stderr[-4000:]}"
    root = Path(done.stdout.strip())
    assert (root / "usr" / "bin" / "python3.11").exists(), root
    return root


def test_i686_wheel_passes_the_projects_tests_on_32_bit_cpython(
    i686_wheel: Path, i386_root: Path, tmp_path: Path
) -> None:
    del i386_root  # set up; the script finds it by its path
    build = i686_wheel.parent.parent  # the project and its wheelhouse
    venv = tmp_path / "venv"
    script = f"""
        python3.11 -m venv {venv}
        {venv}/bin/python -m pip install -q {i686_wheel} 'pytest>=8' 'hypothesis>=6'
        cd {tmp_path}  # the installed wheel is imported, not the source tree
        {venv}/bin/python -c '{PROBE}'
        {venv}/bin/python -m pytest -q -p no:cacheprovider {build / "demo-i686" / "tests"}
    """
    done = run(
        "bash",
        I386_CHROOT,
        "run",
        "--bind",
        build,
        "--bind",
        tmp_path,
        "--",
        "bash",
        "-euo",
        "pipefail",
        "-c",
        script,
    )
    output = done.stdout + done.stderr
    # A 32-bit interpreter, importing the extension from the venv.
    assert f"32 {venv}/lib/python3.11/site-packages/demo_i686/__init__.py" in output, output
    assert re.search(r"\b\d+ passed\b", output), output
    assert "failed" not in output, output
