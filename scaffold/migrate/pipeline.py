"""`pyo3-scaffold migrate`: move a slow pure-Python module of a package to Rust, safely.

The plan is computed entirely in memory (new pyproject.toml, Cargo.toml, src/lib.rs, the
dispatch block appended to the module, differential tests, a benchmark), validated, and only
then written. Each write replaces one file atomically; if anything fails part-way every file
touched is restored byte for byte and every file created is removed.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import functools
import io
import re
import subprocess
import tokenize
from collections.abc import Callable  # noqa: TC003  (dataclass fields are resolved at run time)
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold import git, names, pins, safe_io
from scaffold import migrate_codegen as codegen
from scaffold import project as project_reader
from scaffold.errors import DestinationError, DirtyTreeError, InvalidInputError, ScaffoldError
from scaffold.files import Write, apply_all, recover
from scaffold.migrate import flit, hatch_maturin, poetry, setuptools_rust
from scaffold.migrate_types import Unsupported

if TYPE_CHECKING:
    from scaffold.migrate.profile import Profile

KNOWN_BACKENDS = (
    "setuptools.build_meta",
    "hatchling.build",
    "flit_core.buildapi",
    "pdm.backend",
    "poetry.core.masonry.api",
)
# PyO3 0.30 supports CPython 3.9 and later: the stable-ABI floor.
_MIN_ABI3 = (3, 9)
_FASTCALL_ABI3 = (3, 10)  # PyO3's fast argument passing in the stable ABI (see `_abi3`)


@dataclass(frozen=True, kw_only=True)
class MigrateOptions:
    module: Path  # path/to/pkg/slow.py
    functions: tuple[str, ...] = ()  # empty: every public annotated function
    dry_run: bool = False
    allow_dirty: bool = False
    # Called after each file is written (testing hook: raising here exercises the rollback
    # with real files on disk).
    after_write: Callable[[Path], None] | None = None
    # Step 6: add the nox sessions and wheel workflows with `pyo3-scaffold ci`.
    ci: bool = True
    # "auto": setuptools projects keep setuptools (setuptools-rust), others move to maturin.
    backend: str = "auto"
    # Run a workload (`workload`, or the project's tests) under a profiler first: rank the
    # functions, leave out those not worth moving, take types from real calls (profile.py).
    # Off by default here (it runs the test suite twice); the CLI turns it on.
    profile: bool = False
    workload: str | None = None
    workload_timeout: float = 300.0
    # The Python that runs the workload (None: $VIRTUAL_ENV, the project's .venv, ours).
    python: str | None = None


BACKENDS = ("auto", "setuptools-rust", "hatch-maturin", "maturin")


class NothingToMigrateError(InvalidInputError):
    """No function of the module can move; `skipped` holds each one's reason (the observed
    types included, with --profile), for a caller that reports them one by one."""

    def __init__(self, message: str, skipped: tuple[codegen.Skipped, ...]) -> None:
        super().__init__(message)
        self.skipped = skipped


@dataclass(frozen=True)
class FunctionReport:
    name: str
    status: str  # "rust" (translated), "skeleton", "skipped"
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class MigrateResult:
    project: Path
    module: str
    extension: str
    env_var: str
    functions: tuple[FunctionReport, ...]
    changes: tuple[tuple[str, str], ...]  # (relative path, "created" | "modified")
    diff: str
    dry_run: bool
    notes: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = field(default=())
    profile: tuple[str, ...] = ()  # the ranking and the observed types, as lines to print


@dataclass(frozen=True)
class _Project:
    root: Path
    module_path: Path
    dotted: str
    package: str  # dotted package holding the module ("" for a top-level module)
    # The top-level package's folder; for a top-level single-file module, that file.
    top_package_dir: Path

    @property
    def single_file(self) -> bool:
        return self.top_package_dir.is_file()

    @property
    def top_name(self) -> str:
        return self.top_package_dir.name.removesuffix(".py")

    @property
    def version_file(self) -> Path:
        """Where flit and habit put `__version__`: the package's `__init__.py`, or the module."""
        return self.top_package_dir if self.single_file else self.top_package_dir / "__init__.py"


