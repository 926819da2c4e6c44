"""The doctor checks as a repo-review plugin, through repo-review's own API.

pyo3-scaffold is installed (editable) with its entry points, so repo-review finds our fixture,
checks and family exactly as it would for a user; nothing is registered by hand.
"""

from __future__ import annotations

import importlib.metadata

import pytest
from repo_review.processor import process

from scaffold.checks import ALL_CHECKS

CODES = [check.code() for check in ALL_CHECKS]


def test_entry_points_are_installed():
    groups = {
        group: {ep.value for ep in importlib.metadata.entry_points(group=group)}
        for group in ("repo_review.checks", "repo_review.families", "repo_review.fixtures")
    }
    assert "scaffold.checks.plugin:repo_review_checks" in groups["repo_review.checks"]
    assert "scaffold.checks.plugin:repo_review_families" in groups["repo_review.families"]
    assert "scaffold.checks.plugin:pyo3_project" in groups["repo_review.fixtures"]


def ours(results):
    return {r.name: r for r in results if r.family == "pyo3-scaffold"}


def test_generated_project_passes_in_repo_review(generate):
    path = generate("demo")
    families, results = process(path)
    mine = ours(results)
    assert list(mine) == CODES
    assert families["pyo3-scaffold"]["name"] == "PyO3 (pyo3-scaffold doctor)"
    assert "demo._core" in families["pyo3-scaffold"]["description"]
    # repo-review's encoding: True passed, None skipped (not a git repository yet).
    assert {name: r.result for name, r in mine.items() if r.result is not True} == {"PS005": None}
    assert mine["PS001"].description == next(c.title() for c in ALL_CHECKS if c.code() == "PS001")
    assert mine["PS001"].url.endswith("docs/doctor.md#ps001")


def test_a_finding_fails_in_repo_review_with_reason_and_fix(generate):
    path = generate("demo")
    (path / "python/demo/py.typed").unlink()
    _, results = process(path)
    mine = ours(results)
    assert mine["PS007"].result is False
    assert "py.typed" in mine["PS007"].err_msg
    assert "**Fix:**" in mine["PS007"].err_msg
    # PS008 requires PS007: repo-review skips it, as doctor does.
    assert mine["PS008"].result is None


@pytest.mark.parametrize("content", [None, '[project]\nname = "plain-python"\n'])
def test_other_repositories_do_not_see_our_checks(tmp_path, content):
    if content is not None:
        (tmp_path / "pyproject.toml").write_text(content, encoding="utf-8")
    _, results = process(tmp_path)
    assert ours(results) == {}


def test_repo_review_ignore_config(generate):
    path = generate("demo")
    (path / "python/demo/py.typed").unlink()
    _, results = process(path, ignore=frozenset({"PS007"}))
    assert "PS007" not in ours(results)
