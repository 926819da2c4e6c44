"""Checks for PyO3 projects, shared by `pyo3-scaffold doctor` and the repo-review plugin."""

from __future__ import annotations

from scaffold.checks.base import Outcome, Pyo3Check
from scaffold.checks.catalog import ALL_CHECKS

__all__ = ["ALL_CHECKS", "Outcome", "Pyo3Check"]
