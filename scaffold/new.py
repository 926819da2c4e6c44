"""`pyo3-scaffold new`: render the template into a new project, all or nothing.

The template is rendered into the staging folder beside the destination (same file system;
see `scaffold.files`), then moved into place: a failure or a signal part-way leaves the
destination as it was.

Like `cargo new` and `uv init`, the project becomes a git repository, unless git is missing or
the destination is already inside a git work tree. Unlike them we also make a first commit:
`update` refuses a tree with uncommitted (or untracked) files, and `git diff` after an update
or a migration is only readable against a committed baseline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from scaffold import __version__, files, interrupts, render
from scaffold.errors import DestinationError

if TYPE_CHECKING:
    from pathlib import Path

    from scaffold.answers import Answers

_SHOWN_CLASHES = 5


@dataclass(frozen=True, kw_only=True)
class NewOptions:
    destination: Path
    answers: Answers
    # Render into an existing non-empty folder; existing files are still never overwritten.
    allow_existing: bool = False
    # Make the project a git repository with a first commit. On in the CLI (`--no-git` turns it
    # off); off here, so that code calling the verb gets files and nothing else.
    git: bool = False


# committed: new repository with a first commit; initialised: a repository, nothing committed
# (the folder had files of yours, or git could not commit); the others: no repository made.
GitStatus = Literal["committed", "initialised", "inside-work-tree", "no-git", "off"]


@dataclass(frozen=True, kw_only=True)
class NewResult:
    destination: Path
    answers: Answers
    git: GitStatus
    git_note: str = ""  # why git did less than a first commit, in one line


def check_destination(destination: Path, *, allow_existing: bool) -> None:
    if destination.exists() and not destination.is_dir():
        raise DestinationError(f"{destination} exists and is not a folder")
    if destination.is_dir() and any(destination.iterdir()) and not allow_existing:
        raise DestinationError(
            f"{destination} is not empty; choose a new folder, or pass --allow-existing "
            "to add the project to it (existing files are never overwritten)"
        )


def run(options: NewOptions) -> NewResult:
    destination = options.destination.absolute()
    check_destination(destination, allow_existing=options.allow_existing)
    try:
        git, note = _render_into(destination, options.answers, git=options.git)
    except OSError as error:  # no permission, a file where a folder should be, disk full...
        raise DestinationError(
            f"cannot write {error.filename or destination}: {error.strerror or error}; "
            "nothing was left behind"
        ) from error
    return NewResult(destination=destination, answers=options.answers, git=git, git_note=note)


def _render_into(destination: Path, answers: Answers, *, git: bool) -> tuple[GitStatus, str]:
    created_parents = _make_parents(destination.parent)
    try:
        # Rendered inside the staging folder beside the destination (same file system, one
        # recognisable name that a later run cleans up after a SIGKILL; copier's temp files
        # go there too).
        with files.staging(destination) as stage:
            rendered = stage.path / "render"
            render.copy(rendered, answers.to_copier())
            # The project gets the usual mode, whatever copier made the folder with.
            umask = os.umask(0)
            os.umask(umask)
            rendered.chmod(0o777 & ~umask)
            fresh = not destination.exists()
            # In the staging folder, so that the repository appears with the project, whole.
            status = _init_git(rendered, commit=True) if git and fresh else ("off", "")
            _move_into_place(rendered, destination)
            if git and not fresh:  # files of yours are there: a repository, but no commit
                status = _init_git(destination, commit=False)
            return status
    except BaseException:
        for parent in reversed(created_parents):
            parent.rmdir()
        raise


def _git_executable() -> str | None:
    return shutil.which("git")


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    executable = _git_executable() or "git"
    return subprocess.run(
        [executable, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,  # never wait for a passphrase or an editor
    )


def _init_git(folder: Path, *, commit: bool) -> tuple[GitStatus, str]:
    """git init (and a first commit); skipped, with the reason, as `cargo new` does."""
    if _git_executable() is None:
        return "no-git", "git is not on PATH: no repository made"
    inside = _git(folder, "rev-parse", "--show-toplevel")
    if inside.returncode == 0:
        return (
            "inside-work-tree",
            f"inside the git work tree {inside.stdout.strip()}: no new repository",
        )
    done = _git(folder, "init", "--quiet")
    if done.returncode != 0:
        return "no-git", f"git init failed: {_first_line(done)}"
    if not commit:
        return "initialised", "a git repository, nothing committed (the folder had files of yours)"
    _git(folder, "add", "--all")
    # Your identity and branch name; no hooks (a new repository has none of its own) and no
    # signing prompt (nobody to answer it): amend the commit to sign it.
    done = _git(
        folder,
        "-c",
        "commit.gpgsign=false",
        "commit",
        "--quiet",
        "--no-verify",
        "-m",
        f"Initial commit: generated by pyo3-scaffold {__version__}",
    )
    if done.returncode != 0:
        return "initialised", f"git could not commit ({_first_line(done)}): commit it yourself"
    return "committed", ""


def _first_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
    return lines[0] if lines else f"exit {done.returncode}"


def _make_parents(folder: Path) -> list[Path]:
    """Create missing parents, returning them outermost first so a failure can remove them."""
    made: list[Path] = []
    try:
        for parent in reversed([p for p in (folder, *folder.parents) if not p.exists()]):
            parent.mkdir()
            made.append(parent)
    except BaseException:
        for parent in reversed(made):
            parent.rmdir()
        raise
    return made


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() or path.is_symlink()]


def _move_into_place(staging: Path, destination: Path) -> None:
    if not destination.exists():
        staging.replace(destination)  # one rename: the project appears whole or not at all
        interrupts.completed("the project was created")
        return
    relative = [path.relative_to(staging) for path in _files(staging)]
    clashes = sorted(str(rel) for rel in relative if (destination / rel).exists())
    if clashes:
        shown = ", ".join(clashes[:_SHOWN_CLASHES]) + (" ..." if clashes[_SHOWN_CLASHES:] else "")
        raise DestinationError(f"{destination} already has {shown}; nothing was written")
    files.apply_all(
        (
            files.Write(
                destination / rel, (staging / rel).read_bytes(), (staging / rel).stat().st_mode
            )
            for rel in relative
        ),
        root=destination,
    )
