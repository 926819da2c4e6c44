#!/usr/bin/env -S uv run --script
"""Development sessions for pyo3-scaffold itself: `nox -l` lists them."""

# /// script
# dependencies = ["nox>=2025.2.9"]
# ///

from __future__ import annotations

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
# CI machines may lack some Pythons; a missing one is skipped, not a failure.
nox.options.error_on_missing_interpreters = False

PYPROJECT = nox.project.load_toml("pyproject.toml")


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (lint + format check) and mypy --strict on scaffold/."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "dev"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """Fast unit tests (no Rust builds)."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", "tests/unit", *session.posargs)


@nox.session(default=False)
def e2e(session: nox.Session) -> None:
    """End-to-end tests: generate projects and build them for real with cargo and maturin."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", "tests/e2e", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Time `pyo3-scaffold --help`, `pyo3-scaffold new` and `maturin new` (medians)."""
    # Installed as users get it: a wheel with compiled bytecode (uv skips that by default).
    session.install(".", "maturin", env={"UV_COMPILE_BYTECODE": "1"})
    session.run("python", "benchmarks/bench_cli.py", *session.posargs)


@nox.session(name="migrate-corpus", default=False)
def migrate_corpus(session: nox.Session) -> None:
    """What migrate makes of real PyPI packages: one table (docs/migrate.md shows it)."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("python", "benchmarks/migrate_corpus.py", *session.posargs)


@nox.session(default=False)
def compare(session: nox.Session) -> None:
    """Why in-process: fast_sum via pure Python, PyO3, ctypes and a subprocess (table + chart)."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "compare"))
    session.run("python", "benchmarks/compare.py", *session.posargs)


@nox.session(default=False)
def anchors(session: nox.Session) -> None:
    """Measure `new` beside maturin new + generate-ci, the cookie and uv init (Markdown table)."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "anchors"))
    session.run("python", "benchmarks/compare_anchors.py", *session.posargs)


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site offline into build/site; any warning fails (--strict)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "docs"))
    # Material prints a banner about its successor on every build; keep the output to mkdocs'.
    env = {"NO_MKDOCS_2_WARNING": "1"}
    session.run("mkdocs", "build", "--strict", *session.posargs, env=env)


if __name__ == "__main__":
    nox.main()
