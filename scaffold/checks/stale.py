"""Pins and toolchain versions of a project that are older than this tool's pin table (PS014).

Compared with `scaffold.pins`: the PyO3/numpy/rayon requirements in Cargo.toml, maturin in
build-system.requires, cibuildwheel wherever it is pinned (the workflows' `pip install
cibuildwheel==X` or `pypa/cibuildwheel@SHA # vX`, the noxfile), the actions pinned by SHA (by
their `# vX.Y.Z` comment), and the rustup-init of `.github/install-rust.sh`. Only what is known
to be *older* is reported: a newer pin, a range that already admits the table's version, or a
SHA without a version comment is the user's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from scaffold import pins, safe_io

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from scaffold.checks.project import Pyo3Project

# `uses: owner/repo[/path]@ref  # v1.2.3` (the comment is how Dependabot names a SHA pin).
_USES = re.compile(
    r"uses:\s*['\"]?(?P<repo>[\w.-]+/[\w.-]+)(?:/[^@\s'\"]*)?@(?P<ref>[\w.-]+)['\"]?"
    r"(?:\s*#\s*(?P<tag>v?\d[\w.-]*))?"
)
_CIBUILDWHEEL = re.compile(r"cibuildwheel\s*(?:==|>=|~=)\s*(?P<version>\d+(?:\.\d+)*)")
_RUSTUP = re.compile(r"^version=(?P<version>\d+(?:\.\d+)*)\s*$", re.MULTILINE)


@dataclass(frozen=True, kw_only=True)
class StalePin:
    what: str  # "pyo3", "actions/checkout", "cibuildwheel"...
    where: str  # the file, relative to the project or the repository
    found: str
    current: str

    def __str__(self) -> str:
        return f"{self.what} {self.found} in {self.where} (now {self.current})"


def _version(text: str) -> Version | None:
    try:
        return Version(text.removeprefix("v"))
    except InvalidVersion:
        return None


def older(found: str, current: str) -> bool:
    """`found` is an older release than `current`, compared on the parts `found` names.

    "1.2" is not older than "1.2.3" (cargo's ^1.2 admits it); "1.1.9" is; "v7" (an action's
    major tag) is not older than "v7.0.1".
    """
    mine, theirs = _version(found), _version(current)
    if mine is None or theirs is None:
        return False
    width = len(mine.release)
    return mine.release < theirs.release[:width] + (0,) * max(0, width - len(theirs.release))


def _requirement_floor(requirement: str) -> str | None:
    """The lower bound of a PEP 508 requirement (`maturin>=1.2,<2` -> "1.2")."""
    try:
        specifiers = Requirement(requirement).specifier
    except InvalidRequirement:
        return None
    floors = [s.version for s in specifiers if s.operator in {">=", "~=", "=="}]
    return min(floors, key=lambda v: _version(v) or Version("0")) if floors else None


def _read(root: Traversable, *parts: str) -> str | None:
    """A small text file of the project, or None when absent (hostile files stop the verb)."""
    file = root.joinpath(*parts)
    if not file.is_file():
        return None
    if isinstance(root, Path) and isinstance(file, Path):
        return safe_io.read_text(root, file)
    return file.read_text(encoding="utf-8")


def _crates(project: Pyo3Project, table: pins.Pins) -> list[StalePin]:
    stale = []
    spec = project.pyo3_dependency or {}
    version = str(spec.get("version", "")).lstrip("^=~ ")
    if version and older(version, table.pyo3):
        stale.append(
            StalePin(what="pyo3", where=project.manifest, found=version, current=table.pyo3)
        )
    dependencies = project.cargo.get("dependencies", {})
    for crate, current in (("numpy", table.numpy), ("rayon", table.rayon)):
        value = dependencies.get(crate) if isinstance(dependencies, dict) else None
        found = value.get("version") if isinstance(value, dict) else value
        if isinstance(found, str) and older(found.lstrip("^=~ "), current):
            stale.append(StalePin(what=crate, where=project.manifest, found=found, current=current))
    return stale


def _maturin(project: Pyo3Project, table: pins.Pins) -> list[StalePin]:
    build = project.pyproject.get("build-system", {})
    requires = build.get("requires", []) if isinstance(build, dict) else []
    current = _requirement_floor(table.maturin_requirement)
    for requirement in requires if isinstance(requires, list) else []:
        if isinstance(requirement, str) and re.match(r"\s*maturin\b", requirement):
            floor = _requirement_floor(requirement)
            if floor and current and older(floor, current):
                return [
                    StalePin(
                        what="maturin",
                        where="pyproject.toml",
                        found=requirement,
                        current=table.maturin_requirement,
                    )
                ]
    return []


def _in_text(text: str, where: str, table: pins.Pins) -> list[StalePin]:
    """cibuildwheel, actions and rustup pinned in a workflow, the noxfile or install-rust.sh."""
    stale = [
        StalePin(what="cibuildwheel", where=where, found=m["version"], current=table.cibuildwheel)
        for m in _CIBUILDWHEEL.finditer(text)
        if older(m["version"], table.cibuildwheel)
    ]
    for match in _USES.finditer(text):
        repo, ref, tag = match["repo"], match["ref"], match["tag"]
        if repo.lower() == "pypa/cibuildwheel":
            found = tag or ref
            if older(found, table.cibuildwheel):
                stale.append(
                    StalePin(
                        what="cibuildwheel", where=where, found=found, current=table.cibuildwheel
                    )
                )
            continue
        action = table.action(repo)
        if action is None or ref == action.sha:
            continue
        found = tag or ("" if re.fullmatch(r"[0-9a-f]{40}", ref) else ref)
        if found and older(found, action.tag):
            stale.append(StalePin(what=action.repo, where=where, found=found, current=action.tag))
    if "rustup-init" in text:
        stale += [
            StalePin(what="rustup-init", where=where, found=m["version"], current=table.rustup)
            for m in _RUSTUP.finditer(text)
            if older(m["version"], table.rustup)
        ]
    return stale


def stale_pins(project: Pyo3Project) -> list[StalePin]:
    """Every pin of the project older than the table's, in a stable order."""
    table = pins.load()
    stale = [*_crates(project, table), *_maturin(project, table)]
    texts = [
        ("noxfile.py", _read(project.package, "noxfile.py")),
        (".github/install-rust.sh", _read(project.root, ".github", "install-rust.sh")),
    ]
    folder = project.root.joinpath(".github", "workflows")
    names = sorted(e.name for e in folder.iterdir()) if folder.is_dir() else []
    texts += [
        (f".github/workflows/{name}", _read(project.root, ".github", "workflows", name))
        for name in names
        if name.endswith((".yml", ".yaml"))
    ]
    for where, text in texts:
        if text is not None:
            stale += _in_text(text, where, table)
    return stale


def update_command(project: Pyo3Project) -> str:
    """What takes the table's pins: `update` for projects the template made, `ci` otherwise."""
    answers = _read(project.package, ".copier-answers.yml") or ""
    if "pyo3-scaffold" in answers:
        return "pyo3-scaffold update"
    return "pyo3-scaffold ci --force (workflows, noxfile) and cargo add for the crates"
