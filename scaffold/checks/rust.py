"""Find what a PyO3 crate exports to Python by scanning its Rust source, without compiling it.

Not a Rust parser: comments are blanked, string contents are blanked in a second copy used for
structure (so braces and keywords inside strings do not count), then PyO3's attributes and the
item they decorate are read with small regexes. It handles both module forms:

    #[pymodule(name = "x", gil_used = false)] mod x { #[pyfunction] fn f() {} }   // declarative
    #[pymodule] fn x(m: &Bound<'_, PyModule>) -> PyResult<()> { m.add_function(...) }  // function
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ATTR_NAME = re.compile(r"\s*(?:::)?\s*((?:\w+\s*::\s*)*)(\w+)")
_ITEM = re.compile(
    r"\s*(?:pub\s*(?:\([^)]*\))?\s+)?"
    r"(?:(?:const|async|unsafe|default|extern(?:\s*\"[^\"]*\")?)\s+)*"
    r"(?P<kind>fn|mod|struct|enum|use|const|static|impl|type|trait)\b"
)
_IDENT = re.compile(r"\s*(?:r#)?([A-Za-z_]\w*)")
_NAME_ARG = re.compile(r"name\s*=\s*\"([^\"]*)\"\s*")
_GIL_ARG = re.compile(r"gil_used\s*=\s*(true|false)\s*")
_WRAP_FN = re.compile(r"wrap_pyfunction!\s*\(\s*((?:\w+\s*::\s*)*)(\w+)")
_WRAP_MOD = re.compile(r"wrap_pymodule!\s*\(\s*((?:\w+\s*::\s*)*)(\w+)")
_ADD_CLASS = re.compile(r"add_class\s*::\s*<\s*((?:\w+\s*::\s*)*)(\w+)")
_ADD_ATTR = re.compile(r"\.add\s*\(\s*\"([^\"]+)\"")
# Where a comment, string or char literal starts (`r"`/`r#"` only when not part of a name).
_TOKEN = re.compile(r"""//|/\*|(?<!\w)r(#*)"|"|'""")
_STRING_END = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)
_GIL_CALL = re.compile(r"\.gil_used\s*\(\s*(true|false)\s*\)")


@dataclass(frozen=True)
class Attr:
    name: str  # last path segment: `pyo3::pymodule` -> "pymodule"
    args: str  # text between the parentheses, strings kept

    def options(self) -> list[str]:
        """The comma-separated options at depth 0 (nested (), [], {} and strings kept whole)."""
        options: list[str] = []
        depth, start, index = 0, 0, 0
        text = self.args
        while index < len(text):
            char = text[index]
            if char == '"':
                found = _STRING_END.match(text, index + 1)
                index = found.end() if found else len(text)
                continue
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
            elif char == "," and depth == 0:
                options.append(text[start:index].strip())
                start = index + 1
            index += 1
        options.append(text[start:].strip())
        return [o for o in options if o]


@dataclass(frozen=True)
class Item:
    kind: str  # fn, mod, struct, enum, use, const, ...
    name: str  # Rust name; for `use`, the text of the use tree
    attrs: tuple[Attr, ...]
    start: int
    body: tuple[int, int] | None  # span inside `{...}` for mod/fn

    def has(self, attr: str) -> bool:
        return any(a.name == attr for a in self.attrs)

    def python_name(self) -> str:
        """The name Python sees: `name = "..."` in a PyO3 attribute overrides the Rust name."""
        for attr in self.attrs:
            if attr.name in {"pymodule", "pyfunction", "pyclass", "pyo3"}:
                # Only a top-level option: `signature = (a, name = "x")` is an argument default.
                for option in attr.options():
                    found = _NAME_ARG.fullmatch(option)
                    if found:
                        return found.group(1)
        return self.name

    def gil_used(self) -> bool | None:
        for attr in self.attrs:
            if attr.name in {"pymodule", "pyo3"}:
                for option in attr.options():
                    found = _GIL_ARG.fullmatch(option)
                    if found:
                        return found.group(1) == "true"
        return None


