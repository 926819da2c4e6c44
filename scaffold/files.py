"""All-or-nothing changes to a user's files: every verb that writes into a project uses this.

Each file is written into a staging folder beside the project and renamed over its target, so
it is old or new, never half written. If anything fails part-way, or a signal arrives
(SIGINT, SIGTERM, SIGHUP: see `scaffold.interrupts`), every file already changed gets its old
bytes and mode back, new files and the folders made for them are removed; signals are held
while that happens.

The staging folder, `.<project>.pyo3-scaffold` beside the project (like git's `index.lock`,
one name the next run recognises), also holds the run's temporary files (`tempfile` and child
processes' TMPDIR point into it) and an undo journal: before a file changes, its old bytes
are saved there. A SIGKILL or power cut cannot run our cleanup, so the next run on the same
project finds the folder and:
- removes it when the killed run had not started changing files, or had finished;
- otherwise puts back every file the killed run changed (only if each still holds exactly
  what that run wrote: a file edited since is left alone and reported), then stops with one
  line naming them (exit 3): the user runs the command again on the restored project;
- refuses to start while the run that owns it is still alive (two runs at once).
Nothing is ever left inside the project or in $TMPDIR. When the project's parent folder is
not writable (a project mounted at `/src`), the staging folder goes inside the project as
`.pyo3-scaffold-staging` (add it to .gitignore if that is your set-up).

Writes never leave the project: a path whose folder (or the file itself) is a symlink to a
place outside it is refused before anything is written; a symlinked file inside the project
is edited in place (its target gets the new bytes), never replaced by a regular file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold import interrupts
from scaffold.errors import DestinationError, ScaffoldError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

_NEW_FILE_MODE = 0o644
STAGING_SUFFIX = ".pyo3-scaffold"
INNER_STAGING = ".pyo3-scaffold-staging"
_JOURNAL = "journal.jsonl"
_COMMITTED = "committed"
_OWNER = "pid"
_SHOWN = 5


@dataclass(frozen=True)
class Write:
    """Give `path` these bytes (`None` deletes it) and mode (`None` keeps the current one)."""

    path: Path
    data: bytes | None
    mode: int | None = None


class RecoveredError(DestinationError):
    """An earlier run was killed part-way; its changes were just undone."""


def _absolute(path: Path) -> Path:
    # abspath, not resolve(): `..` is normalised but symlinks are kept, to be checked.
    return Path(os.path.abspath(path))  # noqa: PTH100


# --- the staging folder ---------------------------------------------------------------


def staging_candidates(root: Path) -> tuple[Path, Path]:
    """Where a run on `root` keeps its staging folder: beside it, or (fallback) inside it."""
    root = _absolute(root)
    return root.parent / f".{root.name}{STAGING_SUFFIX}", root / INNER_STAGING


class Staging:
    """One run's staging folder for `root`: temp files, the undo journal, a lock."""

    def __init__(self, root: Path, path: Path) -> None:
        self.root = root
        self.path = path
        self.tmp = path / "tmp"
        self._entries = 0
        self.transactions = 0  # nested apply_all (migrate's finish runs ci): outermost commits

    # The journal: one JSON line per change, written (and fsync'ed) before the change.
    def record(self, entry: dict[str, object], old: bytes | None = None) -> None:
        if old is not None:
            saved = self.path / "old" / str(self._entries)
            saved.parent.mkdir(exist_ok=True)
            _write_synced(saved, old)
            entry["old"] = saved.name
        self._entries += 1
        with (self.path / _JOURNAL).open("a", encoding="utf-8") as journal:
            journal.write(json.dumps(entry) + "\n")
            journal.flush()
            os.fsync(journal.fileno())

    def commit(self) -> None:
        _write_synced(self.path / _COMMITTED, b"")


_active: dict[Path, Staging] = {}


@contextlib.contextmanager
def staging(root: Path) -> Iterator[Staging]:
    """Hold the staging folder of `root` for the duration of a verb's run (re-entrant).

    Recovers what a killed run left (see the module docstring) before starting; points
    `tempfile` and child processes' TMPDIR into the folder so nothing leaks into $TMPDIR.
    """
    root = _absolute(root)
    if root in _active:
        yield _active[root]
        return
    recover(root)
    old_tempdir, old_env = tempfile.tempdir, os.environ.get("TMPDIR")
    made: Path | None = None
    try:
        # Signals held while the folder is made and recorded: a SIGTERM between the mkdir
        # and the `finally` below must not leave it behind. A held signal is raised on
        # leaving this block, inside the `try`, so the folder is still removed.
        with interrupts.deferred():
            made = _make_staging(root)
            stage = Staging(root, made)
            stage.tmp.mkdir()
            tempfile.tempdir = str(stage.tmp)
            os.environ["TMPDIR"] = str(stage.tmp)
            _active[root] = stage
        yield stage
    finally:
        with interrupts.deferred():
            _active.pop(root, None)
            tempfile.tempdir = old_tempdir
            if old_env is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = old_env
            if made is not None:
                _remove_tree(made)


