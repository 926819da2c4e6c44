"""`pyo3-scaffold new` end to end: render, build with maturin, install, run the project's tests.

Every build shares one cargo target dir, so PyO3 compiles once per feature set.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Venv, build_wheel, run

pytestmark = pytest.mark.slow

# Checked inside the project's venv: the Rust functions against pure Python on real data.
AGAINST_PURE_PYTHON = """
import random, sys
sys.path.insert(0, "tests")
import reference
import {module} as ext

rng = random.Random(2024)
values = [rng.randrange(-10**12, 10**12) for _ in range(2_000_000)]
assert ext.fast_sum(values) == sum(values) == reference.fast_sum(values)
words = ["".join(rng.choices("abcdefgh", k=rng.randrange(0, 120))) for _ in range(120)]
for a, b in zip(words, reversed(words)):
    assert ext.levenshtein(a, b) == reference.levenshtein(a, b), (a, b)
print("ok", ext.__version__)
"""


@pytest.mark.parametrize(
    ("layout", "abi3", "renderer"),
    [
        ("mixed", True, "cli"),
        ("mixed", False, "cli"),
        ("rust", True, "cli"),
        ("rust", False, "cli"),
        ("mixed", True, "copier"),
    ],
)
def test_generated_project_builds_and_passes_its_tests(
    tmp_path: Path,
    build_env: dict[str, str],
    make_venv: Callable[[str], Venv],
    layout: str,
    abi3: bool,
    renderer: str,
) -> None:
    module = f"demo_{layout}_{'abi3' if abi3 else 'cp'}_{renderer}"
    project = tmp_path / module.replace("_", "-")
    if renderer == "cli":
        flags = ["--layout", layout, "--abi3" if abi3 else "--no-abi3", "--yes"]
        done = run(sys.executable, "-m", "scaffold", "new", project, *flags)
        assert "Next:" in done.stdout
    else:  # plain copier on this repo, as a user without pyo3-scaffold would run it
        answers = [f"-dproject_name={project.name}", f"-dlayout={layout}", f"-dabi3={abi3}"]
        run("copier", "copy", "--defaults", "--vcs-ref=HEAD", *answers, REPO_ROOT, project)

    wheel = build_wheel(project, build_env, tmp_path / "wheels")
    assert ("abi3" in wheel.name) is abi3, wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    stub = f"{module}/_core.pyi" if layout == "mixed" else f"{module}/__init__.pyi"
    assert stub in names
    assert f"{module}/py.typed" in names

    venv = make_venv("venv")
    venv.install(wheel, "pytest", "hypothesis")
    assert venv.run("-c", AGAINST_PURE_PYTHON.format(module=module), cwd=project).startswith("ok")
    tests = venv.run("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert " passed" in tests
    assert " failed" not in tests

    cargo = run("cargo", "test", "--quiet", cwd=project, env=build_env)
    assert "test result: ok" in cargo.stdout
