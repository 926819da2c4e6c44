"""Expected failures, each with its documented exit code.

The CLI catches `ScaffoldError` in one place and prints its message as one line; anything
else is a bug and keeps its traceback. Click's own usage errors keep Click's exit code 2.
"""

from __future__ import annotations

from typing import ClassVar

# Exit codes, documented in `pyo3-scaffold --help` and docs/exit-codes.md.
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_DESTINATION = 3
EXIT_DIRTY = 4
EXIT_TEMPLATE = 5
EXIT_UNREADABLE = 6
EXIT_INTERRUPTED = 130


class ScaffoldError(Exception):
    """An expected failure: one line for the user, no traceback."""

    exit_code: ClassVar[int] = EXIT_FAILURE


class InvalidInputError(ScaffoldError):
    """A name or option value that cannot work (bad project name, unknown license...)."""

    exit_code = EXIT_USAGE


class DerivedNameError(InvalidInputError):
    """A name derived from the project name is invalid; `key` says which (e.g. crate_name),
    so the front end can say how to give another one (a flag, or a prompt)."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


class DestinationError(ScaffoldError):
    """The destination exists and is not empty, or a file in it would be overwritten."""

    exit_code = EXIT_DESTINATION


class DirtyTreeError(ScaffoldError):
    """The project has uncommitted changes that the command could destroy."""

    exit_code = EXIT_DIRTY


class TemplateError(ScaffoldError):
    """Copier could not render or update the template."""

    exit_code = EXIT_TEMPLATE


class BuildError(ScaffoldError):
    """`new --build`: the first build, the import or the generated tests failed."""

    exit_code = EXIT_FAILURE


class UnreadableProjectError(ScaffoldError):
    """A project file cannot be read safely: not a regular file, too large, not UTF-8,
    malformed TOML/YAML, values of the wrong type, or nesting too deep."""

    exit_code = EXIT_UNREADABLE
