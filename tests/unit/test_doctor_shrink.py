"""PS011 compares the wheel targets with the last commit's: a shrink is named, target by target.

Real repositories, real commits: a project with `maturin generate-ci` workflows is committed,
then its targets shrink (by hand, or after `ci --force`) and doctor must say which.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import commit_all, copy_project, git

from scaffold import doctor
from scaffold.checks import history
from scaffold.checks.pipeline import Target
from scaffold.cli import cli

S390X = "          - runner: ubuntu-22.04\n            target: s390x\n"


def ps011(path: Path) -> str | None:
    """PS011's reason, None when it passes."""
    result = doctor.run(doctor.DoctorOptions(path=path))
    return next((r.reason for r in result.findings if r.id == "PS011"), None)


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A hand-written project whose committed workflow is `maturin generate-ci github`'s."""
    project = copy_project("handmade", tmp_path)
    workflow = subprocess.run(
        ["maturin", "generate-ci", "github"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert S390X in workflow  # the shrink below removes this matrix entry
    (project / ".github/workflows").mkdir(parents=True)
    (project / ".github/workflows/CI.yml").write_text(workflow, encoding="utf-8")
    commit_all(project)
    return project


def test_a_hand_edit_that_drops_a_target_is_named(shipped: Path) -> None:
    assert ps011(shipped) is None
    workflow = shipped / ".github/workflows/CI.yml"
    workflow.write_text(workflow.read_text(encoding="utf-8").replace(S390X, ""), "utf-8")
    assert ps011(shipped) == (
        "the last commit's workflows also built linux s390x manylinux abi3+cpt, "
        "which the workflows now do not"
    )
    # Once committed, the shrink is the project's choice: HEAD says so, nothing is lost.
    commit_all(shipped, "no more s390x")
    assert ps011(shipped) is None


def test_a_deleted_workflow_loses_every_target_it_built(shipped: Path) -> None:
    (shipped / ".github/workflows/CI.yml").unlink()
    reason = ps011(shipped)
    assert reason is not None
    assert reason.startswith("no GitHub Actions workflow in .github/workflows builds wheels; ")
    # Every platform maturin generate-ci builds for (15), eight of them named.
    assert "linux aarch64 manylinux abi3+cpt" in reason
    assert "and 7 more, which the workflows now do not" in reason


def test_ci_force_loses_nothing_until_the_config_is_cut(shipped: Path) -> None:
    """`ci --force` carries every shipped target over: doctor agrees; then a skip drops one."""
    done = CliRunner().invoke(cli, ["ci", "--force", "--raise-floors", str(shipped)])
    assert done.exit_code == 0, done.output
    assert git(shipped, "status", "--porcelain", "--", ".github/workflows")  # compared for real
    assert ps011(shipped) is None
    pyproject = shipped / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert "\nskip = [\n" in text
    pyproject.write_text(
        text.replace("\nskip = [\n", '\nskip = [\n  "*-manylinux_i686",\n'), "utf-8"
    )
    assert ps011(shipped) == (
        "the last commit's workflows also built linux i686 manylinux abi3+cpt, "
        "which the workflows now do not"
    )


def test_no_commit_or_no_repository_compares_nothing(tmp_path: Path) -> None:
    project = copy_project("handmade", tmp_path)
    (project / ".github/workflows").mkdir(parents=True)
    workflow = project / ".github/workflows/CI.yml"
    workflow.write_text("on: push\njobs: {}\n", encoding="utf-8")
    reason = ps011(project)  # not a repository
    assert reason is not None
    assert "last commit" not in reason
    git(project, "init", "--quiet")  # a repository without a commit
    reason = ps011(project)
    assert reason is not None
    assert "last commit" not in reason


def _t(os: str, arch: str, libc: str, kind: str) -> Target:
    return Target(os=os, arch=arch, libc=libc, kind=kind)


def test_what_serves_a_lost_target() -> None:
    cp, abi3 = _t("linux", "x86_64", "glibc", "cp"), _t("linux", "x86_64", "glibc", "abi3")
    thin = {_t("macos", "x86_64", "", "abi3"), _t("macos", "arm64", "", "abi3")}
    fat = _t("macos", "universal2", "", "abi3")
    assert history.lost(frozenset({cp}), frozenset({abi3})) == []  # abi3 serves every CPython
    assert history.lost(frozenset({abi3}), frozenset({cp})) == [abi3]
    assert history.lost(frozenset(thin), frozenset({fat})) == []
    assert history.lost(frozenset({fat}), frozenset(thin)) == [fat]  # no universal2 wheel any more
    pypy = _t("linux", "x86_64", "glibc", "pp")
    assert history.lost(frozenset({pypy, abi3}), frozenset({abi3})) == [pypy]


def test_an_unreadable_committed_pyproject_compares_nothing(shipped: Path) -> None:
    """HEAD's [tool.cibuildwheel] unknown means what HEAD built is unknown: never guessed."""
    pyproject = shipped / "pyproject.toml"
    good = pyproject.read_text(encoding="utf-8")
    pyproject.write_text("[project\n", encoding="utf-8")
    commit_all(shipped, "broken")
    pyproject.write_text(good, encoding="utf-8")
    workflow = shipped / ".github/workflows/CI.yml"
    workflow.write_text(workflow.read_text(encoding="utf-8").replace(S390X, ""), "utf-8")
    assert ps011(shipped) is None
