"""The backends `migrate` keeps, built for real: a hatchling project versioned by hatch-vcs
(hatch-maturin-build), a top-level single-file module (setuptools-rust), and a flit project
with flit's old metadata and a top-level module (converted, maturin). Each is installed
with `uv pip install .` (PEP 517, as users and CI build it) into a fresh virtualenv."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import run
from helpers import commit_all
from test_migrate_e2e import _venv, _write

from scaffold import migrate

pytestmark = pytest.mark.slow

MODULE = '''\
"""Numbers."""


def triangle(n: int) -> int:
    total = 0
    for i in range(1, n + 1):
        total += i
    return total


def square(n: int) -> int:
    return n * n
'''

# Is `triangle` the extension's function (Rust), and what does it return?
PROBE = (
    "import importlib.metadata as md, sys, {module} as m; "
    "print(md.version('nums'), type(m.triangle).__name__, m.triangle(100), m.square(2**40))"
)


def _install(root: Path, venv: Path, env: dict[str, str]) -> Path:
    python = _venv(venv)
    run("uv", "pip", "install", "--quiet", "--no-cache", "--python", python, root, env=env)
    return python


def _probe(python: Path, module: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [python, "-c", PROBE.format(module=module)],
        cwd=python.parent,  # not the checkout: the installed package
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return done.stdout.strip()


def test_hatch_vcs_project_keeps_its_version(tmp_path: Path, build_env: dict[str, str]) -> None:
    root = tmp_path / "nums"
    _write(
        root,
        {
            "pyproject.toml": (
                '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n'
                'build-backend = "hatchling.build"\n\n'
                '[project]\nname = "nums"\nrequires-python = ">=3.11"\ndynamic = ["version"]\n\n'
                '[tool.hatch.version]\nsource = "vcs"\n'
            ),
            "src/nums/__init__.py": "",
            "src/nums/fast.py": MODULE,
        },
    )
    commit_all(root)
    result = migrate.run(migrate.MigrateOptions(module=root / "src/nums/fast.py", ci=False))
    assert [(f.name, f.status) for f in result.functions] == [
        ("triangle", "rust"),
        ("square", "rust"),
    ]
    run("git", "add", "-A", cwd=root)
    run("git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "migrate", cwd=root)
    run("git", "tag", "3.4.5", cwd=root)
    python = _install(root, tmp_path / "venv", build_env)
    # hatch-vcs computed the version from the tag; the functions run in Rust, and a result
    # beyond 64 bits (2**80) is redone in Python, exactly.
    big = 2**80
    assert _probe(python, "nums.fast") == f"3.4.5 builtin_function_or_method 5050 {big}"
    assert _probe(python, "nums.fast", {"NUMS_PURE_PYTHON": "1"}) == f"3.4.5 function 5050 {big}"


def test_top_level_module_with_setuptools_rust(tmp_path: Path, build_env: dict[str, str]) -> None:
    root = tmp_path / "nums"
    _write(
        root,
        {
            "setup.py": (
                "from setuptools import setup\n\n"
                'setup(name="nums", version="1.0", py_modules=["nums"])\n'
            ),
            "nums.py": MODULE,
        },
    )
    commit_all(root)
    result = migrate.run(migrate.MigrateOptions(module=root / "nums.py", ci=False))
    assert result.extension == "_nums_rs"
    python = _install(root, tmp_path / "venv", build_env)
    big = 2**80
    assert _probe(python, "nums") == f"1.0 builtin_function_or_method 5050 {big}"
    assert _probe(python, "nums", {"NUMS_PURE_PYTHON": "1"}) == f"1.0 function 5050 {big}"


def test_flit_top_level_module_with_maturin(tmp_path: Path, build_env: dict[str, str]) -> None:
    root = tmp_path / "nums"
    _write(
        root,
        {
            "pyproject.toml": (
                '[build-system]\nrequires = ["flit_core >=2,<4"]\n'
                'build-backend = "flit_core.buildapi"\n\n'
                '[tool.flit.metadata]\nmodule = "nums"\nauthor = "A"\nrequires-python = ">=3.9"\n'
            ),
            "nums.py": '"""Numbers."""\n__version__ = "2.5.0"\n\n' + MODULE,
        },
    )
    commit_all(root)
    result = migrate.run(migrate.MigrateOptions(module=root / "nums.py", ci=False))
    assert result.extension == "_nums_rs"
    python = _install(root, tmp_path / "venv", build_env)
    big = 2**80
    assert _probe(python, "nums") == f"2.5.0 builtin_function_or_method 5050 {big}"
    assert _probe(python, "nums", {"NUMS_PURE_PYTHON": "1"}) == f"2.5.0 function 5050 {big}"
