"""Everything the checks look at, read once: the `pyo3_project` fixture.

Files are read through `Traversable` (a `pathlib.Path` is one), so the same loader serves
`pyo3-scaffold doctor` and repo-review, which may hand in a remote tree. Nothing is written.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold import project as reader
from scaffold import safe_io
from scaffold.checks import pipeline as pipeline_module
from scaffold.checks import rust
from scaffold.errors import UnreadableProjectError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

PYO3_GIL_FREE_DEFAULT = reader.PYO3_GIL_FREE_DEFAULT


@dataclass(frozen=True, kw_only=True)
class Pyo3Project:
    """A PyO3 project as files and parsed data; `root` is the repository, `package` the project."""

    root: Traversable
    package: Traversable
    pyproject: dict[str, Any]
    cargo: dict[str, Any]
    manifest: str  # Cargo.toml's path relative to `package`, e.g. "Cargo.toml" or "rust/Cargo.toml"
    rust_files: dict[str, str]  # "src/lib.rs" -> source
    workflows: dict[str, Any]  # "wheels.yml" -> parsed YAML
    workflow_errors: dict[str, str] = field(default_factory=dict)
    # The Cargo workspace the crate belongs to, when it is another manifest (a root
    # Cargo.toml with [workspace] above the crate): its folder and parsed manifest.
    workspace_dir: Traversable | None = None
    workspace_cargo: dict[str, Any] | None = None

    # --- names -------------------------------------------------------------------------
    @property
    def maturin(self) -> dict[str, Any]:
        tool = self.pyproject.get("tool", {})
        value = tool.get("maturin", {}) if isinstance(tool, dict) else {}
        return value if isinstance(value, dict) else {}

    @property
    def cibuildwheel(self) -> dict[str, Any]:
        tool = self.pyproject.get("tool", {})
        value = tool.get("cibuildwheel", {}) if isinstance(tool, dict) else {}
        return value if isinstance(value, dict) else {}

    @property
    def project_table(self) -> dict[str, Any]:
        value = self.pyproject.get("project", {})
        return value if isinstance(value, dict) else {}

    @property
    def lib_name(self) -> str:
        return reader.lib_name(self.cargo)

    @property
    def module_name(self) -> str:
        """The full dotted import path of the extension, as maturin places it."""
        return reader.module_name(self.maturin, self.cargo)

    @property
    def extension_name(self) -> str:
        """What `#[pymodule]` must be called: the last part of the import path."""
        return self.module_name.rsplit(".", 1)[-1]

    @property
    def python_source(self) -> Traversable:
        source = self.maturin.get("python-source")
        return self.package.joinpath(*str(source).split("/")) if source else self.package

    @property
    def is_mixed(self) -> bool:
        """maturin's rule: a package named like the top-level module is in python-source."""
        top = self.module_name.split(".")[0]
        return self.python_source.joinpath(top).is_dir()

    @property
    def crate_dir(self) -> str:
        return self.manifest.rpartition("/")[0]

    def crate_file(self, name: str) -> Traversable:
        parts = [p for p in self.crate_dir.split("/") if p]
        return self.package.joinpath(*parts, name)

    # --- Rust ----------------------------------------------------------------------------
    @property
    def root_cargo(self) -> dict[str, Any]:
        """The workspace root's manifest (the crate's own when it is not in a workspace)."""
        return self.workspace_cargo if self.workspace_cargo is not None else self.cargo

    @property
    def root_manifest(self) -> str:
        """How messages name the root manifest."""
        if self.workspace_dir is None:
            return self.manifest
        return _shown_path(self.workspace_dir.joinpath("Cargo.toml"), self.package)

    def lock_file(self) -> Traversable:
        """Cargo.lock sits next to the workspace root's manifest."""
        if self.workspace_dir is not None:
            return self.workspace_dir.joinpath("Cargo.lock")
        return self.crate_file("Cargo.lock")

    @property
    def pyo3_dependency(self) -> dict[str, Any] | None:
        """pyo3's spec; `pyo3 = { workspace = true }` is completed from the workspace root."""
        inherited = _workspace_pyo3(self.root_cargo)
        for table in _dependency_tables(self.cargo):
            spec = table.get("pyo3")
            if isinstance(spec, str):
                return {"version": spec}
            if isinstance(spec, dict):
                if spec.get("workspace") is True and inherited is not None:
                    features = [*inherited.get("features", []), *spec.get("features", [])]
                    return {**inherited, **spec, "features": features}
                return spec
        return None

    @property
    def pyo3_features(self) -> set[str]:
        features: set[str] = set()
        spec = self.pyo3_dependency or {}
        features.update(str(f) for f in spec.get("features", []) if isinstance(f, str))
        for feature in self.maturin.get("features", []) or []:
            if isinstance(feature, str) and feature.startswith("pyo3/"):
                features.add(feature.removeprefix("pyo3/"))
        return features

    @property
    def pyo3_version(self) -> tuple[int, int] | None:
        spec = self.pyo3_dependency or {}
        found = re.search(r"(\d+)\.(\d+)", str(spec.get("version", "")))
        return (int(found.group(1)), int(found.group(2))) if found else None

    @cached_property
    def modules(self) -> list[rust.PyModule]:
        return rust.find_modules(self.rust_files)

    def extension_module(self) -> rust.PyModule | None:
        return next((m for m in self.modules if m.name == self.extension_name), None)

    def gil_used(self) -> tuple[bool, bool] | None:
        """(uses the GIL, declared in the source) for the extension module; None without one.

        Undeclared, PyO3's default applies: GIL-free from 0.28 on, GIL before (an unknown
        version counts as current). `pyo3-scaffold ci` reads the same answer.
        """
        module = self.extension_module()
        if module is None:
            return None
        if module.gil_used is not None:
            return module.gil_used, True
        version = self.pyo3_version
        return version is not None and version < PYO3_GIL_FREE_DEFAULT, False

    def free_threaded(self) -> bool:
        """The one definition (`scaffold.project.is_free_threaded`)."""
        return reader.is_free_threaded(
            self.gil_used(), any_gil_free_module=any(m.gil_used is False for m in self.modules)
        )

    # --- Python --------------------------------------------------------------------------
    def stub_candidates(self) -> list[Traversable]:
        """Where maturin picks up the extension's type stubs, most specific first."""
        parts = self.module_name.split(".")
        if not self.is_mixed:
            # maturin takes `<module>.pyi` from the project folder, or from beside the
            # Cargo.toml that manifest-path names (a workspace member's folder).
            beside_pyproject = self.package.joinpath(f"{parts[-1]}.pyi")
            if not self.crate_dir:
                return [beside_pyproject]
            return [beside_pyproject, self.crate_file(f"{parts[-1]}.pyi")]
        source = self.python_source
        if len(parts) == 1:
            # A mixed project whose module-name has no dot (maturin new --mixed): the extension
            # is pkg/pkg.*.so and the package's __init__.pyi may type what it re-exports.
            return [
                source.joinpath(parts[0], f"{parts[0]}.pyi"),
                source.joinpath(parts[0], "__init__.pyi"),
            ]
        return [source.joinpath(*parts[:-1], f"{parts[-1]}.pyi")]

    def stub(self) -> Traversable | None:
        return next((c for c in self.stub_candidates() if c.is_file()), None)

    def py_typed(self) -> Traversable:
        return self.python_source.joinpath(self.module_name.split(".")[0], "py.typed")

    def package_init(self) -> Traversable | None:
        if not self.is_mixed:
            return None
        init = self.python_source.joinpath(self.module_name.split(".")[0], "__init__.py")
        return init if init.is_file() else None

    def python_defined_names(self) -> set[str]:
        """Top-level functions and classes the Python package defines in its own modules."""
        init = self.package_init()
        if init is None:
            return set()
        names: set[str] = set()
        folder = init.parent if isinstance(init, Path) else None
        files = sorted(folder.glob("*.py")) if folder is not None else [init]
        for file in files[:200]:
            try:
                tree = ast.parse(file.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, OSError):
                continue
            names.update(
                node.name
                for node in tree.body
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            )
        return names

    def pipeline(self) -> pipeline_module.Pipeline:
        """What the workflows build and how they publish (`scaffold.checks.pipeline`)."""
        return _pipeline(self)

    @property
    def root_path(self) -> Path | None:
        """The repository on disk, when it is on disk (git checks need it)."""
        return self.root if isinstance(self.root, Path) else None


