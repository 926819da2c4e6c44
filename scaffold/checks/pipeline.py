"""What a project's existing workflows ship: the wheel targets, and how they are published.

A *target* is one kind of wheel: (os, arch, libc, interpreter kind), e.g. ("linux", "i686",
"glibc", "cp") for per-version CPython wheels on 32-bit manylinux. The same key is read from
two sides so they can be compared:

- `wheel_target(filename)`: from a published wheel's tags (PyPI's file list);
- `read(...)`: from the workflows, statically: each job's matrix is expanded (with a cap),
  `${{ }}` expressions are evaluated (`scaffold.checks.expressions`), and every
  maturin-action / `maturin build` / cibuildwheel step gives its targets.

The libc floor (manylinux 2.17 for `manylinux: auto`/2014, musllinux 1.2...) is kept per Linux
target so an adoption can keep it. Unknowns are left out, never guessed.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scaffold.checks import expressions

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

_GITHUB_ENV = re.compile(r"""echo\s+["']?(\w+)=([^"'\n>]*?)["']?\s*>>\s*["']?\$\{?GITHUB_ENV""")
# At most this many combinations per job matrix (GitHub's own limit is 256).
MATRIX_CAP = 256
KINDS = ("abi3", "cp", "cpt", "pp", "graalpy")


@dataclass(frozen=True, order=True)
class Target:
    os: str  # linux, macos, windows, pyodide
    arch: str  # x86_64 i686 aarch64 armv7l ppc64le ppc64 s390x riscv64 | x86_64 arm64 universal2
    # | AMD64 x86 ARM64 | wasm32
    libc: str  # glibc, musl, "" (not Linux)
    kind: str  # abi3, cp (one wheel per CPython), cpt (free-threaded), pp (PyPy), graalpy

    def __str__(self) -> str:
        libc = {"glibc": " manylinux", "musl": " musllinux"}.get(self.libc, "")
        return f"{self.os} {self.arch}{libc} {self.kind}"


@dataclass(frozen=True, kw_only=True)
class Publisher:
    workflow: str
    job: str
    method: str  # trusted (OIDC), token, twine, maturin-upload, uv-publish
    environment: str | None = None
    skip_existing: bool = False


@dataclass(frozen=True, kw_only=True)
class Pipeline:
    targets: frozenset[Target]
    # Linux (arch, libc) -> the floor the build image keeps, e.g. ("x86_64", "glibc"): "2014".
    floors: dict[tuple[str, str], str] = field(default_factory=dict)
    wheel_jobs: frozenset[tuple[str, str]] = frozenset()  # (workflow, job) that build wheels
    publishers: tuple[Publisher, ...] = ()
    release_assets: bool = False
    tags: tuple[str, ...] = ()  # tag patterns that trigger the publishing workflows
    branches: tuple[str, ...] = ()

    @property
    def wheel_workflows(self) -> frozenset[str]:
        return frozenset(w for w, _ in self.wheel_jobs)


# --- wheels on PyPI ------------------------------------------------------------------------

_PLATFORM_ARCH = re.compile(
    r"(x86_64|i686|aarch64|armv7l|ppc64le|ppc64|s390x|riscv64|universal2|arm64|wasm32)$"
)


def wheel_target(filename: str) -> tuple[Target, str] | None:  # noqa: C901, PLR0911 (tag kinds)
    """(target, libc floor) of a wheel file name; floor like "2.17" or "1.2", "" elsewhere."""
    stem = filename.removesuffix(".whl")
    parts = stem.split("-")
    if len(parts) < 5:  # noqa: PLR2004 (name-version-python-abi-platform)
        return None
    python, abi, platforms = parts[-3], parts[-2], parts[-1]
    if abi == "abi3":
        kind = "abi3"
    elif python.startswith("pp"):
        kind = "pp"
    elif python.startswith("graalpy"):
        kind = "graalpy"
    elif abi.endswith("t") and python.startswith("cp"):
        kind = "cpt"
    elif python.startswith("cp"):
        kind = "cp"
    else:
        return None
    tags = platforms.split(".")
    first = tags[0]
    if first.startswith(("manylinux", "musllinux")):
        libc = "musl" if first.startswith("musllinux") else "glibc"
        found = _PLATFORM_ARCH.search(first)
        floors = [_linux_floor(t) for t in tags]
        floor = min((f for f in floors if f), key=lambda f: tuple(int(x) for x in f.split(".")))
        return (Target("linux", found.group(1) if found else first, libc, kind), floor)
    if first.startswith("macosx"):
        arch = (
            "universal2"
            if any("universal2" in t for t in tags)
            else ("arm64" if first.endswith("arm64") else "x86_64")
        )
        return (Target("macos", arch, "", kind), "")
    windows = {"win32": "x86", "win_amd64": "AMD64", "win_arm64": "ARM64"}
    if first in windows:
        return (Target("windows", windows[first], "", kind), "")
    if "wasm32" in first:
        return (Target("pyodide", "wasm32", "", kind), "")
    return None


