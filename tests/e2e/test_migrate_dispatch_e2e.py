"""The dispatch lives in the extension: exact arguments run in Rust, every other call (ints
beyond 64 bits, bools for ints, ints for floats, keyword mistakes) in the Python version, and
a module that shadows builtins (`all`, `isinstance`...) cannot fool it."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from conftest import run
from helpers import commit_all
from test_migrate_e2e import _develop, _pytest, _venv, _write

from scaffold import migrate

pytestmark = pytest.mark.slow

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "shadow"
version = "0.1.0"
requires-python = ">=3.11"
"""

# The module defines its own `all` and `isinstance`, as real modules do (an `all` of a
# vector library, say): the generated code must use the builtins, not these.
MODULE = '''\
"""Interpolation, with names that shadow builtins."""

from typing import Literal, NewType

Meters = float
Count = NewType("Count", int)
Digits = Literal[1, 2, 3]


def all(values: list[bool]) -> bool:
    """Every value is true (the module's own all)."""
    for v in values:
        if not v:
            return False
    return True


isinstance = None


def lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


def square(n: int) -> int:
    return n * n


def scaled(n: int, factor: int = 3) -> int:
    return n * factor


def clamp(n: Count, /, low: int = 0, *, high: int = 100) -> Count:
    """Aliases, NewType, positional-only and keyword-only parameters."""
    if n < low:
        return low
    if n > high:
        return high
    return n


def stretch(x: Meters, *, factor: Meters = 2.0, digits: Digits = 1) -> Meters:
    return x * factor + digits
'''

TESTS = """\
from shadow.interp import lerp, square


def test_lerp():
    assert lerp(0.0, 10.0, 0.25) == 2.5


def test_square():
    assert square(12) == 144
"""


def test_dispatch_in_the_extension(tmp_path: Path, build_env: dict[str, str]) -> None:
    project = tmp_path / "shadow"
    _write(
        project,
        {
            "pyproject.toml": PYPROJECT,
            "shadow/__init__.py": "",
            "shadow/interp.py": MODULE,
            "tests/test_interp.py": TESTS,
        },
    )
    commit_all(project)
    result = migrate.run(migrate.MigrateOptions(module=project / "shadow/interp.py", ci=False))
    assert {f.name: f.status for f in result.functions} == dict.fromkeys(
        ("all", "lerp", "square", "scaled", "clamp", "stretch"), "rust"
    )
    python = _venv(tmp_path / "venv")
    _develop(project, python.parent.parent, build_env, release=True)
    checks = textwrap.dedent(
        """
        import operator, timeit
        import shadow.interp as m
        py = m._PYTHON_REFERENCE
        assert type(m.lerp).__name__ == "builtin_function_or_method"
        # The regression: ints (and a bool) given for floats stay exact ints in Python.
        assert py["lerp"](2**63, -21383145, True) == -21383145
        got = m.lerp(2**63, -21383145, True)
        assert got == -21383145 and type(got) is int, got
        assert m.lerp(1.0, 3.0, 0.5) == 2.0
        # Ints beyond i64, in arguments or results, take the Python path: never a change.
        assert m.square(2**40) == 2**80 and m.square(2**63) == 2**126
        assert m.square(True) == 1 and type(m.square(True)) is int
        assert m.scaled(2, factor=5) == 10 and m.scaled(n=2) == 6
        for bad in (lambda: m.scaled(), lambda: m.scaled(1, 2, 3), lambda: m.scaled(1, f=2),
                    lambda: m.scaled(1, n=2)):
            try:
                bad()
            except TypeError as error:  # Python's own message: the reference raised it
                assert "scaled()" in str(error), error
            else:
                raise SystemExit("argument errors must raise TypeError")
        assert m.clamp(5, high=3) == 3 and m.clamp(-5) == 0 and m.clamp(2**70) == 100
        assert m.stretch(2.0, factor=3.0) == 7.0 and m.stretch(2, digits=2) == 6
        for bad in (lambda: m.clamp(n=5), lambda: m.clamp(1, 2, 3), lambda: m.stretch(1.0, 2.0)):
            try:
                bad()
            except TypeError as error:  # Python's own message: the reference raised it
                assert "positional" in str(error), error
            else:
                raise SystemExit("argument errors must raise TypeError")
        assert m.all([True, True]) is True and m.all([True, 0]) is False and m.all([1]) is True
        # The dispatch's cost: a Rust call through it against a direct C call doing the same.
        n = 200_000
        ours = min(timeit.repeat(lambda: m.square(7), number=n, repeat=7)) / n
        direct = min(timeit.repeat(lambda: operator.mul(7, 7), number=n, repeat=7)) / n
        print(f"{(ours - direct) * 1e9:.0f}")
        """
    )
    added_ns = float(run(python, "-c", checks, cwd=tmp_path).stdout.strip())
    print(f"dispatch adds {added_ns:.0f} ns per call over a direct C call")
    # The budget is 100 ns (about 40 ns measured on a quiet machine); on a loaded shared
    # machine the difference of two timings swings, so the test guards against what it must
    # never be again: a Python-level wrapper (about 1 us per call).
    assert added_ns < 300, added_ns
    assert "2 passed" in _pytest(python, project, "tests/test_interp.py")
    differential = _pytest(python, project, "tests/test_interp_rust.py")
    assert "failed" not in differential
    assert "skipped" not in differential
    # The generated benchmark times every function, keyword-only ones included.
    started = time.perf_counter()
    bench = run(python, "benchmarks/bench_interp.py", cwd=project).stdout
    print(bench)
    # Its budget: 2 s a function, 30 s in all (here 6 functions; margin for a loaded machine).
    assert time.perf_counter() - started < 25, bench
    assert "DIFFERENT" not in bench
    assert "stops growing" not in bench
    assert bench.count(" ms ") >= 6, bench
