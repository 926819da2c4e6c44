"""`pyo3-scaffold new` through Click, rendering for real (no builds)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from helpers import git, tree_bytes

from scaffold import __version__, render
from scaffold.cli import cli
from scaffold.errors import EXIT_DESTINATION, EXIT_INTERRUPTED, EXIT_USAGE

REPO_ROOT = Path(__file__).resolve().parents[2]


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:  # noqa: A002
    result = CliRunner().invoke(cli, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def answers_of(project: Path) -> dict[str, object]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def test_defaults_render_a_mixed_project(tmp_path: Path) -> None:
    code, output = invoke("new", str(tmp_path / "demo"), "--yes")
    assert code == 0, output
    project = tmp_path / "demo"
    assert "Next:" in output
    assert "import demo; print(demo.fast_sum" in output
    expected = {
        ".copier-answers.yml", ".gitignore", "Cargo.toml", "LICENSE", "README.md",
        "pyproject.toml", "src/lib.rs", "tests/reference.py", "tests/test_demo.py",
        "python/demo/__init__.py", "python/demo/_core.pyi", "python/demo/py.typed",
    }  # fmt: skip
    files = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert expected <= files
    answers = answers_of(project)
    assert answers["dist_name"] == "demo"
    assert answers["layout"] == "mixed"
    assert answers["abi3"] is True


def test_flags_reach_copier_answers(tmp_path: Path) -> None:
    code, output = invoke(
        "new", str(tmp_path / "x"), "--yes", "--name", "Fast-Stats", "--module-name", "fstats",
        "--crate-name", "fstats-core", "--description", "Stats, fast", "--author", "Ada",
        "--email", "ada@example.org", "--license", "Apache-2.0", "--min-python", "3.12",
        "--no-abi3", "--layout", "rust", "--no-free-threaded", "--platforms", "pypy,x86",
    )  # fmt: skip
    assert code == 0, output
    project = tmp_path / "x"
    answers = answers_of(project)
    assert {k: answers[k] for k in answers if not k.startswith("_")} == {
        "project_name": "Fast-Stats",
        "dist_name": "fast-stats",
        "module_name": "fstats",
        "crate_name": "fstats-core",
        "description": "Stats, fast",
        "author_name": "Ada",
        "author_email": "ada@example.org",
        "license": "Apache-2.0",
        "min_python": "3.12",
        "abi3": False,
        "layout": "rust",
        "free_threaded": False,
        "platforms": ["x86", "pypy"],  # the table's order
        "copyright_year": answers["copyright_year"],
    } | {k: answers[k] for k in answers if k in {"parallel", "numpy"}}
    cargo = (project / "Cargo.toml").read_text()
    assert 'name = "fstats-core"' in cargo
    assert "abi3" not in cargo
    pyproject = (project / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.12"' in pyproject
    assert 'license = "Apache-2.0"' in pyproject
    assert 'module-name = "fstats"' in pyproject
    assert (project / "fstats.pyi").is_file()
    assert not (project / "python").exists()
    assert "gil_used = true" in (project / "src/lib.rs").read_text()


def test_dual_license_ships_both_texts(tmp_path: Path) -> None:
    code, _ = invoke("new", str(tmp_path / "d"), "-y", "--license", "MIT OR Apache-2.0")
    assert code == 0
    assert (tmp_path / "d/LICENSE-MIT").is_file()
    assert "Apache License" in (tmp_path / "d/LICENSE-APACHE").read_text()
    assert not (tmp_path / "d/LICENSE").exists()


def test_prompts_ask_what_flags_did_not_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffold.cli._stdin_is_terminal", lambda: True)
    # Project name, "change the names?" no, then dist, module, crate; description, author,
    # email, license, python, abi3, layout, then yes/no questions: accept every default except
    # the module name and the layout.
    replies = "\nn\n\nquick\n\n" + "\n" * 6 + "rust\n" + "\n" * 10
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "p")], input=replies)
    assert result.exit_code == 0, result.output
    answers = answers_of(tmp_path / "p")
    assert answers["module_name"] == "quick"
    assert answers["crate_name"] == "quick"  # derived from the module name given at the prompt
    assert answers["layout"] == "rust"


def test_derived_names_are_shown_together_and_accepted_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffold.cli._stdin_is_terminal", lambda: True)
    replies = "My.Lib\n\n" + "\n" * 12  # a name, accept its three names, then defaults
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "p")], input=replies)
    assert result.exit_code == 0, result.output
    shown = result.output.split("Names from 'My.Lib':\n", 1)[1].splitlines()[:4]
    assert result.output.index("Names from") < result.output.index("Description")
    assert [line.split() for line in shown[:3]] == [
        ["Distribution", "name", "(PyPI)", "my-lib"],
        ["Import", "name", "(Python)", "my_lib"],
        ["Crate", "name", "(Rust)", "my_lib"],
    ]
    assert shown[3].startswith("Use these names? [Y/n]")
    answers = answers_of(tmp_path / "p")
    assert (answers["dist_name"], answers["module_name"]) == ("my-lib", "my_lib")


def test_first_prompt_re_asks_a_bad_name_and_names_no_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffold.cli._stdin_is_terminal", lambda: True)
    # "9x" is refused and asked again; "class" is a fine project name whose import name is a
    # keyword: the names are then asked one by one (dist kept, module "klass", crate derived).
    replies = "9x\nclass\n\n\nklass\n\n" + "\n" * 12
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "p")], input=replies)
    assert result.exit_code == 0, result.output
    assert result.output.count("Project name [p]:") == 2
    assert "invalid project name '9x'" in result.output
    assert "invalid import name 'class': it is a Python keyword" in result.output
    assert "--" not in result.output.split("Created", 1)[0], "a prompt pointed to a flag"
    answers = answers_of(tmp_path / "p")
    assert (answers["dist_name"], answers["module_name"], answers["crate_name"]) == (
        "class",
        "klass",
        "klass",
    )


def test_every_prompt_shows_its_explanation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold.answers import NAME_KEYS, QUESTIONS

    monkeypatch.setattr("scaffold.cli._stdin_is_terminal", lambda: True)
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "p")], input="\n" * 20)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for question in QUESTIONS:
        if question.key in NAME_KEYS:  # shown together, accepted by one question
            continue
        at = next(i for i, line in enumerate(lines) if line.startswith(question.label))
        assert lines[at - 1].strip() == question.help, question.key


def test_copier_yml_help_is_the_question_table() -> None:
    from scaffold.answers import QUESTIONS

    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    for question in QUESTIONS:
        assert config[question.key]["help"] == question.copier_help, question.key
        if question.choices:
            choices = config[question.key]["choices"]
            values = choices.values() if isinstance(choices, dict) else choices
            assert tuple(values) == question.choices, question.key


def test_new_help_is_the_question_table() -> None:
    from scaffold.answers import QUESTIONS
    from scaffold.cli import new

    helps = {param.name: param.help for param in new.params if isinstance(param, click.Option)}
    for question in QUESTIONS:
        assert helps[question.key] == f"{question.help}  [default: {question.default_text}]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "class"], "Python keyword"),
        (["--module-name", "os"], "shadow"),
        (["--crate-name", "fn"], "reserved in Rust"),
        (["--name", "9x"], "invalid project name"),
        (["--name", "Impl"], "(from 'Impl'); pass --crate-name"),
        (["--layout", "rust", "--module-name", "mod", "--crate-name", "x"], "reserved in Rust"),
        (["--description", "Matches \\d+"], "backslashes"),
        (["--license", "WTFPL"], "Invalid value"),
        (["--platforms", "x86,sparc"], "unknown platform(s) sparc: choose from x86, armv7l"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, output = invoke("new", str(tmp_path / "p"), "-y", *args)
    assert code == EXIT_USAGE
    assert message in output
    assert "Traceback" not in output
    assert not (tmp_path / "p").exists()


def test_a_bad_folder_name_without_a_terminal_names_the_flags(tmp_path: Path) -> None:
    code, output = invoke("new", str(tmp_path / "class"), "-y")
    assert code == EXIT_USAGE
    assert "it is a Python keyword (from 'class'); pass --module-name" in output
    code, output = invoke("new", str(tmp_path / "9x"), "-y")
    assert code == EXIT_USAGE
    assert "(the folder's name); pass --name" in output


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Ada")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "ada@example.org")


@pytest.mark.usefixtures("git_identity")
def test_new_makes_a_git_repository_with_a_first_commit(tmp_path: Path) -> None:
    code, output = invoke("new", str(tmp_path / "p"), "-y")
    assert code == 0, output
    assert "Git: a new repository, the project in its first commit." in output
    assert "git log --stat" in output.split("Next:", 1)[1]
    project = tmp_path / "p"
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(project, "log", "--format=%an %s") == (
        "Ada Initial commit: generated by pyo3-scaffold " + __version__ + "\n"
    )
    tracked = set(git(project, "ls-files").split())
    assert {"Cargo.toml", "pyproject.toml", ".copier-answers.yml", "src/lib.rs"} <= tracked
    # update needs exactly this: a clean, committed tree.
    assert invoke("update", str(project)) == (0, "Up to date: template " + __version__ + ".\n")


@pytest.mark.usefixtures("git_identity")
def test_a_fresh_project_commits_cargo_lock_and_doctor_finds_nothing(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    code, output = invoke("new", str(project), "--yes")
    assert code == 0, output
    assert "Note:" not in output
    assert "Cargo.lock" in git(project, "ls-files").split()
    lock = (project / "Cargo.lock").read_text()
    assert 'name = "pyo3"' in lock
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    code, output = invoke("doctor", str(project))
    assert code == 0, output
    assert "0 finding(s)" in output


@pytest.mark.usefixtures("git_identity")
@pytest.mark.parametrize("why", ["no cargo", "no index"])
def test_without_a_lock_new_goes_on_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, why: str
) -> None:
    if why == "no cargo":  # PATH keeps git and python, loses cargo
        keep = [d for d in os.environ["PATH"].split(os.pathsep) if not Path(d, "cargo").exists()]
        monkeypatch.setenv("PATH", os.pathsep.join(keep))
        note = "Note: cargo is not on PATH: no Cargo.lock yet (the first build writes it)"
    else:  # an empty cargo home and no network: cargo cannot resolve pyo3
        monkeypatch.setenv("CARGO_HOME", str(tmp_path / "empty-cargo-home"))
        monkeypatch.setenv("CARGO_NET_OFFLINE", "true")
        note = "Note: cargo generate-lockfile failed: error: no matching package named `pyo3`"
    project = tmp_path / "demo"
    code, output = invoke("new", str(project), "--yes")
    assert code == 0, output
    assert note in output
    assert not (project / "Cargo.lock").exists()
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    # and doctor says what is true: nothing locks the crates yet.
    code, output = invoke("doctor", str(project))
    assert code == 1
    assert "Cargo.lock does not exist" in output


@pytest.mark.usefixtures("git_identity")
def test_no_git_and_inside_a_work_tree_make_no_repository(tmp_path: Path) -> None:
    code, output = invoke("new", str(tmp_path / "plain"), "-y", "--no-git")
    assert code == 0, output
    assert not (tmp_path / "plain/.git").exists()
    assert "  git " not in output.split("Next:", 1)[1]
    subprocess.run(["git", "init", "-q", str(tmp_path / "mono")], check=True)
    code, output = invoke("new", str(tmp_path / "mono/lib"), "-y")
    assert code == 0, output
    assert not (tmp_path / "mono/lib/.git").exists()
    assert f"Note: inside the git work tree {tmp_path / 'mono'}: no new repository" in output


def test_without_git_the_project_is_made_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffold.git.executable", lambda: None)
    code, output = invoke("new", str(tmp_path / "p"), "-y")
    assert code == 0, output
    assert "Note: git is not on PATH: no repository made" in output
    assert (tmp_path / "p/Cargo.toml").is_file()
    assert not (tmp_path / "p/.git").exists()


@pytest.mark.usefixtures("git_identity")
def test_allow_existing_makes_a_repository_but_commits_nothing_of_yours(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/notes.txt").write_text("mine\n")
    code, output = invoke("new", str(tmp_path / "p"), "-y", "--allow-existing")
    assert code == 0, output
    assert "nothing committed (the folder had files of yours)" in output
    assert git(tmp_path / "p", "rev-list", "--all") == ""


def test_non_empty_destination_is_refused_and_untouched(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "notes.txt").write_text("mine")
    before = tree_bytes(project)
    code, output = invoke("new", str(project), "-y")
    assert code == EXIT_DESTINATION
    assert "--allow-existing" in output
    assert tree_bytes(project) == before


def test_allow_existing_adds_files_but_never_overwrites(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "notes.txt").write_text("mine")
    code, _ = invoke("new", str(project), "-y", "--allow-existing")
    assert code == 0
    assert (project / "notes.txt").read_text() == "mine"
    assert (project / "Cargo.toml").is_file()

    other = tmp_path / "q"
    other.mkdir()
    (other / "README.md").write_text("my readme")
    before = tree_bytes(other)
    code, output = invoke("new", str(other), "-y", "--allow-existing")
    assert code == EXIT_DESTINATION
    assert "README.md" in output
    assert "nothing was written" in output
    assert tree_bytes(other) == before


def test_empty_destination_is_fine(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    code, _ = invoke("new", str(tmp_path / "p"), "-y")
    assert code == 0


def test_ctrl_c_mid_render_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_copy = render.copy

    def copy_then_interrupt(destination: Path, data: dict[str, object]) -> None:
        real_copy(destination, data)  # files really written to the staging folder...
        raise KeyboardInterrupt  # ...then the user presses Ctrl-C

    monkeypatch.setattr(render, "copy", copy_then_interrupt)
    code, output = invoke("new", str(tmp_path / "deep/er/p"), "-y")
    assert code == EXIT_INTERRUPTED
    assert "nothing was changed" in output
    assert list(tmp_path.iterdir()) == []  # no project, no staging folder, no parents we made


def test_failure_while_moving_into_existing_folder_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "notes.txt").write_text("mine")
    before = tree_bytes(project)
    real_replace = Path.replace
    calls = 0

    def replace_then_fail(self: Path, target: Path) -> Path:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise OSError(28, "No space left on device")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace_then_fail)
    code, output = invoke("new", str(project), "-y", "--allow-existing")
    assert code == EXIT_DESTINATION
    assert "No space left on device" in output
    assert "Traceback" not in output
    assert tree_bytes(project) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_a_file_in_the_way_is_one_line_and_exit_3(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    code, output = invoke("new", str(tmp_path / "afile/sub/p"), "-y")
    assert code == EXIT_DESTINATION
    assert "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_project_folder_gets_the_usual_mode(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        code, _ = invoke("new", str(tmp_path / "p"), "-y")
    finally:
        os.umask(umask)
    assert code == 0
    assert (tmp_path / "p").stat().st_mode & 0o777 == 0o755


def test_a_bad_answer_at_a_prompt_is_asked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffold.cli._stdin_is_terminal", lambda: True)
    # Project name, "use these names?" no, then a distribution name with a space (refused,
    # asked again), then a module name that shadows the stdlib (refused, asked again).
    replies = "\nn\nbad name\ngood-dist\njson\nfine_mod\n" + "\n" * 12
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "p")], input=replies)
    assert result.exit_code == 0, result.output
    assert "invalid distribution name 'bad name'" in result.output
    assert "shadow the 'json' module" in result.output
    answers = answers_of(tmp_path / "p")
    assert (answers["dist_name"], answers["module_name"]) == ("good-dist", "fine_mod")


def test_ctrl_c_at_a_prompt_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scaffold.cli._stdin_is_terminal", lambda: True)
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "p")], input="")  # EOF at a prompt
    assert result.exit_code == EXIT_INTERRUPTED
    assert "nothing was changed" in result.output
    assert list(tmp_path.iterdir()) == []


def test_help_does_not_import_copier() -> None:
    code = (
        "import sys; from scaffold.cli import main\n"
        "try:\n    main(['new', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'copier' not in sys.modules and 'tomlkit' not in sys.modules, 'heavy import'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Exit codes:" in done.stdout


def test_version_option() -> None:
    code, output = invoke("--version")
    assert code == 0
    assert output.startswith("pyo3-scaffold, version ")


def test_copier_yml_matches_answers_module() -> None:
    from scaffold.answers import LAYOUTS, LICENSES, PYTHON_VERSIONS, Answers

    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    assert config["_subdirectory"] == "template"
    assert list(config["license"]["choices"]) == list(LICENSES)
    assert list(config["min_python"]["choices"]) == list(PYTHON_VERSIONS)
    assert list(config["layout"]["choices"].values()) == list(LAYOUTS)
    defaults = Answers.resolve("x")
    for question, spec in config.items():
        if question.startswith("_") or spec.get("when") is False:
            continue
        assert hasattr(defaults, question), f"copier.yml asks {question}, Answers lacks it"
        if "{{" not in str(spec.get("default", "")) and question != "copyright_year":
            default = getattr(defaults, question)
            # A multiselect's answer is a list in copier, a tuple in the frozen Answers.
            assert spec["default"] == (list(default) if isinstance(default, tuple) else default)


def test_render_template_root_is_found() -> None:
    assert (render.template_root() / "copier.yml").is_file()


@pytest.mark.parametrize(
    "name",
    ["zeta", "a-very-long-project-name-that-stretches-generated-lines-to-limit"],
)
def test_generated_python_passes_its_own_ruff(tmp_path: Path, name: str) -> None:
    # Import order and line length depend on the name: one sorting after `reference`, one long.
    code, _ = invoke("new", str(tmp_path / name), "-y")
    assert code == 0
    ruff = [sys.executable, "-m", "ruff"]
    for check in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [*ruff, *check, "--no-cache", "."],
            cwd=tmp_path / name,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT cannot be sent to a process")
@pytest.mark.parametrize("delay", [0.8, 1.0, 1.2])
def test_real_ctrl_c_leaves_a_whole_project_or_nothing(tmp_path: Path, delay: float) -> None:
    # A real SIGINT at several moments of a real run: wherever it lands, the result is either
    # the complete project (it had finished) or no trace at all, and never a traceback.
    import signal
    import time

    destination = tmp_path / "p"
    process = subprocess.Popen(
        [sys.executable, "-m", "scaffold", "new", str(destination), "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr
    if (destination / ".copier-answers.yml").is_file():
        return  # it had finished: a whole project (Ctrl-C at exit may still end the process)
    # SIGINT's own status (-2) can replace ours while the interpreter exits; both say "stopped".
    assert process.returncode in {EXIT_INTERRUPTED, -signal.SIGINT}, stderr
    assert "nothing was changed" in stderr
    assert list(tmp_path.iterdir()) == []
