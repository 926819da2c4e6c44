"""A faithful subset of `re` for the translator: Python patterns checked and rewritten for Rust.

A pattern is read with CPython's own parser (`re._parser`, so VERBOSE, escapes and inline
flags mean exactly what they mean to Python) and its tree is written back in the syntax of
the Rust `regex` crate, or refused with the reason. Where the two engines agree only on part
of the inputs, the generated code asks the dispatch to redo the call in Python:

- a subject that is not ASCII (Unicode classes, case folding and `\\b` follow different
  Unicode tables), so the Rust classes are written out as Python's ASCII sets (`\\s` is
  CPython's isspace, which includes \\x1c-\\x1f, unlike Rust's);
- `$` on a subject that contains "\\n" (Python's `$` also matches before a final newline);
- in `sub`, `split` and `findall`, an empty match where Python's next match could not be
  told from Rust's (see `Pattern.empty_safe`);
- `m.group(k)` of a group that did not take part in the match (Python gives None).

Both engines are leftmost-first with the same priorities for alternation and greedy/lazy
repetition; tests/unit/test_translate_regex.py checks that against CPython with Hypothesis.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scaffold.migrate_types import CHAR, INT, STR, PyType
from scaffold.pytranslate import Expr, Untranslatable, rust_ident, rust_str

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scaffold.pytranslate import Translator

# CPython's own pattern parser is the reference (private modules: no stubs).
sre: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")
_Node = Any  # a node's argument in the parser's tree

# What re.search/match/fullmatch give: only their truth is translated (no Rust value).
MATCH = PyType("re.Match")

# Flags whose meaning the translation keeps (VERBOSE is the parser's business only).
_KEPT_FLAGS = re.VERBOSE | re.IGNORECASE | re.DOTALL | re.ASCII | re.UNICODE
_FLAG_NAMES = {re.MULTILINE: "MULTILINE", re.LOCALE: "LOCALE", re.DEBUG: "DEBUG"}
# Python's ASCII members of \d \w \s. Unicode \s is str.isspace(), which includes the
# separators \x1c-\x1f; with re.ASCII it is only the C isspace set.
_DIGIT = r"0-9"
_WORD = r"0-9A-Za-z_"
_SPACE_UNICODE = r"\x{9}-\x{D}\x{1C}-\x{20}"
_SPACE_ASCII = r"\x{9}-\x{D}\x{20}"
# Rust's compiled-size limit makes huge counted repetitions fail to build.
_MAX_COUNT = 1000


@dataclass(frozen=True)
class Pattern:
    source: str  # the Python pattern
    rust: str  # the same pattern in the regex crate's syntax
    groups: int  # capturing groups (group 0 not counted)
    names: dict[str, int]
    # Uses `$`: Rust's `\z` equals it only on subjects without "\n".
    dollar: bool
    # When the best match at a position is empty, no non-empty match starts there either.
    # Python's sub/split/findall then move on one character, as Rust can; otherwise, after an
    # empty match Python backtracks into a lower-priority non-empty one that Rust cannot find.
    # True when every repetition is greedy over a part that cannot match empty and no
    # alternative but the last can match empty (the empty path is then the last choice).
    empty_safe: bool
    # Groups that always span the whole match (0, and 1 in `(...)`): their text is the match's.
    # A replacement that reads only these needs no capture engine (see `pyre::sub`).
    whole: frozenset[int] = frozenset({0})

    @property
    def literal(self) -> str:
        return rust_str(self.rust)

    def group(self, k: int) -> int:
        """The group `pyre` reads for group `k`: 0 for one that is the whole match."""
        return 0 if k in self.whole else k


def compile_pattern(source: object, flags: int = 0) -> Pattern:
    """The Rust form of a Python pattern, or Untranslatable saying why not."""
    if not isinstance(source, str):
        raise Untranslatable("a pattern that is not a str literal")
    where = f"the pattern {source!r}"
    try:
        parsed = sre_parse.parse(source, flags)
    except (re.error, OverflowError, RecursionError) as error:
        raise Untranslatable(f"{where} is not a valid pattern ({error})") from error
    state = parsed.state
    for flag, name in _FLAG_NAMES.items():
        if state.flags & flag:
            raise Untranslatable(f"{where}: the {name} flag is not translated")
    if state.flags & ~_KEPT_FLAGS:
        raise Untranslatable(f"{where}: flags {state.flags:#x}")
    ignorecase = bool(state.flags & re.IGNORECASE)
    if ignorecase and not source.isascii():
        # Python folds some non-ASCII letters onto ASCII ones (the Kelvin sign is a k) by its
        # own tables: only ASCII patterns are kept, where both fold A-Z onto a-z alone.
        raise Untranslatable(f"{where}: IGNORECASE on a pattern that is not ASCII")
    names = dict(state.groupdict)
    if any(not n.isascii() for n in names):
        raise Untranslatable(f"{where}: a group name that is not ASCII")
    writer = _Writer(where, names, ascii_space=bool(state.flags & re.ASCII))
    body = writer.sequence(list(parsed))
    prefix = ""
    if ignorecase:
        prefix += "i"
    if state.flags & re.DOTALL:
        prefix += "s"
    rust = (f"(?{prefix})" if prefix else "") + body
    return Pattern(
        source=source,
        rust=rust,
        groups=state.groups - 1,
        names=names,
        dollar=writer.dollar,
        empty_safe=writer.empty_safe,
        whole=_whole_groups(list(parsed)),
    )


def _whole_groups(items: list[tuple[object, _Node]]) -> frozenset[int]:
    """Group 0, and the groups that are the whole pattern: `(x)`, `((x))`, `(?:(x))`, and
    `\\b(x)`, `^(x)$` (an anchor at either end matches no text)."""
    whole = {0}
    while True:
        while items and items[0][0] is sre.AT:
            items = items[1:]
        while items and items[-1][0] is sre.AT:
            items = items[:-1]
        if len(items) != 1 or items[0][0] is not sre.SUBPATTERN:
            break
        group, add_flags, del_flags, inner = items[0][1]
        if add_flags or del_flags:
            break
        if group is not None:
            whole.add(group)
        items = list(inner)
    return frozenset(whole)


def template_parts(template: str, pattern: Pattern) -> list[str | int]:
    """A `re.sub` template as literal texts and group numbers, by CPython's own parser
    (`\\1`, `\\g<1>`, `\\g<name>`, escapes such as `\\n`); bad templates are refused."""
    try:
        compiled = re.compile(pattern.source)
        groups, literals = sre_parse.parse_template(template, compiled)
    except (re.error, ValueError, IndexError) as error:
        raise Untranslatable(f"the template {template!r} ({error})") from error
    parts: list[str | int] = []
    at = dict(groups)
    for i, literal in enumerate(literals):
        if literal is not None:
            parts.append(literal)
        elif i in at:
            parts.append(at[i])
    return parts


class _Writer:
    def __init__(self, where: str, names: dict[str, int], *, ascii_space: bool) -> None:
        self.where = where
        self.numbers = {number: name for name, number in names.items()}
        self.space = _SPACE_ASCII if ascii_space else _SPACE_UNICODE
        self.dollar = False
        self.empty_safe = True

    def refuse(self, what: str) -> Untranslatable:
        return Untranslatable(f"{self.where}: {what}")

    def sequence(self, items: list[tuple[object, _Node]]) -> str:
        return "".join(self.item(op, av) for op, av in items)

    def item(self, op: object, av: _Node) -> str:  # noqa: C901, PLR0911, PLR0912  (one branch per node)
        if op is sre.LITERAL:
            return _char(av)
        if op is sre.NOT_LITERAL:
            return f"[^{_char(av)}]"
        if op is sre.ANY:
            return "."  # DOTALL, when set, is the (?s) prefix
        if op is sre.IN:
            return self.char_class(av)
        if op is sre.BRANCH:
            branches = av[1]
            if any(_nullable(b) for b in branches[:-1]):
                self.empty_safe = False
            return "(?:" + "|".join(self.sequence(list(b)) for b in branches) + ")"
        if op is sre.SUBPATTERN:
            group, add_flags, del_flags, inner = av
            if add_flags or del_flags:
                raise self.refuse("flags set on a part of the pattern ((?i:...))")
            body = self.sequence(list(inner))
            if group is None:
                return f"(?:{body})"
            name = self.numbers.get(group)
            return f"(?P<{name}>{body})" if name is not None else f"({body})"
        if op in {sre.MAX_REPEAT, sre.MIN_REPEAT}:
            low, high, inner = av
            if _nullable(list(inner)):
                raise self.refuse(
                    "a repetition of a part that can match empty (the engines stop it differently)"
                )
            if low > _MAX_COUNT or (high != sre.MAXREPEAT and high > _MAX_COUNT):
                raise self.refuse(f"a repetition count above {_MAX_COUNT}")
            if op is sre.MIN_REPEAT:
                self.empty_safe = False
            body = self.sequence(list(inner))
            if high == sre.MAXREPEAT:
                count = "*" if low == 0 else "+" if low == 1 else f"{{{low},}}"
            elif (low, high) == (0, 1):
                count = "?"
            else:
                count = f"{{{low}}}" if low == high else f"{{{low},{high}}}"
            return f"(?:{body}){count}{'?' if op is sre.MIN_REPEAT else ''}"
        if op is sre.AT:
            return self.at(av)
        what = {
            sre.GROUPREF: "a backreference",
            sre.GROUPREF_EXISTS: "a conditional group (?(1)...)",
            sre.ASSERT: "a lookahead or lookbehind",
            sre.ASSERT_NOT: "a negative lookahead or lookbehind",
            sre.POSSESSIVE_REPEAT: "a possessive repetition",
            sre.ATOMIC_GROUP: "an atomic group",
        }.get(op, f"the construct {op}")
        raise self.refuse(f"{what} (the Rust regex crate has none)")

    def at(self, code: object) -> str:
        if code in {sre.AT_BEGINNING, sre.AT_BEGINNING_STRING}:
            return r"\A"
        if code is sre.AT_END:
            self.dollar = True
            return r"\z"
        if code is sre.AT_END_STRING:
            return r"\z"
        if code is sre.AT_BOUNDARY:
            # On ASCII subjects Unicode and ASCII word boundaries are the same.
            return r"\b"
        if code is sre.AT_NON_BOUNDARY:
            # Python 3.11's \B never matches an empty subject, Rust's does.
            raise self.refuse(r"\B (Python's differs on the empty string)")
        raise self.refuse(f"the anchor {code}")

    def char_class(self, items: list[tuple[object, _Node]]) -> str:
        parts: list[str] = []
        negate = False
        for op, av in items:
            if op is sre.NEGATE:
                negate = True
            elif op is sre.LITERAL:
                parts.append(_char(av))
            elif op is sre.RANGE:
                parts.append(f"{_char(av[0])}-{_char(av[1])}")
            elif op is sre.CATEGORY:
                parts.append(self.category(av))
            else:
                raise self.refuse(f"the class item {op}")
        return f"[{'^' if negate else ''}{''.join(parts)}]"

    def category(self, code: object) -> str:
        table = {
            sre.CATEGORY_DIGIT: _DIGIT,
            sre.CATEGORY_WORD: _WORD,
            sre.CATEGORY_SPACE: self.space,
        }
        negated = {
            sre.CATEGORY_NOT_DIGIT: _DIGIT,
            sre.CATEGORY_NOT_WORD: _WORD,
            sre.CATEGORY_NOT_SPACE: self.space,
        }
        if code in table:
            return table[code]
        if code in negated:
            return f"[^{negated[code]}]"  # a nested class: Rust unites it with the others
        raise self.refuse(f"the class {code}")


def _char(code: int) -> str:
    ch = chr(code)
    if ch.isascii() and ch.isalnum():
        return ch
    return f"\\x{{{code:X}}}"


def _nullable(items: list[tuple[object, _Node]]) -> bool:
    """Whether this part of a pattern can match the empty string."""
    for op, av in items:
        if op in {sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN}:
            return False
        if op is sre.BRANCH:
            if not any(_nullable(list(b)) for b in av[1]):
                return False
        elif op is sre.SUBPATTERN:
            if not _nullable(list(av[3])):
                return False
        elif op in {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}:
            if av[0] > 0 and not _nullable(list(av[2])):
                return False
        elif op is sre.GROUPREF:
            return False  # conservative: treated as consuming (refused anyway)
    return True


# -- module-level names: `import re` and `NAME = re.compile("literal", flags)` -----------------

_FLAG_VALUES = {
    "VERBOSE": re.VERBOSE, "X": re.VERBOSE, "IGNORECASE": re.IGNORECASE, "I": re.IGNORECASE,
    "DOTALL": re.DOTALL, "S": re.DOTALL, "ASCII": re.ASCII, "A": re.ASCII,
    "UNICODE": re.UNICODE, "U": re.UNICODE, "MULTILINE": re.MULTILINE, "M": re.MULTILINE,
}  # fmt: skip


def module_patterns(
    tree: ast.Module, counts: Mapping[str, int], level: list[ast.AST]
) -> tuple[frozenset[str], dict[str, Pattern | str]]:
    """The names bound once to the `re` module, and the names bound once to
    `re.compile(literal[, flags])`: their Pattern, or why it is refused."""
    names = {
        alias.asname or "re"
        for node in level
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "re"
    }
    names = {n for n in names if counts.get(n) == 1}
    patterns: dict[str, Pattern | str] = {}
    for node in tree.body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and counts.get(node.targets[0].id) == 1
        ):
            continue
        value = node.value
        if not (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and isinstance(value.func.value, ast.Name)
            and value.func.value.id in names
            and value.func.attr == "compile"
        ):
            continue
        try:
            patterns[node.targets[0].id] = _compile_call(value, frozenset(names))
        except Untranslatable as error:
            patterns[node.targets[0].id] = str(error)
    return frozenset(names), patterns


def _compile_call(call: ast.Call, names: frozenset[str]) -> Pattern:
    args = list(call.args)
    flags_node: ast.expr | None = args[1] if len(args) == 2 else None  # noqa: PLR2004
    for keyword in call.keywords:
        if keyword.arg == "flags" and flags_node is None:
            flags_node = keyword.value
        else:
            raise Untranslatable(f"{ast.unparse(call)} (its arguments)")
    if not 1 <= len(args) <= 2 or not isinstance(args[0], ast.Constant):  # noqa: PLR2004
        raise Untranslatable(f"{ast.unparse(call)} (only a literal pattern and flags)")
    flags = 0 if flags_node is None else _flags(flags_node, names)
    return compile_pattern(args[0].value, flags)


def _flags(node: ast.expr, names: frozenset[str]) -> int:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left, names) | _flags(node.right, names)
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in names
        and node.attr in _FLAG_VALUES
    ):
        return int(_FLAG_VALUES[node.attr])
    if isinstance(node, ast.Constant) and node.value == 0:
        return 0
    raise Untranslatable(f"the flags {ast.unparse(node)}")


# -- calls ------------------------------------------------------------------------------------

_TESTS = {"search", "match", "fullmatch"}


def call(tr: Translator, owner: str, attr: str, node: ast.Call) -> Expr:  # noqa: C901  (one check per refusal)
    """`re.search(p, s)`, `PATTERN.search(s)`, `re.sub(p, repl, s[, count])`... or refused."""
    where = ast.unparse(node)
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise Untranslatable(f"the call {where} (unpacked arguments)")
    args: list[ast.expr] = list(node.args)
    keywords = {k.arg: k.value for k in node.keywords}
    if None in keywords:
        raise Untranslatable(f"the call {where} (unpacked arguments)")
    if owner in tr.matches:
        return _group(tr, owner, attr, node)
    if owner in tr.info.patterns:
        known = tr.info.patterns[owner]
        if not isinstance(known, Pattern):
            raise Untranslatable(f"the call {where}: {known}")
        pattern = known
    else:
        if not args:
            raise Untranslatable(f"the call {where}")
        pattern = _pattern(tr, args.pop(0))
    if attr in _TESTS:
        if len(args) != 1 or keywords:
            raise Untranslatable(f"the call {where} (only a pattern and a subject)")
        return _test(tr, pattern, attr, args[0])
    if attr == "sub":
        if "count" in keywords and len(args) == 3:  # noqa: PLR2004
            args.append(keywords.pop("count"))
        if keywords or not 2 <= len(args) <= 3:  # noqa: PLR2004
            raise Untranslatable(f"the call {where} (only repl, subject and count)")
        return _sub(tr, pattern, args)
    raise Untranslatable(f"the call {where} (re.{attr} is not translated)")


def _pattern(tr: Translator, node: ast.expr) -> Pattern:
    if isinstance(node, ast.Constant):
        return compile_pattern(node.value)
    if isinstance(node, ast.Name) and node.id not in tr.env:
        if node.id in tr.info.patterns:
            known = tr.info.patterns[node.id]
            if not isinstance(known, Pattern):
                raise Untranslatable(str(known))
            return known
        if isinstance(tr.info.constants.get(node.id), str):
            return compile_pattern(tr.info.constants[node.id])
    raise Untranslatable(f"the pattern {ast.unparse(node)} (not a literal or module constant)")


def _compiled(tr: Translator, rust: str) -> tuple[str, str]:
    """A let statement binding a compiled regex (one static cell per call site), and its name."""
    cell, name = tr.fresh(), tr.fresh()
    let = (
        f"#[allow(non_upper_case_globals)] static {cell}: pyre::Cell = pyre::Cell::new(); "
        f"let {name} = pyre::compiled(&{cell}, {rust_str(rust)})?;"
    )
    return let, name


def _subject(tr: Translator, node: ast.expr, pattern: Pattern) -> tuple[str, str]:
    from scaffold.pyspecialize import _text  # noqa: PLC0415  (one registry)

    text = _text(tr, node)
    hay = tr.fresh()
    dollar = "true" if pattern.dollar else "false"
    return f"let {hay} = pyre::subject(&{text.code}, {dollar})?;", hay


def _test(tr: Translator, pattern: Pattern, how: str, subject: ast.expr) -> Expr:
    rust = pattern.rust
    if how == "match":
        rust = f"\\A(?:{rust})"
    elif how == "fullmatch":
        rust = f"\\A(?:{rust})\\z"
    let_hay, hay = _subject(tr, subject, pattern)
    let_re, regex = _compiled(tr, rust)
    # Only its truth is translated (`if re.search(...)`, `is None`): MATCH has no Rust value.
    return Expr(f"{{ {let_hay} {let_re} {regex}.is_match(&{hay}) }}", MATCH)


def _sub(tr: Translator, pattern: Pattern, args: list[ast.expr]) -> Expr:
    repl, subject = args[0], args[1]
    if isinstance(repl, ast.Constant) and isinstance(repl.value, str):
        groups = set()
        parts = []
        for part in template_parts(repl.value, pattern):
            if isinstance(part, int):
                k = pattern.group(part)
                groups.add(k)
                parts.append(f"pyre::Part::Group({k})")
            else:
                parts.append(f"pyre::Part::Text({rust_str(part)})")
        caps = tr.fresh()
        closure = f"|{caps}: &pyre::Found<'_>| Ok(pyre::expand({caps}, &[{', '.join(parts)}]))"
    elif isinstance(repl, ast.Lambda):
        closure, groups = _lambda(tr, repl, pattern)
    else:
        raise Untranslatable(
            f"the replacement {ast.unparse(repl)} (only a literal template or a lambda)"
        )
    let_hay, hay = _subject(tr, subject, pattern)
    count = "0_i64"
    lets = [let_hay]
    if len(args) == 3:  # noqa: PLR2004
        got = tr.value(args[2], INT)
        if got.type != INT:
            raise Untranslatable(f"re.sub with a count of type {got.type}")
        count = tr.fresh()
        lets.append(f"let {count} = {got.code};")
    let_re, regex = _compiled(tr, pattern.rust)
    safe = "true" if pattern.empty_safe else "false"
    captures = "true" if groups - {0} else "false"
    call = f"pyre::sub({regex}, &{hay}, {count}, {safe}, {captures}, {closure})?"
    return Expr(f"{{ {' '.join(lets)} {let_re} {call} }}", STR)


@dataclass
class _Lambda:
    """The match a `re.sub` lambda's parameter names, and the groups its body reads."""

    pattern: Pattern
    groups: set[int]


