"""Every verb over every hostile project (tests/hostile.py): bounded, documented, one line.

Each (fixture, verb) runs as a real `pyo3-scaffold` process with a timeout, so a hang or a
crash is a failure, not a stuck suite. Asserted for each:
- it ends within the timeout, with an exit code its `--help` documents (scaffold/usage.py),
  and never 1 except doctor's "findings";
- no traceback; an `Error:` is one line; nothing from outside the project is printed;
- the project is byte for byte as before, and nothing is left beside it or in $TMPDIR;
- doctor stays under 1 s of CPU and 200 MB of memory (measured in the process itself).
The results also feed docs/robustness.md's table (checked by test_robustness_docs.py).
"""

from __future__ import annotations

import faulthandler
import hashlib
import os
import stat
import subprocess
import tempfile
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hostile
import pytest
from helpers import git

from scaffold import usage

VERBS: dict[str, list[str]] = {
    "doctor": ["doctor", "."],
    "ci": ["ci", "."],
    "migrate": ["migrate", "python/hostile/slow.py", "--allow-dirty", "--no-ci"],
    "update": ["update", "."],
    "new": ["new", ".", "--allow-existing", "--yes"],
}
DOCTOR_CPU_SECONDS = 1.0
DOCTOR_MAX_MB = 200
TIMEOUT = 30


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """What is in `root`, without opening anything that is not a small regular file."""
    found: dict[str, tuple[object, ...]] = {}
    for top, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in [*dirs, *names]:
            path = Path(top) / name
            info = path.lstat()
            entry: tuple[object, ...] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mode)
            if stat.S_ISREG(info.st_mode) and info.st_size < 1 << 20:
                entry += (hashlib.sha256(path.read_bytes()).hexdigest(),)
            elif stat.S_ISLNK(info.st_mode):
                entry += (str(path.readlink()),)
            found[path.relative_to(root).as_posix()] = entry
    return found


def _git(root: Path, *args: str) -> None:
    git(root, *args, check=False)  # a hostile tree may refuse some of it (a FIFO cannot be added)


def _prepare(base: Path, fixture: hostile.Fixture, verb: str) -> tuple[Path, Path]:
    folder = base / f"{fixture.name}-{verb}"
    tmp = folder / "tmp"
    tmp.mkdir(parents=True)
    root = hostile.base_project(folder / "proj", pure_python=verb == "migrate")
    if verb in {"update", "migrate"}:  # both want a git tree; update a clean one
        _git(root, "init", "-q")
        fixture.make(root)
        _git(root, "add", "-A", "--ignore-errors")  # git cannot add a FIFO; the rest is added
        _git(root, "commit", "-q", "--allow-empty", "-m", "hostile")
    else:
        fixture.make(root)
    return root, tmp


def _in_process(args: list[str], tmp: Path) -> hostile.Outcome:
    """Verbs other than doctor run in this process (no interpreter start-up per case); a
    hang is still caught: faulthandler ends the whole run with every thread's stack."""
    from click.testing import CliRunner

    from scaffold.cli import cli

    old_tempdir, old_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir, os.environ["TMPDIR"] = str(tmp), str(tmp)
    faulthandler.dump_traceback_later(TIMEOUT, exit=True)
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        faulthandler.cancel_dump_traceback_later()
        tempfile.tempdir = old_tempdir
        os.environ.pop("TMPDIR") if old_env is None else os.environ.update(TMPDIR=old_env)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback: " + "".join(traceback.format_exception(result.exception))
    return hostile.Outcome(result.exit_code, result.stdout, stderr, 0.0, 0.0, 0.0)


def _case(base: Path, fixture: hostile.Fixture, verb: str) -> dict[str, object]:
    root, tmp = _prepare(base, fixture, verb)
    folder = root.parent
    before = snapshot(folder)
    if verb == "doctor":  # a real process: its own CPU time and peak memory are measured
        try:
            outcome = hostile.run_verb(VERBS[verb], cwd=root, timeout=TIMEOUT, tmpdir=tmp)
        except subprocess.TimeoutExpired:
            return {"timeout": True}
    else:
        cwd = Path.cwd()
        os.chdir(root)
        try:
            outcome = _in_process(VERBS[verb], tmp)
        finally:
            os.chdir(cwd)
    after = snapshot(folder)
    return {
        "timeout": False,
        "outcome": outcome,
        "changed": sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)),
        "tmp_left": sorted(p.name for p in tmp.iterdir()),
    }


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, object]]:
    base = tmp_path_factory.mktemp("hostile")
    found: dict[tuple[str, str], dict[str, object]] = {}
    doctor = list(hostile.FIXTURES)
    # doctor's processes two at a time (2 cores) while this process runs the other verbs.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {f.name: pool.submit(_case, base, f, "doctor") for f in doctor}
        for fixture in hostile.FIXTURES:
            for verb in VERBS:
                if verb != "doctor":
                    found[fixture.name, verb] = _case(base, fixture, verb)
        for name, future in futures.items():
            found[name, "doctor"] = future.result()
    return found


def _documented(verb: str) -> set[int]:
    return {code for code, _ in usage.EXIT_CODES[verb]}


@pytest.mark.parametrize("verb", list(VERBS))
@pytest.mark.parametrize("fixture", hostile.FIXTURES, ids=lambda f: f.name)
def test_every_verb_over_every_hostile_project(
    results: dict[tuple[str, str], dict[str, object]], fixture: hostile.Fixture, verb: str
) -> None:
    result = results[fixture.name, verb]
    assert not result["timeout"], f"{verb} did not finish within {TIMEOUT} s"
    outcome = result["outcome"]
    assert isinstance(outcome, hostile.Outcome)
    output = outcome.stdout + outcome.stderr
    assert "Traceback" not in output, outcome.stderr
    assert outcome.code in _documented(verb), (outcome.code, outcome.stderr)
    if verb != "doctor":
        assert outcome.code != 1, outcome.stderr  # 1 is doctor's findings, nobody else's
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) <= 1, outcome.stderr
    assert hostile.SECRET not in output
    assert result["changed"] == [] or outcome.code == 0, result["changed"]
    assert result["tmp_left"] == [], result["tmp_left"]
    if verb == "doctor":
        assert outcome.cpu_seconds < DOCTOR_CPU_SECONDS, outcome.cpu_seconds
        assert outcome.max_rss_mb < DOCTOR_MAX_MB, outcome.max_rss_mb
