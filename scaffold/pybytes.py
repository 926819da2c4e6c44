"""The registry's `bytes` entries (see `scaffold/pyspecialize.py`): a bytes value is a `Vec<u8>`
inside a translated body; indexing and iterating it give ints, as in Python.

Kept apart from the str entries so that each stays short. `int.from_bytes` and `int.to_bytes`
are exact within i64: beyond it the Rust code asks the dispatch to redo the call in Python.
"""

# Every emitter takes the same arguments (a registry), used or not.
# ruff: noqa: ARG001
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from scaffold.migrate_types import BYTES, INT, PyType, list_of
from scaffold.pyspecialize import _affix, _args, _refuse, builtin, method
from scaffold.pytranslate import Expr, Untranslatable

if TYPE_CHECKING:
    from collections.abc import Callable

    from scaffold.pyspecialize import MethodEmit
    from scaffold.pytranslate import Translator


def _data(tr: Translator, node: ast.expr) -> Expr:
    got = tr.value(node, BYTES)
    if got.type != BYTES:
        raise Untranslatable(f"{ast.unparse(node)} is {got.type}, not bytes")
    return got


def _needle(tr: Translator, node: ast.expr) -> Expr:
    """A bytes argument, or an int meaning one byte (ValueError outside range(0, 256))."""
    got = tr.value(node, BYTES)
    if got.type == INT:
        return Expr(f"[pyops::byte({got.code})?]", BYTES)
    if got.type != BYTES:
        raise Untranslatable(f"{ast.unparse(node)} is {got.type}, not bytes or int")
    return got


@builtin("bytes", "bytes(n): n zero bytes; bytes(list of ints): ValueError outside 0..255")
def _bytes(tr: Translator, node: ast.Call, hint: PyType | None) -> Expr:
    args = _args(node, 0, 1)
    if not args:
        return Expr("Vec::<u8>::new()", BYTES)
    got = tr.value(args[0], list_of(INT))
    if got.type == INT:
        return Expr(f"pyops::bytes_zeros({got.code})?", BYTES)
    if got.type == BYTES:
        return got
    if got.type.name in {"list", "vartuple"} and got.type.args[0] == INT:
        return Expr(f"pyops::bytes_of(&{got.code})?", BYTES)
    raise _refuse(node, f"bytes() of {got.type}")


method("bytes", "startswith", "bytes or a tuple of bytes; no start/end")(
    _affix("starts_with", _data)
)
method("bytes", "endswith", "bytes or a tuple of bytes; no start/end")(_affix("ends_with", _data))


def _search(rust: str) -> MethodEmit:
    def emit(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
        (arg,) = _args(node, 1)
        held, probe = tr.fresh(), tr.fresh()
        needle = _needle(tr, arg)
        fallible = "?" if rust == "bytes_index" else ""
        return Expr(
            f"{{ let {held} = &{receiver.code}; let {probe} = {needle.code}; "
            f"pyops::{rust}({held}, &{probe}){fallible} }}",
            INT,
        )

    return emit


method("bytes", "find", "bytes or an int (one byte); -1 when absent; no start/end")(
    _search("bytes_find")
)
method("bytes", "index", "bytes or an int (one byte); ValueError when absent")(
    _search("bytes_index")
)
method("bytes", "count", "bytes or an int; non-overlapping; empty counts len + 1")(
    _search("bytes_count")
)


@method("bytes", "join", "a list of bytes")
def _join(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    (arg,) = _args(node, 1)
    items = tr.listcomp(arg) if isinstance(arg, (ast.GeneratorExp, ast.ListComp)) else tr.expr(arg)
    if items.type.name not in {"list", "vartuple"} or items.type.args[0] != BYTES:
        raise _refuse(node, f"join() of {items.type}")
    held = tr.fresh()
    return Expr(
        f"{{ let {held} = &{receiver.code}; pyops::bytes_join({held}, &{items.code}) }}", BYTES
    )


def _strip(left: bool, right: bool) -> MethodEmit:
    def emit(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
        args = _args(node, 0, 1)
        chars = "None"
        if args and not (isinstance(args[0], ast.Constant) and args[0].value is None):
            chars = f"Some(&{_data(tr, args[0]).code}[..])"
        flags = f"{'true' if left else 'false'}, {'true' if right else 'false'}"
        return Expr(f"pyops::bytes_strip(&{receiver.code}, {chars}, {flags})", BYTES)

    return emit


method("bytes", "strip", "ASCII whitespace (CPython's Py_ISSPACE) or the given bytes")(
    _strip(left=True, right=True)
)
method("bytes", "lstrip", "ASCII whitespace or the given bytes")(_strip(left=True, right=False))
method("bytes", "rstrip", "ASCII whitespace or the given bytes")(_strip(left=False, right=True))


def _bind(node: ast.Call, names: tuple[str, ...], positional: int) -> dict[str, ast.expr]:
    """Bind the arguments of from_bytes/to_bytes by Python's rules: the first `positional`
    names by position or keyword, the others (`signed`) by keyword only."""
    if any(isinstance(a, ast.Starred) for a in node.args) or len(node.args) > positional:
        raise _refuse(node, "its arguments")
    given = dict(zip(names, node.args, strict=False))
    for keyword in node.keywords:
        if keyword.arg is None or keyword.arg in given or keyword.arg not in names:
            raise _refuse(node, "its keywords")
        given[keyword.arg] = keyword.value
    return given


def _flag(node: ast.Call, given: dict[str, ast.expr], name: str, choices: dict[object, str]) -> str:
    value = given.get(name)
    if value is None:
        return choices[None]
    if not isinstance(value, ast.Constant) or value.value not in choices:
        raise _refuse(node, f"{name} is not a literal {', '.join(map(repr, choices))}")
    return choices[value.value]


_ORDER: dict[object, str] = {"big": "true", "little": "false"}
_SIGNED: dict[object, str] = {True: "true", False: "false"}


def from_bytes(tr: Translator, node: ast.Call) -> Expr:
    """`int.from_bytes(b, "big")`: exact within i64, redone in Python beyond."""
    given = _bind(node, ("bytes", "byteorder", "signed"), 2)
    if "bytes" not in given:
        raise _refuse(node, "no bytes")
    data = _data(tr, given["bytes"])
    big = _flag(node, given, "byteorder", {**_ORDER, None: "true"})  # 3.11: "big" by default
    signed = _flag(node, given, "signed", {**_SIGNED, None: "false"})
    return Expr(f"pyops::int_from_bytes(&{data.code}, {big}, {signed})?", INT)


@method("int", "to_bytes", "length and a literal byteorder/signed; every error redone in Python")
def _to_bytes(tr: Translator, receiver: Expr, node: ast.Call) -> Expr:
    given = _bind(node, ("length", "byteorder", "signed"), 2)
    length = tr.value(given["length"], INT) if "length" in given else Expr("1_i64", INT)
    if length.type != INT:
        raise _refuse(node, "a length that is not an int")
    big = _flag(node, given, "byteorder", {**_ORDER, None: "true"})
    signed = _flag(node, given, "signed", {**_SIGNED, None: "false"})
    held = tr.fresh()
    return Expr(
        f"{{ let {held} = {receiver.code}; "
        f"pyops::int_to_bytes({held}, {length.code}, {big}, {signed})? }}",
        BYTES,
    )


# `int.from_bytes(...)`: called on the class, not on a value (see pyspecialize.method_call).
CLASS_METHODS: dict[tuple[str, str], Callable[[Translator, ast.Call], Expr]] = {
    ("int", "from_bytes"): from_bytes,
}
