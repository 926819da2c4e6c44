"""Pure-Python twins of the Rust functions: the reference the tests and benchmarks compare with."""

from __future__ import annotations

from collections.abc import Sequence


def fast_sum(values: Sequence[int]) -> int:
    total = 0
    for value in values:
        total += value
    return total


def levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a):
        diagonal, row[0] = row[0], i + 1
        for j, cb in enumerate(b):
            above = row[j + 1]
            row[j + 1] = min(diagonal + (ca != cb), above + 1, row[j] + 1)
            diagonal = above
    return row[len(b)]
