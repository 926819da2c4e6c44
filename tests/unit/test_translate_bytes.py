"""`bytes` values in translated bodies, and defaults that are module constants (base58).

The fast tests check what is translated into which helper and what is refused. The
differential properties build the extension once (marked slow) and check, per construct, that
the Rust path gives exactly Python's result or exception for Hypothesis-drawn bytes and ints
(empty, long, every byte value, ints beyond 64 bits), and that bytearray/memoryview arguments
take the Python path.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run

from scaffold import migrate, migrate_codegen

MODULE = '''\
"""One function per bytes construct."""

from typing import Final, Union

ALPHABET = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
LIMIT: Final = 3
SEP = b", "


def scrub(v: Union[str, bytes]) -> bytes:
    if isinstance(v, str):
        v = v.encode("ascii")
    return v


def encode_int(i: int, default_one: bool = True, alphabet: bytes = ALPHABET) -> bytes:
    if not i and default_one:
        return alphabet[0:1]
    string = b""
    base = len(alphabet)
    while i > 0:
        i, idx = divmod(i, base)
        string = alphabet[idx:idx + 1] + string
    return string


def encode(v: bytes, alphabet: bytes = ALPHABET) -> bytes:
    origlen = len(v)
    v = v.lstrip(b"\\0")
    acc = int.from_bytes(v, byteorder="big")
    return alphabet[0:1] * (origlen - len(v)) + encode_int(acc, default_one=False)


def items(b: bytes, i: int) -> int:
    return b[i] + len(b)


def slices(b: bytes, i: int, j: int) -> bytes:
    return b[i:j] + b[::2] + b[::-1][:LIMIT]


def repeat(b: bytes, n: int) -> bytes:
    return b * n


def member(b: bytes, n: int, sub: bytes) -> list[bool]:
    return [n in b, sub in b, sub not in b, b == sub, b < sub, b.startswith(sub)]


def total(b: bytes) -> int:
    s = 0
    for x in b:
        s = s * 3 + x
    return s


def build(xs: list[int], n: int) -> bytes:
    return bytes(xs) + bytes(n % 50) + bytes()


def joined(parts: list[bytes]) -> bytes:
    return SEP.join(parts)


def searches(b: bytes, sub: bytes, n: int) -> tuple[int, int, int, int]:
    return b.find(sub), b.count(sub), b.find(n), b.index(sub[:1])


def from_bytes(b: bytes) -> tuple[int, int, int]:
    return (
        int.from_bytes(b, "big"),
        int.from_bytes(b, byteorder="little"),
        int.from_bytes(b, "big", signed=True),
    )


def to_bytes(n: int, length: int) -> bytes:
    return n.to_bytes(length, "big") + n.to_bytes(length, "little", signed=True)


def spin(i: int, base: int) -> int:
    n = 0
    while i:  # never ends for a negative i (base58's b58encode_int does this)
        i, r = divmod(i, base)
        n += r
    return n


def stripped(b: bytes) -> bytes:
    out = b.strip()
    out += b.rstrip(b"a")
    return out
'''

FUNCTIONS = [
    "scrub",
    "encode_int",
    "encode",
    "items",
    "slices",
    "repeat",
    "member",
    "total",
    "build",
    "joined",
    "searches",
    "from_bytes",
    "to_bytes",
    "stripped",
    "spin",
]


def _plans() -> dict[str, migrate_codegen.FunctionPlan]:
    plans, skipped = migrate_codegen.analyse(MODULE, dotted="pkg.mod")
    assert not skipped, skipped
    return {p.name: p for p in plans}


def _plan(source: str) -> migrate_codegen.FunctionPlan:
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    assert not skipped, skipped
    return plans[0]


def test_every_bytes_construct_translates() -> None:
    plans = _plans()
    assert {name: plans[name].reason for name in FUNCTIONS if plans[name].body is None} == {}


@pytest.mark.parametrize(
    ("name", "helpers"),
    [
        ("encode", ["pyops::bytes_strip(", "pyops::int_from_bytes(", "pyops::repeat_bytes("]),
        ("member", ["pyops::byte(", "pyops::bytes_contains("]),
        ("build", ["pyops::bytes_of(", "pyops::bytes_zeros("]),
        ("joined", ["pyops::bytes_join(", 'b", ".to_vec()']),
        ("searches", ["pyops::bytes_find(", "pyops::bytes_count(", "pyops::bytes_index("]),
        ("to_bytes", ["pyops::int_to_bytes("]),
        ("total", ["i64::from("]),
        ("items", [" as i64)"]),
    ],
)
def test_bytes_constructs_use_the_exact_helpers(name: str, helpers: list[str]) -> None:
    body = _plans()[name].body
    assert body is not None
    for helper in helpers:
        assert helper in body


def test_module_constants_are_literal_defaults() -> None:
    plan = _plans()["encode_int"]
    assert [p.default for p in plan.params] == [
        None,
        "True",
        repr(b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"),
    ]
    # A name bound twice may have changed before the `def` ran: still refused.
    reason = "computed default"
    source = """
        A = b"x"
        A = b"y"

        def f(b: bytes = A) -> int:
            return len(b)
    """
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    assert reason in skipped[0].reason if skipped else reason in plans[0].reason
    # A constant of another type is refused as such, not taken.
    source = """
        A: Final = 3

        def f(b: bytes = A) -> int:
            return len(b)
    """
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    assert "is not a bytes" in skipped[0].reason
    # An infinite float constant has no literal to write: refused, not a crash.
    source = """
        BIG = 1e999

        def f(x: float = BIG) -> float:
            return x
    """
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    assert "with no literal" in skipped[0].reason
    source = """
        LIMIT: Final[int] = 3

        def f(x: int = LIMIT) -> int:
            return x
    """
    assert _plan(source).params[0].default == "3"


def test_a_static_isinstance_keeps_only_the_branch_python_takes() -> None:
    plan = _plans()["scrub"]
    assert str(plan.params[0].type) == "bytes"  # the str arm would change v's type
    assert plan.body is not None
    assert "encode" not in plan.body


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("def f(b: bytes) -> bytes:\n    return b.upper()\n", "b.upper()"),
        ("def f(b: bytes, s: str) -> bool:\n    return b == s\n", "compares bytes with str"),
        ("def f(b: bytes) -> int:\n    return int.from_bytes(b, order)\n", "the call"),
        ("def f(b: bytes) -> bytes:\n    return b - b\n", "bytes and bytes"),
    ],
)
def test_bytes_refusals_say_why(source: str, reason: str) -> None:
    plan = _plan(source)
    assert plan.body is None
    assert reason in plan.reason


def test_rust_bytes_literals_escape_every_byte() -> None:
    from scaffold.pytranslate import rust_bytes

    assert rust_bytes(b'a"\\\x00\xff') == 'b"a\\"\\\\\\x00\\xff"'


def test_bytes_edge_values_cover_empty_long_and_every_byte() -> None:
    values = migrate_codegen._edge_values(migrate_codegen.PyType("bytes"))
    assert b"" in values
    assert any(set(v) == set(range(256)) for v in values if isinstance(v, bytes))
    assert max(len(v) for v in values if isinstance(v, bytes)) > 256


# -- differential properties: built once, run in the project's venv ---------------------------

PROPERTIES = """
import pytest
from hypothesis import given, settings, strategies as st

