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
# Full-string patterns (used with `fullmatch`, never `^...$`: `$` also matches before a trailing
# newline, and a name ending in "\n" must not reach a TOML file or a folder name).
# PEP 508 distribution names.
_DIST_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_PROJECT_RE = re.compile(r"[A-Za-z]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_MODULE_RE = re.compile(r"[a-z_][a-z0-9_]*")
_CRATE_RE = re.compile(r"[a-z][a-z0-9_-]*")
# An address validate-pyproject accepts (its `idn-email` format is `[^@]+@[^@]+\.[^@]+`),
# narrowed to what also survives a core-metadata `Author-email: name <addr>` header: an
# RFC 5322 dot-atom local part and a domain of LDH labels (IDNs as their xn-- form).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL_RE = re.compile(rf"{_ATOM}(\.{_ATOM})*@{_LABEL}(\.{_LABEL})*\.[A-Za-z]{{2,63}}")
_MAX_EMAIL = 254  # RFC 5321's limit for a whole address

# Module names Python itself gives a meaning: running, site start-up hooks, package markers.
_PYTHON_SPECIAL = frozenset({
    "__main__", "__init__", "__future__", "__builtins__", "sitecustomize", "usercustomize",
    "builtins", "site",
})  # fmt: skip
# Windows cannot create files or folders with these names (any extension): a package named so
# cannot be installed there, nor a crate built.
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{dev}{n}" for dev in ("com", "lpt") for n in range(10)}
)

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
    if not _PROJECT_RE.fullmatch(name):
        raise InvalidInputError(
            f"invalid project name {name!r}: "
            "start with a letter; use letters, digits, '.', '_', '-'"
        )


def check_dist_name(name: str) -> None:
    _check_length("distribution name", name)
    if not _DIST_RE.fullmatch(name):
        raise InvalidInputError(f"invalid distribution name {name!r} (see PEP 508)")


def check_module_name(name: str) -> None:
    _check_length("import name", name)
    if not _MODULE_RE.fullmatch(name):
        raise InvalidInputError(
            f"invalid import name {name!r}: use a lowercase Python identifier (a-z, 0-9, '_')"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise InvalidInputError(f"invalid import name {name!r}: it is a Python keyword")
    if name in _PYTHON_SPECIAL or (name.startswith("__") and name.endswith("__")):
        raise InvalidInputError(
            f"invalid import name {name!r}: Python gives that name a meaning of its own"
        )
    _check_windows("import name", name)
    if name in sys.stdlib_module_names or name in _SHADOWED:
        raise InvalidInputError(
            f"invalid import name {name!r}: it would shadow the {name!r} module"
        )


def check_rust_identifier(kind: str, name: str) -> None:
    if name in _RUST_RESERVED:
        raise InvalidInputError(f"invalid {kind} {name!r}: it is reserved in Rust")


def check_text(kind: str, text: str) -> None:
    """Free text goes into TOML strings and docstrings: one line, nothing to escape."""
    if text != text.strip() or any(char in '"\\' or not char.isprintable() for char in text):
        raise InvalidInputError(
            f"{kind} {text!r} must be one printable line without double quotes or backslashes, "
            "nor spaces at either end"
        )


def check_crate_name(name: str) -> None:
    _check_length("crate name", name)
    if not _CRATE_RE.fullmatch(name):
        raise InvalidInputError(
            f"invalid crate name {name!r}: start with a-z; use a-z, 0-9, '_' and '-'"
        )
    check_rust_identifier("crate name", name.replace("-", "_"))
    _check_windows("crate name", name)


def _check_windows(kind: str, name: str) -> None:
    if name.lower() in _WINDOWS_RESERVED:
        raise InvalidInputError(
            f"invalid {kind} {name!r}: Windows reserves it as a device name, so no file or "
            "folder can have it"
        )


def check_email(email: str) -> None:
    """Empty (no email in the metadata) or one address that validate-pyproject accepts."""
    if not email:
        return
    if len(email) > _MAX_EMAIL or not _EMAIL_RE.fullmatch(email) or ".." in email:
        raise InvalidInputError(
            f"invalid email {email!r}: give one address such as name@example.org"
        )


def crate_from(name: str) -> str:
    """A crate name cargo accepts, made from any project name (migrate's `[package] name`).

    cargo refuses a package name that starts with a digit (`3d-tools`), so one gets `py-`.
    """
    crate = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_") or "extension"
    return f"py-{crate}" if crate[0].isdigit() else crate
