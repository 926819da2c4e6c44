"""Every construct the translator learned, built for real and checked against Python.

One module holds a function per construct (calls between module functions, str methods,
the module's own exceptions, loops over enumerate/zip/reversed, generator expressions, math
as `math.sqrt` and after `from math import sqrt`, string building, ...). `migrate` must move
every one of them to Rust; the extension is built once, and the generated differential
tests (Hypothesis: ints beyond 64 bits, bools, NaN, -0.0, infinities, astral and
lone-surrogate strings, empty and long lists) must all pass.
"""

from __future__ import annotations

import ast
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
name = "constructs"
version = "0.1.0"
requires-python = ">=3.11"
"""

MODULE = '''\
"""One function per construct the translator handles."""

import functools
import math
from math import pi, sqrt, radians as rad


class RangeError(ValueError):
    """The module's own exception: Rust must raise this very class."""


TABLE = (("M", 1000), ("CM", 900), ("D", 500), ("CD", 400), ("C", 100), ("XC", 90),
         ("L", 50), ("XL", 40), ("X", 10), ("IX", 9), ("V", 5), ("IV", 4), ("I", 1))
WORDS = ("a", "bb", "")


def _scaled(n: int, k: int = 3, *, offset: int = 1) -> int:
    return n * k + offset


def _tidy(s: str) -> str:
    return s.strip().lower()


def calls_helpers(n: int) -> int:
    return _scaled(n) + _scaled(n, 2) + _scaled(k=5, n=n, offset=-1)


def to_roman(n: int) -> str:
    if not isinstance(n, int):
        raise TypeError("decimals cannot be converted")
    if not (-1 < n < 5000):
        raise RangeError(f"number out of range: {n}")
    result = ""
    for numeral, value in TABLE:
        while n >= value:
            result += numeral
            n -= value
    return result


def ordinal(number: int) -> str:
    number = abs(int(number))
    if number % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def eager_get(n: int, s: str) -> str:
    # Python computes the default before the lookup: s[0] raises for "" even when n == 1.
    return {1: "one", 2: "two"}.get(n, s[0])


def ordinalize(number: int) -> str:
    return "{}{}".format(number, ordinal(number))


def case_ops(s: str) -> str:
    return s.upper() + "|" + s.lower() + "|" + _tidy(s)


def str_tests(s: str) -> list[bool]:
    return [
        s.isdigit(), s.isalpha(), s.isalnum(), s.isspace(), s.isupper(), s.islower(),
        s.startswith("a"), s.endswith(("b", "c")), "ab" in s, s[:1] in "xyz",
        s not in WORDS, s in ["q", "r"],
    ]


def strip_split(s: str, sep: str) -> list[str]:
    return s.strip().split() + s.split(sep) + [s.lstrip(sep), s.rstrip(sep), s.strip(sep)]


def join_replace(words: list[str], old: str, new: str) -> str:
    return "-".join(words).replace(old, new) + ",".join(w.strip() for w in words if w)


def finds(s: str, sub: str) -> tuple[int, int, int, int]:
    i = -2
    if sub in s:
        i = s.index(sub)
    return (s.find(sub), s.rfind(sub), s.count(sub), i)


def shift_chars(s: str, k: int) -> str:
    out = ""
    for c in s:
        out += chr((ord(c) + k) % 1114112)
    return out


def power(base: int, exponent: int) -> int:
    if exponent > 200:
        return -1
    return base ** exponent


def loops(xs: list[int], ys: list[int]) -> int:
    total = 0
    for i, x in enumerate(xs):
        total += i * x
    for i, x in enumerate(xs, 1):
        total += i - x
    for a, b in zip(xs, ys):
        total += a - b
    for x in reversed(xs):
        total = total * 3 + x
    for i in reversed(range(0, len(xs), 2)):
        total += i
    return total


def common_prefix(a: str, b: str) -> int:
    matching = 0
    for x, y in zip(a, b, strict=True):
        if x == y:
            matching += 1
        else:
            break
    return matching


def generators(xs: list[int]) -> tuple[int, bool, bool, int]:
    return (
        sum(x * x for x in xs),
        any(x > 10 for x in xs),
        all(x % 2 == 0 for x in xs if x > 0),
        max(x - 1 for x in xs),
    )


