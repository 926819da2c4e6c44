"""The one all-or-nothing writer behind new, ci, update and migrate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
    with pytest.raises(NotADirectoryError):
        apply_all([Write(project / "edit.txt", b"new"), Write(project / "blocker/x.txt", b"x")])
    assert tree(project) == before