def _make_staging(root: Path) -> Path:
    beside, inside = staging_candidates(root)
    for candidate in (beside, inside):
        if candidate == inside and not root.is_dir():
            break
        try:
            candidate.mkdir()  # exclusive: a second run at once fails here
        except FileExistsError as error:
            raise DestinationError(f"{candidate} exists: another pyo3-scaffold run?") from error
        except OSError as error:
            if error.errno in {errno.EACCES, errno.EPERM, errno.EROFS} and candidate == beside:
                continue
            raise
        (candidate / _OWNER).write_text(str(os.getpid()), encoding="ascii")
        return candidate
    raise DestinationError(f"cannot create a staging folder beside or inside {root}")


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    except OSError:
        return False
    return True


def recover(root: Path) -> None:
    """Clean up after a run on `root` that was killed (see the module docstring)."""
    root = _absolute(root)
    for candidate in staging_candidates(root):
        if not candidate.is_dir() or candidate.is_symlink():
            continue
        try:
            pid = int((candidate / _OWNER).read_text(encoding="ascii"))
        except (OSError, ValueError):
            pid = 0
        if pid and _alive(pid):
            raise DestinationError(
                f"another pyo3-scaffold run (pid {pid}) is changing {root}; wait for it, "
                f"or remove {candidate} if that process is not pyo3-scaffold"
            )
        journal = candidate / _JOURNAL
        if (candidate / _COMMITTED).exists() or not journal.is_file():
            _remove_tree(candidate)  # nothing in the project was touched, or all of it was
            continue
        restored, edited = _roll_back(root, candidate, journal)
        if edited:
            shown = ", ".join(edited[:_SHOWN])
            raise DestinationError(
                f"an earlier pyo3-scaffold run on {root} was killed part-way and {shown} "
                f"changed since; their old bytes are in {candidate / 'old'}: compare, then "
                f"remove {candidate}"
            )
        _remove_tree(candidate)
        if restored:
            shown = ", ".join(restored[:_SHOWN]) + (" ..." if restored[_SHOWN:] else "")
            raise RecoveredError(
                f"an earlier pyo3-scaffold run on {root} was killed part-way: put back "
                f"{len(restored)} file(s) as they were before it ({shown}); run the command again"
            )


def _roll_back(root: Path, candidate: Path, journal: Path) -> tuple[list[str], list[str]]:
    lines = journal.read_text(encoding="utf-8").splitlines()
    entries = []
    for line in lines:
        with contextlib.suppress(ValueError):  # a line cut short by the kill
            entries.append(json.loads(line))
    restored: list[str] = []
    edited: list[str] = []
    with interrupts.deferred():
        for entry in reversed(entries):
            rel = str(entry.get("path", ""))
            target = root / rel
            if entry.get("made"):
                continue  # folders go once their files are gone, below
            current = target.read_bytes() if target.is_file() else None
            old_name = entry.get("old")
            old = (candidate / "old" / str(old_name)).read_bytes() if old_name else None
            new_sha = entry.get("new")
            if current == old:
                continue  # never changed, or already back
            if (current is None and new_sha is None) or (
                current is not None and hashlib.sha256(current).hexdigest() == new_sha
            ):
                if old is None:
                    target.unlink()
                else:
                    _replace(target, old, int(str(entry.get("mode") or _NEW_FILE_MODE)), None)
                restored.append(rel)
            else:
                edited.append(rel)
        for entry in reversed(entries):
            if entry.get("made"):
                with contextlib.suppress(OSError):  # not empty: the user put something there
                    (root / str(entry.get("path", ""))).rmdir()
    return sorted(set(restored)), sorted(set(edited))


# --- writing ----------------------------------------------------------------------------


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _replace(path: Path, data: bytes, mode: int, temp_dir: Path | None) -> None:
    """Write `data` to a temp file (in the staging folder when possible) and rename it over
    `path`; a different file system (EXDEV) falls back to a temp file beside `path`."""
    for folder in (temp_dir, path.parent) if temp_dir is not None else (path.parent,):
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            Path(temp).chmod(mode & 0o7777)
            Path(temp).replace(path)
        except OSError as error:
            Path(temp).unlink(missing_ok=True)
            if error.errno == errno.EXDEV and folder != path.parent:
                continue
            raise
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    if mode is None:
        mode = path.stat().st_mode if path.exists() else _NEW_FILE_MODE
    stage = next((s for r, s in _active.items() if path.is_relative_to(r)), None)
    _replace(path, data, mode, stage.tmp if stage is not None else None)


