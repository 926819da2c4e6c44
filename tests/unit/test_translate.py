"""The annotation -> Rust type mapping and the body translator of `migrate` (fast, no builds).

What the translated code computes is checked against Python by the e2e differential tests;
here: which constructs are translated, into which helpers, and which are refused and why.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import module_plan

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
    # ints() and texts() are helpers of the generated test module (big ints, bools,
    # surrogates): see test_generated_helpers_draw_beyond_the_annotation.
    assert _type("list[int | None]").strategy() == "st.lists(st.none() | ints(), max_size=30)"
    assert _type("tuple[str, ...]").strategy() == "st.lists(texts(), max_size=30).map(tuple)"
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
    assert "let mut s: Vec<char> = s;" in body  # a Vec<char>: indexing counts code points
    assert "pyops::index(s.len(), tmp" in body
    assert "pyops::slice(" in body
    # The wrapper reads the str object into a Vec<char> and converts the result back once;
    # a translated caller passes its Vec<char> as it is.
    text = migrate_codegen.lib_rs(
        _plan_of("def f(s: str) -> str:\n    return s[-1]\n"), gil_used=True
    )
    assert "pub fn f(s: Vec<char>) -> PyResult<Vec<char>>" in text
    assert "pyops::exact_chars(s)?" in text
    assert "Ok(value) => return pyops::string(&value).into_py_any(py)," in text
    # A skeleton keeps the types PyO3 converts, for the code written in it by hand.
    skeleton = _plan_of("def g(s: str) -> str:\n    return s.casefold()\n")
    text = migrate_codegen.lib_rs(skeleton, gil_used=True)
    assert "pub fn g(s: String) -> PyResult<String>" in text
    assert "pyops::exact_str(s)?" in text


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
        ("def f(x: float) -> float:\n    return x << 2.0", "on floats"),
        ("def f(x: float) -> int:\n    return x < 2**60", "compares an int with a float"),
        ("def f(n: int) -> float:\n    return n", "returns int where float"),
        (
            (
                "def f(n: int) -> int:\n    x = 0\n    for i in range(n):\n"
                "        x = 0.5\n    return n"
            ),
            "int and later float in a loop; a Rust variable has one type",
        ),
        (
            "def f(n: int) -> int:\n    x = 0\n    if n:\n        x = 0.5\n    return n",
            "'x' is float on one path and int on another; a Rust variable has one type",
        ),
        ("def f(xs: list[float]) -> float:\n    return sum(xs)", "float sums"),
        (
            "def f(n: int) -> int:\n    try:\n        return n\n    except E:\n        return 0",
            "Try",
        ),
        ("def f(s: str) -> str:\n    return s.swapcase()", "the call s.swapcase()"),
        ("import math\ndef f(x: float) -> float:\n    return math.hypot(x, x)", "own algorithm"),
        ("def f(xs: list[float]) -> float:\n    return sum(x for x in xs)", "float sums"),
        ("def f(n: int) -> str:\n    return '{:>3}'.format(n)", "a spec or conversion"),
        (
            "def f(xs: list[int]) -> int:\n for i, x in reversed(enumerate(xs)):\n  return x",
            "not reversible",
        ),
        ("def f(s: str) -> str:\n    return f'{s!r}'", "!r"),
        ("def f(x: float) -> bool:\n    return x in [1.0, 2.0]", "differs for NaN"),
        ("max = min\ndef f(n: int) -> int:\n    return max(n, 1)", "the module's own"),
        (
            "def f(n: int) -> int:\n    return g(n)\ndef g(n: int) -> int:\n    return f(n)",
            "recursion through f -> g -> f",
        ),
        (
            "def f(n: int) -> int:\n    return _g(n)\ndef _g(n):\n    return n",
            "which stays in Python",
        ),
        ("def f(n: int) -> int:\n    return 1000000000000000000000 + n", "does not fit in i64"),
        (
            "def f(xs: list[int]) -> int:\n    for x in xs:\n        xs = []\n    return 0",
            "while iterating",
        ),
        ("def f(d: dict[str, int]) -> int:\n    return 0", "outside the translatable subset"),
        ("def f(n: int) -> int:\n    a = b = [n]\n    return a[0]", "chained assignment of a list"),
    ],
)
def test_refusals_give_a_reason(source: str, reason: str) -> None:
    assert reason in _reason(source)


def test_refused_bodies_still_get_typed_signatures() -> None:
    plan = _translate(
        "def f(xs: dict[str, list[int]], k: str = 'a') -> set[int]:\n    return set()"
    )
    text = migrate_codegen.lib_rs(
        module_plan([plan]),
        gil_used=False,
    )
    assert "pub fn f(xs: IndexMap<String, Vec<i64>>, k: String) -> PyResult<HashSet<i64>>" in text
    assert "TODO(pyo3-scaffold)" in text
    assert "pub const IMPLEMENTED: &[&str] = &[];" in text
    assert 'None => String::from("a")' in text  # the default, when k is not given
    assert "IndexMap<_, _>" in text  # the dict extracted exactly, in order
    assert "py.detach(" in text
    # ... only for long arguments: releasing the GIL costs more than a short call's work.
    assert "let size = a0.len() + a1.len();" in text
    assert "let long = size >= pyops::DETACH_MIN;" in text
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


# -- counterexamples from review: each must be refused or translate with Python's semantics --


def test_abs_of_a_negative_float_applies_to_the_negative_number() -> None:
    body = _body("NEG = -2.5\n\ndef f(x: float) -> float:\n    return abs(NEG) + abs(-0.0) + x\n")
    # `-2.5f64.abs()` is `-(2.5.abs())` in Rust: the operand must be parenthesised.
    assert "((-2.5f64)).abs()" in body
    assert "((-0.0f64)).abs()" in body
    body = _body("import math\n\ndef f(x: float) -> float:\n    return math.fabs(-x)\n")
    assert "((-x)).abs()" in body


@pytest.mark.parametrize(
    "module",
    [
        "LIMIT = 10\nLIMIT += 5\n",
        "LIMIT = 10\nif True:\n    LIMIT = 15\n",
        "LIMIT = 10\ntry:\n    LIMIT = 15\nexcept E:\n    pass\n",
        "LIMIT = 10\nfor LIMIT in range(3):\n    pass\n",
        "LIMIT = 10\nwith a as LIMIT:\n    pass\n",
        "LIMIT = 10\nfrom x import LIMIT\n",
        "LIMIT = 10\ndef LIMIT() -> None:\n    pass\n",
        "LIMIT = 10\nfrom x import *\n",
        "LIMIT = 10\n(LIMIT := 3)\n",
    ],
)
def test_a_module_name_bound_twice_is_not_inlined(module: str) -> None:
    plans, _ = migrate_codegen.analyse(
        module + "\ndef f(n: int) -> int:\n    return n + LIMIT\n",
        dotted="pkg.mod",
        selected=("f",),
    )
    assert plans[0].body is None
    assert "'LIMIT'" in plans[0].reason


def test_math_rebound_or_star_import_is_not_math() -> None:
    for module in ("import math\nmath = 3\n", "import math\nfrom x import *\n"):
        plans, _ = migrate_codegen.analyse(
            module + "\ndef f(x: float) -> float:\n    return math.sqrt(x)\n",
            dotted="pkg.mod",
            selected=("f",),
        )
        assert plans[0].body is None


def test_names_imported_from_math_are_its_functions_and_constants() -> None:
    # astral, haversine: `from math import radians, cos, sqrt` and bare calls.
    source = (
        "from math import sqrt, pi, radians as rad\n\n"
        "def f(x: float, y: float) -> float:\n"
        "    return sqrt(x * x + y * y) + rad(x) * pi\n"
    )
    body = _body(source)
    assert body == _body(
        "import math\n\ndef f(x: float, y: float) -> float:\n"
        "    return math.sqrt(x * x + y * y) + math.radians(x) * math.pi\n"
    )
    # The module's own name, not math's, once the module binds it again (or may, with *);
    # a math function migrate does not know stays refused with math's reason.
    for module in (
        "from math import sqrt\nsqrt = abs\n",
        "from math import sqrt\nfrom x import *\n",
        "from math import sqrt\ndef sqrt(x: float) -> float:\n    return x\n",
    ):
        plans, _ = migrate_codegen.analyse(
            module + "\ndef f(x: float) -> float:\n    return sqrt(x)\n",
            dotted="pkg.mod",
            selected=("f",),
        )
        assert plans[0].body is None, plans[0].body
        assert plans[0].reason.startswith("the call sqrt(x)"), plans[0].reason
    assert "hypot" in _reason(
        "from math import hypot\ndef f(x: float) -> float:\n    return hypot(x, x)"
    )
    # A local of the same name is the local (here refused: it would hide math's).
    assert "sqrt" in _reason(
        "from math import sqrt\ndef f(x: float) -> float:\n    sqrt = x\n    return sqrt\n"
    )


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        # Shallow copies of nested lists share the inner lists in Python; Rust copies them.
        ("g = [[0]]\n    c = list(g)\n    c[0][0] = 7\n    return g[0][0]", "shallow copy"),
        ("g = [[0]]\n    c = g[:]\n    c[0][0] = 7\n    return g[0][0]", "shallow copy"),
        ("a = [[0]]\n    b = [[1]]\n    c = a + b\n    b[0][0] = 5\n    return c[1][0]", "shares"),
        ("a = [[0]]\n    b = [[1]]\n    a += b\n    b[0][0] = 5\n    return a[1][0]", "shares"),
        ("p = ([1], 2)\n    a, b = p\n    a.append(n)\n    return len(p[0])", "aliasing"),
        # The loop changes what it iterates, through a subscript.
        (
            (
                "g = [[1, 2, 3]]\n    t = 0\n    for x in g[0]:\n        g[0][2] = 100\n"
                "        t += x\n    return t"
            ),
            "while iterating",
        ),
        # The element of a comprehension changes the list it iterates.
        ("xs = [1, 2, 3, 4]\n    return len([xs.pop() for _ in xs])", "while iterating"),
    ],
)
def test_sharing_and_live_iteration_are_refused(source: str, reason: str) -> None:
    assert reason in _reason(f"def f(n: int) -> int:\n    {source}\n")


def test_the_aliasing_message_does_not_recommend_a_shallow_copy_of_nested_lists() -> None:
    reason = _reason("def f(n: int) -> int:\n    g = [[0]]\n    h = g[0]\n    return h[0]\n")
    assert "list of numbers or strings" in reason


def test_chained_comparison_evaluates_the_middle_once_and_short_circuits() -> None:
    body = _body(
        "def f(n: int) -> int:\n    xs = [1, 5, 9]\n    if 0 < xs.pop() < 100:\n"
        "        return len(xs)\n    return -1\n"
    )
    assert body.count("pyops::pop(") == 1
    # The middle operand is bound once; the last comparison sits behind `&&`.
    assert "let tmp1_ = pyops::pop(&mut xs)?; (0_i64 < tmp1_) && (tmp1_ < 100_i64)" in body


def test_container_equality_with_floats_is_refused() -> None:
    assert "NaN" in _reason("def f(x: float) -> bool:\n    return [x] == [x]\n")
    assert "NaN" in _reason("def f(x: float) -> bool:\n    return (x, 1) != (x, 1)\n")
    # Plain floats compare the same way in both languages.
    assert "(x == x)" in _body("def f(x: float) -> bool:\n    return x == x\n")


def _plan_of(source: str) -> migrate_codegen.ModulePlan:
    plans, _ = migrate_codegen.analyse(source, dotted="pkg.mod")
    return module_plan(plans)


def test_the_extension_takes_exact_arguments_only() -> None:
    plan = _plan_of(
        "def f(x: float, n: int, /, xs: list[float], *, s: str = 'a\"b') -> float:\n    return x\n"
    )
    text = migrate_codegen.lib_rs(plan, gil_used=True)
    # PyO3 parses the function's own parameters (vectorcall: no tuple or dict per call); a
    # parameter with a default is an Arg, so that an explicit None is not taken as left out.
    assert "signature = (x, n, /, xs, *, s = pyops::Arg::Missing)" in text
    assert "x: &Bound<'py, PyAny>," in text
    assert "s: pyops::Arg<'py>," in text
    # Exact types are decided in Rust; everything else goes to Python.
    assert "pyops::exact_float(x)?" in text
    assert "pyops::exact_int(n)?" in text
    assert "pyops::exact_list(xs, |x| pyops::exact_float(x))?" in text
    default = 'None => pyops::chars("a\\"b")'
    assert f"match s.given() {{ Some(v) => pyops::exact_chars(v)?, {default} }}" in text
    # The call rebuilt for Python: keyword-only by keyword, a left-out default left out.
    assert (
        'pyops::fallback_with(py, "f", &[("x", false, Some(x)), ("n", false, Some(n)), '
        '("xs", false, Some(xs)), ("s", true, s.given())])'
    ) in text
    assert "error.is_instance_of::<PyOverflowError>(py)" in text  # beyond i64: Python
    assert 'text_signature = "(x, n, /, xs, *, s=\'a\\"b\')"' in text
    ops = migrate_codegen.pyops_rs()
    assert "v.is_exact_instance_of::<PyFloat>()" in ops  # an int is not taken as a float
    assert "v.is_exact_instance_of::<PyInt>()" in ops  # nor a bool as an int


def test_a_parameter_named_like_a_wrapper_local_takes_args_and_kwargs() -> None:
    """PyO3 names a parameter after its Rust identifier: `py` (the wrapper's own), `self`
    (`self_` in Rust) cannot be spelled, so those functions bind (*args, **kwargs)."""
    for params in ("py: int", "self: int", "n: int, exact: int = 2"):
        plan = _plan_of(f"def f({params}) -> int:\n    return 1\n")
        text = migrate_codegen.lib_rs(plan, gil_used=True)
        assert "signature = (*args, **kwargs)" in text, params
        assert "pyops::bind(args, kwargs, [" in text
        assert 'pyops::fallback(py, "f", args, kwargs)' in text


def test_dispatch_block_binds_its_builtins(tmp_path: Path) -> None:
    """The module may define its own `all`, `getattr`, `globals`: the block is not fooled."""
    plan = _plan_of("def f(n: int) -> int:\n    return n\n")
    package = tmp_path / "shadow"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = (
        "def all(*args):\n    raise AssertionError('the module own all')\n\n"
        "getattr = globals = isinstance = len = all\n\n"
        "def f(n: int) -> int:\n    return n\n" + migrate_codegen.dispatch_block(plan)
    )
    (package / "mod.py").write_text(module)
    (package / "_mod_rs.py").write_text(
        "__implemented__ = ('f',)\nREF = {}\n\n"
        "def __pyo3_scaffold_reference__(functions, namespace):\n    REF.update(functions)\n\n"
        "def f(n):\n    return ('rust', n)\n"
    )
    probe = (
        "import shadow.mod as m, shadow._mod_rs as r; "
        "print(m.f(3), r.REF['f'].__module__, sorted(m._PYTHON_REFERENCE))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["('rust',", "3)", "shadow.mod", "['f']"]


def test_names_that_collide_in_rust() -> None:
    source = (
        "def dist(px: float, py: float) -> float:\n    return px * px + py * py\n\n"
        "def init(n: int) -> int:\n    tmp = n\n    tmp += 1\n    return tmp\n\n"
        "def IMPLEMENTED(n: int) -> int:\n    return n\n\n"
        "def s(tmp1_: str) -> str:\n    t = 'a'\n    t += tmp1_\n    return t + tmp1_\n"
    )
    plans, skipped = migrate_codegen.analyse(source, dotted="pkg.mod")
    assert [s.name for s in skipped] == ["IMPLEMENTED"]
    text = migrate_codegen.lib_rs(
        module_plan(plans),
        gil_used=True,
    )
    assert "pub fn dist(px: f64, py: f64)" in text
    assert "fn dist<'py>(" in text
    assert "super::dist(a0, a1)" in text
    assert "detach(" not in text.split("fn dist<'py>(")[1].split("fn init")[0]  # scalars only
    assert "fn init(" in text
    assert f"fn {migrate_codegen.INIT_FN}(module" in text
    # Temporaries never reuse a name of the function.
    s = next(p for p in plans if p.name == "s")
    assert s.body is not None
    assert "let tmp1_ =" not in s.body
    assert "let tmp =" not in text


def test_pyops_truediv_has_no_overflowing_abs() -> None:
    ops = migrate_codegen.pyops_rs()
    assert "a.abs()" not in ops
    assert "unsigned_abs()" in ops


def test_type_aliases_newtypes_and_literals_resolve() -> None:
    source = textwrap.dedent(
        """
        from typing import Literal, NewType, TypeAlias

        Number = int
        Scores: TypeAlias = "list[Number]"
        UserId = NewType("UserId", int)
        Precision = Literal[1, 2, 3]
        Rebound = int
        Rebound = str

        def f(n: Number, xs: Scores, u: UserId, p: Precision = 2) -> Number:
            return n

        def g(x: Rebound) -> int:
            return 1

        def h(x: Literal[1, "a"]) -> int:
            return 1
        """
    )
    plans, skipped = migrate_codegen.analyse(source, dotted="pkg.mod")
    (f,) = plans
    assert [str(p.type) for p in f.params] == ["int", "list[int]", "int", "int"]
    assert f.body is not None
    reasons = {s.name: s.reason for s in skipped}
    assert "Rebound" in reasons["g"]  # bound twice: not an alias one can rely on
    assert "not a Literal of ints or of strs" in reasons["h"]


def test_keyword_only_and_positional_only_parameters() -> None:
    plan = _plan_of("def f(a: int, /, b: int = 2, *, c: int, d: int = 4) -> int:\n    return a\n")
    (f,) = plan.functions
    assert [p.kind for p in f.params] == [
        "positional_only",
        "positional",
        "keyword_only",
        "keyword_only",
    ]
    text = migrate_codegen.lib_rs(plan, gil_used=True)
    # PyO3 parses them as Python would: a only by position, c and d only by keyword.
    assert "signature = (a, /, b = pyops::Arg::Missing, *, c, d = pyops::Arg::Missing)" in text
    assert 'text_signature = "(a, /, b=2, *, c, d=4)"' in text
    assert "def f(a: int, /, b: int = 2, *, c: int, d: int = 4) -> int:" in (
        migrate_codegen.stub(plan)
    )
    tests = migrate_codegen.differential_tests(plan)
    assert 'check("f", a, b, c=c, d=d)' in tests
    assert 'check("f", *args[:2], **dict(zip(["c", "d"], args[2:], strict=True)))' in tests
    ast.parse(tests)
    ast.parse(migrate_codegen.benchmark(plan))
    ops = migrate_codegen.pyops_rs()
    assert "bound[i].is_some() || i < positional_only" in ops  # a by keyword: Python raises


# -- calls between module functions, the registry of builtins/methods, exceptions -------------
# What these compute is checked against Python, built for real, by
# tests/e2e/test_translate_differential_e2e.py (Hypothesis, one function per construct).


def test_calls_to_module_functions_translate_the_callee_too() -> None:
    source = textwrap.dedent(
        """
        def _scaled(n: int, k: int = 3, *, offset: int = 1) -> int:
            return n * k + offset

        def _twice(n: int) -> int:
            return _scaled(n, 2)

        def f(n: int) -> int:
            return _twice(n) + _scaled(k=5, n=n)
        """
    )
    plans, skipped = migrate_codegen.analyse(source, dotted="pkg.mod")
    assert not skipped
    (plan,) = plans  # the private helpers are not exported...
    assert plan.body is not None, plan.reason
    # ...but translated, transitively, and called as Rust functions with Python's binding.
    assert [h.name for h in plan.helpers] == ["_scaled", "_twice"]
    assert "_scaled(tmp" in plan.body
    text = migrate_codegen.lib_rs(
        module_plan([plan]),
        gil_used=False,
    )
    assert text.count("pub fn _scaled(") == 1
    assert text.count("pub fn _twice(") == 1
    assert '"_scaled"' not in text  # not in IMPLEMENTED: Python keeps its own for its callers
    # The default of a parameter the call leaves out is the callee's literal.
    assert "1_i64)?" in plan.body


def test_a_callee_that_stays_in_python_keeps_its_caller_there() -> None:
    reason = _reason(
        "def f(s: str) -> str:\n    return _g(s)\n\n"
        "def _g(s: str) -> str:\n    return s.swapcase()\n"
    )
    assert "it calls _g, which stays in Python (the call s.swapcase()" in reason
    # A name bound twice at module level may not be that function at call time.
    reason = _reason(
        "def f(n: int) -> int:\n    return g(n)\n\ndef g(n: int) -> int:\n    return n\n\ng = abs\n"
    )
    assert "'g' is the module's own" in reason


@pytest.mark.parametrize(
    ("expression", "helper"),
    [
        ("s.upper()", "pyops::ascii_upper("),
        ("s.lower()", "pyops::ascii_lower("),
        ("s.strip()", "pyops::strip(&s, None, true, true)"),
        ("s.rstrip('x')", "pyops::strip(&s, Some("),
        ("'-'.join(s.split())", "pyops::split_whitespace("),
        ("'-'.join(s.split(','))", "pyops::split(&s, (&[','] as &[char]))"),
        ("s.replace('a', 'b')", "pyops::replace("),
        ("str(s.find('a')) + str(s.count(''))", "pyops::count("),
        ("str(s.index('a'))", "pyops::str_index("),
        ("str(s.startswith(('a', 'b')))", ".starts_with("),
        ("str('ab' in s)", "pyops::contains("),
        ("f'<{s}:{len(s)}:{1.5}>'", "pyops::float_repr("),
        ("'{}{}'.format(s, len(s))", "pyops::int_str("),
        ("str(s.isdigit())", "pyops::ascii_test("),
        ("str(s.isspace())", "pyops::isspace("),
        ("chr(ord(s[0]) + 1)", "pyops::chr("),
    ],
)
def test_str_methods_come_from_the_registry(expression: str, helper: str) -> None:
    body = _body(f"def f(s: str) -> str:\n    return {expression}\n")
    assert helper in body


def test_registry_entries_say_how_they_stay_exact() -> None:
    from scaffold import pyspecialize

    entries = [*pyspecialize.BUILTINS.values(), *pyspecialize.MATH.values()]
    entries += pyspecialize.METHODS.values()
    assert len(entries) > 50
    assert all(e.note for e in entries)
    assert {"sin", "atan2", "radians", "log", "exp"} <= set(pyspecialize.MATH)
    assert "hypot" not in pyspecialize.MATH  # CPython's own algorithm: refused, see above


def test_raising_the_module_exception_redoes_the_call_in_python() -> None:
    body = _body(
        """
        class RangeError(ValueError):
            pass

        def f(n: int) -> int:
            if n < 0:
                raise RangeError(f"negative: {n}")
            if n > 9:
                raise ValueError("too big")
            return n
        """
    )
    # Python raises its own class with its own message; a literal builtin one stays in Rust.
    assert 'return Err(pyops::redo("raise"));' in body
    assert 'PyValueError::new_err("too big")' in body


def test_loops_over_enumerate_zip_reversed_and_tables() -> None:
    body = _body(
        """
        TABLE = (("M", 1000), ("D", 500))

        def f(a: str, b: str, xs: list[int]) -> int:
            total = 0
            for i, x in enumerate(xs, 1):
                total += i * x
            for c, d in zip(a, b, strict=True):
                if c != d:
                    break
            for x in reversed(xs):
                total += x
            for numeral, value in TABLE:
                total += value
            return total
        """
    )
    assert ".enumerate().map(" in body
    assert "pyops::zip_strict(" in body
    assert "?;" in body  # a strict zip item is a PyResult
    assert ".rev()" in body
    # A constant table is a Rust array of borrowed strs, copied into the loop variable's own
    # buffer: no Vec is built for each of its strs on every call.
    assert "[((&['M'] as &[char]), 1000_i64), ((&['D'] as &[char]), 500_i64)]" in body
    assert "numeral.clear(); numeral.extend_from_slice(" in body
    # A whole row in one variable stays an owned tuple.
    whole = _body(
        "TABLE = (('M', 1000), ('D', 500))\n"
        "def f(n: int) -> int:\n    for row in TABLE:\n        n += row[1]\n    return n\n"
    )
    assert 'vec![(pyops::chars("M"), 1000_i64, ), ' in whole


def test_str_comparisons_borrow_their_operands() -> None:
    body = _body("def f(s: str, t: str, i: int) -> bool:\n    return s[i:i + 2] == t and t < s\n")
    assert "&tmp" in body  # the part of s, in place
    assert ".to_vec()" not in body
    assert ".clone()" not in body


def test_generator_expressions_are_lazy_where_python_is() -> None:
    body = _body("def f(xs: list[int]) -> bool:\n    return any(10 // x > 1 for x in xs)\n")
    # Stops at the first true item: a later x == 0 must not raise ZeroDivisionError.
    assert "break;" in body
    body = _body("def f(xs: list[int]) -> int:\n    return sum(x * x for x in xs if x)\n")
    assert "pyops::add(" in body


def test_builtin_pow_of_two_arguments_is_the_operator() -> None:
    for args in ("x, 2", "n, n", "x, x"):
        a, b = args.split(", ")
        assert _body(f"def f(x: float, n: int) -> float:\n    return pow({args}) + 0.0\n") == _body(
            f"def f(x: float, n: int) -> float:\n    return {a} ** {b} + 0.0\n"
        )
    assert "number of arguments" in _reason("def f(n: int) -> int:\n    return pow(n, 2, 7)\n")


def test_float_mod_and_floordiv_follow_cpython() -> None:
    body = _body("def f(x: float, n: int) -> float:\n    return x % 360.0 + n // 2.5\n")
    assert "pyops::float_mod(x, 360.0f64)?" in body  # float_rem: the sign of the divisor
    assert "pyops::float_floordiv((n as f64), 2.5f64)?" in body  # _float_div_mod, snapped


def test_math_keeps_cpython_errors_and_int_powers_go_to_python_when_negative() -> None:
    body = _body(
        "import math\n\ndef f(x: float) -> float:\n"
        "    return math.sin(x) + math.log(x) + math.radians(x) + math.atan2(x, 1.0)\n"
    )
    assert "pyops::math1(" in body  # NaN from a number: ValueError, as CPython's math_1
    assert "pyops::log(" in body
    assert "std::f64::consts::PI / 180.0" in body
    body = _body("def f(a: int, b: int) -> int:\n    return a ** b\n")
    assert "pyops::pow_var(a, b)?" in body  # b < 0 gives a float: redone in Python


def test_isinstance_and_is_true_are_decided_by_the_exact_types() -> None:
    body = _body(
        "def f(n: int, flag: bool) -> bool:\n"
        "    return isinstance(n, int) and not isinstance(n, str) and flag is True"
        " and n is not False\n"
    )
    assert "isinstance" not in body
    assert "(flag == true)" in body


def test_the_cpython_whitespace_table_in_pyops_is_this_pythons() -> None:
    text = migrate_codegen.pyops_rs()
    table = text[text.index("const PY_SPACE") : text.index("];", text.index("const PY_SPACE"))]
    listed = [int(h, 16) for h in re.findall(r"0x([0-9a-f]+)", table.split("=", 1)[1])]
    assert listed == [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]


def test_a_union_parameter_is_translated_for_the_arm_its_body_is_valid_for() -> None:
    source = textwrap.dedent(
        """
        from typing import TYPE_CHECKING, Union

        if TYPE_CHECKING:  # an alias for type checkers only is a type too
            Text = Union[bytes, str]

        def f(v: Text, n: int | float) -> int:
            return len(v.strip()) + int(n)
        """
    )
    plan = _translate(source)
    # The first arm whose body translates, in the order written: bytes (bytes.strip is
    # translated too), int before float.
    assert [(p.type.name, p.shown) for p in plan.params] == [
        ("bytes", "bytes | str"),
        ("int", "int | float"),
    ]
    assert plan.body is not None, plan.reason
    module = module_plan([plan])
    # Arguments of the other arms fail the exact extraction: Python takes those calls.
    assert "pyops::exact_bytes(v)?" in migrate_codegen.lib_rs(module, gil_used=False)
    assert "def f(v: bytes | str, n: int | float) -> int:" in migrate_codegen.stub(module)


def test_slices_with_steps_repetition_and_list_searches() -> None:
    body = _body(
        "def f(s: str, xs: list[int], k: int) -> str:\n"
        "    return s[::-1] + s[1:k:2] * xs.index(k) + str(xs.count(3))\n"
    )
    assert "pyops::slice_step(" in body
    assert "pyops::repeat_str(" in body
    assert 'pyops::redo("list.index: not found")' in body  # Python's message names the item
    # Reading a list argument with index/count does not count as changing it.
    assert (
        "mutates" not in _translate("def f(xs: list[int]) -> int:\n    return xs.index(1)\n").reason
    )


def test_an_optional_number_is_narrowed_inside_if_x() -> None:
    body = _body(
        "def f(n: int, pad: int | None = None) -> int:\n"
        "    if pad:\n        n = n + pad\n"
        "    if pad is not None:\n        n = n * pad\n"
        "    return n\n"
    )
    assert "pad.map_or(false, |v| (v != 0))" in body
    assert "pad.unwrap()" in body


def test_a_module_function_that_shadows_a_builtin_is_the_one_called() -> None:
    source = (
        "def abs(n: int) -> int:\n    return n + 1\n\n"
        "def f(n: int) -> int:\n    return abs(n) + len([n])\n"
    )
    plan = _translate(source, "f")
    assert plan.body is not None, plan.reason
    assert "pyops::abs(" not in plan.body  # the module's abs, as Python looks it up
    assert "abs(tmp" in plan.body


def test_names_of_the_prelude_are_renamed_and_python_keeps_the_name() -> None:
    assert pytranslate.rust_ident("Some") == "Some_"
    plan = _translate("def Some(Ok: int) -> int:\n    return Ok + 1\n")
    assert plan.body is not None
    assert "pyops::add(Ok_, 1_i64)" in plan.body
    text = migrate_codegen.lib_rs(
        module_plan([plan]),
        gil_used=False,
    )
    assert "pub fn Some_(" in text
    assert '#[pyo3(name = "Some", signature' in text  # the name the module looks up


def test_an_empty_list_gets_its_item_type_from_its_first_append() -> None:
    """Regression: `found = []` then `found.append(x)` (the registry read the receiver first)."""
    body = _body(
        """
        def primes_upto(n: int) -> list[int]:
            found = []
            for candidate in range(2, n + 1):
                found.append(candidate)
            return found
        """
    )
    assert ".push(" in body


def test_str_literals_and_variables_are_read_in_place() -> None:
    """No Vec is built for a literal operand, no copy for a variable added or returned:
    what they compute is checked against Python by the differential e2e tests."""
    body = _body(
        "def f(s: str, t: str, n: int) -> str:\n"
        "    if n == 1:\n"
        "        return 'N'\n"
        "    out = s.replace('_', '-')\n"
        "    out += t\n"
        "    out += 'ab'\n"
        "    out += out\n"
        "    if out == 'x':\n"
        "        return t\n"
        "    return out\n"
    )
    assert 'return Ok(pyops::chars("N"));' in body
    assert "pyops::replace(tmp1_, (&['_'] as &[char]), (&['-'] as &[char]))" in body
    assert "out.extend_from_slice(&t);" in body
    assert "out.extend_from_slice((&['a', 'b'] as &[char]));" in body
    assert "out.extend(tmp" in body  # out += out: a copy first (Rust cannot read what it grows)
    assert "(&(out)[..] == (&['x'] as &[char]))" in body
    assert "return Ok(t);" in body  # moved out, converted once by the wrapper
    assert "return Ok(out);" in body


def test_a_branch_rust_cannot_run_hands_its_calls_to_python() -> None:
    source = """
        def f(s: str, check: bool = False) -> int:
            if check:
                if not is_valid(s):
                    raise ValueError("invalid")
                s = s.lower()
            return len(s) + check
        """
    plan = _translate(source)
    assert plan.body is not None, plan.reason
    # From the first statement it cannot run, the branch redoes the call in Python.
    assert 'return Err(pyops::redo("line 4"));' in plan.body
    assert "s.lower" not in plan.body
    assert "ascii_lower" not in plan.body
    assert "Python takes the calls that reach line 4: the call is_valid(s)" in plan.reason
    assert "i64::from(check)" in plan.body  # a bool is 0 or 1 in arithmetic
    # Not when no path through the `if` would stay in Rust, nor at the top of the body.
    both = "def f(s: str) -> int:\n    if s:\n        return g(s)\n    else:\n        return h(s)\n"
    assert "the call g(s)" in _reason(both)
    assert "the call g(s)" in _reason("def f(s: str) -> int:\n    return g(s)\n")
    # Nor when a loop follows: that branch is the function's work, and each call taking it
    # would pay for both paths (hashids' `_reorder` rebinds its str to a list before one).
    work = """
        def f(s: str, n: int) -> int:
            if n:
                g(s)
                for c in s:
                    n += 1
            return n
        """
    assert "the call g(s)" in _reason(work)
    # A generator is never a plain function, whichever branch yields.
    assert "a generator" in _reason(
        "def f(n: int) -> int:\n    if n:\n        yield n\n    return n\n"
    )


def test_isascii_constant_sets_and_foreign_isinstance() -> None:
    body = _body(
        """
        def f(s: str, n: int, a: bool, b: bool) -> bool:
            plain = not isinstance(s, (bytes, bytearray))
            return s.isascii() and n in {1523, 1524} and plain and a & b
        """
    )
    assert ".iter().all(char::is_ascii)" in body
    assert "== 1523_i64" in body or "1523_i64" in body
    assert "isinstance" not in body
    # Floats in a set: `nan in {nan}` is identity first (refused, as for tuples).
    assert "{1.5, 2.5}" in _reason("def f(x: float) -> bool:\n    return x in {1.5, 2.5}\n")


def test_a_name_rebound_to_another_type_gets_a_rust_variable_per_type() -> None:
    """hashids' `_reorder`: a str parameter becomes a list, is shuffled, is a str again."""
    body = _body(
        """
        def reorder(string: str, salt: str) -> str:
            if salt:
                string = list(string)
                for i in range(len(string) - 1, 0, -1):
                    j = ord(salt[i % len(salt)]) % i
                    string[i], string[j] = string[j], string[i]
                string = ''.join(string)
            return string
        """
    )
    assert "let mut string_1_: Vec<char> = Vec::new();" in body  # list(s): its chars
    assert "string_1_ = string.clone()" in body
    assert "string = {" in body  # the str variable again
    assert "pyops::join_chars(" in body
    # The swap reads both items (j first, as Python does), then exchanges them in place.
    assert re.search(
        r"let (tmp\d+_) = pyops::index\(string_1_.len\(\), j, \"list\"\)\?; "
        r"let (tmp\d+_) = pyops::index\(string_1_.len\(\), i, \"list\"\)\?; "
        r"string_1_.swap\(\2, \1\);",
        body,
    ), body
    # A rebound argument is a new value: changing it is not changing the caller's.
    assert (
        "mutates"
        not in _translate(
            "def f(s: str) -> str:\n    s = list(s)\n    s.append('x')\n    return ''.join(s)\n"
        ).reason
    )
    # Refused where the paths meet with different types, or in a loop (its next pass).
    assert "'x' is str on one path and int on another" in _reason(
        "def f(n: int) -> int:\n    x = 1\n    if n:\n        x = 'a'\n    return n\n"
    )
    assert "in a loop" in _reason(
        "def f(n: int) -> int:\n    x = 1\n    while n:\n        x = 'a'\n        n -= 1\n"
        "    return n\n"
    )
    # A path that returns does not meet the others.
    assert _body(
        "def f(s: str) -> int:\n    if not s:\n        s = 0\n        return s\n    return len(s)\n"
    )


def test_chained_and_parallel_assignment() -> None:
    body = _body(
        """
        def f(alphabet: str, n: int, xs: list[int]) -> str:
            out = lottery = alphabet[n % len(alphabet)]
            ys = list(xs)
            ys[0], k = ys[-1] + n, len(out)
            return out + lottery + str(k + ys[0])
        """
    )
    # One value, bound left to right, each name its own copy.
    assert re.search(r"\{ let (tmp\d+_) = .*; out = \1.clone\(\); lottery = \1.clone\(\); \}", body)
    # Every value first, then the targets in order.
    assert re.search(r"let (tmp\d+_) = .*; let (tmp\d+_) = .*; .*ys\[tmp\d+_\] = \1; k = \2;", body)
    # Two names sharing one list in Python: no Rust copy can behave the same.
    assert "chained assignment of a list" in _reason(
        "def f(n: int) -> int:\n    a = b = [n]\n    a.append(1)\n    return len(b)\n"
    )


def test_functools_caches_are_applied_again_around_the_rust_function() -> None:
    source = """
        import functools
        from functools import cache as memo

        @functools.lru_cache(maxsize=256)
        def tri(n: int) -> int:
            return n * (n + 1) // 2

        @memo
        @functools.cache
        def sq(n: int) -> int:
            return tri(n) * n

        def deprecated(f):
            return f

        @deprecated
        def old(n: int) -> int:
            return n
        """
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    by_name = {p.name: p for p in plans}
    assert by_name["tri"].decorators == ("functools.lru_cache(maxsize=256)",)
    assert by_name["sq"].body is not None
    reasons = {s.name: s.reason for s in skipped}
    assert "decorated with @deprecated" in reasons["old"]  # it may do anything: stays
    plan = module_plan(plans)
    block = migrate_codegen.dispatch_block(plan)
    # Innermost first, as Python applied them; only where the Rust version replaced it.
    assert 'namespace["sq"] = memo(functools.cache(namespace["sq"]))' in block
    assert 'if namespace["tri"] is not reference["tri"]:' in block
    # A cache with computed arguments, or a name bound twice, is not known to be functools'.
    for source in (
        (
            "import functools\nN = 3\n@functools.lru_cache(maxsize=N)\ndef f(n: int) -> int:\n"
            "    return n\n"
        ),
        "from functools import cache\ncache = print\n@cache\ndef f(n: int) -> int:\n    return n\n",
    ):
        _, skipped = migrate_codegen.analyse(source, dotted="pkg.mod")
        assert "decorated with @" in skipped[0].reason, skipped


def test_module_tables_are_read_through_python_at_each_call() -> None:
    source = """
        PRECISION = {0: 20000000, 1: 5003530, 9: 3.71}
        NAMES = {"a": "alpha", "b": "beta"}
        VOWELS = {"a", "e"}
        COUNTS = [1, 2, 3]
        MOVED = {"x": 1}
        MOVED = {"x": 2}

        def precision(n: int) -> float:
            if n < 0:
                return 0.0
            return PRECISION[n]

        def named(c: str) -> str:
            if c in VOWELS and c not in NAMES:
                return c
            return NAMES[c]

        def counted(i: int) -> int:
            return COUNTS[i] * 2

        def shadowed(n: int) -> int:
            COUNTS = [n]
            return COUNTS[0]

        def rebound(k: str) -> int:
            return MOVED[k]
        """
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    by_name = {p.name: p for p in plans}
    # Mixed ints and floats: the item is returned as the object the table holds, and every
    # other return value converted to a Python object too.
    precision = by_name["precision"]
    assert precision.returns_object
    assert precision.body_returns.name == "object"
    assert (
        'table_item(pyops::name!("PRECISION"), n, |v| Some(pyops::Obj(v.clone().unbind())))?'
        in (precision.body or "")
    )
    assert "return Ok(pyops::obj(0.0f64)?);" in (precision.body or "")
    # One item type: narrowed to it (a str is a Vec<char> in the body; another type redoes).
    named = by_name["named"].body or ""
    assert 'table_item(pyops::name!("NAMES"), pyops::string(&c), |v| pyops::exact_chars(v))?' in (
        named
    )
    assert 'pyops::table_contains(pyops::name!("VOWELS"), pyops::string(&c))?' in named
    assert '!pyops::table_contains(pyops::name!("NAMES")' in named
    assert not by_name["named"].returns_object
    assert 'pyops::table_item(pyops::name!("COUNTS"), i, |v| pyops::exact_int(v))?' in (
        by_name["counted"].body or ""
    )
    # A name the function binds is its local everywhere in it; a name bound twice at module
    # level is no table.
    assert "table_item" not in (by_name["shadowed"].body or "")
    reasons = {s.name: s.reason for s in skipped}
    reasons |= {p.name: p.reason for p in plans if p.body is None}
    assert "the name 'MOVED'" in reasons["rebound"], reasons
    lib = migrate_codegen.lib_rs(module_plan(plans), gil_used=False)
    assert "pub fn precision(n: i64) -> PyResult<pyops::Obj> {" in lib


def test_list_of_a_str_is_one_vec_of_chars_unless_strs_go_into_it() -> None:
    # hashids' _reorder shuffles `list(string)`: one Vec<char>, not a Vec per character. A
    # body that then puts a longer str in it is translated again with a list of strs.
    source = """
        def shuffled(s: str) -> str:
            xs = list(s)
            xs[0], xs[-1] = xs[-1], xs[0]
            return "-".join(xs) + str(xs.count("a")) + ("y" if "ab" in xs else "n")

        def grown(s: str) -> list[str]:
            xs = list(s)
            xs.append("ab")
            return xs
        """
    plans, skipped = migrate_codegen.analyse(textwrap.dedent(source), dotted="pkg.mod")
    assert not skipped
    by_name = {p.name: p for p in plans}
    shuffled, grown = by_name["shuffled"].body or "", by_name["grown"].body or ""
    assert "let mut xs: Vec<char>" in shuffled
    assert "pyops::join_chars(" in shuffled
    assert "vec![c]" not in shuffled
    assert "let mut xs: Vec<Vec<char>>" in grown
