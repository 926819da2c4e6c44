"""Logging calls and float `**`, `%` and `//`, migrated, built for real and checked against
CPython.

float `**`, `%`, `//`: Hypothesis draws floats (NaN, ±0.0, ±inf, subnormals, huge) and ints,
and every result of the Rust function is compared bit for bit with CPython's `x ** y`
(`x % y`, `x // y`) or the same exception. Logging: the records on the Rust path are those
of pure Python while the level changes at run time, a mocked method is called, and a
disabled call takes the Rust path (the Python function does not run) while still raising
what its arguments raise.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run

from scaffold import migrate

pytestmark = pytest.mark.slow

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "lp"
version = "0.1.0"
requires-python = ">=3.11"
"""

MODULE = '''\
"""Logging calls and float powers."""

import logging

logger = logging.getLogger("lp.mod")


def _helper(x: float) -> float:
    logger.info("helper %s", x)
    return x * 2.0


def logged(x: float, n: int) -> float:
    logger.debug("logged %s %d", x, n)
    y = _helper(x) + n
    if y > 100.0:
        logger.warning("big: %s", y)
    return y


def logged_ratio(x: float, y: float) -> float:
    logger.debug("ratio %s", x / y)
    return x - y


def fpow(x: float, y: float) -> float:
    return x ** y


def ipow(x: float, n: int) -> float:
    return x ** n


def rpow(n: int, x: float) -> float:
    return n ** x


def ipow_in_place(x: float, y: float) -> float:
    x **= y
    return x


def fmod(x: float, y: float) -> float:
    return x % y


def ffloordiv(x: float, y: float) -> float:
    return x // y


def mixed_mod(n: int, y: float) -> float:
    a = n % y
    a //= 1.5
    return a + y % n if n else a
'''

