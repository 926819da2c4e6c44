"""Every git call pyo3-scaffold makes, in one place (as copier keeps its own in `_vcs.py`).

`run_git(args, cwd)` runs one git command:

- in a clean environment: the variables that point git at *another* repository (GIT_DIR,
  GIT_WORK_TREE, GIT_INDEX_FILE..., set when we run inside a git hook or `git rebase -x`) are
  dropped, so `cwd` alone says which repository is meant; identity and `GIT_CONFIG_*`
  variables are kept, they are the user's;
- never waiting for anyone: stdin is closed, no terminal prompt, and a timeout;
- with a typed error: a failure raises `GitError` (exit 5, as a template that cannot be
  updated) or, with `check=False`, comes back as a `GitRun` to look at.

Commits we make (`as_tool=True` in throw-away repos, `init_and_commit` for `new`) run no hooks
and ask for no signature: there is nobody to answer a passphrase prompt.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from scaffold.errors import TemplateError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# Variables that choose the repository, index or object store instead of `cwd` (git(1)).
_REPOSITORY_VARIABLES = frozenset({
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
})  # fmt: skip

# No hooks, no signing prompt, no background maintenance (git forks a detached `maintenance
# run --auto` after a commit, which would go on writing in .git after we return or are
# interrupted): for every commit and tag pyo3-scaffold makes.
NO_HOOKS_NO_SIGNING = (
    "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
    "-c", f"core.hooksPath={os.devnull}", "-c", "maintenance.auto=false",
)  # fmt: skip

# Our own commits in throw-away repos: no user identity needed either.
AS_TOOL = (
    "-c", "user.name=pyo3-scaffold", "-c", "user.email=pyo3-scaffold@localhost",
    *NO_HOOKS_NO_SIGNING,
    "-c", "init.defaultBranch=main",
)  # fmt: skip

# Long enough for a clone of a large repository; a hung git (a network remote, a lock held by
# a stopped process) must not hang the command for ever.
TIMEOUT = 300.0


class GitError(TemplateError):
    """git is missing, timed out or failed; the message says which command and why."""


class GitNotFoundError(GitError):
    """git is not on PATH."""


@dataclass(frozen=True, kw_only=True)
class GitRun:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def reason(self) -> str:
        """git's first line of explanation (some failures, e.g. "nothing to commit", are
        explained on stdout only)."""
        lines = (self.stderr.strip() or self.stdout.strip()).splitlines()
        return lines[0] if lines else f"exit {self.returncode}"


def executable() -> str | None:
    return shutil.which("git")


def clean_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` (default: ours) without the variables that would point git elsewhere."""
    source = os.environ if env is None else env
    cleaned = {k: v for k, v in source.items() if k not in _REPOSITORY_VARIABLES}
    cleaned["GIT_TERMINAL_PROMPT"] = "0"  # never ask for a password
    return cleaned


