"""Fault injection: every writing verb, each signal, at each moment; the tree is before or after.

Each verb runs as a real `pyo3-scaffold` process with every write slowed down (the
PYO3_SCAFFOLD_TEST_SLOW_WRITES test seam in scaffold/files.py). The test watches the staging
folder beside the project to know the moment (rendering; writing, with k journal entries;
cleaning up after the commit) and sends SIGINT, SIGTERM, SIGHUP or SIGKILL then. Afterwards:
- the project equals its snapshot from before the run, or from after a run left alone;
- SIGINT/SIGTERM/SIGHUP: exit 130, one "Interrupted" line that tells the truth (what was put
  back, or that the change was complete), no traceback;
- SIGKILL: the next real run of the same command clears up first (`files.recover`) and
  leaves before-or-after too, with a documented code and no traceback;
- nothing is left beside the project, and nothing in $TMPDIR.
The cases are listed in docs/robustness.md (checked by test_robustness_docs.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import hostile
import pytest
from helpers import git as _git

from scaffold import files, usage
from scaffold.errors import EXIT_DESTINATION, EXIT_DIRTY, EXIT_INTERRUPTED, DestinationError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SIGNALS = {
    "SIGINT": signal.SIGINT,
    "SIGTERM": signal.SIGTERM,
    "SIGHUP": signal.SIGHUP,
    "SIGKILL": signal.SIGKILL,
}
# When the signal is sent: staging exists but nothing is written yet; the journal has one
# entry (the first write under way); half of them; the change is committed (cleanup).
MOMENTS = ("rendering", "first-write", "mid-writes", "cleanup")
SLOW = "0.05"  # seconds per write: long enough to aim at, short enough for the budget


def _ci(root: Path) -> list[str]:
    hostile.base_project(root)
    (root / ".github/workflows/ci.yml").unlink()
    return ["ci", "."]


def _migrate(root: Path) -> list[str]:
    hostile.base_project(root, pure_python=True)
    (root / ".github/workflows/ci.yml").unlink()
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    return ["migrate", "python/hostile/slow.py", "--no-ci"]


def _new(root: Path) -> list[str]:
    root.mkdir(parents=True)
    (root / "NOTES.txt").write_text("mine\n")
    return ["new", ".", "--allow-existing", "--yes", "--name", "demo"]


# `update`: a project made by the real `new` (template v<this version>), committed, updated
# with --template to a v99.0.0 of the same template that changes three files and adds one,
# so the update writes five files, the answers file last.
V2_CHANGES = {
    "template/Cargo.toml.jinja": ("[profile.release]\n", "[profile.release]\n# v99\n"),
    "template/README.md.jinja": ("\n", "\nChanged by template 99.0.0.\n"),
    "template/.github/workflows/ci.yml.jinja": ("\njobs:", "\n# v99\njobs:"),
}


def _template_repo(repo: Path) -> Path:
    from scaffold import __version__, render

    repo.mkdir()
    _git(repo, "init", "-q")
    render.TemplateVersion(__version__, render.template_root()).write_to(repo)
    _git(repo, "add", "-A", "--force")
    _git(repo, "commit", "-q", "-m", "v1")
    _git(repo, "tag", f"v{__version__}")
    for name, (old, new) in V2_CHANGES.items():
        text = (repo / name).read_text()
        assert old in text, name
        (repo / name).write_text(text.replace(old, new, 1))
    (repo / "template/CHANGES.md").write_text("New in template 99.0.0.\n")
    _git(repo, "add", "-A", "--force")
    _git(repo, "commit", "-q", "-m", "v2")
    _git(repo, "tag", "v99.0.0")
    return repo


def _update(root: Path) -> list[str]:
    from scaffold import new
    from scaffold.answers import Answers

    repo = _template_repo(root.parent / "template-repo")
    new.run(new.NewOptions(destination=root, answers=Answers.resolve("demo")))
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "made by new")
    return ["update", ".", "--template", str(repo)]


VERBS = {"ci": _ci, "migrate": _migrate, "new": _new, "update": _update}


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        + oct(p.stat().st_mode)
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TMPDIR": str(tmp),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "NO_COLOR": "1",
        "PYO3_SCAFFOLD_TEST_SLOW_WRITES": SLOW,
    }


def _start(args: list[str], root: Path, tmp: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scaffold", *args],
        cwd=root, env=_env(tmp), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _journal_lines(stage: Path) -> int:
    try:
        return len((stage / "journal.jsonl").read_bytes().splitlines())
    except OSError:
        return 0


def _reached(moment: str, stage: Path, total: int) -> bool:
    if moment == "rendering":
        return stage.is_dir()
    if moment == "first-write":
        return _journal_lines(stage) >= 1
    if moment == "mid-writes":
        return _journal_lines(stage) >= max(1, total // 2)
    return (stage / "committed").exists()


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, dict, int]]:
    """Per verb: the tree before, the tree after an undisturbed run, and its journal size."""
    found = {}
    for verb, setup in VERBS.items():
        base = tmp_path_factory.mktemp(f"baseline-{verb}")
        root, tmp = base / "proj", base / "tmp"
        tmp.mkdir()
        args = setup(root)
        before = tree(root)
        done = subprocess.run(
            [sys.executable, "-m", "scaffold", *args], cwd=root, capture_output=True, text=True,
            env={**_env(tmp), "PYO3_SCAFFOLD_TEST_SLOW_WRITES": "0"}, check=False, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        after = tree(root)
        assert after != before
        found[verb] = (
            before,
            after,
            len(set(after) ^ set(before))
            + len([k for k in before if k in after and before[k] != after[k]]),
        )
    return found


# `ci` and `update` get every signal at every moment; `migrate` and `new` each signal once,
# the moments rotated, so that every signal and every moment is met by each verb within the
# time budget.
CASES = (
    [("ci", name, moment) for name in SIGNALS for moment in MOMENTS]
    + [
        (verb, name, MOMENTS[(i + shift) % len(MOMENTS)])
        for shift, verb in enumerate(("migrate", "new"), start=1)
        for i, name in enumerate(SIGNALS)
    ]
    + [("update", name, moment) for name in SIGNALS for moment in MOMENTS]
)


def stderr_of(process: subprocess.Popen[str]) -> str:
    return process.communicate(timeout=60)[1]


def _recover(root: Path) -> None:
    message = ""
    try:
        files.recover(root)  # what the next run does first
    except DestinationError as error:
        message = str(error)
    assert not message or "killed part-way" in message, message


def _next_run_clears_up(root: Path, now: dict[str, str]) -> None:
    _recover(root)
    assert tree(root) == now


def _next_run_recovers(
    verb: str,
    args: list[str],
    root: Path,
    tmp: Path,
    before: dict[str, str],
    after: dict[str, str],
) -> None:
    """After a SIGKILL, the next real run of the same command clears up first: killed
    part-way, it puts the files back, says so and stops (3: run again), leaving `before`;
    killed before writing, it does its job (0: `after`); killed after its commit, the project
    is already `after` and the command says why it does nothing more (for `update` and
    `migrate` the tree is no longer clean, 4; `new` would overwrite, 3). A documented code,
    one line, no traceback; never a temp file left in the project."""
    assert all(".pyo3-scaffold" not in name for name in tree(root)), sorted(tree(root))
    done = subprocess.run(
        [sys.executable, "-m", "scaffold", *args], cwd=root, capture_output=True, text=True,
        env={**_env(tmp), "PYO3_SCAFFOLD_TEST_SLOW_WRITES": "0"}, check=False, timeout=120,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in {code for code, _ in usage.EXIT_CODES[verb]}, done.stderr
    assert len([line for line in done.stderr.splitlines() if line.startswith("Error:")]) <= 1
    if "killed part-way" in done.stderr:
        assert (done.returncode, tree(root)) == (EXIT_DESTINATION, before), done.stderr
    else:
        assert done.returncode in {0, EXIT_DESTINATION, EXIT_DIRTY}, done.stderr
        assert tree(root) == after, done.stderr


@pytest.mark.parametrize(("verb", "name", "moment"), CASES)
def test_a_signal_at_any_moment_leaves_before_or_after(
    tmp_path: Path, baselines: dict[str, tuple[dict, dict, int]], verb: str, name: str, moment: str
) -> None:
    before, after, total = baselines[verb]
    root, tmp = tmp_path / "proj", tmp_path / "tmp"
    tmp.mkdir()
    args = VERBS[verb](root)
    assert tree(root) == before
    stage = files.staging_candidates(root)[0]
    process = _start(args, root, tmp)
    deadline = time.monotonic() + 60
    while not _reached(moment, stage, total) and process.poll() is None:
        assert time.monotonic() < deadline, "the moment never came"
        time.sleep(0.002)
    sent = process.poll() is None
    # The update takes seconds and writes five files slowly: its moments are always met (the
    # window after the commit is short, so there the run may end first).
    assert sent or verb != "update" or moment == "cleanup", stderr_of(process)
    if sent:
        process.send_signal(SIGNALS[name])
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    if name == "SIGKILL" and sent:
        assert process.returncode == -signal.SIGKILL
        _next_run_recovers(verb, args, root, tmp, before, after)
    elif sent:
        # The interpreter may end by the signal itself if it lands while exiting.
        assert process.returncode in {EXIT_INTERRUPTED, 0, -SIGNALS[name]}, stderr
        if process.returncode == EXIT_INTERRUPTED:
            lines = [line for line in stderr.splitlines() if line.startswith("Interrupted")]
            assert len(lines) == 1, stderr
    now = tree(root)
    assert now in (before, after), sorted(set(now.items()) ^ set(before.items()))[:5]
    if sent and name != "SIGKILL" and process.returncode == EXIT_INTERRUPTED:
        message = stderr
        if now == before:
            assert "put back" in message or "nothing was changed" in message, message
        else:
            assert "after the change was complete" in message, message
    if stage.exists() and sent and process.returncode != EXIT_INTERRUPTED:
        # The signal landed after our handlers were gone (the interpreter exiting): like a
        # kill, the staging folder is left for the next run, which must clear it up first.
        _next_run_clears_up(root, now)
    assert not stage.exists(), sorted(p.name for p in stage.iterdir())
    assert list(tmp.iterdir()) == []


@pytest.mark.parametrize("delay_ms", [0, 10, 25, 50, 80])
def test_ctrl_c_during_start_up_is_one_line(tmp_path: Path, delay_ms: int) -> None:
    """A Ctrl-C while the CLI is still importing (before click runs) prints no traceback."""
    script = shutil.which("pyo3-scaffold", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "scaffold"]
    process = subprocess.Popen(
        [*command, "doctor", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(delay_ms / 1000)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    # Before the interpreter has imported `site`, no code of ours can run: CPython itself
    # reports "Fatal Python error: init_import_site", or "init_sys_streams" a moment earlier,
    # while it imports `io` for sys.stdout (a known limit, docs/robustness.md).
    # From the first line of scaffold/__main__.py's main() on, the interruption is ours.
    # Likewise the console script's own first lines (before scaffold/__main__.py): so a
    # traceback may only show frames that are not ours.
    # The same holds while CPython imports the entry module itself (scaffold/__init__.py and
    # scaffold/__main__.py, module level: no code of ours has run yet), a window of well
    # under a millisecond once bytecode is cached, hit only when compiling under heavy load.
    ours = [
        line for line in stderr.splitlines()
        if "/scaffold/" in line and line.lstrip().startswith("File ")
        and not re.search(r'/scaffold/__(init|main)__\.py", line \d+, in <module>$', line)
    ]  # fmt: skip
    assert "Traceback" not in stderr or not ours, stderr
    if re.search(r"Fatal Python error: init_(import_site|sys_streams):", stderr):
        # CPython's own start-up, measured in about half of the signals sent in its first
        # ~10 ms (init_sys_streams: seen at 10 and 25 ms, under a load average of ~2).
        assert process.returncode == 1, stderr
    else:
        assert process.returncode in {EXIT_INTERRUPTED, -signal.SIGINT, 2}, stderr
    assert "Aborted!" not in stderr, stderr  # click's standalone handler: exit 1, not ours


# A real signal, raised by the process itself at a chosen point of its start-up: while the CLI
# is imported (after the handlers are installed), while click parses the top level's
# arguments (a parameter callback of the group: before `_Cli.invoke`), or while click closes
# the top-level context after the command. The timed test above can only hope to land there.
START_UP_PROBE = """
import os, signal, sys
import click

