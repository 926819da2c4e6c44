"""ONE reader of a PyO3/maturin project: what `ci`, `doctor`, `migrate` and the noxfile know.

`read(root) -> Project` reads pyproject.toml, the Cargo manifest that `[tool.maturin]
manifest-path` names (and its workspace root), the Rust sources and the workflows once, and
resolves every fact the verbs need, each by one rule written here:

- names as maturin resolves them: the distribution from `[project] name`, or from Cargo.toml's
  `[package] name` when the metadata lives only there; the import path from `[tool.maturin]
  module-name`, else the Cargo `[lib] name`, else the package name with `-` as `_`;
- the layout (mixed when a package named like the top-level module sits in python-source);
- the abi3 floor, also from `pyo3 = { workspace = true }` and maturin's `pyo3/abi3-*` features;
- the oldest supported CPython minor from requires-python, with `packaging.specifiers`;
- free-threading: the extension's `gil_used`, else PyO3's default for its version;
- the tests (folder and the dependencies they install: a dependency group, an extra, a
  requirements file) and the lint tools the project already uses.

`doctor`'s checks read the same facts through `scaffold.checks.project.Pyo3Project` (which is
also the repo-review fixture and takes any `Traversable`): its properties call the functions
below, so the verbs cannot disagree.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scaffold import safe_io
from scaffold.errors import InvalidInputError, UnreadableProjectError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from scaffold.checks.project import Pyo3Project

# PyO3 0.28 made `gil_used = false` the default; 0.23-0.27 assumed the GIL was needed.
PYO3_GIL_FREE_DEFAULT = (0, 28)
FREE_THREADING_CLASSIFIER = "Programming Language :: Python :: Free Threading"
# The CPython minors a requires-python is tested against (3.0 ... 3.40 covers any real spec).
_MINORS = range(40)
_ABI3 = re.compile(r"abi3-py3(\d+)")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_TEST_DIRS = ("tests", "test", "python/tests", "pysrc/tests", "src/tests", "tests/python")

Layout = Literal["mixed", "rust"]
# Config files bigger than this are not a linter config: they are skipped, not read.
_MAX_CONFIG_BYTES = 1_000_000


# --- the rules (pure functions over parsed data) ---------------------------------------------


def dist_name(pyproject: Mapping[str, Any], cargo: Mapping[str, Any]) -> str | None:
    """`[project] name`, else Cargo's `[package] name`: maturin falls back to Cargo metadata."""
    project = pyproject.get("project")
    if isinstance(project, dict) and isinstance(project.get("name"), str) and project["name"]:
        return str(project["name"])
    package = cargo.get("package")
    name = package.get("name") if isinstance(package, dict) else None
    return name if isinstance(name, str) and name else None


def metadata_in_cargo(pyproject: Mapping[str, Any]) -> bool:
    """True when pyproject.toml has no `[project] name`: maturin reads Cargo.toml's metadata."""
    project = pyproject.get("project")
    return not (isinstance(project, dict) and isinstance(project.get("name"), str))


def lib_name(cargo: Mapping[str, Any]) -> str:
    """The Cargo `[lib] name`, else the package name with `-` as `_` (cargo's rule)."""
    lib = cargo.get("lib", {})
    if isinstance(lib, dict) and isinstance(lib.get("name"), str):
        return str(lib["name"])
    package = cargo.get("package", {})
    name = package.get("name", "") if isinstance(package, dict) else ""
    return str(name).replace("-", "_")


def module_name(maturin: Mapping[str, Any], cargo: Mapping[str, Any]) -> str:
    """The full dotted import path of the extension, as maturin places it."""
    configured = maturin.get("module-name")
    return str(configured) if isinstance(configured, str) and configured else lib_name(cargo)