@dataclass(frozen=True)
class PyModule:
    """One `#[pymodule]` and the names it exports, split by kind for the stub check."""

    name: str
    file: str
    gil_used: bool | None  # None: not declared, PyO3's default applies
    functions: frozenset[str] = field(default_factory=frozenset)
    classes: frozenset[str] = field(default_factory=frozenset)
    # Attributes (`m.add("x", ..)`), submodules, re-exports of unknown kind.
    other: frozenset[str] = field(default_factory=frozenset)
    # False when some exports cannot be followed (the module is handed to a helper function,
    # a glob re-export): the lists above may then be short, so absence proves nothing.
    complete: bool = True


def blank_comments(source: str) -> tuple[str, str]:
    """Return (code, skeleton): comments blanked in both, string contents blanked in skeleton.

    Both keep every offset, so a match in the skeleton indexes the same text in the code.
    """
    code = list(source)
    skeleton = list(source)
    position = 0
    while token := _TOKEN.search(source, position):
        start, text = token.start(), token.group(0)
        if text in {"//", "/*"}:
            end = _comment_end(source, start)
            _blank(code, start, end)
            _blank(skeleton, start, end)
        elif text == "'":
            end = _char_end(source, start)
            _blank(skeleton, start + 1, end - 1)
        else:
            close = '"' + (token.group(1) or "")
            found = _STRING_END.search(source, token.end()) if close == '"' else None
            end = found.end() if found else source.find(close, token.end()) + len(close)
            end = len(source) if end < len(close) else end
            _blank(skeleton, token.end(), end - len(close))
        position = max(end, start + 1)
    return "".join(code), "".join(skeleton)


def _blank(chars: list[str], start: int, end: int) -> None:
    chars[start:end] = [c if c == "\n" else " " for c in chars[start:end]]


def _comment_end(source: str, start: int) -> int:
    if source.startswith("//", start):
        end = source.find("\n", start)
        return len(source) if end == -1 else end
    depth, index = 0, start  # block comments nest in Rust
    while index < len(source):
        if source.startswith("/*", index):
            depth, index = depth + 1, index + 2
        elif source.startswith("*/", index):
            depth, index = depth - 1, index + 2
            if depth == 0:
                return index
        else:
            index += 1
    return len(source)


def _char_end(source: str, start: int) -> int:
    """End of a char literal ('a', '\\n', '"'); a lifetime ('a) is just its quote."""
    if source.startswith("\\", start + 1):
        end = source.find("'", start + 3)
        return len(source) if end == -1 else end + 1
    if start + 2 < len(source) and source[start + 2] == "'":
        return start + 3
    return start + 1


def _is_ident_char(text: str, index: int) -> bool:
    return index >= 0 and (text[index].isalnum() or text[index] == "_")


def _matching(skeleton: str, open_index: int, opening: str, closing: str) -> int:
    """Index of the bracket closing the one at `open_index` (or the end of the text)."""
    depth = 0
    for index in range(open_index, len(skeleton)):
        if skeleton[index] == opening:
            depth += 1
        elif skeleton[index] == closing:
            depth -= 1
            if depth == 0:
                return index
    return len(skeleton)


