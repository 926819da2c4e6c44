"""flit's old metadata (`[tool.flit.metadata]`, flit < 3.2) as a PEP 621 `[project]` table.

flit has no build plugins, so a flit project moves to maturin, which reads `[project]`. The old
table is flit's own format, converted key by key as flit reads it: `module` or `dist-name` is
the name, `author`/`author-email` one author, `home-page` and `[...metadata.urls]` the urls,
`description-file` the readme, `requires`/`requires-extra` the dependencies and extras,
`keywords` a comma- or space-separated string, `[tool.flit.scripts]` and
`[tool.flit.entrypoints]` the scripts and entry points. flit takes the version from the
module's `__version__` (kept dynamic here: migrate reads that literal) and the description
from the first line of its docstring (written here as flit would).
"""

from __future__ import annotations

import re
from typing import Any

from scaffold.errors import InvalidInputError
from scaffold.migrate.toml_items import array, inline


def has_metadata(document: Any) -> bool:  # noqa: ANN401  (a tomlkit document)
    flit = document.get("tool", {}).get("flit", {})
    project = document.get("project")
    return "metadata" in flit and (project is None or "name" not in project)


def convert(document: Any, notes: list[str], *, docstring: str | None) -> None:  # noqa: ANN401, C901, PLR0912
    """Write `[project]` from `[tool.flit.metadata]` in place, removing the converted tables."""
    import tomlkit  # noqa: PLC0415

    flit = document["tool"]["flit"]
    old = flit["metadata"].unwrap()
    known = {
        "module", "dist-name", "author", "author-email", "maintainer", "maintainer-email",
        "home-page", "description-file", "classifiers", "requires-python", "requires",
        "requires-extra", "keywords", "license", "urls",
    }  # fmt: skip
    unknown = sorted(set(old) - known)
    if unknown:
        raise InvalidInputError(
            f"[tool.flit.metadata] {', '.join(unknown)}: no PEP 621 equivalent known to "
            "migrate; move the metadata to [project] by hand first"
        )
    project = tomlkit.table()
    project["name"] = str(old.get("dist-name") or old["module"])
    summary = (docstring or "").strip().splitlines()
    if summary:
        project["description"] = summary[0].strip()
    project["dynamic"] = ["version"]  # flit's: the module's __version__
    if "description-file" in old:
        project["readme"] = str(old["description-file"])
    if "requires-python" in old:
        project["requires-python"] = str(old["requires-python"])
    if "license" in old:
        project["license"] = inline({"text": str(old["license"])})
    for role in ("author", "maintainer"):
        person = {
            k: str(old[key])
            for k, key in (("name", role), ("email", f"{role}-email"))
            if key in old
        }
        if person:
            project[f"{role}s"] = array([inline(person)])
    if "keywords" in old:
        project["keywords"] = array([k for k in re.split(r"[,\s]+", str(old["keywords"])) if k])
    if "classifiers" in old:
        project["classifiers"] = array([str(c) for c in old["classifiers"]])
    if "requires" in old:
        project["dependencies"] = array([str(r) for r in old["requires"]])
    if "requires-extra" in old:
        extras = tomlkit.table()
        for extra, requirements in old["requires-extra"].items():
            extras[str(extra)] = array([str(r) for r in requirements])
        project["optional-dependencies"] = extras
    urls = {"Homepage": str(old["home-page"])} if "home-page" in old else {}
    urls |= {str(k): str(v) for k, v in old.get("urls", {}).items()}
    if urls:
        project["urls"] = urls
    if "scripts" in flit:
        project["scripts"] = {str(k): str(v) for k, v in flit["scripts"].items()}
        del flit["scripts"]
    if "entrypoints" in flit:
        project["entry-points"] = {
            str(group): {str(k): str(v) for k, v in entries.items()}
            for group, entries in flit["entrypoints"].unwrap().items()
        }
        del flit["entrypoints"]
    del flit["metadata"]
    document.add("project", project)
    left = sorted(str(k) for k in flit)
    if not left:
        del document["tool"]["flit"]
    notes.append(
        "[tool.flit.metadata] moved to [project] (PEP 621), key by key"
        + (f"; [tool.flit] {', '.join(left)} stay (maturin does not read them)" if left else "")
    )
