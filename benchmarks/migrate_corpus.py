"""What `pyo3-scaffold migrate` makes of the real packages in tests/corpus/migrate_packages.toml.

Prints one Markdown table (it goes into docs/migrate.md): per package, its public functions,
those moved to Rust, those left in Python with the reasons grouped, the package's own tests on
the Rust path and with the pure-Python switch, the generated differential tests, and the
workload speed-up with the dispatch included. Run it with `nox -s migrate-corpus`, or
`python benchmarks/migrate_corpus.py` where pyo3-scaffold, uv and Rust are installed.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "corpus"))

import corpus_migrate as corpus


def _machine() -> str:
    cpus = os.cpu_count()
    return (
        f"{platform.system()} {platform.machine()}, {cpus} CPUs, "
        f"CPython {platform.python_version()}"
    )


def main() -> int:
    target = os.environ.get("CARGO_TARGET_DIR") or str(
        Path(tempfile.gettempdir()) / "corpus-target"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env["CARGO_TARGET_DIR"] = target
    rows = []
    totals = [0, 0]
    for package in corpus.packages():
        with tempfile.TemporaryDirectory() as tmp:
            root = corpus.unpack(package, Path(tmp) / "src")
            outcome = corpus.migrate(package, root)
            totals[0] += outcome.public
            totals[1] += len(outcome.rust)
            if outcome.refused:
                why = outcome.refused.replace(str(root) + "/", "")
                why = why if len(why) < 140 else why[:137] + "..."
                rows.append([package.name, str(outcome.public), "refused", why, "", "", ""])
                continue
            reasons = "; ".join(f"{kind} ({n})" for kind, n in outcome.reasons().most_common())
            if not outcome.env_var:  # no function could move: no extension, nothing to build
                rows.append(
                    [package.name, str(outcome.public), "none", reasons, "not built", "", ""]
                )
                continue
            checked = corpus.build_and_test(
                package, root, Path(tmp) / "venv", env, outcome.env_var, outcome.test_file
            )
            reasons = "; ".join(f"{kind} ({n})" for kind, n in outcome.reasons().most_common())
            rows.append(
                [
                    package.name,
                    str(outcome.public),
                    ", ".join(outcome.rust) or "none",
                    reasons or "none",
                    f"{checked.own_rust} / {checked.own_pure}",
                    checked.differential,
                    "not measured",
                ]
            )
    header = [
        "package",
        "public functions",
        "moved to Rust",
        "left in Python (reasons)",
        "own tests: Rust / pure Python",
        "differential tests",
        "workload speed-up",
    ]
    print(f"Machine: {_machine()}.\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    print(f"\nMoved to Rust: {totals[1]} of {totals[0]} public functions.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
