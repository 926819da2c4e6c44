"""Read GitHub Actions workflows: which wheels they build, how actions are pinned, permissions.

Workflows are data (YAML already parsed). The wheel matrix is worked out the way GitHub and the
build tools would: each job's `strategy.matrix` is expanded, `${{ matrix.x }}` is substituted
into `runs-on` and the build step's inputs, and the runner's OS/architecture plus the build
tool's settings (maturin-action `target`/`manylinux`, cibuildwheel `archs`/`build`/`skip`) give
the platforms. Expressions that cannot be resolved statically are ignored, never guessed.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

# The platforms a PyO3 project should ship wheels for, as (os, arch, libc) with display names.
REQUIRED_PLATFORMS: dict[tuple[str, str, str], str] = {
    ("linux", "x86_64", "glibc"): "Linux x86_64 (manylinux)",
    ("linux", "aarch64", "glibc"): "Linux aarch64 (manylinux)",
    ("linux", "x86_64", "musl"): "Linux x86_64 (musllinux)",
    ("linux", "aarch64", "musl"): "Linux aarch64 (musllinux)",
    ("macos", "x86_64", ""): "macOS x86_64",
    ("macos", "arm64", ""): "macOS arm64",
    ("windows", "AMD64", ""): "Windows AMD64",
    ("windows", "ARM64", ""): "Windows ARM64",
}

Platform = tuple[str, str, str]

_SHA = re.compile(r"[0-9a-f]{40}")
_EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
MATRIX_CAP = 256  # GitHub's own limit of jobs per matrix
_MATRIX_REF = re.compile(r"matrix((?:\.[\w-]+)+)")
# Identifiers used to test cibuildwheel's build/skip selectors (one CPython is enough: the
# question is which platforms are built at all).
_CIBW_IDS: dict[Platform, str] = {
    ("linux", "x86_64", "glibc"): "manylinux_x86_64",
    ("linux", "aarch64", "glibc"): "manylinux_aarch64",
    ("linux", "x86_64", "musl"): "musllinux_x86_64",
    ("linux", "aarch64", "musl"): "musllinux_aarch64",
    ("macos", "x86_64", ""): "macosx_x86_64",
    ("macos", "arm64", ""): "macosx_arm64",
    ("windows", "AMD64", ""): "win_amd64",
    ("windows", "ARM64", ""): "win_arm64",
}
_CPYTHONS = ("cp39", "cp310", "cp311", "cp312", "cp313", "cp314", "cp315")


@dataclass(frozen=True)
class Uses:
    workflow: str
    job: str
    ref: str  # the full `uses:` value


def iter_jobs(workflows: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for workflow_name, workflow in workflows.items():
        jobs = workflow.get("jobs") if isinstance(workflow, dict) else None
        if isinstance(jobs, dict):
            for job_name, job in jobs.items():
                if isinstance(job, dict):
                    yield workflow_name, str(job_name), job


def iter_uses(workflows: Mapping[str, Any]) -> Iterator[Uses]:
    """Every `uses:` of a job (reusable workflow) or a step."""
    for workflow_name, job_name, job in iter_jobs(workflows):
        if isinstance(job.get("uses"), str):
            yield Uses(workflow_name, job_name, job["uses"])
        for step in _steps(job):
            if isinstance(step.get("uses"), str):
                yield Uses(workflow_name, job_name, step["uses"])


def is_pinned(ref: str) -> bool:
    """Local actions and docker images are not GitHub refs; everything else needs a full SHA."""
    if ref.startswith(("./", "docker://")):
        return True
    _, _, version = ref.partition("@")
    return bool(_SHA.fullmatch(version))


def _steps(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    steps = job.get("steps")
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def expand_matrix(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The job's matrix combinations as GitHub builds them (one empty combination if none)."""
    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
    if not isinstance(matrix, dict):
        return [{}]
    axes = {k: v for k, v in matrix.items() if k not in {"include", "exclude"}}
    if not all(isinstance(v, list) for v in axes.values()):
        return [{}]  # a `${{ fromJSON(...) }}` matrix: unknown statically
    # Capped as GitHub caps a matrix (256 jobs): a 10^12-combination matrix must not hang us.
    combos = [
        dict(zip(axes, values, strict=True))
        for values in itertools.islice(itertools.product(*axes.values()), MATRIX_CAP)
    ]
    if not axes:
        combos = []
    excludes = _as_list(matrix.get("exclude"))
    combos = [c for c in combos if not any(_matches(c, e) for e in excludes if isinstance(e, dict))]
    includes = _as_list(matrix.get("include"))
    added: list[dict[str, Any]] = []
    for include in (i for i in includes if isinstance(i, dict)):
        # GitHub: an include extends every original combination whose matrix values it does
        # not overwrite; if it extends none, it becomes a combination of its own.
        extended = False
        for combo in combos:
            if all(combo[k] == v for k, v in include.items() if k in axes):
                combo.update({k: v for k, v in include.items() if k not in axes})
                extended = True
        if not extended:
            added.append(dict(include))
    return combos + added or [{}]


