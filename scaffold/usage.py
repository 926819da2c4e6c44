"""What each command's `--help` ends with: real examples, and the exit codes it can return.

The codes per command are read off the errors each verb can raise (`scaffold/errors.py`):
`docs/exit-codes.md` has the same tables, and a unit test keeps both equal. Plain data, so
`--help` stays fast (no copier, no tomlkit).
"""

from __future__ import annotations

from scaffold.errors import (
    EXIT_DESTINATION,
    EXIT_DIRTY,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_TEMPLATE,
    EXIT_UNREADABLE,
    EXIT_USAGE,
)

# Every code, as `pyo3-scaffold --help` lists them.
ALL_EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "success"),
    (EXIT_FAILURE, "failure (doctor: findings; update: conflicts left to resolve)"),
    (EXIT_USAGE, "usage error: bad option, invalid name or value"),
    (EXIT_DESTINATION, "destination not empty, or a file would be overwritten"),
    (EXIT_DIRTY, "the git tree has uncommitted changes"),
    (EXIT_TEMPLATE, "the template could not be rendered or updated"),
    (
        EXIT_UNREADABLE,
        "a project file cannot be read safely (not a regular file, too big, not UTF-8, malformed)",
    ),
    (
        EXIT_INTERRUPTED,
        "interrupted (Ctrl-C, SIGTERM, SIGHUP): the change was undone, or was complete",
    ),
)

_INTERRUPTED = (
    EXIT_INTERRUPTED,
    "interrupted (Ctrl-C, SIGTERM, SIGHUP): the change was undone, or was complete",
)
_UNREADABLE = (EXIT_UNREADABLE, "a project file cannot be read safely")
# A failed write is undone; 1 when even undoing failed (scaffold/files.py says which files).
_NOT_RESTORED = "a write failed and a file could not be restored"

EXIT_CODES: dict[str, tuple[tuple[int, str], ...]] = {
    "new": (
        (0, "created"),
        (EXIT_FAILURE, "--build: a step failed (the project is kept); or a write was not undone"),
        (EXIT_USAGE, "usage error: bad option, invalid name or value"),
        (EXIT_DESTINATION, "PATH is not empty, a file would be overwritten, or cannot be written"),
        (EXIT_TEMPLATE, "the template could not be rendered"),
        _INTERRUPTED,
    ),
    "ci": (
        (0, "files written, or already current"),
        (EXIT_FAILURE, _NOT_RESTORED),
        (EXIT_USAGE, "usage error, or PATH is not a maturin project"),
        (EXIT_DESTINATION, "an earlier run was killed: its changes were undone; run again"),
        (EXIT_TEMPLATE, "the template could not be rendered"),
        _UNREADABLE,
        _INTERRUPTED,
    ),
    "migrate": (
        (0, "migrated (or, with --dry-run, the plan shown)"),
        (EXIT_FAILURE, "a write failed; every file was restored"),
        (EXIT_USAGE, "usage error, or the module cannot be migrated"),
        (EXIT_DESTINATION, "a file it would create exists, or a killed run was undone (run again)"),
        (EXIT_DIRTY, "the git tree has uncommitted changes (see --allow-dirty)"),
        (EXIT_TEMPLATE, "the CI files could not be rendered"),
        _UNREADABLE,
        _INTERRUPTED,
    ),
    "update": (
        (0, "updated, or already up to date"),
        (EXIT_FAILURE, "conflicts left to resolve (<<<<<<< markers)"),
        (EXIT_USAGE, "usage error, not a generated project, or an unknown version"),
        (EXIT_DESTINATION, "a killed run's changes were undone (run again), or cannot write"),
        (EXIT_DIRTY, "the git tree has uncommitted changes"),
        (EXIT_TEMPLATE, "the template could not be updated (git, copier, a symlink leaving it)"),
        _UNREADABLE,
        _INTERRUPTED,
    ),
    "doctor": (
        (0, "clean: no findings (skipped checks are not findings)"),
        (EXIT_FAILURE, "findings"),
        (EXIT_USAGE, "usage error, or PATH is not a PyO3 project"),
        _UNREADABLE,
        _INTERRUPTED,
    ),
}

EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "new": (
        ("pyo3-scaffold new fastlib", "asks the questions, with defaults"),
        ("pyo3-scaffold new fastlib --yes --build", "no questions; build, import, test it"),
    ),
    "ci": (
        ("pyo3-scaffold ci", "in an existing maturin project"),
        ("pyo3-scaffold ci ../mylib --force --plan", "what replacing the old wheel jobs would do"),
    ),
    "migrate": (
        ("pyo3-scaffold migrate src/mylib/slow.py --dry-run", "the plan and the diff"),
        ("pyo3-scaffold migrate src/mylib/slow.py --workload 'python bench.py'", "profile this"),
    ),
    "update": (
        ("pyo3-scaffold update --dry-run", "what would change"),
        ("pyo3-scaffold update ../mylib", "then review with git diff"),
    ),
    "doctor": (
        ("pyo3-scaffold doctor", "check the project in this folder"),
        ("pyo3-scaffold doctor ../mylib --format json --ignore PS005", "for machines"),
    ),
}


def _table(title: str, rows: tuple[tuple[object, str], ...], width: int) -> str:
    # "\b" keeps click from re-flowing the block: one row per line.
    return f"\b\n{title}:\n" + "\n".join(f"  {first!s:<{width}}  {text}" for first, text in rows)


def top_epilog() -> str:
    return _table("Exit codes", ALL_EXIT_CODES, 3)


def epilog(command: str) -> str:
    examples = EXAMPLES[command]
    width = max(len(line) for line, _ in examples)
    shown = tuple((line, f"# {why}") for line, why in examples)
    return _table("Examples", shown, width) + "\n\n" + _table("Exit codes", EXIT_CODES[command], 3)
