"""Types from real calls: the descriptions `_sitecustomize.py` recorded, joined into one type
per parameter and return, or none when the calls disagree.

The join is deliberately narrow. The values a function was called with must all have one
exact type for it to be used: `int` and `float` disagree, `bool` and `int` disagree, a float
subclass (`numpy.float64`, a float `Enum`) is not a float. The only widenings are the ones
that still describe every call exactly:

- `None` with `T` is `T | None` (Optional);
- an empty container says nothing about its items (`[]` with `[1]` is `list[int]`);
- tuples of different lengths whose items agree are `tuple[T, ...]`.

An observed type is safe by construction of the dispatch (docs/migrate.md "The dispatch"): a
call whose arguments do not have exactly the Rust types takes the Python path.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from scaffold.migrate_types import NONE, Observed, PyType, Unsupported, parse_annotation

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# An empty container's items: joins with anything, and is never a final type.
UNKNOWN = PyType("unknown")


class Disagree(Exception):  # noqa: N818  (a reason, not an error the user sees as such)
    """The observed values have no single exact type; `str()` says why."""


def from_description(description: Any) -> PyType:  # noqa: ANN401  (JSON)
    """One recorded description (lists from JSON) as a type with UNKNOWN items where empty."""
    if not isinstance(description, list) or not description:
        raise Disagree(f"an unreadable record {description!r}")
    kind, *rest = description
    simple = {"int", "float", "bool", "str", "bytes"}
    if kind in simple and not rest:
        return PyType(kind)
    if kind == "None" and not rest:
        return NONE
    if kind in {"list", "set", "vartuple"} and len(rest) == 1:
        return PyType(kind, (join_all(from_description(d) for d in rest[0]),))
    if kind == "tuple" and len(rest) == 1:
        items = tuple(from_description(d) for d in rest[0])
        return PyType("tuple", items) if items else PyType("vartuple", (UNKNOWN,))
    if kind == "dict" and len(rest) == 2:  # noqa: PLR2004
        keys = join_all(from_description(d) for d in rest[0])
        values = join_all(from_description(d) for d in rest[1])
        return PyType("dict", (keys, values))
    if kind == "other" and len(rest) == 1:
        raise Disagree(str(rest[0]).removeprefix("builtins."))
    raise Disagree(f"an unreadable record {description!r}")


def join_all(types: Iterable[PyType]) -> PyType:
    found = UNKNOWN
    for t in types:
        found = join(found, t)
    return found


def join(a: PyType, b: PyType) -> PyType:  # noqa: PLR0911  (one rule per line)
    """The one exact type describing values of type `a` and of type `b`, or `Disagree`."""
    if a == b:
        return a
    if a == UNKNOWN:
        return b
    if b == UNKNOWN:
        return a
    if NONE in {a, b}:
        other = b if a == NONE else a
        return other if other.name == "optional" else PyType("optional", (other,))
    if a.name == "optional" or b.name == "optional":
        inner = join(_strip(a), _strip(b))
        if inner.name == "optional":
            return inner
        return PyType("optional", (inner,))
    if a.name == b.name and a.name in {"list", "set", "vartuple", "dict"}:
        return PyType(a.name, tuple(join(x, y) for x, y in zip(a.args, b.args, strict=True)))
    if a.name == b.name == "tuple" and len(a.args) == len(b.args):
        return PyType("tuple", tuple(join(x, y) for x, y in zip(a.args, b.args, strict=True)))
    if {a.name, b.name} <= {"tuple", "vartuple"}:
        return PyType("vartuple", (join_all([*a.args, *b.args]),))
    raise Disagree(f"{_shown(a)} and {_shown(b)}")


def _strip(t: PyType) -> PyType:
    return t.args[0] if t.name == "optional" else t


def _shown(t: PyType) -> str:
    return str(t).replace("unknown", "?")


def agreed(descriptions: Iterable[Any], *, position: str = "parameter") -> PyType:
    """The type every recorded value has, checked as an annotation would be (hashable dict
    keys; no `tuple[T, ...]` return, which would come back from Rust as a list)."""
    found = UNKNOWN
    for description in descriptions:
        new = from_description(description)
        try:
            found = join(found, new)
        except Disagree as why:
            raise Disagree(f"{_shown(found)} and {_shown(new)}") from why
    if found.uses("unknown"):
        raise Disagree(
            "no call was seen" if found == UNKNOWN else f"only empty containers: {_shown(found)}"
        )
    try:
        return parse_annotation(ast.parse(str(found), mode="eval").body, position=position)
    except Unsupported as error:
        raise Disagree(str(error)) from error


def observed(record: Mapping[str, Any]) -> Observed:
    """One function's record (merged over the workload's processes) as an `Observed`."""
    params: dict[str, PyType] = {}
    disagreed: dict[str, str] = {}
    order = tuple(str(p) for p in record.get("params", []))
    for name in order:
        try:
            params[name] = agreed(record.get("args", {}).get(name, []))
        except Disagree as why:
            disagreed[name] = str(why)
    returns: PyType | None = None
    returns_disagreed = ""
    try:
        returns = agreed(record.get("returns", []), position="return")
    except Disagree as why:
        returns_disagreed = (
            "every call raised" if not record.get("returns") and record.get("raised") else str(why)
        )
    return Observed(
        name=str(record.get("name", "?")),
        calls=int(record.get("calls", 0)),
        typed=int(record.get("typed", 0)),
        raised=int(record.get("raised", 0)),
        # At least this many calls had an int outside i64 (in their arguments or return).
        wide=max(int(record.get("wide_args", 0)), int(record.get("wide_returns", 0))),
        params=params,
        disagreed=disagreed,
        order=order,
        returns=returns,
        returns_disagreed=returns_disagreed,
    )
