"""`python -m scaffold` and the `pyo3-scaffold` command.

Signal handlers are installed before the CLI's imports (click, rich: ~50 ms), so a Ctrl-C
that early exits 130 in one line instead of a traceback from inside an import.
"""

from __future__ import annotations


def main() -> None:
    import sys  # noqa: PLC0415

    try:
        from scaffold import interrupts  # noqa: PLC0415

        interrupts.install()
        from scaffold.cli import main as cli_main  # noqa: PLC0415
    except KeyboardInterrupt:  # nothing has started: nothing to undo
        sys.stderr.write("Interrupted: nothing was changed.\n")
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