def _matches(combo: Mapping[str, Any], partial: Mapping[str, Any]) -> bool:
    return all(combo.get(k) == v for k, v in partial.items())


def substitute(value: object, matrix: Mapping[str, Any]) -> Any:  # noqa: ANN401 (YAML data)
    """Replace `${{ matrix.a.b }}` in strings; other expressions stay as they are."""
    if isinstance(value, str):

        def replace(found: re.Match[str]) -> str:
            ref = _MATRIX_REF.fullmatch(found.group(1))
            if ref is None:
                return found.group(0)
            current: Any = matrix
            for key in ref.group(1).split(".")[1:]:
                if not isinstance(current, dict) or key not in current:
                    return found.group(0)
                current = current[key]
            return str(current)

        return _EXPR.sub(replace, value)
    if isinstance(value, list):
        return [substitute(v, matrix) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, matrix) for k, v in value.items()}
    return value


def runner_platform(runs_on: object) -> tuple[str, str] | None:
    """(os, native arch) of a GitHub-hosted runner label, or None if unknown."""
    labels = " ".join(runs_on) if isinstance(runs_on, list) else str(runs_on or "")
    labels = labels.lower()
    if "${{" in labels:
        return None
    if "ubuntu" in labels or "linux" in labels:
        return ("linux", "aarch64" if re.search(r"-arm\b|arm64", labels) else "x86_64")
    if "windows" in labels:
        return ("windows", "ARM64" if re.search(r"-arm\b|arm64", labels) else "AMD64")
    if "macos" in labels:
        # Intel runners: macos-13 and older, and the `-intel` / `-large` labels.
        intel = re.search(r"macos-(1[0-3])\b|-intel\b|-large\b", labels)
        return ("macos", "x86_64" if intel else "arm64")
    return None


@dataclass(frozen=True)
class CibwRun:
    """One cibuildwheel build step, with what decides its wheels (env: workflow < job < step)."""

    runner: tuple[str, str] | None  # (os, native arch) of the runner, None if unknown
    env: dict[str, Any]
    platform: str | None = None  # --platform
    archs: str | None = None  # --archs
    only: str | None = None  # --only (or the action's `only:` input)


def built_platforms(workflows: Mapping[str, Any], cibuildwheel: Mapping[str, Any]) -> set[Platform]:
    """Platforms some job builds wheels for, with maturin-action or cibuildwheel."""
    built: set[Platform] = set()
    for _, _, job in iter_jobs(workflows):
        for combo in expand_matrix(job):
            runner = runner_platform(substitute(job.get("runs-on"), combo))
            if runner is None:
                continue
            for step in _steps(job):
                uses = str(step.get("uses", "")).lower()
                if uses.startswith("pyo3/maturin-action@"):
                    built |= _maturin_action(runner, _as_dict(substitute(step.get("with"), combo)))
    for run in cibuildwheel_runs(workflows):
        built |= {p for p, _ in _cibuildwheel(run, cibuildwheel)}
    return built


def cibuildwheel_runs(workflows: Mapping[str, Any]) -> list[CibwRun]:
    """Every step that builds wheels with cibuildwheel (the action or a `run:` command)."""
    runs: list[CibwRun] = []
    for workflow_name, _, job in iter_jobs(workflows):
        for combo in expand_matrix(job):
            runner = runner_platform(substitute(job.get("runs-on"), combo))
            env = _as_dict(workflows[workflow_name].get("env")) | _as_dict(
                substitute(job.get("env"), combo)
            )
            for step in _steps(job):
                step_env = env | _as_dict(substitute(step.get("env"), combo))
                uses = str(step.get("uses", "")).lower()
                if uses.startswith("pypa/cibuildwheel@"):
                    inputs = _as_dict(substitute(step.get("with"), combo))
                    only = inputs.get("only")
                    runs.append(CibwRun(runner, step_env, only=str(only) if only else None))
                elif isinstance(step.get("run"), str):
                    runs += [
                        CibwRun(runner, step_env, **flags)
                        for flags in _cibuildwheel_commands(substitute(step["run"], combo))
                    ]
    return runs


