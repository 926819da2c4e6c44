"""`--help` as users read it: examples, each command's own exit codes, summaries not cut.

The snapshots are inline-snapshot's: `python -m pytest tests/unit/test_help.py
--inline-snapshot=fix` rewrites them after a deliberate change (review the diff).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from inline_snapshot import snapshot

from scaffold import usage
from scaffold.cli import cli

REPO_ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("new", "ci", "migrate", "update", "doctor")


def help_of(*args: str) -> str:
    # A fixed width: the text must not depend on the terminal the tests run in.
    result = CliRunner().invoke(
        cli, [*args, "--help"], terminal_width=100, prog_name="pyo3-scaffold"
    )
    assert result.exit_code == 0, result.output
    return result.output


def codes_in_help(text: str) -> dict[int, str]:
    block = text.split("Exit codes:\n", 1)[1]
    return {
        int(code): meaning for code, meaning in re.findall(r"^ +(\d+) +(.+)$", block, re.MULTILINE)
    }


def tables_of_page() -> dict[str, dict[int, str]]:
    """docs/exit-codes.md: the table before any `### command` heading is the top level's."""
    tables: dict[str, dict[int, str]] = {"": {}}
    current = ""
    for line in (REPO_ROOT / "docs/exit-codes.md").read_text().splitlines():
        if heading := re.fullmatch(r"### `(\w+)`", line):
            current = heading[1]
            tables[current] = {}
        elif row := re.fullmatch(r"\| (\d+) \| (.+) \|", line):
            tables[current][int(row[1])] = row[2]
    return tables


@pytest.mark.parametrize("command", COMMANDS)
def test_each_commands_exit_codes_are_the_docs_page(command: str) -> None:
    assert codes_in_help(help_of(command)) == tables_of_page()[command]


def test_top_level_exit_codes_are_the_docs_page() -> None:
    assert codes_in_help(help_of()) == tables_of_page()[""] == dict(usage.ALL_EXIT_CODES)


