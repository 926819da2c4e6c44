"""`pyo3-scaffold update`: bring a generated project to a newer template version.

copier's update does the merging: it renders the version that made the project, diffs the
project against it (that diff is the user's own edits), renders the new version and re-applies
the user's edits on top, leaving `<<<<<<< before updating` markers where both changed a line.

It runs in a throw-away clone of the project's git repo, never in the project itself:
- the clone's answers file is pointed at the template repo rebuilt from the versions packaged
  with pyo3-scaffold (or at `--template`), so nothing has to be fetched;
- `--dry-run` is the same update, reported and thrown away;
- the result is copied back file by file, undoing every write if anything fails.
The project's own `_src_path` line is kept, so plain `copier update` keeps working too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scaffold import __version__, files, git, render
from scaffold.errors import DirtyTreeError, InvalidInputError, TemplateError

Status = Literal["added", "modified", "deleted"]
_SHOWN = 3  # dirty files named in the error
_STATUS: dict[str, Status] = {"A": "added", "M": "modified", "T": "modified", "D": "deleted"}


@dataclass(frozen=True, kw_only=True)
class UpdateOptions:
    path: Path
    # A template version ("0.2.0"); with `template`, any git ref of it. None: the newest.
    to_version: str | None = None
    dry_run: bool = False
    # A copier template git repo (path or URL) to update from instead of the packaged versions.
    template: str | None = None


@dataclass(frozen=True, kw_only=True)
class FileChange:
    status: Status
    path: str  # relative to the project, with '/'


@dataclass(frozen=True, kw_only=True)
class UpdateResult:
    project: Path
    from_version: str
    to_version: str
    changes: tuple[FileChange, ...]
    # Files left with copier's inline conflict markers, for the user to resolve.
    conflicts: tuple[str, ...]
    diff: str
    dry_run: bool
    # With --dry-run: the project's pins older than this tool's table (doctor's PS014).
    stale_pins: tuple[str, ...] = ()

    @property
    def up_to_date(self) -> bool:
        return not self.changes


def run(options: UpdateOptions) -> UpdateResult:
    project = options.path.absolute().resolve()
    # First undo what a killed run left (files.recover): its half-applied change would
    # otherwise make the tree dirty, and the refusal below would keep it so.
    files.recover(project)
    answers_file = project / render.ANSWERS_FILE
    if not answers_file.is_file():
        raise InvalidInputError(
            f"{project} has no {render.ANSWERS_FILE}: it was not made by `pyo3-scaffold new` "
            "(`pyo3-scaffold ci` adds our CI files to any PyO3 project)"
        )
    top = _git_toplevel(project)
    _refuse_dirty(project)
    answers = render.read_answers(answers_file)
    from_ref = str(answers.get("_commit") or "")
    if not from_ref:
        raise TemplateError(
            f"{answers_file} does not record the template version (_commit) that made the project"
        )
    from_version = from_ref.removeprefix("v")
    stale = _stale_pins(top, project) if options.dry_run else ()

    # The throw-away clone lives in the staging folder beside the project, never in $TMPDIR:
    # after a SIGKILL the next run recognises and removes it (scaffold.files).
    with files.staging(project) as stage:
        temp_dir = stage.path
        if options.template is None:
            source = str(temp_dir / "template")
            to_version = _check_packaged(from_version, options.to_version)
            vcs_ref: str | None = render.tag(to_version)
            if to_version == from_version:
                return UpdateResult(
                    project=project, from_version=from_version, to_version=to_version,
                    changes=(), conflicts=(), diff="", dry_run=options.dry_run,
                    stale_pins=stale,
                )  # fmt: skip
            render.build_template_repo(Path(source), render.packaged_versions())
        else:
            source, vcs_ref = options.template, options.to_version
            # copier renders the version that made the project and the one updated to.
            render.check_template_symlinks(source, [from_ref, vcs_ref or "*"])

        # A clone of the user's repo at HEAD (the tree is clean, so HEAD is the project).
        clone = temp_dir / "work"
        git.run_git(["clone", "--quiet", "--no-hardlinks", str(top), str(clone)], temp_dir)
        work = clone / project.relative_to(top)
        base = git.run_git(["rev-parse", "HEAD"], clone).stdout.strip()
        original = (work / render.ANSWERS_FILE).read_text(encoding="utf-8")
        render.record_source(work / render.ANSWERS_FILE, src_path=source, commit=from_ref)
        # --allow-empty: the project may already record this source (made by `copier copy` of it).
        message = "pyo3-scaffold: template source"
        git.run_git(
            ["commit", "--quiet", "--all", "--allow-empty", "-m", message], clone, as_tool=True
        )

        render.update(work, vcs_ref=vcs_ref)

        # Put the project's own template source back: only `_commit` (and new answers) change.
        src_line = _line_of(original, "_src_path:")
        updated = (work / render.ANSWERS_FILE).read_text(encoding="utf-8")
        if src_line is not None:
            updated = "".join(
                src_line if line.startswith("_src_path:") else line
                for line in updated.splitlines(keepends=True)
            )
        (work / render.ANSWERS_FILE).write_text(updated, encoding="utf-8")
        new_commit = render.read_answers(work / render.ANSWERS_FILE).get("_commit")
        to_version = str(new_commit).removeprefix("v")

        git.run_git(["add", "--all", "--", "."], work)
        changes = _changes(work, base)
        render.check_rendered_symlinks(
            work, (change.path for change in changes if change.status != "deleted")
        )
        diff = git.run_git(
            ["diff", "--cached", "--no-renames", "--relative", base, "--", "."], work
        ).stdout
        conflicts = tuple(
            change.path
            for change in changes
            if change.status != "deleted"
            and not (work / change.path).is_symlink()  # a link has no lines to mark
            and _has_markers(work / change.path)
        )
        if not options.dry_run:
            _apply(changes, work, project)
    return UpdateResult(
        project=project,
        from_version=from_version,
        to_version=to_version,
        changes=changes,
        conflicts=conflicts,
        diff=diff,
        dry_run=options.dry_run,
        stale_pins=stale,
    )


def _stale_pins(top: Path, project: Path) -> tuple[str, ...]:
    """What doctor's PS014 reports for the project as it is now."""
    from scaffold.checks import project as checked  # noqa: PLC0415  (only for --dry-run)
    from scaffold.checks import stale  # noqa: PLC0415

    loaded = checked.load(top, project)
    return tuple(str(pin) for pin in stale.stale_pins(loaded)) if loaded is not None else ()


