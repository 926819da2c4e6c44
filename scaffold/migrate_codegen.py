"""The files `migrate` generates: Rust crate, dispatch block, differential tests, benchmark.

Pure functions from an analysed module (`ModulePlan`) to text; `scaffold/migrate.py` decides
where they go and writes them. The Python-semantics helpers are `migrate_files/pyops.rs`.
"""

from __future__ import annotations

import ast
import inspect
import itertools
from dataclasses import dataclass, field
from importlib import resources

from scaffold import pins, pytranslate
from scaffold.migrate_types import PyType, Unsupported, parse_annotation

DISPATCH_START = "# --- pyo3-scaffold migrate: Rust dispatch (generated; keep this block last) ---"
DISPATCH_END = "# --- end of the pyo3-scaffold migrate block ---"
# Names lib.rs defines itself, in the namespaces the user's functions go to.
INIT_FN = "__pyo3_scaffold_init"
RESERVED = frozenset({"IMPLEMENTED", "PyTuple", INIT_FN})


@dataclass(frozen=True)
class Param:
    name: str
    type: PyType
    default: str | None = None  # Python source of a literal default


@dataclass(frozen=True)
class FunctionPlan:
    name: str
    params: tuple[Param, ...]
    returns: PyType
    doc: str
    body: str | None  # the translated Rust body, or None for a skeleton
    reason: str = ""  # why the body is a skeleton


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
    def implemented(self) -> list[str]:
        return [f.name for f in self.functions if f.body is not None]


# -- analysis ---------------------------------------------------------------------------------


def analyse(
    source: str, *, dotted: str, selected: tuple[str, ...] = ()
) -> tuple[list[FunctionPlan], list[Skipped]]:
    """Plan each selected function: translated body, skeleton, or skipped with a reason."""
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
        chosen = [f for f in functions.values() if not f.name.startswith("_")]
    constants, math_names = _module_names(tree)
    plans: list[FunctionPlan] = []
    skipped: list[Skipped] = []
    for func in chosen:
        if func.name in RESERVED:
            skipped.append(Skipped(func.name, "the generated lib.rs uses this name itself"))
            continue
        try:
            plans.append(_plan(func, constants, math_names))
        except Unsupported as error:
            skipped.append(Skipped(func.name, str(error)))
    return plans, skipped


def _plan(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    constants: dict[str, int | float | bool],
    math_names: frozenset[str],
) -> FunctionPlan:
    if isinstance(func, ast.AsyncFunctionDef):
        raise Unsupported("async functions")
    args = func.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise Unsupported("*args, **kwargs, keyword-only or positional-only parameters")
    if func.decorator_list:
        raise Unsupported("decorated (the decorator would be lost)")
    defaults: list[ast.expr | None] = [None] * (len(args.args) - len(args.defaults))
    defaults += list(args.defaults)
    params = []
    for arg, default in zip(args.args, defaults, strict=True):
        try:
            t = parse_annotation(arg.annotation)
        except Unsupported as error:
            raise Unsupported(f"parameter {arg.arg!r}: {error}") from error
        params.append(Param(arg.arg, t, _default(default, t, arg.arg)))
    try:
        returns = parse_annotation(func.returns, position="return")
    except Unsupported as error:
        raise Unsupported(f"return: {error}") from error
    doc = ast.get_docstring(func) or ""
    info = pytranslate.FunctionInfo(
        name=func.name,
        params=[(p.name, p.type) for p in params],
        returns=returns,
        constants=constants,
        math_names=math_names,
    )
    try:
        body: str | None = pytranslate.translate(func, info)
        reason = ""
    except pytranslate.Untranslatable as error:
        body, reason = None, str(error)
    return FunctionPlan(func.name, tuple(params), returns, doc, body, reason)


def _default(node: ast.expr | None, t: PyType, name: str) -> str | None:
    if node is None:
        return None
    try:
        value = ast.literal_eval(node)
    except ValueError as error:
        raise Unsupported(f"parameter {name!r} has a computed default") from error
    ok = (
        (value is None and t.name == "optional")
        or (isinstance(value, bool) and t.name in {"bool", "optional"})
        or (type(value) in {int, float, str} and t.name in {type(value).__name__, "optional"})
    )
    if not ok:
        raise Unsupported(f"parameter {name!r}: default {ast.unparse(node)} is not a {t}")
    return ast.unparse(node)


