"""The checks, one class each, named by code. Docstring = what is checked (its first line, the
title) and a `reads:` paragraph naming the files and fields it reads; `fix` = what to do.

Codes are stable (docs/doctor.md documents each); add new checks at the end.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold import git
from scaffold import project as reader
from scaffold.checks import history, stale
from scaffold.checks import workflows as wf
from scaffold.checks.base import OK, Outcome, Pyo3Check, finding, skip
from scaffold.checks.project import stub_names, type_check_only_names

if TYPE_CHECKING:
    from scaffold.checks.project import Pyo3Project

FREE_THREADING_CLASSIFIER = "Programming Language :: Python :: Free Threading"
# `>=3.10` and `~=3.10` (compatible release: >=3.10, ==3.*) both start at 3.10.
_LOWER_BOUND = re.compile(r"(?:>=|~=)\s*3\.(\d+)")


def _listing(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class PS001(Pyo3Check):
    """`#[pymodule]` name matches the module-name maturin imports

    reads: Cargo.toml [package] name, [lib] name; pyproject.toml [tool.maturin] module-name,
        python-source; src/**/*.rs #[pymodule]; <python-source>/<package>/ folders
    """

    fix = (
        'Make the #[pymodule] name (or its `name = "..."`) equal the last part of '
        "[tool.maturin] module-name (default: the Cargo [lib] name), and keep the Python "
        "package folder that module-name points into."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        modules = project.modules
        expected = project.extension_name
        if not modules:
            return finding("no #[pymodule] found in src/**/*.rs")
        if project.extension_module() is None:
            found = _listing(sorted({f"{m.name} ({m.file})" for m in modules}))
            return finding(
                f"maturin imports the extension as {project.module_name!r}, which needs "
                f"#[pymodule] {expected}, but the crate defines {found}"
            )
        parents = project.module_name.split(".")[:-1]
        if parents and not project.python_source.joinpath(*parents).is_dir():
            return finding(
                f"module-name {project.module_name!r} places the extension in package "
                f"{'.'.join(parents)!r}, but {'/'.join(parents)}/ does not exist in the "
                "python-source folder"
            )
        return OK


class PS002(Pyo3Check):
    """Cargo.toml builds a cdylib (crate-type = ["cdylib"])

    reads: Cargo.toml [lib] crate-type
    """

    fix = 'In Cargo.toml: [lib] crate-type = ["cdylib"] (add "rlib" too if Rust code uses it).'

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        lib = project.cargo.get("lib", {})
        if not isinstance(lib, dict) or "crate-type" not in lib:
            return OK  # unset: maturin builds the cdylib itself (cargo rustc --crate-type cdylib)
        types = lib["crate-type"]
        if isinstance(types, list) and "cdylib" in types:
            return OK
        return finding(f"{project.manifest} [lib] crate-type is {types} (no cdylib)")


class PS003(Pyo3Check):
    """abi3 feature matches requires-python

    reads: Cargo.toml pyo3 features (or the workspace's [workspace.dependencies]); pyproject.toml
        [project] requires-python
    """

    fix = (
        "Use pyo3's abi3-pyXY feature with XY equal to the lower bound of requires-python "
        '(e.g. requires-python = ">=3.10" with features = ["abi3-py310"]).'
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        abi3 = sorted(f for f in project.pyo3_features if f.startswith("abi3"))
        if not abi3:
            return OK  # not an abi3 build: one wheel per CPython, nothing to match
        requires = str(project.project_table.get("requires-python", ""))
        lower = _LOWER_BOUND.search(requires)
        versioned = [f for f in abi3 if re.fullmatch(r"abi3-py3\d+", f)]
        if not versioned:
            return finding(
                "pyo3 feature 'abi3' without a version: wheels claim PyO3's oldest CPython, "
                f"not requires-python {requires or '(unset)'}"
            )
        if lower is None:
            return finding(f"pyo3 feature {versioned[0]!r} but requires-python has no >=3.X bound")
        minor = min(int(f.removeprefix("abi3-py3")) for f in versioned)
        if minor != int(lower.group(1)):
            return finding(
                f"pyo3 feature abi3-py3{minor} tags wheels cp3{minor}-abi3, but requires-python "
                f"is {requires!r}"
            )
        return OK


class PS004(Pyo3Check):
    """The version is written in one place

    reads: pyproject.toml [project] version, dynamic; Cargo.toml [package] version;
        <package>/__init__.py __version__
    """

    fix = (
        'Keep the version in Cargo.toml only: dynamic = ["version"] in [project] (no '
        "version = ...), and read __version__ from the extension or importlib.metadata."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        table = project.project_table
        if reader.metadata_in_cargo(project.pyproject):
            return OK  # no [project] table: maturin takes name and version from Cargo.toml
        dynamic = table.get("dynamic", [])
        package = project.cargo.get("package", {})
        cargo_version = package.get("version") if isinstance(package, dict) else None
        if "version" in table and isinstance(cargo_version, str):
            return finding(
                f"pyproject.toml has version {table['version']!r} and {project.manifest} has "
                f"{cargo_version!r}: two versions to keep in step"
            )
        if "version" not in table and "version" not in dynamic:
            return finding('pyproject.toml [project] has neither version nor dynamic = ["version"]')
        init = project.package_init()
        if init is not None:
            for line in init.read_text(encoding="utf-8").splitlines():
                if re.match(r"__version__\s*(:\s*str\s*)?=\s*[\"']", line):
                    return finding(f"{line.strip()!r} in the package's __init__.py is a copy")
        return OK


class PS005(Pyo3Check):
    """Cargo.lock is committed

    reads: git ls-files (is the lock tracked); Cargo.lock of the crate or its workspace
    """

    fix = (
        "Run `cargo generate-lockfile` (or build once), remove Cargo.lock from .gitignore, "
        "and `git add Cargo.lock`: it pins the crates every wheel is built from."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        root = project.root_path
        if root is None or git.executable() is None:
            return skip("git is not available for this tree")
        if not git.is_work_tree(root):
            return skip("not a git repository (nothing is committed yet)")
        lock = project.lock_file()
        relative = Path(os.path.relpath(str(lock), root)).as_posix()
        if git.is_tracked(root, relative):
            return OK
        if not lock.is_file():
            return finding(f"{relative} does not exist")
        return finding(f"{relative} exists but git does not track it")


class PS006(Pyo3Check):
    """Cargo.lock goes into the sdist

    reads: pyproject.toml [tool.maturin] exclude, manifest-path
    """

    fix = (
        "Remove the pattern matching Cargo.lock from [tool.maturin] exclude: builds from the "
        "sdist should use the same crate versions as the wheels."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        lock = "/".join(p for p in (project.crate_dir, "Cargo.lock") if p)
        for entry in project.maturin.get("exclude", []) or []:
            pattern = entry.get("path") if isinstance(entry, dict) else entry
            formats = entry.get("format", "sdist") if isinstance(entry, dict) else "sdist"
            if not isinstance(pattern, str) or "sdist" not in formats:
                continue
            if fnmatch.fnmatch(lock, pattern) or fnmatch.fnmatch(lock, pattern.removeprefix("**/")):
                return finding(f"[tool.maturin] exclude pattern {pattern!r} drops {lock}")
        return OK


class PS007(Pyo3Check):
    """Type stubs and py.typed are present

    reads: <module>.pyi beside the extension (mixed) or pyproject.toml (Rust-only);
        <python-source>/<package>/py.typed
    """

    fix = (
        "Write the extension's stubs next to it (mixed layout: python/<pkg>/<ext>.pyi plus "
        "python/<pkg>/py.typed; Rust-only: <module>.pyi beside pyproject.toml, maturin adds "
        "py.typed) and check them with `python -m mypy.stubtest`."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        missing: list[str] = []
        if project.stub() is None:
            missing.append(" or ".join(_shown(project, c) for c in project.stub_candidates()))
        if project.is_mixed and not project.py_typed().is_file():
            missing.append(_shown(project, project.py_typed()))
        return finding(f"missing {'; '.join(missing)}") if missing else OK


def _shown(project: Pyo3Project, file: object) -> str:
    package = project.package
    if hasattr(file, "relative_to") and hasattr(package, "__fspath__"):
        try:
            return str(file.relative_to(package))
        except ValueError:
            pass
    return str(getattr(file, "name", file))


class PS008(Pyo3Check):
    """Type stubs match the module's functions and classes

    reads: src/**/*.rs #[pyfunction], #[pyclass], #[pymodule] exports; <module>.pyi defs and
        classes; <package>/*.py names the Python package defines
    """

    requires = frozenset({"PS001", "PS007"})
    fix = (
        "Add a `def`/`class` to the .pyi for each #[pyfunction]/#[pyclass] the module "
        "exports, and delete the ones it no longer exports."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        module = project.extension_module()
        stub = project.stub()
        if module is None or stub is None:
            return skip("needs PS001 and PS007")
        try:
            text = stub.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:  # found by the fuzz target of the reader
            return finding(f"{stub.name} is not UTF-8 ({error.reason} at byte {error.start})")
        try:
            functions, classes, other = stub_names(text)
        except SyntaxError as error:
            return finding(f"{stub.name} is not valid Python: {error.msg} (line {error.lineno})")
        # A `@typing.type_check_only` class or function exists for type checkers only.
        only_typing = type_check_only_names(text)
        functions -= only_typing
        classes -= only_typing
        defined = functions | classes | other
        exported = module.functions | module.classes | module.other
        problems: list[str] = []
        missing = sorted(n for n in exported if n not in defined and not n.startswith("_"))
        if missing:
            problems.append(f"not in {stub.name}: {_listing(missing)}")
        if "__getattr__" not in functions and module.complete:
            # (An incomplete list, e.g. exports added by a helper function, proves nothing.)
            # A stub may type helpers; a def or class the module lacks is a stale stub.
            stale = sorted((functions - exported) | (classes - exported))
            # Names the Python package defines itself (a mixed project's stub for the whole
            # package, or __init__.py wrappers) are not the extension's to export.
            python_defined = project.python_defined_names()
            stale = [n for n in stale if not n.startswith("_") and n not in python_defined]
            if stale:
                problems.append(f"in {stub.name} but not exported by the module: {_listing(stale)}")
        return finding("; ".join(problems)) if problems else OK


class PS009(Pyo3Check):
    """Free-threading support is declared consistently

    reads: src/**/*.rs #[pymodule] gil_used; pyproject.toml [project] classifiers,
        [tool.cibuildwheel] build/skip/enable; .github/workflows/*.yml cibuildwheel steps
    """

    fix = (
        "Pick one: GIL-free (#[pymodule(gil_used = false)], the 'Programming Language :: "
        "Python :: Free Threading' classifier, cp3??t wheels built) or not (gil_used = true, "
        'no classifier, cibuildwheel skip = ["cp3??t-*"]).'
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        state_of_module = project.gil_used()
        if state_of_module is None:
            return skip("no #[pymodule] to read gil_used from (see PS001)")
        gil_used, written = state_of_module
        declared = "gil_used" if written else "PyO3's default"
        classifiers = project.project_table.get("classifiers", []) or []
        classified = any(str(c).startswith(FREE_THREADING_CLASSIFIER) for c in classifiers)
        problems: list[str] = []
        state = "uses the GIL" if gil_used else "is GIL-free"
        if not gil_used and not classified:
            problems.append(f"the module {state} ({declared}) but has no Free Threading classifier")
        if gil_used and classified:
            problems.append(f"the Free Threading classifier is set but the module {state}")
        if wf.uses_cibuildwheel(project.workflows):
            # What the workflows build, expressions evaluated (scaffold.checks.pipeline).
            skipped = not any(t.kind == "cpt" for t in project.pipeline().targets)
        elif project.cibuildwheel:
            skipped = wf.skips_free_threaded({}, project.cibuildwheel)
        if project.cibuildwheel or wf.uses_cibuildwheel(project.workflows):
            if not gil_used and skipped:
                problems.append("cibuildwheel skips the free-threaded (cp3??t) wheels")
            if gil_used and not skipped:
                problems.append("cibuildwheel builds cp3??t wheels that re-enable the GIL")
        return finding("; ".join(problems)) if problems else OK


class PS010(Pyo3Check):
    """The release profile is tuned for wheels (LTO, one codegen unit)

    reads: Cargo.toml (the workspace root's) [profile.release] lto, codegen-units
    """

    fix = (
        'In Cargo.toml: [profile.release] lto = "fat" (or true/"thin") and codegen-units = 1; '
        'strip = "symbols" also shrinks the wheel.'
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        # Cargo uses only the workspace root's profiles (a member's are ignored with a warning).
        profile = project.root_cargo.get("profile", {})
        release = profile.get("release", {}) if isinstance(profile, dict) else {}
        if not isinstance(release, dict) or not release:
            return finding(f"{project.root_manifest} has no [profile.release]")
        problems = []
        if release.get("lto") not in {True, "fat", "thin"}:
            problems.append(f"lto = {release.get('lto', 'unset')}")
        if release.get("codegen-units") != 1:
            problems.append(f"codegen-units = {release.get('codegen-units', 'unset')}")
        return finding(f"[profile.release] has {', '.join(problems)}") if problems else OK


class PS011(Pyo3Check):
    """Wheels are built for Linux (glibc, musl), macOS and Windows on x86-64 and ARM64

    reads: .github/workflows/*.yml jobs, matrices, steps; pyproject.toml [tool.cibuildwheel],
        requires-python; git HEAD's workflows and pyproject.toml
    """

    fix = (
        "Build wheels on ubuntu-latest, ubuntu-24.04-arm, macos-15-intel, macos-latest, "
        "windows-latest and windows-11-arm with cibuildwheel (do not skip *musllinux*) or "
        "maturin-action (manylinux: auto and musllinux_1_2 targets); keep building every "
        "target the last commit built (`pyo3-scaffold ci --force` carries them over)."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        problems = []
        unreadable = ""
        if project.workflow_errors:
            name, error = next(iter(project.workflow_errors.items()))
            unreadable = f"{name} is not valid YAML ({error}), so its wheels are unknown"
        if not project.workflows:
            problems.append(
                unreadable or "no GitHub Actions workflow in .github/workflows builds wheels"
            )
        else:
            built = {(t.os, t.arch, t.libc) for t in project.pipeline().targets}
            # A universal2 macOS wheel serves both architectures.
            if ("macos", "universal2", "") in built:
                built |= {("macos", "x86_64", ""), ("macos", "arm64", "")}
            missing = [name for key, name in wf.REQUIRED_PLATFORMS.items() if key not in built]
            if missing:
                others = f"{unreadable}; the other workflows build " if unreadable else ""
                problems.append(f"{others}no wheels for {_listing(missing, limit=8)}")
        lost = history.lost_targets(project)
        if lost:
            problems.append(
                f"the last commit's workflows also built {_listing(history.grouped(lost), 8)}"
                ", which the workflows now do not"
            )
        return finding("; ".join(problems)) if problems else OK


class PS012(Pyo3Check):
    """Workflow actions are pinned to full commit SHAs

    reads: .github/workflows/*.yml every uses:
    """

    fix = (
        "Pin each `uses:` to a 40-character commit SHA with the tag as a comment "
        "(actions/checkout@<sha> # v5); let Dependabot or Renovate bump them."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        if project.workflow_errors:
            name, error = next(iter(project.workflow_errors.items()))
            return finding(f"{name} is not valid YAML: {error}")
        if not project.workflows:
            return skip("no workflows")
        loose = [
            f"{u.ref} ({u.workflow})"
            for u in wf.iter_uses(project.workflows)
            if not wf.is_pinned(u.ref)
        ]
        return finding(f"not pinned: {_listing(loose)}") if loose else OK


class PS013(Pyo3Check):
    """Workflow tokens are least-privilege

    reads: .github/workflows/*.yml permissions: (top level and per job)
    """

    fix = (
        "Set `permissions: {}` or `contents: read` at the top of each workflow and grant "
        "writes (id-token: write, contents: write) only on the job that needs them."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        if not project.workflows:
            return skip("no workflows")
        problems = wf.permission_problems(project.workflows)
        return finding(_listing(problems)) if problems else OK


def _thin(platforms: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """A universal2 wheel is a macOS x86_64 and an arm64 wheel in one."""
    if ("macos", "universal2", "") in platforms:
        platforms = (platforms - {("macos", "universal2", "")}) | {
            ("macos", "x86_64", ""),
            ("macos", "arm64", ""),
        }
    return platforms


class PS014(Pyo3Check):
    """Pins and toolchain versions are not older than pyo3-scaffold's pin table

    reads: Cargo.toml pyo3/numpy/rayon versions; pyproject.toml [build-system] requires;
        .github/workflows/*.yml uses: and cibuildwheel pins; noxfile.py; .github/install-rust.sh
    """

    fix = (
        "Run `pyo3-scaffold update` in a project made by `pyo3-scaffold new` (it moves every "
        "pin to the installed tool's table); in any other project run `pyo3-scaffold ci "
        "--force` for the workflows and noxfile and `cargo add pyo3@X` for the crates."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        found = stale.stale_pins(project)
        if not found:
            return OK
        return finding(
            f"older than the pin table: {_listing([str(s) for s in found], limit=6)}; "
            f"run `{stale.update_command(project)}`"
        )


class PS015(Pyo3Check):
    """Free-threaded wheels are really built where the module is GIL-free

    reads: src/**/*.rs #[pymodule] gil_used; .github/workflows/*.yml the targets built;
        pyproject.toml [tool.cibuildwheel], requires-python
    """

    fix = (
        "Build cp3XXt wheels next to the others on every platform: cibuildwheel builds them "
        "by default (do not skip cp3??t-*); with maturin pass the free-threaded interpreters "
        "(-i python3.14t python3.15t), not -i python3.13."
    )

    @classmethod
    def diagnose(cls, project: Pyo3Project) -> Outcome:
        if not project.free_threaded():
            return OK  # no free-threaded wheels are due (PS009 judges the declaration)
        targets = project.pipeline().targets
        if not targets:
            return skip("no workflow builds wheels (PS011)")
        platforms = _thin({(t.os, t.arch, t.libc) for t in targets if t.kind in {"cp", "abi3"}})
        threaded = _thin({(t.os, t.arch, t.libc) for t in targets if t.kind == "cpt"})
        lacking = sorted(p for p in platforms - threaded if p[0] != "pyodide")
        if lacking:
            shown = [" ".join(x for x in p if x) for p in lacking]
            return finding(
                f"the module is GIL-free but no free-threaded wheels are built for "
                f"{_listing(shown, limit=6)}"
            )
        return OK


ALL_CHECKS: tuple[type[Pyo3Check], ...] = (
    PS001,
    PS002,
    PS003,
    PS004,
    PS005,
    PS006,
    PS007,
    PS008,
    PS009,
    PS010,
    PS011,
    PS012,
    PS013,
    PS014,
    PS015,
)