def _check_packaged(from_version: str, to_version: str | None) -> str:
    """The packaged version to update to; refuse versions this installation cannot render."""
    versions = [v.version for v in render.packaged_versions()]
    target = (to_version or __version__).removeprefix("v")
    if target not in versions:
        raise InvalidInputError(
            f"template version {target} is not packaged with pyo3-scaffold {__version__} "
            f"(it has {', '.join(versions)}); install the pyo3-scaffold release you want"
        )
    if from_version not in versions:
        newer = render.version_key(from_version) > render.version_key(__version__)
        raise TemplateError(
            f"the project was made by template {from_version}, "
            + (
                f"newer than this pyo3-scaffold ({__version__}): upgrade pyo3-scaffold"
                if newer
                else f"which pyo3-scaffold {__version__} does not package ({', '.join(versions)})"
            )
        )
    if render.version_key(target) < render.version_key(from_version):
        raise InvalidInputError(
            f"the project is at template {from_version}; going back to {target} is not supported"
        )
    return target


def _git_toplevel(project: Path) -> Path:
    try:
        top = git.run_git(["rev-parse", "--show-toplevel"], project).stdout.strip()
        git.run_git(["rev-parse", "--verify", "--quiet", "HEAD"], project)
    except TemplateError as error:
        raise InvalidInputError(
            f"{project} is not a git repository with a commit; the update needs git to keep "
            "your edits apart from the template's: git init && git add -A && git commit -m init"
        ) from error
    return Path(top).resolve()


def _refuse_dirty(project: Path) -> None:
    dirty = [line[3:] for line in git.changed_paths(project)]
    if dirty:
        more = len(dirty) - _SHOWN
        shown = ", ".join(dirty[:_SHOWN]) + (f" and {more} more" if more > 0 else "")
        raise DirtyTreeError(
            f"{project} has uncommitted changes ({shown}); commit or stash them first, "
            "so that the update can be reviewed and undone with git"
        )


def _line_of(text: str, prefix: str) -> str | None:
    return next((line for line in text.splitlines(keepends=True) if line.startswith(prefix)), None)


def _changes(work: Path, base: str) -> tuple[FileChange, ...]:
    listing = git.run_git(
        ["diff", "--cached", "--name-status", "--no-renames", "--relative", "-z", base, "--", "."],
        work,
    ).stdout
    fields = listing.split("\0")
    return tuple(
        FileChange(status=_STATUS.get(code[0], "modified"), path=path)
        for code, path in zip(fields[0::2], fields[1::2], strict=False)
        if code
    )


def _has_markers(path: Path) -> bool:
    with path.open("rb") as lines:
        return any(line.rstrip() in render.CONFLICT_MARKERS for line in lines)


def _apply(changes: tuple[FileChange, ...], work: Path, project: Path) -> None:
    """Copy the update into the project; on any failure (or a signal) undo every write.

    The answers file goes last: it records the new template version, so it must never claim
    that version while other files are still old.
    """
    ordered = sorted(changes, key=lambda change: change.path == render.ANSWERS_FILE)
    files.apply_all((_write(change, work, project) for change in ordered), root=project)


def _write(change: FileChange, work: Path, project: Path) -> files.Write:
    source = work / change.path
    if change.status == "deleted":
        return files.Write(project / change.path, None)
    if source.is_symlink():
        # A symlink the template preserves (`_preserve_symlinks`) stays a link, never a copy
        # of what it points to; render.check_rendered_symlinks kept it inside the project.
        return files.Write(project / change.path, None, link=str(source.readlink()))
    return files.Write(project / change.path, source.read_bytes(), source.stat().st_mode)