CHECKS = r"""
import logging, math, struct, sys
from unittest import mock

from hypothesis import given, settings, strategies as st

import lp.mod as m
from lp.mod import _PYTHON_REFERENCE as python
from lp import _mod_rs as rust

# -- float ** : bit for bit against CPython --------------------------------------------------

def outcome(f, *args):
    try:
        v = f(*args)
    except Exception as e:
        return (type(e), e.args)
    if isinstance(v, float):
        return ("float", struct.pack("<d", v))
    return (type(v), repr(v))

special = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, math.inf, -math.inf,
                           math.nan, 5e-324, -5e-324, 1e308, -1e308, 3.0, -3.0, 2.0**60,
                           -(2.0**60), 1.0000000000000002, 0.9999999999999999])
floats = st.floats(allow_nan=True, allow_infinity=True) | special
ints = st.integers(-2**63, 2**63 - 1) | st.integers(-5, 5) | st.integers() | st.booleans()

@settings(max_examples=3000, deadline=None)
@given(floats, floats)
def float_float(x, y):
    want = outcome(lambda a, b: a ** b, x, y)
    assert outcome(rust.fpow, x, y) == want, (x, y)
    assert outcome(rust.ipow_in_place, x, y) == want, (x, y)

@settings(max_examples=3000, deadline=None)
@given(floats, ints)
def float_int(x, n):
    assert outcome(rust.ipow, x, n) == outcome(lambda a, b: a ** b, x, n), (x, n)
    assert outcome(rust.rpow, n, x) == outcome(lambda a, b: a ** b, n, x), (n, x)

@settings(max_examples=3000, deadline=None)
@given(floats, floats | ints)
def float_mod_floordiv(x, y):
    assert outcome(rust.fmod, x, y) == outcome(lambda a, b: a % b, x, y), (x, y)
    assert outcome(rust.ffloordiv, x, y) == outcome(lambda a, b: a // b, x, y), (x, y)

@settings(max_examples=2000, deadline=None)
@given(ints, floats)
def int_float_mod(n, y):
    assert outcome(rust.mixed_mod, n, y) == outcome(python["mixed_mod"], n, y), (n, y)

float_float()
float_int()
float_mod_floordiv()
int_float_mod()

# Rust computes these itself (no redo): the Python function never runs for them.
calls = []
def profile(frame, event, arg):
    if event == "call" and frame.f_code.co_filename == m.__file__:
        calls.append(frame.f_code.co_name)
sys.setprofile(profile)
for x, y in [(2.0, 0.5), (0.0, 0.0), (math.nan, 0.0), (1.0, math.nan), (-math.inf, 3.0),
             (-1.0, 1e300), (-2.0, 3.0), (10.0, -400.0), (0.5, math.inf)]:
    m.fpow(x, y)
sys.setprofile(None)
assert calls == [], calls
assert type(m.fpow(-8.0, 1 / 3)) is complex  # Python's result, redone there
try:
    m.fpow(10.0, 400.0)
except OverflowError as e:
    assert e.args == (34, "Numerical result out of range"), e.args
else:
    raise SystemExit("no OverflowError")

# -- logging ---------------------------------------------------------------------------------

class Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []
    def emit(self, record):
        self.records.append((record.name, record.levelname, record.getMessage(),
                             record.funcName))

keep = Keep()
logger = logging.getLogger("lp.mod")
logger.addHandler(keep)

def traced(f, *args):
    calls.clear()
    sys.setprofile(profile)
    try:
        return outcome(f, *args)
    finally:
        sys.setprofile(None)

ARGS = [(1.0, 2), (60.0, 5), (-0.0, 0), (math.nan, -3)]

def records_of(f, level):
    logger.setLevel(level)
    keep.records.clear()
    results = [outcome(f, *a) for a in ARGS]
    return results, list(keep.records)

for level in [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR]:
    # The level changes at run time: the Rust path logs exactly what Python logs.
    assert records_of(m.logged, level) == records_of(python["logged"], level), level

# Disabled everywhere: Rust takes the call (the Python function does not run)...
logger.setLevel(logging.ERROR)
assert traced(m.logged, 1.0, 2) == ("float", struct.pack("<d", 4.0))
assert calls == [], calls
# ...and the arguments of a disabled call are still evaluated (ZeroDivisionError).
assert traced(m.logged_ratio, 1.0, 0.0)[0] is ZeroDivisionError and calls == [], calls
# Enabled for one call site only: Python redoes the call and logs.
logger.setLevel(logging.WARNING)
keep.records.clear()
assert traced(m.logged, 60.0, 1) == ("float", struct.pack("<d", 121.0))
assert "logged" in calls and keep.records == [("lp.mod", "WARNING", "big: 121.0", "logged")]
assert traced(m.logged, 1.0, 1) == ("float", struct.pack("<d", 3.0)) and calls == [], calls
# logging.disable() and logger.disabled are Python's own switches: respected.
logger.setLevel(logging.DEBUG)
logging.disable(logging.CRITICAL)
assert traced(m.logged, 60.0, 1)[0] == "float" and calls == [], calls
logging.disable(logging.NOTSET)
logger.disabled = True
assert traced(m.logged, 60.0, 1)[0] == "float" and calls == [], calls
logger.disabled = False
# A mocked method is called, as in Python, even while the level is disabled.
logger.setLevel(logging.ERROR)
with mock.patch.object(logger, "debug") as debug:
    m.logged(1.0, 2)
debug.assert_called_once_with("logged %s %d", 1.0, 2)
# The module's logger replaced by something else: Python calls it.
with mock.patch.object(m, "logger") as other:
    m.logged(1.0, 2)
assert other.debug.called and other.info.called
print("ok")
"""


def test_logging_and_float_powers_move_to_rust_and_agree(
    tmp_path: Path, build_env: dict[str, str]
) -> None:
    project = tmp_path / "lp"
    (project / "lp").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "lp" / "__init__.py").write_text("")
    (project / "lp" / "mod.py").write_text(MODULE)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    run("git", "init", "-q", cwd=project, env=env)
    run("git", "add", "-A", cwd=project, env=env)
    run("git", "commit", "-qm", "before", cwd=project, env=env)

    result = migrate.run(
        migrate.MigrateOptions(module=project / "lp" / "mod.py", ci=False, backend="maturin")
    )
    statuses = {f.name: (f.status, f.reason) for f in result.functions}
    assert all(status == "rust" for status, _ in statuses.values()), statuses

    venv = tmp_path / "venv"
    run("uv", "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    run("uv", "pip", "install", "--quiet", "--python", python, "pytest", "hypothesis")
    run(
        "maturin",
        "develop",
        "--uv",
        "--quiet",
        cwd=project,
        env={**build_env, "VIRTUAL_ENV": str(venv)},
    )
    assert run(python, "-c", textwrap.dedent(CHECKS), cwd=tmp_path).stdout.strip() == "ok"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    out = run(
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_mod_rust.py",
        cwd=project,
        env=clean,
    ).stdout
    assert re.search(r"\d+ passed", out), out
    assert "failed" not in out, out
    assert " error" not in out, out
