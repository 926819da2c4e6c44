"""The `parallel` and `numpy` flavours, rendered (no builds): what each adds, and nothing else.

The real builds, tests and lint of flavoured projects are in tests/e2e/test_flavours.py.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO_ROOT, Generate, run

from scaffold.answers import Answers
from scaffold.cli import cli
from scaffold.errors import InvalidInputError

PLAIN = ["__version__", "fast_sum", "levenshtein"]
PARALLEL = ["levenshtein_many"]
NUMPY = ["affine", "array_sum"]
FLAVOURS = [(False, False), (True, False), (False, True), (True, True)]


def expected_exports(*, parallel: bool, numpy: bool) -> list[str]:
    return sorted(PLAIN + PARALLEL * parallel + NUMPY * numpy)


def ruff() -> list[str]:
    found = shutil.which("ruff")
    return [found] if found else [sys.executable, "-m", "ruff"]


def stub_of(project: Path, module: str, layout: str) -> Path:
    if layout == "mixed":
        return project / "python" / module / "_core.pyi"
    return project / f"{module}.pyi"


def dunder_all(path: Path) -> list[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__":
            return list(ast.literal_eval(node.value))
    pytest.fail(f"no __all__ in {path}")


def stub_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_copier_asks_both_flavours_as_booleans_off_by_default() -> None:
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    defaults = Answers.resolve("x")
    for question in ("parallel", "numpy"):
        assert config[question]["type"] == "bool"
        assert config[question]["default"] is False
        assert getattr(defaults, question) is False


@pytest.mark.parametrize("question", ["parallel", "numpy"])
def test_flavour_answers_must_be_booleans(question: str) -> None:
    with pytest.raises(InvalidInputError, match=f"{question} must be true or false"):
        Answers.resolve("x", **{question: "yes"})


@pytest.mark.parametrize(
    ("flags", "parallel", "numpy"),
    [
        ([], False, False),
        (["--parallel"], True, False),
        (["--numpy", "--no-parallel"], False, True),
    ],
)
def test_new_flags_reach_the_answers_file(
    tmp_path: Path, flags: list[str], parallel: bool, numpy: bool
) -> None:
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "demo"), "--yes", *flags])
    assert result.exit_code == 0, result.output
    recorded = yaml.safe_load((tmp_path / "demo" / ".copier-answers.yml").read_text())
    assert (recorded["parallel"], recorded["numpy"]) == (parallel, numpy)


@pytest.mark.parametrize(("parallel", "numpy"), FLAVOURS)
@pytest.mark.parametrize("layout", ["mixed", "rust"])
def test_flavour_adds_its_code_dependencies_and_tests(
    generate: Generate, layout: str, parallel: bool, numpy: bool
) -> None:
    project = generate("flavoured", layout=layout, parallel=parallel, numpy=numpy)
    exports = expected_exports(parallel=parallel, numpy=numpy)

    cargo = tomllib.loads((project / "Cargo.toml").read_text())
    assert ("rayon" in cargo["dependencies"]) is parallel
    assert ("numpy" in cargo["dependencies"]) is numpy
    if numpy:
        # The numpy crate's version follows PyO3's minor version.
        assert cargo["dependencies"]["numpy"].split(".")[:2] == ["0", "30"]
        assert cargo["dependencies"]["pyo3"]["version"].startswith("0.30.")
    project_table = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert project_table.get("dependencies", []) == (["numpy>=2"] if numpy else [])

    # Stub, runtime __all__ of the package and #[pyfunction]s agree on what is exported.
    stub = stub_of(project, "flavoured", layout)
    assert sorted(dunder_all(stub)) == exports
    assert stub_functions(stub) == set(exports) - {"__version__"}
    if layout == "mixed":
        assert sorted(dunder_all(project / "python" / "flavoured" / "__init__.py")) == exports
    lib_rs = (project / "src" / "lib.rs").read_text()
    assert lib_rs.count("#[pyfunction]") == len(exports) - 1
    assert ("use rayon::prelude::*;" in lib_rs) is parallel
    assert ("PyReadonlyArray1<'_, f64>" in lib_rs) is numpy

    tests = project / "tests"
    assert (tests / "test_parallel.py").exists() is parallel
    assert (tests / "test_numpy.py").exists() is numpy
    bench = (project / "benchmarks" / "bench.py").read_text()
    assert ('"levenshtein_many"' in bench) is parallel
    assert ('"array_sum"' in bench) is numpy

    # Every Python file of the project passes the project's own ruff configuration.
    run(*ruff(), "check", "--no-cache", ".", cwd=project)
    run(*ruff(), "format", "--check", "--no-cache", ".", cwd=project)


def test_plain_render_carries_no_trace_of_the_flavours(generate: Generate) -> None:
    project = generate("plain")
    for path in project.rglob("*"):
        if path.is_file() and path.name != ".copier-answers.yml":
            text = path.read_text()
            for word in ("rayon", "numpy", "levenshtein_many", "array_sum"):
                assert word not in text, f"{word} in {path.relative_to(project)}"


def test_rust_code_of_both_flavours_is_rustfmt_clean(generate: Generate) -> None:
    rustfmt = shutil.which("rustfmt")
    if rustfmt is None:
        pytest.skip("rustfmt is not installed")
    project = generate("both", parallel=True, numpy=True)
    # rustfmt reads the project's rustfmt.toml; --check exits 1 with a diff when unformatted.
    done = subprocess.run(
        [rustfmt, "--edition", "2024", "--check", "src/lib.rs"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
