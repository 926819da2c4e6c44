"""How fast is the CLI? Median wall time of `pyo3-scaffold --help`, `pyo3-scaffold new` on
defaults, and `maturin new` for comparison. A benchmark, not a test: it prints, never asserts.

    python benchmarks/bench_cli.py [--runs 7]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        sys.exit(f"{name} is not installed in this environment")
    return found


def median_seconds(make_command: object, runs: int) -> float:
    times = []
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(runs):
            command = make_command(Path(scratch) / f"p{i}")  # type: ignore[operator]
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, stdin=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    scaffold, maturin = _tool("pyo3-scaffold"), _tool("maturin")
    cases = {
        "python -c pass": lambda _: [sys.executable, "-c", "pass"],
        "pyo3-scaffold --help": lambda _: [scaffold, "--help"],
        "pyo3-scaffold new (defaults)": lambda dest: [scaffold, "new", str(dest), "--yes"],
        "maturin new --bindings pyo3": lambda dest: [maturin, "new", "-b", "pyo3", str(dest)],
    }
    print(f"{platform.python_implementation()} {platform.python_version()}, {runs} runs each")
    print(f"{'command':<32} {'median':>10}")
    for label, command in cases.items():
        print(f"{label:<32} {median_seconds(command, runs) * 1000:>8.0f} ms")


if __name__ == "__main__":
    main()
