from __future__ import annotations

import pytest

from scaffold import names
from scaffold.answers import Answers
from scaffold.errors import EXIT_USAGE, InvalidInputError


@pytest.mark.parametrize(
    ("project", "dist", "module"),
    [
        ("demo", "demo", "demo"),
        ("My-Fast.Lib", "my-fast-lib", "my_fast_lib"),
        ("fast__sum", "fast-sum", "fast__sum"),
        ("rs2py", "rs2py", "rs2py"),
    ],
)
def test_names_derive_from_the_project_name(project: str, dist: str, module: str) -> None:
    answers = Answers.resolve(project)
    assert (answers.dist_name, answers.module_name, answers.crate_name) == (dist, module, module)


@pytest.mark.parametrize(
    "project",
    ["", "1abc", "-abc", "abc-", "a b", "café", "a/b", "../evil", "abc!", "a\nb"],
)
def test_bad_project_names_are_refused(project: str) -> None:
    with pytest.raises(InvalidInputError, match="invalid project name"):
        Answers.resolve(project)


@pytest.mark.parametrize(
    ("module", "reason"),
    [
        ("class", "keyword"),
        ("match", "keyword"),  # soft keyword: legal but a trap
        ("json", "shadow"),
        ("asyncio", "shadow"),
        ("numpy", "shadow"),
        ("reference", "shadow"),  # the generated tests' pure-Python twin
        ("hypothesis", "shadow"),
        ("Demo", "lowercase"),
        ("my-pkg", "lowercase"),
        ("2fast", "lowercase"),
    ],
)
def test_bad_import_names_are_refused(module: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        Answers.resolve("good-name", module_name=module)


@pytest.mark.parametrize("crate", ["fn", "self", "std", "core", "pyo3", "_x", "9lives", "Big"])
def test_bad_crate_names_are_refused(crate: str) -> None:
    with pytest.raises(InvalidInputError, match="crate name"):
        Answers.resolve("good-name", crate_name=crate)


@pytest.mark.parametrize("dist", ["-x", "x-", "x y", "x@y"])
def test_bad_distribution_names_are_refused(dist: str) -> None:
    with pytest.raises(InvalidInputError, match="distribution name"):
        Answers.resolve("good", dist_name=dist)


def test_invalid_names_exit_with_usage_code() -> None:
    assert InvalidInputError.exit_code == EXIT_USAGE


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("license", "WTFPL"),
        ("min_python", "3.8"),
        ("layout", "flat"),
        ("description", 'a "b"'),
        ("description", "Matches \\d+"),
        ("description", "two\nlines"),
        ("author_name", "CORP\\jdoe"),
        ("author_email", "a\x01@b"),
    ],
)
def test_bad_values_are_refused(field: str, value: str) -> None:
    with pytest.raises(InvalidInputError):
        Answers.resolve("good", **{field: value})


def test_unknown_question_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="unknown question"):
        Answers.resolve("good", colour="blue")


def test_normalize_dist_follows_pep_503() -> None:
    assert names.normalize_dist("Foo__Bar.-baz") == "foo-bar-baz"


def test_names_longer_than_64_characters_are_refused() -> None:
    Answers.resolve("x" * 64)
    with pytest.raises(InvalidInputError, match="longer than 64"):
        Answers.resolve("x" * 65)
    with pytest.raises(InvalidInputError, match="longer than 64"):
        Answers.resolve("good", module_name="m" * 65)