def run(options: MigrateOptions) -> MigrateResult:
    project = _locate(options.module)
    # A killed run's half-applied change is undone first (it would look like the user's own
    # uncommitted work to the check below).
    recover(project.root)
    if not options.allow_dirty and not options.dry_run:
        _check_clean(project.root)
    measured, profile_lines = _measure(project, options)
    try:
        files, plan, notes = _plan(project, options.functions, options.backend, measured)
    except NothingToMigrateError as error:
        if profile_lines:
            # One line still, but it says what the workload showed (or why none ran).
            raise NothingToMigrateError(f"{error}. {profile_lines[0]}", error.skipped) from error
        raise
    changes, diff = _describe(project.root, files)
    ci_summary: list[str] = []
    if not options.dry_run:
        finish = (lambda: ci_summary.extend(_add_ci(project.root))) if options.ci else None
        _apply(files, options.after_write, finish)
    elif options.ci:
        ci_summary.append("would then add CI with `pyo3-scaffold ci` (nox sessions, workflows)")
    notes += ci_summary
    reports = [
        FunctionReport(f.name, "rust" if f.body is not None else "skeleton", f.reason)
        for f in plan.functions
    ] + [FunctionReport(s.name, "skipped", s.reason) for s in plan.skipped]
    return MigrateResult(
        project=project.root,
        module=plan.dotted,
        extension=plan.extension_module,
        env_var=plan.env_var,
        functions=tuple(reports),
        changes=tuple(changes),
        diff=diff,
        dry_run=options.dry_run,
        notes=tuple(notes),
        next_steps=tuple(_next_steps(plan, ci_added=any(n.startswith("CI added") for n in notes))),
        profile=tuple(profile_lines),
    )


def _measure(project: _Project, options: MigrateOptions) -> tuple[Profile | None, list[str]]:
    """Stage 2b, profile: the workload's ranking and observed types (`--profile`)."""
    if not options.profile and options.workload is None:
        return None, []
    from scaffold.migrate import profile  # noqa: PLC0415

    if options.workload is None and not profile.default_workload(project.root):
        return None, [
            (
                "Not profiled: no test suite found (tests/, test/, test_*.py); name a workload "
                "with --workload CMD, or pass --no-profile"
            )
        ]
    measured = profile.run(
        root=project.root,
        module_path=project.module_path,
        source_dirs=[project.top_package_dir.parent],
        workload=options.workload,
        timeout=options.workload_timeout,
        python=options.python,
    )
    return measured, profile.describe(measured)


# -- where things are -------------------------------------------------------------------------


def _locate(module: Path) -> _Project:
    path = module.absolute()
    if path.suffix != ".py" or not path.is_file():
        raise InvalidInputError(f"{module} is not a Python module file (.py)")
    if (path.parent / "__init__.py").is_file():
        top = path.parent
        while (top.parent / "__init__.py").is_file():
            top = top.parent
        parts = [*path.relative_to(top.parent).with_suffix("").parts]
    else:
        # A top-level module (`hashids.py` beside setup.py or in src/): the extension is a
        # top-level module too (`_hashids_rs`), installed next to it.
        top = path
        parts = [path.stem]
    root = next((p for p in top.parents if any((p / n).is_file() for n in _PROJECT_FILES)), None)
    if root is None:
        raise InvalidInputError(
            f"no pyproject.toml, setup.cfg or setup.py above {top}: is this an installable project?"
        )
    for part in parts:
        if not part.isidentifier():
            raise InvalidInputError(f"{part!r} in {module} is not a Python identifier")
    if parts[-1] == "__init__":
        # The package's own module: the extension lives inside that package.
        parts = parts[:-1]
        package = ".".join(parts)
    else:
        package = ".".join(parts[:-1])
    return _Project(
        root=root,
        module_path=path,
        dotted=".".join(parts),
        package=package,
        top_package_dir=top,
    )


_PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")


def _check_clean(root: Path) -> None:
    if git.executable() is None:
        raise DirtyTreeError("git is not installed; pass --allow-dirty to migrate anyway")
    try:
        changed = git.changed_paths(root)
    except git.GitError as error:
        raise DirtyTreeError(
            f"{root} is not in a git repository, so nothing could undo the migration: "
            "commit it to git first, or pass --allow-dirty"
        ) from error
    if changed:
        count = len(changed)
        raise DirtyTreeError(
            f"{root} has {count} uncommitted change(s): commit or stash them first "
            "(so the migration can be reviewed and undone), or pass --allow-dirty"
        )


