"""Logging calls on a module logger, and `**` on floats with any exponent.

These tests check what the translator writes; what it computes is checked against CPython,
built for real, by tests/e2e/test_translate_logging_pow_e2e.py (Hypothesis: float `**` bit
for bit, logging records on both paths as levels change at run time).
"""

from __future__ import annotations

import textwrap

import pytest
from helpers import module_plan

from scaffold import migrate_codegen, pyspecialize

LOGGED = """
import logging

logger = logging.getLogger(__name__)


def _helper(x: float) -> float:
    logger.error("helper %s", x)
    return x


def f(x: float, n: int) -> float:
    logger.debug("x=%s n=%s", x, n)
    y = x ** n
    logger.info("ratio %s", y / x)
    return y + _helper(x)
"""


def _plan(source: str) -> migrate_codegen.ModulePlan:
    plans, _ = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    return module_plan(plans)


def _reason(source: str) -> str:
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    if skipped:
        return skipped[0].reason
    return plans[0].reason


def test_a_logging_call_is_redone_in_python_when_its_level_is_enabled() -> None:
    (f,) = _plan(LOGGED).functions
    assert f.body is not None, f.reason
    # Each call site asks the threshold the dispatch set; enabled: Python redoes the call.
    assert 'if pyops::logs(0, 10) { return Err(pyops::redo("logging")); }' in f.body
    # Disabled: the arguments are still evaluated (y / x can raise ZeroDivisionError).
    assert "let _ = pyops::fdiv(y, x)?;" in f.body
    # The levels of the helper count too: the dispatch reads them all before the call.
    assert f.logs == (("logger", 0, (10, 20, 40)),)
    text = migrate_codegen.lib_rs(_plan(LOGGED), gil_used=False)
    assert (
        "pyops::set_log_threshold(0, pyops::log_threshold("
        'py, pyops::name!("logger"), &[10, 20, 40])?);' in text
    )
    ops = migrate_codegen.pyops_rs()
    # The logger is read at each call from the module's globals, as Python reads it.
    assert "let logger = module_globals(py)?\n            .get_item(name.get(py))?" in ops
    assert 'let enabled = name!("isEnabledFor").get(py);' in ops
    assert "logger.call_method1(enabled, (level,))" in ops
    assert "own.contains(method.get(py))" in ops  # a mocked method: Python calls the mock


def test_a_helper_logger_named_get_logger_counts_and_levels_are_all_listed() -> None:
    source = """
    from pkg.logs import get_logger

    log = get_logger(__name__)

    def f(s: str) -> int:
        log.warning("w")
        log.critical("c %s", s)
        log.exception("e")
        return len(s)
    """
    (f,) = _plan(source).functions
    assert f.body is not None, f.reason
    assert f.logs == (("log", 0, (30, 40, 50)),)


def test_functions_without_logging_check_no_logger() -> None:
    (f,) = _plan(
        "import logging\nlogger = logging.getLogger()\ndef f(n: int) -> int:\n    return n\n"
    ).functions
    assert f.body is not None
    assert f.logs == ()
    assert "log_threshold" not in migrate_codegen.lib_rs(
        _plan("def f(n: int) -> int:\n    return n\n"), gil_used=False
    )


HEAD = "import logging\nlogger = logging.getLogger()\n"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        # warn warns DeprecationWarning even when disabled; log's level is an argument.
        (
            HEAD + "def f(n: int) -> int:\n    logger.warn('x')\n    return n\n",
            "logger.warn is not",
        ),
        (HEAD + "def f(n: int) -> int:\n    logger.log(10, 'x')\n    return n\n", "logger.log is"),
        # The module-level function may configure logging (basicConfig) even when disabled.
        (
            "import logging\ndef f(n: int) -> int:\n    logging.debug('x')\n    return n\n",
            "'logging'",
        ),
        # Bound twice: not one logger the dispatch can read.
        (
            HEAD
            + "logger = logging.getLogger('b')\n"
            + "def f() -> int:\n    logger.debug('x')\n    return 1\n",
            "the name 'logger'",
        ),
        # An argument Rust cannot evaluate: Python evaluates it even when disabled.
        (
            HEAD + "def f(n: int) -> int:\n    logger.debug('%s', str(n, 'x'))\n    return n\n",
            "str(n, 'x')",
        ),
        (
            HEAD + "def f(n: int) -> int:\n    logger.debug(*[n])\n    return n\n",
            "unpacked arguments",
        ),
        (HEAD + "def f(n: int) -> int:\n    logger.debug()\n    return n\n", "no message"),
    ],
)
def test_logging_refusals_say_why(source: str, reason: str) -> None:
    assert reason in _reason(source)


def test_a_local_named_like_the_logger_is_the_local() -> None:
    source = (
        "import logging\nlogger = logging.getLogger()\n"
        "def f(s: str) -> str:\n    logger = s\n    return logger.upper()\n"
    )
    (f,) = _plan(source).functions
    assert f.body is not None, f.reason
    assert f.logs == ()


def test_the_registry_documents_logging() -> None:
    assert set(pyspecialize.LOG_LEVELS) == {
        "debug",
        "info",
        "warning",
        "error",
        "exception",
        "critical",
    }
    import logging

    for name, level in pyspecialize.LOG_LEVELS.items():
        expected = "ERROR" if name == "exception" else name.upper()
        assert logging.getLevelName(level) == expected


@pytest.mark.parametrize(
    "expression",
    ["x ** y", "x ** n", "n ** x", "x ** -1", "x ** 0.5", "x ** 2", "2.0 ** n"],
)
def test_float_powers_use_cpythons_float_pow(expression: str) -> None:
    (f,) = _plan(
        f"def f(x: float, y: float, n: int) -> float:\n    return {expression}\n"
    ).functions
    assert f.body is not None, f.reason
    assert "pyops::float_pow(" in f.body


def test_float_power_in_place_and_int_powers_stay_ints() -> None:
    (f,) = _plan("def f(x: float, y: float) -> float:\n    x **= y\n    return x\n").functions
    assert f.body is not None, f.reason
    assert "x = pyops::float_pow(x, y)?;" in f.body
    (g,) = _plan("def g(a: int, b: int) -> int:\n    return a ** b\n").functions
    assert g.body is not None
    assert "pyops::pow_var(a, b)?" in g.body  # int ** int keeps its own rules


def test_float_pow_has_each_cpython_special_case() -> None:
    ops = migrate_codegen.pyops_rs()
    body = ops[ops.index("pub fn float_pow") :]
    body = body[: body.index("\n}\n")]
    for case in [
        "if b == 0.0",  # x ** 0 is 1.0, even nan ** 0
        "if a.is_nan()",
        "if a == 1.0 { 1.0 } else { b }",  # 1 ** nan is 1
        "b.is_infinite()",
        "a.is_infinite()",
        "0.0 cannot be raised to a negative power",
        'redo("a negative float to a fractional power is complex")',
        "base == 1.0",  # (-1) ** huge is exact, whatever libm says
        'redo("float ** overflows")',
    ]:
        assert case in body, case