_SHELL_SPLIT = re.compile(r"&&|\|\||[;|\n]")
_CIBW_FLAGS = {"--platform": "platform", "--archs": "archs", "--only": "only"}
# Flags after which cibuildwheel only prints or exits: no wheels.
_CIBW_NO_BUILD = {"--print-build-identifiers", "--help", "-h", "--version"}


def _cibuildwheel_commands(script: str) -> list[dict[str, str]]:
    """The cibuildwheel builds in a shell script, each as its --platform/--archs/--only.

    `pip install cibuildwheel` and `cibuildwheel --print-build-identifiers` build nothing.
    """
    import shlex  # noqa: PLC0415 (only for workflows that run cibuildwheel by hand)

    builds: list[dict[str, str]] = []
    for command in _SHELL_SPLIT.split(script.replace("\\\n", " ")):
        try:
            words = shlex.split(command, comments=True)
        except ValueError:
            words = command.split()
        position = next(
            (
                i
                for i, w in enumerate(words)
                if re.fullmatch(r"(?:.*/)?cibuildwheel(?:[=<>~!]=?[\w.*]+)?", w)
            ),
            None,
        )
        if position is None or {"install", "add"} & set(words[:position]):
            continue
        args = words[position + 1 :]
        if _CIBW_NO_BUILD & set(args):
            continue
        flags: dict[str, str] = {}
        for index, word in enumerate(args):
            name, equals, value = word.partition("=")
            if name in _CIBW_FLAGS:
                if not equals:
                    value = args[index + 1] if index + 1 < len(args) else ""
                flags[_CIBW_FLAGS[name]] = value
        builds.append(flags)
    return builds


def _as_dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


_TARGET_ARCH = (
    (re.compile(r"^(x86_64|x64|amd64)\b"), "x86_64"),
    (re.compile(r"^(aarch64|arm64)\b"), "aarch64"),
    (re.compile(r"^universal2\b"), "universal2"),
)


def _maturin_action(runner: tuple[str, str], inputs: Mapping[str, Any]) -> set[Platform]:
    if str(inputs.get("command", "build")).strip() not in {"build", ""}:
        return set()  # sdist, upload, ...
    os_name, native = runner
    target = str(inputs.get("target", "")).strip().lower()
    arch = native.lower() if not target else ""
    for pattern, name in _TARGET_ARCH:
        if pattern.search(target):
            arch = name
    if os_name == "linux":
        manylinux = str(inputs.get("manylinux", "")).lower()
        libc = "musl" if "musl" in manylinux or "musl" in target else "glibc"
        return {("linux", arch, libc)} if arch in {"x86_64", "aarch64"} else set()
    if os_name == "macos":
        archs = {"x86_64", "arm64"} if arch == "universal2" else {_mac_arch(arch)}
        return {("macos", a, "") for a in archs}
    mapped = {"x86_64": "AMD64", "amd64": "AMD64", "aarch64": "ARM64", "arm64": "ARM64"}
    return {("windows", mapped[arch], "")} if arch in mapped else set()


def _mac_arch(arch: str) -> str:
    return "arm64" if arch in {"aarch64", "arm64"} else arch


