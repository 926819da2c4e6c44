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

from scaffold import files, names, pins, render, safe_io
from scaffold import project as reader
from scaffold.answers import PYTHON_VERSIONS, Answers
from scaffold.checks import pipeline
from scaffold.ci import carry, old_jobs
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

Action = Literal["created", "replaced", "merged", "unchanged", "kept", "edited", "deleted"]


@dataclass(frozen=True, kw_only=True)
class CiOptions:
    path: Path
    # Replace the old wheel/publish pipeline, carrying every shipped target over.
    force: bool = False
    # Write only the wheel workflow (and its pyproject settings): no noxfile, ci.yml, dependabot.
    wheels_only: bool = False
    # Shipped targets given up explicitly (prefixes of their names, e.g. "linux ppc64"), and
    # whether an older glibc/musl floor than cibuildwheel's images may be raised.
    drop_targets: frozenset[str] = frozenset()
    raise_floors: bool = False
    # Show the plan only: write nothing.
    dry_run: bool = False


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
    why: str = ""  # for "kept"/"edited"/"deleted": the reason, shown in the plan


@dataclass(frozen=True, kw_only=True)
class TargetRow:
    target: str
    before: bool
    after: bool


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What `ci` does, shown before it writes: targets before/after, files, publishing."""

    targets: tuple[TargetRow, ...]
    publishing: tuple[str, ...]
    warnings: tuple[str, ...]
    floors: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CiResult:
    project: Path
    detected: Detected
    files: tuple[FileAction, ...]
    plan: Plan
    # Kept for compatibility with callers of the refusal era: always empty now.
    refused: tuple[FileAction, ...] = field(default=())

    @property
    def written(self) -> tuple[FileAction, ...]:
        return tuple(f for f in self.files if f.action not in {"unchanged", "kept"})


WHEELS = ".github/workflows/wheels.yml"
OUR_CI = ".github/workflows/ci.yml"


def run(options: CiOptions) -> CiResult:  # noqa: C901, PLR0912, PLR0915 (the plan, step by step)
    project = options.path.absolute().resolve()
    pyproject_path = project / PYPROJECT
    read = reader.read(project)  # exit 2 when it is not a maturin/PyO3 project
    pyproject_text = safe_io.read_text(project, pyproject_path)
    pyproject = _load(pyproject_text, pyproject_path)
    detected = detect(read)
    minors = range(read.min_python[1] if read.min_python else 9, 16)
    old = pipeline.read(
        read.raw.workflows,
        abi3=read.abi3 is not None,
        cibuildwheel=read.raw.cibuildwheel,
        python_minors=minors,
    )

    with files.staging(project), tempfile.TemporaryDirectory(prefix="pyo3-scaffold-ci-") as temp:
        rendered = Path(temp) / "project"
        render.copy(
            rendered,
            {**_answers(detected).to_copier(), "tools": tools(read), "test_deps": test_deps(read)},
        )
        rendered_files = {
            name: (rendered / name).read_bytes() for name in CI_FILES if (rendered / name).is_file()
        }
        table_text, test_warnings = _cibuildwheel_table(
            (rendered / PYPROJECT).read_text(encoding="utf-8"), read, pyproject
        )

    ours_unchanged = (project / WHEELS).is_file() and (project / WHEELS).read_bytes() == (
        rendered_files[WHEELS]
    )
    theirs = old.wheel_jobs and not ours_unchanged
    actions: list[FileAction] = []
    writes: list[tuple[Path, bytes | None]] = []
    warnings: list[str] = []
    publishing: list[str] = []
    floors: list[str] = []
    wheels_name = WHEELS
    wheels_text = rendered_files[WHEELS].decode("utf-8")
    write_wheels = not theirs
    carried = None
    replaced_why = ""
    if theirs and options.force:
        texts = [
            safe_io.read_text(project, project / ".github/workflows" / name)
            for name in sorted(old.wheel_workflows)
        ]
        carried = carry.plan(
            old,
            abi3=read.abi3 is not None,
            free_threaded=read.free_threaded,
            extra_args=carry.abi3_args(texts),
        )
        lost = [c for c in carried.cannot if not any(c.startswith(d) for d in options.drop_targets)]
        if lost:
            raise InvalidInputError(
                "cibuildwheel cannot build what the project ships: "
                + "; ".join(lost)
                + ". Nothing was written; give them up with --drop-target '<name>' to go on."
            )
        if carried.floors_raised and not options.raise_floors:
            raise InvalidInputError(
                "cibuildwheel has no image as old as the shipped floor for "
                + "; ".join(carried.floors_raised)
                + ". Nothing was written; accept the newer floors with --raise-floors."
            )
        floors = list(carried.floors_raised)
        # The old wheel/publish jobs go, with the jobs that need them.
        removed_files: list[str] = []
        for name in sorted(old.wheel_workflows | {p.workflow for p in old.publishers}):
            workflow = read.raw.workflows[name]
            wheel_jobs = {j for w, j in old.wheel_jobs if w == name}
            # A job that also runs the project's tests or linters stays (its wheels are then
            # built but never published): tests are not ours to take away.
            mixed = {j for j in wheel_jobs if _runs_checks(workflow, j)}
            warnings += [
                f"{name} job {j} builds wheels and runs checks: kept (it no longer publishes)"
                for j in sorted(mixed)
            ]
            jobs = (wheel_jobs - mixed) | {p.job for p in old.publishers if p.workflow == name}
            jobs |= _sdist_jobs(workflow) - mixed
            jobs = old_jobs.dependents(workflow, jobs)
            path = project / ".github/workflows" / name
            text = safe_io.read_text(project, path)
            left = old_jobs.remove_jobs(text, jobs)
            if left is None:
                removed_files.append(name)
                writes.append((path, None))
                actions.append(
                    FileAction(
                        path=f".github/workflows/{name}",
                        action="deleted",
                        why=f"only wheel/publish jobs: {', '.join(sorted(jobs))}",
                    )
                )
            else:
                writes.append((path, left.encode("utf-8")))
                actions.append(
                    FileAction(
                        path=f".github/workflows/{name}",
                        action="edited",
                        why=f"jobs removed: {', '.join(sorted(jobs))}; the others kept",
                    )
                )
        # The publishing workflow keeps its file name: PyPI's trusted publisher names it.
        old_publisher = next((p for p in old.publishers), None)
        if old_publisher and old_publisher.workflow in removed_files:
            wheels_name = f".github/workflows/{old_publisher.workflow}"
            # One line for that file in the plan: replaced by ours under the same name.
            gone = next(a for a in actions if a.path == wheels_name)
            actions.remove(gone)
            replaced_why = f"ours, under your publishing file name (was: {gone.why})"
        wheels_text = _carry_into_workflow(wheels_text, carried, old, read.dist_name)
        table_text = _carry_into_table(table_text, carried)
        write_wheels = True
        publishing = _publishing_lines(old, wheels_name, read.dist_name)
    elif theirs:
        kept = ", ".join(sorted(old.wheel_workflows))
        actions.append(
            FileAction(
                path=WHEELS,
                action="kept",
                why=f"your pipeline ({kept}) already builds wheels; --force "
                "replaces it, carrying every target over",
            )
        )
        publishing = [
            f"unchanged: {p.workflow} job {p.job} ({p.method}"
            + (f", environment {p.environment}" if p.environment else "")
            + ")"
            for p in old.publishers
        ]
    if write_wheels:
        target_path = project / wheels_name
        if target_path.is_file() and target_path.read_bytes() == wheels_text.encode("utf-8"):
            actions.append(FileAction(path=wheels_name, action="unchanged"))
        elif (
            target_path.is_file()
            and wheels_name == WHEELS
            and not options.force
            and (WHEELS.rsplit("/", 1)[1] not in old.wheel_workflows)
        ):
            actions.append(
                FileAction(path=WHEELS, action="kept", why="a workflow of yours has this name")
            )
            write_wheels = False
        else:
            writes.append((target_path, wheels_text.encode("utf-8")))
            replaced = target_path.is_file() and wheels_name != WHEELS
            actions.append(
                FileAction(
                    path=wheels_name,
                    action="replaced" if target_path.is_file() else "created",
                    why=replaced_why if replaced else "",
                )
            )
    # The other files are ours to add, never to replace: a project's own stays.
    others = [".github/install-rust.sh"] if write_wheels else []
    if not options.wheels_only:
        others += ["noxfile.py", ".github/dependabot.yml"]
        ours_ci = project / OUR_CI
        if not read.workflows or (
            ours_ci.is_file() and ours_ci.read_bytes() == rendered_files[OUR_CI]
        ):
            others.append(OUR_CI)
        elif wheels_name.lower() == OUR_CI:
            pass  # ours now builds the wheels under CI.yml (one file on case-insensitive disks)
        else:
            actions.append(
                FileAction(path=OUR_CI, action="kept", why="the project has its own CI workflows")
            )
    for name in others:
        path = project / name
        existing = path if path.is_file() else _same_name_other_case(path)
        content = rendered_files[name]
        if existing is None:
            writes.append((path, content))
            actions.append(FileAction(path=name, action="created"))
        elif existing.read_bytes() == content:
            actions.append(FileAction(path=name, action="unchanged"))
        else:
            actions.append(FileAction(path=name, action="kept", why="yours"))
    if write_wheels:
        new_pyproject = _merge_cibuildwheel(pyproject_text, table_text)
        if new_pyproject != pyproject_text:
            writes.append((pyproject_path, new_pyproject.encode("utf-8")))
            actions.append(
                FileAction(
                    path=PYPROJECT,
                    action="merged",
                    why="[tool.cibuildwheel] keys it lacked; yours kept",
                )
            )
    if write_wheels:
        warnings += test_warnings
    # What the new workflows build, read back the same way as the old ones.
    after_workflows = dict(read.raw.workflows)
    if write_wheels:
        import yaml  # noqa: PLC0415

        for path, data in writes:
            name = path.name
            if path.parent.name == "workflows":
                if data is None:
                    after_workflows.pop(name, None)
                else:
                    after_workflows[name] = yaml.safe_load(data.decode("utf-8"))
    merged_config = (
        tomllib.loads(
            next((d.decode() for p, d in writes if p == pyproject_path and d), pyproject_text)
        )
        .get("tool", {})
        .get("cibuildwheel", {})
    )
    after = pipeline.read(
        after_workflows,
        abi3=read.abi3 is not None or bool(carried and carried.pep517_args),
        cibuildwheel=merged_config,
        python_minors=minors,
    )
    rows = [
        TargetRow(target=str(t), before=t in old.targets, after=t in after.targets)
        for t in sorted(old.targets | after.targets)
    ]
    lost_targets = [
        r.target
        for r in rows
        if r.before
        and not r.after
        and not any(r.target.startswith(d) for d in options.drop_targets)
    ]
    if options.force and lost_targets:
        raise InvalidInputError(
            "the new workflow would not build "
            + ", ".join(lost_targets)
            + ". Nothing was written; give them up with --drop-target '<name>' to go on."
        )
    plan = Plan(
        targets=tuple(rows),
        publishing=tuple(publishing),
        warnings=tuple(warnings),
        floors=tuple(floors),
    )
    # Deletions first: on a case-insensitive disk CI.yml and ci.yml are one file.
    writes.sort(key=lambda w: w[1] is not None)
    if not options.dry_run:
        files.apply_all((files.Write(path, data) for path, data in writes), root=project)
    return CiResult(project=project, detected=detected, files=tuple(actions), plan=plan)


# Signs that a job checks the project itself (not just smoke-tests the wheel it built with
# `pip install --find-links dist` + pytest): linters, tox/nox, cargo test, a source install.
_CHECKS = re.compile(
    r"\b(tox|nox|mypy|flake8|ruff|black|cargo (test|clippy|fmt)|maturin develop)\b"
    r"|pip install (-e )?\.(\s|$)"
)


def _runs_checks(workflow: Mapping[str, Any], job_name: str) -> bool:
    job = (workflow.get("jobs") or {}).get(job_name)
    steps = job.get("steps") if isinstance(job, dict) else None
    return any(
        isinstance(step, dict) and _CHECKS.search(str(step.get("run", ""))) for step in steps or []
    )


def render_plan(result: CiResult) -> str:
    """The plan as the user reads it: targets before/after per platform, files, publishing."""
    by_platform: dict[str, tuple[set[str], set[str]]] = {}
    for row in result.plan.targets:
        platform, _, kind = row.target.rpartition(" ")
        before, after = by_platform.setdefault(platform, (set(), set()))
        if row.before:
            before.add(kind)
        if row.after:
            after.add(kind)
    order = {k: i for i, k in enumerate(pipeline.KINDS)}
    lines = [f"{'target':<26} {'before':<18} after"]
    for platform, (before, after) in by_platform.items():
        shown_before = " ".join(sorted(before, key=order.__getitem__)) or "-"
        shown_after = " ".join(sorted(after, key=order.__getitem__)) or "-"
        lost = " (LOST: given up)" if before - after else ""
        lines.append(f"{platform:<26} {shown_before:<18} {shown_after}{lost}")
    lines.append("")
    width = max((len(f.path) for f in result.files), default=0)
    lines += [
        (f"  {f.action:<9} {f.path:<{width}}" + (f"  {f.why}" if f.why else "")).rstrip()
        for f in result.files
    ]
    if result.plan.publishing:
        lines += ["", "Publishing:"] + [f"  {p}" for p in result.plan.publishing]
    if result.plan.floors:
        lines += ["", "Floors raised (--raise-floors):"] + [f"  {f}" for f in result.plan.floors]
    lines += [f"Warning: {w}" for w in result.plan.warnings]
    return "\n".join(_wrap(line) for line in lines)


def _wrap(line: str, width: int = 88) -> str:
    """Long plan lines wrap under their own indentation (a terminal or a docs page)."""
    if len(line) <= width:
        return line
    import textwrap  # noqa: PLC0415

    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.fill(line, width=width, subsequent_indent=indent, break_on_hyphens=False)


def _sdist_jobs(workflow: Mapping[str, Any]) -> set[str]:
    """Jobs that build the sdist (ours builds it too)."""
    jobs = workflow.get("jobs") if isinstance(workflow, dict) else None
    found: set[str] = set()
    for name, job in (jobs or {}).items():
        text = str(job)
        if re.search(r"'command': 'sdist'|maturin sdist|build --sdist|'args': 'sdist", text):
            found.add(str(name))
    return found


def _publishing_lines(old: pipeline.Pipeline, wheels_name: str, dist: str) -> list[str]:
    ours = wheels_name.rsplit("/", 1)[-1]
    environment = next((p.environment for p in old.publishers if p.environment), None) or "pypi"
    tags = ", ".join(old.tags) or "v*"
    lines = [
        f"new: {ours} job publish (trusted publishing, environment {environment}, tags {tags})"
    ]
    lines += [f"replaced: {p.workflow} job {p.job} ({p.method})" for p in old.publishers]
    trusted = [p for p in old.publishers if p.method == "trusted"]
    settings = f"https://pypi.org/manage/project/{dist}/settings/publishing/"
    if trusted and trusted[0].workflow != ours:
        lines.append(
            f"PyPI trusted publisher: change the workflow name from {trusted[0].workflow} to "
            f"{ours} (environment {environment}) at {settings}"
        )
    elif not trusted and old.publishers:
        lines.append(
            f"PyPI trusted publisher: add one for workflow {ours}, environment {environment}, "
            f"at {settings}; the API token secret is then no longer used"
        )
    if old.release_assets:
        lines.append(
            "note: the old pipeline also attached wheels to GitHub releases; ours does not"
        )
    return lines


def _carry_into_workflow(text: str, carried: carry.Carry, old: pipeline.Pipeline, dist: str) -> str:
    """Our rendered wheels.yml with the carried targets, QEMU, triggers and environment."""
    del dist
    lines = text.splitlines(keepends=True)
    last_entry = max(i for i, line in enumerate(lines) if line.lstrip().startswith("- { name:"))
    lines[last_entry + 1 : last_entry + 1] = [e.yaml() for e in carried.entries]
    text = "".join(lines)
    env_lines = "          CIBW_PLATFORM: ${{ matrix.platform || 'auto' }}\n"
    if carried.pep517_args:
        env_lines += (
            "          # abi3 as the old pipeline built it (--features on its command line).\n"
            f"          MATURIN_PEP517_ARGS: {carried.pep517_args}\n"
        )
    text = text.replace(
        "          CIBW_BUILD: ${{ matrix.build }}\n",
        "          CIBW_BUILD: ${{ matrix.build }}\n" + env_lines,
        1,
    )
    if any(e.qemu for e in carried.entries):
        qemu = pins.load().action("docker/setup-qemu-action")
        if qemu is not None:
            step = (
                "      # Linux architectures without a GitHub runner build under emulation.\n"
                "      - name: Set up QEMU\n"
                "        if: matrix.qemu\n"
                f"        uses: {qemu.uses} # {qemu.tag}\n"
                "        with:\n"
                "          platforms: all\n"
            )
            text = text.replace(
                "      - name: Build and test the wheels (cibuildwheel)\n",
                step + "      - name: Build and test the wheels (cibuildwheel)\n",
                1,
            )
    if old.tags:
        quoted = ", ".join(f'"{t}"' for t in old.tags)
        text = text.replace('    tags: ["v*"]\n', f"    tags: [{quoted}]\n", 1)
        if not all(t.startswith("v") for t in old.tags):
            text = text.replace(
                "startsWith(github.ref, 'refs/tags/v')", "startsWith(github.ref, 'refs/tags/')"
            )
    if old.branches:
        quoted = ", ".join(f'"{b}"' for b in old.branches)
        text = text.replace("    branches: [main]\n", f"    branches: [{quoted}]\n", 1)
    environment = next((p.environment for p in old.publishers if p.environment), None)
    if environment:
        text = text.replace(
            "    environment:\n      name: pypi\n",
            f"    environment:\n      name: {environment}\n",
            1,
        )
    return text


def _carry_into_table(text: str, carried: carry.Carry) -> str:
    """Our [tool.cibuildwheel] text with enable, images, un-skipped targets and overrides."""
    lines = text.splitlines(keepends=True)
    drop = {f'"{u}"' for u in carried.unskip}
    if carried.keep_free_threaded:
        drop.add('"cp3??t-*"')
    lines = [ln for ln in lines if not any(ln.strip().startswith(d) for d in drop)]
    text = "".join(lines)
    extra = ""
    if carried.enable:
        extra += "# PyPy/GraalPy wheels, as the old pipeline shipped them.\n"
        extra += "enable = [" + ", ".join(f'"{e}"' for e in carried.enable) + "]\n"
    for key, image in sorted(carried.images.items()):
        extra += f'{key} = "{image}"  # the glibc floor the old wheels had\n'
    if extra:
        text = text.replace("[tool.cibuildwheel]\n", "[tool.cibuildwheel]\n" + extra, 1)
    if carried.musl_alpine_rust:
        archs = ",".join(carried.musl_alpine_rust)
        select = (
            f"*-musllinux_{{{archs}}}"
            if len(carried.musl_alpine_rust) > 1
            else f"*-musllinux_{archs}"
        )
        text = text.rstrip("\n") + (
            "\n\n# rustup has no host toolchain for 32-bit musl: Alpine's own Rust there.\n"
            "[[tool.cibuildwheel.overrides]]\n"
            f'select = "{select}"\n'
            'before-all = "apk add --no-progress rust cargo"\n'
        )
    return text


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


def tools(project: reader.Project) -> list[str]:
    """What the noxfile's lint and rust sessions run (copier.yml `tools`): only the tools the
    project already uses, in the template's order. `cargo test` and clippy as its CI runs
    them (clippy's `-D warnings` only where that CI denies warnings)."""
    used = set(project.lint_tools)
    if project.clippy_denies_warnings and "clippy" in used:
        used.add("clippy-deny-warnings")
    order = ("ruff", "black", "flake8", "mypy", "rustfmt", "clippy", "clippy-deny-warnings")
    return [t for t in (*order, "cargo-test") if t in used]


def test_deps(project: reader.Project) -> dict[str, object]:
    """What the noxfile's tests session installs (copier.yml `test_deps`): the same test
    dependencies as the wheels' test step; the template's `test` group (or pytest) when the
    tests need nothing found elsewhere."""
    tests = project.tests
    if not tests.known:
        return {}
    # The requirements as Python string literals (Jinja's tojson would write `>` as \u003e).
    found: dict[str, object] = {"install": ", ".join(_toml_string(r) for r in tests.requires)}
    if tests.group:
        found["group"] = tests.group
    if tests.extra:
        found["extra"] = tests.extra
    return found


def _min_python(lowest: tuple[int, int] | None) -> str:
    """The oldest CPython the project supports, within what the template knows."""
    if lowest is None:
        # No requires-python (nor abi3 floor): the project claims every CPython, so wheels
        # are built from the oldest one cibuildwheel and the template know.
        return PYTHON_VERSIONS[0]
    known = [int(v.split(".")[1]) for v in PYTHON_VERSIONS]
    return f"3.{min(max(lowest[1], known[0]), known[-1])}"


def _answers(detected: Detected) -> Answers:
    # Only what the CI files use matters; the other answers get safe stand-ins.
    # The project name must pass the template's validator (a letter first): `_core` does not.
    stand_in = detected.dist_name if detected.dist_name[:1].isalpha() else "project"
    return Answers(
        project_name=stand_in,
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
    existing = target if safe_io.is_file(project, target) else _same_name_other_case(target)
    if existing is None:
        return FileAction(path=name, action="created"), content
    replaces = existing.relative_to(project).as_posix() if existing != target else None
    # Through safe_io: a symlink out of the project is refused, never shown in the diff.
    current = safe_io.read_bytes(project, existing)
    if current == content and replaces is None:
        return FileAction(path=name, action="unchanged"), content
    diff = "".join(
        difflib.unified_diff(
            current.decode("utf-8", errors="replace").splitlines(keepends=True),
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


def _cibuildwheel_table(
    rendered_pyproject: str, read: reader.Project, pyproject: dict[str, Any]
) -> tuple[str, list[str]]:
    """The rendered `[tool.cibuildwheel*]` tables as text, fitted to how the project tests,
    and the warnings about its test step."""
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
    return _fit_tests("".join(keep) + "\n", read.tests, pyproject)


_TEST_KEYS = ("test-command", "test-requires", "test-groups", "test-extras", "test-sources")


def _fit_tests(
    text: str, tests: reader.TestSetup, pyproject: dict[str, Any]
) -> tuple[str, list[str]]:
    """Point cibuildwheel's test step at the project's tests and their real dependencies.

    The template has `[dependency-groups] test` and `tests/`. Another project's wheels are
    tested with what its own tests need (its group, extra or requirements file), from where
    they are (its pytest `testpaths`), or not at all, with a warning: a test step that fails
    at import tells nothing about the wheel. A `[tool.cibuildwheel]` test step of the
    project's own is left as it is.
    """
    table = pyproject.get("tool", {}).get("cibuildwheel", {})
    theirs = isinstance(table, dict) and any(k in table for k in _TEST_KEYS)
    warnings: list[str] = []
    fitted: list[str] = []
    if theirs:
        pass  # their test-* keys define the test step; none of ours is added beside them
    elif not tests.folder:
        warnings.append("no test folder found: the wheels are built without a test step")
    elif not tests.runnable:
        warnings.append(
            f"the tests in {tests.folder}/ import {', '.join(tests.unmet)}, which no "
            "dependency group, extra or requirements file names: the wheels are built "
            "without a test step (declare them in a `test` dependency group to add it)"
        )
    else:
        if tests.unmet:
            warnings.append(
                f"the tests import {', '.join(tests.unmet)}, which {tests.source} does not "
                "name (by that name): check that the wheel tests find them"
            )
        if tests.group == "test" and tests.paths == ("tests",) and not tests.requires:
            return text, warnings  # the template's own test step fits as it is
        fitted = _test_lines(tests)
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
    return "".join(out), warnings


def _test_lines(tests: reader.TestSetup) -> list[str]:
    """`[tool.cibuildwheel]` lines that install what the tests need and run them."""
    lines = [f"# Every wheel is tested by the project's own suite, with {tests.source}.\n"]
    if tests.group:
        lines.append(f"test-groups = [{_toml_string(tests.group)}]\n")
    if tests.extra:
        lines.append(f"test-extras = [{_toml_string(tests.extra)}]\n")
    if tests.requires:
        lines.append(f"test-requires = [{', '.join(_toml_string(r) for r in tests.requires)}]\n")
    command = " ".join(["pytest", *(f"{{project}}/{p}" for p in tests.paths)])
    lines.append(f"test-command = {_toml_string(command)}\n")
    return lines


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    import json  # noqa: PLC0415

    return json.dumps(value, ensure_ascii=False)


def _merge_cibuildwheel(pyproject: str, table_text: str) -> str:
    """Add our [tool.cibuildwheel] to pyproject.toml, never replacing a value of the user's.

    Without one, the tables are appended as text: every existing byte stays. With one, only
    the keys it lacks are added through tomlkit (comments and order kept): no line is lost.
    """
    # The file's own line endings are kept, for the lines we add too.
    crlf = "\r\n" in pyproject and "\n" not in pyproject.replace("\r\n", "")
    document_ = safe_io.Document(PYPROJECT, tomllib.loads(pyproject))
    current = safe_io.table(document_, "tool", "cibuildwheel")
    if current is None:
        added = pyproject.rstrip("\r\n") + "\n\n" + table_text
        return _crlf(added) if crlf else added
    import tomlkit  # noqa: PLC0415

    ours: Any = tomlkit.parse(table_text)["tool"]["cibuildwheel"]
    document = tomlkit.parse(pyproject)
    theirs: Any = document["tool"]["cibuildwheel"]
    _add_missing(theirs, ours, current)
    merged = tomlkit.dumps(document)
    return _crlf(merged) if crlf else merged


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _add_missing(
    theirs: MutableMapping[str, object], ours: Mapping[str, object], current: Mapping[str, object]
) -> None:
    for key, value in ours.items():
        plain = value.unwrap() if hasattr(value, "unwrap") else value
        mine = current.get(key)
        if key not in current:
            theirs[key] = value
        elif isinstance(plain, dict) and isinstance(mine, dict) and isinstance(value, Mapping):
            _add_missing(theirs[key], value, mine)  # type: ignore[arg-type]
