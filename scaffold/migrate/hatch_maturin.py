"""The hatchling backend: a hatchling project keeps hatchling, and gains a Rust extension.

hatch-maturin-build is a hatchling build hook that runs maturin for the extension only: maturin
compiles the crate (configured by `[tool.maturin]`, as for a maturin project) and the hook puts
the extension and the wheel tag maturin computed into hatchling's wheel. hatchling still
writes the metadata, from `[project]` and its own plugins, so versions from hatch-vcs or
`[tool.hatch.version]`, file selection and other build hooks stay exactly as they were.

Chosen after building a real hatch-vcs project with it here (humanize 4.17, tests/corpus):
the alternatives, hatch-rs 0.4 and hatch-rust 0.1 (alpha), run cargo themselves and do not
read `[tool.maturin]`, so the crate `migrate` writes would need a second configuration.
"""

from __future__ import annotations

import re
from typing import Any

from scaffold import pins
from scaffold.errors import DestinationError

BACKEND = "hatchling.build"
# A hook table for every target: the wheel gets the extension, the sdist the crate's files.
HOOK_TABLE = "tool.hatch.build.hooks.maturin"


def uses_hatchling(document: Any) -> bool:  # noqa: ANN401  (a tomlkit document)
    build = document.get("build-system")
    return build is not None and str(build.get("build-backend", "")) == BACKEND


def edit_pyproject(document: Any, *, target: str, notes: list[str]) -> None:  # noqa: ANN401
    """Add the hook to `[build-system] requires` in place; `hook_table` adds its table."""
    hooks = document.get("tool", {}).get("hatch", {}).get("build", {}).get("hooks", {})
    if "maturin" in hooks:
        raise DestinationError(
            f"[{HOOK_TABLE}] already exists: the project already has a Rust extension"
        )
    requirement = pins.load().hatch_maturin_build_requirement  # the one pin table
    requires = document["build-system"].get("requires")
    if requires is None:
        document["build-system"]["requires"] = ["hatchling", requirement]
    elif not any(re.match(r"hatch[-_]maturin[-_]build\b", str(r), re.IGNORECASE) for r in requires):
        requires.append(requirement)
    notes.append(
        "the project keeps hatchling and its own metadata and versioning; the build hook "
        f"hatch-maturin-build runs maturin for {target} only (pip install . needs Rust)"
    )


def hook_table(text: str, newline: str) -> str:
    """`text` (the edited pyproject.toml) with the hook's table at its end.

    Appended as text: tomlkit writes a table added under dotted keys (`[tool.hatch]` holding
    `build.hooks.vcs.version-file = ...`) with a wrong header. A `[a.b.c]` header after
    dotted keys that define `a.b` is valid TOML as long as it defines a new table.
    """
    lines = [
        "",
        f"[{HOOK_TABLE}]",
        "# Added by pyo3-scaffold migrate: hatch-maturin-build builds the crate with maturin",
        "# ([tool.maturin] above); hatchling writes the metadata and packs the wheel.",
        "",
    ]
    return text.rstrip("\r\n") + newline + newline.join(lines)
