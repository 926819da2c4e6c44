"""GitHub Actions `${{ }}` expressions, evaluated statically where their inputs are known.

Enough of the language for build matrices: literals (`'a'`, numbers, `true`, `null`),
`matrix.x.y` / `env.X` / `inputs.x` lookups, `!`, `==`, `!=`, `&&`, `||` (which return an
operand, as GitHub's do: `${{ matrix.x || 'auto' }}`), parentheses, `format('{0}-{1}', a, b)`
and `fromJSON('<literal>')`. Anything else (`github.*`, `steps.*`, other functions) is
`UNKNOWN`: the caller ignores it rather than guess.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>&&|\|\||==|!=|<=|>=|[!()<>,\[\]])"
    r"|(?P<name>[A-Za-z_][\w-]*(?:\.[\w-]+|\[\s*'[^']*'\s*\])*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise ValueError(text)
        kind = found.lastgroup or ""
        out.append((kind, found.group(kind)))
        position = found.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], context: Mapping[str, Any]) -> None:
        self.tokens = tokens
        self.index = 0
        self.context = context

    def peek(self) -> str:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else ""

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Any:  # noqa: ANN401 (expression values are JSON-like)
        value = self.or_()
        if self.index != len(self.tokens):
            raise ValueError("trailing tokens")
        return value

    def or_(self) -> Any:  # noqa: ANN401
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            value = _or(value, right)
        return value

    def and_(self) -> Any:  # noqa: ANN401
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            value = _and(value, right)
        return value

    def compare(self) -> Any:  # noqa: ANN401
        value = self.unary()
        while self.peek() in {"==", "!="}:
            op = self.take()[1]
            right = self.unary()
            if value is UNKNOWN or right is UNKNOWN:
                value = UNKNOWN
            else:
                equal = _loose(value) == _loose(right)
                value = equal if op == "==" else not equal
        return value

    def unary(self) -> Any:  # noqa: ANN401
        if self.peek() == "!":
            self.take()
            value = self.unary()
            return UNKNOWN if value is UNKNOWN else not _truthy(value)
        return self.primary()

    def primary(self) -> Any:  # noqa: ANN401, PLR0911 (one return per token kind)
        kind, text = self.take()
        if text == "(":
            value = self.or_()
            self.expect(")")
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind != "name":
            raise ValueError(text)
        if self.peek() == "(":
            return self.call(text)
        lowered = text.lower()
        if lowered in {"true", "false"}:
            return lowered == "true"
        if lowered == "null":
            return None
        return self.lookup(text)

    def call(self, name: str) -> Any:  # noqa: ANN401, PLR0911 (one return per function)
        self.expect("(")
        args: list[Any] = []
        while self.peek() != ")":
            args.append(self.or_())
            if self.peek() == ",":
                self.take()
        self.expect(")")
        function = name.lower()
        if any(a is UNKNOWN for a in args):
            return UNKNOWN
        if function == "format" and args and isinstance(args[0], str):
            return re.sub(
                r"\{(\d+)\}",
                lambda m: (
                    _text(args[int(m.group(1)) + 1]) if int(m.group(1)) + 1 < len(args) else ""
                ),
                args[0],
            )
        if function == "fromjson" and len(args) == 1 and isinstance(args[0], str):
            try:
                return json.loads(args[0])
            except ValueError:
                return UNKNOWN
        if function == "tojson" and len(args) == 1:
            return json.dumps(args[0])
        if function in {"contains", "startswith", "endswith"} and len(args) == 2:  # noqa: PLR2004
            a, b = args
            if function == "contains":
                return (
                    _loose(b) in [_loose(x) for x in a]
                    if isinstance(a, list)
                    else (str(b).lower() in str(a).lower())
                )
            method = str.startswith if function == "startswith" else str.endswith
            return method(str(a).lower(), str(b).lower())
        return UNKNOWN

    def expect(self, text: str) -> None:
        if self.peek() != text:
            raise ValueError(text)
        self.take()

    def lookup(self, dotted: str) -> Any:  # noqa: ANN401
        parts = [p for p in re.split(r"\.|\[\s*'|'\s*\]", dotted) if p]
        if not parts or parts[0] not in self.context:
            return UNKNOWN  # github.*, steps.*, secrets.*: known only at run time
        current: Any = self.context
        for part in parts:
            if current is UNKNOWN:
                return UNKNOWN
            if not isinstance(current, dict):
                return None
            # A missing property of a known object is null, as GitHub evaluates it.
            current = current.get(part)
        return current


def _truthy(value: object) -> bool:
    return value not in (None, False, 0, "", 0.0)


def _or(left: object, right: object) -> object:
    if left is UNKNOWN:
        return UNKNOWN
    return left if _truthy(left) else right


def _and(left: object, right: object) -> object:
    if left is UNKNOWN:
        return UNKNOWN
    return right if _truthy(left) else left


def _loose(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:  # noqa: ANN401
    """One expression's value (without the `${{ }}`), or UNKNOWN."""
    try:
        return _Parser(_tokens(expression), context).parse()
    except (ValueError, IndexError):
        return UNKNOWN


def substitute(value: object, context: Mapping[str, Any]) -> Any:  # noqa: ANN401 (YAML data)
    """Evaluate every `${{ }}` in strings of `value` (recursively). A string that is one whole
    expression takes the expression's value (a list stays a list); an expression whose value is
    unknown is left as written, so later readers see it is unknown."""
    if isinstance(value, str):
        whole = _EXPR.fullmatch(value.strip())
        if whole:
            result = evaluate(whole.group(1), context)
            if result is None:
                return ""  # GitHub writes null into a string field as ''
            return value if result is UNKNOWN else result

        def replace(found: re.Match[str]) -> str:
            result = evaluate(found.group(1), context)
            return found.group(0) if result is UNKNOWN else _text(result)

        return _EXPR.sub(replace, value)
    if isinstance(value, list):
        return [substitute(v, context) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, context) for k, v in value.items()}
    return value


def condition(value: object, context: Mapping[str, Any]) -> bool | None:
    """A step's or job's `if:` (with or without `${{ }}`): True, False, or None if unknown."""
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    whole = _EXPR.fullmatch(text)
    result = evaluate(whole.group(1) if whole else text, context)
    return None if result is UNKNOWN else _truthy(result)


def has_unknown(value: object) -> bool:
    """Whether an unevaluated `${{ }}` remains in `value`."""
    return isinstance(value, str) and "${{" in value
