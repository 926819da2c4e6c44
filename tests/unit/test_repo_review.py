"""repo-review (sp-repo-review's checks plus our own PS family) finds nothing on a fresh project.

Through repo-review's own API, on a covering set of option combinations (every value of every
option, every pair of layout/abi3/free-threading/flavours), and on this repository itself.
A check that is ignored must say why (`[tool.repo-review.ignore]`), and only the pre-commit
family (which recognises hooks by their GitHub URL; ours are local) may be ignored.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Generate
from repo_review.processor import process

# (layout, abi3, free_threaded, parallel, numpy, min_python): all 2**3 combinations of the
# first three, with the flavours and the oldest/newest Python spread so each pair appears.
COMBINATIONS = [
    ("mixed", True, True, False, False, "3.11"),
    ("mixed", True, False, True, True, "3.9"),
    ("mixed", False, True, True, False, "3.14"),
    ("mixed", False, False, False, True, "3.11"),
    ("rust", True, True, True, True, "3.14"),
    ("rust", True, False, False, False, "3.11"),
    ("rust", False, True, False, True, "3.9"),
    ("rust", False, False, True, False, "3.11"),
]


def failures(path: Path) -> dict[str, str]:
    _, results = process(path)
    assert len(results) > 60  # sp-repo-review's families and ours all ran
    return {r.name: f"{r.description}: {r.err_msg}" for r in results if r.result is False}


def ignored(path: Path) -> dict[str, str]:
    config = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))
    ignore: dict[str, str] = config["tool"]["repo-review"]["ignore"]
    return ignore


@pytest.mark.parametrize(
    ("layout", "abi3", "free_threaded", "parallel", "numpy", "min_python"), COMBINATIONS
)
def test_fresh_project_has_no_repo_review_failures(
    generate: Generate,
    layout: str,
    abi3: bool,
    free_threaded: bool,
    parallel: bool,
    numpy: bool,
    min_python: str,
) -> None:
    path = generate(
        "demo",
        layout=layout,
        abi3=abi3,
        free_threaded=free_threaded,
        parallel=parallel,
        numpy=numpy,
        min_python=min_python,
    )
    assert failures(path) == {}
    assert all(code.startswith("PC") and reason for code, reason in ignored(path).items())


def test_this_repository_has_no_repo_review_failures() -> None:
    assert failures(REPO_ROOT) == {}
    assert all(code.startswith("PC") and reason for code, reason in ignored(REPO_ROOT).items())


def test_a_seeded_defect_is_a_failure(generate: Generate) -> None:
    # The check that the template fixes must really be able to fail.
    path = generate("demo")
    pyproject = path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace('log_level = "INFO"\n', ""), encoding="utf-8")
    (path / ".pre-commit-config.yaml").unlink()
    assert set(failures(path)) == {"PP304", "PY006"}
