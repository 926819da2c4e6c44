"""The template's questions as one frozen object, resolved once before rendering.

Precedence: template defaults < command-line flags < interactive prompts. The defaults and
choices here must match `copier.yml` (a unit test keeps them in step).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from scaffold import names
from scaffold.errors import InvalidInputError

LICENSES = ("MIT", "Apache-2.0", "MIT OR Apache-2.0", "BSD-3-Clause")
PYTHON_VERSIONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
LAYOUTS = ("mixed", "rust")
DEFAULT_DESCRIPTION = "A Python package with a fast core written in Rust"

Layout = Literal["mixed", "rust"]

_NAME_CHECKS = {
    "dist_name": names.check_dist_name,
    "module_name": names.check_module_name,
    "crate_name": names.check_crate_name,
}


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
    copyright_year: str = dataclasses.field(
        default_factory=lambda: str(dt.datetime.now(tz=dt.UTC).year)
    )

    @classmethod
    def resolve(cls, project_name: str, **given: str | bool | None) -> Answers:
        """Fill what was not given from the defaults, deriving names from `project_name`."""
        names.check_project_name(project_name)
        values = {key: value for key, value in given.items() if value is not None}
        unknown = set(values) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise InvalidInputError(f"unknown question(s): {', '.join(sorted(unknown))}")
        derived = {"dist_name", "module_name", "crate_name"} - set(values)
        values.setdefault("dist_name", names.normalize_dist(project_name))
        values.setdefault("module_name", names.derive_module(project_name))
        values.setdefault("crate_name", str(values["module_name"]))
        for key, check in _NAME_CHECKS.items():  # in order: a crate name derives from the module's
            try:
                check(str(values[key]))
            except InvalidInputError as error:
                if key not in derived:
                    raise
                # Say where a name nobody typed came from, and how to give another one.
                flag = "--" + key.replace("_", "-")
                raise InvalidInputError(f"{error} (from {project_name!r}; pass {flag})") from error
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
        for field in ("description", "author_name", "author_email"):
            names.check_text(field.replace("_", " "), getattr(self, field))

    def to_copier(self) -> dict[str, str | bool]:
        """The data passed to copier: exactly the questions of copier.yml."""
        return dataclasses.asdict(self)
