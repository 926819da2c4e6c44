"""All-or-nothing changes to a user's files: every verb that writes into a project uses this.

Each file is written beside its target and renamed over it, so it is old or new, never half
written; if anything fails part-way (or the user presses Ctrl-C), every file already changed
gets its old bytes and mode back, new files and the folders made for them are removed.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import ScaffoldError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_NEW_FILE_MODE = 0o644


@dataclass(frozen=True)
class Write:
    """Give `path` these bytes (`None` deletes it) and mode (`None` keeps the current one)."""

    path: Path
    data: bytes | None
    mode: int | None = None


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    if mode is None:
        mode = path.stat().st_mode if path.exists() else _NEW_FILE_MODE
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temp).chmod(mode & 0o7777)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def apply_all(
    writes: Iterable[Write],
    *,
    after_write: Callable[[Path], None] | None = None,
    finish: Callable[[], None] | None = None,
) -> None:
    """Make every write, then call `finish`; if anything raises, undo them all and re-raise.

    `after_write` runs after each file (a hook to stop part-way); `finish` runs inside the
    transaction, so its failure restores the files too.
    """
    undo: list[tuple[Path, bytes | None, int | None]] = []
    made: list[Path] = []
    try:
        for write in writes:
            path = write.path
            # Recorded before the change, so Ctrl-C right after it is still undone.
            if path.is_file():
                undo.append((path, path.read_bytes(), path.stat().st_mode))
            else:
                undo.append((path, None, None))
            if write.data is None:
                path.unlink(missing_ok=True)
            else:
                missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
                for folder in reversed(missing):
                    folder.mkdir()
                    made.append(folder)
                write_atomic(path, write.data, write.mode)
            if after_write is not None:
                after_write(path)
        if finish is not None:
            finish()
    except BaseException:
        _restore(undo, made)
        raise


def _restore(undo: list[tuple[Path, bytes | None, int | None]], made: list[Path]) -> None:
    """Put back what was there; keep going past a failure so the rest is still restored."""
    failed: list[str] = []
    for path, data, mode in reversed(undo):
        try:
            if data is None:
                if path.is_file() or path.is_symlink():  # never made if its folder could not be
                    path.unlink()
            else:
                write_atomic(path, data, mode)
        except OSError:
            failed.append(str(path))
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            failed.append(str(folder))
    if failed:
        raise ScaffoldError(f"could not restore {', '.join(failed)}: check them with git")
