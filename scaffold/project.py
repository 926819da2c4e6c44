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
    """Where the project's tests are, how pytest runs them and what they need installed."""

    folder: str | None  # relative to the project, e.g. "tests"; None: no test folder found
    # What pytest is given: the project's own `testpaths` that exist, else the folder.
    paths: tuple[str, ...] = ()
    group: str | None = None  # a [dependency-groups] entry
    extra: str | None = None  # a [project.optional-dependencies] entry
    # The file the requirements below were read from (a requirements file, tox.ini).
    requirements: str | None = None
    # Requirements installed by name: a requirements file's, and pytest where none names it.
    requires: tuple[str, ...] = ()
    # Third-party modules the tests import unconditionally, and those no declared test
    # dependency names (a group/extra/file that misses one is not used unless it is test-named).
    imports: tuple[str, ...] = ()
    unmet: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.group or self.extra or self.requirements)

    @property
    def runnable(self) -> bool:
        """The wheels can be tested: a folder, and every import of the tests installable."""
        return bool(self.folder) and (self.known or not self.unmet)

    @property
    def source(self) -> str:
        if self.group:
            return f"dependency group {self.group!r}"
        if self.extra:
            return f"extra {self.extra!r}"
        return self.requirements or "pytest alone"


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
    # Among ruff, black, flake8, mypy, clippy, rustfmt, cargo-test, pre-commit.
    lint_tools: frozenset[str]
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
        tests=tests_of(
            root,
            raw.pyproject,
            raw.python_source,
            dist=dist,
            crate_dir=raw.manifest.rpartition("/")[0] or ".",
            own={top, module.rsplit(".", 1)[-1], lib_name(raw.cargo)},
        ),
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


# Where test dependencies are declared, most explicit first. A test-named source is trusted
# as the project's word; a dev-named one is used only when it names every module the tests
# import (a `dev` group is often tooling: cramjam's names ipython and pyright, not pytest).
_TEST_NAMES = ("test", "tests", "testing")
_TEST_REQUIREMENTS = (
    "requirements-test.txt", "requirements-tests.txt", "requirements/test.txt",
    "requirements/tests.txt", "tests/requirements.txt", "test-requirements.txt",
)  # fmt: skip
_DEV_REQUIREMENTS = ("requirements-dev.txt", "requirements/dev.txt", "dev-requirements.txt")
# Import names that are not their distribution's name (the common cases).
_IMPORT_DISTS = {
    "yaml": "pyyaml", "pil": "pillow", "dateutil": "python-dateutil", "attr": "attrs",
    "sklearn": "scikit-learn", "bs4": "beautifulsoup4", "jwt": "pyjwt", "_pytest": "pytest",
    "google": "protobuf", "cv2": "opencv-python", "skimage": "scikit-image",
}  # fmt: skip
_MAX_TEST_FILES = 500
_MAX_INCLUDES = 5


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def tests_of(
    root: Path,
    pyproject: Mapping[str, Any],
    python_source: object,
    *,
    dist: str,
    crate_dir: str,
    own: Iterable[str],
) -> TestSetup:
    """The test folder, what pytest runs and where the tests' dependencies are declared.

    `own` names the project's importable modules (the package, the extension): not to install.
    """
    folders = list(_TEST_DIRS)
    if isinstance(python_source, Path):
        try:
            rel = python_source.relative_to(root).as_posix()
        except ValueError:
            rel = ""
        if rel and rel != ".":
            folders.insert(1, f"{rel}/tests")
    if crate_dir != ".":
        folders.append(f"{crate_dir}/tests")  # beside the Cargo.toml manifest-path names
    folder = next((d for d in folders if _has_python(root / d)), None)
    paths = _testpaths(root, pyproject) or ((folder,) if folder else ())
    local = {_normal(n) for n in (*own, dist)} | (
        _local_modules(root / folder) if folder else set()
    )
    found = _test_imports(root, folder) if folder else set()
    imports = tuple(sorted(m for m in found if _normal(m) not in local))
    needed = {_dist_of(i) for i in imports}
    for candidate in _declared_tests(root, pyproject, dist):
        names = {n for r in candidate.requirements if (n := _requirement_name(r))}
        if not (candidate.trusted or needed <= names):
            continue
        requires = candidate.requires
        if "pytest" not in names:
            requires += ("pytest",)  # the test command is pytest
        return TestSetup(
            folder=folder,
            paths=paths,
            group=candidate.group,
            extra=candidate.extra,
            requirements=candidate.file,
            requires=requires,
            imports=imports,
            unmet=tuple(i for i in imports if _dist_of(i) not in names),
        )
    # Nothing declared (or nothing that names what the tests import): pytest alone, and the
    # imports it cannot satisfy (the wheels are then not tested, see `runnable`).
    unmet = tuple(i for i in imports if _dist_of(i) != "pytest")
    return TestSetup(folder=folder, paths=paths, requires=("pytest",), imports=imports, unmet=unmet)


