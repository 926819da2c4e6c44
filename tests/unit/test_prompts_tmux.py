"""The interactive session of `new` as a person sees it: a real terminal under tmux.

CliRunner feeds answers through a pipe; here the program runs on a pseudo-terminal, so the
prompts, re-asks and Ctrl-C go through click and the terminal driver for real. Each test
types keys with `tmux send-keys` and reads the screen with `tmux capture-pane`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
TIMEOUT = 30.0  # seconds for the screen to show what a step waits for (the machine is shared)


class Terminal:
    """One tmux server of our own (its own socket), one window running one command."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        assert TMUX is not None
        self.tmux = [TMUX, "-L", f"pyo3-scaffold-test-{uuid.uuid4().hex[:12]}", "-f", os.devnull]
        # The exit status is printed when the program ends, and the pane stays open to read it.
        # Ctrl-C goes to the whole foreground group: the shell traps it (its child still gets
        # the default handling) so that it lives on to print the status.
        shell = (
            f"trap true INT; cd {shlex.quote(str(cwd))} && {shlex.join(command)}; "
            "echo EXIT=$?; sleep 600"
        )
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-x", "120", "-y", "50", "sh", "-c", shell],
            check=True,
        )

    def screen(self) -> str:
        done = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-J", "-S", "-"],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def wait_for(self, text: str, count: int = 1) -> str:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            screen = self.screen()
            if screen.count(text) >= count:
                return screen
            time.sleep(0.1)
        pytest.fail(f"{text!r} (x{count}) never showed; the screen:\n{self.screen()}")

    def type(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", *keys], check=True)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal([sys.executable, "-m", "scaffold", "new", "proj", "--no-git"], tmp_path)
    try:
        yield term
    finally:
        term.close()


def test_a_bad_first_answer_is_asked_again_and_the_names_show_at_once(
    terminal: Terminal, tmp_path: Path
) -> None:
    terminal.wait_for("Project name [proj]:")
    assert "the PyPI, import and crate names derive from it" in terminal.screen()
    terminal.type("9x", "Enter")
    screen = terminal.wait_for("Project name [proj]:", count=2)
    assert "Error: invalid project name '9x'" in screen
    terminal.type("My.Lib", "Enter")
    screen = terminal.wait_for("Use these names? [Y/n]")
    names = screen.split("Names from 'My.Lib':\n", 1)[1].splitlines()[:4]
    assert [line.split()[-1] for line in names[:3]] == ["my-lib", "my_lib", "my_lib"]
    assert names[3].startswith("Use these names? [Y/n]")  # the next question, nothing between
    assert "--" not in screen, "a prompt pointed to a flag"
    terminal.type("Enter")
    terminal.wait_for("Description [")
    for _ in range(11):  # every other question on its default
        terminal.type("Enter")
        time.sleep(0.05)
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    assert "Created my-lib in" in screen
    assert (tmp_path / "proj/python/my_lib/__init__.py").is_file()


def test_a_name_that_makes_a_bad_import_name_asks_the_names(terminal: Terminal) -> None:
    terminal.wait_for("Project name [proj]:")
    terminal.type("class", "Enter")
    screen = terminal.wait_for("Distribution name (PyPI) [class]:")
    assert "invalid import name 'class': it is a Python keyword" in screen
    assert "Use these names?" not in screen  # nothing to accept: straight to the names
    terminal.type("Enter")
    terminal.wait_for("Import name (Python) [class]:")
    terminal.type("Enter")  # the bad default is refused and asked again
    screen = terminal.wait_for("Import name (Python) [class]:", count=2)
    assert screen.count("it is a Python keyword") >= 2
    terminal.type("klass", "Enter")
    terminal.wait_for("Crate name (Rust) [klass]:")


def test_ctrl_c_at_a_prompt_exits_130_and_leaves_nothing(
    terminal: Terminal, tmp_path: Path
) -> None:
    terminal.wait_for("Project name [proj]:")
    terminal.type("fine", "Enter")
    terminal.wait_for("Use these names? [Y/n]")
    terminal.type("C-c")
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=130" in screen, screen
    assert "Interrupted" in screen
    assert "Traceback" not in screen
    assert not (tmp_path / "proj").exists()
    assert [p.name for p in tmp_path.iterdir()] == []
