"""What `pyo3-scaffold migrate` makes of the real packages in tests/corpus/migrate_packages.toml.

Prints one Markdown table (it goes into docs/migrate.md): per package, the backend it got, its
public functions, those moved to Rust, those left in Python with the reasons grouped, the
package's own tests on the Rust path and with the pure-Python switch, the generated
differential tests, and the workload speed-up with the dispatch included (the package's own
entry points on realistic inputs, `workload` in the corpus file, timed on both paths, with
how often one run calls each moved function). Below it, each function moved alone on the
calls its workload made (replayed on both paths), then the generated benchmark's line for
each function moved (synthetic inputs of growing sizes; the dispatch included in both). Run
it with `nox -s migrate-corpus`, or `python benchmarks/migrate_corpus.py [NAME ...]` where
pyo3-scaffold, uv and Rust are installed.

Each package runs in a child process of its own (JOBS at a time, MIGRATE_CORPUS_JOBS), stopped
with everything it started after PACKAGE_TIMEOUT seconds or at the end of REPORT_BUDGET,
whichever comes first; a package that would start after it is listed as not run.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "corpus"))

import corpus_migrate as corpus

HEADER = [
    "package",
    "backend after migrate",
    "public functions",
    "moved to Rust",
    "left in Python (reasons)",
    "own tests: Rust / pure Python",
    "differential tests",
    "workload speed-up (dispatch included)",
]


def _machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        models = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = models[0] if models else cpu
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True, check=False)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs "
        f"(load average {load:.1f} at the start: the machine is shared), "
        f"CPython {platform.python_version()}, {rustc.stdout.strip() or 'rustc ?'}; "
        "release builds through each project's own PEP 517 backend"
    )


# Seconds. A package is migrated, built in release mode (3-6 min when several builds share a
# 2-core machine), tested three ways, its workload timed (about 20 s), its benchmark run (30 s).
PACKAGE_TIMEOUT = 600
REPORT_BUDGET = 14 * 60
# Packages at a time; MIGRATE_CORPUS_JOBS=1 keeps each workload timing clear of the other
# package's build (quieter numbers, a longer report).
JOBS = int(os.environ.get("MIGRATE_CORPUS_JOBS", "2"))


def _step(package: corpus.Package, what: str, started: float) -> None:
    """Progress on stderr (the parent passes it on): where a package's time goes."""
    print(f"{package.name}: {what} after {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _row(
    package: corpus.Package, tmp: Path, env: dict[str, str], bench: list[str], alone: list[str]
) -> list[str]:
    started = time.perf_counter()
    root = corpus.unpack(package, tmp / "src")
    outcome = corpus.migrate(package, root)
    _step(package, "migrated", started)
    public = str(outcome.public)
    if outcome.refused:
        why = outcome.refused.replace(str(root) + "/", "")
        why = why if len(why) < 140 else why[:137] + "..."
        return [package.name, "", public, "refused", why, "", "", ""]
    reasons = "; ".join(f"{kind} ({n})" for kind, n in outcome.reasons().most_common())
    if not outcome.env_var:  # no function could move: no extension, nothing to build
        return [package.name, "unchanged", public, "none", reasons or "none", "not built", "", ""]
    checked = corpus.build_and_test(
        package, root, tmp / "venv", env, outcome.env_var, outcome.test_file, outcome.rust
    )
    _step(package, "built and tested", started)
    if checked.failures and not checked.own_rust:
        return [package.name, outcome.backend, public, "", reasons, "build failed", "", ""]
    workload = corpus.time_workload(package, tmp / "venv", env, outcome.env_var, outcome.rust)
    _step(package, "workload timed", started)
    if isinstance(workload, str):
        speedup = workload
    else:
        speedup = workload.speedup(moved=bool(outcome.rust))
        alone += [f"{package.name}: {line}" for line in workload.per_function()]
        if workload.slower:
            speedup += f"; SLOWER than Python on its calls: {', '.join(workload.slower)}"
        if workload.uncalled:
            speedup += f"; NOT CALLED by the workload: {', '.join(workload.uncalled)}"
    if outcome.rust:
        module = corpus.dotted_module(package).rpartition(".")[2]
        lines, elapsed = corpus.bench_functions(root, tmp / "venv", env, module)
        bench += [f"{package.name}: {line}" for line in lines]
        bench.append(f"{package.name}: (the benchmark ran {elapsed:.1f} s)")
    return [
        package.name,
        outcome.backend,
        public,
        ", ".join(outcome.rust) or "none",
        reasons or "none",
        f"{checked.own_rust} / {checked.own_pure}",
        checked.differential,
        speedup,
    ]


