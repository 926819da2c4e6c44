# Every emitter takes the same arguments (a registry), used or not.
# ruff: noqa: ARG001
"""The builtins, methods and `math` functions the translator knows, one emitter each.

Modelled on mypyc's `specialize.py`: a table maps a builtin name, a (receiver type, method)
pair or a `math` function to the function that writes its Rust, and each entry says how
Python's exact semantics are kept (`note`, shown in docs/migrate.md). Anything not in a table
is refused with a reason. Where Python and Rust agree only on part of the inputs (ASCII case
mapping, a surrogate from `chr`, a negative exponent), the Rust code asks the dispatch to
redo the call in Python (`pyops::redo`) for the rest, so no call changes its result.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scaffold.migrate_types import BOOL, CHAR, FLOAT, INT, NONE, STR, PyType, list_of
from scaffold.pytranslate import Expr, Untranslatable, borrowed, truth

if TYPE_CHECKING:
    from collections.abc import Callable

    from scaffold.pytranslate import Translator

    BuiltinEmit = Callable[[Translator, ast.Call, PyType | None], Expr]
    MethodEmit = Callable[[Translator, Expr, ast.Call], Expr]


@dataclass(frozen=True)
class Builtin:
    name: str
    note: str
    emit: BuiltinEmit


@dataclass(frozen=True)
class Method:
    receiver: str  # a PyType name: str, list
    name: str
    note: str
    emit: MethodEmit


BUILTINS: dict[str, Builtin] = {}
METHODS: dict[tuple[str, str], Method] = {}
MATH: dict[str, Builtin] = {}


def builtin(name: str, note: str) -> Callable[[BuiltinEmit], BuiltinEmit]:
    def register(emit: BuiltinEmit) -> BuiltinEmit:
        BUILTINS[name] = Builtin(name, note, emit)
        return emit

    return register


def method(receiver: str, name: str, note: str) -> Callable[[MethodEmit], MethodEmit]:
    def register(emit: MethodEmit) -> MethodEmit:
        METHODS[receiver, name] = Method(receiver, name, note, emit)
        return emit

    return register


def _refuse(node: ast.AST, why: str = "") -> Untranslatable:
    return Untranslatable(f"the call {ast.unparse(node)}" + (f" ({why})" if why else ""))


def _args(node: ast.Call, low: int, high: int | None = None) -> list[ast.expr]:
    """The positional arguments of a call without keywords, `low` to `high` of them."""
    high = low if high is None else high
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise _refuse(node, "keyword or unpacked arguments")
    if not low <= len(node.args) <= high:
        raise _refuse(node, "number of arguments")
    return node.args


def _text(tr: Translator, node: ast.expr) -> Expr:
    """A str operand (a one-character str is a char inside the body: widened)."""
    got = tr.expr(node, STR)
    if got.type == CHAR:
        # Read in place (`std::slice::from_ref`), no Vec of one char built for each call.
        view = got.slice or f"std::slice::from_ref(&{got.code})"
        return Expr(f"vec![{got.code}]", STR, slice=view)
    if got.type != STR:
        raise Untranslatable(f"{ast.unparse(node)} is {got.type}, not str")
    return got


# -- builtins ---------------------------------------------------------------------------------


@builtin("len", "list, str, tuple, bytes: the number of items (code points for str)")
def _len(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    seq = tr.expr(arg)
    if seq.type.name == "tuple":
        return Expr(f"{len(seq.type.args)}_i64", INT)
    if seq.type.name not in {"list", "str", "vartuple", "bytes"}:
        raise Untranslatable(f"len() of {seq.type}")
    return Expr(f"({seq.code}.len() as i64)", INT)


@builtin("abs", "int (checked: abs(-2**63) goes to Python), float")
def _abs(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    v = tr.value(arg, hint)
    if v.type == INT:
        return Expr(f"pyops::abs({v.code})?", INT)
    if v.type == FLOAT:
        # Parenthesised: `-2.5f64.abs()` would parse as `-(2.5f64.abs())`.
        return Expr(f"({v.code}).abs()", FLOAT)
    raise _refuse(node, f"abs() of {v.type}")


@builtin("pow", "two arguments: exactly `x ** y`; three (a modulus) are refused")
def _pow(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    base, exponent = _args(node, 2)
    as_operator = ast.BinOp(base, ast.Pow(), exponent)  # a literal exponent stays visible
    return tr.binop(ast.Pow(), tr.value(base), tr.value(exponent), as_operator)


def _min_max(name: str) -> BuiltinEmit:
    def emit(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
        args = _args(node, 1, 99)
        if len(args) == 1 and isinstance(args[0], ast.GeneratorExp):
            wrap, element = tr.comprehension(args[0])
            if element.type not in {INT, FLOAT, CHAR, STR}:
                raise _refuse(node, f"{name}() of {element.type}")
            best, item = tr.fresh(), tr.fresh()
            step = (
                f"let {item} = {element.code}; {best} = Some(match {best} "
                f"{{ None => {item}, Some(b) => pyops::{name}2(b, {item}) }});"
            )
            message = f"{name}() arg is an empty sequence"
            code = (
                f"{{ let mut {best} = None; {wrap(step)} {best}.ok_or_else(|| "
                f'PyValueError::new_err("{message}"))? }}'
            )
            return Expr(code, element.type)
        if len(args) == 1:
            seq = tr.expr(args[0])
            if seq.type.name in {"list", "vartuple"} and seq.type.args[0] in {INT, FLOAT, STR}:
                return Expr(f"pyops::{name}_of(&{seq.code})?", seq.type.args[0])
            raise _refuse(node, f"{name}() of {seq.type}")
        values = [tr.value(a, hint) for a in args]
        kinds = {v.type for v in values}
        if len(kinds) == 1 and kinds <= {INT, FLOAT, CHAR, STR}:
            code = values[0].code
            for v in values[1:]:
                code = f"pyops::{name}2({code}, {v.code})"
            return Expr(code, values[0].type)
        raise _refuse(node, "arguments of different types")

    return emit


builtin("min", "the first smallest item, NaN kept where Python keeps it; generators too")(
    _min_max("min")
)
builtin("max", "the first largest item, NaN kept where Python keeps it; generators too")(
    _min_max("max")
)


@builtin("sum", "ints only (checked); float sums are refused (3.12 changed their rounding)")
def _sum(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    if isinstance(arg, ast.GeneratorExp):
        wrap, element = tr.comprehension(arg)
        if element.type != INT:
            raise _refuse(node, f"sum() of {element.type} (float sums differ between Pythons)")
        total = tr.fresh()
        step = f"{total} = pyops::add({total}, {element.code})?;"
        return Expr(f"{{ let mut {total} = 0_i64; {wrap(step)} {total} }}", INT)
    seq = tr.expr(arg)
    if seq.type.name in {"list", "vartuple"} and seq.type.args[0] == INT:
        return Expr(f"pyops::sum(&{seq.code})?", INT)
    raise _refuse(node, f"sum() of {seq.type} (float sums differ between Pythons)")


def _any_all(name: str) -> BuiltinEmit:
    found = "true" if name == "any" else "false"

    def emit(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
        (arg,) = _args(node, 1)
        result = tr.fresh()
        if isinstance(arg, ast.GeneratorExp):
            # Lazy, as in Python: items after the deciding one are never computed.
            wrap, element = tr.comprehension(arg)
            test = truth(element) if name == "any" else f"!{truth(element)}"
            step = f"if {test} {{ {result} = {found}; break; }}"
            not_found = "false" if name == "any" else "true"
            return Expr(f"{{ let mut {result} = {not_found}; {wrap(step)} {result} }}", BOOL)
        seq = tr.expr(arg)
        if seq.type.name not in {"list", "vartuple"}:
            raise _refuse(node, f"{name}() of {seq.type}")
        item = seq.type.args[0]
        test = truth(Expr("v.clone()", item))
        method = "any" if name == "any" else "all"
        return Expr(f"{seq.code}.iter().{method}(|v| {test})", BOOL)

    return emit


builtin("any", "the truth of each item, stopping at the first true one (generators are lazy)")(
    _any_all("any")
)
builtin("all", "the truth of each item, stopping at the first false one (generators are lazy)")(
    _any_all("all")
)


@builtin("int", "int(int), int(float) truncates (NaN/inf raise as in Python)")
def _int(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    v = tr.value(arg)
    if v.type == INT:
        return v
    if v.type == FLOAT:
        return Expr(f"pyops::float_to_int({v.code})?", INT)
    if v.type == BOOL:
        return Expr(f"({v.code} as i64)", INT)
    raise _refuse(node, f"int() of {v.type}")


@builtin("float", "float(int) rounds to nearest like Python, float(float)")
def _float(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    v = tr.value(arg)
    if v.type == FLOAT:
        return v
    if v.type == INT:
        return Expr(f"({v.code} as f64)", FLOAT)
    raise _refuse(node, f"float() of {v.type}")


@builtin("bool", "the truth value")
def _bool(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    return Expr(f"({tr.condition(arg)})", BOOL)


@builtin("ord", "the code point; TypeError unless one character")
def _ord(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    v = tr.value(arg, CHAR)
    if v.type == CHAR:
        return Expr(f"({v.code} as i64)", INT)
    if v.type == STR:
        return Expr(f"pyops::ord(&{v.code})?", INT)
    raise _refuse(node, f"ord() of {v.type}")


@builtin("chr", "a code point; a surrogate (a str Rust cannot hold) goes to Python")
def _chr(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    v = tr.value(arg, INT)
    if v.type != INT:
        raise _refuse(node, f"chr() of {v.type}")
    return Expr(f"pyops::chr({v.code})?", CHAR)


def to_text(v: Expr, where: ast.AST) -> Expr:
    """`str(v)`: ints in decimal, bools as True/False, floats as Python's repr."""
    if v.type == STR:
        return v
    if v.type == CHAR:
        return Expr(f"vec![{v.code}]", STR)
    if v.type == INT:
        return Expr(f"pyops::int_str({v.code})", STR)
    if v.type == BOOL:
        return Expr(f"pyops::bool_str({v.code})", STR)
    if v.type == FLOAT:
        return Expr(f"pyops::float_repr({v.code})", STR)
    raise Untranslatable(f"{ast.unparse(where)}: str() of {v.type}")