def trig(x: float, y: float) -> list[float]:
    return [math.sin(x), math.cos(x), math.tan(x), math.atan(x), math.atan2(y, x),
            math.radians(x), math.degrees(y)]


def imported_math(x: float, y: float) -> float:
    return sqrt(x * x + y * y) + rad(x) * pi


def builtin_pow(x: float, n: int) -> float:
    return pow(x, 2) + pow(x, n) + pow(n, 2)


def inverse_trig(x: float) -> list[float]:
    return [math.asin(x), math.acos(x)]


def growth(x: float) -> list[float]:
    return [math.exp(x), math.sinh(x), math.cosh(x), math.tanh(x)]


def logs(x: float) -> list[float]:
    return [math.log(x), math.log2(x), math.log10(x)]


def classify(x: float) -> list[bool]:
    return [math.isnan(x), math.isinf(x), math.isfinite(x)]


def rounding(x: float) -> int:
    return round(x)


def divmods(a: int, b: int) -> tuple[int, int]:
    return divmod(a, b)


def float_text(x: float) -> str:
    return str(x) + "|" + f"{x}"


def formats(n: int, s: str, flag: bool) -> str:
    return f"<{n}:{s}:{flag}>" + "{1}{0}{{}}".format(n, s)


def identity(flag: bool, n: int) -> list[bool]:
    return [flag is True, flag is not False, n is True]


def sorted_words(words: list[str]) -> list[str]:
    return sorted(words) + sorted(words, reverse=True)


def membership(n: int, words: list[str], w: str) -> bool:
    return n in (1, 2, 3) or w in words or w in WORDS


def int_to_string(number: int, alphabet: list[str], padding: int | None = None) -> str:
    if number < 0:
        return ""
    output = ""
    alpha_len = len(alphabet)
    while number:
        number, digit = divmod(number, alpha_len)
        output += alphabet[digit]
    if padding:
        remainder = max(padding - len(output), 0)
        output = output + alphabet[0] * remainder
    return output[::-1]


def pad_to(n: int, width: int | None = None) -> int:
    if width is not None:
        n = max(n, width)
    if width:
        n = n + width
    return n


def string_to_int(string: str, alphabet: list[str]) -> int:
    number = 0
    alpha_len = len(alphabet)
    for char in string:
        number = number * alpha_len + alphabet.index(char)
    return number + alphabet.count("a")


def text_length(v: bytes | str, n: int | float) -> int:
    # Translated for the first arms its body is valid for (bytes, int); str, floats: Python.
    return len(v.strip()) + int(n)


def slices(s: str, xs: list[int], step: int) -> tuple[str, list[int], str]:
    return (s[::-1], xs[1::step], s[-2:0:-1] * 2)


def _valid(s: str) -> bool:
    return set(s) <= set("abc")  # sets: this one stays in Python


def checked_length(s: str, check: bool = False) -> int:
    # The calls that check go to Python (Rust cannot call _valid); the others stay in Rust.
    if check:
        if not _valid(s):
            raise ValueError("invalid")
        s = s.upper()
    return len(s) + check


def flags_and_sets(s: str, a: bool, b: bool, n: int) -> tuple[int, bool, float, list[bool]]:
    tests = [s.isascii(), n in {1523, 1524}, s in {"a", "bb"}, isinstance(s, (bytes, bytearray))]
    return (a + b + n, a & b ^ True, a * 1.5 - b, list(tests))


def shuffled(string: str, salt: str) -> str:
    # hashids' _reorder: the str is rebound to a list, shuffled in place, then a str again.
    if salt:
        string = list(string)
        index = total = 0
        for i in range(len(string) - 1, 0, -1):
            total += ord(salt[index])
            j = (ord(salt[index]) + index + total) % i
            string[i], string[j] = string[j], string[i]
            index = (index + 1) % len(salt)
        string = "".join(string)
    return string


