"""Every call into copier lives here (copier is imported lazily: `--help` must stay fast).

Template versions. The live template (`copier.yml` + `template/`, packaged in the wheel as
`scaffold/_template/`) is version `scaffold.__version__`. Every earlier released version is
frozen as a small deterministic tarball in `scaffold/template_versions/<version>.tar.gz`
(made by `snapshot_template()` when the version is bumped). `update` rebuilds a throw-away
git repo from them, one commit and one `v<version>` tag per version, because copier can only
update from a git repo with version tags. So updates work offline, from the installed package.

What a project records. `new` writes `_src_path: gh:pyo3-scaffold/pyo3-scaffold` and
`_commit: v<version>` into `.copier-answers.yml`: the public repo and the release tag of the
template that made it. Plain `copier update` therefore works against this repo (whose release
tags are the same versions), and `pyo3-scaffold update` points copier at the rebuilt repo instead.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tarfile
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold import __version__
from scaffold.errors import InvalidInputError, TemplateError
from scaffold.git import run_git

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from packaging.version import Version

_PACKAGE = Path(__file__).resolve().parent
VERSIONS_DIR = _PACKAGE / "template_versions"
# Where the template is published; recorded as `_src_path` so that plain `copier update` works.
TEMPLATE_URL = "gh:pyo3-scaffold/pyo3-scaffold"
ANSWERS_FILE = ".copier-answers.yml"
# The inline markers copier leaves in a file whose update conflicts with the user's edits.
CONFLICT_MARKERS = (b"<<<<<<< before updating", b">>>>>>> after updating")
# What a template version is made of (the rest of this repo is the tool, not the template).
_TEMPLATE_PARTS = ("copier.yml", "template")
_JUNK = re.compile(r"(^|/)(__pycache__|\.DS_Store)(/|$)|\.py[co]$")


def template_root() -> Path:
    """The folder holding copier.yml: inside the wheel, or the repo root in a source checkout."""
    packaged = _PACKAGE / "_template"
    if (packaged / "copier.yml").is_file():
        return packaged
    checkout = _PACKAGE.parent
    if (checkout / "copier.yml").is_file():
        return checkout
    raise TemplateError(f"the template is missing from {packaged}; reinstall pyo3-scaffold")


def tag(version: str) -> str:
    """The git tag of a template version (the repo's release tags: v0.1.0, v0.2.0...)."""
    return f"v{version}"


def copy(destination: Path, data: Mapping[str, object]) -> None:
    """Render the live template into `destination` (which must not hold any of its files).

    The answers file then names the public template repo and this version's release tag, so
    that the project can be updated later (see the module docstring).
    """
    root = template_root()
    if (root / ".git").exists():
        # A source checkout: copier would clone the whole repo (a third of a second of git
        # calls); render a plain copy of the working tree's template instead.
        with tempfile.TemporaryDirectory(prefix="pyo3-scaffold-template-") as plain:
            TemplateVersion(__version__, root).write_to(Path(plain))
            _run_copy(plain, destination, data, vcs_ref="HEAD")
    else:
        _run_copy(str(root), destination, data, vcs_ref="HEAD")
    record_source(destination / ANSWERS_FILE, src_path=TEMPLATE_URL, commit=tag(__version__))


def _run_copy(source: str, destination: Path, data: Mapping[str, object], *, vcs_ref: str) -> None:
    import copier  # noqa: PLC0415  (lazy: a third of a second to import)

    try:
        with warnings.catch_warnings():
            # A source checkout with uncommitted template edits is what we want to render.
            warnings.simplefilter("ignore", copier.errors.DirtyLocalWarning)
            copier.run_copy(
                source,
                str(destination),
                data=dict(data),
                defaults=True,
                overwrite=False,
                quiet=True,
                unsafe=False,
                vcs_ref=vcs_ref,
            )
    except copier.errors.CopierError as error:
        raise TemplateError(f"copier could not render the template: {error}") from error
    except ValueError as error:  # a question's validator refused an answer (copier raises it)
        raise TemplateError(f"copier refused an answer: {_first_line(error)}") from error


def update(project: Path, *, vcs_ref: str | None) -> None:
    """Run copier's update in `project` (a clean git checkout), to `vcs_ref` or the newest tag.

    The template comes from `_src_path`/`_commit` of the project's answers file. Conflicts are
    left inline, with copier's markers.
    """
    import copier  # noqa: PLC0415

    try:
        copier.run_update(
            str(project),
            defaults=True,
            skip_answered=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
            conflict="inline",
            vcs_ref=vcs_ref,
        )
    except copier.errors.CopierError as error:
        raise TemplateError(f"copier could not update the project: {_first_line(error)}") from error
    except ValueError as error:  # a validator refused a recorded answer, a missing template...
        raise TemplateError(f"copier could not update the project: {_first_line(error)}") from error


# --- symlinks in a template: never a way out ------------------------------------------------


def _leaves(link: str, target: str) -> bool:
    """Whether the symlink at `link` (a relative path, '/') pointing to `target` leaves the
    tree it sits in (judged lexically: a template's or project's tree is what copier sees)."""
    if target.startswith("/") or Path(target).is_absolute():
        return True
    joined = os.path.normpath(os.path.join(os.path.dirname(link), target))  # noqa: PTH118, PTH120
    return joined == ".." or joined.startswith(("../", "/"))


def check_template_symlinks(source: str, refs: Sequence[str]) -> None:
    """Refuse, before copier runs, a local template whose symlinks leave it.

    With `_preserve_symlinks: true` copier recreates each symlink as it is, and our copy back
    into the project would then read (or link to) a file outside the template; without it,
    copier follows the link. Checked: each of `refs` (a git ref; "*" for every tag) and the
    working tree, which copier renders when it is dirty. A remote template is checked after
    rendering instead (`check_rendered_symlinks`). One line, exit 5; nothing is written.
    """
    root = Path(source)
    if not (root / ".git").exists():
        return  # a URL (or not a git repo, which copier refuses itself)
    tags = run_git(["tag", "--list"], root).stdout.split() if "*" in refs else []
    # A ref from a tampered answers file must not become an option of git ("-..."): skipped.
    names = [n for ref in refs if ref for n in (tags if ref == "*" else [ref]) if n[:1] != "-"]
    found = [link for ref in dict.fromkeys(names) for link in _links_at(root, ref)]
    found += _links_in_tree(root)
    for where, link, target in found:
        if _leaves(link, target):
            raise TemplateError(
                f"the template {source} has a symlink {link} -> {target} ({where}) that leaves "
                "the template; refusing to use it, nothing was written"
            )


def _links_at(root: Path, ref: str) -> list[tuple[str, str, str]]:
    """(where, link, target) of every symlink in git ref `ref` of the repo at `root`."""
    try:
        listing = run_git(["ls-tree", "-r", "-z", "--full-tree", ref], root).stdout
    except TemplateError:
        return []  # an unknown ref: copier's own error names it
    found = []
    for record in listing.split("\0"):
        meta, _, name = record.partition("\t")
        if meta.startswith("120000 "):  # git's mode for a symlink; its blob is the target
            try:
                target = run_git(["cat-file", "blob", meta.split()[2]], root).stdout
            except UnicodeDecodeError:
                target = "/(a target that is not UTF-8)"  # refused: we cannot judge it
            found.append((f"at {ref}", name, target))
    return found


def _links_in_tree(root: Path) -> list[tuple[str, str, str]]:
    found = []
    for top, dirs, filenames in os.walk(root):  # does not follow symlinked folders
        dirs[:] = [d for d in dirs if d != ".git" or Path(top) != root]
        for name in [*dirs, *filenames]:
            path = Path(top) / name
            if path.is_symlink():
                rel = path.relative_to(root).as_posix()
                found.append(("in its working tree", rel, str(path.readlink())))
    return found


def check_rendered_symlinks(project: Path, paths: Iterable[str]) -> None:
    """Refuse symlinks that copier rendered into `project` (the throw-away clone) and that
    point out of it: the update would otherwise link to, or copy in, a file outside."""
    real_project = Path(os.path.realpath(project))
    for rel in paths:
        path = project / rel
        if not path.is_symlink():
            continue
        target = str(path.readlink())
        # Lexically, and as the kernel resolves it with every link of the render in place
        # (`b -> .` then `a -> b/../x` is inside lexically, outside for real).
        if _leaves(rel, target) or not Path(os.path.realpath(path)).is_relative_to(real_project):
            raise TemplateError(
                f"the template made {rel} a symlink to {target}, outside the project; "
                "refusing the update, nothing was written"
            )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# --- The answers file --------------------------------------------------------------------


def record_source(answers_file: Path, *, src_path: str, commit: str) -> None:
    """Set `_src_path` and `_commit` in an answers file, keeping every other line as it is."""
    import yaml  # noqa: PLC0415  (a dependency of copier)

    lines = answers_file.read_text(encoding="utf-8").splitlines(keepends=True)
    values = {"_commit": commit, "_src_path": src_path}
    kept = [line for line in lines if not line.startswith(tuple(f"{k}:" for k in values))]
    # The answers template is `to_nice_yaml` (sorted keys): `_commit`, `_src_path` come first
    # after the comment lines at the top.
    at = next((i for i, line in enumerate(kept) if not line.startswith("#")), len(kept))
    new = [yaml.safe_dump({key: value}, width=1_000) for key, value in values.items()]
    answers_file.write_text("".join([*kept[:at], *new, *kept[at:]]), encoding="utf-8")


def read_answers(answers_file: Path) -> dict[str, object]:
    from scaffold import safe_io  # noqa: PLC0415

    # Bounded, regular file, UTF-8, YAML with a depth/size budget: a binary or tampered
    # answers file is one line (exit 6), never a traceback.
    loaded = safe_io.read_yaml(answers_file.parent, answers_file).data
    if not isinstance(loaded, dict):
        raise InvalidInputError(f"{answers_file} is not a copier answers file")
    return {str(key): value for key, value in loaded.items()}


# --- Template versions --------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateVersion:
    """One version of the template: a folder with copier.yml + template/, or a snapshot tarball."""

    version: str
    source: Path

    def write_to(self, folder: Path) -> None:
        if self.source.is_dir():
            for name, data, mode in _template_files(self.source):
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                target.chmod(mode)
            return
        with tarfile.open(self.source, "r:gz") as archive:
            archive.extractall(folder, filter="data")


def version_key(version: str) -> Version:
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415  (copier's dependency)

    try:
        return Version(version)
    except InvalidVersion as error:
        raise InvalidInputError(f"{version!r} is not a version (PEP 440)") from error


def packaged_versions() -> list[TemplateVersion]:
    """Every template version this installation can render, oldest first.

    The frozen snapshots of released versions, then the live template as `__version__`.
    """
    current = version_key(__version__)
    snapshots = [
        TemplateVersion(path.name.removesuffix(".tar.gz"), path)
        for path in (VERSIONS_DIR.glob("*.tar.gz") if VERSIONS_DIR.is_dir() else ())
    ]
    # A snapshot of the current version (made before the bump) must not shadow the live one.
    older = sorted(
        (v for v in snapshots if version_key(v.version) < current),
        key=lambda v: version_key(v.version),
    )
    return [*older, TemplateVersion(__version__, template_root())]


def build_template_repo(repo: Path, versions: Sequence[TemplateVersion]) -> Path:
    """Make `repo` a git repo with one commit and one `v<version>` tag per version, in order."""
    repo.mkdir(parents=True, exist_ok=True)
    run_git(["init", "--quiet"], repo, as_tool=True)
    for version in versions:
        for child in repo.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        version.write_to(repo)
        # --force: the template's own .gitignore (and the user's global one) must not drop files.
        run_git(["add", "--all", "--force"], repo)
        message = f"template {version.version}"
        run_git(["commit", "--quiet", "--allow-empty", "-m", message], repo, as_tool=True)
        run_git(["tag", tag(version.version)], repo, as_tool=True)
    return repo


def snapshot_template(
    version: str = __version__, into: Path = VERSIONS_DIR, *, source: Path | None = None
) -> Path:
    """Freeze the live template (or the one in `source`) as `<into>/<version>.tar.gz`.

    Run it before bumping the version (docs/update.md).

    Deterministic: the same template gives the same bytes, so a re-run shows no git change.
    """
    into.mkdir(parents=True, exist_ok=True)
    target = into / f"{version}.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data, mode in _template_files(source or template_root()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            archive.addfile(info, io.BytesIO(data))
    import gzip  # noqa: PLC0415

    target.write_bytes(gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0))
    return target


def _template_files(root: Path) -> Iterable[tuple[str, bytes, int]]:
    paths: list[Path] = []
    for part in _TEMPLATE_PARTS:
        top = root / part
        paths.extend(sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top])
    for path in paths:
        name = path.relative_to(root).as_posix()
        if not _JUNK.search(name):
            yield name, path.read_bytes(), 0o755 if path.stat().st_mode & 0o100 else 0o644
