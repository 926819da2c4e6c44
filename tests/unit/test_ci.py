"""`pyo3-scaffold ci` on projects we did not make: real `maturin new` output (both layouts) and a
hand-written PyO3 project. Checked with the real tools, offline, no builds: cibuildwheel's wheel
list (the same as a generated project's), the workflow schema, zizmor; every other file keeps
its exact bytes.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Generate, run
from helpers import PROJECTS, copy_project, tool, tree_bytes

from scaffold import ci
from scaffold.cli import cli
from scaffold.errors import InvalidInputError, UnreadableProjectError

WRITTEN = {
    ".github/workflows/ci.yml",
    ".github/workflows/wheels.yml",
    ".github/dependabot.yml",
    ".github/install-rust.sh",
    "noxfile.py",
    "pyproject.toml",
}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def maturin_new(parent: Path, name: str, *extra: str) -> Path:
    run(tool("maturin"), "new", "--bindings", "pyo3", *extra, name, cwd=parent)
    return parent / name


SAMPLES = {
    "maturin-plain": lambda parent: maturin_new(parent, "plainpkg"),
    "maturin-mixed": lambda parent: maturin_new(parent, "mixedpkg", "--mixed"),
    "hand-written": lambda parent: copy_project("handy", parent),
}


def identifiers(project: Path, platform: str) -> list[str]:
    archs = {"linux": "x86_64 aarch64", "macos": "x86_64 arm64", "windows": "AMD64 ARM64"}
    done = run(
        tool("cibuildwheel"), "--print-build-identifiers", "--platform", platform,
        "--archs", archs[platform], cwd=project,
    )  # fmt: skip
    return done.stdout.split()


def assert_workflow_checks_pass(project: Path) -> None:
    workflows = sorted(str(p) for p in (project / ".github/workflows").glob("*.yml"))
    run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows)
    run(
        tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot",
        project / ".github/dependabot.yml",
    )  # fmt: skip
    done = run(tool("zizmor"), "--offline", "--no-config", project / ".github/workflows")
    assert "No findings" in done.stdout + done.stderr


@pytest.mark.parametrize("sample", SAMPLES)
def test_ci_makes_a_foreign_project_pass_the_generated_projects_checks(
    sample: str, tmp_path: Path, generate: Generate
) -> None:
    project = SAMPLES[sample](tmp_path)
    before = tree_bytes(project)
    pyproject_before = (project / "pyproject.toml").read_text()
    # maturin's CI.yml builds armv7 wheels on manylinux2014, older than cibuildwheel's image.
    force = ["--force", "--raise-floors"] if (project / ".github/workflows").exists() else []

    code, output = invoke("ci", str(project), *force)

    assert code == 0, output
    after = tree_bytes(project)
    changed = {name for name in after if before.get(name) != after[name]}
    removed = set(before) - set(after)
    # maturin's CI.yml only builds and publishes wheels: ours replaces it under its name, which
    # PyPI's trusted publisher is bound to (no ci.yml beside it: one file on macOS/Windows).
    expected = WRITTEN
    if force:
        expected = (WRITTEN - {".github/workflows/ci.yml", ".github/workflows/wheels.yml"}) | {
            ".github/workflows/CI.yml"
        }
    assert changed == expected, output
    assert removed == set()
    if force:
        assert "linux armv7l manylinux" in output  # the plan's table shows carried targets
    # Everything but [tool.cibuildwheel] in pyproject.toml keeps its bytes.
    pyproject_after = (project / "pyproject.toml").read_text()
    assert pyproject_after.startswith(pyproject_before.rstrip("\n") + "\n\n[tool.cibuildwheel]")
    old, new = tomllib.loads(pyproject_before), tomllib.loads(pyproject_after)
    assert set(new["tool"]) - set(old.get("tool", {})) == {"cibuildwheel"}
    assert {k: v for k, v in new["tool"].items() if k != "cibuildwheel"} == old.get("tool", {})

    assert_workflow_checks_pass(project)
    # At least the wheels of a project generated with the same answers (plus what the old
    # pipeline shipped: maturin's CI.yml builds PyPy wheels, carried over with enable).
    found = ci.run(ci.CiOptions(path=project)).detected
    twin = generate(
        "twin", min_python=found.min_python, abi3=found.abi3, free_threaded=found.free_threaded
    )
    for platform in ("linux", "macos", "windows"):
        ours = identifiers(project, platform)
        assert ours, platform
        assert set(identifiers(twin, platform)) <= set(ours), platform
    # The adopted noxfile loads in a project we did not generate.
    listing = run(tool("nox"), "-l", cwd=project).stdout
    for session in ("tests", "rust", "lint", "wheels", "publish"):
        assert f"{session} " in listing or f"{session}-" in listing, listing
    # The workflows are the generated project's, byte for byte.
    for name in (".github/workflows/ci.yml", ".github/dependabot.yml"):
        if name in expected:
            assert (project / name).read_bytes() == (twin / name).read_bytes(), name


def test_detects_the_answers_of_a_hand_written_project(tmp_path: Path) -> None:
    found = ci.run(ci.CiOptions(path=copy_project("handy", tmp_path))).detected
    assert found == ci.Detected(
        dist_name="Handy",
        module_name="handy",
        layout="mixed",
        abi3=True,
        min_python="3.10",
        free_threaded=True,
    )


def test_detects_maturin_layouts(tmp_path: Path) -> None:
    forced = {"force": True, "raise_floors": True}
    plain = ci.run(ci.CiOptions(path=maturin_new(tmp_path, "plainpkg"), **forced)).detected
    mixed = ci.run(ci.CiOptions(path=maturin_new(tmp_path, "mixedpkg", "--mixed"), **forced))
    assert (plain.module_name, plain.layout, plain.abi3) == ("plainpkg", "rust", False)
    assert (mixed.detected.module_name, mixed.detected.layout) == ("mixedpkg", "mixed")
    # maturin's requires-python >=3.8 is older than any CPython cibuildwheel builds.
    assert plain.min_python == "3.9"
    # The mixed layout keeps its tests in python/tests, with a `tests` extra for pytest.
    table = tomllib.loads((tmp_path / "mixedpkg/pyproject.toml").read_text())["tool"]
    assert table["cibuildwheel"]["test-command"] == "pytest {project}/python/tests"
    assert table["cibuildwheel"]["test-extras"] == ["tests"]


def test_an_existing_wheel_pipeline_is_kept_without_force(tmp_path: Path) -> None:
    project = maturin_new(tmp_path, "plainpkg")
    before = tree_bytes(project)

    code, output = invoke("ci", str(project))

    # No refusal: what changes nothing the project ships is added, its pipeline stays.
    assert code == 0, output
    after = tree_bytes(project)
    assert after[".github/workflows/CI.yml"] == before[".github/workflows/CI.yml"]
    assert {n for n in after if before.get(n) != after[n]} == {
        "noxfile.py",
        ".github/dependabot.yml",
    }
    assert "your pipeline (CI.yml) already builds wheels" in output
    assert "linux armv7l manylinux" in output  # the targets it ships, before and after

    code, output = invoke("ci", str(project), "--force")
    assert code == 2, output  # maturin's armv7 wheels are manylinux2014: an older floor
    assert "--raise-floors" in output
    assert tree_bytes(project) == after  # nothing written

    code, output = invoke("ci", str(project), "--force", "--raise-floors")
    assert code == 0, output
    text = (project / ".github/workflows/CI.yml").read_text()
    assert "autogenerated by maturin" not in text  # ours, under the publishing file's name
    assert "pypa/gh-action-pypi-publish@" in text


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    project = copy_project("handy", tmp_path)
    ci.run(ci.CiOptions(path=project))
    before = tree_bytes(project)

    result = ci.run(ci.CiOptions(path=project))

    assert result.written == ()
    assert {f.action for f in result.files} == {"unchanged"}
    assert tree_bytes(project) == before


def test_a_users_own_noxfile_is_kept_even_with_force(tmp_path: Path) -> None:
    project = copy_project("handy", tmp_path)
    (project / "noxfile.py").write_text("# mine\n")

    for force in (False, True):
        result = ci.run(ci.CiOptions(path=project, force=force))
        assert {f.path: f.action for f in result.files}["noxfile.py"] == "kept"
        assert (project / "noxfile.py").read_text() == "# mine\n"


def test_an_existing_cibuildwheel_table_gains_only_the_keys_it_lacks(tmp_path: Path) -> None:
    project = copy_project("handy", tmp_path)
    pyproject = project / "pyproject.toml"
    mine = '\n[tool.cibuildwheel]\nbuild-frontend = "build[uv]"  # mine\nbuild-verbosity = 3\n'
    pyproject.write_text(pyproject.read_text() + mine)
    before = pyproject.read_text()

    ci.run(ci.CiOptions(path=project, force=True))
    text = pyproject.read_text()
    table = tomllib.loads(text)["tool"]["cibuildwheel"]
    assert table["build-verbosity"] == 3  # the user's value stays, even with --force
    assert 'build-frontend = "build[uv]"  # mine' in text
    assert table["linux"]["before-all"] == "sh {project}/.github/install-rust.sh"
    assert text.startswith((PROJECTS / "handy/pyproject.toml").read_text())
    # No line of the user's is lost.
    assert set(before.splitlines()) <= set(text.splitlines())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: (p / "pyproject.toml").unlink(), "no pyproject.toml"),
        (lambda p: (p / "Cargo.toml").unlink(), "Cargo.toml is missing"),
        (
            lambda p: (p / "Cargo.toml").write_text(
                (PROJECTS / "handy/Cargo.toml").read_text().split("[dependencies]", maxsplit=1)[0]
            ),
            "no pyo3 dependency",
        ),
    ],
)
def test_projects_ci_cannot_read_are_refused(tmp_path: Path, mutate, message: str) -> None:
    project = copy_project("handy", tmp_path)
    mutate(project)
    with pytest.raises(InvalidInputError, match=message):
        ci.run(ci.CiOptions(path=project))
    code, _ = invoke("ci", str(project))
    assert code == InvalidInputError.exit_code


def test_malformed_toml_is_unreadable_exit_6(tmp_path: Path) -> None:
    project = copy_project("handy", tmp_path)
    (project / "pyproject.toml").write_text("[project\n")
    with pytest.raises(UnreadableProjectError, match="invalid TOML"):
        ci.run(ci.CiOptions(path=project))
    code, _ = invoke("ci", str(project))
    assert code == UnreadableProjectError.exit_code == 6


HELP_PROBE = """
import sys
from scaffold.cli import main
try:
    main(["ci", "--help"])