# -- the plan ---------------------------------------------------------------------------------


def _plan(  # noqa: C901, PLR0912, PLR0915  (the files, one after the other)
    project: _Project,
    selected: tuple[str, ...],
    backend: str = "auto",
    measured: Profile | None = None,
) -> tuple[dict[Path, bytes], codegen.ModulePlan, list[str]]:
    import tomlkit  # noqa: PLC0415  (lazy: not needed for --help)

    root = project.root
    pyproject_path = root / "pyproject.toml"
    pyproject_text, pyproject_nl = (
        _read_text(pyproject_path) if pyproject_path.is_file() else ("", "\n")
    )
    try:
        document = tomlkit.parse(pyproject_text)
    except tomlkit.exceptions.ParseError as error:
        raise InvalidInputError(f"{pyproject_path} is not valid TOML: {error}") from error
    # Wrong types (`project = "x"`, `[[tool]]`) are one line, exit 6, before any `.get` on them.
    shape = safe_io.Document("pyproject.toml", document.unwrap())
    for key in ("project", "build-system", "tool", "dependency-groups"):
        shape.table(key)
    shape.get("project", "name", kind=str)
    shape.get("project", "version", kind=str)
    safe_io.strings(shape, "project", "classifiers")
    source, encoding = _read_source(project.module_path)
    module_nl = _newline(source)
    if codegen.DISPATCH_START in source:
        raise DestinationError(
            f"{project.dotted} was already migrated (its dispatch block is there)"
        )
    try:
        functions, skipped = codegen.analyse(
            source,
            dotted=project.dotted,
            selected=selected,
            observed=measured.types() if measured is not None else None,
            # The private helpers the workload ran, too: a class's methods may do the work
            # through them (hashids), and no public function would bring them along.
            private=measured.hot_private() if measured is not None else (),
            read=functools.partial(_sibling_source, project),
            package=project.package,
        )
    except SyntaxError as error:
        raise InvalidInputError(f"{project.module_path} does not parse: {error}") from error
    except Unsupported as error:
        raise InvalidInputError(str(error)) from error
    if not selected:
        # Too cheap to gain from Rust, by their shape or measured: left out unless named with
        # --function.
        cheap = codegen.conversion_bound(source, functions)
        if measured is not None:
            helpers = {f.name: [h.name for h in f.helpers] for f in functions}
            cheap = {n: why or measured.not_worth(n, helpers[n]) for n, why in cheap.items()}
        skipped += [codegen.Skipped(name, why) for name, why in cheap.items() if why]
        functions = [f for f in functions if not cheap[f.name]]
    if not functions:
        why = "; ".join(f"{s.name}: {s.reason}" for s in skipped) or "no public functions"
        raise NothingToMigrateError(
            f"nothing to migrate in {project.dotted} ({why})", tuple(skipped)
        )

    module_name = project.dotted.rsplit(".", 1)[-1]
    setup_files = any((root / n).is_file() for n in ("setup.cfg", "setup.py"))
    if backend == "auto":
        if setuptools_rust.uses_setuptools(document, has_setup_files=setup_files):
            backend = "setuptools-rust"
        elif hatch_maturin.uses_hatchling(document):
            backend = "hatch-maturin"
        else:
            backend = "maturin"
    extension = f"_{module_name}_rs"
    top_name = project.dotted.split(".", 1)[0]
    plan = codegen.ModulePlan(
        dotted=project.dotted,
        package=project.package,
        module=module_name,
        extension=extension,
        env_var=f"{top_name.upper()}_PURE_PYTHON",
        functions=tuple(functions),
        skipped=tuple(skipped),
    )
    notes: list[str] = []
    abi3: str | None
    if backend == "setuptools-rust":
        version = setuptools_rust.edit_pyproject(
            document, target=plan.extension_module, notes=notes
        )
        abi3 = None  # setuptools-rust tags wheels per CPython unless told about the limited API
        _add_test_group(document)
    elif backend == "hatch-maturin":
        if not hatch_maturin.uses_hatchling(document):
            raise InvalidInputError(
                "--backend hatch-maturin needs a hatchling project "
                '([build-system] build-backend = "hatchling.build")'
            )
        hatch_maturin.edit_pyproject(document, target=plan.extension_module, notes=notes)
        _add_tool_maturin(document, project, plan, notes)
        # hatchling writes the wheel's metadata (its version too): Cargo's is never published.
        metadata_table = document.get("project") or {}
        version = _cargo_version(str(metadata_table.get("version", "0.0.0")), [])
        abi3 = _abi3(metadata_table, notes)
        _add_test_group(document)
    else:
        version, abi3 = _edit_pyproject(document, project, plan, notes)
    new_pyproject = _with_newlines(tomlkit.dumps(document), pyproject_nl)
    if backend == "hatch-maturin":
        new_pyproject = hatch_maturin.hook_table(new_pyproject, pyproject_nl)
    _validate_pyproject(new_pyproject)

    cargo_path = root / "Cargo.toml"
    lib_path, ops_path = root / "src" / "lib.rs", root / "src" / "pyops.rs"
    tests_dir = (
        root / "tests"
        if (root / "tests").is_dir() or not (root / "test").is_dir()
        else root / "test"
    )
    test_path = tests_dir / f"test_{module_name}_rust.py"
    bench_path = root / "benchmarks" / f"bench_{module_name}.py"
    stub_path = project.module_path.with_name(f"{extension}.pyi")
    for path in (cargo_path, lib_path, ops_path, test_path, bench_path, stub_path):
        if path.exists():
            raise DestinationError(
                f"{path.relative_to(root)} already exists; migrate does not overwrite files "
                "(one Rust extension per project: add functions to it by hand)"
            )
    # Names and classifiers by the one project reader's rules (scaffold/project.py).
    plain = document.unwrap()
    name = project_reader.dist_name(plain, {}) or project.top_name
    crate = names.crate_from(name)  # cargo refuses a leading digit, "3d-tools" -> "py-3d-tools"
    free_threaded = project_reader.has_free_threading_classifier(plain)
    new_module = (
        source.rstrip("\r\n") + module_nl + _with_newlines(codegen.dispatch_block(plan), module_nl)
    )
    ast.parse(new_module)  # the block is generated: a failure here is a bug, caught before writing
    files = {
        pyproject_path: new_pyproject.encode("utf-8"),
        project.module_path: new_module.encode(encoding),
        cargo_path: codegen.cargo_toml(
            crate=crate, lib=extension, version=version, abi3=abi3, plan=plan
        ).encode("utf-8"),
        lib_path: _rustfmt(codegen.lib_rs(plan, gil_used=not free_threaded)).encode("utf-8"),
        ops_path: _rustfmt(codegen.pyops_rs()).encode("utf-8"),
        test_path: codegen.differential_tests(plan).encode("utf-8"),
        bench_path: codegen.benchmark(plan).encode("utf-8"),
        stub_path: codegen.stub(plan).encode("utf-8"),
    }
    runner = root / "benchmarks" / "bench.py"
    if not runner.exists():
        # `nox -s bench` (the template's noxfile, added by `ci`) runs benchmarks/bench.py.
        files[runner] = codegen.BENCH_RUNNER.encode("utf-8")
    typed = project.top_package_dir / "py.typed"
    if not project.single_file and not typed.exists():
        # PEP 561: the .pyi above is only read by type checkers when the package says so.
        files[typed] = b""
    gitignore = root / ".gitignore"
    ignored, ignored_nl = _read_text(gitignore) if gitignore.is_file() else ("", "\n")
    if not re.search(r"^/?target/?\r?$", ignored, re.MULTILINE):
        files[gitignore] = (
            ignored
            + (ignored_nl if ignored and not ignored.endswith("\n") else "")
            + _with_newlines("# Rust build output\n/target/\n", ignored_nl)
        ).encode("utf-8")
    return files, plan, notes


