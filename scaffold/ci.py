"""`pyo3-scaffold ci`: add (or refresh) our nox sessions and wheel workflows in any PyO3 project.

The files come from the same template as `new` (rendered whole into a temporary folder with
answers read from the project, then only the CI files are taken), so `new` and `ci` never
drift. `[tool.cibuildwheel]` is merged into pyproject.toml as text/tomlkit edits that leave
every other byte as it was. A user's own file (a workflow, the noxfile, a different
`[tool.cibuildwheel]` value) is never replaced without `force`: the result then lists the
diffs and nothing is written at all.
"""

from __future__ import annotations

import difflib
import re
import tempfile
import tomllib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scaffold import files, names, render
from scaffold import project as reader
from scaffold.answers import PYTHON_VERSIONS, Answers
from scaffold.errors import InvalidInputError, UnreadableProjectError

# What `ci` writes, as rendered by the template (benchmarks/ is left out: it times the
# template's own example functions, which another project does not have).
CI_FILES = (
    ".github/workflows/ci.yml",
    ".github/workflows/wheels.yml",
    ".github/dependabot.yml",
    # Run by [tool.cibuildwheel.linux] before-all: Rust from a pinned, sha256-checked rustup-init.
    ".github/install-rust.sh",
    "noxfile.py",
)
PYPROJECT = "pyproject.toml"
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")

Action = Literal["created", "replaced", "merged", "unchanged"]


@dataclass(frozen=True, kw_only=True)
class CiOptions:
    path: Path
    # Replace the user's own files (and [tool.cibuildwheel] values) that differ from ours.
    force: bool = False


@dataclass(frozen=True, kw_only=True)
class Detected:
    """The template answers read from the project (what the CI files depend on)."""

    dist_name: str
    module_name: str
    layout: Literal["mixed", "rust"]
    abi3: bool
    min_python: str
    free_threaded: bool


@dataclass(frozen=True, kw_only=True)
class FileAction:
    path: str
    action: Action
    # For a user's file that `force` would replace (or did): what changes, as a unified diff.
    diff: str = ""
    # A differently-cased file of the user's that ours replaces (CI.yml -> ci.yml).
    replaces: str | None = None


@dataclass(frozen=True, kw_only=True)
class CiResult:
    project: Path
    detected: Detected
    files: tuple[FileAction, ...]
    # The user's files that differ from ours and were kept (no `force`): nothing was written.
    refused: tuple[FileAction, ...] = field(default=())

    @property
    def written(self) -> tuple[FileAction, ...]:
        return tuple(f for f in self.files if f.action != "unchanged")


def run(options: CiOptions) -> CiResult:
    project = options.path.absolute().resolve()
    pyproject_path = project / PYPROJECT
    read = reader.read(project)  # exit 2 when it is not a maturin/PyO3 project
    pyproject_text = pyproject_path.read_text(encoding="utf-8")
    pyproject = _load(pyproject_text, pyproject_path)
    detected = detect(read)

    # In the staging folder beside the project (scaffold.files), not $TMPDIR: nothing leaks.
    with files.staging(project), tempfile.TemporaryDirectory(prefix="pyo3-scaffold-ci-") as temp:
        rendered = Path(temp) / "project"
        render.copy(rendered, _answers(detected).to_copier())
        plans = [_plan_file(project, rendered, name) for name in CI_FILES]
        table_text = _cibuildwheel_table(
            (rendered / PYPROJECT).read_text(encoding="utf-8"), project, pyproject
        )
    new_pyproject, pyproject_diff = _merge_cibuildwheel(pyproject_text, table_text)

    refused = [p for p, _ in plans if p.diff and not options.force]
    if pyproject_diff and not options.force:
        refused.append(FileAction(path=PYPROJECT, action="replaced", diff=pyproject_diff))
    pyproject_action: Action = "unchanged" if new_pyproject == pyproject_text else "merged"
    actions = [*(p for p, _ in plans), FileAction(path=PYPROJECT, action=pyproject_action,
                                                   diff=pyproject_diff)]  # fmt: skip
    if refused:
        return CiResult(project=project, detected=detected, files=(), refused=tuple(refused))

    # Deletions first: on a case-insensitive disk CI.yml and ci.yml are one file.
    writes: list[tuple[Path, bytes | None]] = [
        (project / plan.replaces, None) for plan, _ in plans if plan.replaces
    ]
    writes += [
        (project / plan.path, content) for plan, content in plans if plan.action != "unchanged"
    ]
    if pyproject_action == "merged":
        writes.append((pyproject_path, new_pyproject.encode("utf-8")))
    files.apply_all((files.Write(path, data) for path, data in writes), root=project)
    return CiResult(project=project, detected=detected, files=tuple(actions))


