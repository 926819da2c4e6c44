"""The template's questions: one table, and the answers as one frozen object.

`QUESTIONS` is the single source of each question's explanation, default and choices: the
prompts of `new`, the help of its options and the `help:` texts of `copier.yml` all come from
it (a unit test keeps `copier.yml` equal to it). Precedence of answers: template defaults <
command-line flags < interactive prompts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from scaffold import names
from scaffold.errors import DerivedNameError, InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Iterable

LICENSES = ("MIT", "Apache-2.0", "MIT OR Apache-2.0", "BSD-3-Clause")
PYTHON_VERSIONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
LAYOUTS = ("mixed", "rust")
# Opt-in wheel targets beyond the 8 native ones (docs/template.md#platforms).
PLATFORMS = (
    "x86",
    "armv7l",
    "ppc64le",
    "s390x",
    "riscv64",
    "pypy",
    "graalpy",
    "pyodide",
    "ios",
    "android",
)
DEFAULT_DESCRIPTION = "A Python package with a fast core written in Rust"

Layout = Literal["mixed", "rust"]


@dataclass(frozen=True, kw_only=True)
class Question:
    """One question of the template, as every front end shows it."""

    key: str  # the copier.yml question and the `Answers` field
    flag: str  # the option of `new` ("--abi3" becomes "--abi3/--no-abi3" for a yes/no question)
    label: str  # the prompt's few words
    help: str  # the one-line explanation: prompt, `new --help` and copier.yml's `help:`
    default_text: str  # the default as `new --help` shows it (some derive from other answers)
    choices: tuple[str, ...] | None = None
    is_bool: bool = False
    # Any number of the choices (a comma list on the command line, a list in copier).
    is_multiple: bool = False

    @property
    def copier_help(self) -> str:
        """copier.yml's `help:`, which plain `copier copy` shows as the whole question."""
        return f"{self.label.rstrip('?')}: {self.help}"


# In the order they are asked. The three derived names come right after the project name.
QUESTIONS: tuple[Question, ...] = (
    Question(
        key="project_name",
        flag="--name",
        label="Project name",
        help="The project's name; the PyPI, import and crate names derive from it",
        default_text="the folder's name",
    ),
    Question(
        key="dist_name",
        flag="--dist-name",
        label="Distribution name (PyPI)",
        help="The name users pip install",
        default_text="the project name, normalised",
    ),
    Question(
        key="module_name",
        flag="--module-name",
        label="Import name (Python)",
        help="The name users import",
        default_text="the project name as an identifier",
    ),
    Question(
        key="crate_name",
        flag="--crate-name",
        label="Crate name (Rust)",
        help="The [package] name in Cargo.toml",
        default_text="the import name",
    ),
    Question(
        key="description",
        flag="--description",
        label="Description",
        help="One line for pyproject.toml, Cargo.toml and the README",
        default_text=DEFAULT_DESCRIPTION,
    ),
    Question(
        key="author_name",
        flag="--author",
        label="Author",
        help="Your name, for the package metadata and the license",
        default_text="git config user.name",
    ),
    Question(
        key="author_email",
        flag="--email",
        label="Email",
        help="Your email, for the package metadata",
        default_text="git config user.email",
    ),
    Question(
        key="license",
        flag="--license",
        label="License",
        help="SPDX license expression (PEP 639); the LICENSE file(s) follow",
        default_text="MIT",
        choices=LICENSES,
    ),
    Question(
        key="min_python",
        flag="--min-python",
        label="Minimum Python",
        help="Oldest CPython supported: requires-python, the abi3 floor and the wheel matrix",
        default_text="3.11",
        choices=PYTHON_VERSIONS,
    ),
    Question(
        key="abi3",
        flag="--abi3",
        label="Stable ABI (abi3)?",
        help="One stable-ABI wheel per platform instead of one per Python version",
        default_text="on",
        is_bool=True,
    ),
    Question(
        key="layout",
        flag="--layout",
        label="Layout",
        help="mixed: a Python package with a Rust submodule _core; "
        "rust: the extension is the package",
        default_text="mixed",
        choices=LAYOUTS,
    ),
    Question(
        key="free_threaded",
        flag="--free-threaded",
        label="Free-threaded?",
        help="Declare the module GIL-free and build wheels for free-threaded CPython (3.14t)",
        default_text="on",
        is_bool=True,
    ),
    Question(
        key="parallel",
        flag="--parallel",
        label="Parallel example (rayon)?",
        help="Add a rayon example that runs on all cores with the GIL released",
        default_text="off",
        is_bool=True,
    ),
    Question(
        key="numpy",
        flag="--numpy",
        label="NumPy examples?",
        help="Add zero-copy NumPy array examples; numpy becomes a dependency",
        default_text="off",
        is_bool=True,
    ),
    Question(
        key="platforms",
        flag="--platforms",
        label="Extra platforms",
        help="Extra wheel targets, comma-separated: x86 (Linux i686, Windows x86), armv7l, "
        "ppc64le, s390x, riscv64 (QEMU), pypy, graalpy; experimental: pyodide (WebAssembly), "
        "ios, android",
        default_text="none",
        choices=PLATFORMS,
        is_multiple=True,
    ),
)
QUESTION = {question.key: question for question in QUESTIONS}
NAME_KEYS = ("dist_name", "module_name", "crate_name")

