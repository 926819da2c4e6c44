"""Project names: derive the distribution, import and crate names, and reject bad ones.

`copier.yml` has simpler validators for plain `copier copy`; these are the full rules.
"""

from __future__ import annotations

import keyword
import re
import sys

from scaffold.errors import InvalidInputError

# Long enough for any real name; generated lines that hold a name stay within 100 columns.
MAX_LENGTH = 64
# PEP 508 distribution names.
_DIST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_PROJECT_RE = re.compile(r"^[A-Za-z]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_MODULE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
_CRATE_RE = re.compile(r"^[a-z][a-z0-9_-]*$")

# Strict and reserved Rust keywords, plus crates a package must not shadow.
_RUST_RESERVED = frozenset({
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
    "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen",
    "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
    "std", "core", "alloc", "proc_macro", "test", "pyo3",
})  # fmt: skip
# Import names that would hide a package users certainly have, or one the generated project's
# tests import (its pure-Python `reference` module, hypothesis).
_SHADOWED = frozenset({
    "pyo3", "maturin", "numpy", "pytest", "hypothesis", "setuptools", "pip", "test", "tests",
    "reference",
})  # fmt: skip


def normalize_dist(name: str) -> str:
    """PEP 503 normalisation: lower case, runs of ``-_.`` become one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def derive_module(name: str) -> str:
    return re.sub(r"[-.]+", "_", name).lower()


def _check_length(kind: str, name: str) -> None:
    if len(name) > MAX_LENGTH:
        raise InvalidInputError(f"{kind} {name[:20]!r}... is longer than {MAX_LENGTH} characters")


def check_project_name(name: str) -> None:
    _check_length("project name", name)
    if not _PROJECT_RE.match(name):
        raise InvalidInputError(
            f"invalid project name {name!r}: "
            "start with a letter; use letters, digits, '.', '_', '-'"
        )


def check_dist_name(name: str) -> None:
    _check_length("distribution name", name)
    if not _DIST_RE.match(name):
        raise InvalidInputError(f"invalid distribution name {name!r} (see PEP 508)")


def check_module_name(name: str) -> None:
    _check_length("import name", name)
    if not _MODULE_RE.match(name):
        raise InvalidInputError(
            f"invalid import name {name!r}: use a lowercase Python identifier (a-z, 0-9, '_')"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise InvalidInputError(f"invalid import name {name!r}: it is a Python keyword")
    if name in sys.stdlib_module_names or name in _SHADOWED:
        raise InvalidInputError(
            f"invalid import name {name!r}: it would shadow the {name!r} module"
        )


def check_rust_identifier(kind: str, name: str) -> None:
    if name in _RUST_RESERVED:
        raise InvalidInputError(f"invalid {kind} {name!r}: it is reserved in Rust")


def check_text(kind: str, text: str) -> None:
    """Free text goes into TOML strings and docstrings: one line, nothing to escape."""
    if any(char in '"\\' or not char.isprintable() for char in text):
        raise InvalidInputError(
            f"{kind} {text!r} must be one printable line without double quotes or backslashes"
        )


def check_crate_name(name: str) -> None:
    _check_length("crate name", name)
    if not _CRATE_RE.match(name):
        raise InvalidInputError(
            f"invalid crate name {name!r}: start with a-z; use a-z, 0-9, '_' and '-'"
        )
    check_rust_identifier("crate name", name.replace("-", "_"))