# --- Reading the project ----------------------------------------------------------------


def detect(project: reader.Project) -> Detected:
    """The template answers, from the one project reader (`scaffold.project`)."""
    names.check_dist_name(project.dist_name)  # it goes into the rendered workflows and noxfile
    module_name = project.import_name.replace("-", "_")
    if not _IDENT.match(module_name):
        raise InvalidInputError(
            f"cannot use the import name {module_name!r} (from module-name or [lib] name): "
            "it must be a lowercase Python identifier"
        )
    return Detected(
        dist_name=project.dist_name,
        module_name=module_name,
        layout=project.layout,
        abi3=project.abi3 is not None,
        min_python=_min_python(project.min_python),
        free_threaded=project.free_threaded,
    )


def _min_python(lowest: tuple[int, int] | None) -> str:
    """The oldest CPython the project supports, within what the template knows."""
    if lowest is None:
        return Answers.min_python  # the template's default
    known = [int(v.split(".")[1]) for v in PYTHON_VERSIONS]
    return f"3.{min(max(lowest[1], known[0]), known[-1])}"


def _answers(detected: Detected) -> Answers:
    # Only what the CI files use matters; the other answers get safe stand-ins.
    return Answers(
        project_name=detected.module_name,
        dist_name=detected.dist_name,
        module_name=detected.module_name,
        crate_name=detected.module_name,
        min_python=detected.min_python,
        abi3=detected.abi3,
        layout=detected.layout,
        free_threaded=detected.free_threaded,
    )


def _load(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UnreadableProjectError(f"{path} is not valid TOML: {error}") from error


# --- Planning the files -------------------------------------------------------------------


def _plan_file(project: Path, rendered: Path, name: str) -> tuple[FileAction, bytes]:
    content = (rendered / name).read_bytes()
    target = project / name
    existing = target if target.is_file() else _same_name_other_case(target)
    if existing is None:
        return FileAction(path=name, action="created"), content
    replaces = existing.relative_to(project).as_posix() if existing != target else None
    if existing.read_bytes() == content and replaces is None:
        return FileAction(path=name, action="unchanged"), content
    diff = "".join(
        difflib.unified_diff(
            existing.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True),
            content.decode("utf-8").splitlines(keepends=True),
            fromfile=f"a/{existing.relative_to(project).as_posix()}",
            tofile=f"b/{name}",
        )
    )
    return FileAction(path=name, action="replaced", diff=diff, replaces=replaces), content


def _same_name_other_case(target: Path) -> Path | None:
    """maturin's `CI.yml` is our `ci.yml` on macOS and Windows: treat it as the same file."""
    if not target.parent.is_dir():
        return None
    wanted = target.name.lower()
    return next((p for p in target.parent.iterdir() if p.name.lower() == wanted), None)


