"""The benchmark `migrate` generates (migrate_files/bench.py.tmpl): valid, ruff-clean Python
that keeps to its time budget. The extension is faked by a Python module with the same
interface (`__implemented__`, fallbacks through the module's `_PYTHON_REFERENCE`); the e2e and
corpus tests run the script against real built extensions."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING

from scaffold import migrate_codegen
from scaffold.migrate_codegen import FunctionPlan, ModulePlan, Param
from scaffold.migrate_types import PyType

if TYPE_CHECKING:
    from pathlib import Path

INT, STR = PyType("int"), PyType("str")


def _plan(*functions: FunctionPlan) -> ModulePlan:
    return ModulePlan(
        dotted="pkg.slow",
        package="pkg",
        module="slow",
        extension="_slow_rs",
        env_var="PKG_PURE_PYTHON",
        functions=functions,
    )


def _function(name: str, *params: Param) -> FunctionPlan:
    return FunctionPlan(name=name, params=params, returns=INT, doc="", body="")


def test_rendered_benchmark_is_valid_and_ruff_clean(tmp_path: Path) -> None:
    every_type = [
        Param(name, t)
        for name, t in [
            ("i", INT),
            ("x", PyType("float")),
            ("flag", PyType("bool")),
            ("s", STR),
            ("raw", PyType("bytes")),
            ("maybe", PyType("optional", (INT,))),
            ("words", PyType("list", (STR,))),
            ("pair", PyType("tuple", (INT, STR))),
            ("single", PyType("tuple", (INT,))),
            ("counts", PyType("dict", (STR, INT))),
            ("seen", PyType("set", (INT,))),
            ("rest", PyType("vartuple", (PyType("float"),))),
        ]
    ]
    plan = _plan(
        _function("everything", *every_type),
        _function("nothing"),
        _function(
            "kinds",
            Param("a", INT, kind="positional_only"),
            Param("b", STR, default="'x'"),
            Param("c", INT, kind="keyword_only"),
        ),
        _function("only_keywords", Param("c", STR, kind="keyword_only")),
    )
    text = migrate_codegen.benchmark(plan)
    assert "$" not in text  # every placeholder of the template was filled
    tree = ast.parse(text)
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"make_everything", "make_nothing", "make_kinds", "make_only_keywords"} <= defined
    assert 'importlib.import_module("pkg._slow_rs")' in text
    script = tmp_path / "bench_slow.py"
    script.write_text(text)
    # The rules of the projects `new` makes (template/pyproject.toml.jinja), line length 100.
    ruff = [sys.executable, "-m", "ruff"]
    rules = ["--isolated", "--line-length", "100"]
    for check in (
        ["check", *rules, "--select", "E,F,W,B,I,UP,RUF,PT,SIM"],
        ["format", *rules, "--check"],
    ):
        done = subprocess.run(
            [*ruff, *check, "--no-cache", str(script)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


FAKE_MODULE = """
def add(n: int) -> int:
    return n + 1


def spin(n: int) -> int:
    while True:  # never returns: the budget must end it
        n += 1


def cube(n: int) -> int:
    return n**3


def broken(n: int) -> int:
    return n


def coin(n: int, flag: bool) -> int:
    return n if flag else -n


_PYTHON_REFERENCE = {"add": add, "spin": spin, "cube": cube, "broken": broken, "coin": coin}
from pkg import _slow_rs  # noqa: E402

_slow_rs.REFERENCE = _PYTHON_REFERENCE
add, spin, cube, broken = _slow_rs.add, _slow_rs.spin, _slow_rs.cube, _slow_rs.broken
coin = _slow_rs.coin
"""

# What a real extension does: exact arguments in "Rust", the others through the reference
# looked up by name at each call.
FAKE_EXTENSION = """
__implemented__ = ("add", "spin", "cube", "broken", "coin")
REFERENCE = {}


def add(n):
    return n + 1


def spin(n):
    return REFERENCE["spin"](n)


def cube(n):
    if n > 64:  # beyond "i64" here: back to Python, as the extension does on overflow
        return REFERENCE["cube"](n)
    return n**3


def broken(n):
    return n + (n == 8)  # differs from Python at size 8


def coin(n, flag):
    if not flag:  # a branch Rust hands to Python: only some inputs of a size go there
        return REFERENCE["coin"](n, flag)
    return n
"""


def _run_fake(tmp_path: Path, *names: str) -> tuple[subprocess.CompletedProcess[str], float]:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "slow.py").write_text(FAKE_MODULE)
    (tmp_path / "pkg" / "_slow_rs.py").write_text(textwrap.dedent(FAKE_EXTENSION))
    params = {"coin": (Param("n", INT), Param("flag", PyType("bool")))}
    functions = (_function(n, *params.get(n, (Param("n", INT),))) for n in names)
    text = migrate_codegen.benchmark(_plan(*functions))
    # A shorter budget than users get, for a fast test of the same logic.
    text = text.replace("FUNCTION_BUDGET = 2.0", "FUNCTION_BUDGET = 0.5")
    assert "FUNCTION_BUDGET = 0.5" in text
    (tmp_path / "bench_slow.py").write_text(text)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "bench_slow.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done, time.perf_counter() - start


def test_benchmark_keeps_to_its_budget_and_sees_fallbacks(tmp_path: Path) -> None:
    done, elapsed = _run_fake(tmp_path, "add", "spin", "cube")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()}
    # add: timed, per call on both sides, with a ratio.
    assert lines["add"].count(" ms ") == 2, done.stdout
    assert lines["add"].endswith("x"), done.stdout
    # spin never returns: stopped at its deadline, and the script goes on.
    assert "still running at its 0.5 s deadline: not timed" in lines["spin"], done.stdout
    # cube goes back to Python beyond 64: the growth stops there, size 64 is timed.
    assert "cube                     Rust sends size 128 to Python: timed at size 64" in (
        done.stdout
    )
    assert any(
        line.startswith("cube") and line.count(" ms ") == 2 for line in done.stdout.split("\n")
    )
    # Three functions of 0.5 s each (+ 0.5 s of grace for spin's alarm), and start-up.
    assert elapsed < 10, elapsed
    assert "total" in lines, done.stdout


def test_benchmark_stops_on_a_different_result(tmp_path: Path) -> None:
    done, _ = _run_fake(tmp_path, "broken")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "broken                   DIFFERENT results at size 8" in done.stdout


def test_benchmark_times_the_inputs_rust_takes_when_only_some_go_to_python(
    tmp_path: Path,
) -> None:
    # inflection's camelize(s, flag): a random flag sends about half the inputs of each size
    # to Python. One draw per size said "every input" and timed nothing.
    done, _ = _run_fake(tmp_path, "coin")
    assert done.returncode == 0, done.stdout + done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("coin")]
    assert line.count(" ms ") == 2, done.stdout
