"""SIGINT, SIGTERM and SIGHUP take one path: an `Interrupted` exception, exit code 130.

`timeout`, CI cancellation, systemd and IDEs send SIGTERM; closing a terminal sends SIGHUP.
Python's defaults would kill the process on either without unwinding, leaving a half-applied
change, so the CLI turns both into the same exception as Ctrl-C: every verb's all-or-nothing
writer (`scaffold.files`) then puts the project back, and the message says what happened.

While files are being restored, signals are held (`deferred()`): a second Ctrl-C must not stop
the restore half-way. The held signal is raised once the restore is done.

`progress` records whether the change was already complete, so that a Ctrl-C during cleanup
after a fully applied update does not claim "nothing changed".
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType

SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Interrupted(KeyboardInterrupt):
    """A signal asked us to stop; `restored` lists what was put back (project-relative)."""

    def __init__(self, signum: int = signal.SIGINT, restored: tuple[str, ...] = ()) -> None:
        super().__init__(signum)
        self.signum = signum
        self.restored = restored


class _State:
    depth = 0  # > 0 while signals are held
    pending: int | None = None
    # What a verb finished writing: set once its change is complete (e.g. "12 files").
    completed: str | None = None


progress = _State()


def _handler(signum: int, _frame: FrameType | None) -> None:
    if progress.depth:
        progress.pending = signum
        return
    raise Interrupted(signum)


def install() -> None:
    """Route the three signals to `Interrupted` (a signal the parent ignores stays ignored:
    `nohup` relies on SIGHUP being ignored)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _handler)


def settle() -> None:
    """Ignore the three signals from now on: the command is over (its writes committed or put
    back) and the process is exiting. A signal landing in the interpreter's shutdown would
    otherwise raise inside atexit or threading code, a traceback after the job was done; the
    exit code already says what happened."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP for the duration (at the OS level too, where possible, so
    nothing runs between bytecodes); raise the held one, if any, afterwards."""
    blocked = hasattr(signal, "pthread_sigmask") and (
        threading.current_thread() is threading.main_thread()
    )
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS) if blocked else None
    progress.depth += 1
    failed = True
    try:
        yield
        failed = False
    finally:
        progress.depth -= 1
        if previous is not None:
            # Unblocking delivers a held signal: our handler sees depth 0 and raises.
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        held, progress.pending = progress.pending, None
        # An exception already on its way out wins: the run ends either way.
        if held is not None and progress.depth == 0 and not failed:
            raise Interrupted(held)


def reset() -> None:
    """A new command starts: nothing is complete yet (the CLI may run several in-process)."""
    progress.completed = None
    progress.pending = None


def completed(summary: str) -> None:
    progress.completed = summary


def describe(error: BaseException) -> str:
    """The one true line for an interruption."""
    signum = getattr(error, "signum", signal.SIGINT)
    name = signal.Signals(signum).name if signum in signal.Signals.__members__.values() else ""
    what = "Interrupted" + (f" ({name})" if name and name != "SIGINT" else "")
    restored: tuple[str, ...] = getattr(error, "restored", ())
    if restored:
        shown = ", ".join(restored[:5]) + (f" and {len(restored) - 5} more" if restored[5:] else "")
        return f"{what}: put back {len(restored)} file(s) as they were ({shown}); nothing changed."
    if progress.completed is not None:
        return f"{what} after the change was complete ({progress.completed})."
    return f"{what}: nothing was changed."
