"""Translate a small, faithful subset of Python function bodies to Rust (for `migrate`).

Faithfulness beats coverage: anything outside the subset raises `Untranslatable` and the
function gets a typed skeleton instead. The subset: int/float/bool/str locals and lists of them,
arithmetic, comparisons, `if`/`while`/`for` over `range` (any literal step), lists and strings,
indexing and slicing (negative indexes too), a few builtins, `raise` of builtin exceptions.

How Python's semantics are kept (the helpers live in the generated `src/pyops.rs`):
- int is `i64`; + - * ** << and unary minus are checked and raise OverflowError; `//` and `%`
  round towards negative infinity; division by zero raises ZeroDivisionError.
- str is a `Vec<char>` inside the function: indexing, `len` and slicing count code points.
- lists are values in Rust but shared objects in Python, so anything that could observe
  sharing (mutating a parameter, `b = a` for lists, appending a list variable) is refused.
- locals are declared at the top of the function, so a loop variable keeps its last value
  after the loop as in Python. (Reading a local before any assignment gives its zero value
  instead of UnboundLocalError: only code that is already broken can tell.)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard

from scaffold.migrate_types import (
    BOOL,
    BYTES,
    CHAR,
    FLOAT,
    INT,
    NONE,
    OBJECT,
    STR,
    PyType,
    Unsupported,
    list_of,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# fmt: off
RUST_KEYWORDS = frozenset({
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
    "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true",
    "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final",
    "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "Self",
})
# fmt: on
# Not raw identifiers in Rust (`r#self` is not allowed), or names of the prelude and of the
# types lib.rs uses, which a function or variable of that name would shadow.
_NOT_RAW = frozenset(
    {
        "self",
        "Self",
        "super",
        "crate",
        "Ok",
        "Err",
        "Some",
        "None",
        "Vec",
        "String",
        "Option",
        "Result",
        "Box",
        "PyResult",
        "PyErr",
        "Python",
        "Bound",
        "Py",
        "PyAny",
        "IndexMap",
        "HashSet",
        "drop",
        "pyops",
    }
)
_UNKNOWN_LIST = PyType("list", (PyType("?"),))
# math's float constants, as `math.pi` or after `from math import pi`.
MATH_CONSTANTS = {
    "pi": "std::f64::consts::PI",
    "e": "std::f64::consts::E",
    "tau": "std::f64::consts::TAU",
    "inf": "f64::INFINITY",
}
_EXCEPTIONS = {
    "ValueError": "PyValueError",
    "TypeError": "PyTypeError",
    "IndexError": "PyIndexError",
    "KeyError": "PyKeyError",
    "ZeroDivisionError": "PyZeroDivisionError",
    "OverflowError": "PyOverflowError",
    "RuntimeError": "PyRuntimeError",
    "ArithmeticError": "PyArithmeticError",
    "AssertionError": "PyAssertionError",
}
_INT_OPS = {
    ast.Add: "pyops::add",
    ast.Sub: "pyops::sub",
    ast.Mult: "pyops::mul",
    ast.FloorDiv: "pyops::floordiv",
    ast.Mod: "pyops::modulo",
    ast.LShift: "pyops::lshift",
    ast.RShift: "pyops::rshift",
}
_BIT_OPS = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
_FLOAT_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_MAX_EXACT = 2**53
# Methods that only read their receiver (str methods, list.index/count): not a mutation.
_READING_METHODS = frozenset(
    {
        "index",
        "count",
        "copy",
        "find",
        "rfind",
        "startswith",
        "endswith",
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "join",
        "replace",
        "upper",
        "lower",
        "isdigit",
        "isalpha",
        "isalnum",
        "isspace",
        "isupper",
        "islower",
        "format",
        "get",
        "capitalize",
        "title",
        # re: matching reads its pattern and subject.
        "search",
        "match",
        "fullmatch",
        "sub",
        "group",
    }
)
_I64 = (-(2**63), 2**63 - 1)


class Untranslatable(Exception):  # noqa: N818  (a reason, not an error the user sees as such)
    """The body uses something outside the faithful subset; `str()` says what."""


def rust_ident(name: str) -> str:
    if name == "_":  # a throwaway name in Python, but not a variable Rust can read
        return "underscore_"
    if name in _NOT_RAW:
        return f"{name}_"
    return f"r#{name}" if name in RUST_KEYWORDS else name


def internal(t: PyType) -> str:
    """The Rust type of a value inside a translated body (str is a Vec<char> there)."""
    if t.name == "str":
        return "Vec<char>"
    if t.name in {"list", "vartuple"}:
        return f"Vec<{internal(t.args[0])}>"
    if t.name == "tuple":
        inner = ", ".join(internal(a) for a in t.args)
        return f"({inner},)" if len(t.args) == 1 else f"({inner})"
    if t.name == "optional":
        return f"Option<{internal(t.args[0])}>"
    if t.name in {"int", "float", "bool", "char", "none", "bytes"}:
        return t.rust()  # bytes: a Vec<u8> in and out, as PyO3 converts it
    if t == OBJECT:
        return "pyops::Obj"
    raise Untranslatable(f"values of type {t} are outside the translatable subset")


def to_external(expr: str, t: PyType) -> str:
    """A value in the body's representation (`internal(t)`) as PyO3 converts it to Python:
    every str inside becomes a String (strings are the only values that change form)."""
    if not t.uses("str"):
        return expr
    if t.name == "str":
        return f"pyops::string(&{expr})"
    if t.name in {"list", "vartuple"}:
        return f"{expr}.into_iter().map(|v| {to_external('v', t.args[0])}).collect::<Vec<_>>()"
    if t.name == "optional":
        return f"{expr}.map(|v| {to_external('v', t.args[0])})"
    if t.name == "tuple":
        parts = ", ".join(to_external(f"{expr}.{i}", a) for i, a in enumerate(t.args))
        return f"({parts},)" if len(t.args) == 1 else f"({parts})"
    raise Untranslatable(f"values of type {t} are outside the translatable subset")


def exact_code(t: PyType, v: str, *, chars: bool = False) -> str:
    """Rust code: `Some(value)` when the Python object `v` is exactly a `t` that fits, else None
    (`chars`: a str as the Vec<char> a translated body takes)."""
    simple = {"int": "int", "float": "float", "bool": "bool", "bytes": "bytes"}
    simple["str"] = "chars" if chars else "str"
    if t.name in simple or t.name == "none":
        return f"pyops::exact_{simple.get(t.name, t.name)}({v})"
    if t == OBJECT:
        return f"Some(pyops::Obj({v}.clone().unbind()))"
    if t.name in {"list", "vartuple", "set", "optional"}:
        return f"pyops::exact_{t.name}({v}, |x| {exact_code(t.args[0], 'x', chars=chars)})"
    if t.name == "tuple":
        items = ", ".join(
            exact_code(a, f"&items[{i}]", chars=chars) + "?" for i, a in enumerate(t.args)
        )
        comma = "," if len(t.args) == 1 else ""
        return f"pyops::exact_tuple({v}, {len(t.args)}).and_then(|items| Some(({items}{comma})))"
    if t.name == "dict":
        key, value = exact_code(t.args[0], "&k"), exact_code(t.args[1], "&x")
        return (
            f"{v}.cast_exact::<PyDict>().ok().and_then(|d| d.iter()"
            f".map(|(k, x)| Some(({key}?, {value}?))).collect::<Option<IndexMap<_, _>>>())"
        )
    raise AssertionError(t.name)


def _default(t: PyType) -> str:
    if t.name == "tuple":
        inner = ", ".join(_default(a) for a in t.args)
        return f"({inner},)" if len(t.args) == 1 else f"({inner})"
    return {
        "int": "0",
        "float": "0.0",
        "bool": "false",
        "char": "'\\0'",
        "none": "()",
        "optional": "None",
        "object": "pyops::Obj::none()",
    }.get(t.name, "Vec::new()")


def rust_str(value: str) -> str:
    out = []
    for ch in value:
        if ch in {'"', "\\"}:
            out.append("\\" + ch)
        elif 0x20 <= ord(ch) < 0x7F:  # noqa: PLR2004
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return '"' + "".join(out) + '"'


def rust_bytes(value: bytes) -> str:
    """A Rust byte string literal (`b"..."`), every non-printable byte escaped."""
    out = []
    for byte in value:
        ch = chr(byte)
        if ch in {'"', "\\"}:
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:  # noqa: PLR2004
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    return 'b"' + "".join(out) + '"'


def rust_char(ch: str) -> str:
    if ch in {"'", "\\"}:
        return f"'\\{ch}'"
    if 0x20 <= ord(ch) < 0x7F:  # noqa: PLR2004
        return f"'{ch}'"
    return f"'\\u{{{ord(ch):x}}}'"


def rust_float(value: float) -> str:
    if value != value:  # noqa: PLR0124  (NaN)
        return "f64::NAN"
    if value in {float("inf"), float("-inf")}:
        return "f64::INFINITY" if value > 0 else "f64::NEG_INFINITY"
    text = repr(value)
    if "." not in text and "e" not in text:
        text += ".0"
    return f"{text}f64"


@dataclass
class Expr:
    code: str
    type: PyType
    # A place (a variable or an element of one): reading a non-Copy place needs a clone.
    place: bool = False
    # For a str literal: its chars as a `&[char]` in place, for the operands that are only
    # read (`borrowed`), where `pyops::chars("...")` would build a Vec on every call.
    slice: str = ""
    # For `s[a:b]` of a str variable: that part as a `&[char]` of the variable, for a
    # comparison only (no Vec built to compare it; elsewhere it could overlap a write to s).
    view: str = ""


def borrowed(e: Expr) -> str:
    """A `&[char]` of the str operand `e`."""
    return e.slice or f"&{e.code}"


def _char_slice(value: str) -> str:
    return f"(&[{', '.join(map(rust_char, value))}] as &[char])"


@dataclass(frozen=True)
class Callee:
    """A function of the same module that was translated too: calls to it become Rust calls."""

    name: str
    params: tuple[tuple[str, PyType, str | None, str], ...]  # name, type, default, kind
    returns: PyType


Constant = int | float | bool | str | bytes | tuple[object, ...]


@dataclass
class FunctionInfo:
    """What the translator needs to know about the function and its module."""

    name: str
    params: list[tuple[str, PyType]]
    returns: PyType
    # Module names bound once, to a literal that cannot change (numbers, strs, tuples).
    constants: dict[str, Constant] = field(default_factory=dict)
    math_names: frozenset[str] = frozenset()  # names the module binds to the math module
    # Names the module binds to a member of math, once (`from math import sqrt as root`).
    math_imports: Mapping[str, str] = field(default_factory=dict)
    # Every name the module binds (a module `len` is not the builtin).
    module_names: frozenset[str] = frozenset()
    # The module's functions a body may call: translating one gives its Callee, or raises
    # Untranslatable (it stays in Python, it is part of a recursion...).
    resolve: Callable[[str], Callee] | None = None
    functions: frozenset[str] = frozenset()
    # Names bound once to the `re` module, and to `re.compile(literal)` (its scaffold.pyregex
    # Pattern, or why it is refused).
    re_names: frozenset[str] = frozenset()
    patterns: dict[str, object] = field(default_factory=dict)
    # Module names bound once to `logging.getLogger(...)` (or a `get_logger(...)`). The
    # translation fills `logged`: the levels the body logs at, per logger, which the dispatch
    # checks before each call (pyops::log_threshold).
    loggers: frozenset[str] = frozenset()
    logged: dict[str, set[int]] = field(default_factory=dict)
    # Filled by the translation: why calls that take a branch Rust cannot run go to Python
    # ("line 12: the call f(x) ..."), one entry per such branch.
    redone: list[str] = field(default_factory=list)
    # Module names bound once to a dict, list, tuple or set display: the body reads them
    # through Python at each call (they can change), their items narrowed to this type
    # (OBJECT where the display mixes types: pygeohash's `_PRECISION` has ints and floats).
    tables: Mapping[str, PyType] = field(default_factory=dict)
    # Set by the translation when the body returns a table's item as it is: the Rust function
    # then returns every value as a Python object (pyops::Obj).
    returns_object: bool = False
    # `list(s)` of a str is a list of chars (one Vec<char>); `listed_chars` says the body made
    # one. A body that then needs strs in it (appends "ab", returns it as list[str]) is
    # translated again with lists of one-character strs.
    char_lists: bool = True
    listed_chars: bool = False


class _ObjectReturn(Exception):  # noqa: N818  (a signal: translate again, returning objects)
    pass


def translate(func: ast.FunctionDef, info: FunctionInfo) -> str:
    """The Rust body (statements, ending with the tail expression) or `Untranslatable`."""
    try:
        try:
            return _translate(func, info)
        except Untranslatable:
            if not info.listed_chars:
                raise
            _restart(info)
            info.char_lists = False
            return _translate(func, info)
    except Unsupported as error:
        raise Untranslatable(str(error)) from error
    except RecursionError as error:  # pragma: no cover - absurdly nested code
        raise Untranslatable("the body is nested too deeply") from error


def _translate(func: ast.FunctionDef, info: FunctionInfo) -> str:
    try:
        return Translator(func, info).body()
    except _ObjectReturn:
        _restart(info)
        info.returns_object = True
        return Translator(func, info).body()


def _restart(info: FunctionInfo) -> None:
    """Forget what a translation that is redone recorded."""
    info.logged.clear()
    info.redone.clear()
    info.returns_object = False
    info.listed_chars = False


class Translator:
    def __init__(self, func: ast.FunctionDef, info: FunctionInfo) -> None:
        self.func = func
        self.info = info
        # Each name's type where the translation is (Python's flow: `s = list(s)` makes a
        # str a list from there on), and every Rust variable a name has had, one per type.
        self.env: dict[str, PyType] = {}
        self.slots: dict[str, dict[PyType, str]] = {}
        self.loops = 0  # inside a loop body: a name keeps its type (each pass starts anew)
        self.params = {name for name, _ in info.params}
        self.temp = 0
        self.mutated = _mutated_names(func)
        self.narrowed: dict[str, PyType] = {}
        # Inside a `re.sub` lambda: its parameter (a match) and the pattern it comes from.
        self.matches: dict[str, Any] = {}
        # Temporaries must not collide with the function's own names (`tmp1_` is legal Python).
        self.taken = {rust_ident(n.id) for n in ast.walk(func) if isinstance(n, ast.Name)}
        # Every name the function binds: local throughout it, in Python's scoping.
        self.bound = {
            n.id
            for n in ast.walk(func)
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
        } | {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)}
        self.taken |= {rust_ident(a.arg) for a in ast.walk(func) if isinstance(a, ast.arg)}
        used = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
        used |= {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)}
        if "_" in used and "underscore_" in used:
            raise Untranslatable("both `_` and `underscore_` are used (one Rust name)")

    # -- whole function ---------------------------------------------------------------------

    def body(self) -> str:
        func = self.func
        _refuse_shape(func)
        for name, t in self.info.params:
            self.env[name] = t
            self.slots[name] = {t: rust_ident(name)}
            if t.name == "list" and name in self.mutated:
                raise Untranslatable(
                    f"it mutates its list argument {name!r}, which the caller would see in "
                    "Python but not from Rust (Rust gets a copy)"
                )
        internal(self.info.returns)
        statements = func.body
        if statements and _is_docstring(statements[0]):
            statements = statements[1:]
        code = self.block(statements, 1)
        for name, slots in self.slots.items():
            if any(t.uses("?") for t in slots):
                raise Untranslatable(f"cannot tell the item type of the empty list {name!r}")
        # Parameters arrive in the body's own representation (the wrapper converted them, a
        # translated caller passes its values as they are): only made mutable here.
        lines = [
            f"    let mut {rust_ident(name)}: {internal(t)} = {rust_ident(name)};"
            for name, t in self.info.params
        ]
        lines += [
            f"    let mut {ident}: {internal(t)} = {_default(t)};"
            for name, slots in self.slots.items()
            for t, ident in slots.items()
            if not (name in self.params and ident == rust_ident(name))
        ]
        if self.info.returns_object:
            tail = (
                "    Ok(pyops::Obj::none())"
                if self.info.returns == NONE or self.info.returns.name == "optional"
                else '    Err(PyTypeError::new_err("ended without return (Python returns None)"))'
            )
        elif self.info.returns == NONE:
            tail = "    Ok(())"
        elif self.info.returns.name == "optional":
            tail = "    Ok(None)"
        else:
            # Python would return None here, against the annotation: say so loudly instead.
            tail = '    Err(PyTypeError::new_err("ended without return (Python returns None)"))'

        return "\n".join([*lines, code, tail]) if code else "\n".join([*lines, tail])

    # -- statements -------------------------------------------------------------------------

    def block(self, statements: list[ast.stmt], depth: int) -> str:
        return "\n".join(self.stmt(s, depth) for s in statements)

    def branch(self, statements: list[ast.stmt], depth: int) -> tuple[str, str]:
        """The block of an `if` or `else`, up to its first statement Rust cannot run: from
        there the call is redone in Python, as a `raise` is. The body is pure up to that
        point, so redoing it changes nothing; the calls that never take the branch (a
        `check_validity` flag, a warning for a rare argument) stay in Rust. Returns the
        code and why it redoes ("" when it does not)."""
        done: list[str] = []
        for k, node in enumerate(statements):
            env, redone = dict(self.env), len(self.info.redone)
            slots = {name: dict(kinds) for name, kinds in self.slots.items()}
            try:
                done.append(self.stmt(node, depth))
            except (Untranslatable, Unsupported) as error:
                if _loops(statements[k:]):
                    # A loop from there on is the function's work, not a rare path: each
                    # call that takes the branch would pay for Rust and Python both.
                    raise
                # The statement's half-made declarations go with it.
                self.env, self.slots = env, slots
                del self.info.redone[redone:]
                done.append(f'{"    " * depth}return Err(pyops::redo("line {node.lineno}"));')
                return "\n".join(done), f"line {node.lineno}: {error}"
        return "\n".join(done), ""

    def stmt(self, node: ast.stmt, depth: int) -> str:  # noqa: C901, PLR0911, PLR0912, PLR0915
        pad = "    " * depth
        if isinstance(node, ast.Pass):
            return ""
        if isinstance(node, ast.Break):
            return f"{pad}break;"
        if isinstance(node, ast.Continue):
            return f"{pad}continue;"
        if isinstance(node, ast.Return):
            return pad + self.return_(node)
        if isinstance(node, ast.Assign):
            if len(node.targets) != 1:
                return self.chained(node, depth)
            return self.assign(node.targets[0], node.value, depth)
        if isinstance(node, ast.AnnAssign):
            if node.value is None or not isinstance(node.target, ast.Name):
                raise Untranslatable("annotation without a value")
            from scaffold.migrate_types import parse_annotation  # noqa: PLC0415

            declared = parse_annotation(node.annotation)
            self.declare(node.target.id, declared)
            return self.assign(node.target, node.value, depth)
        if isinstance(node, ast.AugAssign):
            return self.augassign(node, depth)
        if isinstance(node, ast.If):
            cond = self.condition(node.test)
            if cond in {"true", "false", "!(true)", "!(false)"} and _static_test(node.test):
                # `if isinstance(v, str):` decided from the exact types Rust gets: only the
                # branch Python takes for them is translated (the other never runs here).
                taken = node.body if cond in {"true", "!(false)"} else node.orelse
                return self.block(taken, depth)
            narrowed = self.narrowing(node)
            if narrowed is not None:
                self.narrowed[narrowed] = self.env[narrowed].args[0]
            before = dict(self.env)
            try:
                inside, redone = self.branch(node.body, depth + 1)
            finally:
                self.narrowed.pop(narrowed or "", None)
            # The paths that go on after the `if`, each with its names' types.
            ends = [] if redone or _ends(node.body) else [self.env]
            self.env = dict(before)
            text = f"{pad}if {cond} {{\n{inside}"
            also = ""
            if node.orelse:
                other, also = self.branch(node.orelse, depth + 1)
                if redone and also:  # no path through this `if` would stay in Rust
                    raise Untranslatable(f"{redone}; and {also}")
                text += f"\n{pad}}} else {{\n{other}"
            if not (also or _ends(node.orelse)):
                ends.append(self.env)
            self.env = self.merge(ends or [self.env])
            if redone:
                self.info.redone.append(redone)
            return text + f"\n{pad}}}"
        if isinstance(node, ast.While):
            if node.orelse:
                raise Untranslatable("while ... else")
            test = node.test
            ticks = self.fresh()
            tick = f"{pad}    pyops::tick(&mut {ticks})?;\n"  # signals stay deliverable
            if isinstance(test, ast.Constant) and test.value is True:
                head = "loop"
            else:
                head = f"while {self.condition(test)}"
            body = self.loop_body(node.body, depth + 1)
            return f"{pad}let mut {ticks}: u32 = 0;\n{pad}{head} {{\n{tick}{body}\n{pad}}}"
        if isinstance(node, ast.For):
            return self.for_(node, depth)
        if isinstance(node, ast.Expr):
            return pad + self.expr_stmt(node.value)
        if isinstance(node, ast.Raise):
            return pad + self.raise_(node)
        if isinstance(node, ast.Assert):
            cond = self.condition(node.test)
            message = '""'
            if node.msg is not None:
                if not (isinstance(node.msg, ast.Constant) and isinstance(node.msg.value, str)):
                    # Python computes the message: it redoes the call that fails.
                    return f'{pad}if !({cond}) {{ return Err(pyops::redo("assert")); }}'
                message = rust_str(node.msg.value)
            return f"{pad}if !({cond}) {{ return Err(PyAssertionError::new_err({message})); }}"
        raise Untranslatable(f"the {type(node).__name__} statement (line {node.lineno})")

    def merge(self, ends: list[dict[str, PyType]]) -> dict[str, PyType]:
        """The names' types where the paths through an `if` meet: a name that is a str on
        one and a list on the other has no single Rust variable to read afterwards."""
        merged: dict[str, PyType] = {}
        for env in ends:
            for name, t in env.items():
                known = merged.get(name)
                if known is None or known == _UNKNOWN_LIST:
                    merged[name] = t
                elif t not in {known, _UNKNOWN_LIST}:
                    raise Untranslatable(
                        f"{name!r} is {known} on one path and {t} on another; "
                        "a Rust variable has one type"
                    )
        return merged

    def is_argument(self, name: str) -> bool:
        """Whether `name` holds the caller's value here (not one it was rebound to)."""
        return name in self.params and self.ident(name) == rust_ident(name)

    def ident(self, name: str) -> str:
        """The Rust variable that holds `name` here (a name rebound to another type has
        one per type)."""
        return self.slots.get(name, {}).get(self.env[name], rust_ident(name))

    def narrowing(self, node: ast.If) -> str | None:
        """`if x:` or `if x is not None:` on an optional number: inside, x is the number
        (as a type checker narrows it), unless the body assigns x."""
        test = node.test
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.IsNot)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
        ):
            test = test.left
        if not isinstance(test, ast.Name):
            return None
        t = self.env.get(test.id)
        if t is None or t.name != "optional" or not t.args[0].is_copy:
            return None
        if test.id in _assigned_in(node.body):
            return None
        return test.id

    def return_(self, node: ast.Return) -> str:
        want = self.info.returns
        if self.info.returns_object:
            return self.object_return(node)
        if node.value is None or (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            if want == NONE:
                return "return Ok(());"
            if want.name == "optional":
                return "return Ok(None);"
            raise Untranslatable(f"returns None where the annotation says {want}")
        inner = want.args[0] if want.name == "optional" else want
        # A variable is returned as it is (moved out: the function ends), not copied first;
        # the wrapper converts it for Python.
        if isinstance(node.value, ast.Name) and node.value.id in self.env:
            got = self.expr(node.value, inner)
            if got.type == inner and got.place:
                code = got.code
                return (
                    f"return Ok(Some({code}));"
                    if want.name == "optional"
                    else f"return Ok({code});"
                )
        got = self.value(node.value, inner)
        if got.type == OBJECT:
            raise _ObjectReturn
        code = coerce(got, inner, "returns").code
        return f"return Ok(Some({code}));" if want.name == "optional" else f"return Ok({code});"

    def object_return(self, node: ast.Return) -> str:
        """A `return` of a body that returns a table's item as it is: every value goes back
        as the Python object it is (the table's own item, or the number or str converted)."""
        want = self.info.returns
        if node.value is None or (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            if want == NONE or want.name == "optional":
                return "return Ok(pyops::Obj::none());"
            raise Untranslatable(f"returns None where the annotation says {want}")
        inner = want.args[0] if want.name == "optional" else want
        got = self.value(node.value, inner)
        if got.type == OBJECT:
            return f"return Ok({got.code});"
        code = coerce(got, inner, "returns").code
        return f"return Ok(pyops::obj({to_external(code, inner)})?);"

    def declare(self, name: str, t: PyType) -> None:
        if (
            name in self.info.constants
            or name in self.info.math_names
            or name in self.info.math_imports
        ):
            raise Untranslatable(f"assigns to the module-level name {name!r}")
        known = self.env.get(name)
        slots = self.slots.setdefault(name, {})
        if t == _UNKNOWN_LIST and (known or t).name == "list":
            # `xs = []` stays the list it was (its item type comes from what is added).
            t = known or next((k for k in slots if k.name == "list"), t)
        elif known is not None and known not in {t, _UNKNOWN_LIST} and self.loops:
            # A loop's next pass would start with the other type.
            raise Untranslatable(
                f"{name!r} is {known} and later {t} in a loop; a Rust variable has one type"
            )
        elif t.name == "list" and _UNKNOWN_LIST in slots:  # the item type is known now
            if t in slots:
                raise Untranslatable(f"{name!r} is two {t} variables")
            slots[t] = slots.pop(_UNKNOWN_LIST)
        if t not in slots:
            ident = rust_ident(name)
            if slots:  # rebound to another type: a Rust variable of its own
                ident = f"{ident}_{len(slots)}_"
                while ident in self.taken:
                    ident += "_"
                self.taken.add(ident)
            slots[t] = ident
        self.env[name] = t

    def assign(self, target: ast.expr, value: ast.expr, depth: int) -> str:  # noqa: C901  (one branch per Python construct)
        pad = "    " * depth
        if isinstance(target, ast.Name):
            hint = self.env.get(target.id)
            got = self.value(value, hint, fresh_list=True)
            if hint == STR and got.type == CHAR:
                got = coerce(got, STR, "assigns")
            self.declare(target.id, got.type)
            return f"{pad}{self.ident(target.id)} = {got.code};"
        if isinstance(target, ast.Tuple):
            if isinstance(value, ast.Tuple) and any(
                isinstance(e, ast.Subscript) for e in target.elts
            ):
                return self.parallel(target, value, depth)
            if not all(isinstance(e, ast.Name) for e in target.elts):
                raise Untranslatable("unpacking into something other than names")
            names = [e.id for e in target.elts]  # type: ignore[attr-defined]
            if isinstance(value, ast.Tuple):
                if len(value.elts) != len(names):
                    raise Untranslatable("unpacking a tuple of another length")
                values = [
                    self.value(v, self.env.get(n), fresh_list=True)
                    for n, v in zip(names, value.elts, strict=True)
                ]
            else:
                # fresh_list: unpacking a stored tuple shares its lists in Python.
                whole = self.value(value, fresh_list=True)
                if whole.type.name != "tuple" or len(whole.type.args) != len(names):
                    raise Untranslatable("unpacking something that is not a tuple of that size")
                tmp = self.fresh()
                values = [Expr(f"{tmp}.{i}", t) for i, t in enumerate(whole.type.args)]
                for name, v in zip(names, values, strict=True):
                    self.declare(name, v.type)
                sets = " ".join(
                    f"{self.ident(n)} = {v.code};" for n, v in zip(names, values, strict=True)
                )
                return f"{pad}{{ let {tmp} = {whole.code}; {sets} }}"
            temps = [self.fresh() for _ in names]
            for name, v in zip(names, values, strict=True):
                self.declare(name, v.type)
            lets = " ".join(f"let {t} = {v.code};" for t, v in zip(temps, values, strict=True))
            sets = " ".join(f"{self.ident(n)} = {t};" for n, t in zip(names, temps, strict=True))
            return f"{pad}{{ {lets} {sets} }}"
        if isinstance(target, ast.Subscript):
            place, elem = self.index_place(target)
            got = coerce(self.value(value, elem, fresh_list=True), elem, "stores")
            tmp = self.fresh()
            return f"{pad}{{ let {tmp} = {got.code}; {place[0]} {place[1]} = {tmp}; }}"
        raise Untranslatable(f"assignment to {ast.unparse(target)}")

    def parallel(self, target: ast.Tuple, value: ast.Tuple, depth: int) -> str:
        """`xs[i], xs[j] = xs[j], xs[i]`: Python evaluates every value first, then assigns
        the targets from left to right (each target's index read when it is assigned)."""
        if len(value.elts) != len(target.elts):
            raise Untranslatable("unpacking a tuple of another length")
        if not all(isinstance(e, (ast.Name, ast.Subscript)) for e in target.elts):
            raise Untranslatable("unpacking into something other than names and items")
        swap = self.swap(target, value)
        if swap is not None:
            return "    " * depth + swap
        temps, lets = [], []
        for elt, v in zip(target.elts, value.elts, strict=True):
            hint = self.env.get(elt.id) if isinstance(elt, ast.Name) else None
            got = self.value(v, hint, fresh_list=True)
            temps.append(Expr(self.fresh(), got.type))
            lets.append(f"let {temps[-1].code} = {got.code};")
        sets = []
        for elt, held in zip(target.elts, temps, strict=True):
            if isinstance(elt, ast.Name):
                got = held
                if elt.id in self.env and self.env[elt.id] == STR and got.type == CHAR:
                    got = coerce(got, STR, "assigns")
                self.declare(elt.id, got.type)
                sets.append(f"{self.ident(elt.id)} = {got.code};")
            else:
                (prep, place), elem = self.index_place(elt)  # type: ignore[arg-type]
                sets.append(f"{prep} {place} = {coerce(held, elem, 'stores').code};")
        return f"{'    ' * depth}{{ {' '.join(lets)} {' '.join(sets)} }}"

    def swap(self, target: ast.Tuple, value: ast.Tuple) -> str | None:  # noqa: PLR0911  (one per shape it is not)
        """`xs[i], xs[j] = xs[j], xs[i]` on a list variable and two names or numbers: both
        items are read first (an index out of range fails there, j first, as in Python),
        then exchanged in place, without copying either."""
        if len(target.elts) != 2:  # noqa: PLR2004  (a pair)
            return None
        text = [ast.unparse(e) for e in (*target.elts, *value.elts)]
        if text[0] != text[3] or text[1] != text[2] or text[0] == text[1]:
            return None
        first, second = target.elts
        if not (isinstance(first, ast.Subscript) and isinstance(second, ast.Subscript)):
            return None
        seq = first.value
        if not (isinstance(seq, ast.Name) and ast.unparse(seq) == ast.unparse(second.value)):
            return None
        if not all(isinstance(s.slice, (ast.Name, ast.Constant)) for s in (first, second)):
            return None
        t = self.env.get(seq.id)
        if t is None or t.name != "list" or self.is_argument(seq.id):
            return None
        name = self.ident(seq.id)
        read, at = [], []
        for index in (second.slice, first.slice):
            i = self.value(index, INT)
            if i.type != INT:
                raise Untranslatable("a list index that is not an int")
            at.append(self.fresh())
            read.append(f'let {at[-1]} = pyops::index({name}.len(), {i.code}, "list")?;')
        return f"{{ {' '.join(read)} {name}.swap({at[1]}, {at[0]}); }}"

    def chained(self, node: ast.Assign, depth: int) -> str:
        """`a = b = value`: one value, bound to each name from left to right. Each Rust
        variable gets its own copy, so the value must be one that nothing can change
        (a list would be shared by both names in Python)."""
        if not all(isinstance(t, ast.Name) for t in node.targets):
            raise Untranslatable("chained assignment to something other than names")
        got = self.value(node.value, self.env.get(node.targets[0].id))  # type: ignore[attr-defined]
        if got.type.uses("list") or got.type.uses("?"):
            raise Untranslatable("chained assignment of a list (both names share it in Python)")
        if got.type == CHAR:
            got = coerce(got, STR, "assigns")
        tmp = self.fresh()
        sets = []
        for target in node.targets:
            name = target.id  # type: ignore[attr-defined]
            self.declare(name, got.type)
            sets.append(f"{self.ident(name)} = {tmp}{'' if got.type.is_copy else '.clone()'};")
        return f"{'    ' * depth}{{ let {tmp} = {got.code}; {' '.join(sets)} }}"

    def index_place(self, target: ast.Subscript) -> tuple[tuple[str, str], PyType]:
        """`xs[i][j]` as an assignable place: (index computations, place), and its type."""
        chain: list[ast.expr] = []
        node: ast.expr = target
        while isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Slice):
                raise Untranslatable("assignment to a slice")
            chain.append(node.slice)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.env:
            raise Untranslatable(f"assignment to {ast.unparse(target)}")
        if self.is_argument(node.id) and self.env[node.id].name == "list":
            raise Untranslatable(f"it mutates its list argument {node.id!r}")
        place = self.ident(node.id)
        t = self.env[node.id]
        prep = []
        for index in reversed(chain):
            if t.name != "list":
                raise Untranslatable(f"item assignment on {t}")
            i = self.value(index, INT)
            if i.type != INT:
                raise Untranslatable("a list index that is not an int")
            tmp = self.fresh()
            prep.append(f'let {tmp} = pyops::index({place}.len(), {i.code}, "list assignment")?;')
            place = f"{place}[{tmp}]"
            t = t.args[0]
        return (" ".join(prep), place), t

    def extend(self, node: ast.AugAssign, target: str, current: PyType) -> str:
        """`target += value` on a str, list or bytes: extended in place."""
        if not isinstance(node.op, ast.Add):
            raise Untranslatable(f"{type(node.op).__name__}= on {current}")
        if current.name == "list" and self.is_argument(target):
            raise Untranslatable(f"it mutates its list argument {target!r}")
        other = self.expr(node.value, current)
        name = self.ident(target)
        if current == STR and other.type == CHAR:
            return f"{name}.push({other.code});"
        if other.type != current:
            raise Untranslatable(f"{current} += {other.type}")
        if current.name == "list" and current.args[0].uses("list"):
            raise Untranslatable(
                f"{target} += ... on {current} shares the inner lists in Python "
                "(Rust would copy them)"
            )
        if other.code != name and (other.place or other.slice):
            # A variable or a literal is read in place: no copy made only to be added.
            return f"{name}.extend_from_slice({other.slice or '&' + other.code});"
        if other.place:
            other = Expr(f"{other.code}.clone()", other.type)
        tmp = self.fresh()
        return f"{{ let {tmp} = {other.code}; {name}.extend({tmp}); }}"

    def augassign(self, node: ast.AugAssign, depth: int) -> str:
        pad = "    " * depth
        target = node.target
        if isinstance(target, ast.Name):
            current = self.env.get(target.id)
            if current is None:
                raise Untranslatable(f"{target.id!r} is used before it is assigned")
            if current.name in {"str", "list", "bytes"}:
                return pad + self.extend(node, target.id, current)
            left = Expr(self.ident(target.id), current, place=True)
            result = self.binop(node.op, left, self.value(node.value, current))
            if result.type != current:
                raise Untranslatable(f"{target.id!r} changes type from {current} to {result.type}")
            return f"{pad}{self.ident(target.id)} = {result.code};"
        if isinstance(target, ast.Subscript):
            (prep, place), elem = self.index_place(target)
            if elem.name not in {"int", "float"}:
                raise Untranslatable(f"augmented assignment to an item of type {elem}")
            result = self.binop(node.op, Expr(place, elem), self.value(node.value, elem))
            if result.type != elem:
                raise Untranslatable(f"an item changes type from {elem} to {result.type}")
            return f"{pad}{{ {prep} {place} = {result.code}; }}"
        raise Untranslatable(f"augmented assignment to {ast.unparse(target)}")

    def for_(self, node: ast.For, depth: int) -> str:
        pad = "    " * depth
        if node.orelse:
            raise Untranslatable("for ... else")
        table = self.static_table(node.iter)
        if table is not None and isinstance(node.target, ast.Name) and table[1].name == "tuple":
            table = None  # a whole row in one variable: an owned tuple, as before
        if table is not None:
            header, item, fallible = *table, False
        else:
            header, item, fallible = self.iteration(node.iter, node.body)
        names = _target_names(node.target)
        if item.uses("list") and set(names) & _mutated_in(node.body):
            raise Untranslatable(
                f"the loop changes the list {names[0]!r}, shared with its container"
            )
        loop_var, ticks = self.fresh(), self.fresh()
        self.loops += 1
        try:
            got = Expr(f"{loop_var}{'?' if fallible else ''}", item)
            sets = self.bind_target(node.target, got, borrowed=table is not None)
        finally:
            self.loops -= 1
        body = self.loop_body(node.body, depth + 1)
        tick = f"pyops::tick(&mut {ticks})?;"  # a huge range stays interruptible
        return (
            f"{pad}let mut {ticks}: u32 = 0;\n"
            f"{pad}for {loop_var} in {header} {{\n{pad}    {tick} {sets}\n{body}\n{pad}}}"
        )

    def loop_body(self, statements: list[ast.stmt], depth: int) -> str:
        self.loops += 1
        try:
            return self.block(statements, depth)
        finally:
            self.loops -= 1

    def static_table(self, iterable: ast.expr) -> tuple[str, PyType] | None:
        """A module constant table of strs and numbers (roman's `(("M", 1000), ...)`) as a
        Rust array of borrowed items, and the item type: the loop then copies each str into
        the loop variable's own buffer, instead of building every str of the table anew on
        each call."""
        if not (isinstance(iterable, ast.Name) and iterable.id not in self.env):
            return None
        value = self.info.constants.get(iterable.id)
        if not isinstance(value, tuple) or len(value) < 2:  # noqa: PLR2004  (a table)
            return None
        rows = [_static_item(v) for v in value]
        kinds = {row[1] for row in rows if row is not None}
        if None in rows or len(kinds) != 1:
            return None
        items = ", ".join(row[0] for row in rows if row is not None)
        return f"[{items}]", kinds.pop()

    def bind_target(self, target: ast.expr, item: Expr, *, borrowed: bool = False) -> str:
        """Assign a loop item to the loop target: a name, or a tuple of names it unpacks.
        `borrowed`: the item's strs are `&[char]` (static_table), copied into the target."""

        def bind(name: str, code: str, t: PyType) -> str:
            self.declare(name, t)
            ident = self.ident(name)
            if borrowed and t == STR:
                return f"{ident}.clear(); {ident}.extend_from_slice({code});"
            return f"{ident} = {code};"

        if isinstance(target, ast.Name):
            return bind(target.id, item.code, item.type)
        if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
            if item.type.name != "tuple" or len(item.type.args) != len(target.elts):
                raise Untranslatable(f"unpacking {item.type} into {ast.unparse(target)}")
            held = self.fresh()
            sets = [f"let {held} = {item.code};"]
            for i, (elt, t) in enumerate(zip(target.elts, item.type.args, strict=True)):
                sets.append(bind(elt.id, f"{held}.{i}", t))  # type: ignore[attr-defined]
            return " ".join(sets)
        raise Untranslatable(f"a for loop that unpacks into {ast.unparse(target)}")

    def iteration(self, iterable: ast.expr, body: list[ast.stmt]) -> tuple[str, PyType, bool]:  # noqa: C901  (one branch per iterable kind)
        """A Rust iterator over what Python's `for` would visit, the item type, and whether
        each item is a PyResult (`zip(..., strict=True)` can fail part-way)."""
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name):
            name = iterable.func.id
            if name in {"range", "enumerate", "zip", "reversed"} and self.is_builtin(name):
                return self.builtin_iteration(name, iterable, body)
        if not isinstance(iterable, ast.Name) or iterable.id not in self.env:
            root = _root_name(iterable)
            live = isinstance(iterable, (ast.Subscript, ast.Attribute)) and not (
                isinstance(iterable, ast.Subscript) and isinstance(iterable.slice, ast.Slice)
            )
            if live and root is not None and root in _assigned_in(body) | _mutated_in(body):
                # `for x in grid[0]` iterates the live inner list in Python; Rust a snapshot.
                raise Untranslatable(f"the loop changes {root!r} while iterating over part of it")
            seq = self.value(iterable)
            if seq.type.name == "str":
                return f"({seq.code}).into_iter()", CHAR, False
            if seq.type == BYTES:
                return f"({seq.code}).into_iter().map(i64::from)", INT, False
            if seq.type.name in {"list", "vartuple"}:
                return f"({seq.code}).into_iter()", seq.type.args[0], False
            raise Untranslatable(f"iterating over {seq.type}")
        t = self.env[iterable.id]
        assigned = _assigned_in(body)
        if iterable.id in assigned or iterable.id in _mutated_in(body):
            # Python's iterator sees changes made while looping; a Rust copy would not.
            raise Untranslatable(f"the loop changes {iterable.id!r} while iterating over it")
        name = self.ident(iterable.id)
        if t == BYTES:
            index = self.fresh()
            return f"(0..{name}.len()).map(|{index}| i64::from({name}[{index}]))", INT, False
        if t.name in {"str", "list", "vartuple"}:
            # The loop does not change the sequence: read it in place, one item at a time,
            # instead of copying it whole.
            item = CHAR if t.name == "str" else t.args[0]
            clone = "" if item.is_copy else ".clone()"
            index = self.fresh()
            return f"(0..{name}.len()).map(|{index}| {name}[{index}]{clone})", item, False
        raise Untranslatable(f"iterating over {t}")

    def builtin_iteration(  # noqa: C901, PLR0912  (one branch per builtin and form)
        self, name: str, call: ast.Call, body: list[ast.stmt]
    ) -> tuple[str, PyType, bool]:
        where = ast.unparse(call)
        if any(isinstance(a, ast.Starred) for a in call.args):
            raise Untranslatable(f"{where} (unpacked arguments)")
        if name == "range":
            if call.keywords:
                raise Untranslatable(f"{where} (keywords)")
            return self.range_(call.args), INT, False
        if name == "reversed":
            if call.keywords or len(call.args) != 1:
                raise Untranslatable(where)
            inner = call.args[0]
            if isinstance(inner, ast.Call) and not (
                isinstance(inner.func, ast.Name) and inner.func.id == "range"
            ):
                # enumerate, zip and reversed objects are not reversible: Python raises.
                raise Untranslatable(f"{where} (Python raises TypeError: not reversible)")
            header, item, fallible = self.iteration(call.args[0], body)
            if fallible:
                raise Untranslatable(f"{where} of a zip(strict=True)")
            # pyops::range is not double-ended: take its items first (they are ints).
            if header.startswith("pyops::range("):
                return f"{header}.collect::<Vec<i64>>().into_iter().rev()", item, False
            return f"({header}).rev()", item, False
        if name == "enumerate":
            start = 0
            if call.keywords or not 1 <= len(call.args) <= 2:  # noqa: PLR2004
                raise Untranslatable(f"{where} (only enumerate(x) and enumerate(x, n))")
            if len(call.args) == 2:  # noqa: PLR2004
                literal = literal_int(call.args[1])
                if literal is None or abs(literal) > 2**32:
                    raise Untranslatable(f"{where} (a start that is not a small literal)")
                start = literal
            header, item, fallible = self.iteration(call.args[0], body)
            if fallible:
                raise Untranslatable(f"{where} of a zip(strict=True)")
            pair = PyType("tuple", (INT, item))
            i, v = self.fresh(), self.fresh()
            code = f"({header}).enumerate().map(|({i}, {v})| ({i} as i64 + {start}_i64, {v}))"
            return code, pair, False
        # zip
        strict = False
        for keyword in call.keywords:
            if keyword.arg != "strict" or not isinstance(keyword.value, ast.Constant):
                raise Untranslatable(f"{where} (keywords other than strict=True/False)")
            strict = keyword.value.value is True
        if len(call.args) != 2:  # noqa: PLR2004
            raise Untranslatable(f"{where} (only zip of two iterables)")
        (ha, ta, fa), (hb, tb, fb) = (self.iteration(a, body) for a in call.args)
        if fa or fb:
            raise Untranslatable(f"{where} of a zip(strict=True)")
        pair = PyType("tuple", (ta, tb))
        if strict:
            return f"pyops::zip_strict({ha}, {hb})", pair, True
        return f"({ha}).zip({hb})", pair, False

    def range_(self, args: list[ast.expr]) -> str:
        if not 1 <= len(args) <= 3:  # noqa: PLR2004
            raise Untranslatable("range() with no or too many arguments")
        values = [self.value(a, INT) for a in args]
        if any(v.type != INT for v in values):
            raise Untranslatable("range() of something that is not an int")
        if len(values) == 1:
            return f"0..{values[0].code}"
        start, stop = values[0].code, values[1].code
        if len(args) == 2:  # noqa: PLR2004
            return f"({start})..({stop})"
        step = self.value(args[2], INT)
        if step.type != INT:
            raise Untranslatable("range() with a step that is not an int")
        return f"pyops::range({start}, {stop}, {step.code})?"

    def expr_stmt(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            return ""  # a bare string: a comment
        if isinstance(node, ast.Call):
            got = self.call(node, None)
            return f"let _ = {got.code};" if got.type != NONE else f"{got.code};"
        raise Untranslatable(f"the expression statement {ast.unparse(node)}")

    def list_method(self, node: ast.Call) -> str:
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            raise Untranslatable(f"the list method call {ast.unparse(node)} (not on a variable)")
        owner, method = func.value.id, func.attr
        t = self.env.get(owner)
        if t is None or t.name != "list":
            raise Untranslatable(f"the list method call {ast.unparse(node)}")
        if self.is_argument(owner):
            raise Untranslatable(f"it mutates its list argument {owner!r}")
        name = self.ident(owner)
        if method == "append" and len(node.args) == 1 and not node.keywords:
            item_hint = None if t.uses("?") else t.args[0]
            item = self.value(node.args[0], item_hint, fresh_list=True, aliasable=False)
            if t.uses("?"):
                self.declare(owner, list_of(item.type))
            else:
                item = coerce(item, t.args[0], "appends")
            return f"{name}.push({item.code})"
        if method == "pop" and not node.args and not node.keywords and not t.uses("?"):
            return f"pyops::pop(&mut {name})?"
        raise Untranslatable(f"the list method call {ast.unparse(node)}")

    def raise_(self, node: ast.Raise) -> str:
        exc = node.exc
        if (
            node.cause is None
            and isinstance(exc, ast.Call)
            and isinstance(exc.func, ast.Name)
            and not exc.keywords
            and exc.func.id in _EXCEPTIONS
            and self.is_builtin(exc.func.id)
            and len(exc.args) <= 1
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in exc.args)
        ):
            message = rust_str(exc.args[0].value) if exc.args else '""'  # type: ignore[attr-defined]
            return f"return Err({_EXCEPTIONS[exc.func.id]}::new_err({message}));"
        # Anything else (the module's own exception class, a computed message...): Python
        # redoes the call and raises exactly its own exception. The body is pure, so redoing
        # it changes nothing else.
        return 'return Err(pyops::redo("raise"));'

    # -- expressions ------------------------------------------------------------------------

    def fresh(self) -> str:
        self.temp += 1
        while f"tmp{self.temp}_" in self.taken:
            self.temp += 1
        return f"tmp{self.temp}_"

    def value(
        self,
        node: ast.expr,
        hint: PyType | None = None,
        *,
        fresh_list: bool = False,
        aliasable: bool = True,
    ) -> Expr:
        """An owned value. Reading a list variable would alias it in Python: refused when
        the value is stored (`fresh_list`) so that a later change cannot tell the difference."""
        got = self.expr(node, hint)
        if got.place and not got.type.is_copy:
            if got.type.uses("list") and (fresh_list or not aliasable):
                raise Untranslatable(
                    f"{ast.unparse(node)} would share a list in Python (aliasing), which a Rust "
                    "copy cannot reproduce; a list of numbers or strings can be copied "
                    "explicitly with list(...) first"
                )
            return Expr(f"{got.code}.clone()", got.type)
        return got

    def condition(self, node: ast.expr) -> str:
        """A Rust bool for Python's truth test of `node`."""
        if isinstance(node, ast.BoolOp):
            joiner = " && " if isinstance(node.op, ast.And) else " || "
            return "(" + joiner.join(self.condition(v) for v in node.values) + ")"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return f"!({self.condition(node.operand)})"
        got = self.expr(node)
        return truth(got)

    def expr(self, node: ast.expr, hint: PyType | None = None) -> Expr:  # noqa: C901, PLR0911, PLR0912, PLR0915
        if isinstance(node, ast.Constant):
            return self.constant(node.value, hint)
        if isinstance(node, ast.Name):
            if node.id in self.narrowed:
                return Expr(f"{self.ident(node.id)}.unwrap()", self.narrowed[node.id])
            if node.id in self.env:
                t = self.env[node.id]
                if t.uses("?"):
                    raise Untranslatable(f"{node.id!r} is read before its item type is known")
                return Expr(self.ident(node.id), t, place=True)
            if node.id in self.info.constants:
                return self.constant(self.info.constants[node.id], hint)
            if self.info.math_imports.get(node.id) in MATH_CONSTANTS:  # from math import pi
                return Expr(MATH_CONSTANTS[self.info.math_imports[node.id]], FLOAT)
            raise Untranslatable(f"the name {node.id!r} (not a local, parameter or constant)")
        if isinstance(node, ast.BinOp):
            # No type hint flows into operands: `x = a * 3` with a float `x` still computes an
            # int product first in Python, and an int literal stays an int.
            left = self.value(node.left)
            right = self.value(node.right)
            return self.binop(node.op, left, right, node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return Expr(f"!({self.condition(node.operand)})", BOOL)
            if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
                value = node.operand.value
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    return self.constant(-value, hint)
            operand = self.value(node.operand, hint)
            if isinstance(node.op, ast.UAdd) and operand.type in {INT, FLOAT}:
                return operand
            if isinstance(node.op, ast.USub) and operand.type == INT:
                return Expr(f"pyops::neg({operand.code})?", INT)
            if isinstance(node.op, ast.USub) and operand.type == FLOAT:
                return Expr(f"(-{operand.code})", FLOAT)
            if isinstance(node.op, ast.Invert) and operand.type == INT:
                return Expr(f"(!{operand.code})", INT)
            raise Untranslatable(f"{ast.unparse(node)} on {operand.type}")
        if isinstance(node, ast.BoolOp):
            values = [self.value(v) for v in node.values]
            if any(v.type != BOOL for v in values):
                # `a or b` returns an operand, not a bool, when the operands are not bools.
                raise Untranslatable("and/or on values that are not bools")
            joiner = " && " if isinstance(node.op, ast.And) else " || "
            return Expr("(" + joiner.join(v.code for v in values) + ")", BOOL)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            cond = self.condition(node.test)
            yes = self.value(node.body, hint)
            no = self.value(node.orelse, yes.type)
            if yes.type != no.type:
                raise Untranslatable(f"a conditional expression of {yes.type} or {no.type}")
            return Expr(f"(if {cond} {{ {yes.code} }} else {{ {no.code} }})", yes.type)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node, hint)
        if isinstance(node, ast.List):
            return self.list_literal(node, hint)
        if isinstance(node, ast.Tuple):
            hints = hint.args if hint is not None and hint.name == "tuple" else ()
            items = [
                self.value(e, hints[i] if i < len(hints) else None, fresh_list=True)
                for i, e in enumerate(node.elts)
            ]
            code = ", ".join(i.code for i in items)
            code = f"({code},)" if len(items) == 1 else f"({code})"
            return Expr(code, PyType("tuple", tuple(i.type for i in items)))
        if isinstance(node, ast.ListComp):
            return self.listcomp(node)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node)
        if isinstance(node, ast.Attribute):
            owner = node.value
            math = isinstance(owner, ast.Name) and owner.id in self.info.math_names
            if math and node.attr in MATH_CONSTANTS:
                return Expr(MATH_CONSTANTS[node.attr], FLOAT)
            raise Untranslatable(f"the attribute {ast.unparse(node)}")
        raise Untranslatable(f"the expression {ast.unparse(node)}")

    def constant(self, value: object, hint: PyType | None) -> Expr:  # noqa: PLR0911  (one per type)
        if isinstance(value, bool):
            return Expr("true" if value else "false", BOOL)
        if isinstance(value, int):
            if not _I64[0] <= value <= _I64[1]:
                raise Untranslatable(f"the int literal {value} does not fit in i64")
            return Expr(f"{value}_i64", INT)
        if isinstance(value, float):
            # Parenthesised so that a method call on it applies to the negative number.
            code = rust_float(value)
            return Expr(f"({code})" if code.startswith("-") else code, FLOAT)
        if isinstance(value, str):
            if hint == CHAR and len(value) == 1:
                return Expr(rust_char(value), CHAR, slice=_char_slice(value))
            return Expr(f"pyops::chars({rust_str(value)})", STR, slice=_char_slice(value))
        if isinstance(value, bytes):
            return Expr(f"{rust_bytes(value)}.to_vec()", BYTES)
        if isinstance(value, tuple):
            items = [self.constant(v, None) for v in value]
            kinds = {i.type for i in items}
            code = "".join(f"{i.code}, " for i in items)
            if len(kinds) == 1 and len(items) > 1:
                # A table of one type (`(("M", 1000), ...)`): iterable and indexable.
                return Expr(f"vec![{code}]", PyType("vartuple", (items[0].type,)))
            return Expr(f"({code})", PyType("tuple", tuple(i.type for i in items)))
        raise Untranslatable(f"the constant {value!r}")

    def binop(  # noqa: C901, PLR0911, PLR0912  (one branch per operand type)
        self, op: ast.operator, left: Expr, right: Expr, node: ast.expr | None = None
    ) -> Expr:
        where = ast.unparse(node) if node is not None else type(op).__name__
        if BOOL in {left.type, right.type} and {left.type, right.type} <= {BOOL, INT, FLOAT}:
            if left.type == right.type == BOOL and type(op) in _BIT_OPS:  # True & False: a bool
                return Expr(f"({left.code} {_BIT_OPS[type(op)]} {right.code})", BOOL)
            # Elsewhere a bool is the int 0 or 1 (`n + flag`), as in Python.
            left, right = (
                Expr(f"i64::from({e.code})", INT) if e.type == BOOL else e for e in (left, right)
            )
        lt, rt = left.type, right.type
        if lt == INT and rt == INT:
            if type(op) in _INT_OPS:
                return Expr(f"{_INT_OPS[type(op)]}({left.code}, {right.code})?", INT)
            if type(op) in _BIT_OPS:
                return Expr(f"({left.code} {_BIT_OPS[type(op)]} {right.code})", INT)
            if isinstance(op, ast.Div):
                return Expr(f"pyops::truediv({left.code}, {right.code})?", FLOAT)
            if isinstance(op, ast.Pow):
                exponent = literal_int(node.right) if isinstance(node, ast.BinOp) else None
                if exponent is not None and exponent >= 0:
                    return Expr(f"pyops::pow({left.code}, {right.code})?", INT)
                # A negative exponent gives a float in Python: the call is redone there.
                return Expr(f"pyops::pow_var({left.code}, {right.code})?", INT)
            raise Untranslatable(f"{where} ({lt} and {rt})")
        if {lt, rt} <= {INT, FLOAT} and FLOAT in {lt, rt}:
            # Mixed arithmetic converts the int to float, exactly as Python does for i64.
            lc = left.code if lt == FLOAT else f"({left.code} as f64)"
            rc = right.code if rt == FLOAT else f"({right.code} as f64)"
            if type(op) in _FLOAT_OPS:
                return Expr(f"({lc} {_FLOAT_OPS[type(op)]} {rc})", FLOAT)
            if isinstance(op, ast.Div):
                return Expr(f"pyops::fdiv({lc}, {rc})?", FLOAT)
            if isinstance(op, ast.Pow):
                # CPython's float_pow, special cases and all; a negative base to a
                # fractional power (complex in Python) and an overflow go to Python.
                return Expr(f"pyops::float_pow({lc}, {rc})?", FLOAT)
            if isinstance(op, ast.Mod):  # CPython's float_rem: the sign of the divisor
                return Expr(f"pyops::float_mod({lc}, {rc})?", FLOAT)
            if isinstance(op, ast.FloorDiv):  # CPython's _float_div_mod, snapped
                return Expr(f"pyops::float_floordiv({lc}, {rc})?", FLOAT)
            raise Untranslatable(f"{where} on floats")
        if isinstance(op, ast.Add) and CHAR in {lt, rt} and {lt, rt} <= {CHAR, STR}:
            # A one-character str is a char inside the body: widen it back to a str.
            left = coerce(left, STR, "adds")
            right = coerce(right, STR, "adds")
            lt = rt = STR
        if isinstance(op, ast.Add) and lt == rt and lt.name in {"str", "list", "bytes"}:
            if lt.name == "list" and lt.args[0].uses("list"):
                raise Untranslatable(
                    f"{where} on {lt} shares the inner lists in Python (Rust would copy them)"
                )
            tmp = self.fresh()
            return Expr(f"{{ let mut {tmp} = {left.code}; {tmp}.extend({right.code}); {tmp} }}", lt)
        if isinstance(op, ast.Mult) and {lt, rt} in ({STR, INT}, {CHAR, INT}):
            text, count = (left, right) if rt == INT else (right, left)
            text = coerce(text, STR, "repeats")
            return Expr(f"pyops::repeat_str(&{text.code}, {count.code})?", STR)
        if isinstance(op, ast.Mult) and {lt, rt} == {BYTES, INT}:
            data, count = (left, right) if rt == INT else (right, left)
            return Expr(f"pyops::repeat_bytes(&{data.code}, {count.code})?", BYTES)
        if isinstance(op, ast.Mult) and lt.name == "list" and rt == INT:
            return self.repeat(left, right, where)
        if isinstance(op, ast.Mult) and rt.name == "list" and lt == INT:
            return self.repeat(right, left, where)
        raise Untranslatable(f"{where} ({lt} and {rt})")

    def repeat(self, items: Expr, count: Expr, where: str) -> Expr:
        # [x] * n: the only form kept, and only for immutable items (rows would be shared).
        if (
            not items.code.startswith("vec![")
            or not items.type.args[0].is_copy
            or "," in items.code
        ):
            raise Untranslatable(f"{where}: only [value] * n of numbers (lists would share rows)")
        item = items.code[len("vec![") : -1]
        return Expr(f"pyops::repeat({item}, {count.code})?", items.type)

    def table(self, node: ast.expr) -> str | None:
        """The module table `node` names (read through Python at the call), or None: a name
        the function binds is its local everywhere in it, as in Python."""
        if (
            isinstance(node, ast.Name)
            and node.id in self.info.tables
            and node.id not in self.env
            and node.id not in self.bound
        ):
            return node.id
        return None

    def table_item(self, node: ast.Subscript) -> Expr | None:
        """`TABLE[key]` on a module table, its item narrowed to the table's item type."""
        name = self.table(node.value)
        if name is None or isinstance(node.slice, ast.Slice):
            return None
        item = self.info.tables[name]
        narrow = exact_code(item, "v", chars=True)
        key = self.table_key(node.slice)
        code = f"pyops::table_item(pyops::name!({rust_str(name)}), {key}, |v| {narrow})?"
        return Expr(code, item)

    def table_key(self, node: ast.expr) -> str:
        """A key or index for a module table, as the Python object Python would look up."""
        key = self.expr(node)  # only read: a str is converted from where it is
        if key.type == STR:
            return f"pyops::string({borrowed(key)})"
        if key.type in {INT, FLOAT, BOOL, CHAR}:
            return key.code
        raise Untranslatable(f"a table key of type {key.type}")

    def compare(self, node: ast.Compare) -> Expr:
        """Python's chain `a < b < c`: each middle operand evaluated once (bound to a
        temporary), and later operands only when the earlier comparison held."""
        if (
            len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and (name := self.table(node.comparators[0])) is not None
        ):
            key = self.table_key(node.left)
            found = f"pyops::table_contains(pyops::name!({rust_str(name)}), {key})?"
            return Expr(found if isinstance(node.ops[0], ast.In) else f"!{found}", BOOL)
        left_node = node.left
        left = self.value(left_node)
        steps: list[tuple[str, str]] = []  # (let binding the right operand, comparison)
        last = len(node.ops) - 1
        for k, (op, given) in enumerate(zip(node.ops, node.comparators, strict=True)):
            right_node = given
            if isinstance(op, ast.In | ast.NotIn) and _constant_set(given):
                # `x in {1523, 1524}`: for ints and strs the set's hash lookup finds what
                # `==` on each item finds, so it is tested as the tuple of its items.
                right_node = ast.Tuple(elts=given.elts, ctx=ast.Load())
            if isinstance(right_node, ast.Constant) and right_node.value is None:
                right = Expr("None", NONE)  # only `is None` / `is not None` use it
            else:
                right = self.value(right_node, left.type)
            binding = ""
            if k < last:
                tmp = self.fresh()
                binding = f"let {tmp} = {right.code};"
                right = Expr(tmp, right.type)
            steps.append((binding, self.compare_pair(node, op, left, left_node, right, right_node)))
            left, left_node = right, right_node
        code = steps[-1][1]
        for binding, check in reversed(steps[:-1]):
            code = f"{{ {binding} {check} && {code} }}"
        return Expr(f"({code})", BOOL)

    def compare_pair(  # noqa: C901, PLR0912, PLR0917  (both operands with their nodes)
        self,
        node: ast.Compare,
        op: ast.cmpop,
        left: Expr,
        left_node: ast.expr,
        right: Expr,
        right_node: ast.expr,
    ) -> str:
        if isinstance(op, (ast.Is, ast.IsNot)) and (
            isinstance(right_node, ast.Constant) and isinstance(right_node.value, bool)
        ):
            # `x is True`: only a bool can be the True object (the dispatch lets no other
            # object into a bool, and ints stay ints).
            same = left.type == BOOL
            code = f"({left.code} == {'true' if right_node.value else 'false'})"
            check = code if same else "false"
            return check if isinstance(op, ast.Is) else f"!({check})"
        if isinstance(op, (ast.In, ast.NotIn)):
            found = self.contains(node, left, right, right_node)
            return found if isinstance(op, ast.In) else f"!({found})"
        if isinstance(op, (ast.Is, ast.IsNot)):
            if not (isinstance(right_node, ast.Constant) and right_node.value is None):
                raise Untranslatable("`is` with something other than None or True/False")
            if left.type.name == "re.Match":  # re.search(...) is None: no match
                return f"!{left.code}" if isinstance(op, ast.Is) else left.code
            if left.type.name != "optional":
                raise Untranslatable(f"`is None` on {left.type}")
            check = "is_none" if isinstance(op, ast.Is) else "is_some"
            return f"{left.code}.{check}()"
        if type(op) not in _CMP:
            raise Untranslatable(f"the comparison {ast.unparse(node)}")
        if left.type != right.type and left.type in {INT, FLOAT} and right.type in {INT, FLOAT}:
            # Python compares int and float exactly; only small int literals are safe.
            literal = right_node if right.type == INT else left_node
            number = literal_int(literal)
            if number is None or abs(number) > _MAX_EXACT:
                raise Untranslatable(f"{ast.unparse(node)} compares an int with a float")
            fixed = f"({rust_float(float(number))})"
            left = Expr(fixed, FLOAT) if left.type == INT else left
            right = Expr(fixed, FLOAT) if right.type == INT else right
        # A char against a str: the char as a one-item slice in place (no Vec built).
        if left.type == CHAR and right.type == STR:
            left = Expr(f"vec![{left.code}]", STR, view=f"std::slice::from_ref(&{left.code})")
        if right.type == CHAR and left.type == STR:
            right = Expr(f"vec![{right.code}]", STR, view=f"std::slice::from_ref(&{right.code})")
        if left.type != right.type:
            raise Untranslatable(f"{ast.unparse(node)} compares {left.type} with {right.type}")
        if type(op) not in {ast.Eq, ast.NotEq} and left.type.name not in {
            "int",
            "float",
            "str",
            "char",
            "bytes",  # lexicographic on unsigned bytes in both
        }:
            raise Untranslatable(f"ordering comparison on {left.type}")
        if any(t.name in {"list", "tuple"} and t.uses("float") for t in left.type.walk()):
            # Python compares container items by identity first: [nan] == [nan] when it is
            # the same float object. Rust compares the values: never equal.
            raise Untranslatable(f"{ast.unparse(node)}: == on {left.type} differs for NaN")
        if left.type == STR:
            # Compared as slices: no Vec built for a literal or a part of a variable, and no
            # copy of a variable (value() clones places).
            sides = [
                e.slice or e.view or f"&({e.code.removesuffix('.clone()')})[..]"
                for e in (left, right)
            ]
            return f"({sides[0]} {_CMP[type(op)]} {sides[1]})"
        return f"({left.code} {_CMP[type(op)]} {right.code})"

    def contains(self, node: ast.Compare, item: Expr, seq: Expr, seq_node: ast.expr) -> str:
        """Python's `item in seq`: a substring for str; `==` on each item of a list or tuple
        (refused for floats: Python tries identity first, so `nan in [nan]` can be true)."""
        if seq.type == STR and item.type in {STR, CHAR}:
            needle = item.slice or (f"&vec![{item.code}]" if item.type == CHAR else f"&{item.code}")
            return f"pyops::contains({borrowed(seq)}, {needle})"
        if seq.type == BYTES and item.type in {BYTES, INT}:
            # An int is one byte (ValueError outside range(0, 256)); bytes a subsequence.
            needle = f"[pyops::byte({item.code})?]" if item.type == INT else item.code
            return f"pyops::bytes_contains(&{seq.code}, &{needle})"
        if seq.type.name == "tuple" and isinstance(seq_node, ast.Tuple):
            options = seq.type.args
        elif seq.type.name in {"list", "vartuple"}:
            options = (seq.type.args[0],)
        else:
            raise Untranslatable(f"{ast.unparse(node)}: `in` on {seq.type}")
        if any(t.uses("float") for o in options for t in o.walk()) or item.type.uses("float"):
            raise Untranslatable(f"{ast.unparse(node)}: `in` with floats differs for NaN")
        if item.type == CHAR and all(o == STR for o in options):
            item = Expr(f"vec![{item.code}]", STR)
        if item.type == STR and seq.type == list_of(CHAR):  # `"a" in list(s)`: a char, or none
            probe = self.fresh()
            return (
                f"{{ let {probe} = {item.code}; "
                f"{probe}.len() == 1 && ({seq.code}).contains(&{probe}[0]) }}"
            )
        if any(o != item.type for o in options):
            raise Untranslatable(f"{ast.unparse(node)}: `in` compares {item.type} with {seq.type}")
        held, probe = self.fresh(), self.fresh()
        if seq.type.name == "tuple":
            tests = " || ".join(f"{held}.{i} == {probe}" for i in range(len(options)))
            return f"{{ let {probe} = {item.code}; let {held} = {seq.code}; {tests or 'false'} }}"
        return f"{{ let {probe} = {item.code}; {seq.code}.contains(&{probe}) }}"

    def subscript(self, node: ast.Subscript) -> Expr:  # noqa: C901, PLR0911, PLR0912  (one branch per construct)
        if (found := self.table_item(node)) is not None:
            return found
        seq = self.expr(node.value)
        t = seq.type
        if isinstance(node.slice, ast.Slice):
            if t.name == "vartuple":
                t = list_of(t.args[0])
            if t.name not in {"list", "str", "bytes"}:
                raise Untranslatable(f"the slice {ast.unparse(node)}")
            if t.name == "list" and t.args[0].uses("list"):
                raise Untranslatable(
                    f"the slice {ast.unparse(node)} is a shallow copy in Python: the inner lists "
                    "stay shared (Rust would copy them)"
                )
            bounds = []
            for part in (node.slice.lower, node.slice.upper, node.slice.step):
                if part is None:
                    bounds.append("None")
                else:
                    v = self.value(part, INT)
                    if v.type != INT:
                        raise Untranslatable("a slice bound that is not an int")
                    bounds.append(f"Some({v.code})")
            tmp, lo, hi = self.fresh(), self.fresh(), self.fresh()
            if node.slice.step is not None:
                # Python's slice.indices(): clamped bounds, any non-zero step.
                return Expr(
                    f"{{ let {tmp} = &{seq.code}; pyops::slice_step({tmp}.len(), {bounds[0]}, "
                    f"{bounds[1]}, {bounds[2]})?.into_iter().map(|i| {tmp}[i].clone())"
                    ".collect::<Vec<_>>() }",
                    t,
                )
            bound = (
                f"let {tmp} = &{seq.code}; let ({lo}, {hi}) = pyops::slice({tmp}.len(), "
                f"{bounds[0]}, {bounds[1]});"
            )
            view = f"{{ {bound} &{tmp}[{lo}..{hi}] }}" if seq.place and t == STR else ""
            return Expr(f"{{ {bound} {tmp}[{lo}..{hi}].to_vec() }}", t, view=view)
        if t.name == "tuple":
            i = literal_int(node.slice)
            if i is None or not -len(t.args) <= i < len(t.args):
                raise Untranslatable(f"tuple index {ast.unparse(node.slice)}")
            i %= len(t.args)
            return Expr(f"{seq.code}.{i}", t.args[i], place=seq.place)
        if t.name == "vartuple":
            t = list_of(t.args[0])
            seq = Expr(seq.code, t, place=seq.place)
        if t.name not in {"list", "str", "bytes"}:
            raise Untranslatable(f"indexing {t}")
        index = self.value(node.slice, INT)
        if index.type != INT:
            raise Untranslatable("an index that is not an int")
        if t == BYTES:
            # An item of bytes is an int; Python's IndexError says "index out of range".
            held, tmp = self.fresh(), self.fresh()
            code = (
                f"{{ let {held} = &{seq.code}; let {tmp} = {index.code}; "
                f'({held}[pyops::index({held}.len(), {tmp}, "")?] as i64) }}'
            )
            return Expr(code, INT)
        what = "string" if t == STR else "list"
        tmp = self.fresh()
        item = CHAR if t == STR else t.args[0]
        if seq.place and item.is_copy and "{" in seq.code:
            # A nested place (dp[i][j]): compute the outer index once, read the item by copy.
            held = self.fresh()
            code = (
                f"{{ let {held} = &{seq.code}; let {tmp} = {index.code}; "
                f'{held}[pyops::index({held}.len(), {tmp}, "{what}")?] }}'
            )
            return Expr(code, item)
        if not seq.place:
            # Evaluate a computed sequence once, then take the item from it.
            held = self.fresh()
            code = (
                f"{{ let {held} = {seq.code}; let {tmp} = {index.code}; "
                f'{held}[pyops::index({held}.len(), {tmp}, "{what}")?].clone() }}'
            )
            return Expr(code, CHAR if t == STR else t.args[0])
        code = (
            f"{seq.code}[{{ let {tmp} = {index.code}; "
            f'pyops::index({seq.code}.len(), {tmp}, "{what}")? }}]'
        )
        item = CHAR if t == STR else t.args[0]
        return Expr(code, item, place=True)

    def call(self, node: ast.Call, hint: PyType | None) -> Expr:  # noqa: C901, PLR0911  (one branch per kind of callee)
        """A call: to a function of the module (translated too), or to an entry of the
        registry of builtins, methods and `math` functions (`scaffold/pyspecialize.py`)."""
        from scaffold import pyspecialize  # noqa: PLC0415  (it imports this module)

        func = node.func
        if isinstance(func, ast.Attribute):
            owner = func.value
            if (
                isinstance(owner, ast.Name)
                and owner.id in self.info.math_names
                and owner.id not in self.env
            ):
                return pyspecialize.math_call(self, func.attr, node, hint)
            if isinstance(owner, ast.Dict) and func.attr == "get":
                return self.dict_get(owner, node)
            if (
                isinstance(owner, ast.Constant)
                and isinstance(owner.value, str)
                and func.attr == "format"
            ):
                return self.format_(owner.value, node)
            if isinstance(owner, ast.Name) and (
                owner.id in self.matches
                or (
                    owner.id not in self.env
                    and (owner.id in self.info.re_names or owner.id in self.info.patterns)
                )
            ):
                from scaffold import pyregex  # noqa: PLC0415  (it imports this module)

                return pyregex.call(self, owner.id, func.attr, node)
            return pyspecialize.method_call(self, func, node)
        if not isinstance(func, ast.Name):
            raise Untranslatable(f"the call {ast.unparse(node)}")
        name = func.id
        if name in self.env:
            raise Untranslatable(f"calling the local {name!r}")
        if name == self.info.name:
            raise Untranslatable(
                "recursion (deep recursion would crash Rust, not raise RecursionError)"
            )
        if name in self.info.functions:
            return self.module_call(name, node)
        if name in self.info.math_imports:  # from math import sqrt: sqrt(x) is math.sqrt(x)
            return pyspecialize.math_call(self, self.info.math_imports[name], node, hint)
        if name in self.info.module_names:
            raise Untranslatable(f"the call {ast.unparse(node)} ({name!r} is the module's own)")
        return pyspecialize.builtin_call(self, name, node, hint)

    def is_builtin(self, name: str) -> bool:
        """`name` means Python's builtin here: no local and no module name hides it."""
        return name not in self.env and name not in self.info.module_names

    def module_call(self, name: str, node: ast.Call) -> Expr:  # noqa: C901, PLR0912  (Python's binding rules)
        """A call to another function of the module, bound as Python binds it (positional,
        keywords, the callee's literal defaults); the callee is a Rust function too."""
        if self.info.resolve is None:
            raise Untranslatable(f"the call {ast.unparse(node)}")
        callee = self.info.resolve(name)
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise Untranslatable(f"the call {ast.unparse(node)} (unpacked arguments)")
        given: dict[str, ast.expr] = {}
        positional = [p for p in callee.params if p[3] != "keyword_only"]
        if len(node.args) > len(positional):
            raise Untranslatable(f"the call {ast.unparse(node)} (too many arguments)")
        for param, arg in zip(positional, node.args, strict=False):
            given[param[0]] = arg
        for keyword in node.keywords:
            kinds = {p[0]: p[3] for p in callee.params}
            if keyword.arg in given or kinds.get(keyword.arg or "") in {None, "positional_only"}:
                raise Untranslatable(f"the call {ast.unparse(node)} (its keywords)")
            given[keyword.arg or ""] = keyword.value
        # A callee that returns a list might return its argument: Python would share it.
        share = callee.returns.uses("list")
        # Python evaluates the arguments in the order written; bind them to temporaries so.
        order = [*node.args, *(k.value for k in node.keywords)]
        temps: dict[int, str] = {}
        lets = []
        for arg_node in order:
            param = next(p for p in callee.params if given.get(p[0]) is arg_node)
            want = param[1]
            inner = want.args[0] if want.name == "optional" else want
            got = self.value(arg_node, inner, fresh_list=share)
            if not (want.name == "optional" and got.type == want):
                got = coerce(got, inner, "passes")
                if want.name == "optional":
                    got = Expr(f"Some({got.code})", want)
            tmp = self.fresh()
            temps[id(arg_node)] = tmp
            lets.append(f"let {tmp} = {got.code};")
        values = []
        for pname, ptype, default, _kind in callee.params:
            if pname in given:
                values.append(temps[id(given[pname])])
            elif default is None:
                raise Untranslatable(f"the call {ast.unparse(node)} (missing {pname!r})")
            else:
                values.append(self.default_value(ast.literal_eval(default), ptype))
        call = f"{rust_ident(callee.name)}({', '.join(values)})?"
        code = f"{{ {' '.join(lets)} {call} }}"
        return Expr(code, callee.returns)

    def default_value(self, value: object, t: PyType) -> str:
        """A callee's literal default as the Rust value its signature takes."""
        if value is None:
            return "None"
        inner = t.args[0] if t.name == "optional" else t
        if isinstance(value, int) and not isinstance(value, bool) and inner == FLOAT:
            value = float(value)
        code = self.constant(value, inner).code
        return f"Some({code})" if t.name == "optional" else code

    def dict_get(self, literal: ast.Dict, node: ast.Call) -> Expr:  # noqa: C901  (one check per refusal)
        """`{1: "st", 2: "nd"}.get(key, default)` on a literal with constant keys: a match.
        Python builds the whole dict first, so every value is computed, in order."""
        if node.keywords or len(node.args) != 2:  # noqa: PLR2004  (key, default)
            raise Untranslatable(f"the call {ast.unparse(node)}")
        keys: list[object] = []
        for key in literal.keys:
            if not isinstance(key, ast.Constant) or type(key.value) not in {int, str}:
                raise Untranslatable(f"the call {ast.unparse(node)} (keys that are not literals)")
            keys.append(key.value)
        if len({type(k) for k in keys}) > 1:
            raise Untranslatable(f"the call {ast.unparse(node)} (keys of several types)")
        values = [self.value(v, fresh_list=True) for v in literal.values]
        default = self.value(node.args[1], values[0].type if values else None, fresh_list=True)
        if values and values[0].type == STR:
            default = coerce(default, STR, "defaults to")
        if any(v.type != default.type for v in values):
            raise Untranslatable(f"the call {ast.unparse(node)} (values of several types)")
        looked_up = self.value(node.args[0])
        lets, arms = [], {}
        for k, v in zip(keys, values, strict=True):
            tmp = self.fresh()
            lets.append(f"let {tmp} = {v.code};")
            arms[k] = tmp  # a repeated key keeps its last value, as in a Python dict
        probe = self.fresh()
        if keys and isinstance(keys[0], int):
            if looked_up.type != INT:
                raise Untranslatable(f"the call {ast.unparse(node)} (the key is {looked_up.type})")
            tests = [(f"{probe} == {k}_i64", tmp) for k, tmp in arms.items()]
        else:
            if looked_up.type not in {STR, CHAR}:
                raise Untranslatable(f"the call {ast.unparse(node)} (the key is {looked_up.type})")
            if looked_up.type == CHAR:
                looked_up = Expr(f"vec![{looked_up.code}]", STR)
            tests = [(f"{probe} == pyops::chars({rust_str(str(k))})", t) for k, t in arms.items()]
        # Python evaluates both arguments of .get() before looking up, the default too.
        fallback = self.fresh()
        chain = " else ".join(f"if {test} {{ {tmp} }}" for test, tmp in tests)
        chain = f"{chain} else {{ {fallback} }}" if chain else fallback
        code = (
            f"{{ {' '.join(lets)} let {probe} = {looked_up.code}; "
            f"let {fallback} = {default.code}; {chain} }}"
        )
        return Expr(code, default.type)

    def format_(self, template: str, node: ast.Call) -> Expr:  # noqa: C901  (one check per refusal)
        """`"...{}...".format(a, b)`: automatic or numbered fields, no format specs."""
        import string  # noqa: PLC0415

        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise Untranslatable(f"the call {ast.unparse(node)} (keyword or unpacked arguments)")
        args = [self.value(a) for a in node.args]
        texts = []
        for a, arg_node in zip(args, node.args, strict=True):
            from scaffold.pyspecialize import to_text  # noqa: PLC0415

            tmp = self.fresh()
            texts.append((tmp, to_text(a, arg_node)))
        parts: list[str] = []
        auto = 0
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as error:
            raise Untranslatable(f"the format string {template!r}: {error}") from error
        for literal, field_name, spec, conversion in parsed:
            if literal:
                parts.append(f"pyops::chars({rust_str(literal)})")
            if field_name is None:
                continue
            if spec or conversion:
                raise Untranslatable(f"the format string {template!r} (a spec or conversion)")
            if field_name == "":
                index = auto
                auto += 1
            elif field_name.isdigit():
                index = int(field_name)
            else:
                raise Untranslatable(f"the format string {template!r} (named fields)")
            if index >= len(texts):
                raise Untranslatable(f"the format string {template!r} (a missing argument)")
            parts.append(f"{texts[index][0]}.clone()")
        lets = " ".join(f"let {tmp} = {v.code};" for tmp, v in texts)
        joined = " ".join(f"out.extend({part});" for part in parts)
        return Expr(f"{{ {lets} let mut out: Vec<char> = Vec::new(); {joined} out }}", STR)

    def fstring(self, node: ast.JoinedStr) -> Expr:
        """An f-string of str/int/bool/float values without format specs or conversions."""
        from scaffold.pyspecialize import to_text  # noqa: PLC0415

        out = self.fresh()
        steps = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                steps.append(f"{out}.extend(pyops::chars({rust_str(part.value)}));")
            elif isinstance(part, ast.FormattedValue):
                if part.format_spec is not None or part.conversion not in {-1, ord("s")}:
                    raise Untranslatable(f"the f-string {ast.unparse(node)} (a spec or !r/!a)")
                text = to_text(self.value(part.value), part.value)
                steps.append(f"{out}.extend({text.code});")
            else:
                raise Untranslatable(f"the f-string {ast.unparse(node)}")
        return Expr(f"{{ let mut {out}: Vec<char> = Vec::new(); {' '.join(steps)} {out} }}", STR)

    def list_literal(self, node: ast.List, hint: PyType | None) -> Expr:
        if not node.elts:
            if hint is not None and hint.name == "list":
                return Expr("Vec::new()", hint)
            return Expr("Vec::new()", _UNKNOWN_LIST)
        item_hint = hint.args[0] if hint is not None and hint.name == "list" else None
        items = [self.value(e, item_hint, fresh_list=True) for e in node.elts]
        kinds = {i.type for i in items}
        if len(kinds) != 1:
            raise Untranslatable(f"a list of mixed types {', '.join(map(str, kinds))}")
        return Expr("vec![" + ", ".join(i.code for i in items) + "]", list_of(items[0].type))

    def comprehension(
        self, node: ast.ListComp | ast.GeneratorExp
    ) -> tuple[Callable[[str], str], Expr]:
        """One `for` clause with its conditions: a function that puts the per-item Rust
        statements inside the loop, and the element (translated in the loop's scope)."""
        if len(node.generators) != 1:
            raise Untranslatable("a comprehension with several for clauses")
        gen = node.generators[0]
        if gen.is_async:
            raise Untranslatable("an async comprehension")
        # The element and the conditions run inside the loop: they must not change what it
        # iterates over (Python would see the change, a Rust copy would not).
        inside: list[ast.stmt] = [ast.Expr(e) for e in (node.elt, *gen.ifs)]
        header, item, fallible = self.iteration(gen.iter, inside)
        names = _target_names(gen.target)
        # The comprehension variables are local to it, as in Python 3: Rust variables of
        # its own, declared in its loop (a name's variables outside are put back after).
        saved = {n: (self.env.pop(n, None), self.slots.pop(n, None)) for n in names}
        var = self.fresh()
        self.loops += 1
        try:
            sets = self.bind_target(gen.target, Expr(f"{var}{'?' if fallible else ''}", item))
            lets = " ".join(
                f"let mut {self.ident(n)}: {internal(self.env[n])} = {_default(self.env[n])}; "
                f"let _ = &mut {self.ident(n)};"
                for n in names
            )
            conditions = [self.condition(c) for c in gen.ifs]
            element = self.value(node.elt, fresh_list=True)
        finally:
            self.loops -= 1
            for n, (before, slots) in saved.items():
                self.env.pop(n, None)
                self.slots.pop(n, None)
                if before is not None:
                    self.env[n] = before
                if slots is not None:
                    self.slots[n] = slots

        def wrap(step: str) -> str:
            if conditions:
                step = f"if {' && '.join(conditions)} {{ {step} }}"
            return f"for {var} in {header} {{ {lets} {sets} {step} }}"

        return wrap, element

    def listcomp(self, node: ast.ListComp | ast.GeneratorExp) -> Expr:
        wrap, element = self.comprehension(node)
        out = self.fresh()
        code = (
            f"{{ let mut {out}: {internal(list_of(element.type))} = Vec::new(); "
            f"{wrap(f'{out}.push({element.code});')} {out} }}"
        )
        return Expr(code, list_of(element.type))


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
        return [e.id for e in target.elts]  # type: ignore[attr-defined]
    raise Untranslatable(f"a loop that unpacks into {ast.unparse(target)}")


