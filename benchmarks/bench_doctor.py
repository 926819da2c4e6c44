"""How long `pyo3-scaffold doctor` takes on a freshly generated project (target: under 1 s).

Measures the whole command as a user runs it (a new Python process: interpreter start, imports,
checks, output) and the checks alone in-process. Medians of N runs.

    python benchmarks/bench_doctor.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scaffold import doctor, new
from scaffold.answers import Answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        project = new.run(
            new.NewOptions(destination=Path(folder) / "demo", answers=Answers.resolve("demo"))
        ).destination
        command = [sys.executable, "-m", "scaffold", "doctor", str(project)]
        cli_times = []
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            cli_times.append(time.perf_counter() - start)
            if done.returncode != 0:
                sys.exit(f"doctor exited {done.returncode}:\n{done.stdout}{done.stderr}")
        api_times = []
        for _ in range(runs):
            start = time.perf_counter()
            doctor.run(doctor.DoctorOptions(path=project))
            api_times.append(time.perf_counter() - start)
    cli = statistics.median(cli_times)
    api = statistics.median(api_times)
    print(f"pyo3-scaffold doctor (new process), median of {runs}: {cli * 1000:.0f} ms")
    print(f"doctor.run (checks only),        median of {runs}: {api * 1000:.1f} ms")
    if cli >= 1.0:
        sys.exit("slower than the 1 s budget")


if __name__ == "__main__":
    main()
