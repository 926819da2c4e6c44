"""The validation layer against what packaging, Python, validate-pyproject and cargo accept.

Property tests: whatever `Answers.resolve` lets through must be accepted by every tool that
will meet the name (PyPI's normalisation and PEP 508 parsing, Python's import system, cargo's
manifest parser), and a value with a trailing newline or space never gets through.
"""

from __future__ import annotations

import json
import keyword
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from scaffold import names
from scaffold.answers import Answers
from scaffold.errors import EXIT_DESTINATION, EXIT_USAGE, InvalidInputError

# Letters, digits, separators, whitespace, control and non-ASCII characters.
_NAME_CHARS = st.sampled_from([*list("abcdefxyzAZ0129-_. \n\t\r\x00é"), "__", "main", "site"])
_NAMES = st.lists(_NAME_CHARS, min_size=0, max_size=12).map("".join)


def _resolved(name: str) -> Answers | None:
    try:
        return Answers.resolve(name)
    except InvalidInputError as error:
        message = str(error)
    assert "\n" not in message  # one line: the value is shown escaped (repr)
    return None


@settings(max_examples=400, deadline=None)
@given(name=_NAMES)
def test_accepted_names_are_accepted_by_packaging_python_and_cargo_rules(name: str) -> None:
    answers = _resolved(name)
    if answers is None:
        return
    dist, module, crate = answers.dist_name, answers.module_name, answers.crate_name
    assert Requirement(dist).name == dist  # PEP 508
    assert canonicalize_name(dist) == names.normalize_dist(dist)
    assert module.isidentifier()
    assert not keyword.iskeyword(module)
    assert not keyword.issoftkeyword(module)
    assert module not in {"__main__", "sitecustomize", "usercustomize"}
    # cargo's rules for a package name (checked against cargo itself below).
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", crate)
    assert name == name.strip()


@settings(max_examples=200, deadline=None)
@given(name=_NAMES, tail=st.sampled_from(["\n", " ", "\t", "\r\n", "\x00"]))
def test_a_trailing_newline_or_space_is_never_accepted(name: str, tail: str) -> None:
    assert _resolved(name + tail) is None
    for check in (names.check_dist_name, names.check_module_name, names.check_crate_name):
        with pytest.raises(InvalidInputError):
            check(name + tail)


@pytest.mark.parametrize("special", ["__main__", "sitecustomize", "usercustomize", "__init__"])
def test_names_python_treats_specially_are_refused(special: str) -> None:
    with pytest.raises(InvalidInputError, match="Python gives that name a meaning"):
        names.check_module_name(special)


def test_an_empty_name_is_an_error() -> None:
    with pytest.raises(InvalidInputError):
        Answers.resolve("")
    with pytest.raises(InvalidInputError, match="must not be empty"):
        Answers.resolve("demo", module_name="")


_EMAIL_CHARS = st.sampled_from([*list("ab.-_+@ \n,<>\"'é1"), "example", "org", ".."])
_EMAILS = st.lists(_EMAIL_CHARS, max_size=10).map("".join)
# validate-pyproject's `idn-email` format (fastjsonschema draft 7).
_IDN_EMAIL = re.compile(r"^[^@]+@[^@]+\.[^@]+\Z")


@pytest.fixture(scope="module")
def validate_pyproject() -> object:
    from validate_pyproject import api

    return api.Validator()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(email=_EMAILS)
def test_accepted_emails_pass_validate_pyproject(email: str, validate_pyproject: object) -> None:
    try:
        names.check_email(email)
    except InvalidInputError:
        return
    assume(email)  # empty: no email in the metadata at all
    assert _IDN_EMAIL.match(email)
    document = {"project": {"name": "demo", "version": "0", "authors": [{"email": email}]}}
    validate_pyproject(document)  # type: ignore[operator]


def test_emails() -> None:
    names.check_email("jane.doe+pypi@example.org")
    names.check_email("")
    for bad in ("not an email", "a@b", "a@b.c\n", "a..b@example.org", "a@example.org, b@x.org"):
        with pytest.raises(InvalidInputError, match="invalid email"):
            names.check_email(bad)


def test_migrate_crate_names_are_valid_for_cargo() -> None:
    assert names.crate_from("3d-tools") == "py-3d-tools"
    assert names.crate_from("My.Package") == "my-package"
    assert names.crate_from("___") == "extension"


@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=_NAMES)
def test_cargo_accepts_every_crate_name_we_produce(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The real check: `cargo metadata` parses a manifest with the names we would write."""
    answers = _resolved(name)
    crates = [names.crate_from(name)] + ([answers.crate_name] if answers else [])
    for crate in crates:
        folder = tmp_path_factory.mktemp("crate")
        (folder / "src").mkdir()
        (folder / "src" / "lib.rs").write_text("")
        (folder / "Cargo.toml").write_text(
            f'[package]\nname = "{crate}"\nversion = "0.1.0"\nedition = "2021"\n'
        )
        done = subprocess.run(
            ["cargo", "metadata", "--no-deps", "--offline", "--format-version", "1"],
            cwd=folder, capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, (crate, done.stderr)
        assert json.loads(done.stdout)["packages"][0]["name"] == crate


def test_cli_refuses_an_empty_name_and_a_file_as_path(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from scaffold.cli import cli

    result = CliRunner().invoke(cli, ["new", str(tmp_path / "p"), "--name", "", "--yes"])
    assert result.exit_code == EXIT_USAGE
    assert "--name must not be empty" in result.output
    (tmp_path / "file").write_text("mine")
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "file"), "--yes"])
    assert result.exit_code == EXIT_DESTINATION
    assert "exists and is not a folder" in result.output
    assert (tmp_path / "file").read_text() == "mine"
    result = CliRunner().invoke(cli, ["new", str(tmp_path / "q"), "--name", "demo\n", "--yes"])
    assert result.exit_code == EXIT_USAGE
    assert not (tmp_path / "q").exists()


@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
def test_migrate_a_project_named_with_a_leading_digit_gives_a_manifest_cargo_accepts(
    tmp_path: Path,
) -> None:
    from scaffold import migrate

    root = tmp_path / "proj"
    (root / "src" / "tools3d").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "3d-tools"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
    )
    (root / "src" / "tools3d" / "__init__.py").write_text("")
    (root / "src" / "tools3d" / "slow.py").write_text(
        "def add(a: int, b: int) -> int:\n    return a + b\n"
    )
    migrate.run(
        migrate.MigrateOptions(module=root / "src/tools3d/slow.py", allow_dirty=True, ci=False)
    )
    done = subprocess.run(
        ["cargo", "metadata", "--no-deps", "--offline", "--format-version", "1"],
        cwd=root, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["packages"][0]["name"] == "py-3d-tools"