def parse_items(source: str) -> list[Item]:
    """Every attributed item in the file (attributes + header + body span), in order."""
    code, skeleton = blank_comments(source)
    items: list[Item] = []
    position = 0
    while True:
        start = skeleton.find("#[", position)
        if start == -1:
            return items
        attrs: list[Attr] = []
        cursor = start
        # Collect a run of attributes (`#[a] #[b(..)]`); inner attributes `#![..]` are skipped.
        while skeleton.startswith("#[", cursor):
            end = _matching(skeleton, cursor + 1, "[", "]")
            attr = _parse_attr(code[cursor + 2 : end])
            if attr.name == "cfg_attr":
                # `#[cfg_attr(feature = "py", pyfunction)]`: the attributes after the predicate.
                attrs += [_parse_attr(option) for option in attr.options()[1:]]
            else:
                attrs.append(attr)
            cursor = end + 1
            while cursor < len(skeleton) and skeleton[cursor].isspace():
                cursor += 1
        position = cursor
        header = _ITEM.match(skeleton, cursor)
        if header is None:
            continue
        kind = header.group("kind")
        after = header.end()
        if kind == "use":
            end = skeleton.find(";", after)
            end = len(skeleton) if end == -1 else end
            items.append(Item(kind, code[after:end].strip(), tuple(attrs), start, None))
            continue
        ident = _IDENT.match(skeleton, after)
        name = ident.group(1) if ident else ""
        body: tuple[int, int] | None = None
        if kind in {"mod", "fn"}:
            brace = _first_of(skeleton, after, "{;")
            if brace != -1 and skeleton[brace] == "{":
                body = (brace + 1, _matching(skeleton, brace, "{", "}"))
        items.append(Item(kind, name, tuple(attrs), start, body))


def _first_of(text: str, start: int, chars: str) -> int:
    for index in range(start, len(text)):
        if text[index] in chars:
            return index
    return -1


def _parse_attr(inner: str) -> Attr:
    found = _ATTR_NAME.match(inner)
    if found is None:
        return Attr("", inner)
    rest = inner[found.end() :].strip()
    args = rest[1:-1] if rest.startswith("(") and rest.endswith(")") else rest
    return Attr(found.group(2), args)


def _use_names(tree: str) -> list[str]:
    """Items a `use` names: `super::{a, b as c}` -> [a, b]; `self` and globs are skipped.

    An alias is only a Rust name: PyO3 adds the item under its own Python name, so the
    original item is what counts.
    """
    flat = re.sub(r"\s+", " ", tree)
    names: list[str] = []
    for raw in re.split(r"[{},]", flat):
        part = re.sub(r"\s+as\s+\w+$", "", raw.strip())
        if not part or part.endswith("*"):
            continue
        last = part.split("::")[-1].strip()
        if last and last not in {"self", "super", "crate"} and re.fullmatch(r"\w+", last):
            names.append(last)
    return names


def find_modules(files: dict[str, str]) -> list[PyModule]:
    """Every `#[pymodule]` in the crate with its exports, keyed by file name for messages."""
    parsed = {name: parse_items(source) for name, source in files.items()}
    names = _Names.collect([item for items in parsed.values() for item in items])
    modules: list[PyModule] = []
    for file, items in parsed.items():
        code, _ = blank_comments(files[file])
        for item in items:
            if item.has("pymodule") and item.kind == "mod":
                modules.append(_declarative(file, item, items, code, names))
            elif item.has("pymodule") and item.kind == "fn":
                modules.append(_functional(file, item, code, names))
    return modules


@dataclass(frozen=True)
class _Names:
    """Rust name -> Python name of every #[pyfunction], #[pyclass] and #[pymodule] in the crate."""

    functions: dict[str, str]
    classes: dict[str, str]
    modules: dict[str, str]

    @classmethod
    def collect(cls, items: list[Item]) -> _Names:
        return cls(
            functions={i.name: i.python_name() for i in items if i.has("pyfunction")},
            classes={i.name: i.python_name() for i in items if i.has("pyclass")},
            modules={i.name: i.python_name() for i in items if i.has("pymodule")},
        )