def abi3_floor(features: Iterable[str]) -> tuple[int, int] | None:
    """The oldest CPython an abi3 build targets: `abi3-py3X`; bare `abi3` is PyO3's oldest."""
    found = [int(m.group(1)) for f in features if (m := _ABI3.fullmatch(f))]
    if found:
        return (3, min(found))
    return (3, 7) if "abi3" in set(features) else None


def lowest_python(requires: str) -> tuple[int, int] | None:
    """The lowest CPython 3 minor a requires-python admits (`~=3.12` -> 3.12, `>3.8` -> 3.8,
    `>=3.9,<4` -> 3.9), or None when the spec is empty or unparsable.

    A minor counts when one of its releases (3.X.0 ... 3.X.99) satisfies the spec, as pip
    would judge an interpreter of that minor.
    """
    text = requires.strip()
    if not text:
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # noqa: PLC0415

    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        return None
    for minor in _MINORS:
        if any(spec.contains(f"3.{minor}.{patch}", prereleases=True) for patch in (0, 1, 99)):
            return (3, minor)
    return None


def is_free_threaded(gil_used: tuple[bool, bool] | None, *, any_gil_free_module: bool) -> bool:
    """GIL-free: the extension module's `gil_used` (or PyO3's default for its version); without
    the module maturin imports, whether any `#[pymodule]` is declared GIL-free."""
    if gil_used is not None:
        return not gil_used[0]
    return any_gil_free_module


def has_free_threading_classifier(pyproject: Mapping[str, Any]) -> bool:
    project = pyproject.get("project")
    classifiers = project.get("classifiers", []) if isinstance(project, dict) else []
    return any(str(c).startswith(FREE_THREADING_CLASSIFIER) for c in classifiers or [])


# --- the resolved project ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TestSetup:
    """Where the project's tests are and what they need installed."""

    folder: str | None  # relative to the project, e.g. "tests"; None: no test folder found
    group: str | None = None  # a [dependency-groups] entry
    extra: str | None = None  # a [project.optional-dependencies] entry
    requirements: str | None = None  # a requirements file
    # Packages named nowhere but needed (pytest itself when nothing else is known).
    requires: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.group or self.extra or self.requirements)


@dataclass(frozen=True, kw_only=True)
class Project:
    """Everything the verbs know about a project, resolved once (see the module docstring)."""

    root: Path
    dist_name: str
    metadata_in_cargo: bool
    module_name: str  # dotted import path of the extension ("pkg._core")
    import_name: str  # the top-level package ("pkg")
    crate_name: str
    layout: Layout
    python_source: str  # relative; "." when unset
    manifest_path: str  # relative to root, e.g. "Cargo.toml" or "crates/x/Cargo.toml"
    abi3: tuple[int, int] | None
    requires_python: str
    min_python: tuple[int, int] | None  # from requires-python, else the abi3 floor
    free_threaded: bool
    free_threading_classifier: bool
    pyo3_version: tuple[int, int] | None
    stub: str | None  # relative path of the extension's stub, if any
    tests: TestSetup
    lint_tools: frozenset[str]  # among ruff, black, flake8, mypy, clippy, rustfmt, pre-commit
    clippy_denies_warnings: bool
    workflows: tuple[str, ...]  # file names under .github/workflows
    raw: Pyo3Project  # the parsed files, for the checks

    @property
    def extension_name(self) -> str:
        return self.module_name.rsplit(".", 1)[-1]

    @property
    def crate_dir(self) -> str:
        return self.manifest_path.rpartition("/")[0] or "."