from constructs import mod

REF = mod._PYTHON_REFERENCE
BIG = st.integers(min_value=-(2**70), max_value=2**70)
SMALL = st.integers(min_value=-3, max_value=70)
DATA = st.binary(max_size=40) | st.binary(min_size=200, max_size=300)


def outcome(function, args):
    try:
        result = function(*args)
    except Exception as error:
        return ("raised", type(error), str(error))
    return ("ok", type(result), result)


def same(name, *args):
    assert mod.__dict__[name] is not REF[name], name + " is not in Rust"
    assert outcome(mod.__dict__[name], args) == outcome(REF[name], args), (name, args)


@given(st.one_of(st.text(max_size=5), DATA))
def test_scrub(v):
    same("scrub", v)


@given(st.integers(min_value=-5, max_value=2**70), st.booleans())
def test_encode_int(i, one):
    same("encode_int", i, one)


@given(DATA.map(lambda b: b"\\0" * (b[:1] == b"a") + b[:12]))
def test_encode(v):
    same("encode", v)


@given(DATA, BIG)
def test_items(b, i):
    same("items", b, i)


@given(DATA, SMALL, SMALL)
def test_slices(b, i, j):
    same("slices", b, i, j)


@given(DATA, st.integers(min_value=-3, max_value=20) | st.integers(2**63, 2**70))
def test_repeat(b, n):
    same("repeat", b[:20], n)


def test_repeat_too_large_for_rust_is_pythons_memory_error():
    same("repeat", b"ab", 2**40)


@given(DATA, st.integers(min_value=-2, max_value=260), st.binary(max_size=3))
def test_member(b, n, sub):
    same("member", b, n, sub)


@given(DATA)
def test_total(b):
    same("total", b)


@given(st.lists(st.integers(min_value=-2, max_value=258), max_size=20), BIG)
def test_build(xs, n):
    same("build", xs, n)


@given(st.lists(DATA, max_size=5))
def test_joined(parts):
    same("joined", parts)


@given(DATA, st.binary(max_size=3), st.integers(min_value=-2, max_value=260))
def test_searches(b, sub, n):
    same("searches", b, sub, n)


@given(DATA)
def test_from_bytes(b):
    same("from_bytes", b)


@given(BIG, st.integers(min_value=-1, max_value=12))
def test_to_bytes(n, length):
    same("to_bytes", n, length)


@given(st.binary(max_size=20).map(lambda b: b" \\t" + b + b"\\x0b a"))
def test_stripped(b):
    same("stripped", b)


class Alarm(Exception):
    pass


def test_a_loop_that_never_ends_stays_interruptible():
    import signal

    def stop(signum, frame):
        raise Alarm

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(Alarm):
            mod.spin(-1, 3)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert mod.spin(10**6, 7) == REF["spin"](10**6, 7)


def test_bytes_like_arguments_take_the_python_path():
    for arg in (bytearray(b"abc"), memoryview(b"abc")):
        for name, args in (("total", (arg,)), ("slices", (arg, 0, 2)), ("encode", (arg,))):
            assert outcome(mod.__dict__[name], args) == outcome(REF[name], args)
"""

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "constructs"
version = "0.1.0"
requires-python = ">=3.11"
"""


@pytest.mark.slow
def test_bytes_constructs_agree_with_python(tmp_path: Path, build_env: dict[str, str]) -> None:
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
    # Named, so that the loop-free ones move too (by default they are not worth moving).
    names = tuple(_plans())
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
    develop = {**build_env, "VIRTUAL_ENV": str(venv)}
    run("maturin", "develop", "--uv", "--quiet", cwd=project, env=develop)
    (project / "tests" / "test_bytes_properties.py").write_text(PROPERTIES)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    out = run(
        python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=project, env=clean
    ).stdout
    assert re.search(r"\d+ passed", out), out
    assert "failed" not in out, out
    assert "skipped" not in out, out
