"""`pyo3-scaffold update` against real template repos (git, copier), no builds.

As copier's own tests do: a template repo in a temp dir, tagged with two versions. The first is
the live template (what `new` renders), the second changes a workflow, Cargo.toml and README.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import Generate
from helpers import git

from scaffold import __version__, render, update
from scaffold.cli import cli
from scaffold.errors import EXIT_DIRTY, EXIT_USAGE, DirtyTreeError, InvalidInputError

V1, V2 = __version__, "99.0.0"
WORKFLOW_LINE = "# Added by template 99.0.0"
CARGO_LINE = 'panic = "abort"  # added by template 99.0.0'
README_LINE = "Added by template 99.0.0."
LIB_EDIT = "\n// The user's own code, kept by every update.\nfn helper() -> u8 {\n    7\n}\n"


def write_v2(root: Path) -> None:
    """Change the template the way a release might: a workflow, Cargo.toml and README."""
    workflow = root / "template/.github/workflows/ci.yml.jinja"
    text = workflow.read_text()
    assert "\njobs:" in text
    workflow.write_text(text.replace("\njobs:", f"\n{WORKFLOW_LINE}\njobs:", 1))
    cargo = root / "template/Cargo.toml.jinja"
    text = cargo.read_text()
    assert "[profile.release]\n" in text
    cargo.write_text(text.replace("[profile.release]\n", f"[profile.release]\n{CARGO_LINE}\n"))
    readme = root / "template/README.md.jinja"
    readme.write_text(readme.read_text().replace("\n", f"\n{README_LINE}\n", 1))


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copier template git repo with tags v<current version> and v99.0.0, built with git."""
    repo = tmp_path_factory.mktemp("template-repo")
    git(repo, "init", "--quiet")
    source = render.template_root()
    shutil.copy2(source / "copier.yml", repo / "copier.yml")
    shutil.copytree(source / "template", repo / "template")
    git(repo, "add", "--all", "--force")
    git(repo, "commit", "--quiet", "-m", "v1")
    git(repo, "tag", f"v{V1}")
    write_v2(repo)
    git(repo, "commit", "--quiet", "--all", "-m", "v2")
    git(repo, "tag", f"v{V2}")
    return repo