def read(root: Path, *, repository: Path | None = None) -> Project:
    """Read the project in `root` (workflows from `repository`, default `root`).

    Raises `InvalidInputError` (exit 2) when it is not a maturin/PyO3 project.
    """
    from scaffold.checks import project as checks_project  # noqa: PLC0415

    root = root.absolute()
    # safe_io: a FIFO, folder or symlink loop named pyproject.toml is exit 6, not "missing".
    if not safe_io.is_file(root, root / "pyproject.toml"):
        raise InvalidInputError(f"{root} has no pyproject.toml: not a maturin project")
    try:
        raw = checks_project.load(repository or root, root)
    except tomllib.TOMLDecodeError as error:
        raise UnreadableProjectError(f"a TOML file in {root} is not valid TOML: {error}") from error
    except (OSError, ValueError) as error:
        raise UnreadableProjectError(f"cannot read the project in {root}: {error}") from error
    if raw is not None:
        check_shapes(raw)
    if raw is None:
        manifest = checks_project.manifest_path(checks_project.read_toml(root / "pyproject.toml"))
        if not (root / manifest).is_file():
            raise InvalidInputError(f"{root / manifest} is missing: not a maturin/PyO3 project")
        raise InvalidInputError(f"{root / manifest} has no pyo3 dependency")
    return from_raw(raw, root)


# The tables the verbs look into: a value of another type there (`tool = "x"`,
# `[[tool.cibuildwheel]]`) is an unreadable project (exit 6, one line), not a silent default.
_PYPROJECT_TABLES = (
    ("project",), ("build-system",), ("tool",), ("tool", "maturin"), ("tool", "cibuildwheel"),
    ("dependency-groups",), ("project", "optional-dependencies"),
)  # fmt: skip
_CARGO_TABLES = (("package",), ("lib",), ("dependencies",), ("workspace",), ("target",))


def check_shapes(raw: Pyo3Project) -> None:
    """Refuse (exit 6) a table the verbs read that holds another type."""
    pyproject = safe_io.Document("pyproject.toml", raw.pyproject)
    for keys in _PYPROJECT_TABLES:
        pyproject.table(*keys)
    cargo = safe_io.Document(raw.manifest, raw.cargo)
    for keys in _CARGO_TABLES:
        cargo.table(*keys)


def from_raw(raw: Pyo3Project, root: Path) -> Project:
    dist = dist_name(raw.pyproject, raw.cargo)
    if dist is None:
        raise InvalidInputError(
            f"{root / 'pyproject.toml'} has no [project] name and {raw.manifest} no [package] name"
        )
    module = raw.module_name
    top = module.split(".")[0]
    if not _IDENT.match(top.replace("-", "_")):
        raise InvalidInputError(
            f"cannot use the import name {top!r} (from module-name or [lib] name): "
            "it must be a lowercase Python identifier"
        )
    requires = str(raw.project_table.get("requires-python", "") or "")
    abi3 = abi3_floor(raw.pyo3_features)
    stub = raw.stub()
    source = raw.maturin.get("python-source")
    return Project(
        root=root,
        dist_name=dist,
        metadata_in_cargo=metadata_in_cargo(raw.pyproject),
        module_name=module,
        import_name=top,
        crate_name=lib_name(raw.cargo),
        layout="mixed" if raw.is_mixed else "rust",
        python_source=str(source).strip("/") if isinstance(source, str) and source else ".",
        manifest_path=raw.manifest,
        abi3=abi3,
        requires_python=requires,
        min_python=lowest_python(requires) or abi3,
        free_threaded=raw.free_threaded(),
        free_threading_classifier=has_free_threading_classifier(raw.pyproject),
        pyo3_version=raw.pyo3_version,
        stub=_relative(stub, root),
        tests=test_setup(root, raw.pyproject, raw.python_source),
        lint_tools=lint_tools(root, raw.pyproject),
        clippy_denies_warnings=_clippy_denies_warnings(root, raw.workflows),
        workflows=tuple(raw.workflows) + tuple(raw.workflow_errors),
        raw=raw,
    )


def _relative(file: object, root: Path) -> str | None:
    if file is None:
        return None
    if isinstance(file, Path):
        try:
            return file.relative_to(root).as_posix()
        except ValueError:
            return str(file)
    return str(getattr(file, "name", file))