def _one(name: str, env: dict[str, str]) -> int:
    """The child's part: one package's row and benchmark lines, as JSON on stdout."""
    (package,) = [p for p in corpus.packages() if p.name == name]
    bench: list[str] = []
    alone: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        row = _row(package, Path(tmp), env, bench, alone)
    print(json.dumps({"row": row, "bench": bench, "alone": alone}))
    return 0


_Result = tuple[list[str], list[str], list[str]]  # the row, benchmark lines, workload lines


def _not_measured(name: str, why: str) -> _Result:
    """The row of a package that gave no result (stopped, failed, not run)."""
    return [name, "", "", "", "", why, "", ""], [], []


def _child(name: str, env: dict[str, str], timeout: float) -> _Result:
    """One package in a process group of its own, stopped whole (builds too) at `timeout`."""
    started = time.perf_counter()
    # Its progress goes straight to this process's stderr; its stdout is the JSON result.
    with subprocess.Popen(
        [sys.executable, __file__, "--one", name],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as child:
        try:
            out, _ = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            return _not_measured(name, f"stopped after {timeout:.0f} s")
    print(f"{name}: done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if child.returncode != 0 or not out.strip():
        return _not_measured(name, f"report failed (exit {child.returncode})")
    done = json.loads(out.strip().splitlines()[-1])
    return list(done["row"]), list(done["bench"]), list(done["alone"])


def main(argv: list[str]) -> int:
    target = os.environ.get("CARGO_TARGET_DIR") or str(
        Path(tempfile.gettempdir()) / "corpus-target"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env["CARGO_TARGET_DIR"] = target
    if argv[:1] == ["--one"]:
        return _one(argv[1], env)
    packages = [p for p in corpus.packages() if not argv or p.name in argv]
    print(f"Machine: {_machine()}.\n")
    started = time.perf_counter()

    def run(package: corpus.Package) -> _Result:
        left = REPORT_BUDGET - (time.perf_counter() - started)
        if left < 30:  # seconds: not even a package that builds nothing
            return _not_measured(package.name, "not run: report time limit")
        return _child(package.name, env, min(PACKAGE_TIMEOUT, left))

    # Two packages at a time: most of a package's time is its release build and the tests'
    # start-up, and the workload timings compare two paths inside one package.
    with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
        results = list(pool.map(run, packages))
    rows = [row for row, _, _ in results]
    bench = [line for _, lines, _ in results for line in lines]
    alone = [line for _, _, lines in results for line in lines]
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for row in rows:
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    moved = sum(len(r[3].split(", ")) for r in rows if r[3] not in {"none", "refused", ""})
    total = sum(int(r[2]) for r in rows if r[2])
    refused = sum(r[3] == "refused" for r in rows)
    shares = [
        sum(not f.startswith("_") for f in r[3].split(", ")) / int(r[2]) if r[3] != "none" else 0
        for r in rows
        if r[2] and int(r[2]) and r[3] not in {"refused", ""}
    ]
    print(
        f"\nRefused: {refused} of {len(rows)} packages. "
        f"Moved to Rust: {moved} of {total} public functions (private helpers included in the "
        f"moved); public functions in Rust, averaged over the {len(shares)} packages with "
        f"public functions: {statistics.mean(shares) if shares else 0:.0%}."
    )
    ratios = [
        float(r[7].split("x", 1)[0])
        for r in rows
        if r[7][:1].isdigit() and "nothing moved" not in r[7]
    ]
    if ratios:
        print(
            f"Median workload speed-up over the {len(ratios)} packages where functions moved: "
            f"{statistics.median(ratios):.2f}x."
        )
    else:
        print("Median workload speed-up: none to compute (no package has a function in Rust).")
    if alone:
        print("\nPer function moved, alone on the calls its workload made (replayed):\n")
        print("```text")
        print("\n".join(alone))
        print("```")
    if bench:
        print("\nPer function moved (the generated benchmark, dispatch included):\n")
        print("```text")
        print("\n".join(bench))
        print("```")
    print(f"\nThe report took {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