def truth(got: Expr) -> str:
    t = got.type
    if t == BOOL or t.name == "re.Match":  # a match is true, None false
        return got.code
    if t in {INT, FLOAT}:
        return f"({got.code} != {'0' if t == INT else '0.0'})"
    if t.name in {"list", "str", "vartuple", "bytes"}:
        return f"!{got.code}.is_empty()"
    if t.name == "tuple":
        return "true" if t.args else "false"
    if t.name == "optional" and t.args[0].is_copy:
        inner = truth(Expr("v", t.args[0]))
        return f"{got.code}.map_or(false, |v| {inner})"
    raise Untranslatable(f"the truth value of {t}")


def _refuse_shape(func: ast.FunctionDef) -> None:
    """What no body of this kind can be translated with, whatever it does (decorators are
    vetted by migrate_codegen: functools' caches are applied again around the Rust one)."""
    if func.args.vararg or func.args.kwarg:
        raise Untranslatable("*args and **kwargs parameters")
    if any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(func)):
        raise Untranslatable("a generator (it yields)")


def _static_item(value: object) -> tuple[str, PyType] | None:  # noqa: PLR0911  (one per kind)
    """A constant str, number or bool, or a flat tuple of them, as a Rust constant
    expression (a str as a `&[char]`), and its type; None for anything else."""
    if isinstance(value, bool):
        return ("true" if value else "false"), BOOL
    if isinstance(value, int) and _I64[0] <= value <= _I64[1]:
        return f"{value}_i64", INT
    if isinstance(value, float):
        return f"({rust_float(value)})", FLOAT
    if isinstance(value, str):
        return _char_slice(value), STR
    if isinstance(value, tuple) and value and not any(isinstance(v, tuple) for v in value):
        parts = [_static_item(v) for v in value]
        if None in parts:
            return None
        codes = [p[0] for p in parts if p is not None]
        code = f"({', '.join(codes)},)" if len(codes) == 1 else f"({', '.join(codes)})"
        return code, PyType("tuple", tuple(p[1] for p in parts if p is not None))
    return None


