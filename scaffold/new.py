"""`pyo3-scaffold new`: render the template into a new project, all or nothing.

The template is rendered into the staging folder beside the destination (same file system;
see `scaffold.files`), then moved into place: a failure or a signal part-way leaves the
destination as it was.

Like `cargo new` and `uv init`, the project becomes a git repository, unless git is missing or
the destination is already inside a git work tree. Unlike them we also make a first commit:
`update` refuses a tree with uncommitted (or untracked) files, and `git diff` after an update
or a migration is only readable against a committed baseline.

The first commit holds Cargo.lock too (`cargo generate-lockfile`, from cargo's local index
first): committed, it pins the crates every wheel is built from, which is what `doctor`'s
PS005 asks of a project. Without cargo, or when cargo cannot resolve the crates (offline with
an empty index), `new` goes on without it and says so: the first build writes it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

from scaffold import __version__, files, git, interrupts, render
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
    # Write Cargo.lock with cargo (before the first commit). On in the CLI; off here, like git.
    lock: bool = False


# committed: new repository with a first commit; initialised: a repository, nothing committed
# (the folder had files of yours, or git could not commit); the others: no repository made.
GitStatus = Literal["committed", "initialised", "inside-work-tree", "no-git", "off"]


@dataclass(frozen=True, kw_only=True)
class NewResult:
    destination: Path
    answers: Answers
    git: GitStatus
    git_note: str = ""  # why git did less than a first commit, in one line
    locked: bool = False  # Cargo.lock was written (and is in the first commit, if one was made)
    lock_note: str = ""  # why there is no Cargo.lock, in one line


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
    # A killed `new --allow-existing` is undone first: its files would look like the user's.
    files.recover(destination)
    check_destination(destination, allow_existing=options.allow_existing)
    try:
        rendered = _render_into(destination, options.answers, git=options.git, lock=options.lock)
    except OSError as error:  # no permission, a file where a folder should be, disk full...
        raise DestinationError(
            f"cannot write {error.filename or destination}: {error.strerror or error}; "
            "nothing was left behind"
        ) from error
    return NewResult(destination=destination, answers=options.answers, **rendered)


class _Rendered(TypedDict):
    git: GitStatus
    git_note: str
    locked: bool
    lock_note: str


def _render_into(destination: Path, answers: Answers, *, git: bool, lock: bool) -> _Rendered:
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
            lock_note, locked = "", False
            if lock and not (destination / "Cargo.lock").exists():  # yours is kept as it is
                lock_note = _generate_lockfile(rendered)
                locked = not lock_note
            # In the staging folder, so that the repository appears with the project, whole.
            status = _init_git(rendered, commit=True) if git and fresh else ("off", "")
            _move_into_place(rendered, destination)
            if git and not fresh:  # files of yours are there: a repository, but no commit
                status = _init_git(destination, commit=False)
            return _Rendered(
                git=status[0],
                git_note=status[1],
                locked=locked,
                lock_note=lock_note,
            )
    except BaseException:
        for parent in reversed(created_parents):
            parent.rmdir()
        raise


# cargo waits for its package-cache lock while another cargo holds it, and may go to the
# network: past this, `new` goes on without Cargo.lock rather than hang.
_LOCK_TIMEOUT = 60.0


def _generate_lockfile(folder: Path) -> str:
    """Write folder/Cargo.lock: from cargo's local index, else online; why not, in one line.

    Offline first: on a machine that has built a PyO3 crate before it is all there, in about
    0.1 s, and a first run without network still works. Online it takes about 0.4 s here.
    """
    cargo = shutil.which("cargo")
    if cargo is None:
        return "cargo is not on PATH: no Cargo.lock yet (the first build writes it)"
    failed = ""
    for network in (["--offline"], []):
        try:
            done = subprocess.run(
                [cargo, "generate-lockfile", "--quiet", *network],
                cwd=folder,
                capture_output=True,
                text=True,
                check=False,
                stdin=subprocess.DEVNULL,
                timeout=_LOCK_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            failed = f"took over {_LOCK_TIMEOUT:.0f} s"
            break
        if done.returncode == 0 and (folder / "Cargo.lock").is_file():
            return ""
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
        failed = f"failed: {lines[0] if lines else f'exit {done.returncode}'}"
    return f"cargo generate-lockfile {failed}; no Cargo.lock yet (the first build writes it)"


def _init_git(folder: Path, *, commit: bool) -> tuple[GitStatus, str]:
    """git init (and a first commit); skipped, with the reason, as `cargo new` does."""
    message = f"Initial commit: generated by pyo3-scaffold {__version__}"
    return git.init_and_commit(folder, message=message, commit=commit)


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
