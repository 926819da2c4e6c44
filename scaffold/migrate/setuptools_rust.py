"""The setuptools-rust backend: a setuptools project keeps setuptools, and gains a Rust extension.

setuptools-rust (PyO3's setuptools plugin, used by cryptography and others) builds the crate
next to the project's own metadata, whatever holds it: `[project]`, `setup.cfg` or `setup.py`,
with static or dynamic fields and versions from setuptools-scm. So nothing of the project's
packaging changes: pyproject.toml only gains the plugin in `[build-system] requires` and one
`[[tool.setuptools-rust.ext-modules]]` entry (pyproject.toml is created with just these when
the project has none).
"""

from __future__ import annotations

import re
from typing import Any

from scaffold import pins
from scaffold.errors import DestinationError

# pyproject.toml configuration of setuptools (and so of setuptools-rust) needs setuptools 61.
SETUPTOOLS_REQUIREMENT = "setuptools>=61"
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"


def uses_setuptools(document: Any, *, has_setup_files: bool) -> bool:  # noqa: ANN401  (tomlkit)
    """True when setuptools builds the project: declared, or implied by setup.py/setup.cfg."""
    build = document.get("build-system")
    backend = str(build.get("build-backend", "")) if build is not None else ""
    if backend:
        return backend.split(":")[0] == "setuptools.build_meta"
    # No backend declared: pip and build fall back to setuptools' legacy backend.
    return has_setup_files or "project" in document


def edit_pyproject(
    document: Any,  # noqa: ANN401  (a tomlkit document: its item types are too loose)
    *,
    target: str,
    notes: list[str],
) -> str:
    """Add setuptools-rust and the extension `target` in place; return Cargo's version."""
    import tomlkit  # noqa: PLC0415

    plugin_requirement = pins.load().setuptools_rust_requirement  # the one pin table
    tool = document.get("tool")
    if tool is not None and ("setuptools-rust" in tool or "maturin" in tool):
        raise DestinationError(
            "pyproject.toml already configures a Rust extension ([tool.setuptools-rust] or "
            "[tool.maturin]): add functions to its crate by hand"
        )
    build = document.get("build-system")
    if build is None:
        build = tomlkit.table()
        build["requires"] = [SETUPTOOLS_REQUIREMENT, plugin_requirement]
        # What pip ran before there was a [build-system]: setup.py with its own folder on
        # sys.path (setup.py files often import the package for its version).
        build["build-backend"] = LEGACY_BACKEND
        document.add("build-system", build)
    else:
        requires = build.get("requires")
        if requires is None:
            build["requires"] = [SETUPTOOLS_REQUIREMENT, plugin_requirement]
        elif not any(re.match(r"setuptools[-_]rust\b", str(r), re.IGNORECASE) for r in requires):
            requires.append(plugin_requirement)
        if "build-backend" not in build:
            build["build-backend"] = LEGACY_BACKEND
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document.add("tool", tool)
    plugin = tomlkit.table(is_super_table=True)
    module = tomlkit.table()
    module.add(tomlkit.comment("Added by pyo3-scaffold migrate: the Rust crate (Cargo.toml,"))
    module.add(tomlkit.comment(f"src/lib.rs) built by setuptools-rust as {target}."))
    module["target"] = target
    module["path"] = "Cargo.toml"
    module["binding"] = "PyO3"
    module.add(tomlkit.nl())  # a blank line before whatever table follows
    modules = tomlkit.aot()
    modules.append(module)
    plugin["ext-modules"] = modules
    tool["setuptools-rust"] = plugin

    notes.append(
        "the project keeps setuptools and its own metadata and versioning; setuptools-rust "
        f"builds the crate as {target} (pip install . and python -m build need Rust)"
    )
    notes.append(
        "for sdists, make sure Cargo.toml, Cargo.lock and src/*.rs are included "
        "(MANIFEST.in or setuptools-scm's file finder)"
    )
    project = document.get("project")
    version = str(project.get("version", "")) if project is not None else ""
    found = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?", version)
    if not found:
        # The wheel's version comes from setuptools; Cargo's is never published.
        return "0.0.0"
    return ".".join(str(int(found.group(i) or "0")) for i in (1, 2, 3))
