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
is edited in place (its target gets the new bytes), never replaced by a regular file. A
write may also make a symlink (`update` keeps a template's preserved symlinks as links): its
target must stay inside the project, and deleting a symlink removes the link, not its target.
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
    """Give `path` these bytes (`None` deletes it) and mode (`None` keeps the current one).

    With `link`, make `path` a symlink to that target instead (`data` is then ignored).
    """

    path: Path
    data: bytes | None
    mode: int | None = None
    link: str | None = None


@dataclass(frozen=True)
class _Was:
    """What `path` held before a write: bytes and mode, a symlink's target, or nothing."""

    path: Path
    data: bytes | None = None
    mode: int | None = None
    link: str | None = None


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

        def release() -> None:  # idempotent: it may run twice
            _active.pop(root, None)
            tempfile.tempdir = old_tempdir
            if old_env is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = old_env
            if made is not None:
                _remove_tree(made)

        try:
            with interrupts.deferred():
                release()
        except BaseException:
            # A signal that landed before the hold above began (between bytecodes, on the way
            # into it) skipped the release: do it now, then let the interruption go on.
            with interrupts.deferred():
                release()
            raise


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


# A child process can outlive the interruption that ends a run (copier's git calls, through
# plumbum, are not stopped with us: an orphaned `git init` in a temp folder writes on for a few
# milliseconds), and one rmtree pass then meets a folder it cannot empty. Try again for a
# while; a child whose cwd is gone cannot bring the folder back.
_REMOVE_FOR = 3.0


def _remove_tree(path: Path) -> None:
    deadline = time.monotonic() + _REMOVE_FOR
    shutil.rmtree(path, ignore_errors=True)
    while os.path.lexists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
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
            old_name, old_link = entry.get("old"), entry.get("old_link")
            old = (candidate / "old" / str(old_name)).read_bytes() if old_name else None
            was = _state_of(old, str(old_link) if old_link is not None else None)
            new_link = entry.get("new_link")
            written = ("link", str(new_link)) if new_link is not None else _sha_state(entry)
            now = _state(target)
            if now == was:
                continue  # never changed, or already back
            if now == written:
                mode = int(str(entry.get("mode") or _NEW_FILE_MODE))
                _put_back(_Was(target, old, mode, str(old_link) if old_link else None), None)
                restored.append(rel)
            else:
                edited.append(rel)
        for entry in reversed(entries):
            if entry.get("made"):
                with contextlib.suppress(OSError):  # not empty: the user put something there
                    (root / str(entry.get("path", ""))).rmdir()
    return sorted(set(restored)), sorted(set(edited))


def _state(path: Path) -> tuple[str, str] | None:
    """What `path` holds, comparable across runs: a symlink's target, a file's hash, nothing."""
    if path.is_symlink():
        return ("link", str(path.readlink()))
    if path.is_file():
        return ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return None


def _state_of(data: bytes | None, link: str | None) -> tuple[str, str] | None:
    if link is not None:
        return ("link", link)
    return ("file", hashlib.sha256(data).hexdigest()) if data is not None else None


def _sha_state(entry: dict[str, object]) -> tuple[str, str] | None:
    new_sha = entry.get("new")
    return ("file", str(new_sha)) if new_sha is not None else None


def _put_back(was: _Was, temp_dir: Path | None) -> None:
    """Give `was.path` what it held before (removing what a write made there)."""
    if was.link is not None:
        _replace_link(was.path, was.link, temp_dir)
    elif was.data is not None:
        if was.path.is_symlink():  # a write made a link where the file was: replace the link
            _replace(was.path, was.data, was.mode or _NEW_FILE_MODE, temp_dir)
        else:
            write_atomic(was.path, was.data, was.mode)
    elif was.path.is_symlink() or was.path.is_file():
        was.path.unlink()


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


def _replace_link(path: Path, target: str, temp_dir: Path | None) -> None:
    """Make `path` a symlink to `target` by renaming a new link over it (the link itself, never
    what an old link pointed to); made in the staging folder when possible, like `_replace`."""
    if temp_dir is None:
        stage = next((s for r, s in _active.items() if path.is_relative_to(r)), None)
        temp_dir = stage.tmp if stage is not None else None
    for folder in (temp_dir, path.parent) if temp_dir is not None else (path.parent,):
        temp = folder / f".{path.name}.{os.urandom(6).hex()}"
        os.symlink(target, temp)  # noqa: PTH211  (creates the link exclusively)
        try:
            temp.replace(path)
        except OSError as error:
            temp.unlink(missing_ok=True)
            if error.errno == errno.EXDEV and folder != path.parent:
                continue
            raise
        except BaseException:
            temp.unlink(missing_ok=True)
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


def _target(root: Path, write: Write) -> Path:
    """Where the bytes for `write.path` really go; refuse a way out of the project."""
    path = write.path
    if not _absolute(path).is_relative_to(root):
        raise DestinationError(f"refusing to write {path}: it is outside {root}")
    # A link is made, and a symlink deleted, as the link itself: only its folders are followed.
    as_link = write.link is not None or (write.data is None and path.is_symlink())
    if write.link is not None:
        pointed = Path(os.path.normpath(path.parent / write.link))
        if Path(write.link).is_absolute() or not _inside(root, pointed):
            raise DestinationError(
                f"refusing to make {path.relative_to(root).as_posix()} a symlink to "
                f"{write.link}: it leaves the project; nothing was written"
            )
    chain = path.parents if as_link else (path, *path.parents)
    existing = next(p for p in chain if p.exists() or p.is_symlink())
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
    if as_link:
        return path
    if path.is_symlink():
        # Edit the file the link points to (inside the project): the link stays a link.
        return Path(os.path.realpath(path))
    return path


def _common_root(writes: list[Write]) -> Path:
    parents = [str(_absolute(w.path).parent) for w in writes]
    return Path(os.path.commonpath(parents)) if parents else Path.cwd()


def _check_links(project: Path, planned: list[Write], targets: list[Path]) -> None:
    """Every link made, now that all of them are in place, must still resolve inside the
    project (one link can send another one's `..` elsewhere: `b -> .`, `a -> b/../x`)."""
    for write, path in zip(planned, targets, strict=True):
        if write.link is not None and not _inside(project, path):
            raise DestinationError(
                f"refusing to make {path.relative_to(project).as_posix()} a symlink to "
                f"{write.link}: it leads out of the project; nothing was written"
            )


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
    planned = [Write(_absolute(w.path), w.data, w.mode, w.link) for w in writes]
    project = _absolute(root) if root is not None else _common_root(planned)
    targets = [_target(project, w) for w in planned]  # all refusals before any write
    undo: list[_Was] = []
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
            _check_links(project, planned, targets)
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
                    was.path.relative_to(project).as_posix()
                    for was in undo
                    if was.path.is_relative_to(project)
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
    undo: list[_Was],
    made: list[Path],
) -> None:
    # Recorded (in memory and in the journal) before the change, so that a signal or a kill
    # right after it is still undone.
    rel = path.relative_to(project).as_posix() if path.is_relative_to(project) else ""
    entry: dict[str, object] = {"path": rel}
    if write.link is not None:
        entry["new_link"] = write.link
    else:
        entry["new"] = hashlib.sha256(write.data).hexdigest() if write.data is not None else None
    if path.is_symlink():  # only for a link made or deleted: other writes follow the link
        old_link = str(path.readlink())
        undo.append(_Was(path, link=old_link))
        stage.record({**entry, "old_link": old_link})
    elif path.is_file():
        old, mode = path.read_bytes(), path.stat().st_mode
        undo.append(_Was(path, old, mode))
        stage.record({**entry, "mode": mode}, old)
    else:
        undo.append(_Was(path))
        stage.record(entry)
    if write.link is None and write.data is None:
        path.unlink(missing_ok=True)
        return
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        stage.record({"path": folder.relative_to(project).as_posix(), "made": 1})
        folder.mkdir()
        made.append(folder)
    if write.link is not None:
        _replace_link(path, write.link, None)
    elif write.data is not None:
        write_atomic(path, write.data, write.mode)


def _restore(undo: list[_Was], made: list[Path]) -> None:
    """Put back what was there; keep going past a failure so the rest is still restored."""
    failed: list[str] = []
    for was in reversed(undo):
        try:
            _put_back(was, None)  # a file never made (its folder could not be) is left alone
        except OSError:
            failed.append(str(was.path))
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            failed.append(str(folder))
    if failed:
        raise ScaffoldError(f"could not restore {', '.join(failed)}: check them with git")
