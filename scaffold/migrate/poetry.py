"""Poetry's own metadata (`[tool.poetry]`, Poetry < 2) as a PEP 621 `[project]` table.

poetry-core has no PyO3 build plugin (its `build` script is unstable and undocumented for
extensions), so a Poetry project moves to maturin, which reads `[project]`. The conversion
is Poetry's own semantics, field by field: "Name <email>" authors, `^`/`~`/`*` constraints
(`^1.2` is `>=1.2,<2`, `^0.2.3` is `>=0.2.3,<0.3.0`, `~1.2` is `>=1.2,<1.3`), optional
dependencies grouped by `[tool.poetry.extras]`, scripts, plugins and urls. Anything without an
exact PEP 621 equivalent (git, path or url dependencies, `||` constraints) is refused with one
line rather than guessed. The converted keys leave `[tool.poetry]`; the rest (dependency
groups, packages) stays there for Poetry's own commands.
"""

from __future__ import annotations

import re
from typing import Any

from scaffold.errors import InvalidInputError
from scaffold.migrate.toml_items import array, inline

# Fields copied as they are (same name, same meaning in PEP 621).
_SAME = ("name", "version", "description", "keywords", "classifiers")
_URLS = {"homepage": "Homepage", "repository": "Repository", "documentation": "Documentation"}
_PERSON = re.compile(r"^\s*(?P<name>[^<>]*?)\s*(?:<(?P<email>[^<>]+)>)?\s*$")


def has_metadata(document: Any) -> bool:  # noqa: ANN401  (a tomlkit document)
    """True when the metadata lives in `[tool.poetry]` only (no PEP 621 `[project]` name)."""
    poetry = document.get("tool", {}).get("poetry", {})
    project = document.get("project")
    return "name" in poetry and (project is None or "name" not in project)


