"""`update` on tampered answers files and bad options: one line, a documented code each."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import git as _git

from scaffold import usage
from scaffold.cli import cli

CASES = [
    ("binary answers file", b"\x00\xff\xfe binary", [], 6),
    ("_commit of the wrong type", b"_commit: [1, 2]\n_src_path: x\n", [], 2),
    ("answers file that is a list", b"- a\n- b\n", [], 2),
    ("no _commit", b"_src_path: x\nproject_name: demo\n", [], 5),
    ("a _commit newer than this tool", b"_commit: v7.7.7\n_src_path: x\n", [], 5),
    ("deep YAML", b"_commit: " + b"[" * 5000 + b"]" * 5000 + b"\n", [], 6),
    ("unknown --to", None, ["--to", "9.9.9"], 2),
    ("missing --template", None, ["--template", "/nonexistent/template"], 5),
]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scaffold import new
    from scaffold.answers import Answers

    path = tmp_path_factory.mktemp("update-robust") / "demo"
    new.run(new.NewOptions(destination=path, answers=Answers.resolve("demo")))
    return path


@pytest.mark.parametrize(("what", "answers", "options", "code"), CASES, ids=[c[0] for c in CASES])
def test_update_refuses_in_one_line(
    made: Path, tmp_path: Path, what: str, answers: bytes | None, options: list[str], code: int
) -> None:
    del what
    project = tmp_path / "demo"
    subprocess.run(["cp", "-a", str(made), str(project)], check=True)
    _git(project, "init", "-q")
    if answers is not None:
        (project / ".copier-answers.yml").write_bytes(answers)
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "init")
    result = CliRunner().invoke(cli, ["update", str(project), *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == code, result.output
    assert result.exit_code in {c for c, _ in usage.EXIT_CODES["update"]}
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert not (tmp_path / ".demo.pyo3-scaffold").exists()


def test_the_answers_file_is_written_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold import files, update

    work = tmp_path / "work"
    work.mkdir()
    for name in (".copier-answers.yml", "a.txt", "z.txt"):
        (work / name).write_text(name)
    order: list[str] = []
    monkeypatch.setattr(
        files, "apply_all", lambda writes, **_: order.extend(w.path.name for w in writes)
    )
    changes = tuple(
        update.FileChange(status="modified", path=name)
        for name in ("a.txt", ".copier-answers.yml", "z.txt")
    )
    update._apply(changes, work, tmp_path / "project")
    assert order == ["a.txt", "z.txt", ".copier-answers.yml"]
