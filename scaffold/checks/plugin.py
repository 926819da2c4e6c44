"""repo-review entry points (see pyproject.toml): fixture, checks and family.

repo-review imports these by name; nothing here imports repo-review itself, so it stays an
optional tool for users rather than a dependency of pyo3-scaffold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scaffold.checks import project as project_module
from scaffold.checks.catalog import ALL_CHECKS

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from scaffold.checks.base import Pyo3Check
    from scaffold.checks.project import Pyo3Project


def pyo3_project(root: Traversable, package: Traversable) -> Pyo3Project | None:
    """Fixture: the parsed PyO3 project, or None when the package is not one."""
    return project_module.load(root, package)


def repo_review_checks(pyo3_project: Pyo3Project | None, list_all: bool) -> dict[str, Pyo3Check]:
    """Our checks, only for PyO3 projects (other repositories do not see them at all)."""
    if pyo3_project is None and not list_all:
        return {}
    return {check.code(): check() for check in ALL_CHECKS}


def repo_review_families(pyo3_project: Pyo3Project | None) -> dict[str, dict[str, Any]]:
    description = ""
    if pyo3_project is not None:
        description = f"- Extension module: `{pyo3_project.module_name}`"
    return {
        "pyo3-scaffold": {
            "name": "PyO3 (pyo3-scaffold doctor)",
            "order": 20,
            "description": description,
        }
    }