def _declarative(file: str, module: Item, items: list[Item], code: str, names: _Names) -> PyModule:
    body = module.body or (module.start, module.start)
    inside = [i for i in items if body[0] <= i.start < body[1]]
    nested = [i.body for i in inside if i.body is not None]
    # Direct children only: items inside a nested mod or fn belong to that item.
    direct = [i for i in inside if not any(b[0] <= i.start < b[1] for b in nested)]
    found_functions = {i.python_name() for i in direct if i.has("pyfunction")}
    found_classes = {i.python_name() for i in direct if i.has("pyclass")}
    other = {i.python_name() for i in direct if i.has("pymodule")}
    complete = True
    for item in direct:
        if not item.has("pymodule_export"):
            continue
        if item.kind == "use" and re.search(r"\*\s*\}?\s*$", item.name):
            complete = False  # a glob re-export: its names are not followed
        exported = _use_names(item.name) if item.kind == "use" else [item.name]
        for name in exported:
            if name in names.functions:
                found_functions.add(names.functions[name])
            elif name in names.classes:
                found_classes.add(names.classes[name])
            else:
                other.add(names.modules.get(name, name))
    for init in (i for i in direct if i.has("pymodule_init") and i.body):
        # `#[pymodule_init] fn init(m) { m.add_function(...) }`: the function form's calls.
        exports = _body_exports(init, code, names)
        found_functions |= exports.functions
        found_classes |= exports.classes
        other |= exports.other
        complete = complete and exports.complete
    return PyModule(
        name=module.python_name(),
        file=file,
        gil_used=module.gil_used(),
        functions=frozenset(found_functions),
        classes=frozenset(found_classes),
        other=frozenset(other),
        complete=complete,
    )


def _functional(file: str, module: Item, code: str, names: _Names) -> PyModule:
    start, end = module.body or (module.start, module.start)
    body = code[start:end]
    gil_used = module.gil_used()
    call = _GIL_CALL.search(body)
    if gil_used is None and call:
        gil_used = call.group(1) == "true"
    exports = _body_exports(module, code, names)
    return PyModule(
        name=module.python_name(),
        file=file,
        gil_used=gil_used,
        functions=exports.functions,
        classes=exports.classes,
        other=exports.other,
        complete=exports.complete,
    )


@dataclass(frozen=True)
class _Exports:
    functions: frozenset[str]
    classes: frozenset[str]
    other: frozenset[str]
    complete: bool


# `m: &Bound<'_, PyModule>`, `m: &PyModule`, `m: &'py PyModule`.
_MODULE_PARAM = re.compile(r"(\w+)\s*:\s*&?\s*(?:'\w+\s+)?(?:[\w:]+\s*<[^>]*?)?\bPyModule\b")


def _body_exports(function: Item, code: str, names: _Names) -> _Exports:
    """What a module function (or a #[pymodule_init]) adds to its module `m`."""
    start, end = function.body or (function.start, function.start)
    body = code[start:end]
    _, skeleton = blank_comments(body)
    header = code[function.start : start]
    param = _MODULE_PARAM.search(header)
    return _Exports(
        functions=frozenset(names.functions.get(n, n) for _, n in _WRAP_FN.findall(body)),
        classes=frozenset(names.classes.get(n, n) for _, n in _ADD_CLASS.findall(body)),
        other=frozenset(
            {names.modules.get(n, n) for _, n in _WRAP_MOD.findall(body)}
            | set(_ADD_ATTR.findall(body))
        ),
        complete=param is None or not _passed_to_helper(skeleton, param.group(1)),
    )


def _passed_to_helper(skeleton: str, variable: str) -> bool:
    """Whether the module variable is an argument of a function call (`register(m)?`).

    `m.add_function(..)` (a method of the module) and macros (`wrap_pyfunction!(f, m)`) are
    understood; any other call may add exports we cannot see without following it.
    """
    for use in re.finditer(rf"(?<![\w.]){re.escape(variable)}\b", skeleton):
        if re.match(r"\s*\.", skeleton[use.end() :]):
            continue  # m.method(...)
        depth = 0
        for index in range(use.start() - 1, -1, -1):
            char = skeleton[index]
            if char in ")]}":
                depth += 1
            elif char in "([{":
                if depth == 0:
                    if char == "(" and not re.search(r"!\s*$", skeleton[:index]):
                        before = re.search(r"(\w+)\s*$", skeleton[:index])
                        # `Ok(m)`, `Some(m)` wrap a value; any other named call is a helper.
                        if before and before.group(1) not in {"Ok", "Some", "Err"}:
                            return True
                    break
                depth -= 1
            elif char == ";" and depth == 0:
                break
    return False