def _inside(root: Path, path: Path) -> bool:
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    return real == real_root or real.is_relative_to(real_root)


def _target(root: Path, path: Path) -> Path:
    """Where the bytes for `path` really go; refuse a way out of the project."""
    if not _absolute(path).is_relative_to(root):
        raise DestinationError(f"refusing to write {path}: it is outside {root}")
    existing = next(p for p in (path, *path.parents) if p.exists() or p.is_symlink())
    if not _inside(root, existing):
        rel = existing.relative_to(root).as_posix() if existing.is_relative_to(root) else existing
        raise DestinationError(
            f"refusing to write {path.relative_to(root).as_posix()}: {rel} is a symlink to a "
            "place outside the project; nothing was written"
        )
    if existing != path and not existing.is_dir():
        rel = existing.relative_to(root).as_posix() if existing.is_relative_to(root) else existing
        raise DestinationError(
            f"cannot write {path.relative_to(root).as_posix()}: {rel} is a file, not a folder; "
            "nothing was written"
        )
    if path.is_dir() and not path.is_symlink():
        raise DestinationError(
            f"cannot write {path.relative_to(root).as_posix()}: it is a folder; nothing was written"
        )
    if path.is_symlink():
        # Edit the file the link points to (inside the project): the link stays a link.
        return Path(os.path.realpath(path))
    return path


def _common_root(writes: list[Write]) -> Path:
    parents = [str(_absolute(w.path).parent) for w in writes]
    return Path(os.path.commonpath(parents)) if parents else Path.cwd()


def apply_all(
    writes: Iterable[Write],
    *,
    root: Path | None = None,
    after_write: Callable[[Path], None] | None = None,
    finish: Callable[[], None] | None = None,
) -> None:
    """Make every write, then call `finish`; if anything raises, undo them all and re-raise.

    `root` is the project: no write may leave it (default: the writes' common folder).
    `after_write` runs after each file (a hook to stop part-way); `finish` runs inside the
    transaction, so its failure restores the files too. A signal becomes `Interrupted`
    naming the restored files.
    """
    planned = [Write(_absolute(w.path), w.data, w.mode) for w in writes]
    project = _absolute(root) if root is not None else _common_root(planned)
    targets = [_target(project, w.path) for w in planned]  # all refusals before any write
    undo: list[tuple[Path, bytes | None, int | None]] = []
    made: list[Path] = []
    delay = float(os.environ.get("PYO3_SCAFFOLD_TEST_SLOW_WRITES", "0") or 0)
    with staging(project) as stage:
        stage.transactions += 1
        writing = True
        try:
            for write, path in zip(planned, targets, strict=True):
                _change(stage, project, write, path, undo=undo, made=made)
                if delay:  # test seam: the fault-injection harness signals between writes
                    time.sleep(delay)
                if after_write is not None:
                    after_write(write.path)
            writing = False  # from here on an OSError is the caller's (`finish`), not ours
            if finish is not None:
                finish()
            if stage.transactions == 1:
                stage.commit()
                interrupts.completed(f"{len(planned)} file(s) written")
        except BaseException as error:
            with interrupts.deferred():
                _restore(undo, made)
            if writing and isinstance(
                error, OSError
            ):  # disk full, read-only folder...: one line, exit 3
                where = error.filename or "a file"
                raise DestinationError(
                    f"cannot write {where}: {error.strerror or error}; every file was put back"
                ) from error
            if isinstance(error, KeyboardInterrupt):
                restored = tuple(
                    p.relative_to(project).as_posix()
                    for p, _, _ in undo
                    if p.is_relative_to(project)
                )
                signum = getattr(error, "signum", interrupts.SIGNALS[0])
                raise interrupts.Interrupted(signum, tuple(dict.fromkeys(restored))) from error
            raise
        finally:
            stage.transactions -= 1


def _change(
    stage: Staging,
    project: Path,
    write: Write,
    path: Path,
    *,
    undo: list[tuple[Path, bytes | None, int | None]],
    made: list[Path],
) -> None:
    # Recorded (in memory and in the journal) before the change, so that a signal or a kill
    # right after it is still undone.
    rel = path.relative_to(project).as_posix() if path.is_relative_to(project) else ""
    new_sha = hashlib.sha256(write.data).hexdigest() if write.data is not None else None
    if path.is_file():
        old, mode = path.read_bytes(), path.stat().st_mode
        undo.append((path, old, mode))
        stage.record({"path": rel, "mode": mode, "new": new_sha}, old)
    else:
        undo.append((path, None, None))
        stage.record({"path": rel, "new": new_sha})
    if write.data is None:
        path.unlink(missing_ok=True)
        return
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        stage.record({"path": folder.relative_to(project).as_posix(), "made": 1})
        folder.mkdir()
        made.append(folder)
    write_atomic(path, write.data, write.mode)


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
