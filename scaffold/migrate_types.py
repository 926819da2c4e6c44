"""Python annotations -> Rust types, Hypothesis strategies and benchmark inputs (for `migrate`).

One `PyType` describes a parameter or return annotation. The mapping is deliberately small and
exact: every type here converts to and from Python losslessly through PyO3 (dicts keep their
order through `IndexMap`). Anything else raises `Unsupported` with a reason the user can read.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping  # noqa: TC003  (dataclass fields are resolved at run time)
from dataclasses import dataclass, field

# Types that are `Copy` in Rust: reading them never aliases or moves.
_SCALARS = frozenset({"int", "float", "bool", "char", "none"})
_HASHABLE = frozenset({"int", "str", "bool", "bytes"})
_NAMES = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "bytes": "bytes",
    "None": "none",
    "NoneType": "none",
}
_GENERICS = {
    "list": "list",
    "List": "list",
    "Sequence": "list",
    "tuple": "tuple",
    "Tuple": "tuple",
    "dict": "dict",
    "Dict": "dict",
    "Mapping": "dict",
    "set": "set",
    "Set": "set",
    "Optional": "optional",
    "Union": "union",
}


class Unsupported(Exception):  # noqa: N818  (a reason, not an error the user sees as such)
    """An annotation or construct that `migrate` cannot map faithfully; `str()` is the reason."""


@dataclass(frozen=True)
class PyType:
    """A Python type from an annotation.

    `name` is one of int, float, bool, str, bytes, none, list, tuple (fixed length),
    vartuple (``tuple[T, ...]``), dict, set, optional, and the translator's internal `char`
    (one code point: what indexing or iterating a str gives).
    """

    name: str
    args: tuple[PyType, ...] = ()

    def __str__(self) -> str:
        if self.name == "none":
            return "None"
        if self.name == "char":
            return "str"
        if self.name == "optional":
            return f"{self.args[0]} | None"
        if self.name == "vartuple":
            return f"tuple[{self.args[0]}, ...]"
        if self.args:
            return f"{self.name}[{', '.join(map(str, self.args))}]"
        return self.name

    @property
    def is_copy(self) -> bool:
        return self.name in _SCALARS or (
            self.name in {"tuple", "optional"} and all(a.is_copy for a in self.args)
        )

    def walk(self) -> list[PyType]:
        found = [self]
        for arg in self.args:
            found.extend(arg.walk())
        return found

    def uses(self, name: str) -> bool:
        return any(t.name == name for t in self.walk())

    def rust(self) -> str:
        """The Rust type PyO3 converts this Python type to and from."""
        simple = {
            "int": "i64",
            "float": "f64",
            "bool": "bool",
            "str": "String",
            "bytes": "Vec<u8>",
            "none": "()",
            "char": "char",
        }
        if self.name in simple:
            return simple[self.name]
        inner = [a.rust() for a in self.args]
        if self.name in {"list", "vartuple"}:
            return f"Vec<{inner[0]}>"
        if self.name == "tuple":
            return f"({', '.join(inner)},)" if len(inner) == 1 else f"({', '.join(inner)})"
        if self.name == "dict":
            return f"IndexMap<{inner[0]}, {inner[1]}>"
        if self.name == "set":
            return f"HashSet<{inner[0]}>"
        if self.name == "optional":
            return f"Option<{inner[0]}>"
        raise AssertionError(self.name)

    def strategy(self) -> str:
        """A Hypothesis strategy (source text, `st` = hypothesis.strategies) for values."""
        simple = {
            # ints(), texts(): helpers of the generated test module. Small ints (the Python
            # version must finish quickly), bools, and ints beyond i64, which the extension
            # sends to Python; strings with astral characters and lone surrogates.
            "int": "ints()",
            # Ints too: Python keeps computing with an int passed for a float, so the
            # dispatch sends those calls to Python; the tests check that path as well.
            "float": "st.floats(allow_nan=True, allow_infinity=True) | ints()",
            "bool": "st.booleans()",
            "str": "texts()",
            "bytes": "st.binary(max_size=40)",
            "none": "st.none()",
        }
        if self.name in simple:
            return simple[self.name]
        inner = [a.strategy() for a in self.args]
        if self.name in {"list", "vartuple"}:
            wrap = f"st.lists({inner[0]}, max_size=30)"
            return wrap if self.name == "list" else f"{wrap}.map(tuple)"
        if self.name == "tuple":
            return f"st.tuples({', '.join(inner)})"
        if self.name == "dict":
            return f"st.dictionaries({inner[0]}, {inner[1]}, max_size=10)"
        if self.name == "set":
            return f"st.sets({inner[0]}, max_size=20)"
        if self.name == "optional":
            return f"st.none() | {inner[0]}"
        raise AssertionError(self.name)

    def bench_value(self, scale: str, top: bool = True) -> str:  # noqa: C901, PLR0911
        """Source text of a realistic input of size `scale` (an expression), using `rng`."""
        if self.name == "int":
            return scale if top else f"rng.randint(-{scale}, {scale})"
        if self.name == "float":
            return "rng.uniform(-1000.0, 1000.0)"
        if self.name == "bool":
            return "rng.random() < 0.5"
        if self.name == "str":
            return f"text(rng, {scale})"  # defined in migrate_files/bench.py.tmpl
        if self.name == "bytes":
            return f"rng.randbytes({scale})"
        if self.name == "none":
            return "None"
        if self.name == "optional":
            return self.args[0].bench_value(scale, top)
        if self.name in {"list", "vartuple", "set"}:
            item = self.args[0].bench_value(f"min({scale}, 20)", top=False)
            kind = {"list": "list", "vartuple": "tuple", "set": "set"}[self.name]
            return f"{kind}({item} for _ in range({scale}))"
        if self.name == "tuple":
            items = [a.bench_value(scale, top) for a in self.args]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if self.name == "dict":
            key = self.args[0].bench_value(f"min({scale}, 20)", top=False)
            value = self.args[1].bench_value(f"min({scale}, 20)", top=False)
            return f"{{{key}: {value} for _ in range({scale})}}"
        raise AssertionError(self.name)


INT = PyType("int")
FLOAT = PyType("float")
BOOL = PyType("bool")
STR = PyType("str")
BYTES = PyType("bytes")
CHAR = PyType("char")
NONE = PyType("none")
# A value a translated body takes from Python and only passes on (pyops::Obj).
OBJECT = PyType("object")


def list_of(item: PyType) -> PyType:
    return PyType("list", (item,))


def parse_annotation(
    node: ast.expr | None,
    *,
    position: str = "parameter",
    aliases: Mapping[str, ast.expr] | None = None,
) -> PyType:
    """Map an annotation to a `PyType`, or raise `Unsupported` saying why.

    `aliases`: the module's type aliases (`Number = int`, `X: TypeAlias = ...`) and NewTypes
    (`UserId = NewType("UserId", int)`: at run time its values are plain ints), by name.
    """
    if node is None:
        raise Unsupported(f"{position} has no type annotation")
    found = _Parser(aliases or {}).parse(node)
    _check_hashable(found)
    if position == "return" and found.uses("vartuple"):
        # PyO3 turns a Vec into a list: the caller would get a list instead of a tuple.
        raise Unsupported("returns tuple[T, ...], which would come back from Rust as a list")
    return found


class _Parser:
    def __init__(self, aliases: Mapping[str, ast.expr]) -> None:
        self.aliases = aliases
        self.seen: set[str] = set()

    def parse(self, node: ast.expr) -> PyType:  # noqa: C901, PLR0911, PLR0912
        if isinstance(node, ast.Constant):
            if node.value is None:
                return NONE
            if isinstance(node.value, str):  # a string annotation: "list[int]"
                try:
                    inner = ast.parse(node.value, mode="eval").body
                except SyntaxError as error:
                    raise Unsupported(f"cannot parse annotation {node.value!r}") from error
                return self.parse(inner)
            raise Unsupported(f"annotation {ast.unparse(node)} is not a type")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.union([node.left, node.right], node)
        name = _dotted(node.value if isinstance(node, ast.Subscript) else node)
        if not isinstance(node, ast.Subscript):
            if name in _NAMES:
                return PyType(_NAMES[name])
            if isinstance(node, ast.Name) and node.id in self.aliases:
                if node.id in self.seen:
                    raise Unsupported(f"the type alias {node.id} refers to itself")
                self.seen.add(node.id)
                try:
                    return self.parse(self.aliases[node.id])
                finally:
                    self.seen.discard(node.id)
            if name in _GENERICS:
                raise Unsupported(f"{name} needs its item types, e.g. {name}[int]")
            raise Unsupported(f"type {ast.unparse(node)} has no exact Rust equivalent")
        if name == "Literal":
            return _literal(node)
        kind = _GENERICS.get(name or "")
        if kind is None:
            raise Unsupported(f"type {ast.unparse(node)} has no exact Rust equivalent")
        items = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if kind == "union":
            return self.union(items, node)
        if kind == "optional":
            return PyType("optional", (self.parse(items[0]),))
        if kind == "tuple":
            if len(items) == 2 and isinstance(items[1], ast.Constant) and items[1].value is ...:  # noqa: PLR2004
                return PyType("vartuple", (self.parse(items[0]),))
            if not items or any(isinstance(i, ast.Constant) and i.value is ... for i in items):
                raise Unsupported(f"{ast.unparse(node)} is not a fixed or homogeneous tuple")
            return PyType("tuple", tuple(self.parse(i) for i in items))
        expected = 2 if kind == "dict" else 1
        if len(items) != expected:
            raise Unsupported(f"{ast.unparse(node)} needs {expected} item type(s)")
        return PyType(kind, tuple(self.parse(i) for i in items))

    def union(self, members: list[ast.expr], node: ast.expr) -> PyType:
        parsed = [self.parse(m) for m in members]
        others = [p for p in parsed if p != NONE]
        if len(others) == 1 and len(parsed) == 2:  # noqa: PLR2004
            return PyType("optional", (others[0],))
        raise Unsupported(f"union {ast.unparse(node)} is not Optional[T]; Rust needs one type")


def _literal(node: ast.Subscript) -> PyType:
    """`Literal[1, 2, 3]` is an int at run time (and `Literal["a", "b"]` a str): the values
    the function gets are plain ints or strs, so the exact-type dispatch stays faithful."""
    items = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    kinds = {type(i.value) for i in items if isinstance(i, ast.Constant)}
    if len(kinds) == 1 and len(items) == len([i for i in items if isinstance(i, ast.Constant)]):
        kind = kinds.pop()
        if kind in {int, str}:
            return PyType(kind.__name__)
    raise Unsupported(f"{ast.unparse(node)} is not a Literal of ints or of strs")


def _dotted(node: ast.expr) -> str | None:
    """`typing.List` -> `List`, `list` -> `list` (the module part does not change the type)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _check_hashable(found: PyType) -> None:
    for t in found.walk():
        keys = t.args[:1] if t.name in {"dict", "set"} else ()
        for key in keys:
            if not all(k.name in _HASHABLE or k.name == "tuple" for k in key.walk()):
                raise Unsupported(
                    f"{t} has {key} keys, which are not hashable in Rust (only int, str, "
                    "bool, bytes and tuples of them)"
                )
    if found.name == "optional" and found.args[0].name == "optional":
        raise Unsupported("Optional[Optional[T]] has no distinct Rust equivalent")


