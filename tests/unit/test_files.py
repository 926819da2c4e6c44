"""The one all-or-nothing writer behind new, ci, update and migrate."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from scaffold import files
from scaffold.errors import DestinationError
from scaffold.files import Write, apply_all


def tree(root: Path) -> dict[str, tuple[bytes, int] | None]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode) if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "keep.txt").write_text("keep")
    (tmp_path / "edit.txt").write_text("old")
    (tmp_path / "gone.txt").write_text("bye")
    (tmp_path / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "run.sh").chmod(0o755)
    return tmp_path


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_writes_edits_deletes_and_keeps_modes(project: Path) -> None:
    apply_all([
        Write(project / "edit.txt", b"new"),
        Write(project / "gone.txt", None),
        Write(project / "deep/er/new.txt", b"fresh"),
        Write(project / "run.sh", b"#!/bin/sh\necho hi\n"),
    ])  # fmt: skip
    assert (project / "edit.txt").read_bytes() == b"new"
    assert not (project / "gone.txt").exists()
    assert (project / "deep/er/new.txt").read_bytes() == b"fresh"
    assert (project / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (project / "deep/er/new.txt").stat().st_mode & 0o777 == 0o644
    assert (project / "keep.txt").read_text() == "keep"


@pytest.mark.parametrize("fail_after", [1, 2, 3, 4])
def test_a_failure_part_way_restores_everything(project: Path, fail_after: int) -> None:
    before = tree(project)
    written = 0

    def stop(_: Path) -> None:
        nonlocal written
        written += 1
        if written == fail_after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_all(
            [
                Write(project / "deep/er/new.txt", b"fresh"),
                Write(project / "edit.txt", b"new"),
                Write(project / "gone.txt", None),
                Write(project / "run.sh", b"changed", 0o600),
            ],
            after_write=stop,
        )
    assert tree(project) == before


def test_a_failing_finish_restores_everything(project: Path) -> None:
    before = tree(project)

    def finish() -> None:
        raise OSError("later step failed")

    with pytest.raises(OSError, match="later step failed"):
        apply_all([Write(project / "edit.txt", b"new")], finish=finish)
    assert tree(project) == before


def test_a_write_that_cannot_happen_restores_the_earlier_ones(project: Path) -> None:
    (project / "blocker").write_text("a file where a folder is needed")
    before = tree(project)
    # Refused before the first write (a file where a folder must be), one line, exit 3.
    with pytest.raises(DestinationError, match="blocker is a file, not a folder"):
        apply_all([Write(project / "edit.txt", b"new"), Write(project / "blocker/x.txt", b"x")])
    assert tree(project) == before


# --- symlinks, staging, recovery after a kill (issue 12) ---------------------------------


def test_a_symlinked_folder_leaving_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / ".github").symlink_to(outside)
    with pytest.raises(DestinationError, match=r"\.github is a symlink to a place outside"):
        apply_all(
            [Write(project / "a.txt", b"a"), Write(project / ".github/workflows/ci.yml", b"x")],
            root=project,
        )
    assert list(outside.iterdir()) == []
    assert not (project / "a.txt").exists()  # refused before anything was written


def test_a_symlinked_file_is_edited_in_place(tmp_path: Path) -> None:
    (tmp_path / "real.toml").write_text("old")
    (tmp_path / "pyproject.toml").symlink_to("real.toml")
    apply_all([Write(tmp_path / "pyproject.toml", b"new")], root=tmp_path)
    assert (tmp_path / "pyproject.toml").is_symlink()
    assert (tmp_path / "real.toml").read_bytes() == b"new"


def test_a_symlinked_file_leaving_the_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("old")
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").symlink_to(tmp_path / "secret")
    with pytest.raises(DestinationError, match="outside the project"):
        apply_all([Write(project / "pyproject.toml", b"new")], root=project)
    assert (tmp_path / "secret").read_text() == "old"


def test_nothing_is_left_in_tmpdir_or_beside_the_project(project: Path) -> None:
    apply_all([Write(project / "edit.txt", b"new")], root=project)
    beside, inside = files.staging_candidates(project)
    assert not beside.exists()
    assert not inside.exists()
    with files.staging(project):
        assert tempfile.gettempdir().startswith(str(beside))
    assert not beside.exists()


def _killed_run(project: Path, writes: list[Write], stop_after: int) -> None:
    """What a SIGKILL leaves: staging folder and journal, with no chance to clean up."""

    class Killed(BaseException):
        pass

    count = 0

    def kill(_: Path) -> None:
        nonlocal count
        count += 1
        if count == stop_after:
            raise Killed

    real_restore, real_remove = files._restore, files._remove_tree
    files._restore = lambda *_: None  # type: ignore[assignment]
    files._remove_tree = lambda _: None  # type: ignore[assignment]
    try:
        with pytest.raises(Killed):
            apply_all(writes, root=project, after_write=kill)
    finally:
        files._restore, files._remove_tree = real_restore, real_remove
    files._active.clear()
    beside, _ = files.staging_candidates(project)
    (beside / "pid").write_text("999999999")  # the killed process is gone


def test_the_next_run_undoes_a_killed_run(project: Path) -> None:
    before = tree(project)
    writes = [
        Write(project / "edit.txt", b"new"),
        Write(project / "gone.txt", None),
        Write(project / "deep/new.txt", b"x"),
        Write(project / "keep.txt", b"changed"),
    ]
    _killed_run(project, writes, stop_after=3)
    assert tree(project) != before
    with pytest.raises(files.RecoveredError, match=r"killed part-way: put back 3 file\(s\)"):
        apply_all([Write(project / "edit.txt", b"other")], root=project)
    assert tree(project) == before
    assert not files.staging_candidates(project)[0].exists()
    apply_all([Write(project / "edit.txt", b"other")], root=project)  # and then it works
    assert (project / "edit.txt").read_bytes() == b"other"


def test_a_file_edited_after_the_kill_is_left_alone(project: Path) -> None:
    _killed_run(project, [Write(project / "edit.txt", b"new"), Write(project / "x", b"x")], 2)
    (project / "edit.txt").write_text("the user's own edit")
    with pytest.raises(DestinationError, match=r"edit\.txt changed since"):
        apply_all([Write(project / "y", b"y")], root=project)
    assert (project / "edit.txt").read_text() == "the user's own edit"
    assert files.staging_candidates(project)[0].exists()  # kept: it holds the old bytes


def test_a_live_run_is_not_disturbed(project: Path) -> None:
    beside, _ = files.staging_candidates(project)
    beside.mkdir()
    (beside / "pid").write_text(str(os.getppid()))
    with pytest.raises(DestinationError, match="another pyo3-scaffold run"):
        apply_all([Write(project / "y", b"y")], root=project)
    shutil.rmtree(beside)


def test_leftovers_of_a_run_that_wrote_nothing_are_removed(project: Path) -> None:
    beside, _ = files.staging_candidates(project)
    (beside / "tmp").mkdir(parents=True)
    (beside / "tmp" / "clone").write_text("junk")
    apply_all([Write(project / "y", b"y")], root=project)
    assert not beside.exists()


def _links(root: Path) -> dict[str, str]:
    """Every path under `root`: a link's target or a file's text, never following a link."""
    return {
        p.relative_to(root).as_posix(): f"-> {p.readlink()}" if p.is_symlink() else p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def _with_links(project: Path) -> list[Write]:
    (project / "old-link").symlink_to("keep.txt")
    (project / "stale-link").symlink_to("keep.txt")
    return [
        Write(project / "new-link", None, link="keep.txt"),  # a link where nothing was
        Write(project / "edit.txt", None, link="keep.txt"),  # a link where a file was
        Write(project / "old-link", None, link="run.sh"),  # a link re-pointed
        Write(project / "stale-link", None),  # a link deleted: the link, not keep.txt
        Write(project / "deep/link", None, link="../keep.txt"),
    ]


def test_links_are_made_as_links_and_a_deleted_link_is_only_the_link(project: Path) -> None:
    writes = _with_links(project)
    apply_all(writes, root=project)
    found = _links(project)
    assert found["new-link"] == found["edit.txt"] == "-> keep.txt"
    assert (found["old-link"], found["deep/link"]) == ("-> run.sh", "-> ../keep.txt")
    assert "stale-link" not in found
    assert found["keep.txt"] == "keep"


@pytest.mark.parametrize("stop_after", [1, 3, 5])
def test_a_failure_or_a_kill_part_way_puts_links_back(project: Path, stop_after: int) -> None:
    writes = _with_links(project)
    before = _links(project)

    def stop(path: Path) -> None:
        if path == writes[stop_after - 1].path:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_all(writes, root=project, after_write=stop)
    assert _links(project) == before
    _killed_run(project, writes, stop_after=stop_after)
    assert _links(project) != before
    with pytest.raises(files.RecoveredError, match="killed part-way"):
        files.recover(project)
    assert _links(project) == before


def test_a_child_still_writing_in_the_staging_folder_does_not_keep_it(project: Path) -> None:
    # copier's git calls (plumbum) are not stopped when a signal interrupts us: an orphaned
    # `git init` in a temp folder goes on writing there for a moment, and one rmtree pass
    # then meets a folder it cannot empty. The folder must still go.
    import subprocess

    writer = (
        "import os, sys, time\n"
        "end = time.monotonic() + 0.5\n"
        "i = 0\n"
        "while time.monotonic() < end:\n"
        "    try:\n"
        "        if not os.path.isdir(sys.argv[1]):\n"
        "            os.mkdir(sys.argv[1])  # not its parents: git's cwd, once gone, stays gone\n"
        "        open(os.path.join(sys.argv[1], str(i)), 'w').close()\n"
        "    except OSError:\n"
        "        pass\n"
        "    i += 1\n"
    )
    children: list[subprocess.Popen[bytes]] = []

    def interrupted() -> None:
        with files.staging(project) as stage:
            target = stage.tmp / "git-init"
            children.append(subprocess.Popen([sys.executable, "-c", writer, str(target)]))
            while not target.is_dir():
                pass
            raise KeyboardInterrupt

    beside, _ = files.staging_candidates(project)
    try:
        with pytest.raises(KeyboardInterrupt):
            interrupted()
        assert not beside.exists()
    finally:
        for child in children:
            child.wait()
