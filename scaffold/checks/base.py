"""The check protocol shared by `pyo3-scaffold doctor` and the repo-review plugin.

A check is a class named by its code (`PS001`) whose docstring is the one-line description
followed by a `reads:` paragraph (the files and fields it reads), with a `fix` and a
`diagnose(project) -> Outcome`. repo-review calls `check(pyo3_project)`
(its protocol: True passes, a string is the failure message, None skips); doctor calls
`diagnose` to keep the reason and the fix apart. The same classes serve both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from scaffold.checks.project import Pyo3Project

Status = Literal["ok", "finding", "skipped"]

DOCS_URL = "https://github.com/pyo3-scaffold/pyo3-scaffold/blob/main/docs/doctor.md"


@dataclass(frozen=True)
class Outcome:
    status: Status
    reason: str = ""


OK = Outcome("ok")


def finding(reason: str) -> Outcome:
    return Outcome("finding", reason)


def skip(reason: str) -> Outcome:
    return Outcome("skipped", reason)


class Pyo3Check:
    """Base of every check; subclasses set the docstring, `fix` and `diagnose`."""

    family: ClassVar[str] = "pyo3-scaffold"
    # Checks that must pass for this one to mean anything (repo-review skips it otherwise).
    requires: ClassVar[frozenset[str]] = frozenset()
    fix: ClassVar[str] = ""
    # repo-review formats `{self...}`; the anchor is the lower-cased code (docs/doctor.md).
    url: ClassVar[str] = DOCS_URL + "#{self.anchor}"

    @property
    def anchor(self) -> str:
        return type(self).__name__.lower()

    @classmethod
    def code(cls) -> str:
        return cls.__name__

    def __init__(self) -> None:
        # repo-review describes a check by its instance's __doc__: the title, as doctor shows.
        self.__doc__ = self.title()

    @classmethod
    def title(cls) -> str:
        """The docstring's first line."""
        lines = (cls.__doc__ or "").strip().splitlines()
        return lines[0].strip() if lines else ""

    @classmethod
    def reads(cls) -> tuple[str, ...]:
        """What the check reads, from its docstring's `reads:` paragraph: one entry per source
        ("pyproject.toml [tool.maturin] module-name"), the file (or `git`) first."""
        found = re.search(
            r"^\s*reads:(.*?)(?:\n\s*\n|\Z)", cls.__doc__ or "", re.MULTILINE | re.DOTALL
        )
        text = " ".join(found.group(1).split()) if found else ""
        return tuple(entry.strip() for entry in text.split(";") if entry.strip())

    @classmethod
    def sources(cls) -> tuple[str, ...]:
        """The files (globs such as `src/**/*.rs`, `<package>/__init__.py`) and `git` read."""
        return tuple(entry.split()[0] for entry in cls.reads())

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        raise NotImplementedError

    @classmethod
    def check(cls, pyo3_project: Pyo3Project | None) -> bool | str | None:
        """repo-review's entry: True passes, None skips, a string is the (markdown) failure."""
        if pyo3_project is None:
            return None
        outcome = cls.diagnose(pyo3_project)
        if outcome.status == "ok":
            return True
        if outcome.status == "skipped":
            return None
        return f"{outcome.reason}\n\n**Fix:** {cls.fix}"
