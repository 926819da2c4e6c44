"""`migrate --profile`: run a workload (by default the project's own tests), rank the module's
functions by their own time, and record the types of every call to them.

The workload runs twice in a temporary copy of the project (so neither the project nor a
dry run is changed by what the tests write), each time in a fresh interpreter started with a
`sitecustomize.py` of ours first on PYTHONPATH (`_sitecustomize.py`):

1. under cProfile: own time (tottime) and calls per function of the module, and the
   profiler's own cost per call (measured on an empty function, subtracted);
2. under a `sys.settrace` hook on the module's code objects only: the exact types of the
   arguments and return values.

Two runs, because a Python-level hook costs more per call than the functions it would time.
Every Python process the workload starts writes its results to a JSON file in the temporary
folder; they are read back with a size limit and merged.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold import safe_io
from scaffold.errors import InvalidInputError, UnreadableProjectError
from scaffold.migrate import observe
from scaffold.migrate_types import Observed

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

# A call into the extension (argument checks and conversion included) costs about this much
# (docs/migrate.md "The dispatch": ~40 ns over a direct C call, which itself costs ~60-100 ns
# here). A function doing less work than that per call cannot get faster in Rust.
WORTH_NS = 200.0
# ... on a machine where the profiler reports ~45 ns for a call to an empty function (this
# 2-core machine, idle). Both are costs of a Python-level call, so both grow together on a
# slower or loaded machine: the threshold is scaled by the floor measured in the same run.
REFERENCE_FLOOR_NS = 45.0
TIMEOUT = 300.0  # seconds, per run of the workload
DEFAULT_WORKLOAD = (
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "--continue-on-collection-errors",
)
_MAX_RESULT_FILES = 256
_MAX_RESULT_BYTES = 32 * 1024 * 1024
_TAIL = 64 * 1024
# Not copied into the temporary project: version control, environments, build output, caches.
_NOT_COPIED = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "target",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
)
# Variables of a pytest (or coverage) run around us that would change the workload's.
_DROPPED_ENV = ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_", "COV_CORE_", "COVERAGE_")


@dataclass(frozen=True)
class Timing:
    """One function of the module, as the profiler saw it."""

    name: str  # qualified: `parse`, `DoubleMetaphone.parse`, `f.<locals>.g`
    top_level: bool
    calls: int
    own: float  # seconds, the function's own time (tottime), the profiler's floor removed
    cumulative: float  # seconds, callees included

    @property
    def per_call_ns(self) -> float:
        return self.own / self.calls * 1e9 if self.calls else 0.0


@dataclass(frozen=True)
class Profile:
    command: str
    python: str
    returncode: int | None  # of the profiled run; None: stopped after the timeout
    summary: str  # the workload's last line of output
    seconds: float  # both runs, wall clock
    total: float  # seconds of own time of everything the profiler saw
    floor_ns: float  # the profiler's own cost per call, removed from each function's time
    cpu_share: float  # the share of a CPU the workload had (times are scaled to CPU time)
    timings: tuple[Timing, ...]  # the module's functions, most own time first
    observed: Mapping[str, Observed]  # top-level functions the type run saw called
    top_level: tuple[str, ...]  # every top-level function of the module, in order
    notes: tuple[str, ...] = field(default=())
    timeout: float = TIMEOUT  # seconds each run was allowed

    def types(self) -> dict[str, Observed]:
        """For migrate: what was observed, and an empty record for each function the workload
        never called (so the reason says so)."""
        return {**{n: Observed(n, calls=0, typed=0) for n in self.never_called()}, **self.observed}

    def timing(self, name: str) -> Timing | None:
        return next((t for t in self.timings if t.top_level and t.name == name), None)

    def hot_private(self) -> list[str]:
        """The module-private top-level functions the workload called, most own time first:
        candidates to move like the public ones (their callers, often methods of the
        module's classes, look them up in the module at each call, so they get the
        dispatch). Dunder names (a module's `__getattr__`) are the module's protocol: never."""
        return [
            t.name
            for t in self.timings
            if t.top_level and t.calls and t.name.startswith("_") and not t.name.endswith("__")
        ]

    def never_called(self) -> list[str]:
        return [n for n in self.top_level if self.timing(n) is None and n not in self.observed]

    @property
    def worth_ns(self) -> float:
        """Own time per call below which moving cannot pay, in this run's nanoseconds."""
        scale = self.floor_ns / REFERENCE_FLOOR_NS if self.floor_ns > 0 else 1.0
        return WORTH_NS * max(scale, 0.5)

    def not_worth(self, name: str, helpers: Collection[str] = ()) -> str:
        """Why moving `name`, which calls the module functions `helpers`, cannot pay ("" when
        it may)."""
        if self.mostly_wide(name):
            seen = self.observed[name]
            return (
                f"not worth moving: {seen.wide} of the {seen.typed} calls observed pass or "
                "return ints beyond 64 bits, which the Rust version hands back to Python (it "
                "would only add the cost of trying); name it with --function to move it anyway"
            )
        # An int can outgrow 64 bits inside: its calls look narrow, its helper's do not.
        wide = [h for h in helpers if self.mostly_wide(h)]
        if wide:
            return (
                f"not worth moving: it calls {', '.join(wide)}, whose observed calls mostly pass "
                "or return ints beyond 64 bits (the Rust version would hand them back to "
                "Python); name it with --function to move it anyway"
            )
        found = self.timing(name)
        if found is None or found.per_call_ns >= self.worth_ns:
            return ""
        return (
            f"not worth moving: {_ns(found.per_call_ns)} of own time per call, less than a call "
            f"into the extension costs (~{self.worth_ns:.0f} ns on this run); name it with "
            "--function to move it anyway"
        )

    def mostly_wide(self, name: str) -> bool:
        """Whether most observed calls of `name` pass or return an int outside i64: each such
        call is checked in the extension and then redone in Python, slower than Python alone."""
        seen = self.observed.get(name)
        return seen is not None and seen.typed > 0 and 2 * seen.wide > seen.typed


def default_workload(root: Path) -> bool:
    """Whether the project has a test suite for the default workload to run."""
    # `*/test`: astral keeps its tests in src/test.
    patterns = ("tests", "test", "test_*.py", "*/tests", "*/test", "*/test_*.py", "src/*/tests")
    return any(any(root.glob(pattern)) for pattern in patterns)


def interpreter(root: Path, python: str | None = None) -> str:
    """The Python that runs the workload: the one named (`--python`, a path, a command on
    PATH or a virtualenv's folder), else the active virtualenv (`$VIRTUAL_ENV`: the user's
    environment, with the project's dependencies, even when pyo3-scaffold itself runs from
    an isolated one such as pipx or `uv tool`), else the project's own `.venv`/`venv`,
    else ours."""
    if python is not None:
        return _named_interpreter(python)
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        found = _venv_python(Path(active))
        if found is not None:
            return found
    for venv in (".venv", "venv"):
        found = _venv_python(root / venv)
        if found is not None:
            return found
    return sys.executable


def _venv_python(venv: Path) -> str | None:
    for python in ("bin/python", "Scripts/python.exe"):
        if (venv / python).is_file():
            return str(venv / python)
    return None


def _named_interpreter(python: str) -> str:
    path = Path(python).expanduser()
    if path.is_dir():
        found = _venv_python(path)
        if found is None:
            raise InvalidInputError(f"--python {python}: a folder without bin/python in it")
        return str(Path(found).absolute())
    if path.is_file():
        if not os.access(path, os.X_OK):
            raise InvalidInputError(f"--python {python}: not executable")
        return str(path.absolute())
    if os.sep not in python:
        found = shutil.which(python)
        if found is not None:
            return found
    raise InvalidInputError(
        f"--python {python}: no such interpreter (a path, or a command on PATH)"
    )


def run(
    *,
    root: Path,
    module_path: Path,
    source_dirs: Sequence[Path],
    workload: str | None = None,
    timeout: float = TIMEOUT,
    python: str | None = None,
) -> Profile:
    """Profile the workload on a temporary copy of the project at `root`, with the Python
    `interpreter` chooses (`python`: the one the user named)."""
    root, module_path = root.absolute(), module_path.absolute()
    source_dirs = [d.absolute() for d in source_dirs]
    python = interpreter(root, python)
    if workload is not None:
        try:
            command = shlex.split(workload)
        except ValueError as error:
            raise InvalidInputError(f"--workload {workload!r}: {error}") from error
        if not command:
            raise InvalidInputError("--workload is empty: name a command, e.g. 'pytest -q'")
        shown = workload
    else:
        command = [python, *DEFAULT_WORKLOAD]
        shown = "python " + " ".join(DEFAULT_WORKLOAD)
    tree = ast.parse(module_path.read_bytes())
    top_level = _top_level(tree)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pyo3-scaffold-profile-") as tmp:
        work = Path(tmp)
        copy = work / "project"
        shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_COPIED))
        boot = work / "boot"
        boot.mkdir()
        shutil.copyfile(Path(__file__).with_name("_sitecustomize.py"), boot / "sitecustomize.py")
        target = os.path.realpath(copy / module_path.relative_to(root))
        paths = [str(boot), *(str(copy / d.relative_to(root)) for d in source_dirs), str(copy)]
        env = _environment(python, paths)
        results: dict[str, list[dict[str, Any]]] = {}
        returncode: int | None = 0
        summary = ""
        for mode in ("profile", "types"):
            out = work / mode
            out.mkdir()
            env.update(
                PYO3_SCAFFOLD_OBSERVE_MODE=mode,
                PYO3_SCAFFOLD_OBSERVE_OUT=str(out),
                PYO3_SCAFFOLD_OBSERVE_FILE=target,
            )
            code, tail = _run(command, cwd=copy, env=env, log=work / f"{mode}.log", timeout=timeout)
            if mode == "profile":
                returncode, summary = code, tail
            results[mode] = _read_results(out)
    measured = _profile(
        command=shown,
        python=python,
        returncode=returncode,
        summary=summary,
        seconds=time.monotonic() - started,
        results=results,
        top_level=top_level,
    )
    return dataclasses.replace(measured, timeout=timeout)