def _ends(statements: list[ast.stmt]) -> bool:
    """Whether a block never goes on to the statement after it (it returns or raises)."""
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, ast.If):
        return _ends(last.body) and _ends(last.orelse)
    return isinstance(last, (ast.Return, ast.Raise))


def _loops(statements: list[ast.stmt]) -> bool:
    return any(isinstance(n, ast.For | ast.While) for s in statements for n in ast.walk(s))


def _constant_set(node: ast.expr) -> TypeGuard[ast.Set]:
    """A set display of int and str literals (no bools, floats or computed items)."""
    return isinstance(node, ast.Set) and all(
        isinstance(e, ast.Constant) and type(e.value) in {int, str} for e in node.elts
    )


def _static_test(node: ast.expr) -> bool:
    """`isinstance(...)` or `not isinstance(...)`: a test the exact types decide."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        node = node.operand
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "isinstance"
    )


def literal_int(node: ast.expr) -> int | None:
    value = literal_number(node)
    return value if isinstance(value, int) else None


def literal_number(node: ast.expr) -> int | float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = literal_number(node.operand)
        return None if inner is None else -inner
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        return node.value
    return None


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _assigned_in(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
    return names


def _mutated_in(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            target: ast.expr | None = None
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
                target = node.value
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr not in _READING_METHODS
            ):
                target = node.func.value
            elif isinstance(node, ast.AugAssign):
                target = node.target
            root = _root_name(target) if target is not None else None
            if root is not None:
                names.add(root)
    return names


def _root_name(node: ast.expr) -> str | None:
    """`grid` for `grid[0][1]` or `grid.rows[0]`: the variable a change would reach."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _mutated_names(func: ast.FunctionDef) -> set[str]:
    return _mutated_in(func.body)


def coerce(got: Expr, want: PyType, verb: str) -> Expr:
    """`got` as a `want`: a one-character str is a char inside the body, else types must match."""
    if got.type == want:
        return got
    if got.type == CHAR and want == STR:
        return Expr(f"vec![{got.code}]", STR)
    raise Untranslatable(f"{verb} {got.type} where {want} is expected")