def _module_names(  # noqa: C901, PLR0912  (one branch per kind of binding)
    tree: ast.Module,
) -> tuple[dict[str, int | float | bool], frozenset[str]]:
    """Module constants (bound once, to a literal number) and the names bound to `math`.

    Every binding at module level counts, wherever it is (inside `if`/`try`/`for`/`with`,
    `+=`, imports, `def`, `class`, `del`...): a name bound twice is not a constant, since a
    function sees its value at call time. `from x import *` can bind anything: no constants.
    """
    counts: dict[str, int] = {}
    values: dict[str, int | float | bool] = {}
    math_names = set()

    def bind(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    for node in _module_level(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return {}, frozenset()
                bind(alias.asname or alias.name.split(".")[0])
                if isinstance(node, ast.Import) and alias.name == "math":
                    math_names.add(alias.asname or "math")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bind(node.id)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            bind(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bind(node.rest)
    for node in tree.body:
        target: ast.expr | None = None
        value_node: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value_node = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value_node = node.target, node.value
        if isinstance(target, ast.Name) and value_node is not None:
            try:
                value: object = ast.literal_eval(value_node)
            except ValueError:
                continue
            if isinstance(value, (int, float, bool)):
                values[target.id] = value
    # `global X` anywhere means X can change at run time: not a constant.
    rebound = {n for g in ast.walk(tree) if isinstance(g, ast.Global) for n in g.names}
    constants = {k: v for k, v in values.items() if counts.get(k) == 1 and k not in rebound}
    math_names = {n for n in math_names if counts.get(n) == 1 and n not in rebound}
    return constants, frozenset(math_names)


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


def pyops_rs() -> str:
    return resources.files("scaffold").joinpath("migrate_files/pyops.rs").read_text("utf-8")


def _doc_lines(text: str, indent: str) -> list[str]:
    return [f"{indent}/// {line}".rstrip() for line in inspect.cleandoc(text).splitlines()]


def _signature(f: FunctionPlan) -> str:
    return ", ".join(f"{pytranslate.rust_ident(p.name)}: {p.type.rust()}" for p in f.params)


def _rust_default(p: Param) -> str:
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
    else:
        code = f"String::from({pytranslate.rust_str(value)})"
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
    for f in plan.functions:
        ret = f"PyResult<{f.returns.rust()}>"
        lines += ["", f"/// Rust version of `{plan.dotted}.{f.name}`."]
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
        "    use pyo3::prelude::*;",
        "    use pyo3::types::PyTuple;",
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
    ]
    for f in plan.functions:
        signature = ", ".join(
            pytranslate.rust_ident(p.name) + ("" if p.default is None else f" = {_rust_default(p)}")
            for p in f.params
        )
        args = ", ".join(pytranslate.rust_ident(p.name) for p in f.params)
        sep = ", " if f.params else ""
        # The injected Python token must not collide with a parameter called `py`.
        py = "py"
        while py in {pytranslate.rust_ident(p.name) for p in f.params}:
            py += "_"
        lines += [""]
        lines += _doc_lines(f.doc, "    ") if f.doc else []
        lines += [
            "    #[pyfunction]",
            f"    #[pyo3(signature = ({signature}))]",
            (
                f"    fn {pytranslate.rust_ident(f.name)}({py}: Python<'_>{sep}{_signature(f)})"
                f" -> PyResult<{f.returns.rust()}> {{"
            ),
            "        // Arguments are plain Rust values now: let other Python threads run.",
            f"        {py}.detach(|| super::{pytranslate.rust_ident(f.name)}({args}))",
            "    }",
        ]
    lines += ["}", ""]
    return "\n".join(lines)


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
        f"# The extension module {plan.package}.{plan.extension}.",
        f'name = "{lib}"',
        'crate-type = ["cdylib"]',
        "",
        "[dependencies]",
        f"pyo3 = {pyo3} }}",
    ]
    if dict_used:
        lines.append('indexmap = "2"  # dicts keep their order, as in Python')
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


def dispatch_block(plan: ModulePlan) -> str:
    names = ", ".join(f'"{f.name}"' for f in plan.functions)
    names += "," if len(plan.functions) == 1 else ""
    if len(names) > 50:  # noqa: PLR2004  (keep the line within usual line lengths)
        names = "\n" + "".join(f'    "{f.name}",\n' for f in plan.functions)
    floats = {
        f.name: tuple((i, p.name, p.type.float_spec()) for i, p in enumerate(f.params))
        for f in plan.functions
    }
    floats = {k: tuple(c for c in v if c[2] is not None) for k, v in floats.items()}
    floats = {k: v for k, v in floats.items() if v}
    # Double quotes (ruff format's style): the names and specs hold no quotes themselves.
    float_lines = "".join(
        f'    "{name}": {checks!r},\n'.replace("'", '"') for name, checks in floats.items()
    )
    return f"""

{DISPATCH_START}
# The functions above stay the reference implementation and the fallback. Those finished in
# Rust ({plan.package}.{plan.extension}.__implemented__) replace them below, unless the
# extension is not built or {plan.env_var}=1 is set. Tests check that both agree.
_PYTHON_REFERENCE = {{name: globals()[name] for name in ({names})}}
# Parameters annotated float (position, name, where the floats are): Rust gets a call only
# when they hold real floats. An int stays an exact int in Python but would become an f64.
_FLOAT_PARAMS: dict[str, tuple[tuple[int, str, object], ...]] = {{
{float_lines}}}


def _floats_only(value: object, spec: object) -> bool:
    if not isinstance(spec, tuple):
        return type(value) is float if spec == "f" else True
    kind, inner = spec
    if kind == "o":
        return value is None or _floats_only(value, inner)
    if kind == "l":
        return isinstance(value, (list, tuple)) and all(_floats_only(v, inner) for v in value)
    if kind == "d":
        return isinstance(value, dict) and all(_floats_only(v, inner) for v in value.values())
    return (
        isinstance(value, tuple)
        and len(value) == len(inner)
        and all(_floats_only(value[i], s) for i, s in enumerate(inner))
    )


def _exact_floats(name: str, rust: object) -> object:
    import functools  # noqa: PLC0415
    import inspect  # noqa: PLC0415

    python = _PYTHON_REFERENCE[name]
    signature = inspect.signature(python)
    checks = _FLOAT_PARAMS[name]
    fast = getattr(rust, name)

    @functools.wraps(python)
    def call(*args: object, **kwargs: object) -> object:
        if kwargs:
            given = signature.bind(*args, **kwargs).arguments
        else:
            given = {{p: args[i] for i, p, _ in checks if i < len(args)}}
        if all(_floats_only(given[p], s) for _, p, s in checks if p in given):
            return fast(*args, **kwargs)
        return python(*args, **kwargs)

    return call


def _use_rust_versions() -> None:
    import importlib  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415
    import os  # noqa: PLC0415

    if os.environ.get("{plan.env_var}", "") not in {{"", "0"}}:
        return
    extension = f"{{__package__}}.{plan.extension}"
    if importlib.util.find_spec(extension) is None:  # not built: stay pure Python
        return
    rust = importlib.import_module(extension)
    for name in rust.__implemented__:
        if name in _FLOAT_PARAMS:
            globals()[name] = _exact_floats(name, rust)
        elif name in _PYTHON_REFERENCE:
            globals()[name] = getattr(rust, name)


_use_rust_versions()
{DISPATCH_END}
"""


def _edge_values(t: PyType) -> list[object]:  # noqa: C901, PLR0911  (one case per type)
    if t.name == "int":
        return [0, 1, -1, 7, -13]
    if t.name == "float":
        # 3: an int where a float is expected (the dispatch keeps it on the Python path).
        return [0.0, -0.0, 1.5, -2.25, float("nan"), float("inf"), 3]
    if t.name == "bool":
        return [False, True]
    if t.name == "str":
        return ["", "a", "héllo wörld 🎉", "abcabc"]
    if t.name == "bytes":
        return [b"", b"\x00\xff", b"abc"]
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
        "Hypothesis draws arguments from the annotations; both versions must return equal values",
        "of the same type, or raise the same exception. One documented difference: Rust ints are",
        "64-bit, so an int argument or result beyond that raises OverflowError in Rust where",
        "Python returns a big int. Skeleton functions are skipped until they are implemented.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import copy",
        "import importlib",
        "import math",
        "",
        "import pytest",
        "from hypothesis import given, settings",
        "from hypothesis import strategies as st",
        "",
        f"import {plan.dotted} as module",
        "",
        f'rust = importlib.import_module("{plan.package}.{plan.extension}")',
        "PYTHON = module._PYTHON_REFERENCE",
        "I64_MIN, I64_MAX = -(2**63), 2**63 - 1",
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
        "def beyond_i64(value: object) -> bool:",
        "    if isinstance(value, bool):",
        "        return False",
        "    if isinstance(value, int):",
        "        return not I64_MIN <= value <= I64_MAX",
        "    if isinstance(value, (list, tuple, set)):",
        "        return any(beyond_i64(v) for v in value)",
        "    if isinstance(value, dict):",
        "        return any(beyond_i64(k) or beyond_i64(v) for k, v in value.items())",
        "    return False",
        "",
        "",
        "def check(name: str, *args: object) -> None:",
        "    python_error: Exception | None = None",
        "    try:",
        "        expected = PYTHON[name](*copy.deepcopy(args))",
        "    except Exception as error:  # noqa: BLE001  (compared with Rust's below)",
        "        python_error = error",
        "    try:",
        # What users call: the dispatched function (Rust, or Python for ints given as floats).
        "        got = getattr(module, name)(*copy.deepcopy(args))",
        "    except OverflowError:",
        "        if python_error is None and beyond_i64(expected):",
        "            return  # the documented difference: the result does not fit in an i64",
        "        if isinstance(python_error, OverflowError):",
        "            return",
        "        raise",
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
        params = ", ".join(p.name for p in f.params)
        out += ["", ""]
        if f.params:
            strategies = ", ".join(f"{p.name}={p.type.strategy()}" for p in f.params)
            typed = ", ".join(f"{p.name}: object" for p in f.params)
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
            f'    check("{f.name}", *args)',
        ]
    return "\n".join(out) + "\n"