def _top_level(tree: ast.Module) -> dict[tuple[str, int], str]:
    """(name, first line as the code object reports it) -> name, for top-level functions."""
    found: dict[tuple[str, int], str] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # A decorated function's code starts at its first decorator (Python 3.8+).
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found[node.name, first] = node.name
    return found


def _environment(python: str, paths: list[str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_ENV)}
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join([*paths, *([old] if old else [])])
    bin_dir = str(Path(python).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    if (Path(python).parent.parent / "pyvenv.cfg").is_file():
        env["VIRTUAL_ENV"] = str(Path(python).parent.parent)
    return env


def _run(
    command: list[str], *, cwd: Path, env: dict[str, str], log: Path, timeout: float
) -> tuple[int | None, str]:
    """Run the workload in its own process group; on timeout it gets SIGTERM (our
    sitecustomize then writes what it measured), then SIGKILL. Returns (exit code or None,
    its last line of output)."""
    with log.open("wb") as output:
        try:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            raise InvalidInputError(
                f"the workload {shlex.join(command)!r} could not start: {error.strerror or error}"
            ) from error
        code: int | None
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
            _stop(process, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _stop(process, signal.SIGKILL)
                process.wait()
        except BaseException:
            _stop(process, signal.SIGKILL)  # interrupted: leave nothing running behind us
            process.wait()
            raise
    with log.open("rb") as handle:
        handle.seek(max(0, log.stat().st_size - _TAIL))
        tail = handle.read().decode("utf-8", errors="replace")
    lines = [line.strip(" =") for line in tail.splitlines() if line.strip(" =")]
    return code, lines[-1][:200] if lines else "no output"


def _stop(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _read_results(folder: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json"))[:_MAX_RESULT_FILES]:
        try:
            data = json.loads(safe_io.read_bytes(folder, path, limit=_MAX_RESULT_BYTES))
        except (ValueError, OSError, UnreadableProjectError):
            continue  # a process killed while writing (the file is written, then renamed)
        if isinstance(data, dict) and isinstance(data.get("functions"), list):
            found.append(data)
    return found


def _profile(
    *,
    command: str,
    python: str,
    returncode: int | None,
    summary: str,
    seconds: float,
    results: Mapping[str, list[dict[str, Any]]],
    top_level: Mapping[tuple[str, int], str],
) -> Profile:
    runs = results.get("profile", [])
    floors = [float(r.get("floor", 0.0)) for r in runs if r.get("floor")]
    floor = min(floors) if floors else 0.0
    total = sum(float(r.get("total", 0.0)) for r in runs)
    shares = [float(r.get("cpu_share", 1.0)) for r in runs]
    merged: dict[tuple[str, int], dict[str, Any]] = {}
    for record in (f for r in runs for f in r["functions"]):
        key = (str(record.get("qualname", record.get("name"))), int(record.get("line", 0)))
        into = merged.setdefault(key, {"calls": 0, "own": 0.0, "cumulative": 0.0})
        for what in ("calls", "own", "cumulative"):
            into[what] += record.get(what, 0)
    timings = []
    for (name, line), record in merged.items():
        calls = int(record["calls"])
        own = max(0.0, float(record["own"]) - floor * calls)
        cumulative = max(0.0, float(record["cumulative"]) - floor * calls)
        timings.append(Timing(name, (name, line) in top_level, calls, own, cumulative))
    timings.sort(key=lambda t: -t.own)
    observed = _merge_types(results.get("types", []), top_level)
    notes = []
    if not runs and not results.get("types"):
        notes.append("the workload never imported the module: nothing was measured")
    return Profile(
        command=command,
        python=python,
        returncode=returncode,
        summary=summary,
        seconds=seconds,
        total=total,
        floor_ns=floor * 1e9,
        cpu_share=min(shares) if shares else 1.0,
        timings=tuple(timings),
        observed=observed,
        top_level=tuple(dict.fromkeys(top_level.values())),
        notes=tuple(notes),
    )


def _merge_types(
    runs: list[dict[str, Any]], top_level: Mapping[tuple[str, int], str]
) -> dict[str, Observed]:
    merged: dict[str, dict[str, Any]] = {}
    for record in (f for r in runs for f in r["functions"]):
        name = str(record.get("name"))
        if (name, int(record.get("line", 0))) not in top_level:
            continue  # a method or nested function: not something migrate moves
        if str(record.get("qualname", name)) != name:
            continue
        into = merged.setdefault(
            name,
            {"name": name, "params": record.get("params", []), "calls": 0, "typed": 0,
             "raised": 0, "wide_args": 0, "wide_returns": 0, "args": {}, "returns": []},
        )  # fmt: skip
        for what in ("calls", "typed", "raised", "wide_args", "wide_returns"):
            into[what] += int(record.get(what, 0))
        for param, seen in dict(record.get("args", {})).items():
            into["args"].setdefault(param, []).extend(seen)
        into["returns"].extend(record.get("returns", []))
    return {name: observe.observed(record) for name, record in merged.items()}


# -- what the user reads ----------------------------------------------------------------------


def _ns(value: float) -> str:
    if value >= 1e6:  # noqa: PLR2004
        return f"{value / 1e6:.1f} ms"
    if value >= 1e3:  # noqa: PLR2004
        return f"{value / 1e3:.1f} µs"
    return f"{value:.0f} ns"


def describe(profile: Profile, *, limit: int = 15) -> list[str]:
    """The ranking, the functions not worth moving, the ones never called, the types seen."""
    status = (
        f"exit {profile.returncode}"
        if profile.returncode is not None
        else f"stopped after {profile.timeout:.0f} s"
    )
    lines = [
        (
            f"Profiled `{profile.command}` ({profile.python}; {status}: {profile.summary}; "
            f"2 runs, {profile.seconds:.1f} s)"
        ),
        *profile.notes,
    ]
    shown = [t for t in profile.timings if t.calls][:limit]
    module = sum(t.own for t in profile.timings)
    if shown:
        part = module / profile.total * 100 if profile.total else 0.0
        lines.append(
            f"The module's functions: {part:.2g}% of the workload's own time "
            f"({module * 1e3:.1f} ms CPU); the profiler's {_ns(profile.floor_ns)} per call "
            f"removed; the workload had {profile.cpu_share:.0%} of a CPU"
        )
        lines.append(f"  {'own time':>8}  {'calls':>9}  {'per call':>9}  function")
    for t in shown:
        share = t.own / module * 100 if module else 0.0
        where = "" if t.top_level else "  (not top-level: stays in Python)"
        lines.append(f"  {share:>7.1f}%  {t.calls:>9}  {_ns(t.per_call_ns):>9}  {t.name}{where}")
    wide = [n for n in profile.top_level if profile.mostly_wide(n)]
    if wide:
        lines.append(
            "Not worth moving (most calls pass or return ints beyond 64 bits, which Rust hands "
            f"back to Python): {', '.join(wide)}; name one with --function to move it anyway"
        )
    cheap = [
        f"{n} ({_ns(found.per_call_ns)})"
        for n in profile.top_level
        if n not in wide and (found := profile.timing(n)) is not None and profile.not_worth(n)
    ]
    if cheap:
        worth = f"~{profile.worth_ns:.0f} ns"
        lines.append(
            f"Not worth moving (own time per call below {worth}, the cost of a call into the "
            f"extension): {', '.join(cheap)}; name one with --function to move it anyway"
        )
    never = profile.never_called()
    if never:
        lines.append(f"Never called by the workload: {', '.join(never)}")
    for name in profile.top_level:
        seen = profile.observed.get(name)
        if seen is None:
            continue
        lines.append(f"Types observed from {seen.typed} calls: {seen.signature()}")
        why = [f"{p}: {r}" for p, r in seen.disagreed.items()]
        if seen.returns is None and seen.returns_disagreed:
            why.append(f"return: {seen.returns_disagreed}")
        if why:
            lines.append(f"  (no single type: {'; '.join(why)})")
    return lines
