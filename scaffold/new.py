"""`pyo3-scaffold new`: render the template into a new project, all or nothing.

The template is rendered into the staging folder beside the destination (same file system;
see `scaffold.files`), then moved into place: a failure or a signal part-way leaves the
destination as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scaffold import files, interrupts, render
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


@dataclass(frozen=True, kw_only=True)
class NewResult:
    destination: Path
    answers: Answers


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
        _render_into(destination, options.answers)
    except OSError as error:  # no permission, a file where a folder should be, disk full...
        raise DestinationError(
            f"cannot write {error.filename or destination}: {error.strerror or error}; "
            "nothing was left behind"
        ) from error
    return NewResult(destination=destination, answers=options.answers)


def _render_into(destination: Path, answers: Answers) -> None:
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
            _move_into_place(rendered, destination)
    except BaseException:
        for parent in reversed(created_parents):
            parent.rmdir()
        raise


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
