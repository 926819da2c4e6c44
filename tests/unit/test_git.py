"""scaffold.git: the one module that runs git, tried on real repositories."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from helpers import commit_all

from scaffold import git
from scaffold.errors import EXIT_TEMPLATE

SCAFFOLD = Path(__file__).resolve().parents[2] / "scaffold"


def test_only_scaffold_git_runs_git() -> None:
    """Every other module goes through scaffold.git: one place for env, timeouts and errors."""
    calls = re.compile(r"""which\(\s*["']git["']|\[\s*["']git["']|["']git["']\s*,\s*["']-""")
    offenders = [
        str(path.relative_to(SCAFFOLD))
        for path in SCAFFOLD.rglob("*.py")
        if path.name != "git.py" and calls.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_a_leaked_git_dir_does_not_redirect_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside a git hook GIT_DIR points at the outer repository; cwd must win."""
    ours, other = tmp_path / "ours", tmp_path / "other"
    for repo in (ours, other):
        repo.mkdir()
        git.run_git(["init", "--quiet"], repo)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git/index"))
    assert git.toplevel(ours) == ours.resolve()
    (ours / "a.txt").write_text("a\n")
    assert git.changed_paths(ours) == ["?? a.txt"]
    assert git.changed_paths(other) == []


def test_a_failure_is_a_typed_error_with_git_s_reason(tmp_path: Path) -> None:
    with pytest.raises(git.GitError, match=r"git rev-parse failed in .*not a git repository"):
        git.run_git(["rev-parse", "HEAD"], tmp_path)
    assert git.GitError.exit_code == EXIT_TEMPLATE
    done = git.run_git(["rev-parse", "HEAD"], tmp_path, check=False)
    assert not done.ok
    assert "not a git repository" in done.reason


def test_missing_git_is_its_own_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no git on PATH
    with pytest.raises(git.GitNotFoundError, match="not on PATH"):
        git.run_git(["status"], tmp_path)
    # Questions that cannot be answered without git answer "no", never raise.
    assert git.toplevel(tmp_path) is None
    assert git.show_file_at_head(tmp_path, "x") is None
    assert git.init_and_commit(tmp_path, message="m", commit=True)[0] == "no-git"


def test_a_hung_git_times_out(tmp_path: Path) -> None:
    # A commit whose editor never returns: git waits for it, our timeout does not.
    git.run_git(["init", "--quiet"], tmp_path)
    (tmp_path / "a").write_text("a\n")
    git.run_git(["add", "a"], tmp_path)
    env = {**os.environ, "GIT_EDITOR": "sleep 30;:"}
    start = time.monotonic()
    with pytest.raises(git.GitError, match=r"git commit did not finish in 1 s"):
        git.run_git(["commit"], tmp_path, as_tool=True, timeout=1, env=env)
    assert time.monotonic() - start < 10  # the editor was stopped too: its pipe did not hold us


def test_init_and_commit_runs_no_hook_and_asks_for_no_signature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("pre-commit", "commit-msg", "post-commit"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\ntouch {tmp_path}/ran-{name}\nexit 1\n")
        hook.chmod(0o755)
    config = tmp_path / "gitconfig"
    config.write_text(
        f"[core]\n\thooksPath = {hooks}\n[commit]\n\tgpgsign = true\n"
        "[gpg]\n\tprogram = false\n[user]\n\tname = Ada\n\temail = ada@example.org\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    project = tmp_path / "p"
    project.mkdir()
    (project / "README.md").write_text("hi\n")
    status, note = git.init_and_commit(project, message="first", commit=True)
    assert (status, note) == ("committed", "")
    assert not list(tmp_path.glob("ran-*"))
    assert git.run_git(["log", "--format=%an %s"], project).stdout == "Ada first\n"
    inner = project / "inner"
    inner.mkdir()
    status, note = git.init_and_commit(inner, message="m", commit=True)
    assert status == "inside-work-tree"
    assert str(project.resolve()) in note


def test_the_last_commit_is_read_not_the_work_tree(tmp_path: Path) -> None:
    workflows = tmp_path / ".github/workflows"
    workflows.mkdir(parents=True)
    assert git.files_at_head(tmp_path, ".github/workflows") is None  # no repository
    git.run_git(["init", "--quiet"], tmp_path)
    (workflows / "wheels.yml").write_text("name: old\n")
    assert git.files_at_head(tmp_path, ".github/workflows") is None  # no commit yet
    commit_all(tmp_path)
    (workflows / "wheels.yml").write_text("name: new\n")
    (workflows / "more.yml").write_text("name: more\n")
    assert git.files_at_head(tmp_path, ".github/workflows") == {"wheels.yml": len("name: old\n")}
    assert git.show_file_at_head(tmp_path, ".github/workflows/wheels.yml") == "name: old\n"
    assert git.show_file_at_head(tmp_path, ".github/workflows/more.yml") is None
    assert git.is_dirty(tmp_path)
    assert git.is_tracked(tmp_path, ".github/workflows/wheels.yml")
    assert not git.is_tracked(tmp_path, ".github/workflows/more.yml")