@dataclass(frozen=True, kw_only=True)
class _Declared:
    """One place test dependencies are declared."""

    trusted: bool  # test-named: used even when it misses an import
    requirements: tuple[str, ...]
    group: str | None = None
    extra: str | None = None
    file: str | None = None
    requires: tuple[str, ...] = ()  # for a file: what is installed by name


def _declared_tests(root: Path, pyproject: Mapping[str, Any], dist: str) -> list[_Declared]:
    groups = pyproject.get("dependency-groups", {})
    groups = groups if isinstance(groups, dict) else {}
    project = pyproject.get("project", {})
    extras = project.get("optional-dependencies", {}) if isinstance(project, dict) else {}
    extras = extras if isinstance(extras, dict) else {}
    found: list[_Declared] = []
    own = _normal(dist)
    kinds = ((True, _TEST_NAMES, _TEST_REQUIREMENTS), (False, ("dev",), _DEV_REQUIREMENTS))
    for trusted, names, files in kinds:
        found += [
            _Declared(trusted=trusted, group=n, requirements=tuple(_group(groups, n, set())))
            for n in names
            if n in groups
        ]
        found += [
            _Declared(trusted=trusted, extra=n, requirements=tuple(_extra(extras, n, dist)))
            for n in names
            if isinstance(extras.get(n), list)
        ]
        listed = [(f, _requirements_file(root, root / f, 0)) for f in files]
        if trusted and (tox := _tox_deps(root)) is not None:
            listed.append(("tox.ini [testenv] deps", tox))
        for file, requirements in listed:
            if requirements is None:
                continue
            kept = tuple(r for r in requirements if _requirement_name(r) not in {own, None})
            found.append(_Declared(trusted=trusted, file=file, requirements=kept, requires=kept))
    return found


def _dist_of(module: str) -> str:
    return _normal(_IMPORT_DISTS.get(module.lower(), module))


def _has_python(folder: Path) -> bool:
    """A tests folder counts when it holds Python tests (Rust's tests/*.rs do not)."""
    return folder.is_dir() and any(
        p.suffix == ".py"
        for _, p in zip(range(_MAX_TEST_FILES), folder.rglob("*.py"), strict=False)
    )


def _testpaths(root: Path, pyproject: Mapping[str, Any]) -> tuple[str, ...]:
    """pytest's own `testpaths` (pyproject.toml, else pytest.ini), those that exist."""
    tool = pyproject.get("tool", {})
    options = tool.get("pytest", {}) if isinstance(tool, dict) else {}
    options = options.get("ini_options", {}) if isinstance(options, dict) else {}
    value: object = options.get("testpaths") if isinstance(options, dict) else None
    if value is None:
        import configparser  # noqa: PLC0415

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(_small_text(root / "pytest.ini"))
        except configparser.Error:
            return ()
        value = parser.get("pytest", "testpaths", fallback="").split()
    values = value.split() if isinstance(value, str) else value
    if not isinstance(values, list):
        return ()
    found = [str(v).strip("/") for v in values if isinstance(v, str)]
    return tuple(v for v in found if v and ".." not in v and (root / v).exists())


def _local_modules(folder: Path) -> set[str]:
    """Modules the tests import from their own folder (helpers, conftest, packages)."""
    found: set[str] = set()
    for _, path in zip(range(_MAX_TEST_FILES), folder.rglob("*"), strict=False):
        if path.suffix == ".py":
            found.add(_normal(path.stem))
        elif path.is_dir():
            found.add(_normal(path.name))
    return found


def _test_imports(root: Path, folder: str) -> set[str]:
    """Top-level modules the test files import at module level, outside `if`/`try` (an import
    guarded by those is optional), without the standard library and relative imports."""
    import ast  # noqa: PLC0415
    import sys  # noqa: PLC0415

    found: set[str] = set()
    files = (root / folder).rglob("*.py")
    for _, path in zip(range(_MAX_TEST_FILES), files, strict=False):
        try:
            tree = ast.parse(_small_text(path))
        except (SyntaxError, ValueError, UnreadableProjectError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "__future__"}


def _requirement_name(text: str) -> str | None:
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415

    try:
        return _normal(Requirement(text).name)
    except InvalidRequirement:
        return None


def _group(groups: Mapping[str, Any], name: str, seen: set[str]) -> list[str]:
    """A dependency group's requirements, with `{include-group = ...}` followed."""
    seen.add(name)
    found: list[str] = []
    entries = groups.get(name)
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            found.append(entry)
        elif isinstance(entry, dict) and isinstance(inner := entry.get("include-group"), str):
            found += [] if inner in seen else _group(groups, inner, seen)
    return found


def _extra(extras: Mapping[str, Any], name: str, dist: str) -> list[str]:
    """An extra's requirements, with `dist[other]` (the project's other extras) followed."""
    found: list[str] = []
    for entry in extras.get(name, []):
        if not isinstance(entry, str):
            continue
        own = re.fullmatch(rf"\s*{re.escape(dist)}\s*\[([^\]]+)\]\s*", entry, re.IGNORECASE)
        if dist and own:
            for other in own.group(1).split(","):
                if other.strip() != name and isinstance(extras.get(other.strip()), list):
                    found += [e for e in extras[other.strip()] if isinstance(e, str)]
        else:
            found.append(entry)
    return found


