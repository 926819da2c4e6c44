"""The `parallel` and `numpy` flavours end to end: generate, build, install, test, lint.

Three debug builds (each flavour alone, then both) share the session's cargo target dir, so
PyO3, rayon and the numpy crate compile once. Each project then runs everything its own CI
runs: its pytest suite on the installed wheel, cargo fmt/clippy -D warnings/test, and its
`nox -s lint` (ruff, and stubtest of the stubs against the compiled module).
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Generate, Venv, build_wheel, run

pytestmark = pytest.mark.slow

# Run inside the project's venv: the flavour's functions really are what they claim.
PARALLEL_CHECK = """
import os, sys
sys.path.insert(0, "tests")
import reference
from {module} import levenshtein_many

words = ["".join(chr(97 + (i * j) % 7) for j in range(i % 30)) for i in range(3000)]
expected = reference.levenshtein_many("abcdefg" * 3, words)
for threads in (None, 1, os.cpu_count()):
    assert levenshtein_many("abcdefg" * 3, words, threads=threads) == expected
print("ok")
"""

NUMPY_CHECK = """
import numpy as np
from {module} import affine, array_sum

values = np.random.default_rng(1).standard_normal(1_000_000)
assert abs(array_sum(values) - np.sum(values)) <= 1e-9 * np.abs(values).sum()
np.testing.assert_array_equal(affine(values, 3.0, 0.5), 3.0 * values + 0.5)
# Zero-copy in: a strided view is read in place, and the input is never written.
view = values[::7]
assert not view.flags.c_contiguous
assert abs(array_sum(view) - np.sum(view)) <= 1e-9 * np.abs(view).sum()
print("ok")
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: pip install -r .github/requirements-tools.txt")
    return path


@pytest.mark.parametrize(
    ("name", "layout", "parallel", "numpy"),
    [
        ("flavour-parallel", "mixed", True, False),
        ("flavour-numpy", "rust", False, True),
        ("flavour-both", "mixed", True, True),
    ],
)
def test_flavoured_project_builds_tests_and_lints_clean(
    tmp_path: Path,
    generate: Generate,
    build_env: dict[str, str],
    make_venv: Callable[[str], Venv],
    name: str,
    layout: str,
    parallel: bool,
    numpy: bool,
) -> None:
    project = generate(name, layout=layout, parallel=parallel, numpy=numpy)
    module = name.replace("-", "_")

    wheel = build_wheel(project, build_env, tmp_path / "wheels")
    assert "abi3" in wheel.name  # the numpy crate works with PyO3's abi3 feature on
    metadata = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("/METADATA"))
    requires = [
        line
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    # numpy is a runtime dependency in the numpy flavour only.
    assert requires == (["Requires-Dist: numpy>=2"] if numpy else [])

    venv = make_venv("venv")
    venv.install(wheel, "pytest", "hypothesis")
    if parallel:
        assert venv.run("-c", PARALLEL_CHECK.format(module=module), cwd=project).strip() == "ok"
    if numpy:
        assert venv.run("-c", NUMPY_CHECK.format(module=module), cwd=project).strip() == "ok"
    report = venv.run("-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", cwd=project)
    assert " passed" in report
    assert " failed" not in report
    # Only the free-threaded check may be skipped (this CPython has the GIL).
    skips = [line for line in report.splitlines() if line.startswith("SKIPPED")]
    assert all("needs a free-threaded CPython" in line for line in skips), skips
    # The flavour's own tests were collected: the 8-thread test, the NumPy comparisons.
    collected = venv.run(
        "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider", cwd=project
    )
    assert ("test_parallel.py::test_from_eight_python_threads_at_once" in collected) is parallel
    assert ("test_numpy.py::test_affine_matches_numpy_exactly" in collected) is numpy

    run("cargo", "fmt", "--all", "--check", cwd=project, env=build_env)
    run("cargo", "clippy", "--all-targets", "--quiet", "--", "-D", "warnings",
        cwd=project, env=build_env)  # fmt: skip
    cargo = run("cargo", "test", "--quiet", cwd=project, env=build_env)
    assert "test result: ok" in cargo.stdout
    # The generated lint session: ruff check, ruff format --check, stubtest on the module.
    run(tool("nox"), "-s", "lint", cwd=project, env=build_env)