def _cibuildwheel_table(rendered_pyproject: str, project: Path, pyproject: dict[str, Any]) -> str:
    """The rendered `[tool.cibuildwheel*]` tables as text, fitted to how the project tests."""
    keep: list[str] = []
    inside = False
    for line in rendered_pyproject.splitlines(keepends=True):
        header = _TABLE_HEADER.match(line)
        if header:
            inside = header.group(1).startswith("tool.cibuildwheel")
        if inside:
            keep.append(line)
    # Trailing comment lines belong to the next (dropped) table.
    while keep and (not keep[-1].strip() or keep[-1].lstrip().startswith("#")):
        keep.pop()
    return _fit_tests("".join(keep) + "\n", project, pyproject)


def _fit_tests(text: str, project: Path, pyproject: dict[str, Any]) -> str:
    """Point cibuildwheel's test step at the project's tests and their dependencies (text).

    The template has `[dependency-groups] test` and `tests/`; a project without them would
    get wheels tested without pytest, or a command that finds no tests.
    """
    groups = pyproject.get("dependency-groups", {})
    extras = pyproject.get("project", {}).get("optional-dependencies", {})
    tests_dir = next((d for d in ("tests", "python/tests", "test") if (project / d).is_dir()), None)
    if "test" in groups and tests_dir == "tests":
        return text
    fitted: list[str] = []
    if tests_dir is not None:
        if "test" in groups:
            needs = 'test-groups = ["test"]'
        elif extra := next((e for e in ("test", "tests") if e in extras), None):
            needs = f'test-extras = ["{extra}"]'
        else:
            needs = 'test-requires = ["pytest"]'
        fitted = [
            f"# Every wheel is tested by the project's own suite in {tests_dir}/.\n",
            f"{needs}\n",
            f'test-command = "pytest {{project}}/{tests_dir}"\n',
        ]
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        key = line.split("=", 1)[0].strip()
        if key in {"test-groups", "test-command"}:
            # Drop the template's lines and the comments that explain them.
            while out and out[-1].lstrip().startswith("#"):
                out.pop()
            if key == "test-groups":
                out += fitted
            continue
        out.append(line)
    return "".join(out)


def _merge_cibuildwheel(pyproject: str, table_text: str) -> tuple[str, str]:
    """Add our [tool.cibuildwheel] to pyproject.toml; return (new text, diff of user values).

    Without one, the tables are appended as text: every existing byte stays. With one, our keys
    are set through tomlkit (comments and order kept); where the user chose another value the
    diff is returned, and the caller replaces it only with `force`.
    """
    current = tomllib.loads(pyproject).get("tool", {}).get("cibuildwheel")
    if current is None:
        return pyproject.rstrip("\n") + "\n\n" + table_text, ""
    import tomlkit  # noqa: PLC0415

    ours: Any = tomlkit.parse(table_text)["tool"]["cibuildwheel"]
    document = tomlkit.parse(pyproject)
    theirs: Any = document["tool"]["cibuildwheel"]
    conflicts = _merge_into(theirs, ours, current)
    merged = tomlkit.dumps(document)
    if not conflicts:
        return merged, ""
    diff = difflib.unified_diff(
        pyproject.splitlines(keepends=True),
        merged.splitlines(keepends=True),
        fromfile=f"a/{PYPROJECT}",
        tofile=f"b/{PYPROJECT}",
    )
    return merged, "".join(diff)


def _merge_into(
    theirs: MutableMapping[str, object], ours: Mapping[str, object], current: Mapping[str, object]
) -> list[str]:
    """Set our keys in `theirs` (tomlkit); return the keys where the user had another value."""
    conflicts: list[str] = []
    for key, value in ours.items():
        plain = value.unwrap() if hasattr(value, "unwrap") else value
        mine = current.get(key)
        if key not in current:
            theirs[key] = value
        elif isinstance(plain, dict) and isinstance(mine, dict) and isinstance(value, Mapping):
            conflicts += _merge_into(theirs[key], value, mine)  # type: ignore[arg-type]
        elif mine != plain:
            conflicts.append(key)
            theirs[key] = value
    return conflicts