def _requirements_file(root: Path, path: Path, depth: int) -> list[str] | None:
    """The requirements a pip requirements file names (None: no such file), read as data:
    options, editable and local paths are left out, `-r other.txt` inside the project is
    followed (a few levels)."""
    if not safe_io.is_file(root, path):
        return None
    found: list[str] = []
    try:
        text = safe_io.read_text(root, path, limit=_MAX_CONFIG_BYTES)
    except UnreadableProjectError:
        return found
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        include = re.fullmatch(r"(-r|--requirement)\s*=?\s*(\S+)", line)
        if include and depth < _MAX_INCLUDES:
            inner = (path.parent / include.group(2)).resolve()
            if inner.is_relative_to(root.resolve()) and safe_io.is_file(root, inner):
                found += _requirements_file(root, inner, depth + 1) or []
            continue
        if line.startswith("-") or _requirement_name(line) is None:
            continue  # pip options (-e ., --index-url) and paths are not requirements
        found.append(line)
    return found


def _tox_deps(root: Path) -> list[str] | None:
    """tox.ini's `[testenv] deps` (what the project's own test runs install), else None."""
    import configparser  # noqa: PLC0415

    text = _small_text(root / "tox.ini")
    if not text:
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    if not parser.has_option("testenv", "deps"):
        return None
    found: list[str] = []
    for raw in parser.get("testenv", "deps").splitlines():
        line = raw.split(" #", 1)[0].strip()
        include = re.fullmatch(r"-r\s*(\S+)", line)
        if include:
            inner = (root / include.group(1)).resolve()
            if inner.is_relative_to(root.resolve()) and safe_io.is_file(root, inner):
                found += _requirements_file(root, inner, 1) or []
        elif line and "{" not in line and _requirement_name(line) is not None:
            found.append(line)
    return found


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
    if _RUST_HOOKS in text and re.search(r"id:\s*['\"]?fmt\b", text):
        found.add("rustfmt")  # doublify/pre-commit-rust's `fmt` hook runs cargo fmt
    for script in _ci_texts(root):
        for name in ("ruff", "clippy", "rustfmt", "mypy", "black", "flake8"):
            if re.search(rf"\b(cargo {name}|{name} check|{name} format|{name}\b)", script):
                found.add(name)
        if re.search(r"\bcargo[\s\"',]+fmt\b", script):
            found.add("rustfmt")
        if re.search(r"\bcargo[\s\"',]+(\+\S+\s+)?(test|nextest)\b", script):
            found.add("cargo-test")
    return frozenset(found)


# doublify/pre-commit-rust, whose `clippy` hook runs `cargo clippy -- -D warnings` unless the
# hook's own `args:` say otherwise (its .pre-commit-hooks.yaml, v1.0).
_RUST_HOOKS = "doublify/pre-commit-rust"


def _clippy_denies_warnings(root: Path, workflows: Mapping[str, Any]) -> bool:
    del workflows  # the texts are searched: a `run:` is a shell script
    hooks = _small_text(root / ".pre-commit-config.yaml")
    if _RUST_HOOKS in hooks and re.search(r"id:\s*['\"]?clippy['\"]?\s*\n(?!\s+args:)", hooks):
        return True
    return any(
        re.search(
            r"clippy[^\n]*(-D warnings|--deny warnings|-Dwarnings|\"-D\", \"warnings\")", text
        )
        for text in _ci_texts(root)
    )


# Task runners whose commands are the project's CI as much as its workflows are.
_TASK_FILES = (
    "noxfile.py", "tox.ini", "Makefile", "justfile", ".justfile", ".pre-commit-config.yaml",
)  # fmt: skip


def _ci_texts(root: Path) -> list[str]:
    """What the project's CI runs: its workflows' and task runners' commands, without their
    comments (ours says the runners "come with clippy and rustfmt") and, in a noxfile, only
    the arguments of the commands it runs (a docstring or `session.skip` reason runs nothing;
    the noxfile `ci` wrote names every tool in its messages)."""
    texts = [_uncommented(t) for t in _workflow_texts(root)]
    for name in _TASK_FILES:
        text = _small_text(root / name)
        texts.append(_commands(text) if name.endswith(".py") else _uncommented(text))
    return [t for t in texts if t]


def _uncommented(text: str) -> str:
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


# The calls of a noxfile that run a command (nox's and subprocess's).
_RUNNERS = {"run", "run_always", "run_install", "install", "call", "check_call", "check_output"}


def _commands(source: str) -> str:
    """The command lines a Python task file runs, one a line (its string arguments joined)."""
    import ast  # noqa: PLC0415

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in _RUNNERS:
            words = [a.value for a in node.args if isinstance(a, ast.Constant)]
            lines.append(" ".join(str(w) for w in words))
    return "\n".join(lines)


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