def constraint(text: str, *, what: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier set ("" when it allows anything)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # noqa: PLC0415

    if "||" in text or "|" in text:
        raise InvalidInputError(
            f"{what}: the constraint {text!r} is a union, which a PEP 508 requirement cannot "
            "say; write it as one range in [tool.poetry] first"
        )
    # ">= 1.2, < 1.5" and ">=1.2 <1.5" (Poetry reads a space as "and" too).
    joined = re.sub(r"([<>=!~^]=?)\s+", r"\1", text.strip())
    parts = [p for p in re.split(r"[,\s]+", joined) if p]
    out: list[str] = []
    for part in parts:
        out += _one(part, what=what)
    spec = ",".join(out)
    try:
        SpecifierSet(spec)
    except InvalidSpecifier as error:
        raise InvalidInputError(f"{what}: cannot convert the constraint {text!r}") from error
    return spec


def _one(part: str, *, what: str) -> list[str]:  # noqa: PLR0911  (one case per operator)
    if part in {"*", ""}:
        return []
    if part.startswith("^"):
        return _caret(part[1:], what=what)
    if part.startswith("~") and not part.startswith("~="):
        version = part[1:]
        numbers = _numbers(version, what=what)
        upper = [*numbers[:2]] if len(numbers) >= 2 else [numbers[0]]  # noqa: PLR2004
        upper[-1] += 1
        if len(numbers) == 1:
            return [f">={version}", f"<{upper[0]}"]
        return [f">={version}", f"<{upper[0]}.{upper[1]}"]
    if part.endswith(".*") and part[0].isdigit():
        return [f"=={part}"]
    if part[0].isdigit():
        return [f"=={part}"]
    if part.startswith("=") and not part.startswith("=="):
        return [f"={part}"]
    return [part]


def _caret(version: str, *, what: str) -> list[str]:
    numbers = _numbers(version, what=what)
    # The first non-zero component may not change (all of them when they are all zero,
    # but the last given).
    first = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
    upper = numbers[: first + 1]
    upper[-1] += 1
    return [f">={version}", "<" + ".".join(str(n) for n in upper)]


def _numbers(version: str, *, what: str) -> list[int]:
    release = re.match(r"^\d+(\.\d+)*", version)
    if not release:
        raise InvalidInputError(f"{what}: cannot read the version {version!r}")
    return [int(n) for n in release.group(0).split(".")]


def _person(text: str) -> dict[str, str]:
    found = _PERSON.match(str(text))
    if not found:
        raise InvalidInputError(f"[tool.poetry] authors: cannot read {text!r} (Name <email>)")
    person = {}
    if found.group("name"):
        person["name"] = found.group("name")
    if found.group("email"):
        person["email"] = found.group("email").strip()
    return person


def _requirement(name: str, spec: Any) -> tuple[str, bool]:  # noqa: ANN401  (str or table)
    """One dependency as a PEP 508 requirement, and whether it is optional."""
    what = f"[tool.poetry.dependencies] {name}"
    if isinstance(spec, str):
        version, optional, extras, markers = spec, False, [], []
    elif isinstance(spec, dict):
        unsupported = [k for k in ("git", "path", "url", "file", "source") if k in spec]
        if unsupported:
            raise InvalidInputError(
                f"{what}: a {unsupported[0]} dependency has no PEP 508 equivalent on PyPI; "
                "publish it or convert it by hand first"
            )
        version = str(spec.get("version", "*"))
        optional = bool(spec.get("optional", False))
        extras = [str(e) for e in spec.get("extras", [])]
        markers = [str(spec["markers"])] if "markers" in spec else []
        if "python" in spec:
            python = constraint(str(spec["python"]), what=what)
            markers += [f"python_version {op} '{v}'" for op, v in _split_ops(python)]
        if "platform" in spec:
            markers.append(f"sys_platform == '{spec['platform']}'")
    else:
        raise InvalidInputError(f"{what}: expected a string or a table")
    text = name + (f"[{','.join(extras)}]" if extras else "")
    text += constraint(version, what=what)
    if markers:
        text += "; " + " and ".join(f"({m})" if " or " in m else m for m in markers)
    return text, optional


def _split_ops(spec: str) -> list[tuple[str, str]]:
    found = [re.match(r"^(==|!=|<=|>=|<|>|~=)(.+)$", p) for p in spec.split(",") if p]
    return [(m.group(1), m.group(2)) for m in found if m]


def convert(document: Any, notes: list[str]) -> None:  # noqa: ANN401, C901, PLR0912, PLR0915
    """Write `[project]` from `[tool.poetry]` in place, removing the converted keys there."""
    import tomlkit  # noqa: PLC0415

    poetry = document["tool"]["poetry"]
    project = document.get("project")
    if project is None:
        project = tomlkit.table()
    taken: list[str] = []
    for key in _SAME:
        if key in poetry:
            value = poetry[key]
            value = value.unwrap() if hasattr(value, "unwrap") else value
            project[key] = array(value) if isinstance(value, list) else value
            taken.append(key)
    if "license" in poetry:
        project["license"] = inline({"text": str(poetry["license"])})
        taken.append("license")
    if "readme" in poetry:
        readme = poetry["readme"]
        if isinstance(readme, list):
            if len(readme) > 1:
                notes.append(f"[tool.poetry] readme lists {len(readme)} files; [project] has one")
            readme = readme[0]
        project["readme"] = str(readme)
        taken.append("readme")
    for key in ("authors", "maintainers"):
        if key in poetry:
            project[key] = array([inline(_person(p)) for p in poetry[key]])
            taken.append(key)
    dependencies = poetry.get("dependencies", {})
    required: list[str] = []
    optional: dict[str, str] = {}
    for name, spec in dependencies.items():
        if name.lower() == "python":
            python = constraint(str(spec), what="[tool.poetry.dependencies] python")
            if python:
                project["requires-python"] = python
            continue
        text, is_optional = _requirement(str(name), spec)
        if is_optional:
            optional[str(name).lower()] = text
        else:
            required.append(text)
    if dependencies:
        taken.append("dependencies")
    if required:
        project["dependencies"] = array(required)
    extras = poetry.get("extras", {})
    if extras:
        table = tomlkit.table()
        for extra, members in extras.items():
            table[str(extra)] = array([optional.get(str(m).lower(), str(m)) for m in members])
        project["optional-dependencies"] = table
        taken.append("extras")
    urls = {label: str(poetry[key]) for key, label in _URLS.items() if key in poetry}
    urls |= {str(k): str(v) for k, v in poetry.get("urls", {}).items()}
    taken += [k for k in (*_URLS, "urls") if k in poetry]
    if urls:
        project["urls"] = urls
    scripts = poetry.get("scripts", {})
    if scripts:
        converted = {}
        for name, script in scripts.items():
            if isinstance(script, dict) and "callable" not in script:
                raise InvalidInputError(
                    f"[tool.poetry.scripts] {name}: only callable scripts have a PEP 621 equivalent"
                )
            converted[str(name)] = str(script["callable"] if isinstance(script, dict) else script)
        project["scripts"] = converted
        taken.append("scripts")
    if "plugins" in poetry:
        project["entry-points"] = {
            str(group): {str(k): str(v) for k, v in entries.items()}
            for group, entries in poetry["plugins"].items()
        }
        taken.append("plugins")
    if "project" not in document:
        document.add("project", project)
    for key in taken:
        del poetry[key]
    if "include" in poetry:
        notes.append(
            "[tool.poetry] include lists files Poetry added to its archives; maturin reads "
            "[tool.maturin] include instead (README and license files it adds by itself)"
        )
    left = sorted(str(k) for k in poetry)
    if left:
        notes.append(
            f"[tool.poetry] metadata moved to [project] (PEP 621); {', '.join(left)} stay in "
            "[tool.poetry] for Poetry's own commands (maturin does not read them)"
        )
    else:
        del document["tool"]["poetry"]
        notes.append("[tool.poetry] metadata moved to [project] (PEP 621), field by field")