def test_every_command_is_on_the_docs_page() -> None:
    assert set(tables_of_page()) - {""} == set(COMMANDS) == set(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_real_examples(command: str) -> None:
    text = help_of(command)
    examples = text.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert 1 <= len(examples) <= 2
    for line in examples:
        words = line.split("#", 1)[0].split()
        assert words[:2] == ["pyo3-scaffold", command], line
        options = {w.split("=")[0] for w in words if w.startswith("-")}
        assert options <= {
            o for p in cli.commands[command].params for o in p.opts + p.secondary_opts
        }


def test_top_level_summaries_are_whole() -> None:
    text = help_of()
    commands = text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    assert "..." not in commands
    for name, command in cli.commands.items():
        assert command.short_help
        assert f"{name:<8} {command.short_help}" in commands


def test_top_level_help() -> None:
    assert help_of() == snapshot("""\
Usage: pyo3-scaffold [OPTIONS] COMMAND [ARGS]...

  Start, ship and grow Rust-backed Python packages (PyO3 + maturin).

Options:
  -V, --version  Show the version and exit.
  -h, --help     Show this message and exit.

Commands:
  ci       Add nox sessions and wheel workflows to a PyO3 project.
  doctor   Check any PyO3 project (names, abi3, stubs, wheels, CI).
  migrate  Move a slow pure-Python module's functions to Rust.
  new      Create a PyO3 + maturin project that builds and passes its tests.
  update   Bring a generated project to this template version.

  Exit codes:
    0    success
    1    failure (doctor: findings; update: conflicts left to resolve)
    2    usage error: bad option, invalid name or value
    3    destination not empty, or a file would be overwritten
    4    the git tree has uncommitted changes
    5    the template could not be rendered or updated
    6    a project file cannot be read safely (not a regular file, too big, not UTF-8, malformed)
    130  interrupted (Ctrl-C, SIGTERM, SIGHUP): the change was undone, or was complete
""")


def test_new_help() -> None:
    assert help_of("new") == snapshot("""\
Usage: pyo3-scaffold new [OPTIONS] PATH

  Create a PyO3 + maturin project in PATH that builds and passes its tests.

Options:
  --name TEXT                     The project's name; the PyPI, import and crate names derive from
                                  it  [default: the folder's name]
  --dist-name TEXT                The name users pip install  [default: the project name,
                                  normalised]
  --module-name TEXT              The name users import  [default: the project name as an
                                  identifier]
  --crate-name TEXT               The [package] name in Cargo.toml  [default: the import name]
  --description TEXT              One line for pyproject.toml, Cargo.toml and the README  [default:
                                  A Python package with a fast core written in Rust]
  --author TEXT                   Your name, for the package metadata and the license  [default: git
                                  config user.name]
  --email TEXT                    Your email, for the package metadata  [default: git config
                                  user.email]
  --license [MIT|Apache-2.0|MIT OR Apache-2.0|BSD-3-Clause]
                                  SPDX license expression (PEP 639); the LICENSE file(s) follow
                                  [default: MIT]
  --min-python [3.9|3.10|3.11|3.12|3.13|3.14]
                                  Oldest CPython supported: requires-python, the abi3 floor and the
                                  wheel matrix  [default: 3.11]
  --abi3 / --no-abi3              One stable-ABI wheel per platform instead of one per Python
                                  version  [default: on]
  --layout [mixed|rust]           mixed: a Python package with a Rust submodule _core; rust: the
                                  extension is the package  [default: mixed]
  --free-threaded / --no-free-threaded
                                  Declare the module GIL-free and build wheels for free-threaded
                                  CPython (3.14t)  [default: on]
  --parallel / --no-parallel      Add a rayon example that runs on all cores with the GIL released
                                  [default: off]
  --numpy / --no-numpy            Add zero-copy NumPy array examples; numpy becomes a dependency
                                  [default: off]
  --platforms A,B                 Extra wheel targets, comma-separated: x86 (Linux i686, Windows
                                  x86), armv7l, ppc64le, s390x, riscv64 (QEMU), pypy, graalpy;
                                  experimental: pyodide (WebAssembly), ios, android  [default: none]
  -y, --yes, --defaults           Ask nothing: defaults for what is not given (automatic without a
                                  terminal).
  --allow-existing                Add the project to a non-empty folder; existing files are never
                                  overwritten.
  --git / --no-git                Make the project a git repository with a first commit (skipped
                                  when git is missing or PATH is inside a git work tree)  [default:
                                  on]
  --build                         Then build and install it (into the active virtualenv, else a new
                                  .venv in the project), import it and run its tests, showing each
                                  step's output.
  -h, --help                      Show this message and exit.

  Examples:
    pyo3-scaffold new fastlib                # asks the questions, with defaults
    pyo3-scaffold new fastlib --yes --build  # no questions; build, import, test it

  Exit codes:
    0    created
    1    --build: a step failed (the project is kept); or a write was not undone
    2    usage error: bad option, invalid name or value
    3    PATH is not empty, a file would be overwritten, or cannot be written
    5    the template could not be rendered
    130  interrupted (Ctrl-C, SIGTERM, SIGHUP): the change was undone, or was complete
""")


def test_doctor_help() -> None:
    assert help_of("doctor") == snapshot("""\
Usage: pyo3-scaffold doctor [OPTIONS] [PATH]

  Check any PyO3 project in PATH: module names, abi3, stubs, free-threading, wheels, CI.

  Reads only; changes nothing. Each finding has a code, the reason and the fix (docs/doctor.md). The
  same checks run in repo-review when pyo3-scaffold is installed.

Options:
  --format [table|json]  json: one document on stdout for machines (schema in docs/doctor.md).
                         [default: table]
  --ignore CODE          Leave out a check (PS005) or a prefix of codes (PS01), any case;
                         repeatable.
  -h, --help             Show this message and exit.

  Examples:
    pyo3-scaffold doctor                                        # check the project in this folder
    pyo3-scaffold doctor ../mylib --format json --ignore PS005  # for machines

  Exit codes:
    0    clean: no findings (skipped checks are not findings)
    1    findings
    2    usage error, or PATH is not a PyO3 project
    6    a project file cannot be read safely
    130  interrupted (Ctrl-C, SIGTERM, SIGHUP): the change was undone, or was complete
""")
