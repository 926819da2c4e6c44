"""The offline, packaged path of `update`: the template versions travel inside the wheel.

Build pyo3-scaffold's wheel, install it in a fresh venv, make a project with it; then release a
new version the documented way (freeze the template, bump the version, change the template),
install that wheel and update the project with no template repo anywhere but in the wheel.
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT, Venv, run
from helpers import git

from scaffold import __version__

pytestmark = pytest.mark.slow

CARGO_LINE = 'panic = "abort"  # added by the next release'
WORKFLOW_LINE = "# Added by the next release"
LIB_EDIT = "\n// The user's own code.\nfn helper() -> u8 {\n    7\n}\n"


def next_version(version: str) -> str:
    major, minor, *_ = version.split(".")
    return f"{major}.{int(minor) + 1}.0"


def source_copy(destination: Path) -> Path:
    """What the sdist holds, enough to build the wheel: the tool and the template."""
    destination.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "copier.yml"):
        shutil.copy2(REPO_ROOT / name, destination / name)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("scaffold", "template"):
        shutil.copytree(REPO_ROOT / folder, destination / folder, ignore=junk)
    return destination


def build_wheel(source: Path, out: Path) -> Path:
    run("uv", "build", "--wheel", "--quiet", "--out-dir", out, source)
    (wheel,) = out.glob("pyo3_scaffold-*.whl")
    return wheel


def release_next_version(source: Path, version: str) -> None:
    """The release steps of docs/update.md, then a template change for the new version."""
    run(
        sys.executable, "-c", "from scaffold import render; print(render.snapshot_template())",
        cwd=source,
    )  # fmt: skip
    init = source / "scaffold/__init__.py"
    init.write_text(init.read_text().replace(f'"{__version__}"', f'"{version}"'))
    cargo = source / "template/Cargo.toml.jinja"
    text = cargo.read_text()
    cargo.write_text(text.replace("[profile.release]\n", f"[profile.release]\n{CARGO_LINE}\n"))
    workflow = source / "template/.github/workflows/ci.yml.jinja"
    text = workflow.read_text()
    workflow.write_text(text.replace("\njobs:", f"\n{WORKFLOW_LINE}\njobs:", 1))


def test_installed_wheel_updates_a_project_offline(
    tmp_path: Path, make_venv: Callable[[str], Venv]
) -> None:
    venv = make_venv("venv")
    scaffold_cli = venv.python.parent / "pyo3-scaffold"
    source = source_copy(tmp_path / "src")
    first = build_wheel(source, tmp_path / "dist1")
    venv.install(first)

    project = tmp_path / "work" / "demo"
    run(scaffold_cli, "new", project, "--yes", cwd=tmp_path)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == f"v{__version__}"
    # `new` made the repository and its first commit: update can run at once.
    assert git(project, "status", "--porcelain") == ""
    with (project / "src/lib.rs").open("a") as lib:
        lib.write(LIB_EDIT)
    git(project, "commit", "--quiet", "--all", "-m", "My edits")
    # Nothing newer is installed yet.
    assert "Up to date" in run(scaffold_cli, "update", project).stdout

    version = next_version(__version__)
    release_next_version(source, version)
    second = build_wheel(source, tmp_path / "dist2")
    with zipfile.ZipFile(second) as wheel:
        names = wheel.namelist()
    assert f"scaffold/template_versions/{__version__}.tar.gz" in names
    # The package itself is ~260 KB compressed; one archived template version adds ~40 KB.
    assert second.stat().st_size < 400_000  # the versions keep the wheel small
    venv.install("--reinstall-package", "pyo3-scaffold", second)
    assert version in run(scaffold_cli, "--version").stdout

    before = git(project, "status", "--porcelain")
    dry = run(scaffold_cli, "update", project, "--dry-run").stdout
    assert f"Would update {project} from template {__version__} to {version}" in dry
    assert git(project, "status", "--porcelain") == before == ""

    output = run(scaffold_cli, "update", project).stdout
    assert f"from template {__version__} to {version}" in output
    assert CARGO_LINE in (project / "Cargo.toml").read_text()
    assert WORKFLOW_LINE in (project / ".github/workflows/ci.yml").read_text()
    assert (project / "src/lib.rs").read_text().endswith(LIB_EDIT)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == f"v{version}"
    assert answers["_src_path"] == "gh:pyo3-scaffold/pyo3-scaffold"