def _lambda(tr: Translator, node: ast.Lambda, pattern: Pattern) -> tuple[str, set[int]]:
    params = node.args
    if (
        len(params.args) != 1
        or params.posonlyargs
        or params.kwonlyargs
        or params.vararg
        or params.kwarg
        or params.defaults
    ):
        raise Untranslatable(f"the replacement {ast.unparse(node)} (one parameter only)")
    name = params.args[0].arg
    # The parameter hides a local of that name inside the lambda, as in Python.
    hidden = tr.env.pop(name, None)
    tr.matches[name] = seen = _Lambda(pattern, set())
    try:
        got = tr.value(node.body, STR)
    finally:
        del tr.matches[name]
        if hidden is not None:
            tr.env[name] = hidden
    if got.type == CHAR:
        got = Expr(f"vec![{got.code}]", STR)
    if got.type != STR:
        raise Untranslatable(f"the replacement {ast.unparse(node)} returns {got.type}, not str")
    closure = f"|{rust_ident(name)}: &pyre::Found<'_>| -> PyResult<Vec<char>> {{ Ok({got.code}) }}"
    return closure, seen.groups


def _group(tr: Translator, owner: str, attr: str, node: ast.Call) -> Expr:
    seen = tr.matches[owner]
    pattern = seen.pattern
    where = ast.unparse(node)
    if attr != "group" or node.keywords or len(node.args) > 1:
        raise Untranslatable(f"the call {where} (only m.group(k) of a match)")
    k: object = 0
    if node.args:
        if not isinstance(node.args[0], ast.Constant):
            raise Untranslatable(f"the call {where} (a group that is not a literal)")
        k = node.args[0].value
    if isinstance(k, str) and k in pattern.names:
        k = pattern.names[k]
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= pattern.groups:
        raise Untranslatable(f"the call {where} (no such group: Python raises IndexError)")
    seen.groups.add(pattern.group(k))
    return Expr(f"pyre::group({rust_ident(owner)}, {pattern.group(k)})?", STR)


def uses_regex(body: str) -> bool:
    """Whether a translated body needs the regex crate (and the pyre module)."""
    return "pyre::" in body
