"""The annotation -> Rust type mapping and the body translator of `migrate` (fast, no builds).

What the translated code computes is checked against Python by the e2e differential tests;
here: which constructs are translated, into which helpers, and which are refused and why.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from scaffold import migrate_codegen, pytranslate
from scaffold.migrate_types import PyType, Unsupported, parse_annotation


def _type(annotation: str, position: str = "parameter") -> PyType:
    return parse_annotation(ast.parse(annotation, mode="eval").body, position=position)


@pytest.mark.parametrize(
    ("annotation", "rust"),
    [
        ("int", "i64"),
        ("float", "f64"),
        ("bool", "bool"),
        ("str", "String"),
        ("bytes", "Vec<u8>"),
        ("None", "()"),
        ("list[int]", "Vec<i64>"),
        ("List[float]", "Vec<f64>"),
        ("typing.List[str]", "Vec<String>"),
        ("Sequence[int]", "Vec<i64>"),
        ("tuple[int, str]", "(i64, String)"),
        ("tuple[int]", "(i64,)"),
        ("tuple[float, ...]", "Vec<f64>"),
        ("dict[str, list[int]]", "IndexMap<String, Vec<i64>>"),
        ("set[tuple[int, int]]", "HashSet<(i64, i64)>"),
        ("Optional[int]", "Option<i64>"),
        ("int | None", "Option<i64>"),
        ("None | str", "Option<String>"),
        ("Union[float, None]", "Option<f64>"),
        ("'list[int]'", "Vec<i64>"),
        ("list[dict[int, tuple[str, float | None]]]", "Vec<IndexMap<i64, (String, Option<f64>)>>"),
    ],
)
def test_annotation_to_rust(annotation: str, rust: str) -> None:
    assert _type(annotation).rust() == rust


@pytest.mark.parametrize(
    ("annotation", "reason"),
    [
        ("object", "no exact Rust equivalent"),
        ("Any", "no exact Rust equivalent"),
        ("MyClass", "no exact Rust equivalent"),
        ("list", "needs its item types"),
        ("int | str", "not Optional"),
        ("Union[int, str, None]", "not Optional"),
        ("dict[float, int]", "not hashable"),
        ("set[list[int]]", "not hashable"),
        ("Callable[[int], int]", "no exact Rust equivalent"),
        ("Optional[Optional[int]]", "no distinct Rust equivalent"),
    ],
)
def test_unsupported_annotations_say_why(annotation: str, reason: str) -> None:
    with pytest.raises(Unsupported, match=reason):
        _type(annotation)


def test_missing_annotation_and_tuple_returns() -> None:
    with pytest.raises(Unsupported, match="no type annotation"):
        parse_annotation(None)
    # A Vec comes back as a list: a tuple[T, ...] result would change type.
    with pytest.raises(Unsupported, match="as a list"):
        _type("tuple[int, ...]", position="return")
    assert _type("tuple[int, ...]").rust() == "Vec<i64>"


def test_strategies_follow_the_annotation() -> None:
    assert _type("list[int | None]").strategy() == (
        "st.lists(st.none() | st.integers(min_value=-1000, max_value=1000), max_size=30)"
    )
    assert (
        _type("tuple[str, ...]").strategy()
        == "st.lists(st.text(max_size=40), max_size=30).map(tuple)"
    )
    assert "st.dictionaries(" in _type("dict[str, float]").strategy()


def _translate(source: str, name: str | None = None) -> migrate_codegen.FunctionPlan:
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    assert not skipped, skipped
    return next(p for p in plans if name is None or p.name == name)


def _body(source: str) -> str:
    plan = _translate(source)
    assert plan.body is not None, plan.reason
    return plan.body


def _reason(source: str) -> str:
    plan = _translate(source)
    assert plan.body is None, plan.body
    return plan.reason


def test_int_arithmetic_is_checked_and_floors() -> None:
    body = _body(
        """
        def f(a: int, b: int) -> int:
            return a // b + a % b - a * b ** 2 + (a << 3) - -a
        """
    )
    for helper in ("floordiv", "modulo", "mul", "pow", "lshift", "neg", "add", "sub"):
        assert f"pyops::{helper}(" in body
    # Never Rust's own truncating / or %, or unchecked + - *.
    assert " / " not in body
    assert " % " not in body


def test_float_arithmetic_and_exact_int_conversion() -> None:
    body = _body(
        """
        import math

        def f(x: float, n: int) -> float:
            return math.sqrt(x * x + n) / 2
        """
    )
    assert "(n as f64)" in body
    assert "pyops::sqrt(" in body
    assert "pyops::fdiv(" in body


def test_strings_are_code_points_with_negative_indexes() -> None:
    body = _body(
        """
        def f(s: str, i: int) -> str:
            return s[-1] + s[i:]
        """
    )
    assert "pyops::chars(&s)" in body  # a Vec<char>: indexing counts code points
    assert "pyops::index(s.len(), tmp" in body
    assert "pyops::slice(" in body
    assert "pyops::string(" in body  # back to a String for Python


def test_range_forms() -> None:
    body = _body(
        """
        def f(n: int, k: int) -> int:
            total = 0
            for i in range(n):
                total += i
            for i in range(1, n):
                total += i
            for i in range(n, 0, -2):
                total += i
            for i in range(0, n, k):
                total += i
            return total
        """
    )
    assert "for tmp1_ in 0..n {" in body
    assert "(1_i64)..(n)" in body
    assert "pyops::range(n, 0_i64, -2_i64)?" in body
    assert "pyops::range(0_i64, n, k)?" in body


def test_loop_variable_keeps_its_last_value() -> None:
    body = _body(
        """
        def f(n: int) -> int:
            i = -1
            for i in range(n):
                pass
            return i
        """
    )
    # Declared once at the top, assigned in the loop: readable after it, as in Python.
    assert "let mut i: i64 = 0;" in body
    assert "i = tmp1_;" in body


def test_dp_table_and_nested_indexing() -> None:
    body = _body(
        """
        def f(n: int) -> int:
            dp = [[0] * (n + 1) for _ in range(n + 1)]
            dp[1][1] = 5
            dp[0][0] += dp[1][1]
            return dp[-1][-1]
        """
    )
    assert "pyops::repeat(0_i64" in body
    assert "let mut underscore_: i64" in body
    assert '"list assignment"' in body


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("def f(xs: list[int]) -> None:\n    xs.append(1)", "mutates its list argument"),
        ("def f(xs: list[int]) -> None:\n    xs[0] = 1", "mutates its list argument"),
        ("def f(xs: list[int]) -> list[int]:\n    ys = xs\n    return ys", "aliasing"),
        ("def f(n: int) -> int:\n    return f(n - 1)", "recursion"),
        ("def f(x: float) -> float:\n    return x % 2.0", "on floats"),
        ("def f(x: float) -> float:\n    return x // 2.0", "on floats"),
        ("def f(a: int, b: int) -> int:\n    return a ** b", "literal non-negative"),
        ("def f(x: float) -> int:\n    return x < 2**60", "compares an int with a float"),
        ("def f(n: int) -> float:\n    return n", "returns int where float"),
        (
            "def f(n: int) -> int:\n    x = 0\n    x = 0.5\n    return n",
            "a Rust variable has one type",
        ),
        ("def f(xs: list[float]) -> float:\n    return sum(xs)", "float sums"),
        (
            "def f(n: int) -> int:\n    try:\n        return n\n    except E:\n        return 0",
            "Try",
        ),
        ("def f(s: str) -> str:\n    return s.upper()", "the call"),
        ("def f(n: int) -> int:\n    return 1000000000000000000000 + n", "does not fit in i64"),
        (
            "def f(xs: list[int]) -> int:\n    for x in xs:\n        xs = []\n    return 0",
            "while iterating",
        ),
        ("def f(d: dict[str, int]) -> int:\n    return 0", "outside the translatable subset"),
        ("def f(n: int) -> int:\n    a = b = n\n    return a", "chained"),
    ],
)
def test_refusals_give_a_reason(source: str, reason: str) -> None:
    assert reason in _reason(source)


def test_refused_bodies_still_get_typed_signatures() -> None:
    plan = _translate(
        "def f(xs: dict[str, list[int]], k: str = 'a') -> set[int]:\n    return set()"
    )
    text = migrate_codegen.lib_rs(
        migrate_codegen.ModulePlan(
            dotted="pkg.mod",
            package="pkg",
            module="mod",
            extension="_mod_rs",
            env_var="PKG_PURE_PYTHON",
            functions=(plan,),
        ),
        gil_used=False,
    )
    assert "pub fn f(xs: IndexMap<String, Vec<i64>>, k: String) -> PyResult<HashSet<i64>>" in text
    assert "TODO(pyo3-scaffold)" in text
    assert "pub const IMPLEMENTED: &[&str] = &[];" in text
    assert '#[pyo3(signature = (xs, k = String::from("a")))]' in text
    assert "py.detach(" in text
    assert "gil_used = false" in text


def test_unsupported_signatures_are_reported_by_name() -> None:
    source = textwrap.dedent(
        """
        def ok(n: int) -> int:
            return n

        def untyped(n):
            return n

        def star(*args: int) -> int:
            return 0

        def computed(n: int = len("abc")) -> int:
            return n

        def _private(n: int) -> int:
            return n
        """
    )
    plans, skipped = migrate_codegen.analyse(source, dotted="pkg.mod")
    assert [p.name for p in plans] == ["ok"]
    reasons = {s.name: s.reason for s in skipped}
    assert set(reasons) == {"untyped", "star", "computed"}
    assert "no type annotation" in reasons["untyped"]
    assert "*args" in reasons["star"]
    assert "computed default" in reasons["computed"]
    # A private function is migrated when asked for by name.
    plans, _ = migrate_codegen.analyse(source, dotted="pkg.mod", selected=("_private",))
    assert [p.name for p in plans] == ["_private"]


def test_module_constants_are_inlined_unless_rebound() -> None:
    body = _body("LIMIT = 7\n\ndef f(n: int) -> int:\n    return n % LIMIT\n")
    assert "pyops::modulo(n, 7_i64)" in body
    plan = _translate(
        "LIMIT = 7\n\ndef g() -> None:\n    global LIMIT\n    LIMIT = 8\n\n"
        "def f(n: int) -> int:\n    return n % LIMIT\n",
        "f",
    )
    assert plan.body is None
    assert "'LIMIT'" in plan.reason


def test_rust_keywords_become_raw_identifiers() -> None:
    assert pytranslate.rust_ident("type") == "r#type"
    assert pytranslate.rust_ident("self") == "self_"
    assert pytranslate.rust_ident("value") == "value"
    body = _body("def f(type: int, match: int) -> int:\n    return type + match\n")
    assert "pyops::add(r#type, r#match)" in body