@builtin("str", "str of str/int/bool/float (floats: the shortest repr, as Python prints)")
def _str(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    return to_text(tr.value(arg), node)


@builtin("list", "list(range), a copy of a flat list, the characters of a str; generators")
def _list(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    if (
        isinstance(arg, ast.Call)
        and isinstance(arg.func, ast.Name)
        and arg.func.id == "range"
        and not arg.keywords
        and tr.is_builtin("range")
    ):
        return Expr(f"({tr.range_(arg.args)}).collect::<Vec<i64>>()", list_of(INT))
    if isinstance(arg, ast.GeneratorExp):
        return tr.listcomp(arg)
    v = tr.value(arg)
    if v.type.name in {"list", "vartuple"}:
        if v.type.args[0].uses("list"):
            raise Untranslatable(
                f"{ast.unparse(node)} is a shallow copy in Python: the inner lists stay "
                "shared (Rust would copy them)"
            )
        return Expr(v.code, list_of(v.type.args[0]))
    if v.type == STR and tr.info.char_lists:
        # One Vec<char>, not a Vec per character (hashids' _reorder shuffles `list(string)`):
        # the translation is redone with lists of strs if the body then needs strs in it.
        tr.info.listed_chars = True
        return Expr(v.code, list_of(CHAR))
    if v.type == STR:
        return Expr(f"{v.code}.into_iter().map(|c| vec![c]).collect::<Vec<_>>()", list_of(STR))
    raise _refuse(node, f"list() of {v.type}")


@builtin("sorted", "ints, strs: a total order, so stability cannot show; floats refused (NaN)")
def _sorted(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    reverse = False
    for keyword in node.keywords:
        if keyword.arg != "reverse" or not isinstance(keyword.value, ast.Constant):
            raise _refuse(node, "only reverse=True/False")
        reverse = keyword.value.value is True
    plain = ast.Call(node.func, node.args, [])
    got = _list(tr, plain, hint)
    if got.type.args[0] not in {INT, STR, CHAR, BOOL}:
        raise _refuse(node, f"sorted() of {got.type}")
    tmp = tr.fresh()
    order = f"{tmp}.sort(); " + (f"{tmp}.reverse();" if reverse else "")
    return Expr(f"{{ let mut {tmp} = {got.code}; {order} {tmp} }}", got.type)


@builtin("round", "round(float) to an int, ties to even (banker's); round(int); no ndigits")
def _round(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (arg,) = _args(node, 1)
    v = tr.value(arg)
    if v.type == INT:
        return v
    if v.type == FLOAT:
        return Expr(f"pyops::round({v.code})?", INT)
    raise _refuse(node, f"round() of {v.type}")


@builtin("divmod", "ints: floor quotient and remainder (ZeroDivisionError)")
def _divmod(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    a, b = (tr.value(x) for x in _args(node, 2))
    if a.type == b.type == INT:
        return Expr(f"pyops::divmod({a.code}, {b.code})?", PyType("tuple", (INT, INT)))
    raise _refuse(node, f"divmod() of {a.type} and {b.type} (floats differ in corner cases)")


_ISINSTANCE_TYPES = {"int": {"int", "bool"}, "float": {"float"}, "str": {"str", "char"}}
_ISINSTANCE_TYPES |= {"bool": {"bool"}, "list": {"list"}, "tuple": {"tuple", "vartuple"}}
_ISINSTANCE_TYPES |= {"bytes": {"bytes"}}
# Builtin classes none of those types derives from: `isinstance(label, (bytes, bytearray))`
# is decided by the bytes alone.
_ISINSTANCE_TYPES |= {k: set() for k in ("bytearray", "dict", "set", "frozenset", "complex")}


@builtin("isinstance", "decided from the exact types the dispatch lets into Rust")
def _isinstance(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    value, kinds = _args(node, 2)
    got = tr.expr(value)
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    result = False
    for kind in names:
        if (
            not isinstance(kind, ast.Name)
            or kind.id not in _ISINSTANCE_TYPES
            or not tr.is_builtin(kind.id)
        ):
            raise _refuse(node, "a type that is not a builtin class")
        if got.type.name in {"optional", "none"}:
            raise _refuse(node, f"isinstance of {got.type}")
        result = result or got.type.name in _ISINSTANCE_TYPES[kind.id]
    return Expr("true" if result else "false", BOOL)


# -- str methods ------------------------------------------------------------------------------


def _case(name: str) -> MethodEmit:
    def emit(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
        _args(node, 0)
        return Expr(f"pyops::ascii_{name}(&{receiver.code})?", STR)

    return emit


method("str", "upper", "ASCII text in Rust; other text in Python (Unicode versions differ)")(
    _case("upper")
)
method("str", "lower", "ASCII text in Rust; other text in Python (Unicode versions differ)")(
    _case("lower")
)


@method("str", "capitalize", "ASCII text in Rust (first upper, rest lower); other text in Python")
def _capitalize(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    _args(node, 0)
    held = tr.fresh()
    return Expr(
        f"{{ let mut {held} = pyops::ascii_lower(&{receiver.code})?; "
        f"if let Some(c) = {held}.first_mut() {{ *c = c.to_ascii_uppercase(); }} {held} }}",
        STR,
    )


@method("str", "title", "ASCII text in Rust (a letter after a non-letter is upper); else Python")
def _title(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    _args(node, 0)
    # Python: upper after a character that is not cased, lower after one that is; in ASCII
    # the cased characters are the letters.
    held, cased = tr.fresh(), tr.fresh()
    return Expr(
        f"{{ let {held} = pyops::ascii_lower(&{receiver.code})?; let mut {cased} = false; "
        f"{held}.into_iter().map(|c| {{ let up = c.is_ascii_alphabetic() && !{cased}; "
        f"{cased} = c.is_ascii_alphabetic(); if up {{ c.to_ascii_uppercase() }} else {{ c }} }})"
        ".collect::<Vec<char>>() }",
        STR,
    )


def _tests(name: str, rust: str) -> MethodEmit:
    def emit(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
        _args(node, 0)
        return Expr(f'pyops::ascii_test(&{receiver.code}, {rust}, "{name}")?', BOOL)

    return emit


for _name, _rust in {
    "isdigit": "char::is_ascii_digit",
    "isalpha": "char::is_ascii_alphabetic",
    "isalnum": "char::is_ascii_alphanumeric",
}.items():
    method("str", _name, "ASCII text in Rust; other text in Python (Unicode categories)")(
        _tests(_name, _rust)
    )


@method("str", "isascii", "every character below U+0080, as Python (the empty str too)")
def _isascii(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    _args(node, 0)
    return Expr(f"{receiver.code}.iter().all(char::is_ascii)", BOOL)


@method("str", "isspace", "CPython's whitespace table (not Rust's is_whitespace)")
def _isspace(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    _args(node, 0)
    return Expr(f"pyops::isspace(&{receiver.code})", BOOL)


def _is_case(upper: bool) -> MethodEmit:
    def emit(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
        _args(node, 0)
        return Expr(f"pyops::ascii_case(&{receiver.code}, {'true' if upper else 'false'})?", BOOL)

    return emit


method("str", "isupper", "ASCII text in Rust; other text in Python")(_is_case(upper=True))
method("str", "islower", "ASCII text in Rust; other text in Python")(_is_case(upper=False))


def _affix(rust: str, operand: Callable[[Translator, ast.expr], Expr] | None = None) -> MethodEmit:
    """startswith/endswith: one operand or a tuple of them (`operand` converts each: text by
    default, bytes for the bytes methods)."""
    convert = operand or _text

    def emit(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
        (arg,) = _args(node, 1)
        held = tr.fresh()
        options = arg.elts if isinstance(arg, ast.Tuple) else [arg]
        if not options:
            raise _refuse(node, "an empty tuple")
        tests = " || ".join(f"{held}.{rust}({borrowed(convert(tr, o))})" for o in options)
        return Expr(f"{{ let {held} = &{receiver.code}; {tests} }}", BOOL)

    return emit


method("str", "startswith", "a str or a tuple of strs; no start/end")(_affix("starts_with"))
method("str", "endswith", "a str or a tuple of strs; no start/end")(_affix("ends_with"))


def _strip(left: bool, right: bool) -> MethodEmit:
    def emit(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
        args = _args(node, 0, 1)
        chars = "None"
        if args and not (isinstance(args[0], ast.Constant) and args[0].value is None):
            chars = f"Some({borrowed(_text(tr, args[0]))})"
        flags = f"{'true' if left else 'false'}, {'true' if right else 'false'}"
        return Expr(f"pyops::strip(&{receiver.code}, {chars}, {flags})", STR)

    return emit


method("str", "strip", "whitespace as str.isspace() (CPython's table) or the given chars")(
    _strip(left=True, right=True)
)
method("str", "lstrip", "whitespace as str.isspace() or the given chars")(
    _strip(left=True, right=False)
)
method("str", "rstrip", "whitespace as str.isspace() or the given chars")(
    _strip(left=False, right=True)
)


@method("str", "split", "split(): runs of isspace(); split(sep): every sep, empty parts kept")
def _split(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    args = _args(node, 0, 1)
    if not args or (isinstance(args[0], ast.Constant) and args[0].value is None):
        return Expr(f"pyops::split_whitespace(&{receiver.code})", list_of(STR))
    sep = _text(tr, args[0])
    return Expr(f"pyops::split(&{receiver.code}, {borrowed(sep)})?", list_of(STR))


@method("str", "join", "a list of strs, or a generator of them")
def _join(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    (arg,) = _args(node, 1)
    items = tr.listcomp(arg) if isinstance(arg, (ast.GeneratorExp, ast.ListComp)) else tr.expr(arg)
    item = items.type.args[0] if items.type.name in {"list", "vartuple"} else None
    if item not in {CHAR, STR}:
        raise _refuse(node, f"join() of {items.type}")
    held = tr.fresh()
    join = "join_chars" if item == CHAR else "join"
    return Expr(
        f"{{ let {held} = {borrowed(receiver)}; pyops::{join}({held}, &{items.code}) }}", STR
    )


@method("str", "replace", "every occurrence (an empty old inserts between characters); no count")
def _replace(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    old, new = (_text(tr, a) for a in _args(node, 2))
    held = tr.fresh()
    return Expr(
        f"{{ let {held} = &{receiver.code}; "
        f"pyops::replace({held}, {borrowed(old)}, {borrowed(new)}) }}",
        STR,
    )


def _search(rust: str, result: PyType) -> MethodEmit:
    def emit(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
        (arg,) = _args(node, 1)
        sub = _text(tr, arg)
        held = tr.fresh()
        fallible = "?" if rust == "str_index" else ""
        return Expr(
            f"{{ let {held} = &{receiver.code}; "
            f"pyops::{rust}({held}, {borrowed(sub)}){fallible} }}",
            result,
        )

    return emit


method("str", "find", "code point index or -1; no start/end")(_search("find", INT))
method("str", "rfind", "code point index or -1; no start/end")(_search("rfind", INT))
method("str", "index", "ValueError when absent; no start/end")(_search("str_index", INT))
method("str", "count", "non-overlapping; an empty str counts len + 1")(_search("count", INT))


# -- list methods (on local lists only: a parameter's change would be seen by the caller) ------


@method("list", "append", "on a local list; the item must not be a list variable (aliasing)")
def _append(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    return Expr(tr.list_method(node), NONE)


@method("list", "pop", "pop() from the end of a local list; IndexError when empty")
def _pop(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    return Expr(tr.list_method(node), receiver.type.args[0])


def _list_search(name: str) -> MethodEmit:
    def emit(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
        (arg,) = _args(node, 1)
        item_type = receiver.type.args[0]
        if item_type.uses("float"):
            raise _refuse(node, "floats: Python compares identity first (NaN)")
        item = tr.value(arg, item_type)
        if item.type == CHAR and item_type == STR:
            item = Expr(f"vec![{item.code}]", STR)
        held, probe = tr.fresh(), tr.fresh()
        same = f"*v == {probe}"
        if item.type == STR and item_type == CHAR:  # `list(s).count("a")`: only a char is equal
            same = f"{probe}.len() == 1 && *v == {probe}[0]"
        elif item.type != item_type:
            raise _refuse(node, f"looks for {item.type} in {receiver.type}")
        start = f"let {held} = &{receiver.code}; let {probe} = {item.code};"
        if name == "count":
            return Expr(f"{{ {start} {held}.iter().filter(|&v| {same}).count() as i64 }}", INT)
        # Not found: Python's ValueError names the item by its repr; Python raises it.
        return Expr(
            f"{{ {start} {held}.iter().position(|v| {same}).map(|i| i as i64)"
            f'.ok_or_else(|| pyops::redo("list.index: not found"))? }}',
            INT,
        )

    return emit


method("list", "index", "== on each item (no floats); not found: Python raises")(
    _list_search("index")
)
method("list", "count", "== on each item (no floats)")(_list_search("count"))
method("vartuple", "index", "== on each item (no floats); not found: Python raises")(
    _list_search("index")
)
method("vartuple", "count", "== on each item (no floats)")(_list_search("count"))


# -- logging ----------------------------------------------------------------------------------

# The logging methods of a `logging.Logger` and their levels. `warn` is left out (it warns
# DeprecationWarning even when nothing is logged), `log` too (its level is an argument).
LOG_LEVELS = {
    "debug": 10,
    "info": 20,
    "warning": 30,
    "error": 40,
    "exception": 40,
    "critical": 50,
}
LOGGING_NOTE = (
    "`logger.debug/info/warning/error/exception/critical(...)` on a module logger (read at "
    "each call): where that logger is enabled for the call's level, Python redoes the call "
    "and logs; where not, Rust evaluates the arguments (their errors kept) and logs nothing, "
    "as Python does; not a plain logging.Logger, or a method replaced (a mock): Python"
)
MAX_LOGGERS = 8  # slots in pyops' LOG_THRESHOLD


def logging_call(tr: Translator, logger: str, node: ast.Call) -> Expr:
    """`logger.debug(msg, *args)`: the dispatch tells the body, per logger, from which level
    it is enabled (pyops::log_threshold). An enabled call is redone in Python (the body has
    had no effect yet); a disabled one only evaluates its arguments (Python evaluates them
    before the call, and they can raise)."""
    func = node.func
    assert isinstance(func, ast.Attribute)  # noqa: S101  (the caller checked)
    level = LOG_LEVELS.get(func.attr)
    if level is None:
        raise _refuse(node, f"{logger}.{func.attr} is not one of {', '.join(LOG_LEVELS)}")
    if any(isinstance(a, ast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    ):
        raise _refuse(node, "unpacked arguments")
    if not node.args:
        raise _refuse(node, "no message (Python raises TypeError)")
    slot = sorted(tr.info.loggers).index(logger)
    if slot >= MAX_LOGGERS:
        raise _refuse(node, f"more than {MAX_LOGGERS} module loggers")
    steps = []
    for arg in [*node.args, *(k.value for k in node.keywords)]:
        if isinstance(arg, ast.Constant) or (isinstance(arg, ast.Name) and arg.id in tr.env):
            continue  # reading a literal or a local has no effect and cannot fail
        steps.append(f"let _ = {tr.value(arg).code};")
    tr.info.logged.setdefault(logger, set()).add(level)
    redo = f'if pyops::logs({slot}, {level}) {{ return Err(pyops::redo("logging")); }}'
    return Expr(f"{{ {redo} {' '.join(steps)} }}", NONE)


# -- math -------------------------------------------------------------------------------------


def _float_arg(tr: Translator, node: ast.Call, count: int = 1) -> list[str]:
    values = [tr.value(a, FLOAT) for a in _args(node, count)]
    if any(v.type not in {INT, FLOAT} for v in values):
        raise _refuse(node, "not a number")
    return [v.code if v.type == FLOAT else f"({v.code} as f64)" for v in values]


def _libm(name: str, *, can_overflow: bool) -> BuiltinEmit:
    def emit(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
        (x,) = _float_arg(tr, node)
        held = tr.fresh()
        flag = "true" if can_overflow else "false"
        return Expr(
            f"{{ let {held} = {x}; pyops::math1({held}, {held}.{name}(), {flag})? }}", FLOAT
        )

    return emit


for _name, _overflow in {
    "sin": False,
    "cos": False,
    "tan": False,
    "asin": False,
    "acos": False,
    "atan": False,
    "exp": True,
    "sinh": True,
    "cosh": True,
    "tanh": False,
}.items():
    MATH[_name] = Builtin(
        _name,
        "the same libm call as CPython, with its domain/range errors",
        _libm(_name, can_overflow=_overflow),
    )


def _log(rust: str) -> BuiltinEmit:
    def emit(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
        (x,) = _float_arg(tr, node)
        return Expr(f"pyops::log({x}, f64::{rust})?", FLOAT)

    return emit


MATH["log"] = Builtin("log", "one argument: libm log, ValueError for x <= 0", _log("ln"))
MATH["log2"] = Builtin("log2", "libm log2, ValueError for x <= 0", _log("log2"))
MATH["log10"] = Builtin("log10", "libm log10, ValueError for x <= 0", _log("log10"))


def _scaled(factor: str) -> BuiltinEmit:
    def emit(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
        (x,) = _float_arg(tr, node)
        return Expr(f"({x} * ({factor}))", FLOAT)

    return emit


MATH["radians"] = Builtin(
    "radians", "x * (pi / 180), CPython's constant", _scaled("std::f64::consts::PI / 180.0")
)
MATH["degrees"] = Builtin(
    "degrees", "x * (180 / pi), CPython's constant", _scaled("180.0 / std::f64::consts::PI")
)


def _atan2(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    y, x = _float_arg(tr, node, 2)
    return Expr(f"pyops::atan2({y}, {x})", FLOAT)


MATH["atan2"] = Builtin("atan2", "libm atan2 (C99 special cases, as CPython)", _atan2)


def _sqrt(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (x,) = _float_arg(tr, node)
    return Expr(f"pyops::sqrt({x})?", FLOAT)


MATH["sqrt"] = Builtin("sqrt", "correctly rounded; ValueError below 0", _sqrt)


def _fabs(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    (x,) = _float_arg(tr, node)
    return Expr(f"({x}).abs()", FLOAT)


MATH["fabs"] = Builtin("fabs", "exact", _fabs)


def _rounding(name: str) -> BuiltinEmit:
    def emit(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
        (arg,) = _args(node, 1)
        v = tr.value(arg, FLOAT)
        if v.type == INT:
            return v
        if v.type != FLOAT:
            raise _refuse(node, "not a number")
        return Expr(f"pyops::{name}({v.code})?", INT)

    return emit


MATH["floor"] = Builtin("floor", "an int; NaN/inf raise as in Python", _rounding("floor"))
MATH["ceil"] = Builtin("ceil", "an int; NaN/inf raise as in Python", _rounding("ceil"))


def _class(name: str) -> BuiltinEmit:
    def emit(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
        (x,) = _float_arg(tr, node)
        return Expr(f"({x}).{name}()", BOOL)

    return emit


MATH["isnan"] = Builtin("isnan", "exact", _class("is_nan"))
MATH["isinf"] = Builtin("isinf", "exact", _class("is_infinite"))
MATH["isfinite"] = Builtin("isfinite", "exact", _class("is_finite"))

MATH_CONSTANTS = {
    "pi": "std::f64::consts::PI",
    "e": "std::f64::consts::E",
    "tau": "std::f64::consts::TAU",
    "inf": "f64::INFINITY",
}
REFUSED_MATH = {
    "hypot": "CPython's hypot is its own algorithm, not libm's: the last bit can differ",
    "fsum": "CPython's exact summation",
    "pow": "CPython's special cases",
}


def math_call(tr: Translator, attr: str, node: ast.Call, hint: PyType | None) -> Expr:
    special = MATH.get(attr)
    if special is None:
        raise _refuse(node, REFUSED_MATH.get(attr, ""))
    return special.emit(tr, node, hint)


def method_call(tr: Translator, func: ast.Attribute, node: ast.Call) -> Expr:
    if func.attr == "append" and isinstance(func.value, ast.Name):
        # Before the first append an empty local list has no item type yet: the append gives
        # it one, so the receiver must not be read as a value first.
        return _append(tr, Expr("", NONE), node)
    if isinstance(func.value, ast.Name) and tr.is_builtin(func.value.id):
        on_class = pybytes.CLASS_METHODS.get((func.value.id, func.attr))
        if on_class is not None:  # int.from_bytes(...)
            return on_class(tr, node)
    owner = func.value
    if isinstance(owner, ast.Name) and owner.id in tr.info.loggers and owner.id not in tr.env:
        return logging_call(tr, owner.id, node)
    receiver = tr.expr(func.value)
    kind = "str" if receiver.type == CHAR else receiver.type.name
    if receiver.type == CHAR:
        receiver = Expr(f"vec![{receiver.code}]", STR)
    special = METHODS.get((kind, func.attr))
    if special is None:
        raise _refuse(node)
    return special.emit(tr, receiver, node)


def builtin_call(tr: Translator, name: str, node: ast.Call, hint: PyType | None) -> Expr:
    special = BUILTINS.get(name)
    if special is None:
        raise _refuse(node)
    return special.emit(tr, node, hint)


# The bytes entries register themselves (kept in their own module, scaffold/pybytes.py).
from scaffold import pybytes  # noqa: E402