def _read_text(path: Path) -> tuple[str, str]:
    """A UTF-8 text file as it is (line endings kept), and its newline style."""
    # Bounded and regular files only (a FIFO or a 64 MiB file is exit 6, not a hang).
    data = safe_io.read_bytes(path.parent, path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInputError(f"{path} is not UTF-8 text: {error.reason}") from error
    return text, _newline(text)


def _sibling_source(project: _Project, dotted: str) -> str | None:
    """The source of another module of the project's package (`astral` or `astral.julian`),
    for the type aliases the module imports; None where there is none that reads safely
    inside the project (a symlink out, a FIFO, a file too large or undecodable)."""
    if project.single_file:
        return None
    base = project.top_package_dir.parent / Path(*dotted.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        try:
            if safe_io.is_file(project.root, path):
                return _read_source(path, safe_io.read_bytes(project.root, path))[0]
        except (ScaffoldError, OSError):
            return None
    return None


def _read_source(path: Path, data: bytes | None = None) -> tuple[str, str]:
    """A Python module decoded as Python does (coding cookie, BOM), line endings kept."""
    if data is None:
        data = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        raise InvalidInputError(f"{path} cannot be decoded: {error}") from error


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _with_newlines(text: str, newline: str) -> str:
    return text if newline == "\n" else text.replace("\r\n", "\n").replace("\n", newline)


def _edit_pyproject(  # noqa: C901, PLR0912, PLR0915  (one step after the other, each short)
    document: Any,  # noqa: ANN401  (a tomlkit document: its item types are too loose)
    project: _Project,
    plan: codegen.ModulePlan,
    notes: list[str],
) -> tuple[str, str | None]:
    """Switch the backend to maturin in place, keeping every comment and unrelated table."""
    import tomlkit  # noqa: PLC0415

    build = document.get("build-system")
    backend = str(build.get("build-backend", "")) if build is not None else ""
    # First: a maturin project may keep its name and version in Cargo.toml only, as maturin
    # allows; that is no missing metadata, it is a project that already has its extension.
    if backend == "maturin":
        raise DestinationError(
            "the project already builds with maturin: add functions to its crate by hand"
        )
    if poetry.has_metadata(document):
        poetry.convert(document, notes)  # Poetry < 2: its own metadata, converted faithfully
    elif flit.has_metadata(document):  # flit < 3.2: description from the module's docstring
        init = project.version_file
        docstring = ast.get_docstring(ast.parse(init.read_bytes())) if init.is_file() else None
        flit.convert(document, notes, docstring=docstring)
    table = document.get("project")
    if table is None or "name" not in table:
        raise InvalidInputError(
            "pyproject.toml has no [project] table with a name (PEP 621); maturin needs one "
            "(Poetry's [tool.poetry] and flit's [tool.flit.metadata] are converted)"
        )
    if backend and backend not in KNOWN_BACKENDS:
        notes.append(f"replaced the build backend {backend!r} with maturin")
    if build is None:
        build = tomlkit.table()
        document.add("build-system", build)
    build["requires"] = [pins.load().maturin_requirement]
    build["build-backend"] = "maturin"
    if "backend-path" in build:
        del build["backend-path"]
    # Keys PEP 518 does not define (pyphonetics has `requires-python` there): the new
    # pyproject.toml would not validate, and no tool ever read them.
    for key in [k for k in build if k not in {"requires", "build-backend"}]:
        notes.append(f"dropped {key!r} from [build-system]: not a PEP 518 key, no tool reads it")
        del build[key]

    dynamic = [str(d) for d in table.get("dynamic", [])]
    version = str(table.get("version", ""))
    if "version" in dynamic:
        version = _dynamic_version(document, project)
    other_dynamic = [d for d in table.get("dynamic", []) if str(d) != "version"]
    if other_dynamic:
        raise InvalidInputError(
            f"[project] dynamic = {[str(d) for d in other_dynamic]}: maturin cannot read "
            "fields filled in by the old backend; make them static in pyproject.toml first"
        )
    if not version:
        raise InvalidInputError("[project] has no version; set one first")
    cargo_version = _cargo_version(version, notes)
    if cargo_version == version:  # plain MAJOR.MINOR.PATCH: the same text in both worlds
        # One version, in Cargo.toml: maturin fills in the wheel's (doctor's PS004).
        if "version" in table:
            del table["version"]
        if "version" not in dynamic:
            dynamic_array = tomlkit.array()
            dynamic_array.append("version")
            table["dynamic"] = dynamic_array
        notes.append(
            f"the version ({version}) now lives in Cargo.toml only; pyproject.toml has "
            'dynamic = ["version"] (maturin reads it from Cargo.toml)'
        )
        init = project.version_file
        if re.search(r"^__version__\s*(:\s*str\s*)?=\s*[\"']", _read_text(init)[0], re.MULTILINE):
            notes.append(
                f"{init.relative_to(project.root).as_posix()} still has a literal __version__: "
                "read it with importlib.metadata.version(...) so it cannot drift"
            )
    else:
        if "version" in dynamic:
            table["dynamic"] = [d for d in dynamic if d != "version"] or tomlkit.array()
            if not table["dynamic"]:
                del table["dynamic"]
        table["version"] = version

    tool = _add_tool_maturin(document, project, plan, notes)
    old = [name for name in ("setuptools", "hatch", "flit", "pdm") if name in tool]
    if old:
        notes.append(
            f"[tool.{'], [tool.'.join(old)}] stay as they were but maturin does not read them"
        )

    _add_test_group(document)

    abi3 = _abi3(table, notes)
    return cargo_version, abi3


def _add_tool_maturin(
    document: Any,  # noqa: ANN401  (a tomlkit document)
    project: _Project,
    plan: codegen.ModulePlan,
    notes: list[str],
) -> Any:  # noqa: ANN401  (the [tool] table)
    """`[tool.maturin]`: where maturin puts the extension and finds the Python source."""
    import tomlkit  # noqa: PLC0415

    tool = document.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document.add("tool", tool)
    if "maturin" in tool:
        raise DestinationError(
            "[tool.maturin] already exists: the project already has a Rust extension"
        )
    maturin = tomlkit.table()
    maturin.add(
        tomlkit.comment(
            f"Added by pyo3-scaffold migrate: {plan.package or plan.dotted} keeps its Python code;"
        )
    )
    maturin.add(
        tomlkit.comment(f"the Rust crate (Cargo.toml, src/lib.rs) becomes {plan.extension_module}.")
    )
    maturin["module-name"] = plan.extension_module
    source_dir = project.top_package_dir.parent.relative_to(project.root).as_posix()
    if project.single_file:
        # No package folder for maturin to ship: the module goes in as a file of its own
        # (checked here: the wheel holds nums.py and the _nums_rs extension side by side).
        entry = tomlkit.inline_table()
        entry.update(
            {
                "path": project.module_path.relative_to(project.root).as_posix(),
                "format": ["sdist", "wheel"],
            }
        )
        maturin["include"] = [entry]
    elif source_dir != ".":
        maturin["python-source"] = source_dir
    maturin.add(tomlkit.nl())  # a blank line before whatever table follows
    tool["maturin"] = maturin
    packages = tool.get("setuptools", {}).get("packages", [])
    tops = {str(p).split(".")[0] for p in packages} if isinstance(packages, list) else set()
    if len(tops - {project.top_name}) > 0:
        # maturin ships one Python source folder: the other packages may be left out.
        notes.append(
            f"[tool.setuptools] packages lists {sorted(tops)}: maturin ships "
            f"{project.top_name} from one source folder; check that the wheel "
            "still holds the others (`unzip -l` it) before releasing"
        )
    return tool


def _abi3(table: Any, notes: list[str]) -> str | None:  # noqa: ANN401  (the [project] table)
    """The abi3 feature from requires-python (read by the one project reader's rule), or None:
    a build per CPython version where the floor is below 3.10."""
    requires = str(table.get("requires-python", ""))
    lowest = project_reader.lowest_python(requires)
    minor = lowest[1] if lowest else _MIN_ABI3[1]
    if minor < _MIN_ABI3[1]:
        notes.append(
            f"requires-python {requires!r} allows Pythons older than 3.9, which PyO3 "
            f"{pins.load().pyo3_minor} cannot build for; the wheels need 3.9 or later"
        )
    if minor < _FASTCALL_ABI3[1]:
        # Through the stable ABI, PyO3 passes arguments with CPython's fast calling convention
        # only from 3.10: an abi3-py39 function packs them in a tuple and a dict on each call
        # (hashids' `_hash`: 234 ns a call against 130 ns, more than its Python version costs).
        which = f"requires-python {requires!r}" if requires else "without requires-python, it"
        notes.append(
            f"{which} allows 3.9: the extension is built for each CPython "
            "version rather than as one abi3 wheel (the stable ABI's calls are about 100 ns "
            "slower before 3.10); with requires-python >= 3.10 it would be one abi3 wheel"
        )
        return None
    return f"abi3-py3{minor}"


def _add_test_group(document: Any) -> None:  # noqa: ANN401  (a tomlkit document)
    """pytest and hypothesis in the `test` dependency group (PEP 735), for the new tests."""
    import tomlkit  # noqa: PLC0415

    groups = document.get("dependency-groups")
    if groups is None:
        groups = tomlkit.table()
        document.add("dependency-groups", groups)
    test = groups.get("test")
    if test is None:
        groups["test"] = ["pytest>=8", "hypothesis>=6"]
    else:
        present = " ".join(str(r) for r in test).lower()
        for requirement in ("pytest>=8", "hypothesis>=6"):
            if requirement.split(">")[0] not in present:
                test.append(requirement)


def _dynamic_version(document: Any, project: _Project) -> str:  # noqa: ANN401
    """The version the old backend would compute, when it is a literal somewhere we can read."""
    tool = document.get("tool", {})
    candidates: list[Path] = []
    hatch = tool.get("hatch", {}).get("version", {})
    if "path" in hatch:
        candidates.append(project.root / str(hatch["path"]))
    pdm = tool.get("pdm", {}).get("version", {})
    if pdm:
        return _pdm_version(pdm, project)
    attr = tool.get("setuptools", {}).get("dynamic", {}).get("version", {}).get("attr")
    if attr:
        module = str(attr).rsplit(".", 1)[0]
        base = project.top_package_dir.parent / Path(*module.split("."))
        candidates += [base / "__init__.py", base.with_suffix(".py")]
    candidates.append(project.version_file)  # flit reads __version__ here
    for path in candidates:
        if path.is_file():
            text = path.read_text("utf-8")
            found = re.search(
                r"""^__version__\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", text, re.MULTILINE
            )
            if found:
                return found.group(1)
            # `from .package_data import __version__` (idna): flit imports the package, so the
            # version is the sibling module's literal; one step, as far as a literal reaches.
            sibling = re.search(
                r"^from\s+\.(\w+)\s+import\s+(?:.*\b)?__version__\b", text, re.MULTILINE
            )
            if sibling and len(candidates) < 10:  # noqa: PLR2004  (no import cycles)
                candidates.append(path.with_name(f"{sibling.group(1)}.py"))
    raise InvalidInputError(
        "the version is dynamic and not a literal __version__ the tool can read; "
        "set [project] version first"
    )


def _pdm_version(config: Any, project: _Project) -> str:  # noqa: ANN401  (a tomlkit table)
    """pdm-backend's `[tool.pdm.version]`: `source = "file"` reads `__version__` from one
    file, as pdm-backend does (a text search, no import); the other sources are computed at
    build time, so a literal found elsewhere could be stale and none is guessed."""
    source = str(config.get("source", ""))
    if source == "file" and "path" in config:
        path = project.root / str(config["path"])
        text = path.read_text("utf-8") if path.is_file() else ""
        found = re.search(r"""__version__\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", text)
        if found:
            return found.group(1)
        raise InvalidInputError(
            f"[tool.pdm.version] reads the version from {config['path']}, which has no "
            "literal __version__; set [project] version first"
        )
    how = "from git tags" if source == "scm" else f"at build time (source = {source!r})"
    raise InvalidInputError(
        f"[tool.pdm.version]: pdm-backend computes the version {how}, which maturin cannot "
        "do; set [project] version first"
    )


def _cargo_version(version: str, notes: list[str]) -> str:
    """Cargo wants SemVer. When the Python version is not plain MAJOR.MINOR.PATCH it stays
    static in pyproject.toml (the one that ships) and Cargo.toml gets the nearest SemVer."""
    found = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?", version)
    if not found:
        return "0.0.0"
    parts = [found.group(i) or "0" for i in (1, 2, 3)]
    semver = ".".join(str(int(p)) for p in parts)
    if semver != version:
        notes.append(f"Cargo.toml has version {semver} (SemVer); the wheel uses {version}")
    return semver


@functools.cache
def _validator() -> Callable[[dict[str, Any]], object]:
    from validate_pyproject import api  # noqa: PLC0415  (lazy: compiles JSON schemas, ~2 s)

    return api.Validator()


def _validate_pyproject(text: str) -> None:
    import tomllib  # noqa: PLC0415

    from validate_pyproject import errors  # noqa: PLC0415

    try:
        _validator()(tomllib.loads(text))
    except errors.ValidationError as error:
        raise InvalidInputError(
            f"the migrated pyproject.toml would not be valid: {error.message}"
        ) from error


def _rustfmt(code: str) -> str:
    """Format with rustfmt when it is installed, so `cargo fmt --check` passes as generated."""
    try:
        done = subprocess.run(
            ["rustfmt", "--edition", "2024", "--emit", "stdout"],
            input=code,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return code
    return done.stdout if done.returncode == 0 and done.stdout.strip() else code


def _describe(root: Path, files: dict[Path, bytes]) -> tuple[list[tuple[str, str]], str]:
    changes: list[tuple[str, str]] = []
    diff: list[str] = []
    for path, content in files.items():
        rel = path.relative_to(root).as_posix()
        before = _decoded(path.read_bytes(), path) if path.exists() else ""
        changes.append((rel, "modified" if path.exists() else "created"))
        diff += difflib.unified_diff(
            before.splitlines(keepends=True),
            _decoded(content, path).splitlines(keepends=True),
            fromfile=f"a/{rel}" if path.exists() else "/dev/null",
            tofile=f"b/{rel}",
        )
    return changes, "".join(line if line.endswith("\n") else line + "\n" for line in diff)


def _decoded(data: bytes, path: Path) -> str:
    """Text for the diff, as the file holds it (a module in its own encoding)."""
    encoding = "utf-8"
    if path.suffix == ".py":
        with contextlib.suppress(SyntaxError):  # shown as UTF-8 then
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding, errors="replace")


# -- writing, all or nothing ------------------------------------------------------------------


def _add_ci(root: Path) -> list[str]:
    """Step 6 through the `ci` verb: nox sessions (bench...) and cibuildwheel workflows."""
    try:
        from scaffold import ci  # noqa: PLC0415
    except ImportError:
        return ["CI files not added: this pyo3-scaffold has no `ci` command yet"]
    result = ci.run(ci.CiOptions(path=root))
    if result.refused:
        kept = ", ".join(action.path for action in result.refused)
        return [f"CI: kept your own {kept}; run `pyo3-scaffold ci --force` to use ours"]
    written = [f"{a.path} ({a.action})" for a in result.files if a.action != "unchanged"]
    return [f"CI added by `pyo3-scaffold ci`: {', '.join(written) or 'already up to date'}"]


def _apply(
    written: dict[Path, bytes],
    after_write: Callable[[Path], None] | None,
    finish: Callable[[], None] | None = None,
) -> None:
    try:
        apply_all(
            (Write(path, content) for path, content in written.items()),
            after_write=after_write,
            finish=finish,  # inside the transaction: if it fails, our files are restored too
        )
    except OSError as error:
        raise ScaffoldError(
            f"could not write {getattr(error, 'filename', None) or 'a file'} "
            f"({error.strerror or error}); every file was restored, nothing changed"
        ) from error


def _next_steps(plan: codegen.ModulePlan, *, ci_added: bool) -> list[str]:
    steps = [
        "git diff                               # review every change",
        "python -m pip install -e . --group test  # build the extension (needs Rust) and test deps",
        "python -m pytest                       # your tests + the Rust/Python differential tests",
        f"python benchmarks/bench_{plan.module}.py   # after a --release build: the speed-ups",
        f"{plan.env_var}=1 python -m pytest   # the pure-Python path still works",
    ]
    skeletons = [f.name for f in plan.functions if f.body is None]
    if skeletons:
        steps.append(
            f"implement {', '.join(skeletons)} in src/lib.rs (marked TODO), then add each "
            "name to IMPLEMENTED"
        )
    if ci_added:
        steps.append("nox -s bench                           # the same, in a fresh virtualenv")
    else:
        steps.append("pyo3-scaffold ci                       # nox sessions (bench...) and wheels")
    return steps
