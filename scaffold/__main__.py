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
    except KeyboardInterrupt as error:  # nothing has started: nothing to undo
        line = "Interrupted: nothing was changed."
        if hasattr(error, "signum"):  # ours: scaffold.interrupts is loaded, SIGTERM is named
            from scaffold.interrupts import describe  # noqa: PLC0415

            line = describe(error)
        sys.stderr.write(line + "\n")
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
