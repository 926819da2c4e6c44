"""Helpers shared by the tests: sample projects (tests/projects/) and the corpus of real sdists.

The sample projects are files, not strings inside tests, so they can be read, built and
linted as the projects they stand for.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scaffold.migrate_codegen import FunctionPlan, ModulePlan

TESTS = Path(__file__).resolve().parent
REPO_ROOT = TESTS.parent
PROJECTS = TESTS / "projects"
CORPUS = TESTS / "corpus"


def tool(name: str) -> str:
    """The path of a command the test dependency group installs; the test fails without it."""
    path = shutil.which(name)
    if path is None:
        msg = f"{name} is not installed: it is in the test dependency group (--group test)"
        raise AssertionError(msg)
    return path


def build_docs(site_dir: Path) -> None:
    """`mkdocs build --strict` of docs/ into `site_dir` (what `nox -s docs` runs), offline."""
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def copy_project(name: str, destination: Path) -> Path:
    """A fresh copy of tests/projects/NAME under `destination`, to change or write into."""
    target = destination / name
    shutil.copytree(PROJECTS / name, target)
    return target


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (git's own folder left out): relative POSIX path -> bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts
    }


def named_by(path: str, sources: Iterable[str]) -> bool:
    """Whether a check's `reads:` sources (`src/**/*.rs`, `<package>/__init__.py`, `git`) name
    the file `path` (relative, POSIX)."""
    for source in sources:
        pattern = re.sub(r"<[^>]+>", "*", source).replace("**/", "")
        if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(Path(path).name, pattern):
            return True
    return False


# --- git, as the tests' own user ---------------------------------------------------------------

# An identity and no signing, whatever the machine's global git config says.
_GIT_AS_TEST = (
    "-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false",
    "-c", "init.defaultBranch=main",
)  # fmt: skip


def git(root: Path, *args: str, check: bool = True) -> str:
    """Run git in `root` as the tests' user; its output (a failure fails the test if `check`)."""
    done = subprocess.run(
        ["git", *_GIT_AS_TEST, *args],
        cwd=root,
        capture_output=True,
        text=True,
        errors="replace",  # a hostile tree's file names need not be UTF-8
        check=False,
    )
    if check and done.returncode != 0:
        msg = f"git {' '.join(args)} exited {done.returncode} in {root}: {done.stderr.strip()}"
        raise AssertionError(msg)
    return done.stdout


def commit_all(root: Path, message: str = "init") -> None:
    """Make `root` a repository (if it is not one) and commit everything in it."""
    if not (root / ".git").exists():
        git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--allow-empty", "-m", message)


# --- the corpus of real published projects -------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CorpusProject:
    name: str
    version: str
    sdist: str
    sha256: str
    size: int

    @property
    def wheels(self) -> list[str]:
        """The wheels PyPI has for this version (the fixture file), one name each."""
        text = (CORPUS / "wheels" / f"{self.name}-{self.version}.txt").read_text()
        return [line for line in text.splitlines() if line.strip()]


def corpus_projects() -> list[CorpusProject]:
    data = tomllib.loads((CORPUS / "pyo3_projects.toml").read_text(encoding="utf-8"))
    return [
        CorpusProject(
            name=p["name"],
            version=p["version"],
            sdist=p["sdist"],
            sha256=p["sha256"],
            size=p["size"],
        )
        for p in data["project"]
    ]


def corpus_cache() -> Path:
    configured = os.environ.get("PYO3_SCAFFOLD_CORPUS_CACHE")
    base = Path(configured) if configured else Path.home() / ".cache" / "pyo3-scaffold-corpus"
    base.mkdir(parents=True, exist_ok=True)
    return base


def fetch_sdist(project: CorpusProject) -> Path:
    """The sdist, downloaded once into the cache and checked against its pinned sha256."""
    path = corpus_cache() / project.sdist
    if path.is_file() and _sha256(path) == project.sha256:
        return path
    # PyPI's simple index as JSON (PEP 691), what pip reads: it names the file's address.
    index = f"https://pypi.org/simple/{project.name}/"
    request = urllib.request.Request(
        index, headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (https only)
        files = json.load(response)["files"]
    url = next(f["url"] for f in files if f["filename"] == project.sdist)
    url = urllib.parse.urljoin(index, url)  # an index mirror may give a relative address
    partial = path.with_suffix(".part")
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (https only)
        partial.write_bytes(response.read())
    digest = _sha256(partial)
    if digest != project.sha256:
        partial.unlink()
        msg = f"{project.sdist}: sha256 {digest} is not the pinned {project.sha256}"
        raise AssertionError(msg)
    partial.replace(path)
    return path


def unpack_sdist(project: CorpusProject, destination: Path) -> Path:
    """The sdist's project folder, unpacked fresh under `destination`."""
    with tarfile.open(fetch_sdist(project)) as archive:
        archive.extractall(destination, filter="data")
    (folder,) = [p for p in destination.iterdir() if p.is_dir()]
    return folder


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def module_plan(plans: Iterable[FunctionPlan]) -> ModulePlan:
    """A `ModulePlan` of the planned functions of a module `pkg.mod`, for the tests of what
    lib.rs, the stub and the dispatch block say about them."""
    from scaffold.migrate_codegen import ModulePlan

    return ModulePlan(
        dotted="pkg.mod",
        package="pkg",
        module="mod",
        extension="_mod_rs",
        env_var="PKG_PURE_PYTHON",
        functions=tuple(plans),
    )
