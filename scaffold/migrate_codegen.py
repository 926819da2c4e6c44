"""The files `migrate` generates: Rust crate, dispatch block, differential tests, benchmark.

Pure functions from an analysed module (`ModulePlan`) to text; `scaffold/migrate.py` decides
where they go and writes them. The Python-semantics helpers are `migrate_files/pyops.rs`.
"""

from __future__ import annotations

import ast
import copy
import inspect
import itertools
import math
import string
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import TYPE_CHECKING

from scaffold import pins, pyregex, pytranslate
from scaffold.migrate_types import (
    OBJECT,
    Observed,
    PyType,
    Unsupported,
    annotated_or_observed,
    parse_annotation,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Mapping

DISPATCH_START = "# --- pyo3-scaffold migrate: Rust dispatch (generated; keep this block last) ---"
DISPATCH_END = "# --- end of the pyo3-scaffold migrate block ---"
# Names lib.rs defines itself, in the namespaces the user's functions go to.
INIT_FN = "__pyo3_scaffold_init"
REFERENCE_FN = "__pyo3_scaffold_reference__"
RESERVED = frozenset({"IMPLEMENTED", "PyTuple", INIT_FN, REFERENCE_FN.strip("_")})


@dataclass(frozen=True)
class Param:
    name: str
    type: PyType
    default: str | None = None  # Python source of a literal default
    kind: str = "positional"  # or "positional_only", "keyword_only"
    # The whole union when `type` is one arm of it (`str | bytes`): what the stub shows.
    shown: str | None = None


@dataclass(frozen=True)
class FunctionPlan:
    name: str
    params: tuple[Param, ...]
    returns: PyType
    doc: str
    body: str | None  # the translated Rust body, or None for a skeleton
    # Why the body is a skeleton; for a translated body, which branches it hands to Python.
    reason: str = ""
    # Functions of the module its body calls (transitively), translated too: lib.rs has them
    # as plain Rust functions, whether or not they are exported themselves.
    helpers: tuple[FunctionPlan, ...] = ()
    # (module logger, its slot, the levels the body and its helpers log at): the dispatch
    # reads each logger's threshold before the call (pyops::log_threshold).
    logs: tuple[tuple[str, int, tuple[int, ...]], ...] = ()
    # Its decorators as written (functools' caches): the dispatch applies them again, in the
    # same order, around the Rust function.
    decorators: tuple[str, ...] = ()
    # The body returns a module table's item as it is (pygeohash's `_PRECISION[n]`, an int or
    # a float): the Rust function returns Python objects (pytranslate.FunctionInfo).
    returns_object: bool = False

    @property
    def body_returns(self) -> PyType:
        """What the Rust function returns (in its body's representation)."""
        return OBJECT if self.returns_object else self.returns


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ModulePlan:
    dotted: str  # pkg.slow
    package: str  # pkg
    module: str  # slow
    extension: str  # _slow_rs
    env_var: str  # PKG_PURE_PYTHON
    functions: tuple[FunctionPlan, ...]
    skipped: tuple[Skipped, ...] = field(default=())

    @property
    def extension_module(self) -> str:
        """The extension's dotted import path: `pkg._slow_rs`, or `_slow_rs` beside a
        top-level module (`hashids.py`)."""
        return f"{self.package}.{self.extension}" if self.package else self.extension

    @property
    def implemented(self) -> list[str]:
        return [f.name for f in self.functions if f.body is not None]


# -- analysis ---------------------------------------------------------------------------------


def analyse(
    source: str,
    *,
    dotted: str,
    selected: tuple[str, ...] = (),
    observed: Mapping[str, Observed] | None = None,
    private: Collection[str] = (),
    read: Callable[[str], str | None] | None = None,
    package: str | None = None,
) -> tuple[list[FunctionPlan], list[Skipped]]:
    """Plan each selected function: translated body, skeleton, or skipped with a reason.

    `observed`: the types seen in real calls (migrate --profile), used where an annotation is
    missing or unusable and every call agreed. `private`: module-private functions planned
    too when none is selected (the profile saw them called, maybe from methods). `read`: the
    source of another module of the project by its dotted name (None if it has none), for
    the type aliases the module imports from its own package (`package`: the one holding
    the module, which is the module itself for an `__init__.py`)."""
    tree = ast.parse(source)
    functions = {
        n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    missing = [name for name in selected if name not in functions]
    if missing:
        raise Unsupported(f"{dotted} has no top-level function {', '.join(missing)}")
    if selected:
        chosen = [functions[name] for name in selected]
    else:
        # Default: the public functions; those without annotations are reported, not guessed.
        chosen = [f for f in functions.values() if not f.name.startswith("_") or f.name in private]
    constants, math_names, math_imports = _module_names(tree)
    aliases = _type_aliases(tree)
    if read is not None:
        if package is None:
            package = dotted.rpartition(".")[0]
        aliases = {**imported_aliases(tree, dotted, package, read), **aliases}
    module = _Module(
        functions=functions,
        constants=constants,
        math_names=math_names,
        math_imports=math_imports,
        aliases=aliases,
        names=frozenset(_binding_counts(tree)),
        callable=_callable(tree, functions),
        observed=observed or {},
        loggers=_loggers(tree),
        caches=_caches(tree),
        tables=_tables(tree, constants),
    )
    counts = _binding_counts(tree)
    if counts is not _STAR:
        module.re_names, module.patterns = pyregex.module_patterns(
            tree, counts, _module_level(tree)
        )
    plans: list[FunctionPlan] = []
    skipped: list[Skipped] = []
    for func in chosen:
        if func.name in RESERVED:
            skipped.append(Skipped(func.name, "the generated lib.rs uses this name itself"))
            continue
        try:
            plans.append(module.plan(func.name))
        except Unsupported as error:
            skipped.append(Skipped(func.name, str(error)))
    return plans, skipped


_LOOPS = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


def conversion_bound(source: str, plans: Collection[FunctionPlan]) -> dict[str, str]:
    """Why each translated function cannot gain from Rust whatever the workload ("" when it
    may): no loop (here or in a helper) and a str or bytes parameter. Its work is then a few
    str operations, each run by CPython in C, while each call converts the whole argument into
    Rust and the result back: O(length) that Python never pays (regex work excepted, where
    Rust's engine can win)."""
    nodes = {n.name: n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    found: dict[str, str] = {}
    for f in plans:
        node = nodes.get(f.name)
        texts = [p.name for p in f.params if p.type.uses("str") or p.type.uses("bytes")]
        bound = (
            f.body is not None
            and node is not None
            and texts
            and not f.helpers
            and "pyre::" not in f.body
            and not any(isinstance(n, _LOOPS) for n in ast.walk(node))
        )
        kind = "str" if any(p.type.uses("str") for p in f.params) else "bytes"
        found[f.name] = (
            f"not worth moving: without a loop its work is a few {kind} operations CPython "
            f"runs in C, less than converting {', '.join(texts)} into Rust on every call; name "
            "it with --function to move it anyway"
            if bound
            else ""
        )
    return found


@dataclass
class _Module:
    """The module's functions, planned once each and on demand: a function's translation
    asks for the functions it calls (`resolve`), which are planned (and translated) first."""

    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    constants: dict[str, pytranslate.Constant]
    math_names: frozenset[str]
    math_imports: dict[str, str]
    aliases: dict[str, ast.expr]
    names: frozenset[str]  # every name the module binds
    callable: frozenset[str]  # its functions bound by their `def` only
    # Types seen in real calls (migrate --profile), for missing or unusable annotations.
    observed: Mapping[str, Observed] = field(default_factory=dict)
    # `import re` names and `re.compile(literal)` constants (scaffold/pyregex.py).
    re_names: frozenset[str] = frozenset()
    patterns: dict[str, pyregex.Pattern | str] = field(default_factory=dict)
    loggers: frozenset[str] = frozenset()  # names bound once to logging.getLogger(...)
    caches: frozenset[str] = frozenset()  # what names functools' caches: `functools.cache`...
    tables: dict[str, PyType] = field(default_factory=dict)  # module dict/list/set displays
    done: dict[str, FunctionPlan | Unsupported] = field(default_factory=dict)
    active: list[str] = field(default_factory=list)

    def plan(self, name: str) -> FunctionPlan:
        known = self.done.get(name)
        if isinstance(known, Unsupported):
            raise known
        if known is not None:
            return known
        self.active.append(name)
        try:
            plan = _plan(self.functions[name], self)
        except Unsupported as error:
            self.done[name] = error
            raise
        finally:
            self.active.pop()
        self.done[name] = plan
        return plan

    def resolve(self, name: str) -> pytranslate.Callee:
        if name in RESERVED:
            raise pytranslate.Untranslatable(f"it calls {name}, a name lib.rs uses itself")
        if name in self.active:
            cycle = " -> ".join([*self.active[self.active.index(name) :], name])
            raise pytranslate.Untranslatable(
                f"recursion through {cycle} (deep recursion would crash Rust, not raise "
                "RecursionError)"
            )
        try:
            plan = self.plan(name)
        except Unsupported as error:
            raise pytranslate.Untranslatable(
                f"it calls {name}, which stays in Python ({error})"
            ) from error
        if plan.body is None:
            raise pytranslate.Untranslatable(
                f"it calls {name}, which stays in Python ({plan.reason})"
            )
        params = tuple((p.name, p.type, p.default, p.kind) for p in plan.params)
        return pytranslate.Callee(name, params, plan.body_returns)


def _plan(func: ast.FunctionDef | ast.AsyncFunctionDef, module: _Module) -> FunctionPlan:
    if isinstance(func, ast.AsyncFunctionDef):
        raise Unsupported("async functions")
    aliases = module.aliases
    observed = module.observed.get(func.name)
    args = func.args
    if args.vararg or args.kwarg:
        raise Unsupported("*args or **kwargs parameters")
    decorators = tuple(_reapplied(d, module.caches) for d in func.decorator_list)
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    kinds = ["positional_only"] * len(args.posonlyargs) + ["positional"] * len(args.args)
    every = [
        *zip(positional, defaults, kinds, strict=True),
        *((a, d, "keyword_only") for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)),
    ]
    # Each parameter's possible types: one, or each arm of a union (`str | bytes`). The
    # function is translated for the first combination whose body is valid; arguments of
    # the other arms fail the exact extraction, so those calls run in Python.
    choices: list[list[Param]] = []
    for arg, default, kind in every:
        arms = _param_types(arg, aliases, observed)
        shown = " | ".join(str(a) for a in arms) if len(arms) > 1 else None
        fitting = []
        for arm in arms:
            try:
                value = _default(default, arm, arg.arg, module.constants)
                fitting.append(Param(arg.arg, arm, value, kind, shown))
            except Unsupported as error:
                last = error
        if not fitting:
            raise last
        choices.append(fitting)
    try:
        returns = annotated_or_observed(func.returns, name=None, observed=observed, aliases=aliases)
    except Unsupported as error:
        raise Unsupported(f"return: {error}") from error
    doc = ast.get_docstring(func) or ""
    first: FunctionPlan | None = None
    for params in itertools.islice(itertools.product(*choices), _MAX_UNION_TRIES):
        plan = _translated(func, module, params, returns, doc)
        if plan.body is not None:
            return replace(plan, decorators=decorators)
        first = first or plan
    assert first is not None  # noqa: S101  (product of non-empty choices)
    return replace(first, decorators=decorators)


_MAX_UNION_TRIES = 16


def _param_types(
    arg: ast.arg, aliases: dict[str, ast.expr], observed: Observed | None
) -> list[PyType]:
    """The annotation's (or the observed) type, or the types of its union's arms (`int | None`
    is one type)."""
    try:
        return [
            annotated_or_observed(arg.annotation, name=arg.arg, observed=observed, aliases=aliases)
        ]
    except Unsupported as error:
        arms = _union_arms(arg.annotation, aliases)
        if arms is None:
            raise Unsupported(f"parameter {arg.arg!r}: {error}") from error
        found = []
        for arm in arms:
            try:
                found.append(parse_annotation(arm, aliases=aliases))
            except Unsupported:
                continue  # an arm Rust cannot take: those calls stay in Python
        if not found:
            raise Unsupported(f"parameter {arg.arg!r}: {error}") from error
        return found


def _union_arms(node: ast.expr | None, aliases: dict[str, ast.expr]) -> list[ast.expr] | None:
    """`a | b | None`, `Union[a, b]` (through the module's aliases) as its arms; an arm with
    None becomes `arm | None`."""
    seen = 0
    while isinstance(node, ast.Name) and node.id in aliases and seen < 10:  # noqa: PLR2004
        node, seen = aliases[node.id], seen + 1
    members: list[ast.expr] = []

    def flatten(n: ast.expr) -> None:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
            flatten(n.left)
            flatten(n.right)
        else:
            members.append(n)

    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        flatten(node)
    elif isinstance(node, ast.Subscript) and (
        (isinstance(node.value, ast.Name) and node.value.id == "Union")
        or (isinstance(node.value, ast.Attribute) and node.value.attr == "Union")
    ):
        members = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    else:
        return None
    optional = any(isinstance(m, ast.Constant) and m.value is None for m in members)
    arms = [m for m in members if not (isinstance(m, ast.Constant) and m.value is None)]
    if optional:
        return [ast.BinOp(arm, ast.BitOr(), ast.Constant(None)) for arm in arms]
    return arms


def _translated(
    func: ast.FunctionDef,
    module: _Module,
    params: tuple[Param, ...],
    returns: PyType,
    doc: str,
) -> FunctionPlan:
    called: list[str] = []

    def resolve(name: str) -> pytranslate.Callee:
        callee = module.resolve(name)
        called.append(name)
        return callee

    info = pytranslate.FunctionInfo(
        name=func.name,
        params=[(p.name, p.type) for p in params],
        returns=returns,
        constants=module.constants,
        math_names=module.math_names,
        math_imports=module.math_imports,
        module_names=module.names,
        resolve=resolve,
        functions=module.callable,
        re_names=module.re_names,
        patterns=dict(module.patterns),
        loggers=module.loggers,
        tables=module.tables,
    )
    try:
        body: str | None = pytranslate.translate(func, info)
        reason = "; ".join(f"Python takes the calls that reach {r}" for r in info.redone)
    except pytranslate.Untranslatable as error:
        body, reason = None, str(error)
    helpers: dict[str, FunctionPlan] = {}
    if body is not None:
        for name in called:
            callee = module.plan(name)
            for found in (*callee.helpers, callee):
                helpers.setdefault(found.name, found)
    levels = {n: set(v) for n, v in info.logged.items()} if body is not None else {}
    for helper in helpers.values():
        for name, _, used in helper.logs:
            levels.setdefault(name, set()).update(used)
    slots = sorted(module.loggers)
    logs = [(name, slots.index(name), tuple(sorted(used))) for name, used in levels.items()]
    return FunctionPlan(
        func.name,
        params,
        returns,
        doc,
        body,
        reason,
        tuple(helpers.values()),
        tuple(sorted(logs)),
        returns_object=info.returns_object,
    )


def _reapplied(decorator: ast.expr, caches: frozenset[str]) -> str:
    """A decorator the dispatch can apply again around the Rust function, as source text.
    Only functools' caches (`@lru_cache`, `@functools.lru_cache(maxsize=256)`, `@cache`)
    with literal arguments: they keep the function's results and run nothing else, so a
    second application changes nothing but which function the cache calls. Any other
    decorator may register, replace or change the function (semver's `@deprecated` warns):
    the function stays in Python."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    literal = not isinstance(decorator, ast.Call) or all(
        isinstance(a, ast.Constant)
        for a in [*decorator.args, *(k.value for k in decorator.keywords)]
    )
    if ast.unparse(target) in caches and literal:
        return ast.unparse(decorator)
    raise Unsupported(
        f"decorated with @{ast.unparse(decorator)} (only functools' lru_cache and cache are "
        "applied again around the Rust function)"
    )


def _caches(tree: ast.Module) -> frozenset[str]:
    """How the module names functools' caches: `functools.lru_cache` after `import functools`,
    `cache` after `from functools import cache`; only through names bound once."""
    counts = _binding_counts(tree)
    if counts is _STAR:
        return frozenset()
    found = set()
    for node in _module_level(tree):
        if isinstance(node, ast.Import):
            found |= {
                f"{alias.asname or 'functools'}.{member}"
                for alias in node.names
                if alias.name == "functools" and counts.get(alias.asname or "functools") == 1
                for member in ("lru_cache", "cache")
            }
        elif isinstance(node, ast.ImportFrom) and node.module == "functools" and not node.level:
            found |= {
                alias.asname or alias.name
                for alias in node.names
                if alias.name in {"lru_cache", "cache"}
                and counts.get(alias.asname or alias.name) == 1
            }
    return frozenset(found)


def _default(
    node: ast.expr | None,
    t: PyType,
    name: str,
    constants: Mapping[str, pytranslate.Constant] | None = None,
) -> str | None:
    """The default as Python literal source. A module constant (`alphabet: bytes =
    BITCOIN_ALPHABET`, bound once to a literal) is its literal: Python evaluates a default
    once, when the `def` runs, and a name bound only once had that value then."""
    if node is None:
        return None
    if isinstance(node, ast.Name) and constants is not None and node.id in constants:
        value: object = constants[node.id]
        source = repr(value)
        if isinstance(value, float) and not math.isfinite(value):  # `X = 1e999`: no literal
            raise Unsupported(f"parameter {name!r} has a default ({node.id}) with no literal")
    else:
        try:
            value = ast.literal_eval(node)
        except ValueError as error:
            raise Unsupported(f"parameter {name!r} has a computed default") from error
        source = ast.unparse(node)
    ok = (
        (value is None and t.name == "optional")
        or (isinstance(value, bool) and t.name in {"bool", "optional"})
        or (
            type(value) in {int, float, str, bytes} and t.name in {type(value).__name__, "optional"}
        )
    )
    if not ok:
        raise Unsupported(f"parameter {name!r}: default {ast.unparse(node)} is not a {t}")
    return source


_STAR: dict[str, int] = {"*": 1}


def _binding_counts(tree: ast.Module) -> dict[str, int]:
    """How often each name is bound at module level (`_STAR` after `from x import *`)."""
    counts: dict[str, int] = {}

    def bind(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    for node in _module_level(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return _STAR
                bind(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bind(node.id)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            bind(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bind(node.rest)
    return counts


def _callable(
    tree: ast.Module, functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
) -> frozenset[str]:
    """The module's functions a body can call by name: bound by their `def` only (not
    rebound, not `global` anywhere), so the name means that function at call time."""
    counts = _binding_counts(tree)
    if counts is _STAR:
        return frozenset()
    rebound = {n for g in ast.walk(tree) if isinstance(g, ast.Global) for n in g.names}
    return frozenset(n for n in functions if counts.get(n) == 1 and n not in rebound)


_TABLE_ITEMS = {int: PyType("int"), float: PyType("float"), str: PyType("str")}


def _tables(tree: ast.Module, constants: Mapping[str, object]) -> dict[str, PyType]:
    """Module names bound once, at the top, to a dict, list, tuple or set display (and not a
    constant: a tuple of literals is one). The body reads each through Python at the call,
    as the function does, so a change to the table is seen; its items are narrowed to the
    one type the display's literal values have (ints, floats or strs), or kept as Python
    objects (OBJECT) where they mix types or are not literals."""
    counts = _binding_counts(tree)
    if counts is _STAR:
        return {}
    rebound = {n for g in ast.walk(tree) if isinstance(g, ast.Global) for n in g.names}
    found: dict[str, PyType] = {}
    for name, value in _top_assignments(tree):
        if name in constants or counts.get(name) != 1 or name in rebound:
            continue
        if isinstance(value, ast.Dict):
            items: list[ast.expr] = list(value.values)
        elif isinstance(value, ast.List | ast.Tuple | ast.Set):
            items = list(value.elts)
        else:
            continue
        found[name] = _item_type(items)
    return found


def _top_assignments(tree: ast.Module) -> Iterator[tuple[str, ast.expr]]:
    """`name = value` and `name: T = value` at the module's top level (one name each)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            yield target.id, value


def _item_type(items: list[ast.expr]) -> PyType:
    kinds = set()
    for item in items:
        try:
            kinds.add(type(ast.literal_eval(item)))
        except ValueError:
            kinds.add(object)
    return _TABLE_ITEMS.get(kinds.pop(), OBJECT) if len(kinds) == 1 else OBJECT


def _loggers(tree: ast.Module) -> frozenset[str]:
    """Module names bound once, at the top, to `logging.getLogger(...)`, `getLogger(...)` or a
    `get_logger(...)` helper. Which object the name holds at call time is checked then
    (pyops::would_log): anything but a plain `logging.Logger` sends the call to Python."""
    counts = _binding_counts(tree)
    if counts is _STAR:
        return frozenset()
    rebound = {n for g in ast.walk(tree) if isinstance(g, ast.Global) for n in g.names}
    found = set()
    for name, value in _top_assignments(tree):
        if not isinstance(value, ast.Call):
            continue
        func = value.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in {"getLogger", "get_logger"} and counts.get(name) == 1:
            found.add(name)
    return frozenset(found - rebound)


def _immutable_literal(value: object) -> bool:
    """A number, bool, str, or a tuple of them (at any depth): a value nobody can change."""
    if isinstance(value, tuple):
        return all(_immutable_literal(v) for v in value)
    return isinstance(value, (int, float, bool, str, bytes))


def _module_names(
    tree: ast.Module,
) -> tuple[dict[str, pytranslate.Constant], frozenset[str], dict[str, str]]:
    """Module constants (bound once, to a literal number), the names bound to `math`, and the
    names bound to one of its members (`from math import sqrt as root`: root -> sqrt).

    Every binding at module level counts, wherever it is (inside `if`/`try`/`for`/`with`,
    `+=`, imports, `def`, `class`, `del`...): a name bound twice is not a constant, since a
    function sees its value at call time. `from x import *` can bind anything: no constants.
    """
    counts = _binding_counts(tree)
    if counts is _STAR:
        return {}, frozenset(), {}
    values: dict[str, pytranslate.Constant] = {}
    math_names = {
        alias.asname or "math"
        for node in _module_level(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "math"
    }
    math_imports = {
        alias.asname or alias.name: alias.name
        for node in _module_level(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "math" and not node.level
        for alias in node.names
    }
    for name, value_node in _top_assignments(tree):
        try:
            value: object = ast.literal_eval(value_node)
        except ValueError:
            continue
        if _immutable_literal(value):
            values[name] = value  # type: ignore[assignment]
    # `global X` anywhere means X can change at run time: not a constant.
    rebound = {n for g in ast.walk(tree) if isinstance(g, ast.Global) for n in g.names}
    constants = {k: v for k, v in values.items() if counts.get(k) == 1 and k not in rebound}
    math_names = {n for n in math_names if counts.get(n) == 1 and n not in rebound}
    math_imports = {
        k: v for k, v in math_imports.items() if counts.get(k) == 1 and k not in rebound
    }
    return constants, frozenset(math_names), math_imports


def imported_aliases(
    tree: ast.Module, dotted: str, package: str, read: Callable[[str], str | None]
) -> dict[str, ast.expr]:
    """The type aliases a module imports from its own package's modules: astral's sun.py
    says `from astral import Minutes`, and astral/__init__.py `Minutes = float`. Each alias
    is resolved in the module that defines it (its names are that module's), one import
    deep, and only where the module binds the name once (nothing rebinds it later)."""
    counts = _binding_counts(tree)
    if counts is _STAR:
        return {}
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom):
            continue
        source = _imported_module(node, dotted, package)
        text = read(source) if source else None
        if text is None:
            continue
        try:
            theirs = _type_aliases(ast.parse(text))
        except (SyntaxError, ValueError, RecursionError):
            continue
        for alias in node.names:
            local = alias.asname or alias.name
            if alias.name in theirs and counts.get(local) == 1:
                found[local] = _resolved(theirs[alias.name], theirs)
    return found


def _imported_module(node: ast.ImportFrom, dotted: str, package: str) -> str:
    """The dotted name of the module of the project's own package that `node` imports
    from ("" for another distribution's, or the module itself)."""
    source = node.module or ""
    if node.level:  # `from . import x` is the package, `from .. import x` its parent
        parts = package.split(".") if package else []
        if node.level - 1 >= len(parts):
            return ""
        source = ".".join([*parts[: len(parts) - (node.level - 1)], *filter(None, [node.module])])
    if source.partition(".")[0] != dotted.partition(".")[0] or source == dotted:
        return ""
    return source


def _resolved(node: ast.expr, aliases: dict[str, ast.expr], depth: int = 0) -> ast.expr:
    """`node` with its module's own aliases put in place (`Elevation = Union[Degrees, ...]`
    read elsewhere must not pick up another module's `Degrees`)."""
    if depth > 10:  # noqa: PLR2004  (an alias cycle: left as it is, it will not parse)
        return node

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.expr:
            if name.id in aliases:
                return _resolved(aliases[name.id], aliases, depth + 1)
            return name

    return Substitute().visit(copy.deepcopy(node))  # type: ignore[no-any-return]


def _type_aliases(tree: ast.Module) -> dict[str, ast.expr]:
    """Names bound once at module level to a type: `Number = int`, `N: TypeAlias = int`,
    `UserId = NewType("UserId", int)` (whose values are plain ints at run time)."""
    found: dict[str, ast.expr] = {}
    counts: dict[str, int] = {}
    for node in _module_level(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            counts[node.id] = counts.get(node.id, 0) + 1
    # Aliases defined for type checkers only (`if TYPE_CHECKING:`) name types too.
    checking = [
        stmt
        for node in tree.body
        if isinstance(node, ast.If)
        and not node.orelse
        and ast.unparse(node.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}
        for stmt in node.body
    ]
    for node in [*tree.body, *checking]:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if not isinstance(target, ast.Name) or value is None or counts.get(target.id) != 1:
            continue
        if (
            isinstance(value, ast.Call)
            and (
                (isinstance(value.func, ast.Name) and value.func.id == "NewType")
                or (isinstance(value.func, ast.Attribute) and value.func.attr == "NewType")
            )
            and len(value.args) == 2  # noqa: PLR2004  (name, base type)
        ):
            value = value.args[1]
        found[target.id] = value
    return found


def _module_level(tree: ast.Module) -> list[ast.AST]:
    """Every node that runs in the module's own scope (not inside function or class bodies,
    whose names are their own; a def's decorators and defaults do run at module level)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            pending += [*node.decorator_list, *node.args.defaults]
            pending += [d for d in node.args.kw_defaults if d is not None]
        elif isinstance(node, ast.ClassDef):
            pending += [*node.decorator_list, *node.bases, *node.keywords]
        elif isinstance(node, ast.Lambda):
            pending += node.args.defaults
        else:
            pending += ast.iter_child_nodes(node)
    return found


# -- Rust -------------------------------------------------------------------------------------


def _uses_regex(plan: ModulePlan) -> bool:
    bodies = [f.body for f in plan.functions] + [h.body for f in plan.functions for h in f.helpers]
    return any(pyregex.uses_regex(b) for b in bodies if b is not None)


def pyre_rs() -> str:
    """`re` on the regex crate (migrate_files/pyre.rs), inline in lib.rs when a body uses it."""
    text = resources.files("scaffold").joinpath("migrate_files/pyre.rs").read_text("utf-8")
    return f"mod pyre {{\n{text}}}"


def pyops_rs() -> str:
    return resources.files("scaffold").joinpath("migrate_files/pyops.rs").read_text("utf-8")


def _doc_lines(text: str, indent: str) -> list[str]:
    return [f"{indent}/// {line}".rstrip() for line in inspect.cleandoc(text).splitlines()]


def _rust_type(t: PyType, f: FunctionPlan) -> str:
    """A translated function takes and returns its body's representation (a str is a
    Vec<char>: calls between translated functions convert nothing, the wrapper converts once);
    a skeleton the types PyO3 converts (String), for the code you write in it."""
    return pytranslate.internal(t) if f.body is not None else t.rust()


def _signature(f: FunctionPlan) -> str:
    return ", ".join(f"{pytranslate.rust_ident(p.name)}: {_rust_type(p.type, f)}" for p in f.params)


def _rust_default(p: Param, *, chars: bool) -> str:
    assert p.default is not None  # noqa: S101
    value = ast.literal_eval(p.default)
    inner = p.type.args[0] if p.type.name == "optional" else p.type
    if value is None:
        code = "None"
    elif isinstance(value, bool):
        code = "true" if value else "false"
    elif isinstance(value, int):
        code = str(value) if inner.name == "int" else pytranslate.rust_float(float(value))
    elif isinstance(value, float):
        code = pytranslate.rust_float(value)
    elif isinstance(value, bytes):
        code = f"{pytranslate.rust_bytes(value)}.to_vec()"
    else:
        convert = "pyops::chars" if chars else "String::from"
        code = f"{convert}({pytranslate.rust_str(value)})"
    return f"Some({code})" if p.type.name == "optional" and value is not None else code


def lib_rs(plan: ModulePlan, *, gil_used: bool) -> str:
    types = [p.type for f in plan.functions for p in f.params] + [f.returns for f in plan.functions]
    lines = [
        f"//! Rust versions of functions from `{plan.dotted}`, made by `pyo3-scaffold migrate`.",
        "//!",
        "//! The Python module stays the reference implementation. It uses a function from",
        f"//! here only when its name is in `IMPLEMENTED` (and `{plan.env_var}=1` is not set);",
        "//! tests/ checks that both agree. Functions marked TODO are typed skeletons to finish.",
        "",
        "mod pyops;",
        *(["", pyre_rs()] if _uses_regex(plan) else []),
        "",
        "#[allow(unused_imports)]",
        "use pyo3::exceptions::{",
        "    PyAssertionError, PyArithmeticError, PyIndexError, PyKeyError, PyNotImplementedError,",
        "    PyOverflowError, PyRuntimeError, PyTypeError, PyValueError, PyZeroDivisionError,",
        "};",
        "use pyo3::prelude::*;",
    ]
    if any(t.uses("dict") for t in types):
        lines.append("use indexmap::IndexMap;")
    if any(t.uses("set") for t in types):
        lines.append("use std::collections::HashSet;")
    implemented = ", ".join(f'"{name}"' for name in plan.implemented)
    lines += [
        "",
        f"/// Functions finished in Rust: `{plan.dotted}` takes these from the extension.",
        "/// Add a name here once its function below is implemented.",
        f"pub const IMPLEMENTED: &[&str] = &[{implemented}];",
    ]
    exported = {f.name for f in plan.functions}
    helpers = {h.name: h for f in plan.functions for h in f.helpers if h.name not in exported}
    for f in [*plan.functions, *helpers.values()]:
        ret = f"PyResult<{_rust_type(f.body_returns, f)}>"
        lines += ["", f"/// Rust version of `{plan.dotted}.{f.name}`."]
        if f.name in helpers:
            lines += ["/// (Called by the functions above; Python keeps its own for other calls.)"]
        if f.body is not None:
            lines += [
                "#[allow(unused_mut, unused_assignments, unused_variables, unused_parens,",
                "        unreachable_code, clippy::all)]",
                f"pub fn {pytranslate.rust_ident(f.name)}({_signature(f)}) -> {ret} {{",
                f.body,
                "}",
            ]
        else:
            names = ", ".join(pytranslate.rust_ident(p.name) for p in f.params)
            lines += [
                f"pub fn {pytranslate.rust_ident(f.name)}({_signature(f)}) -> {ret} {{",
                f"    // TODO(pyo3-scaffold): implement `{f.name}` in Rust, then add",
                f'    // "{f.name}" to IMPLEMENTED above. Until then Python runs its own version.',
                f"    // Not translated automatically: {f.reason}.",
                f"    let _ = ({names}{',' if len(f.params) == 1 else ''});",
                f'    Err(PyNotImplementedError::new_err("{f.name} is not implemented in Rust"))',
                "}",
            ]
    lines += [
        "",
        f"/// Rust versions of functions from `{plan.dotted}`.",
        f"#[pyo3::pymodule(gil_used = {'true' if gil_used else 'false'})]",
        f"mod {plan.extension} {{",
        "    use crate::pyops;",
        "    use pyo3::IntoPyObjectExt;",
        "    use pyo3::exceptions::PyOverflowError;",
        "    use pyo3::prelude::*;",
        "    #[allow(unused_imports)]  // PyDict: for the wrappers that take (*args, **kwargs)",
        "    use pyo3::types::{PyDict, PyTuple};",
    ]
    if any(t.uses("dict") for t in types):
        lines.append("    use indexmap::IndexMap;")
    if any(t.uses("set") for t in types):
        lines.append("    use std::collections::HashSet;")
    lines += [
        "",
        "    #[pymodule_init]",
        f"    fn {INIT_FN}(module: &Bound<'_, PyModule>) -> PyResult<()> {{",
        '        module.add("__implemented__", PyTuple::new(module.py(), super::IMPLEMENTED)?)',
        "    }",
        "",
        "    /// The Python module registers its own functions here at import (every call that",
        "    /// Rust cannot take exactly goes to them), and its namespace (the tables and loggers",
        "    /// the functions read at each call).",
        "    #[pyfunction]",
        f'    #[pyo3(name = "{REFERENCE_FN}")]',
        f"    fn {REFERENCE_FN.strip('_')}(",
        "        functions: Bound<'_, PyAny>,",
        "        namespace: Bound<'_, PyDict>,",
        "    ) {",
        "        let py = functions.py();",
        "        let _ = pyops::REFERENCE.set(py, functions.unbind());",
        "        let _ = pyops::GLOBALS.set(py, namespace.unbind());",
        "    }",
    ]
    for f in plan.functions:
        lines += [""]
        lines += _doc_lines(f.doc, "    ") if f.doc else []
        lines += _wrapper(f)
    lines += ["}", ""]
    return "\n".join(lines)


def _size(t: PyType, v: str) -> str:
    """Rust code: how long the value `v` of type `t` is (items, chars, bytes), "" for a scalar."""
    if t.name in {"str", "bytes", "list", "vartuple", "set", "dict"}:
        return f"{v}.len()"
    if t.name == "optional" and (inner := _size(t.args[0], "x")):
        return f"{v}.as_ref().map_or(0, |x| {inner})"
    if t.name == "tuple":
        return " + ".join(s for i, a in enumerate(t.args) if (s := _size(a, f"{v}.{i}")))
    return ""


def python_signature(params: tuple[Param, ...], render: Callable[[Param], str]) -> str:
    """Parameters as Python writes them, with the `/` and `*` markers where they belong."""
    parts: list[str] = []
    for i, p in enumerate(params):
        if p.kind == "keyword_only" and (i == 0 or params[i - 1].kind != "keyword_only"):
            parts.append("*")
        parts.append(render(p))
        if p.kind == "positional_only" and (
            i + 1 == len(params) or params[i + 1].kind != "positional_only"
        ):
            parts.append("/")
    return ", ".join(parts)


def _positional_counts(f: FunctionPlan) -> tuple[int, int]:
    only = sum(1 for p in f.params if p.kind == "positional_only")
    return only, sum(1 for p in f.params if p.kind != "keyword_only")


# Locals of the #[pyfunction] wrapper: a parameter of the same name takes the generic path.
_WRAPPER_LOCALS = frozenset({"py", "exact", "size", "call", "long", "done", "value", "error"})
_ANY = "&Bound<'py, PyAny>"
_ARG = "pyops::Arg<'py>"


def _fixed_signature(f: FunctionPlan) -> bool:
    """Whether the wrapper can take the function's own parameters (PyO3 parses them with
    vectorcall, no tuple or dict built per call): PyO3 names them after the Rust identifiers,
    so each must spell its Python name and not be one of the wrapper's locals."""
    return all(
        pytranslate.rust_ident(p.name) in {p.name, f"r#{p.name}"} and p.name not in _WRAPPER_LOCALS
        for p in f.params
    )


def _wrapper(f: FunctionPlan) -> list[str]:
    """The #[pyfunction]: exact arguments run in Rust, every other call in Python."""
    n = len(f.params)
    comma = "," if n == 1 else ""
    fixed = _fixed_signature(f)
    chars = f.body is not None  # its str parameters are Vec<char>s
    idents = [pytranslate.rust_ident(p.name) if fixed else f"b{i}" for i, p in enumerate(f.params)]
    values = []
    for ident, p in zip(idents, f.params, strict=True):
        if p.default is None:
            values.append(
                f"{pytranslate.exact_code(p.type, ident if fixed else f'&{ident}?', chars=chars)}?"
            )
        else:
            given = f"{ident}.given()" if fixed else ident
            extracted = pytranslate.exact_code(p.type, "v" if fixed else "&v", chars=chars)
            default = _rust_default(p, chars=chars)
            values.append(f"match {given} {{ Some(v) => {extracted}?, None => {default} }}")
    types = ", ".join(_rust_type(p.type, f) for p in f.params)
    returned = pytranslate.to_external("value", f.body_returns) if chars else "value"
    unpacked = ", ".join(f"a{i}" for i in range(n))
    call = f"super::{pytranslate.rust_ident(f.name)}({unpacked})"
    sizes = [size for i, p in enumerate(f.params) if (size := _size(p.type, f"a{i}"))]
    detach = []
    if sizes:
        # Work that grows with the input: on a long one, let other Python threads run.
        detach = [
            f"            let size = {' + '.join(sizes)};",
            f"            let call = move || {call};",
            "            let long = size >= pyops::DETACH_MIN;",
            "            let done = if long { py.detach(call) } else { call() };",
        ]
        call = "done"
    text_signature = python_signature(
        f.params, lambda p: p.name + ("" if p.default is None else f"={p.default}")
    )
    text = pytranslate.rust_str(f"({text_signature})")
    if fixed:
        pyo3_signature = python_signature(
            f.params,
            lambda p: (
                pytranslate.rust_ident(p.name)
                + ("" if p.default is None else " = pyops::Arg::Missing")
            ),
        )
        # A parameter with a default is a pyops::Arg: given (even as None) or missing.
        params = [
            f"        {ident}: {_ANY if p.default is None else _ARG},"
            for ident, p in zip(idents, f.params, strict=True)
        ]
        bind = []
        given = ", ".join(
            f'("{p.name}", {"true" if p.kind == "keyword_only" else "false"}, '
            f"{f'Some({ident})' if p.default is None else f'{ident}.given()'})"
            for ident, p in zip(idents, f.params, strict=True)
        )
        fallback = f'        pyops::fallback_with(py, "{f.name}", &[{given}])'
    else:
        pyo3_signature = "*args, **kwargs"
        params = [
            "        args: &Bound<'py, PyTuple>,",
            "        kwargs: Option<&Bound<'py, PyDict>>,",
        ]
        names = ", ".join(f'"{p.name}"' for p in f.params)
        only, positional = _positional_counts(f)
        bind = [
            (
                f"            let [{', '.join(idents)}] = "
                f"pyops::bind(args, kwargs, [{names}], {only}, {positional})?;"
            )
        ]
        fallback = f'        pyops::fallback(py, "{f.name}", args, kwargs)'
    return [
        "    #[pyfunction]",
        (
            f'    #[pyo3(name = "{f.name}", signature = ({pyo3_signature}), '
            f"text_signature = {text})]"
        ),
        f"    fn {pytranslate.rust_ident(f.name)}<'py>(",
        "        py: Python<'py>,",
        *params,
        "    ) -> PyResult<Py<PyAny>> {",
        f"        let exact = || -> Option<({types}{comma})> {{",
        *(
            f"            pyops::set_log_threshold({slot}, pyops::log_threshold("
            f'py, pyops::name!("{name}"), &[{", ".join(map(str, levels))}])?);'
            for name, slot, levels in f.logs
        ),
        *bind,
        f"            Some(({', '.join(values)}{comma}))",
        "        };",
        f"        if let Some(({unpacked}{comma})) = exact() {{",
        *detach,
        f"            match {call} {{",
        # `()` would reach Python as an empty tuple: a function returning None returns None.
        (
            "                Ok(()) => return Ok(py.None()),"
            if f.body_returns.name == "none"
            else f"                Ok(value) => return {returned}.into_py_any(py),"
        ),
        "                Err(error) if !error.is_instance_of::<PyOverflowError>(py) => {",
        "                    return Err(error);",
        "                }",
        "                // Beyond i64 somewhere: Python computes it exactly (or raises its own).",
        "                Err(_) => {}",
        "            }",
        "        }",
        fallback,
        "    }",
    ]


def cargo_toml(*, crate: str, lib: str, version: str, abi3: str | None, plan: ModulePlan) -> str:
    types = [p.type for f in plan.functions for p in f.params] + [f.returns for f in plan.functions]
    dict_used = any(t.uses("dict") for t in types)
    features = ['"indexmap"'] if dict_used else []
    if abi3:
        features.insert(0, f'"{abi3}"')
    pyo3 = f'{{ version = "{pins.load().pyo3}"' + (
        f", features = [{', '.join(features)}]" if features else ""
    )
    lines = [
        "# The Rust extension of this package, added by `pyo3-scaffold migrate`.",
        "[package]",
        f'name = "{crate}"',
        f'version = "{version}"',
        'edition = "2024"',
        'rust-version = "1.85"',
        "# Ships inside the Python wheel (pyproject.toml), not on crates.io.",
        "publish = false",
        "",
        "[lib]",
        f"# The extension module {plan.extension_module}.",
        f'name = "{lib}"',
        'crate-type = ["cdylib"]',
        "",
        "[dependencies]",
        f"pyo3 = {pyo3} }}",
    ]
    if dict_used:
        lines.append('indexmap = "2"  # dicts keep their order, as in Python')
    if _uses_regex(plan):
        lines.append(f'regex = "{pins.load().regex}"  # re, for the patterns migrate checked')
    lines += [
        "",
        "[profile.release]",
        "# Wheels are built once and run many times: trade build time for speed.",
        'lto = "fat"',
        "codegen-units = 1",
        "",
    ]
    return "\n".join(lines)


# -- Python -----------------------------------------------------------------------------------


def _redecorate(plan: ModulePlan) -> str:
    """The dispatch lines that put a moved function's caches back around its Rust version
    (decorators apply from the innermost, the last written, out)."""
    lines = []
    for f in plan.functions:
        if f.decorators:  # a skeleton too: it is wrapped once it is finished in Rust
            wrapped = f'namespace["{f.name}"]'
            for decorator in reversed(f.decorators):
                wrapped = f"{decorator}({wrapped})"
            lines.append(f'    if namespace["{f.name}"] is not reference["{f.name}"]:\n')
            lines.append(f'        namespace["{f.name}"] = {wrapped}\n')
    return "".join(lines)


def dispatch_block(plan: ModulePlan) -> str:
    names = ", ".join(f'"{f.name}"' for f in plan.functions)
    names += "," if len(plan.functions) == 1 else ""
    if len(names) > 50:  # noqa: PLR2004  (keep the line within usual line lengths)
        names = "\n" + "".join(f'        "{f.name}",\n' for f in plan.functions) + "    "
    return f"""

{DISPATCH_START}
# The functions above stay the reference implementation and the fallback. Those finished in
# Rust ({plan.extension_module}.__implemented__) replace them below, unless the
# extension is not built or {plan.env_var}=1 is set. The extension itself sends every call it
# cannot take exactly (an int beyond 64 bits, a bool for an int, an int for a float...) to the
# Python version, so results never change. Tests check that both agree.
def _use_rust_versions() -> dict[str, object]:
    # Builtins through `builtins`: this module may define its own `globals`, `getattr`...
    import builtins  # noqa: PLC0415
    import importlib  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415
    import os  # noqa: PLC0415

    namespace = builtins.globals()
    reference = {{name: namespace[name] for name in ({names})}}
    if os.environ.get("{plan.env_var}", "") not in {{"", "0"}}:
        return reference
    extension = f"{{__package__}}.{plan.extension}" if __package__ else "{plan.extension}"
    if importlib.util.find_spec(extension) is None:  # not built: stay pure Python
        return reference
    rust = importlib.import_module(extension)
    rust.{REFERENCE_FN}(reference, namespace)
    for name in rust.__implemented__:
        if name in reference:
            namespace[name] = builtins.getattr(rust, name)
{_redecorate(plan)}    return reference


_PYTHON_REFERENCE = _use_rust_versions()
{DISPATCH_END}
"""


def _edge_values(t: PyType) -> list[object]:  # noqa: C901, PLR0911  (one case per type)
    if t.name == "int":
        # True: a bool where an int is expected; 2**63: the first int beyond i64.
        return [0, 1, -1, 7, -13, True, 2**63, -(2**63) - 1]
    if t.name == "float":
        # 3: an int where a float is expected (the dispatch keeps it on the Python path).
        return [0.0, -0.0, 1.5, -2.25, float("nan"), float("inf"), float("-inf"), 3]
    if t.name == "bool":
        return [False, True]
    if t.name == "str":
        return ["", "a", "héllo wörld 🎉", "abcabc", "\ud800"]  # a lone surrogate too
    if t.name == "bytes":
        # Empty, every byte value, long (leading zero bytes: int.from_bytes still fits).
        return [b"", b"\x00\xff", b"abc", bytes(range(256)), b"\x00" * 9 + b"z" * 300]
    if t.name == "none":
        return [None]
    if t.name == "optional":
        return [None, *_edge_values(t.args[0])[:2]]
    inner = [_edge_values(a) for a in t.args]
    if t.name in {"list", "vartuple", "set"}:
        kind = {"list": list, "vartuple": tuple, "set": set}[t.name]
        items = inner[0]
        return [kind(), kind(items[:1]), kind(items[:3]), kind(items[::-1])]
    if t.name == "tuple":
        return [tuple(v[0] for v in inner), tuple(v[-1] for v in inner)]
    if t.name == "dict":
        return [{}, dict(zip(inner[0][:3], inner[1][:3], strict=False))]
    raise AssertionError(t.name)


def _literal(value: object) -> str:  # noqa: PLR0911  (one case per type)
    if isinstance(value, float) and (value != value or value in {float("inf"), float("-inf")}):  # noqa: PLR0124
        return f'float("{value}")'
    if isinstance(value, set) and not value:
        return "set()"
    if isinstance(value, (list, tuple, set)):
        items = [_literal(v) for v in value]
        if isinstance(value, list):
            return "[" + ", ".join(items) + "]"
        if isinstance(value, tuple):
            return "(" + "".join(i + ", " for i in items) + ")"
        return "{" + ", ".join(items) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def differential_tests(plan: ModulePlan) -> str:
    out = [
        f'"""The Rust and Python versions of {plan.dotted} agree (made by pyo3-scaffold migrate).',
        "",
        "Hypothesis draws arguments from the annotations and beyond them: ints past 64 bits, bools",
        "where ints are accepted, ints where floats are, NaN, -0.0, infinities, astral and lone",
        "surrogate strings. What users call (the dispatched function: Rust, or Python for the",
        "arguments Rust cannot take exactly) must return equal values of the same type as the",
        "Python version, or raise the same exception. Skeleton functions are skipped.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import copy",
        "import importlib",
        "import math",
        "import signal",
        "from collections.abc import Callable",
        "",
        "import pytest",
        "from hypothesis import given, settings",
        "from hypothesis import strategies as st",
        "",
        # Not `import pkg.mod as module`: that reads the attribute `pkg.mod` first, which a
        # package may rebind to a function of the same name (haversine.haversine).
        f'module = importlib.import_module("{plan.dotted}")',
        f'rust = importlib.import_module("{plan.extension_module}")',
        "PYTHON = module._PYTHON_REFERENCE",
        "I64_MIN, I64_MAX = -(2**63), 2**63 - 1",
        "# Big ints can make a loop in the Python version run for ages: each call gets a time",
        "# limit where the platform has one (POSIX), and big ints are drawn only there.",
        'LIMITED = hasattr(signal, "setitimer")',
        "BIG = [I64_MAX + 1, I64_MIN - 1, 2**64 + 7, -(2**100)] if LIMITED else []",
        "",
        "",
        "def ints() -> st.SearchStrategy[object]:",
        "    small = st.integers(min_value=-1000, max_value=1000) | st.booleans()",
        "    return small | st.sampled_from(BIG) if BIG else small",
        "",
        "",
        "def texts() -> st.SearchStrategy[str]:",
        "    return st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates too",
        "",
        "",
        "class Slow(Exception):  # noqa: N818",
        '    """The Python version took too long for this example: nothing to compare."""',
        "",
        "",
        "def limited(",
        "    function: Callable[..., object], args: tuple[object, ...], kwargs: dict[str, object]",
        ") -> object:",
        "    if not LIMITED:",
        "        return function(*args, **kwargs)",
        "",
        "    def stop(signum: int, frame: object) -> None:",
        "        raise Slow",
        "",
        "    previous = signal.signal(signal.SIGALRM, stop)",
        "    signal.setitimer(signal.ITIMER_REAL, 0.25)",
        "    try:",
        "        return function(*args, **kwargs)",
        "    finally:",
        "        signal.setitimer(signal.ITIMER_REAL, 0)",
        "        signal.signal(signal.SIGALRM, previous)",
        "",
        "",
        "def same(a: object, b: object) -> bool:",
        '    """Equal values of the same types; NaN equals NaN; -0.0 differs from 0.0."""',
        "    if type(a) is not type(b):",
        "        return False",
        "    if isinstance(a, float) and isinstance(b, float):",
        "        both_nan = math.isnan(a) and math.isnan(b)",
        "        return both_nan or (a == b and math.copysign(1, a) == math.copysign(1, b))",
        "    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):",
        "        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))",
        "    if isinstance(a, dict) and isinstance(b, dict):",
        "        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)",
        "    return a == b",
        "",
        "",
        # `name` is positional-only: a keyword-only parameter may be called `name` too.
        "def check(name: str, /, *args: object, **kwargs: object) -> None:",
        "    if not LIMITED and any(type(a) is int and not I64_MIN <= a <= I64_MAX for a in args):",
        "        return  # an edge case with a big int, and no time limit on this platform",
        "    python_error: Exception | None = None",
        "    try:",
        "        expected = limited(PYTHON[name], *copy.deepcopy((args, kwargs)))",
        "    except Slow:",
        "        return",
        "    except Exception as error:  # noqa: BLE001  (compared with Rust's below)",
        "        python_error = error",
        "    try:",
        "        got = limited(getattr(module, name), *copy.deepcopy((args, kwargs)))",
        "    except Slow:",
        "        return",
        "    except Exception as error:  # noqa: BLE001",
        "        assert python_error is not None, f'Rust: {error!r}, Python: {expected!r}'",
        "        assert type(error) is type(python_error), f'{error!r} != {python_error!r}'",
        "        return",
        "    assert python_error is None, f'Python raised {python_error!r}, Rust returned {got!r}'",
        "    assert same(got, expected), f'{name}{args!r}: Rust {got!r} != Python {expected!r}'",
        "",
        "",
        "def implemented(name: str) -> pytest.MarkDecorator:",
        "    return pytest.mark.skipif(",
        "        name not in rust.__implemented__,",
        "        reason=f'{name} is still a Rust skeleton: implement it in src/lib.rs',",
        "    )",
    ]
    for f in plan.functions:
        # The test's own names for the parameters: a parameter called `check` would hide
        # the helper its body calls.
        local = {p.name: f"{p.name}_" if p.name == "check" else p.name for p in f.params}
        # Keyword-only parameters are passed by keyword, the others by position.
        params = ", ".join(
            f"{p.name}={local[p.name]}" if p.kind == "keyword_only" else local[p.name]
            for p in f.params
        )
        _, positional = _positional_counts(f)
        keywords = [p.name for p in f.params if p.kind == "keyword_only"]
        edge_call = (
            f'check("{f.name}", *args[:{positional}], **dict(zip({keywords!r}, '
            f"args[{positional}:], strict=True)))"
            if keywords
            else f'check("{f.name}", *args)'
        ).replace("'", '"')
        out += ["", ""]
        if f.params:
            strategies = ", ".join(f"{local[p.name]}={p.type.strategy()}" for p in f.params)
            typed = ", ".join(f"{local[p.name]}: object" for p in f.params)
            out += [
                f'@implemented("{f.name}")',
                "@settings(max_examples=200, deadline=None)",
                f"@given({strategies})",
                f"def test_{f.name}_agrees({typed}) -> None:",
                f'    check("{f.name}", {params})',
            ]
        edges = list(
            itertools.islice(itertools.product(*[_edge_values(p.type) for p in f.params]), 60)
        )
        # Every value of every parameter appears at least once, whatever the product cut.
        for i, p in enumerate(f.params):
            for value in _edge_values(p.type):
                varied = [_edge_values(q.type)[0] for q in f.params]
                varied[i] = value
                edges.append(tuple(varied))
        cases = sorted({"(" + "".join(_literal(v) + ", " for v in e) + ")" for e in edges})
        out += [
            "",
            "",
            f'@implemented("{f.name}")',
            "@pytest.mark.parametrize(",
            '    "args",',
            "    [",
            *[f"        {case}," for case in cases],
            "    ],",
            ")",
            f"def test_{f.name}_edge_cases(args: tuple[object, ...]) -> None:",
            f"    {edge_call}",
        ]
    return "\n".join(out) + "\n"


def benchmark(plan: ModulePlan) -> str:
    """benchmarks/bench_<module>.py: migrate_files/bench.py.tmpl with one input maker per
    function (the part users edit)."""
    makers = []
    for f in plan.functions:
        positional = [p.type.bench_value("scale") for p in f.params if p.kind != "keyword_only"]
        keywords = [
            f'"{p.name}": {p.type.bench_value("scale")}'
            for p in f.params
            if p.kind == "keyword_only"
        ]
        # Items inside containers get a size of their own (bench_value's `min(scale, 20)`).
        small = any("min(scale, 20)" in v for v in [*positional, *keywords])
        positional = [v.replace("min(scale, 20)", "small") for v in positional]
        keywords = [v.replace("min(scale, 20)", "small") for v in keywords]
        makers.append(
            "\n".join(
                [
                    f"def make_{f.name}(scale: int, rng: random.Random) -> Arguments:",
                    *(["    small = min(scale, 20)  # items inside containers"] if small else []),
                    "    positional = (",
                    *(f"        {value}," for value in positional),
                    "    )",
                    "    keywords: dict[str, Any] = {",
                    *(f"        {item}," for item in keywords),
                    "    }",
                    "    return positional, keywords",
                ]
            )
            .replace("(\n    )", "()")
            .replace("{\n    }", "{}")
        )
    template = resources.files("scaffold").joinpath("migrate_files/bench.py.tmpl")
    return string.Template(template.read_text("utf-8")).substitute(
        dotted=plan.dotted,
        module=plan.module,
        extension_module=plan.extension_module,
        makers="\n\n\n".join(makers) + "\n",
        cases="\n".join(f'    "{f.name}": make_{f.name},' for f in plan.functions),
    )


def stub(plan: ModulePlan) -> str:
    """The extension's .pyi: type checkers and `mypy.stubtest` (nox -s lint) read it."""
    lines = [
        f'"""Rust versions of functions from {plan.dotted} (made by pyo3-scaffold migrate)."""',
        "",
        "__implemented__: tuple[str, ...]",
    ]
    for f in plan.functions:
        params = python_signature(
            f.params,
            lambda p: (
                f"{p.name}: {p.shown or p.type}" + ("" if p.default is None else f" = {p.default}")
            ),
        )
        lines += ["", f"def {f.name}({params}) -> {f.returns}:"]
        if f.doc:
            lines.append(f'    """{inspect.cleandoc(f.doc)}"""'.replace("\n", "\n    "))
        else:
            lines.append("    ...")
    return "\n".join(lines) + "\n"


BENCH_RUNNER = '''"""Run every benchmarks/bench_*.py, as `nox -s bench` does (from migrate)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    status = 0
    for script in sorted(Path(__file__).resolve().parent.glob("bench_*.py")):
        print(f"== {script.name}")
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as done:
            status = status or (done.code if isinstance(done.code, int) else 1)
    sys.exit(status)
'''