@pytest.fixture
def project(generate: Generate) -> Path:
    """A project made by the real `new`, committed, then edited and committed by its user."""
    path = generate("demo")
    git(path, "init", "--quiet")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "Generated")
    with (path / "src/lib.rs").open("a") as lib:
        lib.write(LIB_EDIT)
    with (path / "README.md").open("a") as readme:
        readme.write("\nThe user's own closing paragraph.\n")
    git(path, "commit", "--quiet", "--all", "-m", "My edits")
    return path


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts
    }


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_new_records_the_public_repo_and_the_release_tag(generate: Generate) -> None:
    answers = yaml.safe_load((generate("rec") / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == render.TEMPLATE_URL == "gh:pyo3-scaffold/pyo3-scaffold"
    assert answers["_commit"] == f"v{__version__}"


def test_update_applies_the_template_change_and_keeps_user_edits(
    project: Path, template_repo: Path
) -> None:
    lib_before = (project / "src/lib.rs").read_text()
    result = update.run(update.UpdateOptions(path=project, template=str(template_repo)))

    assert (result.from_version, result.to_version) == (V1, V2)
    assert result.conflicts == ()
    changed = {c.path: c.status for c in result.changes}
    assert changed == {
        ".copier-answers.yml": "modified",
        ".github/workflows/ci.yml": "modified",
        "Cargo.toml": "modified",
        "README.md": "modified",
    }
    # The template's changes are in...
    assert WORKFLOW_LINE in (project / ".github/workflows/ci.yml").read_text()
    assert CARGO_LINE in (project / "Cargo.toml").read_text()
    readme = (project / "README.md").read_text()
    assert README_LINE in readme
    # ...and every user edit is intact.
    assert (project / "src/lib.rs").read_text() == lib_before
    assert LIB_EDIT in lib_before
    assert readme.endswith("\nThe user's own closing paragraph.\n")
    assert "<<<<<<<" not in readme
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == f"v{V2}"
    # The project keeps naming the public repo, not the temporary one used for the update.
    assert answers["_src_path"] == render.TEMPLATE_URL
    # The update is left for review: unstaged changes, nothing committed.
    assert git(project, "log", "--format=%s") == "My edits\nGenerated\n"
    assert "Cargo.toml" in git(project, "diff", "--name-only")


def test_a_conflicting_edit_gets_markers_and_is_listed(project: Path, template_repo: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("\n", "\nThe user's own second line.\n", 1))
    git(project, "commit", "--quiet", "--all", "-m", "Edit the same place")

    code, output = invoke("update", str(project), "--template", str(template_repo))

    assert code == 1, output  # like git merge: conflicts to resolve
    text = readme.read_text()
    assert "<<<<<<< before updating" in text
    assert ">>>>>>> after updating" in text
    assert "The user's own second line." in text
    assert README_LINE in text
    # Listed at the end, after the changed files.
    assert output.rstrip().splitlines()[-1].strip() == "README.md"
    assert "1 file(s) conflict" in output
    # The rest of the update went in.
    assert CARGO_LINE in (project / "Cargo.toml").read_text()


def test_dry_run_changes_nothing_and_shows_the_diff(project: Path, template_repo: Path) -> None:
    before = tree_hashes(project)
    head = git(project, "rev-parse", "HEAD")

    code, output = invoke("update", str(project), "--template", str(template_repo), "--dry-run")

    assert code == 0, output
    assert tree_hashes(project) == before
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""
    assert "Would update" in output
    assert f"+{CARGO_LINE}" in output  # the diff
    assert "modified  Cargo.toml" in output


@pytest.mark.parametrize("how", ["modified", "untracked", "staged"])
def test_a_dirty_tree_is_refused(project: Path, template_repo: Path, how: str) -> None:
    if how == "untracked":
        (project / "notes.txt").write_text("draft\n")
    else:
        with (project / "src/lib.rs").open("a") as lib:
            lib.write("// work in progress\n")
        if how == "staged":
            git(project, "add", "src/lib.rs")
    before = tree_hashes(project)

    with pytest.raises(DirtyTreeError, match="uncommitted changes"):
        update.run(update.UpdateOptions(path=project, template=str(template_repo)))
    code, output = invoke("update", str(project), "--template", str(template_repo))

    assert code == EXIT_DIRTY == 4
    assert "Error:" in output
    assert "uncommitted changes" in output
    assert tree_hashes(project) == before


def test_a_project_without_git_or_answers_is_refused(generate: Generate, tmp_path: Path) -> None:
    code, output = invoke("update", str(generate("nogit")))
    assert code == EXIT_USAGE, output
    assert "not a git repository" in output

    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InvalidInputError, match="not made by `pyo3-scaffold new`"):
        update.run(update.UpdateOptions(path=plain))


def test_to_selects_a_version_and_unknown_versions_are_refused(
    project: Path, template_repo: Path
) -> None:
    # With the packaged versions: only those this installation carries.
    code, output = invoke("update", str(project), "--to", "42.0.0")
    assert code == EXIT_USAGE, output
    assert "not packaged" in output
    # The installed version is what the project has: nothing to do.
    code, output = invoke("update", str(project), "--to", __version__)
    assert (code, output.strip()) == (0, f"Up to date: template {__version__}.")
    # With a template repo, --to is a git ref of it.
    result = update.run(
        update.UpdateOptions(path=project, template=str(template_repo), to_version=f"v{V2}")
    )
    assert result.to_version == V2


def test_update_works_in_a_subfolder_of_a_bigger_repo(
    generate: Generate, tmp_path: Path, template_repo: Path
) -> None:
    mono = tmp_path / "mono"
    mono.mkdir()
    (mono / "other.txt").write_text("not the project's\n")
    project = generate("sub", parent=mono)
    git(mono, "init", "--quiet")
    git(mono, "add", "--all")
    git(mono, "commit", "--quiet", "-m", "mono")

    result = update.run(update.UpdateOptions(path=project, template=str(template_repo)))

    assert CARGO_LINE in (project / "Cargo.toml").read_text()
    assert all(not c.path.startswith("..") for c in result.changes)
    assert git(mono, "status", "--porcelain", "--", "other.txt") == ""


def test_plain_copier_update_works_against_the_public_repo(
    project: Path, template_repo: Path, tmp_path: Path
) -> None:
    """A user without pyo3-scaffold: `copier update` reaches gh:pyo3-scaffold/pyo3-scaffold.

    Offline here, git's url.insteadOf sends that URL to the local template repo, which has the
    same release tags; copier runs unchanged.
    """
    env = {
        **os.environ,
        "COPIER_CACHE_DIR": str(tmp_path / "copier-cache"),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{template_repo.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://github.com/pyo3-scaffold/pyo3-scaffold.git",
    }
    done = subprocess.run(
        ["copier", "update", "--defaults", "--skip-answered"],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert CARGO_LINE in (project / "Cargo.toml").read_text()
    assert LIB_EDIT in (project / "src/lib.rs").read_text()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["_commit"], answers["_src_path"]) == (f"v{V2}", render.TEMPLATE_URL)


def test_build_template_repo_tags_each_packaged_version(tmp_path: Path) -> None:
    v2_root = tmp_path / "v2-source"
    render.TemplateVersion(V1, render.template_root()).write_to(v2_root)
    write_v2(v2_root)
    snapshot = render.snapshot_template(V2, into=tmp_path / "snapshots", source=v2_root)
    repo = render.build_template_repo(
        tmp_path / "repo",
        [render.TemplateVersion(V1, render.template_root()), render.TemplateVersion(V2, snapshot)],
    )
    assert git(repo, "tag", "--list").split() == sorted([f"v{V1}", f"v{V2}"])
    assert git(repo, "log", "--format=%s").splitlines() == [f"template {V2}", f"template {V1}"]
    cargo_v2 = git(repo, "show", f"v{V2}:template/Cargo.toml.jinja")
    assert CARGO_LINE in cargo_v2
    assert CARGO_LINE not in git(repo, "show", f"v{V1}:template/Cargo.toml.jinja")
    # Exactly the template: copier.yml and template/, nothing else of this repo.
    files = git(repo, "ls-files").split("\n")
    assert "copier.yml" in files
    assert all(f == "copier.yml" or f.startswith("template/") for f in files if f)


def test_snapshots_are_small_deterministic_and_complete(tmp_path: Path) -> None:
    first = render.snapshot_template("0.0.1", into=tmp_path / "a")
    second = render.snapshot_template("0.0.1", into=tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert first.stat().st_size < 64_000
    extracted = tmp_path / "x"
    render.TemplateVersion("0.0.1", first).write_to(extracted)
    assert tree_hashes(extracted) == {
        name: hashlib.sha256(data).hexdigest()
        for name, data, _ in render._template_files(render.template_root())
    }


def test_packaged_snapshots_are_older_than_this_release() -> None:
    """Release rule (docs/update.md): freeze version X, then bump: snapshots are all < current."""
    # Read the folder itself: packaged_versions() would hide a snapshot >= the current version.
    shipped = sorted(render.VERSIONS_DIR.glob("*")) if render.VERSIONS_DIR.is_dir() else []
    current = render.version_key(__version__)
    for snapshot in shipped:
        assert snapshot.name.endswith(".tar.gz"), snapshot
        assert render.version_key(snapshot.name.removesuffix(".tar.gz")) < current, snapshot
    versions = render.packaged_versions()
    assert versions[-1].version == __version__
    assert versions[-1].source == render.template_root()
    assert len(versions) == len(shipped) + 1


def test_a_project_made_by_plain_copier_copy_updates_from_the_same_source(
    tmp_path: Path, template_repo: Path
) -> None:
    # `copier copy REPO` records `_src_path: REPO`; updating with `--template REPO` must work
    # although pointing the answers at that source changes nothing.
    project = tmp_path / "plain"
    copier_copy = [sys.executable, "-m", "copier", "copy", "--defaults", f"--vcs-ref=v{V1}"]
    subprocess.run(
        [*copier_copy, "-dproject_name=plain", str(template_repo), str(project)],
        check=True,
        capture_output=True,
    )
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "Generated")
    code, output = invoke("update", str(project), "--template", str(template_repo))
    assert code == 0, output
    assert CARGO_LINE in (project / "Cargo.toml").read_text()


def test_dry_run_reports_pins_older_than_the_table(project: Path) -> None:
    """`update --dry-run` prints doctor's PS014 findings, also when the template is current."""
    from scaffold import pins

    pyo3 = pins.load().pyo3
    cargo = project / "Cargo.toml"
    cargo.write_text(cargo.read_text().replace(f'version = "{pyo3}"', 'version = "0.29.2"'))
    git(project, "commit", "--quiet", "--all", "-m", "An old PyO3")
    before = tree_hashes(project)

    code, output = invoke("update", str(project), "--dry-run")

    assert code == 0, output
    assert "Older than this tool's pin table (doctor PS014):" in output
    assert f"pyo3 0.29.2 in Cargo.toml (now {pyo3})" in output
    assert tree_hashes(project) == before
