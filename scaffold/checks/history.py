"""What the last commit's workflows built, to see which wheel targets a change lost (PS011).

After `ci --force` (or a hand edit) the new workflows may build fewer targets than the ones
the project shipped: i686, a PyPy wheel, universal2. The workflows in HEAD (`git show
HEAD:.github/workflows/...`) and HEAD's `[tool.cibuildwheel]` are read with the same reader
as the work tree's (`scaffold.checks.pipeline`), and every target HEAD built that the work
tree does not is lost. Without git, a repository or a commit there is nothing to compare:
the comparison is left out, silently.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold import git, safe_io
from scaffold.checks import pipeline
from scaffold.checks import project as checked
from scaffold.errors import UnreadableProjectError

if TYPE_CHECKING:
    from scaffold.checks.pipeline import Target

WORKFLOWS = ".github/workflows"


def lost_targets(project: checked.Pyo3Project) -> list[Target]:
    """The targets HEAD's workflows build that the work tree's no longer do, sorted."""
    root = project.root_path
    # doctor reads from the work tree's top, where `.git` is: without one there is no history
    # (and no git call, which costs ~30 ms on a loaded machine, is made).
    if root is None or not isinstance(project.package, Path) or not (root / ".git").exists():
        return []
    pyproject = Path(os.path.relpath(project.package / "pyproject.toml", root)).as_posix()
    try:
        if not git.changed_paths(root, [WORKFLOWS, pyproject]):
            return []  # the common case, one git call: nothing that builds wheels changed
    except git.GitError:
        return []  # no git, or not a repository
    before = _head_pipeline(project, root, pyproject)
    if before is None:
        return []
    return lost(before.targets, project.pipeline().targets)


def lost(before: frozenset[Target], after: frozenset[Target]) -> list[Target]:
    """Targets of `before` that no target of `after` serves.

    An abi3 wheel serves every CPython of its platform, so per-version wheels replaced by one
    are not lost; a universal2 wheel serves both macOS architectures. The other way round
    (thin macOS wheels for a universal2 one) is a loss: installers that want universal2 get
    none.
    """
    served = set(after)
    for target in after:
        if target.kind == "abi3":
            served.add(_with(target, kind="cp"))
        if target.os == "macos" and target.arch == "universal2":
            served |= {_with(target, arch="x86_64"), _with(target, arch="arm64")}
    return sorted(target for target in before if target not in served)


def grouped(targets: list[Target]) -> list[str]:
    """One entry per platform, its kinds joined: `linux s390x manylinux abi3+cpt`."""
    kinds: dict[str, list[str]] = {}
    for target in targets:
        platform = str(target).rsplit(" ", 1)[0]
        kinds.setdefault(platform, []).append(target.kind)
    return [f"{platform} {'+'.join(found)}" for platform, found in kinds.items()]


def _with(target: Target, **changes: str) -> Target:
    fields = {"os": target.os, "arch": target.arch, "libc": target.libc, "kind": target.kind}
    return pipeline.Target(**(fields | changes))


def _head_pipeline(
    project: checked.Pyo3Project, root: Path, pyproject: str
) -> pipeline.Pipeline | None:
    files = git.files_at_head(root, WORKFLOWS)
    if not files:
        return None  # no commit, or it has no workflows: nothing was shipped from here
    workflows: dict[str, Any] = {}
    for name, size in files.items():
        if not name.endswith((".yml", ".yaml")) or size > safe_io.MAX_BYTES:
            continue
        text = git.show_file_at_head(root, f"{WORKFLOWS}/{name}")
        if text is None:
            continue
        try:
            workflows[name] = safe_io.parse_yaml(root, root / WORKFLOWS / name, text).data
        except UnreadableProjectError:
            continue  # what an unreadable workflow built is unknown: never guessed
    # HEAD's pyproject.toml ([tool.cibuildwheel], requires-python) with HEAD's workflows; the
    # crate (abi3) is the work tree's.
    config = _head_pyproject(root, pyproject)
    if config is None:
        return None  # HEAD's cibuildwheel config is unknown, and so is what it built
    head = dataclasses.replace(project, workflows=workflows, workflow_errors={}, pyproject=config)
    return checked.read_pipeline(head)


def _head_pyproject(root: Path, pyproject: str) -> dict[str, Any] | None:
    """HEAD's pyproject.toml: {} when it has none, None when it cannot be read."""
    folder, _, name = pyproject.rpartition("/")
    if name not in (git.files_at_head(root, folder or ".") or {}):
        return {}
    text = git.show_file_at_head(root, pyproject)
    if text is None or len(text) > safe_io.MAX_BYTES:
        return None
    try:
        data = safe_io.parse_toml(root, root / pyproject, text).data
    except UnreadableProjectError:
        return None
    return data if isinstance(data, dict) else None