_NAME_CHECKS = {
    "dist_name": names.check_dist_name,
    "module_name": names.check_module_name,
    "crate_name": names.check_crate_name,
}


def parse_platforms(value: str | Iterable[str]) -> tuple[str, ...]:
    """ "x86,pypy" or ["pypy", "x86"] -> ("x86", "pypy"): known names, in the table's order."""
    given = value.split(",") if isinstance(value, str) else list(value)
    chosen = {item.strip().lower() for item in given if item.strip() not in {"", "none"}}
    unknown = sorted(chosen - set(PLATFORMS))
    if unknown:
        raise InvalidInputError(
            f"unknown platform(s) {', '.join(unknown)}: choose from {', '.join(PLATFORMS)}"
        )
    return tuple(p for p in PLATFORMS if p in chosen)


def check_name(key: str, value: str) -> None:
    """Check one of the three names (`NAME_KEYS`) on its own."""
    _NAME_CHECKS[key](value)


def derive_names(project_name: str, **given: object) -> dict[str, str]:
    """The distribution, import and crate names: given ones kept, the others derived."""
    dist = given.get("dist_name") or names.normalize_dist(project_name)
    module = given.get("module_name") or names.derive_module(project_name)
    crate = given.get("crate_name") or module  # a crate is named like the module it builds
    return {"dist_name": str(dist), "module_name": str(module), "crate_name": str(crate)}


@dataclass(frozen=True, kw_only=True)
class Answers:
    """Every answer the template needs; construct with `Answers.resolve`."""

    project_name: str
    dist_name: str
    module_name: str
    crate_name: str
    description: str = DEFAULT_DESCRIPTION
    author_name: str = ""
    author_email: str = ""
    license: str = "MIT"
    min_python: str = "3.11"
    abi3: bool = True
    layout: Layout = "mixed"
    free_threaded: bool = True
    # Flavours: extra examples (and dependencies) in the generated project.
    parallel: bool = False
    numpy: bool = False
    # Opt-in wheel targets (PLATFORMS), in the table's order.
    platforms: tuple[str, ...] = ()
    copyright_year: str = dataclasses.field(
        default_factory=lambda: str(dt.datetime.now(tz=dt.UTC).year)
    )

    @classmethod
    def resolve(
        cls, project_name: str, **given: str | bool | tuple[str, ...] | list[str] | None
    ) -> Answers:
        """Fill what was not given from the defaults, deriving names from `project_name`."""
        names.check_project_name(project_name)
        values = {key: value for key, value in given.items() if value is not None}
        if "platforms" in values:
            values["platforms"] = parse_platforms(values["platforms"])  # type: ignore[arg-type]
        for key in NAME_KEYS:
            if values.get(key) == "":  # `--module-name ""` is a mistake, not "derive it"
                raise InvalidInputError(f"the {key.replace('_', ' ')} must not be empty")
        unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise InvalidInputError(f"unknown question(s): {', '.join(sorted(unknown))}")
        derived = set(NAME_KEYS) - set(values)
        values.update(derive_names(project_name, **values))
        for key, check in _NAME_CHECKS.items():  # in order: a crate name derives from the module's
            try:
                check(str(values[key]))
            except InvalidInputError as error:
                if key not in derived:
                    raise
                # Say where a name nobody typed came from; the front end says how to change it.
                raise DerivedNameError(f"{error} (from {project_name!r})", key=key) from error
        answers = cls(project_name=project_name, **values)  # type: ignore[arg-type]
        answers.validate()
        return answers

    def validate(self) -> None:
        names.check_dist_name(self.dist_name)
        names.check_module_name(self.module_name)
        names.check_crate_name(self.crate_name)
        if self.layout == "rust":  # the import name is then also the Rust module's name
            names.check_rust_identifier("import name", self.module_name)
        if self.license not in LICENSES:
            raise InvalidInputError(f"unknown license {self.license!r}: choose {LICENSES}")
        if self.min_python not in PYTHON_VERSIONS:
            raise InvalidInputError(
                f"unsupported minimum Python {self.min_python!r}: choose {PYTHON_VERSIONS}"
            )
        if self.layout not in LAYOUTS:
            raise InvalidInputError(f"unknown layout {self.layout!r}: choose {LAYOUTS}")
        for flag in ("abi3", "free_threaded", "parallel", "numpy"):
            if not isinstance(getattr(self, flag), bool):
                raise InvalidInputError(f"{flag} must be true or false")
        unknown = [p for p in self.platforms if p not in PLATFORMS]
        if unknown or not isinstance(self.platforms, tuple):
            raise InvalidInputError(f"unknown platform(s) {unknown}: choose from {PLATFORMS}")
        for field in ("description", "author_name", "author_email"):
            names.check_text(field.replace("_", " "), getattr(self, field))
        names.check_email(self.author_email)

    def to_copier(self) -> dict[str, object]:
        """The data passed to copier: exactly the questions of copier.yml."""
        data = dataclasses.asdict(self)
        data["platforms"] = list(self.platforms)  # copier's multiselect answer is a list
        return data
