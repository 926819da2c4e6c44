"""`python -m scaffold` and the `pyo3-scaffold` command.

Signal handlers are installed before the CLI's imports (click, rich: ~50 ms), so a Ctrl-C
that early exits 130 in one line instead of a traceback from inside an import.
"""

from __future__ import annotations


def main() -> None:
    import sys  # noqa: PLC0415

    from scaffold import interrupts  # noqa: PLC0415

    interrupts.install()
    try:
        from scaffold.cli import main as cli_main  # noqa: PLC0415
    except KeyboardInterrupt as error:
        sys.stderr.write(interrupts.describe(error) + "\n")
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
