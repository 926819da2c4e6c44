"""The migrate corpus: real sdists from PyPI, pinned, downloaded, unpacked and migrated.

Shared by tests/corpus/test_migrate_corpus.py and benchmarks/migrate_corpus.py (the report).
Each sdist is fetched once with pip (`pip download --no-binary :all:`), checked against its
pinned sha256 and kept in ~/.cache/pyo3-scaffold-corpus (PYO3_SCAFFOLD_CORPUS_CACHE to move it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGES_FILE = HERE / "migrate_packages.toml"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str
    module: str
    tests: tuple[str, ...]
    shape: str
    # What the package's own tests need besides pytest and the package (its pytest addopts
    # may name plugins: `--cov` needs pytest-cov).
    test_requires: tuple[str, ...] = ()
    # Options for each pytest run from the checkout: `-o pythonpath=...` replaces an ini
    # `pythonpath = ["src"]`, which would import the checkout's package (no extension in it)
    # instead of the installed one.
    test_args: tuple[str, ...] = ()
    # A realistic use of its public entry points (Python source), for the workload timing.
    workload_setup: str = ""
    workload: str = ""
    # What `migrate --profile` runs first ("" : no profile, the annotations only): "tests",
    # the package's own tests (migrate's default workload); "workload", the snippet above.
    profile: str = ""


@dataclass
class Outcome:
    """What `migrate` made of one package."""

    package: Package
    refused: str = ""  # the one-line error, when migrate refused the package
    public: int = 0  # public top-level functions of the module
    rust: list[str] = field(default_factory=list)
    left: dict[str, str] = field(default_factory=dict)  # function -> reason
    env_var: str = ""  # the pure-Python switch
    test_file: str = ""  # the generated differential tests
    backend: str = ""  # how the migrated project builds its extension
    profile: tuple[str, ...] = ()  # what the profile showed: ranking, observed types

    def reasons(self) -> Counter[str]:
        return Counter(_reason_kind(r) for r in self.left.values())


def packages() -> list[Package]:
    data = tomllib.loads(PACKAGES_FILE.read_text("utf-8"))
    return [
        Package(
            name=p["name"],
            version=p["version"],
            sha256=p["sha256"],
            module=p["module"],
            tests=tuple(p["tests"]),
            shape=p["shape"],
            test_requires=tuple(p.get("test-requires", ())),
            test_args=tuple(p.get("test-args", ())),
            workload_setup=p.get("workload-setup", ""),
            workload=p.get("workload", ""),
            profile=p.get("profile", ""),
        )
        for p in data["package"]
    ]


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "pyo3-scaffold-corpus"
    path = Path(os.environ.get("PYO3_SCAFFOLD_CORPUS_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sdist(package: Package) -> Path:
    """The package's sdist, from the cache or freshly downloaded; always sha256-checked."""
    cache = cache_dir()
    for path in cache.glob("*.tar.gz"):
        if path.name.lower().startswith(f"{package.name}-{package.version}.".lower()):
            if _sha256(path) == package.sha256:
                return path
            path.unlink()  # a stale or corrupt download: fetch it again
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                tmp,
                f"{package.name}=={package.version}",
            ],
            check=True,
            capture_output=True,
        )
        (got,) = Path(tmp).glob("*.tar.gz")
        digest = _sha256(got)
        if digest != package.sha256:
            raise RuntimeError(f"{got.name}: sha256 {digest} is not the pinned {package.sha256}")
        return Path(shutil.move(got, cache / got.name))


