"""Type stubs for the Rust extension (checked against the built module by `nox -s lint`)."""

from collections.abc import Iterable
{%- if numpy %}

import numpy as np
from numpy.typing import NDArray
{%- endif %}
{% if parallel or numpy %}
__all__ = [
    "__version__",
{%- if numpy %}
    "affine",
    "array_sum",
{%- endif %}
    "fast_sum",
    "levenshtein",
{%- if parallel %}
    "levenshtein_many",
{%- endif %}
]
{%- else %}
__all__ = ["__version__", "fast_sum", "levenshtein"]
{%- endif %}

__version__: str

def fast_sum(values: Iterable[int]) -> int:
    """Sum an iterable of integers, like ``sum(values)``."""

def levenshtein(a: str, b: str) -> int:
    """Levenshtein edit distance between two strings."""
{%- if parallel %}

def levenshtein_many(
    query: str, candidates: Iterable[str], *, threads: int | None = None
) -> list[int]:
    """Edit distance from ``query`` to each of ``candidates``, computed on all cores."""
{%- endif %}
{%- if numpy %}

def array_sum(values: NDArray[np.float64]) -> float:
    """Sum of a 1-D float64 array, read in place: no copy, any stride."""

def affine(values: NDArray[np.float64], scale: float, offset: float) -> NDArray[np.float64]:
    """``scale * values + offset`` as a new float64 array."""
{%- endif %}