def stub_names(source: str) -> tuple[set[str], set[str], set[str]]:
    """(functions, classes, other names) defined at the top level of a `.pyi` file."""
    tree = ast.parse(source)
    functions: set[str] = set()
    classes: set[str] = set()
    other: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.add(node.name)
        elif isinstance(node, ast.ClassDef):
            classes.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            other.add(node.target.id)
        elif isinstance(node, ast.Assign):
            other.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            other.update((a.asname or a.name).split(".")[0] for a in node.names)
    return functions, classes, other


def type_check_only_names(source: str) -> set[str]:
    """Top-level classes/functions decorated `@type_check_only` (typing or typing_extensions):
    they exist for type checkers only, never at run time."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                name = (
                    decorator.attr
                    if isinstance(decorator, ast.Attribute)
                    else getattr(decorator, "id", "")
                )
                if name == "type_check_only":
                    found.add(node.name)
    return found


# The last project's pipeline, with the project itself: an id alone could be reused by the
# next project once this one is freed, and hand it another project's workflows.
_PIPELINES: dict[int, tuple[Pyo3Project, pipeline_module.Pipeline]] = {}


def _pipeline(project: Pyo3Project) -> pipeline_module.Pipeline:
    key = id(project)
    cached = _PIPELINES.get(key)
    if cached is not None and cached[0] is project:
        return cached[1]
    read = read_pipeline(project)
    _PIPELINES.clear()  # one project at a time: no growth across runs
    _PIPELINES[key] = (project, read)
    return read


def read_pipeline(project: Pyo3Project) -> pipeline_module.Pipeline:
    """What `project.workflows` build and publish, read afresh (`Pyo3Project.pipeline` caches
    it; `scaffold.checks.history` reads the last commit's workflows with this too)."""
    lowest = reader.lowest_python(str(project.project_table.get("requires-python", "") or ""))
    return pipeline_module.read(
        project.workflows,
        abi3=reader.abi3_floor(project.pyo3_features) is not None,
        cibuildwheel=project.cibuildwheel,
        python_minors=range(lowest[1] if lowest else 9, 16),
    )


def _workspace_pyo3(cargo: dict[str, Any]) -> dict[str, Any] | None:
    workspace = cargo.get("workspace", {})
    deps = workspace.get("dependencies", {}) if isinstance(workspace, dict) else {}
    spec = deps.get("pyo3") if isinstance(deps, dict) else None
    if isinstance(spec, str):
        return {"version": spec}
    return spec if isinstance(spec, dict) else None


def _shown_path(file: Traversable, base: Traversable) -> str:
    if isinstance(file, Path) and isinstance(base, Path):
        return Path(os.path.relpath(file, base)).as_posix()
    return str(file)


def _find_workspace(
    package: Traversable, crate_parts: list[str], cargo: dict[str, Any]
) -> tuple[Traversable | None, dict[str, Any] | None]:
    """The workspace root above the crate, as cargo finds it: the nearest Cargo.toml with
    [workspace] among the crate's parent folders (None when the crate is its own root)."""
    if "workspace" in cargo:
        return None, None
    folders = [package.joinpath(*crate_parts[:n]) for n in range(len(crate_parts) - 1, -1, -1)]
    if isinstance(package, Path):
        folders += list(package.resolve().parents)
    for folder in folders:
        manifest = folder.joinpath("Cargo.toml")
        try:
            parsed = _read_toml(manifest)
        except (OSError, ValueError):
            continue  # an unreadable manifest elsewhere is not this project's
        if parsed is not None and "workspace" in parsed:
            return folder, parsed
    return None, None


def _dependency_tables(cargo: dict[str, Any]) -> list[dict[str, Any]]:
    tables = [cargo.get("dependencies", {})]
    targets = cargo.get("target", {})
    if isinstance(targets, dict):
        tables += [t.get("dependencies", {}) for t in targets.values() if isinstance(t, dict)]
    return [t for t in tables if isinstance(t, dict)]


def _read_toml(file: Traversable) -> dict[str, Any] | None:
    """Parsed TOML, None when absent; a file on disk is read through `safe_io` (bounded, regular
    files only: exit 6 otherwise), a remote tree (repo-review) as it comes."""
    if isinstance(file, Path):
        if not safe_io.is_file(file.parent, file):
            return None
        data = safe_io.read_toml(file.parent, file).data
        return data if isinstance(data, dict) else None
    if not file.is_file():
        return None
    with file.open("rb") as handle:
        return tomllib.load(handle)


def _rust_sources(folder: Traversable, prefix: str, root: Traversable) -> dict[str, str]:
    if isinstance(folder, Path) and isinstance(root, Path):
        return {
            f"{prefix}/{path.relative_to(folder).as_posix()}": safe_io.read_text(root, path)
            for path in safe_io.walk_files(root, folder, ".rs")
        }
    sources: dict[str, str] = {}
    if not folder.is_dir():
        return sources
    for entry in folder.iterdir():
        name = f"{prefix}/{entry.name}"
        if entry.is_dir():
            sources.update(_rust_sources(entry, name, root))
        elif entry.name.endswith(".rs"):
            sources[name] = entry.read_bytes().decode("utf-8", errors="replace")
    return sources


def _workflows(root: Traversable) -> tuple[dict[str, Any], dict[str, str]]:
    folder = root.joinpath(".github", "workflows")
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if not folder.is_dir():
        return parsed, errors
    # PyYAML is imported here only: projects without workflows never pay for it.
    import yaml  # noqa: PLC0415

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".yml", ".yaml")):
            continue
        if isinstance(entry, Path) and isinstance(root, Path):
            # Hostile files (a FIFO, 10 GiB, not UTF-8) stop the verb (exit 6); a workflow
            # that is merely invalid YAML is a finding of its own (PS011/PS012).
            text = safe_io.read_text(root, entry)
            try:
                parsed[entry.name] = safe_io.parse_yaml(root, entry, text).data
            except UnreadableProjectError as error:
                if "invalid YAML" not in str(error):
                    raise
                errors[entry.name] = str(error).split("invalid YAML (", 1)[-1].rstrip(")")
            continue
        try:
            parsed[entry.name] = yaml.load(entry.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
        except yaml.YAMLError as error:
            errors[entry.name] = str(error).splitlines()[0]
    return parsed, errors


def manifest_path(pyproject: dict[str, Any] | None) -> str:
    """`[tool.maturin] manifest-path` relative to the project folder (default Cargo.toml)."""
    tool = (pyproject or {}).get("tool", {})
    maturin = tool.get("maturin", {}) if isinstance(tool, dict) else {}
    manifest = str(maturin.get("manifest-path", "Cargo.toml")) if isinstance(maturin, dict) else ""
    return manifest.removeprefix("./") or "Cargo.toml"


def read_toml(file: Traversable) -> dict[str, Any] | None:
    """A TOML file parsed, None when absent (ValueError when malformed)."""
    return _read_toml(file)


def load(
    root: Traversable, package: Traversable, *, read_workflows: bool = True
) -> Pyo3Project | None:
    """Read the project, or None when `package` is not a PyO3 project (no pyo3 crate)."""
    pyproject = _read_toml(package.joinpath("pyproject.toml")) or {}
    manifest = manifest_path(pyproject)
    cargo = _read_toml(package.joinpath(*manifest.split("/")))
    if cargo is None:
        return None
    project = Pyo3Project(
        root=root,
        package=package,
        pyproject=pyproject,
        cargo=cargo,
        manifest=manifest,
        rust_files={},
        workflows={},
    )
    crate_parts = [p for p in project.crate_dir.split("/") if p]
    workspace_dir, workspace_cargo = _find_workspace(package, crate_parts, cargo)
    project = dataclasses.replace(
        project, workspace_dir=workspace_dir, workspace_cargo=workspace_cargo
    )
    if project.pyo3_dependency is None and _workspace_pyo3(project.root_cargo) is None:
        return None
    rust_files = _rust_sources(package.joinpath(*crate_parts, "src"), "src", package)
    workflows, errors = _workflows(root) if read_workflows else ({}, {})
    return dataclasses.replace(
        project, rust_files=rust_files, workflows=workflows, workflow_errors=errors
    )
