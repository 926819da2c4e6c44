"""The project reader's fuzz target (tests/fuzz_project_reader.py), run bounded in every run.

libFuzzer (atheris) mutates the seed corpus (every hostile fixture and tests/projects/) for
FUZZ_SECONDS or FUZZ_RUNS inputs, whichever ends first, with a fixed seed. The run fails on
any exception other than our typed errors, an input over its CPU budget (1 s) or libFuzzer's
hang timeout, memory over RSS_LIMIT_MB, or a read of the secret outside the project; the
failing input is saved for `python tests/fuzz_project_reader.py CRASH-FILE` to replay.
A second test proves that the harness catches a reader that trusts its input.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import fuzz_project_reader as target
import pytest

if sys.platform == "linux":  # a test dependency there (pyproject.toml): missing is a failure
    import atheris  # noqa: F401
else:
    pytest.importorskip("atheris", reason="atheris is a test dependency on Linux only")

FUZZ_SECONDS = int(os.environ.get("PYO3_SCAFFOLD_FUZZ_SECONDS", "60"))
FUZZ_RUNS = int(os.environ.get("PYO3_SCAFFOLD_FUZZ_RUNS", "2000"))
SEED = os.environ.get("PYO3_SCAFFOLD_FUZZ_SEED", "12")
RSS_LIMIT_MB = 256
HANG_SECONDS = 10  # wall clock per input: a blocking read (a FIFO, /dev/zero) ends here
MIN_NEW_RUNS = 50  # mutated inputs beyond the seeds, even on a loaded machine


def _fuzz(tmp_path: Path, *options: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    seeds, found, work = tmp_path / "seeds", tmp_path / "found", tmp_path / "work"
    found.mkdir()
    target.write_seeds(seeds)
    done = subprocess.run(
        [
            sys.executable, target.__file__, f"-seed={SEED}", f"-timeout={HANG_SECONDS}",
            f"-rss_limit_mb={RSS_LIMIT_MB}", f"-artifact_prefix={tmp_path}/",
            "-print_final_stats=1", *options, str(found), str(seeds),
        ],
        env={**os.environ, "PYO3_SCAFFOLD_FUZZ_DIR": str(work), "GIT_CONFIG_GLOBAL": os.devnull,
             **(env or {})},
        cwd=tmp_path, capture_output=True, text=True, check=False,
        timeout=FUZZ_SECONDS + 5 * HANG_SECONDS + 120,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def _stat(output: str, name: str) -> int:
    found = re.search(rf"^stat::{name}:\s+(\d+)", output, re.MULTILINE)
    assert found, output[-3000:]
    return int(found.group(1))


def test_the_reader_survives_a_bounded_fuzz_run(tmp_path: Path) -> None:
    code, output = _fuzz(tmp_path, f"-runs={FUZZ_RUNS}", f"-max_total_time={FUZZ_SECONDS}")
    tail = "\n".join(line for line in output.splitlines() if "Instrumenting" not in line)[-4000:]
    assert code == 0, tail
    runs = _stat(output, "number_of_executed_units")
    seeds = len(list((tmp_path / "seeds").iterdir()))
    assert runs >= seeds + MIN_NEW_RUNS, tail
    assert _stat(output, "peak_rss_mb") < RSS_LIMIT_MB, tail
    assert not list(tmp_path.glob("crash-*")), tail
    assert not list(tmp_path.glob("timeout-*")), tail
    done = re.search(r"^Done (\d+) runs in (\d+) second", output, re.MULTILINE)
    assert done, tail
    print(f"fuzz: {runs} inputs ({seeds} seeds) in {done.group(2)} s, seed {SEED}")


def test_the_harness_catches_a_reader_that_trusts_its_input(tmp_path: Path) -> None:
    """The seeded defect: read pyproject.toml as UTF-8 text without our safe reader. A FIFO
    would hang it, a folder or a latin-1 file crash it: the run must fail and keep the input."""
    code, output = _fuzz(
        tmp_path, "-runs=200", "-max_total_time=60", env={target.SEEDED_DEFECT: "1"}
    )
    assert code != 0, output[-3000:]
    assert "Uncaught Python exception" in output or "timeout" in output, output[-3000:]
    assert list(tmp_path.glob("crash-*")) or list(tmp_path.glob("timeout-*")), output[-3000:]


def test_any_bytes_decode_to_a_tree_inside_its_folder(tmp_path: Path) -> None:
    """The decoder never makes a path outside the fuzz folder (`..`, absolute, `.git`)."""
    data = target.encode([
        ("file", "../escape.txt", b"x", 1),
        ("file", "/etc/escape.txt", b"x", 1),
        ("file", ".git/config", b"x", 1),
        ("file", "a/b/../c.txt", b"kept", 3),
        ("link", "l", b"/dev/zero", 1),
        ("pipe", "p", b"", 1),
    ])  # fmt: skip
    root = tmp_path / "proj"
    target.build(root, data)
    made = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    # `..` and `.git` parts are dropped, a leading `/` too: everything stays in `proj`.
    assert made == [
        "a",
        "a/b",
        "a/b/c.txt",
        "config",
        "escape.txt",
        "etc",
        "etc/escape.txt",
        "l",
        "p",
    ]
    assert (root / "a/b/c.txt").read_bytes() == b"keptkeptkept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "proj"]