_LEGACY = {"manylinux1": "2.5", "manylinux2010": "2.12", "manylinux2014": "2.17"}


def _linux_floor(tag: str) -> str:
    for legacy, floor in _LEGACY.items():
        if tag.startswith(legacy + "_"):
            return floor
    found = re.match(r"(?:many|musl)linux_(\d+)_(\d+)_", tag)
    return f"{found.group(1)}.{found.group(2)}" if found else ""


def published_targets(filenames: Iterable[str]) -> tuple[frozenset[Target], dict[Target, str]]:
    targets: set[Target] = set()
    floors: dict[Target, str] = {}
    for name in filenames:
        parsed = wheel_target(name)
        if parsed is None:
            continue
        target, floor = parsed
        targets.add(target)
        if floor:
            floors[target] = min(
                floors.get(target, floor), floor, key=lambda f: tuple(int(x) for x in f.split("."))
            )
    return frozenset(targets), floors


# --- workflows -----------------------------------------------------------------------------


def _jobs(workflows: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, workflow in workflows.items():
        jobs = workflow.get("jobs") if isinstance(workflow, dict) else None
        if isinstance(jobs, dict):
            for job_name, job in jobs.items():
                if isinstance(job, dict):
                    yield name, str(job_name), job


def _steps(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    steps = job.get("steps")
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def expand_matrix(job: Mapping[str, Any], context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The job's matrix combinations as GitHub builds them, at most MATRIX_CAP; axes given as
    `${{ fromJSON('[...]') }}` of a literal are evaluated."""
    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
    matrix = expressions.substitute(matrix, context) if matrix is not None else None
    if not isinstance(matrix, dict):
        return [{}]
    axes = {k: v for k, v in matrix.items() if k not in {"include", "exclude"}}
    if not all(isinstance(v, list) for v in axes.values()):
        return [{}]  # an axis computed at run time: unknown statically
    combos: list[dict[str, Any]] = []
    if axes:
        combos.extend(
            dict(zip(axes, values, strict=True))
            for values in itertools.islice(itertools.product(*axes.values()), MATRIX_CAP)
        )
    excludes = [e for e in _as_list(matrix.get("exclude")) if isinstance(e, dict)]
    combos = [c for c in combos if not any(_matches(c, e) for e in excludes)]
    added: list[dict[str, Any]] = []
    for include in (i for i in _as_list(matrix.get("include")) if isinstance(i, dict)):
        extended = False
        for combo in combos:
            if all(_matches_value(combo.get(k), v) for k, v in include.items() if k in axes):
                combo.update({k: v for k, v in include.items() if k not in axes})
                extended = True
        if not extended:
            added.append(dict(include))
    return (combos + added)[:MATRIX_CAP] or [{}]


def _matches_value(have: object, want: object) -> bool:
    if isinstance(want, dict) and isinstance(have, dict):
        return all(have.get(k) == v for k, v in want.items())
    return have == want


def _matches(combo: Mapping[str, Any], partial: Mapping[str, Any]) -> bool:
    return all(_matches_value(combo.get(k), v) for k, v in partial.items())


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _as_dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def runner(runs_on: object) -> tuple[str, str] | None:
    """(os, native arch) of a GitHub-hosted runner label."""
    labels = " ".join(map(str, runs_on)) if isinstance(runs_on, list) else str(runs_on or "")
    labels = labels.lower()
    if "${{" in labels:
        return None
    arm = bool(re.search(r"-arm\b|arm64|aarch64", labels))
    if "ubuntu" in labels or "linux" in labels:
        if "riscv" in labels:
            return ("linux", "riscv64")
        return ("linux", "aarch64" if arm else "x86_64")
    if "windows" in labels:
        return ("windows", "ARM64" if arm else "AMD64")
    if "macos" in labels:
        intel = re.search(r"macos-(1[0-3])\b|-intel\b|-large\b", labels)
        return ("macos", "x86_64" if intel else "arm64")
    return None


# maturin/rust target names -> our arch names, per os.
_LINUX_ARCH = (
    (r"^(x86_64|x64|amd64)", "x86_64"),
    (r"^(i686|i586|x86)\b", "i686"),
    (r"^(aarch64|arm64)", "aarch64"),
    (r"^armv7", "armv7l"),
    (r"^(ppc64le|powerpc64le)", "ppc64le"),
    (r"^(ppc64|powerpc64)\b", "ppc64"),
    (r"^s390x", "s390x"),
    (r"^riscv64", "riscv64"),
)


def _maturin_arch(os_name: str, target: str, native: str) -> str | None:  # noqa: PLR0911
    target = target.strip().lower()
    if not target:
        return native
    if os_name == "linux":
        return next((a for p, a in _LINUX_ARCH if re.search(p, target)), None)
    if os_name == "macos":
        if target.startswith("universal2"):
            return "universal2"
        return "arm64" if target.startswith(("aarch64", "arm64")) else "x86_64"
    if os_name == "windows":
        if target.startswith(("aarch64", "arm64")):
            return "ARM64"
        if re.match(r"^(i686|x86)\b", target):
            return "x86"
        return "AMD64"
    return None


_FLAG = re.compile(r"^-")


def _interpreters(args: list[str]) -> list[str] | None:
    """The values of -i/--interpreter (None when not given)."""
    found: list[str] | None = None
    index = 0
    while index < len(args):
        word = args[index]
        if word in {"-i", "--interpreter"} or word.startswith(("--interpreter=", "-i=")):
            found = found or []
            if "=" in word:
                found += word.split("=", 1)[1].split()
            index += 1
            while index < len(args) and not _FLAG.match(args[index]):
                found += args[index].split()
                index += 1
            continue
        index += 1
    return found


def _kinds(interpreters: list[str] | None, *, abi3: bool, find: bool) -> set[str]:
    """Which wheel kinds a maturin build makes for these interpreters."""
    if interpreters is None:
        # --find-interpreter takes every interpreter of the manylinux image, cp3XXt included.
        return {"abi3"} if abi3 else ({"cp", "pp", "cpt"} if find else {"cp"})
    kinds: set[str] = set()
    for value in interpreters:
        name = value.lower().rsplit("/", 1)[-1]
        if "${{" in name or name.startswith("$"):
            kinds.add("abi3" if abi3 else "cp")  # some CPython, run-time chosen
        elif "pypy" in name:
            kinds.add("pp")
        elif "graalpy" in name:
            kinds.add("graalpy")
        elif re.search(r"3\.?\d+t$", name):
            kinds.add("cpt")
        elif re.search(r"3\.?\d+$", name) or name in {"python", "python3"}:
            kinds.add("abi3" if abi3 else "cp")
    return kinds


def _manylinux_floor(value: str, arch: str, libc: str) -> str:
    value = value.strip().lower()
    if libc == "musl":
        found = re.search(r"musllinux_(\d+)_(\d+)", value)
        return f"musllinux_{found.group(1)}_{found.group(2)}" if found else "musllinux_1_2"
    if value in {"", "auto", "2014", "manylinux2014"}:
        # maturin-action's `auto`: manylinux2014, except where that image does not exist.
        return "manylinux_2_31" if arch == "riscv64" else "manylinux2014"
    if value in {"off", "false"}:
        return "host"
    found = re.search(r"(\d+)_(\d+)", value)
    if found:
        return f"manylinux_{found.group(1)}_{found.group(2)}"
    return {"2010": "manylinux2010", "1": "manylinux1"}.get(value.removeprefix("manylinux"), value)


@dataclass
class _Reading:
    targets: set[Target] = field(default_factory=set)
    floors: dict[tuple[str, str], str] = field(default_factory=dict)
    wheel_jobs: set[tuple[str, str]] = field(default_factory=set)

    def add(self, target: Target, floor: str = "") -> None:
        self.targets.add(target)
        if target.os == "linux" and floor:
            key = (target.arch, target.libc)
            self.floors.setdefault(key, floor)


def read(  # noqa: C901, PLR0912, PLR0915 (one pass over jobs, steps and their kinds)
    workflows: Mapping[str, Any],
    *,
    abi3: bool,
    cibuildwheel: Mapping[str, Any],
    python_minors: Iterable[int] = (),
) -> Pipeline:
    """The targets and publishing of every workflow (see the module docstring)."""
    reading = _Reading()
    publishers: list[Publisher] = []
    tags: list[str] = []
    branches: list[str] = []
    release_assets = False
    for workflow_name, job_name, job in _jobs(workflows):
        workflow = workflows[workflow_name]
        base = {"env": _as_dict(workflow.get("env"))}
        for combo in expand_matrix(job, base):
            context = {"matrix": combo, "env": base["env"]}
            context["env"] = base["env"] | _as_dict(expressions.substitute(job.get("env"), context))
            host = runner(expressions.substitute(job.get("runs-on"), context))
            if host is not None:
                context["runner"] = {
                    "os": {"linux": "Linux", "macos": "macOS", "windows": "Windows"}[host[0]],
                    "arch": "ARM64" if host[1] in {"aarch64", "arm64", "ARM64"} else "X64",
                }
            setup_python = ""
            for step in _steps(job):
                step_env = context["env"] | _as_dict(
                    expressions.substitute(step.get("env"), context)
                )
                step_context = {**context, "env": step_env}
                if expressions.condition(step.get("if"), step_context) is False:
                    continue  # this combination skips the step
                run_text = step.get("run")
                if isinstance(run_text, str):
                    # `echo "NAME=value" >> $GITHUB_ENV` sets env for the later steps.
                    for name, value in _GITHUB_ENV.findall(run_text):
                        context["env"] = context["env"] | {
                            name: expressions.substitute(value, step_context)
                        }
                uses = str(step.get("uses", "")).lower()
                inputs = _as_dict(expressions.substitute(step.get("with"), step_context))
                run = step.get("run")
                script = (
                    str(expressions.substitute(run, step_context)) if isinstance(run, str) else ""
                )
                if uses.startswith("actions/setup-python@"):
                    setup_python = str(inputs.get("python-version", "")).lower()
                if re.match(r"(pyo3|messense)/maturin-action@", uses) and host:
                    inputs = {
                        **inputs,
                        "args": _bare_python(str(inputs.get("args", "")), setup_python),
                    }
                    if _maturin_action(reading, host, inputs, abi3=abi3):
                        reading.wheel_jobs.add((workflow_name, job_name))
                elif uses.startswith("pypa/cibuildwheel@"):
                    _cibuildwheel(
                        reading,
                        host,
                        step_env,
                        cibuildwheel,
                        (python_minors, abi3),
                        inputs.get("only"),
                    )
                    reading.wheel_jobs.add((workflow_name, job_name))
                if uses.startswith("pypa/gh-action-pypi-publish@"):
                    token = any("password" in k for k in inputs)
                    publishers.append(
                        Publisher(
                            workflow=workflow_name,
                            job=job_name,
                            method="token" if token else "trusted",
                            environment=_environment(job.get("environment")),
                            skip_existing=str(inputs.get("skip-existing", "")).lower() == "true",
                        )
                    )
                elif re.match(r"(pyo3|messense)/maturin-action@", uses) and str(
                    inputs.get("command", "")
                ) in {"upload", "publish"}:
                    publishers.append(
                        Publisher(
                            workflow=workflow_name,
                            job=job_name,
                            method="maturin-upload",
                            environment=_environment(job.get("environment")),
                            skip_existing="--skip-existing" in str(inputs.get("args", "")),
                        )
                    )
                if uses.startswith(("softprops/action-gh-release@", "ncipollo/release-action@")):
                    release_assets = True
                if script:
                    from scaffold.checks.workflows import _cibuildwheel_commands  # noqa: PLC0415

                    for flags in _cibuildwheel_commands(script):
                        flag_env = dict(step_env)
                        if "platform" in flags:
                            flag_env["CIBW_PLATFORM"] = flags["platform"]
                        if "archs" in flags:
                            flag_env["CIBW_ARCHS"] = flags["archs"]
                        _cibuildwheel(
                            reading,
                            host,
                            flag_env,
                            cibuildwheel,
                            (python_minors, abi3),
                            flags.get("only"),
                        )
                        reading.wheel_jobs.add((workflow_name, job_name))
                    publisher = _script_publisher(workflow_name, job_name, job, script)
                    if publisher:
                        publishers.append(publisher)
                    if re.search(r"\bgh release (create|upload)\b", script):
                        release_assets = True
                    if host and _maturin_commands(reading, host, script, abi3=abi3):
                        reading.wheel_jobs.add((workflow_name, job_name))
    publishers = list(dict.fromkeys(publishers))  # one per job, not per matrix combination
    for name in {p.workflow for p in publishers}:
        on = _on(workflows[name])
        push = _as_dict(on.get("push")) if isinstance(on, dict) else {}
        tags += [str(t) for t in _as_list(push.get("tags"))]
        branches += [str(b) for b in _as_list(push.get("branches"))]
    return Pipeline(
        targets=frozenset(reading.targets),
        floors=reading.floors,
        wheel_jobs=frozenset(reading.wheel_jobs),
        publishers=tuple(publishers),
        release_assets=release_assets,
        tags=tuple(dict.fromkeys(tags)),
        branches=tuple(dict.fromkeys(branches)),
    )


def _on(workflow: Mapping[str, Any]) -> Any:  # noqa: ANN401
    # PyYAML reads the key `on` as True (YAML 1.1 boolean).
    return workflow.get("on", workflow.get(True, {}))  # type: ignore[call-overload]


def _environment(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    return str(value) if value else None


def _script_publisher(
    workflow: str, job_name: str, job: Mapping[str, Any], script: str
) -> Publisher | None:
    environment = _environment(job.get("environment"))
    skip = "--skip-existing" in script
    for pattern, method in (
        (r"\btwine\s+upload\b", "twine"),
        (r"\bmaturin\s+(upload|publish)\b", "maturin-upload"),
        (r"\buv\s+publish\b", "uv-publish"),
    ):
        if re.search(pattern, script):
            return Publisher(
                workflow=workflow,
                job=job_name,
                method=method,
                environment=environment,
                skip_existing=skip,
            )
    return None


def _maturin_action(
    reading: _Reading, host: tuple[str, str], inputs: Mapping[str, Any], *, abi3: bool
) -> bool:
    command = str(inputs.get("command", "build")).strip() or "build"
    if command not in {"build", "publish"}:
        return False  # sdist, upload, ...
    args = _split(str(inputs.get("args", "")))
    target = str(inputs.get("target", "")).strip() or _option(args, "--target")
    return _maturin_build(reading, host, target, str(inputs.get("manylinux", "")), args, abi3=abi3)


def _maturin_build(
    reading: _Reading,
    host: tuple[str, str],
    target: str,
    manylinux: str,
    args: list[str],
    *,
    abi3: bool,
) -> bool:
    if "${{" in target or "${{" in manylinux:
        return False  # unknown statically
    os_name, native = host
    if os_name == "macos" and "--universal2" in args:
        target = "universal2"  # maturin before 1.0 spelled `--target universal2-apple-darwin` so
    native_arch = {"arm64": "aarch64"}.get(native, native) if os_name == "linux" else native
    if os_name == "macos" and not target:
        native_arch = native
    arch = _maturin_arch(os_name, target, native_arch)
    if arch is None:
        return False
    features = " ".join(args)
    build_abi3 = abi3 or bool(re.search(r"abi3", features))
    find = "--find-interpreter" in args
    kinds = _kinds(_interpreters(args), abi3=build_abi3, find=find)
    libc = ""
    if os_name == "linux":
        libc = "musl" if "musl" in manylinux.lower() or "musl" in target.lower() else "glibc"
    if find and _interpreters(args) is None:
        # What --find-interpreter finds: the manylinux images carry PyPy on x86_64, aarch64
        # and i686 only, musllinux none; a macOS/Windows runner has the CPython it was given.
        if os_name != "linux":
            kinds &= {"cp", "abi3"}
        elif libc == "musl" or arch not in {"x86_64", "aarch64", "i686"}:
            kinds -= {"pp"}
    floor = _manylinux_floor(manylinux, arch, libc) if os_name == "linux" else ""
    for kind in kinds:
        reading.add(Target(os_name, arch, libc, kind), floor)
    return bool(kinds)


def _bare_python(args: str, setup_python: str) -> str:
    """`-i python` means the interpreter actions/setup-python installed (pypy3.12, 3.14t...)."""
    if not setup_python or "${{" in setup_python:
        return args
    return re.sub(r"(?<=\s)python3?(?=\s|$)", setup_python, " " + args).strip()


def _option(args: list[str], flag: str) -> str:
    """The value of `--flag value` or `--flag=value` ("" when absent)."""
    for index, word in enumerate(args):
        if word == flag and index + 1 < len(args):
            return args[index + 1]
        if word.startswith(flag + "="):
            return word.split("=", 1)[1]
    return ""


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text.replace("\\\n", " "))
    except ValueError:
        return text.split()


def _maturin_commands(reading: _Reading, host: tuple[str, str], script: str, *, abi3: bool) -> bool:
    built = False
    for command in re.split(r"&&|\|\||[;\n]", script.replace("\\\n", " ")):
        words = _split(command)
        if "maturin" not in words:
            continue
        position = words.index("maturin")
        rest = words[position + 1 :]
        if not rest or rest[0] not in {"build", "publish"}:
            continue
        target = _option(rest, "--target")
        manylinux = _option(rest, "--manylinux") or _option(rest, "--compatibility")
        built |= _maturin_build(reading, host, target, manylinux or "off", rest, abi3=abi3)
    return built


# --- cibuildwheel ---------------------------------------------------------------------------

_CIBW_LINUX = ("x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64")
_AUTO_ARCHS = {
    ("linux", "x86_64"): ("x86_64", "i686"),
    ("linux", "aarch64"): ("aarch64", "armv7l"),
    ("linux", "riscv64"): ("riscv64",),
    ("windows", "AMD64"): ("AMD64", "x86"),
    ("windows", "ARM64"): ("ARM64",),
    ("macos", "arm64"): ("arm64",),
    ("macos", "x86_64"): ("x86_64",),
}
_AUTO64 = {"i686", "x86", "armv7l"}
_PYPY_ARCHS = {"x86_64", "aarch64", "i686", "arm64", "AMD64"}


def _brace(pattern: str) -> list[str]:
    found = re.search(r"\{([^{}]*)\}", pattern)
    if not found:
        return [pattern]
    head, tail = pattern[: found.start()], pattern[found.end() :]
    return [e for option in found.group(1).split(",") for e in _brace(head + option + tail)]


def _select(identifier: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(identifier, p) for raw in patterns for p in _brace(raw))


def _words(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).replace(",", " ").split() if value else []


def _cibuildwheel(  # noqa: C901, PLR0912, PLR0915, PLR0917 (cibuildwheel's option precedence)
    reading: _Reading,
    host: tuple[str, str] | None,
    env: Mapping[str, Any],
    config: Mapping[str, Any],
    pythons_abi3: tuple[Iterable[int], bool],
    only: object,
) -> None:
    """Targets of one cibuildwheel step: flags/`only`, then CIBW_* (which replace pyproject's
    values), then [tool.cibuildwheel.<os>], then [tool.cibuildwheel]."""
    os_name, native = host or ("linux", "x86_64")
    chosen = str(env.get("CIBW_PLATFORM") or "auto").strip().lower()
    if only:
        # --only names one identifier: its platform and arch, whatever build/skip say.
        only = str(only)
        chosen = next(
            (o for p, o in (("linux", "linux"), ("macosx", "macos"), ("win", "windows"),
                            ("pyodide", "pyodide")) if p in only),
            chosen,
        )  # fmt: skip
        env = {k: v for k, v in env.items() if k not in {"CIBW_BUILD", "CIBW_SKIP"}}
        env = {**env, "CIBW_ARCHS": "all", "CIBW_BUILD": "", "CIBW_SKIP": "", "CIBW_ENABLE": "all"}
    if "${{" in chosen:
        return
    if chosen == "pyodide":
        platform_ids = [("pyodide", "wasm32", "", "pyodide_wasm32")]
        os_key = "pyodide"
    else:
        if chosen in {"linux", "macos", "windows"}:
            os_name = chosen
        os_key = os_name
        platform_config = _as_dict(config.get(os_name))
        archs_value = (
            env.get(f"CIBW_ARCHS_{os_name.upper()}")
            or env.get("CIBW_ARCHS")
            or platform_config.get("archs")
            or config.get("archs")
            or "auto"
        )
        archs = {a.lower() for a in _words(archs_value)}
        if any("${{" in a for a in archs):
            return
        native_key = (
            os_name,
            native if os_name != "linux" else {"arm64": "aarch64"}.get(native, native),
        )
        auto = _AUTO_ARCHS.get(native_key, (native,))
        selected: list[str] = []
        every = {"linux": _CIBW_LINUX, "macos": ("x86_64", "arm64", "universal2"),
                 "windows": ("AMD64", "x86", "ARM64")}[os_name]  # fmt: skip
        for arch in every:
            lowered = arch.lower()
            if (
                "all" in archs
                or lowered in archs
                or ("auto" in archs and arch in auto)
                or ("auto64" in archs and arch in auto and arch not in _AUTO64)
                or ("auto32" in archs and arch in auto and arch in _AUTO64)
                or ("native" in archs and arch == auto[0])
            ):
                selected.append(arch)
        platform_ids = []
        for arch in selected:
            if os_name == "linux":
                platform_ids += [
                    (os_name, arch, "glibc", f"manylinux_{arch}"),
                    (os_name, arch, "musl", f"musllinux_{arch}"),
                ]
            elif os_name == "macos":
                platform_ids.append((os_name, arch, "", f"macosx_{arch}"))
            else:
                windows = {"AMD64": "win_amd64", "x86": "win32", "ARM64": "win_arm64"}
                platform_ids.append((os_name, arch, "", windows[arch]))
    platform_config = _as_dict(config.get(os_key))
    build = _words(_first(env, "CIBW_BUILD", platform_config.get("build"), config.get("build")))
    skip = _words(_first(env, "CIBW_SKIP", platform_config.get("skip"), config.get("skip")))
    enable = {
        e.lower()
        for e in _words(
            _first(env, "CIBW_ENABLE", platform_config.get("enable"), config.get("enable"))
        )
    }
    if any("${{" in p for p in build + skip):
        return
    python_minors, abi3 = pythons_abi3
    minors = [m for m in python_minors if m >= 9] or list(range(9, 16))  # noqa: PLR2004
    pythons = [(f"cp3{m}", "abi3" if abi3 else "cp") for m in minors]
    pythons += [(f"cp3{m}t", "cpt") for m in minors if m >= 14]  # noqa: PLR2004
    if "pypy" in enable or "pypy-eol" in enable or "all" in enable:
        pythons += [("pp311", "pp")]
    if "graalpy" in enable or "all" in enable:
        pythons += [("gp311_242", "graalpy")]
    for os_value, arch, libc, platform_id in platform_ids:
        image = ""
        if os_value == "linux":
            image = str(
                _first(
                    env,
                    f"CIBW_{'MANYLINUX' if libc == 'glibc' else 'MUSLLINUX'}_{arch.upper()}_IMAGE",
                    platform_config.get(
                        f"{'many' if libc == 'glibc' else 'musl'}linux-{arch}-image"
                    ),
                    config.get(f"{'many' if libc == 'glibc' else 'musl'}linux-{arch}-image"),
                )
                or ("manylinux_2_28" if libc == "glibc" else "musllinux_1_2")
            )
        for python, kind in pythons:
            if kind in {"pp", "graalpy"} and (arch not in _PYPY_ARCHS or libc == "musl"):
                continue  # cibuildwheel has no PyPy/GraalPy for this architecture or for musl
            if os_value == "pyodide" and kind == "cpt":
                continue  # no free-threaded Pyodide
            identifier = f"{python}-{platform_id}"
            if only and str(only) != identifier:
                continue
            if build and not _select(identifier, build):
                continue
            if _select(identifier, skip):
                continue
            reading.add(Target(os_value, arch, libc, kind), image)


def _first(env: Mapping[str, Any], variable: str, *values: object) -> object:
    if variable in env:
        return env[variable]
    return next((v for v in values if v is not None), None)
