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


# --- `update --template` with `_preserve_symlinks: true`: symlinks are never a way out -------


def _template_repo(
    root: Path, links: dict[str, str], *, secret: Path, more: dict[str, str] | None = None
) -> Path:
    """A template repo: v<this version> is the live template; v99.0.0 adds
    `_preserve_symlinks: true` and the symlinks `links` (path in the repo -> target, where
    `{secret}` is a file outside it); `more`, if given, is a v99.1.0 with those links too."""
    from scaffold import __version__, render

    repo = root / "template-repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    render.TemplateVersion(__version__, render.template_root()).write_to(repo)
    _git(repo, "add", "-A", "--force")
    _git(repo, "commit", "-q", "-m", "v1")
    _git(repo, "tag", f"v{__version__}")
    for tag, batch in (("v99.0.0", links), ("v99.1.0", more)):
        if batch is None:
            continue
        copier_yml = repo / "copier.yml"
        if "_preserve_symlinks" not in copier_yml.read_text():
            copier_yml.write_text("_preserve_symlinks: true\n" + copier_yml.read_text())
        for name, target in batch.items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).symlink_to(target.format(secret=secret, outside=secret.parent))
        _git(repo, "add", "-A", "--force")
        _git(repo, "commit", "-q", "-m", tag)
        _git(repo, "tag", tag)
    return repo


def _committed_copy(made: Path, project: Path) -> Path:
    subprocess.run(["cp", "-a", str(made), str(project)], check=True)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "init")
    return project


LEAVING = {
    # Found in the template's git trees before copier runs:
    "absolute link to a file": {"template/leak.txt": "{secret}"},
    "relative link out of the repo": {"template/leak.txt": "../../secret.txt"},
    "absolute link to a folder": {"template/leaked": "{outside}"},
    # Inside the template repo, outside what it renders (`_subdirectory: template`): found
    # in the rendered clone.
    "link out of the subdirectory": {"template/leak.yml": "../copier.yml"},
    # Lexically inside; with `b -> .` in place, `b/..` is the project's parent.
    "link through another link": {"template/b": ".", "template/leak.txt": "b/../secret.txt"},
    # A templated target (`.jinja`): copier renders it; only the rendered tree shows where.
    "templated absolute target": {"template/leak.txt.jinja": "{{{{ '/' }}}}{secret}"},
}


@pytest.mark.parametrize("links", LEAVING.values(), ids=LEAVING.keys())
@pytest.mark.parametrize("dry_run", [False, True], ids=["apply", "dry-run"])
def test_update_refuses_a_template_symlink_leaving_it(
    made: Path, tmp_path: Path, links: dict[str, str], dry_run: bool
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret outside the template\n")
    repo = _template_repo(tmp_path, links, secret=secret)
    project = _committed_copy(made, tmp_path / "demo")
    before = _lsnapshot(project)
    result = CliRunner().invoke(
        cli, ["update", str(project), "--template", str(repo), *(["--dry-run"] if dry_run else [])]
    )
    assert result.exit_code == 5, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    # The first three are refused before copier runs, the others once rendered.
    found_before = list(LEAVING.values()).index(links) < 3
    assert ("leaves the template" if found_before else "outside the project") in errors[0]
    assert "nothing was written" in errors[0]
    assert "the secret" not in result.output
    after = _lsnapshot(project)
    assert after == before
    assert not (tmp_path / ".demo.pyo3-scaffold").exists()


def _lsnapshot(root: Path) -> dict[str, tuple[str, str]]:
    """Every path under `root` (not .git): a link's target, or a file's bytes; never followed."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if ".git" in rel.parts:
            continue
        if path.is_symlink():
            found[rel.as_posix()] = ("link", str(path.readlink()))
        elif path.is_file():
            found[rel.as_posix()] = ("file", path.read_bytes().hex())
    return found


def test_a_template_symlink_inside_it_stays_a_link_and_no_write_goes_through_it(
    made: Path, tmp_path: Path
) -> None:
    """copier preserves `fmt.toml -> rustfmt.toml` and `gh -> .github`: update makes them links
    in the project (not copies), and a later update that writes under them stays inside."""
    secret = tmp_path / "secret.txt"
    secret.write_text("outside\n")
    repo = _template_repo(
        tmp_path,
        {"template/fmt.toml": "rustfmt.toml", "template/docs/fmt.toml": "../rustfmt.toml"},
        secret=secret,
        more={"template/gh": ".github"},
    )
    project = _committed_copy(made, tmp_path / "demo")

    result = CliRunner().invoke(cli, ["update", str(project), "--template", str(repo), "--to",
                                      "v99.0.0"])  # fmt: skip
    assert result.exit_code == 0, result.output
    for link, target in (("fmt.toml", "rustfmt.toml"), ("docs/fmt.toml", "../rustfmt.toml")):
        assert (project / link).is_symlink(), link
        assert str((project / link).readlink()) == target
        assert (project / link).resolve().is_relative_to(project.resolve())
    assert "v99.0.0" in (project / ".copier-answers.yml").read_text()
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "update to 99.0.0")

    result = CliRunner().invoke(cli, ["update", str(project), "--template", str(repo)])
    assert result.exit_code == 0, result.output
    assert (project / "gh").is_symlink()
    assert str((project / "gh").readlink()) == ".github"
    assert (project / "gh/workflows/ci.yml").resolve().is_relative_to(project.resolve())
    assert secret.read_text() == "outside\n"
    assert "v99.1.0" in (project / ".copier-answers.yml").read_text()


def test_the_writer_refuses_a_link_leading_out_even_through_another_link(tmp_path: Path) -> None:
    """The last guard (scaffold/files.py): checked again once every link of a batch is in place."""
    from scaffold import files
    from scaffold.errors import DestinationError

    project = tmp_path / "p"
    project.mkdir()
    (project / "keep.txt").write_text("kept\n")
    for writes in (
        [files.Write(project / "a", None, link="/etc/hostname")],
        [files.Write(project / "a", None, link="../x")],
        [
            files.Write(project / "keep.txt", b"changed\n"),
            files.Write(project / "a", None, link="b/../x"),
            files.Write(project / "b", None, link="."),
        ],
    ):
        with pytest.raises(DestinationError, match="symlink"):
            files.apply_all(writes, root=project)
        assert sorted(p.name for p in project.iterdir()) == ["keep.txt"]
        assert (project / "keep.txt").read_text() == "kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p"]