def test_setup(root: Path, pyproject: Mapping[str, Any], python_source: object) -> TestSetup:
    """The test folder and how its dependencies are declared, most explicit first."""
    folders = list(_TEST_DIRS)
    if isinstance(python_source, Path):
        try:
            rel = python_source.relative_to(root).as_posix()
        except ValueError:
            rel = ""
        if rel and rel != ".":
            folders.insert(1, f"{rel}/tests")
    folder = next((d for d in folders if (root / d).is_dir()), None)
    groups = pyproject.get("dependency-groups", {})
    groups = groups if isinstance(groups, dict) else {}
    project = pyproject.get("project", {})
    extras = project.get("optional-dependencies", {}) if isinstance(project, dict) else {}
    extras = extras if isinstance(extras, dict) else {}
    group = next((g for g in ("test", "tests", "testing", "dev") if g in groups), None)
    extra = next((e for e in ("test", "tests", "testing", "dev") if e in extras), None)
    requirements = next(
        (
            r
            for r in (
                "requirements-test.txt",
                "requirements/test.txt",
                "tests/requirements.txt",
                "test-requirements.txt",
                "requirements-dev.txt",
                "requirements/dev.txt",
            )
            if (root / r).is_file()
        ),
        None,
    )
    if group:
        return TestSetup(folder=folder, group=group)
    if extra:
        return TestSetup(folder=folder, extra=extra)
    if requirements:
        return TestSetup(folder=folder, requirements=requirements)
    return TestSetup(folder=folder, requires=("pytest",))


def lint_tools(root: Path, pyproject: Mapping[str, Any]) -> frozenset[str]:
    """The linters the project already configures (a `[tool.X]` table, a config file, or a
    pre-commit hook): `ci` runs those and imposes no other."""
    tool = pyproject.get("tool", {})
    tool = tool if isinstance(tool, dict) else {}
    found = {name for name in ("ruff", "black", "mypy", "flake8") if name in tool}
    configs = {
        "ruff": ("ruff.toml", ".ruff.toml"),
        "flake8": (".flake8",),
        "mypy": ("mypy.ini", ".mypy.ini"),
        "rustfmt": ("rustfmt.toml", ".rustfmt.toml"),
        "clippy": ("clippy.toml", ".clippy.toml"),
        "pre-commit": (".pre-commit-config.yaml",),
    }
    found |= {name for name, files in configs.items() if any((root / f).is_file() for f in files)}
    hooks = root / ".pre-commit-config.yaml"
    text = _small_text(hooks)
    for name in ("ruff", "black", "mypy", "flake8", "clippy", "rustfmt"):
        if re.search(rf"\b{name}\b", text):
            found.add(name)
    for workflow in _workflow_texts(root):
        for name in ("ruff", "clippy", "rustfmt", "mypy", "black", "flake8"):
            if re.search(rf"\b(cargo {name}|{name} check|{name} format|{name}\b)", workflow):
                found.add("rustfmt" if name == "rustfmt" else name)
        if re.search(r"cargo fmt\b", workflow):
            found.add("rustfmt")
    return frozenset(found)


def _clippy_denies_warnings(root: Path, workflows: Mapping[str, Any]) -> bool:
    del workflows  # the texts are searched: a `run:` is a shell script
    return any(
        re.search(r"clippy[^\n]*(-D warnings|--deny warnings|-Dwarnings)", text)
        for text in _workflow_texts(root)
    ) or "-D warnings" in _small_text(root / "noxfile.py")


def _workflow_texts(root: Path) -> list[str]:
    folder = root / ".github" / "workflows"
    if not folder.is_dir():
        return []
    return [_small_text(p) for p in sorted(folder.iterdir()) if p.suffix in {".yml", ".yaml"}]


def _small_text(path: Path) -> str:
    """A config file's text, or "" when absent; these are looked at, never trusted whole."""
    if not safe_io.is_file(path.parent, path):
        return ""
    return safe_io.read_text(path.parent, path, limit=_MAX_CONFIG_BYTES)