# -- types observed from real calls (migrate --profile) ---------------------------------------


@dataclass(frozen=True)
class Observed:
    """The types one function was called with while the workload ran (scaffold.migrate.observe).

    `params` holds only the parameters every observed call agreed on; `disagreed` says why the
    others have none ("int and float", "numpy.float64"). `returns` likewise, from the calls that
    returned (not raised).
    """

    name: str
    calls: int  # every call seen
    typed: int  # the calls whose types were recorded (all of them up to a cap)
    raised: int = 0
    wide: int = 0  # typed calls that passed or returned an int outside i64 (at least)
    params: Mapping[str, PyType] = field(default_factory=dict)
    disagreed: Mapping[str, str] = field(default_factory=dict)
    order: tuple[str, ...] = ()  # the parameters, in order
    returns: PyType | None = None
    returns_disagreed: str = ""

    def signature(self) -> str:
        """`f(a: float, b: ?) -> float`: what was observed, `?` where calls disagreed."""
        params = ", ".join(f"{p}: {self.params.get(p, '?')}" for p in self.order)
        returns = str(self.returns) if self.returns is not None else "?"
        return f"{self.name}({params}) -> {returns}"


def annotated_or_observed(
    node: ast.expr | None,
    *,
    name: str | None,
    observed: Observed | None,
    aliases: Mapping[str, ast.expr] | None = None,
) -> PyType:
    """The annotation's type; where it is missing or unusable, the type every observed call
    agreed on. `name` is the parameter (None: the return). Raises `Unsupported` with both
    reasons when neither gives a type."""
    position = "return" if name is None else "parameter"
    try:
        return parse_annotation(node, position=position, aliases=aliases)
    except Unsupported as error:
        if observed is None:
            raise
        found = observed.returns if name is None else observed.params.get(name)
        if found is not None:
            return found
        why = observed.returns_disagreed if name is None else observed.disagreed.get(name, "")
        if not observed.calls:
            why = "the workload never called it"
        raise Unsupported(f"{error}; observed calls: {why or 'no type'}") from error
