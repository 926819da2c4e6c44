"""What `pyo3-scaffold migrate` makes of the real packages in tests/corpus/migrate_packages.toml.

Prints one Markdown table (it goes into docs/migrate.md): per package, the backend it got, its
public functions, those moved to Rust, those left in Python with the reasons grouped, the
package's own tests on the Rust path and with the pure-Python switch, the generated
differential tests, and the workload speed-up with the dispatch included (the package's own
entry points on realistic inputs, `workload` in the corpus file, timed on both paths). Below
it, the generated benchmark's line for each function moved (the dispatch included). Run it
with `nox -s migrate-corpus`, or `python benchmarks/migrate_corpus.py [NAME ...]` where
pyo3-scaffold, uv and Rust are installed.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
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


def _row(package: corpus.Package, tmp: Path, env: dict[str, str], bench: list[str]) -> list[str]:
    root = corpus.unpack(package, tmp / "src")
    outcome = corpus.migrate(package, root)
    public = str(outcome.public)
    if outcome.refused:
        why = outcome.refused.replace(str(root) + "/", "")
        why = why if len(why) < 140 else why[:137] + "..."
        return [package.name, "", public, "refused", why, "", "", ""]
    reasons = "; ".join(f"{kind} ({n})" for kind, n in outcome.reasons().most_common())
    if not outcome.env_var:  # no function could move: no extension, nothing to build
        return [package.name, "unchanged", public, "none", reasons or "none", "not built", "", ""]
    checked = corpus.build_and_test(
        package, root, tmp / "venv", env, outcome.env_var, outcome.test_file
    )
    if checked.failures and not checked.own_rust:
        return [package.name, outcome.backend, public, "", reasons, "build failed", "", ""]
    workload = corpus.time_workload(package, tmp / "venv", env, outcome.env_var)
    speedup = workload if isinstance(workload, str) else workload.speedup(moved=bool(outcome.rust))
    if outcome.rust:
        module = Path(package.module).stem
        module = Path(package.module).parent.name if module == "__init__" else module
        lines = corpus.bench_functions(root, tmp / "venv", env, module)
        bench += [f"{package.name}: {line}" for line in lines]
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


def main(argv: list[str]) -> int:
    target = os.environ.get("CARGO_TARGET_DIR") or str(
        Path(tempfile.gettempdir()) / "corpus-target"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env["CARGO_TARGET_DIR"] = target
    packages = [p for p in corpus.packages() if not argv or p.name in argv]
    print(f"Machine: {_machine()}.\n")
    rows: list[list[str]] = []
    bench: list[str] = []
    for package in packages:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(_row(package, Path(tmp), env, bench))
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for row in rows:
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    moved = sum(len(r[3].split(", ")) for r in rows if r[3] not in {"none", "refused", ""})
    total = sum(int(r[2]) for r in rows)
    refused = sum(r[3] == "refused" for r in rows)
    print(
        f"\nRefused: {refused} of {len(rows)} packages. "
        f"Moved to Rust: {moved} of {total} public functions."
    )
    ratios = [
        float(r[7].split("x", 1)[0])
        for r in rows
        if r[7][:1].isdigit() and "nothing moved" not in r[7]
    ]
    if ratios:
        print(f"Median workload speed-up where functions moved: {statistics.median(ratios):.2f}x.")
    else:
        print("Median workload speed-up: none to compute (no package has a function in Rust).")
    if bench:
        print("\nPer function moved (the generated benchmark, dispatch included):\n")
        print("```text")
        print("\n".join(bench))
        print("```")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
