"""Type stubs for the Rust extension (checked against the built module by `nox -s lint`)."""

from collections.abc import Sequence

__all__ = ["__version__", "fast_sum", "levenshtein"]

__version__: str

def fast_sum(values: Sequence[int]) -> int:
    """Sum a sequence of integers, like ``sum(values)``."""

def levenshtein(a: str, b: str) -> int:
    """Levenshtein edit distance between two strings."""