def unpack(package: Package, into: Path) -> Path:
    """The sdist unpacked into `into`, as a committed git repository (migrate wants one)."""
    with tarfile.open(sdist(package)) as archive:
        archive.extractall(into, filter="data")
    (root,) = [p for p in into.iterdir() if p.is_dir()]
    # A copy made from the sdist: egg-info and PKG-INFO are build output, not the project.
    for info in root.rglob("*.egg-info"):
        shutil.rmtree(info)
    git = ["git", "-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "sdist"], cwd=root, check=True)
    return root


def public_functions(module: Path) -> list[str]:
    import ast

    tree = ast.parse(module.read_bytes())
    return [
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.name.startswith("_")
    ]


def migrate(package: Package, root: Path) -> Outcome:
    """Run `migrate` in-process on the package's hot module, as the CLI would; with
    `--profile` when the package says so, in a virtualenv beside `root` that has the
    package's dependencies and its tests' (as a user's would)."""
    from scaffold import migrate as verb
    from scaffold.errors import ScaffoldError

    module = root / package.module
    outcome = Outcome(package, public=len(public_functions(module)))
    python: str | None = None
    workload: str | None = None
    if package.profile:
        python, workload = _profile_env(package, root, root.parent / "profile")
    options = verb.MigrateOptions(
        module=module, ci=False, profile=bool(package.profile), workload=workload, python=python
    )
    try:
        result = verb.run(options)
    except verb.NothingToMigrateError as error:
        # Not a refusal of the project: no function of the module can move (yet).
        outcome.left = {s.name: s.reason for s in error.skipped}
        return outcome
    except ScaffoldError as error:
        outcome.refused = str(error)
        return outcome
    outcome.env_var = result.env_var
    outcome.profile = result.profile
    outcome.backend = _backend(root / "pyproject.toml")
    outcome.test_file = next(path for path, _ in result.changes if path.endswith("_rust.py"))
    for report in result.functions:
        if report.status == "rust":
            outcome.rust.append(report.name)
        else:
            outcome.left[report.name] = report.reason or report.status
    return outcome


def _profile_env(package: Package, root: Path, into: Path) -> tuple[str, str | None]:
    """A virtualenv with the package, its dependencies and its tests' (the Python migrate
    profiles with), and the workload: None (the package's tests, migrate's default) or the
    package's workload snippet, written to a script and run once."""
    if package.profile not in {"tests", "workload"}:
        raise ValueError(f"{package.name}: profile = {package.profile!r}, not tests or workload")
    # Installed from a copy: a setuptools build writes egg-info and build/ into its source
    # folder, and migrate refuses a checkout with uncommitted changes.
    source = into / "source"
    shutil.copytree(root, source, ignore=shutil.ignore_patterns(".git"))
    venv = into / "venv"
    subprocess.run(["uv", "venv", "--quiet", "--python", sys.executable, venv], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [
            *("uv", "pip", "install", "--quiet", "--python", python, source),
            *("pytest", *package.test_requires),
        ],
        check=True,
        capture_output=True,
    )
    if package.profile == "tests":
        return python, None
    script = into / "workload.py"
    script.write_text(f"{package.workload_setup}\n{package.workload}\n", "utf-8")
    return python, shlex.join([python, str(script)])


def _backend(pyproject: Path) -> str:
    document = tomllib.loads(pyproject.read_text("utf-8"))
    tool = document.get("tool", {})
    if "setuptools-rust" in tool:
        return "setuptools + setuptools-rust"
    if "maturin" in tool.get("hatch", {}).get("build", {}).get("hooks", {}):
        return "hatchling + hatch-maturin-build"
    return str(document.get("build-system", {}).get("build-backend", "?"))


_KINDS = (
    ("no type annotation", "no annotations"),
    ("has no exact Rust equivalent", "type alias / NewType / unsupported type"),
    ("needs its item types", "bare generic (list, dict) without item types"),
    ("*args", "*args / keyword-only / positional-only"),
    ("decorated", "decorators"),
    ("the call", "calls to other functions / methods"),
    ("is not Optional", "unions"),
    ("computed default", "computed default"),
)


def _reason_kind(reason: str) -> str:
    for needle, kind in _KINDS:
        if needle in reason:
            return kind
    return reason.split(":", maxsplit=1)[0][:60]


# -- building and testing a migrated package ----------------------------------------------------


@dataclass
class Checked:
    """The migrated package built and tested on both paths."""

    own_rust: str = ""  # pytest's summary line on the Rust path
    own_pure: str = ""  # ... with <PKG>_PURE_PYTHON=1
    differential: str = ""  # the generated Rust/Python tests
    failures: list[str] = field(default_factory=list)


def _summary(done: subprocess.CompletedProcess[str]) -> str:
    """pytest's closing line; when it printed none (a usage error, exit 4), its error."""
    lines = [line for line in done.stdout.strip().splitlines() if line.strip()]
    if lines:
        return lines[-1].strip("= ")
    errors = [line for line in done.stderr.strip().splitlines() if "error" in line.lower()]
    return f"exit {done.returncode}: " + (errors[-1].strip() if errors else "no output")


def build_and_test(
    package: Package,
    root: Path,
    venv: Path,
    env: dict[str, str],
    env_var: str,
    test_file: str,
    moved: Sequence[str],
) -> Checked:
    """Install the migrated project into a fresh venv and run its tests on both paths; each
    run checks, through `corpus_probe`, that the module its tests imported had the `moved`
    functions from the extension (Rust path) or none of them (pure Python)."""
    checked = Checked()
    subprocess.run(["uv", "venv", "--quiet", "--python", sys.executable, venv], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [
            *("uv", "pip", "install", "--quiet", "--python", python, f"{root}"),
            *("pytest", "hypothesis", *package.test_requires),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if install.returncode != 0:
        checked.failures.append(f"install failed: {install.stderr[-2000:]}")
        return checked
    clean = {k: v for k, v in env.items() if not k.startswith("PYTEST")}
    # The package's own tests import the installed package, not the checkout.
    # `pytest`, not `python -m pytest`: the checkout's folder must not shadow the installed
    # package (which holds the built extension).
    base: list[str | Path] = [venv / "bin" / "pytest", "-q", "-p", "no:cacheprovider"]
    base += ["--import-mode=importlib", *package.test_args]
    probe = venv / "probe"
    probe.mkdir(exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("corpus_probe.py"), probe / "corpus_probe.py")
    probed = {
        "PYTHONPATH": str(probe),
        "PYO3_SCAFFOLD_PROBE_MODULE": dotted_module(package),
        "PYO3_SCAFFOLD_PROBE_NAMES": ",".join(moved),
        "PYO3_SCAFFOLD_PROBE_OUT": str(probe / "out.json"),
    }
    for label, extra in (("own_rust", {}), ("own_pure", {env_var: "1"})):
        if not package.tests:  # the sdist's tests cannot run (migrate_packages.toml says why)
            setattr(checked, label, "none runnable in the sdist")
            continue
        (probe / "out.json").unlink(missing_ok=True)
        args = [*base, "-p", "corpus_probe", *package.tests]
        done = _run(args, root, {**clean, **probed, **extra})
        setattr(checked, label, _summary(done))
        if done.returncode != 0:
            checked.failures.append(f"{label}: {done.stdout[-3000:]}{done.stderr[-2000:]}")
        checked.failures += _probe_failures(label, probe / "out.json", want_rust=not extra)
    done = _run([*base, test_file], root, clean)
    checked.differential = _summary(done)
    if done.returncode != 0:
        checked.failures.append(f"differential: {done.stdout[-3000:]}{done.stderr[-2000:]}")
    return checked


def _probe_failures(label: str, out: Path, *, want_rust: bool) -> list[str]:
    """What `corpus_probe` saw that contradicts the path the run was meant to take."""
    if not out.is_file():
        return [f"{label}: the probe wrote nothing (pytest did not load it)"]
    seen = json.loads(out.read_text("utf-8"))
    if not seen["imported"]:
        return [f"{label}: the package's own tests never imported the migrated module"]
    wrong = [name for name, rust in seen["rust"].items() if rust != want_rust]
    if not wrong:
        return []
    path = "the Python versions of" if want_rust else "the extension's"
    return [f"{label}: the tests ran {path} {', '.join(wrong)}"]


def _run(
    args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """The command's outcome; one that outlives `timeout` seconds is stopped and reported as a
    failure (exit 124, as timeout(1) says) with what it printed."""
    try:
        return subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout
        )
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout
        return subprocess.CompletedProcess(
            args, 124, out or "", f"timed out after {timeout:.0f} s\n"
        )


# -- the workload: the package's own entry points, timed on both paths --------------------------

# Run in the migrated package's virtualenv: the setup once, then the workload as many times as
# make a measurement last MEASURE seconds (far above the clock's resolution), best of 5.
_TIMER = """
import sys, time
setup, stmt, measure = sys.argv[1], sys.argv[2], float(sys.argv[3])
namespace = {"__name__": "__workload__"}
exec(setup, namespace)
code = compile(stmt, "<workload>", "exec")
def run(number):
    start = time.perf_counter()
    for _ in range(number):
        exec(code, namespace)
    return time.perf_counter() - start
run(1)  # warm-up: imports, caches, the dispatch's first calls
number = 1
while run(number) < measure:
    number *= 2
best = min(run(number) for _ in range(5))
print(number, best / number, best, time.get_clock_info("perf_counter").resolution)
"""
MEASURE = 0.2

# The workload once, counting the calls of the functions that moved, on the pure-Python path:
# every module's binding of such a function (`from .main import f` in the package's __init__
# too) is wrapped before the setup runs, so calls from the package's own code count as well as
# the workload's, and so do calls between the moved functions (in Rust they call each other
# directly). Then each function alone on its workload: the first RECORDED calls it got (their
# arguments) are replayed through the extension's function (the dispatch included; the Python
# versions registered with it for the calls it hands back) and through the Python version,
# each until a measurement lasts REPLAY seconds, best of 3: seconds per call on both paths.
_COUNTER = """
import copy, importlib, json, sys, time
setup, stmt, dotted, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
recorded, replay = int(sys.argv[5]), float(sys.argv[6])
module = importlib.import_module(dotted)
package = module.__package__
extension = importlib.import_module(
    (package + "." if package else "") + "_" + dotted.rpartition(".")[2] + "_rs"
)
extension.__pyo3_scaffold_reference__(module._PYTHON_REFERENCE, vars(module))
counts = dict.fromkeys(names, 0)
calls = {name: [] for name in names}
def counting(name, function):
    def wrapper(*args, **kwargs):
        counts[name] += 1
        if len(calls[name]) < recorded:  # copied: a call may change a list it was given
            calls[name].append(copy.deepcopy((args, kwargs)))
        return function(*args, **kwargs)
    return wrapper
rebound = []
def wrap(name):  # a function: its locals are not among the module globals it rebinds
    original = getattr(module, name)
    wrapped = counting(name, original)
    for loaded in list(sys.modules.values()):
        for attribute, value in list(getattr(loaded, "__dict__", {}).items()):
            if value is original:
                setattr(loaded, attribute, wrapped)
                rebound.append((loaded, attribute, original))
for name in names:
    wrap(name)
rust = {name: getattr(extension, name) for name in names}
namespace = {"__name__": "__workload__"}
exec(setup, namespace)
exec(stmt, namespace)
counted = dict(counts)
# The replays below call the functions as the package binds them, not through the counters.
for loaded, attribute, original in rebound:
    setattr(loaded, attribute, original)
def per_call(function, seen):
    def run(number):
        start = time.perf_counter()
        for _ in range(number):
            for args, kwargs in seen:
                try:
                    function(*args, **kwargs)
                except Exception:
                    pass
        return time.perf_counter() - start
    run(1)
    number = 1
    while run(number) < replay:
        number *= 2
    return min(run(number) for _ in range(3)) / number / len(seen)
alone = {}
for name in names:
    seen = calls[name]
    if seen:
        python = module._PYTHON_REFERENCE[name]
        alone[name] = [len(seen), per_call(rust[name], seen), per_call(python, seen)]
print(json.dumps({"counts": counted, "alone": alone}))
"""
RECORDED = 2000
REPLAY = 0.05
# Seconds: a workload process (setup, calibration, 5 measurements) that takes longer is stopped.
WORKLOAD_TIMEOUT = 60
# Seconds: the generated benchmark keeps to 30 s by itself (SCRIPT_BUDGET); this is the guard.
BENCH_TIMEOUT = 90


@dataclass
class Workload:
    """Seconds per workload run through what users call (the dispatch included), and in pure
    Python (<PKG>_PURE_PYTHON=1); each the best of two rounds, the paths interleaved."""

    rust: float
    pure: float
    measured: float  # seconds of the shortest measurement
    resolution: float
    calls: dict[str, int] = field(default_factory=dict)  # per function moved, in one run
    # Per function moved, alone on the calls the workload made (the first RECORDED):
    # (calls replayed, seconds per call in Rust through the dispatch, in Python).
    alone: dict[str, tuple[int, float, float]] = field(default_factory=dict)

    @property
    def slower(self) -> list[str]:
        """The functions moved to Rust that are slower than Python on the workload's calls."""
        return [name for name, (_, rust, pure) in self.alone.items() if rust > pure]

    def per_function(self) -> list[str]:
        """One line per function moved: its calls replayed on both paths."""
        return [
            f"{name}: {n} calls, {rust * 1e9:.0f} ns per call in Rust vs {pure * 1e9:.0f} ns "
            f"in Python: {pure / rust:.2f}x"
            for name, (n, rust, pure) in self.alone.items()
        ]

    @property
    def uncalled(self) -> list[str]:
        """The functions moved to Rust that the workload never calls."""
        return [name for name, n in self.calls.items() if not n]

    def speedup(self, *, moved: bool) -> str:
        times = f"{self.rust * 1e3:.2f} ms vs {self.pure * 1e3:.2f} ms"
        if self.measured < 1000 * self.resolution:
            return f"below resolution ({times})"
        if not moved:
            # Both paths run the same Python: the ratio is the noise of this machine.
            return f"1x: nothing moved ({times}, ratio {self.pure / self.rust:.2f})"
        calls = ", ".join(f"{name} x{n}" for name, n in self.calls.items())
        return f"{self.pure / self.rust:.2f}x ({times}; calls per run: {calls})"


def dotted_module(package: Package) -> str:
    """The import name of the package's hot module: src/roman/__init__.py -> roman."""
    parts = list(Path(package.module).with_suffix("").parts)
    if parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def time_workload(
    package: Package,
    venv: Path,
    env: dict[str, str],
    env_var: str,
    moved: list[str] | None = None,
    *,
    measure: float = MEASURE,
    rounds: int = 2,
) -> Workload | str:
    """The package's workload on the Rust path and on the pure-Python path (`rounds` rounds,
    each measurement at least `measure` seconds); with `moved`, also how often one run calls
    each of those functions, and each alone on those calls."""
    python = venv / "bin" / "python"
    clean = {k: v for k, v in env.items() if k != env_var}
    calls: dict[str, int] = {}
    alone: dict[str, tuple[int, float, float]] = {}
    if moved:
        counter: list[str | Path] = [python, "-c", _COUNTER, package.workload_setup]
        counter += [package.workload, dotted_module(package), ",".join(moved)]
        counter += [str(RECORDED), str(REPLAY * measure / MEASURE)]
        done = _run(counter, venv, {**clean, env_var: "1"}, timeout=WORKLOAD_TIMEOUT)
        if done.returncode != 0:
            return f"workload failed (counting calls): {done.stderr.strip().splitlines()[-1:]}"
        counted = json.loads(done.stdout)
        calls = counted["counts"]
        alone = {name: (int(n), float(r), float(p)) for name, (n, r, p) in counted["alone"].items()}
    results: dict[str, list[tuple[float, float, float]]] = {"rust": [], "pure": []}
    for _ in range(rounds):
        for label, extra in (("pure", {env_var: "1"}), ("rust", {})):
            args: list[str | Path] = [python, "-c", _TIMER, package.workload_setup]
            args += [package.workload, str(measure)]
            # Not the checkout's folder: the installed package.
            done = _run(args, venv, {**clean, **extra}, timeout=WORKLOAD_TIMEOUT)
            if done.returncode != 0:
                return f"workload failed ({label}): {done.stderr.strip().splitlines()[-1:]}"
            _, per_run, measured, resolution = (float(x) for x in done.stdout.split())
            results[label].append((per_run, measured, resolution))
    rust, pure = min(results["rust"]), min(results["pure"])
    return Workload(
        rust=rust[0],
        pure=pure[0],
        measured=min(rust[1], pure[1]),
        resolution=rust[2],
        calls=calls,
        alone=alone,
    )


def bench_functions(
    root: Path, venv: Path, env: dict[str, str], module: str
) -> tuple[list[str], float]:
    """The generated benchmark's lines (per function moved, the dispatch included), and how
    many seconds it ran."""
    bench = root / "benchmarks" / f"bench_{module}.py"
    start = time.perf_counter()
    done = _run([venv / "bin" / "python", bench], venv, env, timeout=BENCH_TIMEOUT)
    elapsed = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0:
        lines.append(f"benchmark failed (exit {done.returncode}): {done.stderr[-300:]}")
    return lines, elapsed