def _cibuildwheel(run: CibwRun, config: Mapping[str, Any]) -> set[tuple[Platform, bool]]:
    """(platform, free-threaded) pairs the run builds; cibuildwheel's precedence: command-line
    flags, then CIBW_* variables (which replace, not extend, pyproject's values), then
    [tool.cibuildwheel.<os>], then [tool.cibuildwheel]."""
    env = run.env
    if run.only:
        for platform, identifier in _CIBW_IDS.items():
            if run.only.endswith(f"-{identifier}"):
                return {(platform, bool(re.match(r"cp3\d+t-", run.only)))}
        return set()
    os_name, native = run.runner or ("linux", "x86_64")
    chosen = (run.platform or str(env.get("CIBW_PLATFORM") or "auto")).strip().lower()
    if chosen != "auto":
        if chosen not in {"linux", "macos", "windows"}:
            return set()  # ios, android, pyodide: not among the required platforms
        # Linux wheels build in containers on any host; the host's architecture is native.
        arm = native.lower() in {"aarch64", "arm64"}
        native = {"linux": ("x86_64", "aarch64"), "macos": ("x86_64", "arm64")}.get(
            chosen, ("AMD64", "ARM64")
        )[arm]
        os_name = chosen
    platform_config = config.get(os_name, {}) if isinstance(config.get(os_name), dict) else {}
    archs_value = (
        run.archs
        or env.get(f"CIBW_ARCHS_{os_name.upper()}")
        or env.get("CIBW_ARCHS")
        or platform_config.get("archs")
        or config.get("archs")
        or "auto"
    )
    # --archs takes a comma-separated list; the settings a space-separated one or a list.
    if isinstance(archs_value, str):
        archs_value = archs_value.replace(",", " ")
    archs = _words(archs_value)
    candidates = {p for p in _CIBW_IDS if p[0] == os_name and _arch_selected(p[1], archs, native)}
    build = _words(_first_set(env, "CIBW_BUILD", platform_config.get("build"), config.get("build")))
    skip = _words(_first_set(env, "CIBW_SKIP", platform_config.get("skip"), config.get("skip")))
    built: set[tuple[Platform, bool]] = set()
    for platform in candidates:
        for free_threaded in (False, True):
            if _selected(_CIBW_IDS[platform], build, skip, free_threaded=free_threaded):
                built.add((platform, free_threaded))
    return built


def _first_set(env: Mapping[str, Any], variable: str, *values: object) -> object:
    """An environment variable that is set (even empty) replaces the configuration."""
    if variable in env:
        return env[variable]
    return next((v for v in values if v is not None), None)


def _words(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).split() if value else []


def _arch_selected(arch: str, archs: list[str], native: str) -> bool:
    lowered = {a.lower() for a in archs}
    if "all" in lowered or arch.lower() in lowered:
        return True
    if arch in {"x86_64", "arm64"} and "universal2" in lowered:
        return True
    # auto / auto64 / native: the runner's own architecture.
    return bool(lowered & {"auto", "auto64", "native"}) and arch == native


def _selected(
    platform_id: str, build: list[str], skip: list[str], *, free_threaded: bool = False
) -> bool:
    # Free-threaded CPython builds start at 3.14 in cibuildwheel 4 (cp313t is gone).
    pythons = ("cp314t", "cp315t") if free_threaded else _CPYTHONS
    for python in pythons:
        identifier = f"{python}-{platform_id}"
        if build and not any(fnmatch.fnmatch(identifier, b) for b in build):
            continue
        if any(fnmatch.fnmatch(identifier, s) for s in skip):
            continue
        return True
    return False


def skips_free_threaded(workflows: Mapping[str, Any], config: Mapping[str, Any]) -> bool:
    """Whether no cibuildwheel build selects a free-threaded CPython.

    Each workflow step is judged with its own env and flags; without any, cibuildwheel run
    by hand with [tool.cibuildwheel] alone.
    """
    runs = cibuildwheel_runs(workflows) or [CibwRun(None, {})]
    return not any(ft for run in runs for _, ft in _cibuildwheel(run, config))


def uses_cibuildwheel(workflows: Mapping[str, Any]) -> bool:
    return bool(cibuildwheel_runs(workflows))


def permission_problems(workflows: Mapping[str, Any]) -> list[str]:
    """Least privilege: read-only (or no) token by default, writes only on the jobs needing them."""
    problems: list[str] = []
    for name, workflow in workflows.items():
        if not isinstance(workflow, dict):
            continue
        top = workflow.get("permissions")
        jobs = _as_dict(workflow.get("jobs"))
        if top is None:
            missing = [
                j for j, job in jobs.items() if isinstance(job, dict) and "permissions" not in job
            ]
            if missing:
                problems.append(
                    f"{name}: no top-level `permissions:` (the token gets the repo default)"
                )
        elif _writes(top):
            problems.append(f"{name}: top-level permissions grant {_writes(top)}")
        for job_name, job in jobs.items():
            if isinstance(job, dict) and job.get("permissions") == "write-all":
                problems.append(f"{name}: job {job_name} has `permissions: write-all`")
    return problems


def _writes(permissions: object) -> str:
    if permissions == "write-all":
        return "write-all"
    if isinstance(permissions, dict):
        writes = sorted(str(k) for k, v in permissions.items() if v == "write")
        return ", ".join(f"{w}: write" for w in writes)
    return ""