def benchmark(plan: ModulePlan) -> str:
    makers = []
    for f in plan.functions:
        values = "".join(p.type.bench_value("scale") + ", " for p in f.params)
        makers.append(
            f"def make_{f.name}(scale: int, rng: random.Random) -> tuple[Any, ...]:\n"
            f"    return ({values})\n"
        )
    cases = "\n".join(f'    "{f.name}": make_{f.name},' for f in plan.functions)
    return f'''"""Rust against Python: {plan.dotted} (from pyo3-scaffold migrate; edit the inputs).

Run `nox -s bench`, or `python benchmarks/bench_{plan.module}.py` where the package is installed
built with --release (`maturin develop --release`). For each function finished in Rust, the input
grows until the Python version takes about TARGET seconds; then both are timed (best of REPEATS)
and the speed-up is printed. Replace the make_* functions with inputs typical of your users.
"""

from __future__ import annotations

import importlib
import random
import sys
import time
from collections.abc import Callable
from typing import Any

module = importlib.import_module("{plan.dotted}")
rust = importlib.import_module("{plan.package}.{plan.extension}")
PYTHON = module._PYTHON_REFERENCE
TARGET = 0.05
REPEATS = 5
MAX_SCALE = 2**20


{chr(10).join(makers)}

CASES: dict[str, Callable[[int, random.Random], tuple[Any, ...]]] = {{
{cases}
}}


def once(function: Callable[..., object], args: tuple[Any, ...]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def best(function: Callable[..., object], args: tuple[Any, ...]) -> float:
    return min(once(function, args)[0] for _ in range(REPEATS))


def main() -> int:
    print(f"{{'function':<24}} {{'size':>8}} {{'python':>12}} {{'rust':>12}} {{'speed-up':>9}}")
    for name, make in CASES.items():
        if name not in rust.__implemented__:
            print(f"{{name:<24}} skipped: still a Rust skeleton")
            continue
        scale, chosen = 1, None
        while scale <= MAX_SCALE:
            args = make(scale, random.Random(scale))
            try:
                seconds, expected = once(PYTHON[name], args)
                _, got = once(getattr(rust, name), args)
            except Exception as error:  # noqa: BLE001  (a size too big for i64, say)
                print(f"{{name:<24}} stops growing at size {{scale}}: {{error!r}}")
                break
            if got != expected:
                print(f"{{name:<24}} DIFFERENT results at size {{scale}}")
                return 1
            chosen = (scale, args)
            if seconds >= TARGET:
                break
            scale *= 2
        if chosen is None:
            print(f"{{name:<24}} no input size where both versions run")
            continue
        scale, args = chosen
        python = best(PYTHON[name], args)
        fast = best(getattr(rust, name), args)
        print(
            f"{{name:<24}} {{scale:>8}} {{python * 1e3:>9.3f}} ms {{fast * 1e3:>9.3f}} ms "
            f"{{python / fast:>8.1f}}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def stub(plan: ModulePlan) -> str:
    """The extension's .pyi: type checkers and `mypy.stubtest` (nox -s lint) read it."""
    lines = [
        f'"""Rust versions of functions from {plan.dotted} (made by pyo3-scaffold migrate)."""',
        "",
        "__implemented__: tuple[str, ...]",
    ]
    for f in plan.functions:
        params = ", ".join(
            f"{p.name}: {p.type}" + ("" if p.default is None else f" = {p.default}")
            for p in f.params
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