except SystemExit:
    pass
assert "copier" not in sys.modules and "tomlkit" not in sys.modules, "imported"
"""


def test_help_does_not_import_tomlkit_or_copier() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HELP_PROBE], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--force" in done.stdout


# --- the wheel tests install what the project's tests really need ---------------------------


def _cibuildwheel(project: Path) -> dict[str, object]:
    table = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    return {k: v for k, v in table.items() if k.startswith("test-")}


def test_wheel_tests_install_the_extra_that_names_what_the_tests_import(tmp_path: Path) -> None:
    project = copy_project("tested_by_extra", tmp_path)
    result = ci.run(ci.CiOptions(path=project))
    # The `dev` group (ipython, pyright) does not name numpy or hypothesis: the extra does.
    # helpers is the tests' own module; optional_speedups is imported under `try`.
    assert _cibuildwheel(project) == {
        "test-extras": ["dev"],
        "test-command": "pytest {project}/tests",
    }
    assert result.plan.warnings == ()
    # The noxfile's tests session installs the same: the extra (through maturin develop).
    tests = _session_source(project / "noxfile.py", "tests")
    assert 'build_into_venv(session, "--extras", "dev")' in tests


def test_wheel_tests_install_a_requirements_file_read_as_data(tmp_path: Path) -> None:
    project = copy_project("tested_by_requirements", tmp_path)
    ci.run(ci.CiOptions(path=project))
    # -r followed, pip options, `-e .` and the project itself left out; pytest's testpaths run.
    assert _cibuildwheel(project) == {
        "test-requires": ["pytest>=8", 'dirty-equals>=0.7 ; python_version >= "3.10"'],
        "test-command": "pytest {project}/tests {project}/docs",
    }
    tests = _session_source(project / "noxfile.py", "tests")
    assert 'session.install("pytest>=8", "dirty-equals>=0.7 ; python_version >= \\"3.10\\"")' in (
        tests
    )


def test_no_test_step_when_nothing_names_what_the_tests_import(tmp_path: Path) -> None:
    project = copy_project("untested_imports", tmp_path)
    result = ci.run(ci.CiOptions(path=project))
    assert _cibuildwheel(project) == {}  # pytest alone would fail at `import dirty_equals`
    (warning,) = result.plan.warnings
    assert "import dirty_equals, which no dependency group, extra" in warning
    assert f"Warning: {warning[:40]}" in ci.render_plan(result)
    # Once the project declares it, the test step is there.
    pyproject = project / "pyproject.toml"
    shutil.rmtree(project / ".github")
    (project / "noxfile.py").unlink()
    original = pyproject.read_text().split("\n\n[tool.cibuildwheel]")[0]
    pyproject.write_text(original + '\n[dependency-groups]\ntest = ["pytest", "dirty-equals"]\n')
    assert ci.run(ci.CiOptions(path=project)).plan.warnings == ()
    assert _cibuildwheel(project)["test-groups"] == ["test"]


def test_a_project_without_requires_python_gets_every_cpython(tmp_path: Path) -> None:
    project = copy_project("untested_imports", tmp_path)
    text = (project / "pyproject.toml").read_text().replace('requires-python = ">=3.10"\n', "")
    (project / "pyproject.toml").write_text(text)
    (project / "Cargo.toml").write_text(
        (project / "Cargo.toml").read_text().replace(', features = ["abi3-py310"]', "")
    )
    # Not the template's default 3.11: a project that names no floor ships 3.9 and 3.10 too.
    assert ci.run(ci.CiOptions(path=project, dry_run=True)).detected.min_python == "3.9"


# --- the noxfile runs the project's own tools, on the crate maturin builds -----------------


def _session_source(noxfile: Path, name: str) -> str:
    tree = ast.parse(noxfile.read_text())
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    return ast.get_source_segment(noxfile.read_text(), node) or ""


def test_the_noxfile_imposes_no_linter_the_project_does_not_use(tmp_path: Path) -> None:
    project = copy_project("untested_imports", tmp_path)
    ci.run(ci.CiOptions(path=project))
    noxfile = project / "noxfile.py"
    lint, rust = _session_source(noxfile, "lint"), _session_source(noxfile, "rust")
    for imposed in ("ruff", "mypy", "black", "flake8", "clippy", "cargo"):
        assert imposed not in lint.replace("no ruff, black, flake8 or mypy", ""), imposed
    assert '"clippy"' not in rust
    assert '"fmt"' not in rust
    assert '"test"' not in rust
    # Both sessions still exist (ci.yml calls them) and say why they do nothing.
    log = run(tool("nox"), "-s", "lint", "rust", cwd=project, env=_nox_env()).stderr
    assert "lint: skipped (the project configures no ruff, black, flake8 or mypy)" in log
    assert "rust: skipped (the project's own CI runs no cargo fmt, clippy or cargo test)" in log
    assert "Creating virtual environment" not in log  # nothing to install for nothing to run


def _nox_env() -> dict[str, str]:
    return {**os.environ, "CI": "true"}


def test_the_noxfile_runs_the_tools_the_project_configures(tmp_path: Path) -> None:
    project = copy_project("untested_imports", tmp_path)
    # ruff by its config file, black by [tool.black], clippy -D warnings and rustfmt by the
    # pre-commit hooks of doublify/pre-commit-rust, cargo test by its Makefile.
    (project / "ruff.toml").write_text("line-length = 99\n")
    with (project / "pyproject.toml").open("a") as file:
        file.write("\n[tool.black]\nline-length = 99\n")
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: https://github.com/doublify/pre-commit-rust\n    rev: v1.0\n"
        "    hooks:\n      - id: fmt\n      - id: clippy\n"
    )
    (project / "Makefile").write_text("test:\n\tcargo test --release\n")
    ci.run(ci.CiOptions(path=project))
    noxfile = project / "noxfile.py"
    lint, rust = _session_source(noxfile, "lint"), _session_source(noxfile, "rust")
    assert 'session.install("ruff", "black")' in lint
    assert '"ruff", "check"' in lint
    assert '"black", "--check"' in lint
    assert "mypy" not in lint
    assert "flake8" not in lint
    assert '"-D", "warnings"' in rust
    assert '"fmt"' in rust
    assert '"test"' in rust
    # Our own noxfile and workflows (which name every tool in messages) are not read as the
    # project's tools on the next run: it changes nothing.
    again = {f.path: f.action for f in ci.run(ci.CiOptions(path=project)).files}
    assert again["noxfile.py"] == "unchanged"
    # Without the hook's default `-D warnings`, clippy runs without it.
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: https://github.com/doublify/pre-commit-rust\n    rev: v1.0\n"
        "    hooks:\n      - id: clippy\n        args: ['--']\n"
    )
    noxfile.unlink()
    ci.run(ci.CiOptions(path=project))
    rust = _session_source(noxfile, "rust")
    assert '"clippy"' in rust
    assert "warnings" not in rust


def test_the_noxfile_checks_the_crate_manifest_path_names(tmp_path: Path) -> None:
    project = copy_project("workspace_member", tmp_path)
    (project / "rustfmt.toml").write_text('edition = "2021"\n')  # the project uses rustfmt
    ci.run(ci.CiOptions(path=project))
    # The generated noxfile, imported for real: the extension and its stub from the member crate.
    probe = (
        "import noxfile; print(noxfile.MANIFEST.relative_to(noxfile.ROOT).as_posix(), "
        "noxfile.EXTENSION, noxfile.committed_stub().relative_to(noxfile.ROOT).as_posix())"
    )
    shown = run(sys.executable, "-c", probe, cwd=project).stdout.split()
    assert shown == ["crates/py/Cargo.toml", "wsmod", "crates/py/wsmod.pyi"]
    # cargo runs on that manifest (nox prints each command it runs).
    log = run(tool("nox"), "-s", "rust", cwd=project, env=_nox_env()).stderr
    assert f"cargo fmt --manifest-path {project / 'crates/py/Cargo.toml'} --all --check" in log