SIG = getattr(signal, os.environ["PROBE_SIGNAL"])
WINDOW = os.environ["PROBE_WINDOW"]

class Hook:
    def find_spec(self, name, path, target=None):
        if name == "scaffold.cli" and WINDOW == "import":
            signal.raise_signal(SIG)

def _probe(ctx, _param, _value):
    if WINDOW == "parse":
        signal.raise_signal(SIG)
    elif WINDOW == "close":
        ctx.call_on_close(lambda: signal.raise_signal(SIG))

sys.meta_path.insert(0, Hook())
if WINDOW != "import":
    from scaffold.cli import cli
    cli.params.append(click.Option(["--probe"], expose_value=False, callback=_probe))
from scaffold.__main__ import main
main()
"""


@pytest.mark.parametrize("window", ["import", "parse", "close"])
@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_outside_a_command_is_the_same_one_line(
    tmp_path: Path, window: str, name: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", START_UP_PROBE, "doctor", str(tmp_path)],
        env={**os.environ, "PROBE_SIGNAL": name, "PROBE_WINDOW": window},
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False, timeout=60,
    )  # fmt: skip
    what = "Interrupted" if name == "SIGINT" else f"Interrupted ({name})"
    line = f"{what}: nothing was changed.\n"
    assert (done.returncode, done.stdout) == (EXIT_INTERRUPTED, ""), done.stderr
    if window == "close":
        # The command ran (doctor: not a PyO3 project, its one line); the signal replaces its
        # exit code. Click itself writes a blank line before handing the interrupt over.
        first, *rest = done.stderr.splitlines(keepends=True)
        assert first.startswith("Error: "), done.stderr
        assert rest == ["\n", line], done.stderr
    else:
        assert done.stderr == line