def char_list(s: str, probe: str) -> str:
    # list(s) is one Vec<char>: items are chars, `in` takes a str (only a char can be in it).
    xs = list(s)
    if xs:
        xs.append(xs[0])
    found = str(xs.index(probe)) if probe in xs else ""
    xs = xs[: len(xs) // 2 + 1]
    found += ("y" if probe in xs else "n") + str(xs.count(probe))
    return "-".join(xs) + found + "".join(xs[::-1])


def str_list(s: str) -> list[str]:
    # A str goes into it: translated again with lists of one-character strs.
    xs = list(s)
    xs.append("ab")
    xs[0] = xs[0] + "!"
    return xs


def table_rows(s: str) -> int:
    # A constant table in loops: borrowed strs copied into the loop variable, a whole row.
    n = 0
    for w in WORDS:
        if w == s:
            n += 1
        w += "!"
    for row in TABLE:
        if s.startswith(row[0]):
            n += row[1]
    return n + len(w)


@functools.lru_cache(maxsize=64)
def cached_triangle(n: int) -> int:
    # The cache is applied again around the Rust function.
    return n * (n + 1) // 2


def paired(xs: list[int], n: int) -> list[int]:
    ys = list(xs)
    if ys:
        ys[0], n = ys[-1] + n, len(ys)
        ys[0], ys[-1] = ys[-1], ys[0]
    return ys + [n]


# Module tables, read through Python at each call (a change to them is seen).
_PRECISION = {0: 20000000, 1: 5003530, 9: 3.71, 10: 0.6}
_NAMES = {"a": "alpha", "b": "beta"}
_VOWELS = {"a", "e", "o"}


def precision(n: int) -> float:
    # Mixed ints and floats: the item comes back as the object the table holds.
    if n > 10:
        return 0.0
    return _PRECISION[n]


def spelled(s: str) -> str:
    out = ""
    for c in s:
        if c in _NAMES:
            out += _NAMES[c]
        elif c in _VOWELS:
            out += c.upper()
        else:
            out += c
    return out
'''

# What the extension must compute exactly, beyond what Hypothesis happens to draw.
CHECKS = """
import constructs.mod as m
from constructs.mod import _PYTHON_REFERENCE as python
from constructs import _mod_rs as rust

# The module's own exception class, raised by the Rust path (Python redoes the call).
try:
    m.to_roman(5000)
except m.RangeError as error:
    assert str(error) == "number out of range: 5000", error
else:
    raise SystemExit("no RangeError")
assert m.to_roman(1994) == "MCMXCIV"
assert m.ordinalize(-1021) == "-1021st" and m.ordinalize(12) == "12th"
# Unicode case mapping stays Python's (Rust's tables are a newer Unicode).
for s in ["straße", "ǅ", "ΣΑΣ", "İ", "\\u1c89"]:
    assert m.case_ops(s) == python["case_ops"](s), s
assert m.power(2, -1) == 0.5 and type(m.power(2, -1)) is float
assert m.power(3, 70) == 3**70
assert m.rounding(2.5) == 2 and m.rounding(3.5) == 4 and m.rounding(-0.5) == 0
for x in [1e16, 1e-5, 0.0001, 123456789012345680.0, 5e-324, -0.0, 1.5e300, 0.1 + 0.2]:
    assert m.float_text(x) == python["float_text"](x), x
assert m.shift_chars("a", 0xD800 - 97) == "\\ud800"
assert m.strip_split("\\x1c a\\x1fb \\u2028", ",")[:2] == ["a", "b"]
assert m.text_length(b" ab ", 2.5) == 4 and m.text_length(" ab ", 2) == 4
# Calls that take the branch Rust hands to Python get Python's result and exception (CALLS
# shows that the others run in Rust: no reference is registered there).
assert m.checked_length("ab", True) == 3 and m.checked_length("ab") == 2
# functools' cache wraps the Rust function, as it wrapped the Python one.
assert m.cached_triangle.__wrapped__ is rust.cached_triangle, m.cached_triangle
assert m.cached_triangle(10) == m.cached_triangle(10) == 55
assert m.cached_triangle.cache_info().hits == 1
assert m.cached_triangle(2**70) == python["cached_triangle"](2**70)  # beyond i64: Python
# Module tables: the Rust path reads them through Python at each call.
assert m.precision is rust.precision and m.spelled is rust.spelled
assert repr(m.precision(1)) == "5003530" and repr(m.precision(9)) == "3.71", m.precision(1)
assert m.precision(11) == 0.0 and m.spelled("abcde") == "alphabetacdE"
m._PRECISION[1] = "changed"
m._NAMES["c"] = "see"
m._VOWELS.discard("e")
assert m.precision(1) == "changed" and m.spelled("abcde") == "alphabetaseede"
m._NAMES["d"] = 4  # not a str: Python does it (and raises its own TypeError)
for call, expected in ((lambda: m.spelled("d"), TypeError), (lambda: m.precision(5), KeyError)):
    try:
        call()
    except Exception as error:
        assert type(error) is expected, error
    else:
        raise SystemExit("no error")
m._NAMES = {"a": "A"}  # rebound: the new dict is read
assert m.spelled("ab") == "Ab"
try:
    m.checked_length("xyz", True)
except ValueError as error:
    assert str(error) == "invalid", error
else:
    raise SystemExit("no ValueError")
print("ok")
"""


# Typical calls, made on the extension alone (no Python reference registered: a call Rust did
# not take would fail) and on the pure-Python module: the same reprs.
CALLS = [
    "calls_helpers(5)",
    "to_roman(1994)",
    "ordinal(1002)",
    "ordinalize(13)",
    "case_ops(' AbC ')",
    "str_tests('abc')",
    "strip_split(' a b ,c', ',')",
    "join_replace(['a', ' b', ''], 'a', 'x')",
    "finds('abcabc', 'bc')",
    "shift_chars('abc', 1)",
    "power(3, 4)",
    "loops([1, 2, 3], [4, 5])",
    "common_prefix('abcd', 'abxd')",
    "generators([1, 2, 12])",
    "trig(0.5, 1.0)",
    "inverse_trig(0.5)",
    "imported_math(3.0, 4.0)",
    "builtin_pow(1.5, 3)",
    "growth(1.0)",
    "logs(8.0)",
    "classify(1.0)",
    "rounding(2.5)",
    "divmods(-7, 2)",
    "float_text(1e16)",
    "formats(3, 'x', True)",
    "identity(True, 1)",
    "sorted_words(['b', 'a'])",
    "membership(2, [], '')",
    "checked_length('abc')",
    "flags_and_sets('bb', True, False, 1523)",
    "flags_and_sets('\u00e9', True, True, -1)",
    "shuffled('abcdefghijklmnopqrstuvwxyz', 'corpus')",
    "shuffled('ab\U0001f600c', '\U0001f600x')",
    "paired([1, 2, 3], 10)",
    "cached_triangle(1000)",
    "char_list('abcde', 'b')",
    "char_list('', '')",
    "str_list('xyz')",
    "table_rows('bb')",
    "table_rows('CMX')",
]
EVAL = """
import importlib, sys
target = importlib.import_module(sys.argv[1])
for call in CALLS:
    print(repr(eval(call, vars(target))))
"""


def test_every_new_construct_moves_to_rust_and_agrees(
    tmp_path: Path, build_env: dict[str, str]
) -> None:
    project = tmp_path / "constructs"
    (project / "constructs").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "constructs" / "__init__.py").write_text("")
    (project / "constructs" / "mod.py").write_text(MODULE)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    run("git", "init", "-q", cwd=project, env=env)
    run("git", "add", "-A", cwd=project, env=env)
    run("git", "commit", "-qm", "before", cwd=project, env=env)

    # Named, so that the loop-free str ones move too (by default they are not worth moving).
    names = tuple(
        n.name
        for n in ast.parse(MODULE).body
        if isinstance(n, ast.FunctionDef) and n.name != "_valid"
    )
    result = migrate.run(
        migrate.MigrateOptions(
            module=project / "constructs" / "mod.py", ci=False, backend="maturin", functions=names
        )
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
    script = f"CALLS = {CALLS!r}\n{EVAL}"
    by_rust = run(python, "-c", script, "constructs._mod_rs", cwd=tmp_path).stdout
    pure = {**os.environ, "CONSTRUCTS_PURE_PYTHON": "1"}
    by_python = run(python, "-c", script, "constructs.mod", cwd=tmp_path, env=pure).stdout
    assert by_rust == by_python
    assert len(by_rust.splitlines()) == len(CALLS)
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
    assert "skipped" not in out, out
    assert " error" not in out, out