def run_git(
    args: Sequence[str],
    cwd: Path | None,
    *,
    check: bool = True,
    as_tool: bool = False,
    timeout: float = TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> GitRun:
    """Run `git ARGS` in `cwd` (None: ours; see the module docstring); `check`: raise GitError
    on failure."""
    git = executable()
    if git is None:
        raise GitNotFoundError("git is needed for this, and it is not on PATH")
    prefix = AS_TOOL if as_tool else ()
    try:
        # Its own process group, so that a timeout stops what git started too (an editor, a
        # credential helper, ssh) and their open pipes cannot keep us waiting.
        process = subprocess.Popen(
            [git, *prefix, *args],
            cwd=cwd,
            env=clean_env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    except OSError as error:  # cwd gone, not a folder, git not executable
        raise GitError(f"git {args[0]} could not run in {cwd}: {error}") from error
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        _stop(process)
        raise GitError(f"git {args[0]} did not finish in {timeout:.0f} s in {cwd}") from error
    except BaseException:  # a signal: git must not go on in the background
        _stop(process)
        raise
    run = GitRun(args=tuple(args), returncode=process.returncode, stdout=stdout, stderr=stderr)
    if check and not run.ok:
        reason = stderr.strip() or stdout.strip()
        raise GitError(f"git {args[0]} failed in {cwd}: {reason}")
    return run


def _stop(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _quiet(args: Sequence[str], cwd: Path | None) -> GitRun | None:
    """The run, or None when git cannot run at all (missing, timed out): for questions whose
    answer is "we cannot tell" rather than an error."""
    try:
        return run_git(args, cwd, check=False, timeout=30)
    except GitError:
        return None


# --- questions about a work tree -------------------------------------------------------------


def toplevel(path: Path) -> Path | None:
    """The top folder of the git work tree holding `path`; None outside git (or without git)."""
    done = _quiet(["rev-parse", "--show-toplevel"], path)
    top = done.stdout.strip() if done is not None and done.ok else ""
    return Path(top) if top else None


def is_work_tree(path: Path) -> bool:
    done = _quiet(["rev-parse", "--is-inside-work-tree"], path)
    return done is not None and done.ok and done.stdout.strip() == "true"


def is_tracked(root: Path, relative: str) -> bool:
    """Whether git tracks the file `relative` (to `root`)."""
    done = _quiet(["ls-files", "--error-unmatch", "--", relative], root)
    return done is not None and done.ok


def changed_paths(folder: Path, paths: Sequence[str] = (".",)) -> list[str]:
    """`git status --porcelain` of `paths` in `folder` (untracked files too), one line each;
    GitError outside a repository."""
    status = run_git(["status", "--porcelain", "--untracked-files=all", "--", *paths], folder)
    return [line for line in status.stdout.splitlines() if line.strip()]


def is_dirty(folder: Path) -> bool:
    return bool(changed_paths(folder))


def config_get(key: str, cwd: Path | None = None) -> str | None:
    """`git config --get KEY` as seen from `cwd` (default: ours), None when unset or without
    git."""
    done = _quiet(["config", "--get", key], cwd)
    value = done.stdout.strip() if done is not None and done.ok else ""
    return value or None


# --- the last commit --------------------------------------------------------------------------


def files_at_head(folder: Path, subfolder: str) -> dict[str, int] | None:
    """The files directly in `subfolder` (relative to `folder`) in HEAD, name -> size in bytes;
    None when there is no git, no repository or no commit."""
    done = _quiet(["ls-tree", "-l", "-z", "HEAD", "--", f"./{subfolder}/"], folder)
    if done is None or not done.ok:
        return None
    files: dict[str, int] = {}
    for entry in done.stdout.split("\0"):
        info, _, name = entry.partition("\t")
        fields = info.split()
        if len(fields) == 4 and fields[1] == "blob" and fields[3].isdigit():  # noqa: PLR2004
            files[Path(name).name] = int(fields[3])
    return dict(sorted(files.items()))


def show_file_at_head(folder: Path, relative: str) -> str | None:
    """The text of `relative` (to `folder`) in HEAD; None when it is not there, not text, or
    there is no git, repository or commit."""
    done = _quiet(["show", f"HEAD:./{relative}"], folder)
    return done.stdout if done is not None and done.ok else None


# --- making a repository ----------------------------------------------------------------------

InitStatus = Literal["committed", "initialised", "inside-work-tree", "no-git"]


def init_and_commit(folder: Path, *, message: str, commit: bool) -> tuple[InitStatus, str]:
    """`git init` in `folder` (and commit everything in it), as `cargo new` does: skipped, with
    the reason, when git is missing or `folder` is already inside a work tree.

    The commit is the user's (their identity and default branch), without hooks or a signing
    prompt: amend it to sign it.
    """
    if executable() is None:
        return "no-git", "git is not on PATH: no repository made"
    top = toplevel(folder)
    if top is not None:
        return "inside-work-tree", f"inside the git work tree {top}: no new repository"
    done = run_git(["init", "--quiet"], folder, check=False)
    if not done.ok:
        return "no-git", f"git init failed: {done.reason}"
    if not commit:
        return "initialised", "a git repository, nothing committed (the folder had files of yours)"
    run_git(["add", "--all"], folder, check=False)
    done = run_git(
        [*NO_HOOKS_NO_SIGNING, "commit", "--quiet", "--no-verify", "-m", message],
        folder,
        check=False,
    )
    if not done.ok:
        return "initialised", f"git could not commit ({done.reason}): commit it yourself"
    return "committed", ""
