"""The command line: parse, build a frozen options object, call `<verb>.run`, show the result.

Only this module prints, colours and chooses exit codes. Verb modules are imported inside
the commands so that `pyo3-scaffold --help` imports neither copier nor tomlkit.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scaffold import __version__, interrupts, names, usage
from scaffold.answers import (
    NAME_KEYS,
    QUESTION,
    QUESTIONS,
    Answers,
    Question,
    check_name,
    derive_names,
    parse_platforms,
)
from scaffold.errors import EXIT_INTERRUPTED, DerivedNameError, InvalidInputError, ScaffoldError

if TYPE_CHECKING:
    from collections.abc import Callable

    from scaffold.doctor import DoctorResult


def _interrupted(error: BaseException) -> None:
    """The one line for Ctrl-C, SIGTERM and SIGHUP (scaffold.interrupts): what was put back,
    or that the change was already complete."""
    click.secho(interrupts.describe(error), fg="yellow", err=True)


class _Cli(click.Group):
    """Catches expected errors once, for every command: one line, documented exit code."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,  # noqa: ANN401  (click's own signature)
    ) -> click.Context:
        # The top level's own parsing runs before `invoke`: a signal landing here would reach
        # click's handler (a blank line, then "Aborted!" or a bare Abort). Same line, same code
        # as in a command; Exit is what click turns into the exit code in every mode.
        try:
            return super().make_context(info_name, args, parent, **extra)
        except KeyboardInterrupt as error:
            _interrupted(error)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None

    def invoke(self, ctx: click.Context) -> None:
        interrupts.reset()
        try:
            # The command's return value is not an exit code: standalone click ignored it,
            # and `main` reads what click returns as one.
            super().invoke(ctx)
        except ScaffoldError as error:
            click.secho(f"Error: {error}", fg="red", err=True)
            ctx.exit(error.exit_code)
        except (
            KeyboardInterrupt,
            click.exceptions.Abort,
        ) as error:  # Abort: Ctrl-C/EOF at a prompt
            _interrupted(error)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(
    cls=_Cli,
    epilog=usage.top_epilog(),
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="pyo3-scaffold")
def cli() -> None:
    """Start, ship and grow Rust-backed Python packages (PyO3 + maturin)."""


def _comma_list(
    _context: click.Context, _parameter: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...] | None:
    """`--platforms x86,pypy --platforms s390x`: one tuple, or None when not given."""
    if not value:
        return None
    try:
        return parse_platforms(",".join(value))
    except InvalidInputError as error:
        raise click.BadParameter(str(error)) from error


def _question_options(command: Callable[..., None]) -> Callable[..., None]:
    """One option per question of the table, its help the question's own explanation."""
    for question in reversed(QUESTIONS):
        help_text = f"{question.help}  [default: {question.default_text}]"
        if question.is_bool:
            negative = "--no-" + question.flag.removeprefix("--")
            option = click.option(
                f"{question.flag}/{negative}", question.key, default=None, help=help_text
            )
        elif question.is_multiple:
            option = click.option(
                question.flag,
                question.key,
                multiple=True,
                callback=_comma_list,
                metavar="A,B",
                help=help_text,
            )
        else:
            option = click.option(
                question.flag,
                question.key,
                type=click.Choice(question.choices) if question.choices else None,
                help=help_text,
            )
        command = option(command)
    return command


@cli.command(
    short_help="Create a PyO3 + maturin project that builds and passes its tests.",
    epilog=usage.epilog("new"),
)
# No `file_okay=False`: an existing file as PATH is `new`'s documented exit 3, not a usage error.
@click.argument("path", type=click.Path(path_type=Path))
@_question_options
@click.option(
    "-y",
    "--yes",
    "--defaults",
    "defaults",
    is_flag=True,
    help="Ask nothing: defaults for what is not given (automatic without a terminal).",
)
@click.option(
    "--allow-existing",
    is_flag=True,
    help="Add the project to a non-empty folder; existing files are never overwritten.",
)
@click.option(
    "--git/--no-git",
    default=True,
    help="Make the project a git repository with a first commit (skipped when git is missing "
    "or PATH is inside a git work tree)  [default: on]",
)
@click.option(
    "--build",
    is_flag=True,
    help="Then build and install it (into the active virtualenv, else a new .venv in the "
    "project), import it and run its tests, showing each step's output.",
)
def new(
    path: Path,
    defaults: bool,
    allow_existing: bool,
    git: bool,
    build: bool,
    **given: str | bool | None,
) -> None:
    """Create a PyO3 + maturin project in PATH that builds and passes its tests."""
    from scaffold import new as new_verb  # noqa: PLC0415

    interactive = not defaults and _stdin_is_terminal()
    # Check the destination before asking anything: no questions for a doomed run.
    new_verb.check_destination(path.absolute(), allow_existing=allow_existing)
    answers = _resolve_answers(path, given, interactive=interactive)
    options = new_verb.NewOptions(
        destination=path, answers=answers, allow_existing=allow_existing, git=git, lock=True
    )
    result = new_verb.run(options)

    module = result.answers.module_name
    created = f"Created {result.answers.dist_name} in {result.destination}"
    click.secho(created, fg="green", bold=True)
    git_done = {
        "committed": "Git: a new repository, the project in its first commit.",
        "initialised": "Git: a new repository; nothing committed.",
    }
    if result.git in git_done:
        click.echo(git_done[result.git])
    if result.git_note:
        click.secho(f"Note: {result.git_note}", fg="yellow")
    if result.lock_note:
        click.secho(f"Note: {result.lock_note}", fg="yellow")
    git_step = {
        "committed": "git log --stat             # the first commit",
        "initialised": "git add --all && git commit -m 'Initial commit'",
    }.get(result.git)
    if build:
        venv = _first_build(result.destination, module)
        activate = [f". {venv}/bin/activate"] if venv else []
        # Without a Cargo.lock from `new`, the build wrote one: committed, it pins the crates.
        unlocked = git_step and not result.locked
        lock = ["git add Cargo.lock && git commit -m 'Lock the crates'"] if unlocked else []
        steps = [
            f"cd {path}",
            *([git_step] if git_step else []),
            *lock,
            *activate,
            "maturin develop --profile develop && python -m pytest   # after each edit",
            "cargo test",
        ]
    else:
        steps = [
            f"cd {path}",
            *([git_step] if git_step else []),
            "python -m pip install .    # build (release) and install",
            f'python -c "import {module}; print({module}.fast_sum([1, 2, 3]))"',
            "python -m pip install --group test && python -m pytest",
            "cargo test",
        ]
    click.echo("\nNext:\n" + "\n".join(f"  {step}" for step in steps))


def _first_build(project: Path, module: str) -> Path | None:
    """Run `new --build`'s steps, streaming their output; the new .venv, if one was made."""
    import time  # noqa: PLC0415

    from scaffold import first_build  # noqa: PLC0415

    plan = first_build.plan(first_build.BuildOptions(project=project, module_name=module))
    where = "a new virtualenv" if plan.created else "the active virtualenv"
    click.secho(f"\nBuilding, in {where} {plan.venv}:", bold=True)
    started = time.monotonic()
    steps = list(plan.steps)
    lines: list[str] = []
    for number, step in enumerate(steps, start=1):
        if step.needed is not None and not step.needed():
            continue
        click.secho(f"[{number}/{len(steps)}] {step.title}", bold=True)
        step_started = time.monotonic()
        lines = []

        def show(line: str, lines: list[str] = lines) -> None:
            lines.append(line)
            click.secho(f"  | {line}", dim=True)

        first_build.run_step(step, plan, project, show)
        click.secho(f"  done in {time.monotonic() - step_started:.1f} s", fg="green")
    elapsed = time.monotonic() - started
    click.secho(
        f"Built, imported and tested {module} in {elapsed:.0f} s: "
        f"{first_build.tests_summary(lines)} (virtualenv {plan.venv}).",
        fg="green",
        bold=True,
    )
    return plan.venv if plan.created else None


def _resolve_answers(
    path: Path, given: dict[str, str | bool | None], *, interactive: bool
) -> Answers:
    """Defaults < flags < prompts; each prompt's default derives from the answers before it."""
    values = dict(given)
    for key, git_key in (("author_name", "user.name"), ("author_email", "user.email")):
        if values[key] is None:
            values[key] = _git_config(git_key)
    flags = {key for key, value in given.items() if value is not None}
    given_name = values.pop("project_name")
    if given_name is not None and not str(given_name):  # not silently the folder's name
        raise InvalidInputError("--name must not be empty (leave it out to use the folder's name)")
    name = str(given_name or path.absolute().name)
    if not interactive:
        return _resolve_without_prompts(name, values, name_given="project_name" in flags)
    if "project_name" not in flags:
        name = _ask(QUESTION["project_name"], name, names.check_project_name)
    _ask_names(name, values, flags)
    for question in QUESTIONS:
        if question.key in flags or question.key == "project_name" or question.key in NAME_KEYS:
            continue
        default = getattr(Answers.resolve(name, **values), question.key)
        values[question.key] = _ask(question, default, _checked(name, values, question.key))
    return Answers.resolve(name, **values)


def _resolve_without_prompts(
    name: str, values: dict[str, str | bool | None], *, name_given: bool
) -> Answers:
    """No terminal to ask again: a bad value is one line that names the flag to change it."""
    if not name_given:
        try:
            names.check_project_name(name)
        except InvalidInputError as error:
            raise InvalidInputError(f"{error} (the folder's name); pass --name") from error
    try:
        return Answers.resolve(name, **values)
    except DerivedNameError as error:
        raise InvalidInputError(f"{error}; pass {QUESTION[error.key].flag}") from error


def _ask_names(name: str, values: dict[str, str | bool | None], flags: set[str]) -> None:
    """Show the three names derived from `name` at once; one question accepts them all."""
    derived = derive_names(name, **values)
    problems: dict[str, str] = {}
    for key in NAME_KEYS:
        try:
            check_name(key, derived[key])
        except InvalidInputError as error:
            problems[key] = str(error)
    click.echo(f"Names from {name!r}:")
    width = max(len(QUESTION[key].label) for key in NAME_KEYS)
    for key in NAME_KEYS:
        click.echo(f"  {QUESTION[key].label:<{width}}  {derived[key]}")
        if key in problems:
            click.secho(f"  {'':<{width}}  {problems[key]}", fg="red")
    open_keys = [key for key in NAME_KEYS if key not in flags]
    if not open_keys:
        return
    if not problems and click.confirm("Use these names?", default=True):
        values.update({key: derived[key] for key in open_keys})
        return
    for key in open_keys:
        default = derive_names(name, **values)[key]  # a crate follows the import name just given
        values[key] = _ask(QUESTION[key], default, _name_check(key))


def _name_check(key: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        check_name(key, value)

    return check


def _ask(
    question: Question, default: str | bool | tuple[str, ...], check: Callable[[str], object]
) -> Any:  # noqa: ANN401
    """One prompt: its explanation on the line above, its default in brackets.

    A bad answer is explained in the words of the question (no flags) and asked again.
    """
    click.secho(f"  {question.help}", dim=True)
    if isinstance(default, bool):
        return click.confirm(question.label, default=default)
    if isinstance(default, tuple):

        def convert_list(value: str) -> tuple[str, ...]:
            try:
                return parse_platforms(value)
            except InvalidInputError as error:
                raise click.BadParameter(str(error)) from error

        shown = ",".join(default) or "none"
        return click.prompt(question.label, default=shown, value_proc=convert_list)
    choice = click.Choice(question.choices) if question.choices else None

    def convert(value: str) -> str:
        if choice is not None:
            value = choice.convert(value, None, None)
        try:
            check(value)
        except InvalidInputError as error:
            raise click.BadParameter(str(error)) from error
        return value

    return click.prompt(question.label, default=default, type=choice, value_proc=convert)


def _checked(name: str, values: dict[str, str | bool | None], key: str) -> Callable[[str], None]:
    """A later prompt's check: the whole set of answers, earlier answers kept."""

    def check(value: str) -> None:
        Answers.resolve(name, **{**values, key: value})

    return check


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _git_config(key: str) -> str | None:
    from scaffold import git  # noqa: PLC0415

    value = git.config_get(key)
    if value is None:
        return None
    try:  # e.g. DOMAIN\user cannot go into pyproject.toml as is: leave the author out
        names.check_text(key, value)
    except InvalidInputError:
        return None
    return value


@cli.command(
    short_help="Bring a generated project to this template version.", epilog=usage.epilog("update")
)
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--to", "to_version", metavar="VERSION", help="Template version  [default: this release's]"
)
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option(
    "--template",
    metavar="REPO",
    help="Update from this copier template git repo (path or URL) instead of the versions "
    "packaged with pyo3-scaffold; --to is then any git ref of it.",
)
def update(path: Path, to_version: str | None, dry_run: bool, template: str | None) -> None:
    """Bring a generated project in PATH to the installed template version.

    Template changes are merged with your edits (copier update, offline); a line changed by
    both is left between <<<<<<< before updating / >>>>>>> after updating markers.
    Needs a clean git tree: review the result with git diff.
    """
    from scaffold import update as update_verb  # noqa: PLC0415

    options = update_verb.UpdateOptions(
        path=path, to_version=to_version, dry_run=dry_run, template=template
    )
    result = update_verb.run(options)
    if result.stale_pins:
        click.secho("Older than this tool's pin table (doctor PS014):", fg="yellow", bold=True)
        for pin in result.stale_pins:
            click.echo(f"  {pin}")
    if result.up_to_date:
        click.secho(f"Up to date: template {result.from_version}.", fg="green")
        return
    verb = "Would update" if result.dry_run else "Updated"
    click.secho(
        f"{verb} {result.project} from template {result.from_version} to {result.to_version}:",
        fg="green",
        bold=True,
    )
    for change in result.changes:
        click.echo(f"  {change.status:<9} {change.path}")
    if result.dry_run:
        click.echo(f"\n{result.diff}", nl=False)
    if result.conflicts:
        would = "would conflict" if result.dry_run else "conflict"
        click.secho(
            f"\n{len(result.conflicts)} file(s) {would}; resolve the <<<<<<< markers, then commit:",
            fg="yellow",
            bold=True,
        )
        for conflict in result.conflicts:
            click.echo(f"  {conflict}")
        sys.exit(1)
    if not result.dry_run:
        click.echo("\nReview with `git diff`, then commit.")


@cli.command(
    short_help="Check any PyO3 project (names, abi3, stubs, wheels, CI).",
    epilog=usage.epilog("doctor"),
)
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="json: one document on stdout for machines (schema in docs/doctor.md).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODE",
    help="Leave out a check (PS005) or a prefix of codes (PS01), any case; repeatable.",
)
def doctor(path: Path, output_format: str, ignore: tuple[str, ...]) -> None:
    """Check any PyO3 project in PATH: module names, abi3, stubs, free-threading, wheels, CI.

    Reads only; changes nothing. Each finding has a code, the reason and the fix
    (docs/doctor.md). The same checks run in repo-review when pyo3-scaffold is installed.
    """
    import json  # noqa: PLC0415

    from scaffold import doctor as doctor_verb  # noqa: PLC0415

    options = doctor_verb.DoctorOptions(path=path, ignore=frozenset(ignore))
    result = doctor_verb.run(options)
    if output_format == "json":
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        _render_doctor_table(result)
    if not result.clean:
        sys.exit(1)


def _render_doctor_table(result: DoctorResult) -> None:
    import textwrap  # noqa: PLC0415

    styles = {
        "ok": ("ok", "green"),
        "finding": ("FINDING", "red"),
        "skipped": ("skipped", "yellow"),
    }
    click.secho(f"{result.path}  (extension {result.module_name})", bold=True)
    click.echo()
    click.echo(f"  {'CODE':<6} {'RESULT':<8} CHECK")
    for check in result.results:
        label, colour = styles[check.status]
        click.echo(f"  {check.id:<6} " + click.style(f"{label:<8}", fg=colour) + f" {check.title}")
        indent = " " * 18  # under the CHECK column
        if check.status == "finding":
            for prefix, text in (("why: ", check.reason), ("fix: ", check.fix)):
                click.echo(
                    textwrap.fill(
                        text,
                        width=100,
                        initial_indent=indent + prefix,
                        subsequent_indent=indent + " " * len(prefix),
                        break_on_hyphens=False,  # keep codegen-units, --format... whole
                        break_long_words=False,
                    )
                )
        elif check.status == "skipped" and check.reason:
            click.echo(f"{indent}({check.reason})")
    counts = {s: sum(1 for c in result.results if c.status == s) for s in styles}
    summary = f"{counts['ok']} ok, {counts['finding']} finding(s), {counts['skipped']} skipped"
    click.echo()
    click.secho(summary, fg="green" if result.clean else "red", bold=True)


@cli.command(
    short_help="Move a slow pure-Python module's functions to Rust.", epilog=usage.epilog("migrate")
)
@click.argument("module", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--function",
    "functions",
    multiple=True,
    metavar="NAME",
    help="Migrate only this function (repeatable)  [default: every public annotated one]",
)
@click.option("--dry-run", is_flag=True, help="Print the plan and the diff; change nothing.")
@click.option("--allow-dirty", is_flag=True, help="Run even with uncommitted changes in git.")
@click.option("--no-ci", is_flag=True, help="Do not add nox sessions and wheel workflows (ci).")
@click.option(
    "--backend",
    type=click.Choice(["auto", "setuptools-rust", "hatch-maturin", "maturin"]),
    default="auto",
    show_default=True,
    help="How the extension is built. auto: setuptools projects keep setuptools "
    "(setuptools-rust), hatchling ones hatchling (hatch-maturin-build), others switch to maturin.",
)
@click.option(
    "--profile/--no-profile",
    default=True,
    show_default=True,
    help="Run the workload first (twice, in a temporary copy): rank the functions by own time, "
    "leave out those too cheap to gain from Rust, take missing types from the real calls.",
)
@click.option(
    "--workload",
    metavar="CMD",
    help="The command to profile, run in the project's folder (split like a shell, no shell)  "
    "[default: python -m pytest -q, with the project's .venv if it has one]",
)
@click.option(
    "--python",
    metavar="PYTHON",
    help="The interpreter that runs the workload (a path, a command, or a virtualenv's folder): "
    "it needs the project's dependencies  [default: the active virtualenv ($VIRTUAL_ENV), else "
    "the project's .venv, else pyo3-scaffold's own]",
)
def migrate(  # noqa: PLR0917  (one parameter per option)
    module: Path,
    functions: tuple[str, ...],
    dry_run: bool,
    allow_dirty: bool,
    no_ci: bool,
    backend: str,
    profile: bool,
    workload: str | None,
    python: str | None,
) -> None:
    """Move the functions of MODULE (path/to/pkg/slow.py) to a Rust extension.

    The package keeps its API: each function runs in Rust once that version is complete, and
    the Python code stays as the reference and fallback. Adds differential tests and a benchmark.
    """
    from scaffold import migrate as migrate_verb  # noqa: PLC0415

    options = migrate_verb.MigrateOptions(
        module=module,
        functions=functions,
        dry_run=dry_run,
        allow_dirty=allow_dirty,
        ci=not no_ci,
        backend=backend,
        profile=profile,
        workload=workload,
        python=python,
    )
    result = migrate_verb.run(options)
    if dry_run:
        click.echo(result.diff, nl=False)
    for line in result.profile:
        click.echo(line)
    colours = {"rust": "green", "skeleton": "yellow", "skipped": "red"}
    labels = {"rust": "Rust", "skeleton": "skeleton (TODO)", "skipped": "not migrated"}
    click.secho(f"{result.module} -> {result.extension}", bold=True)
    for report in result.functions:
        why = f": {report.reason}" if report.reason else ""
        click.echo(f"  {report.name:<24} ", nl=False)
        click.secho(f"{labels[report.status]}{why}", fg=colours[report.status])
    for note in result.notes:
        click.secho(f"Note: {note}", fg="yellow")
    verb = "Would change" if dry_run else "Changed"
    click.echo(f"{verb}: " + ", ".join(f"{path} ({how})" for path, how in result.changes))
    if dry_run:
        click.secho("Dry run: nothing was written.", fg="green", bold=True)
        return
    click.secho(f"Migrated {result.module}.", fg="green", bold=True)
    click.echo("\nNext:\n" + "\n".join(f"  {step}" for step in result.next_steps))


@cli.command(
    short_help="Add nox sessions and wheel workflows to a PyO3 project.", epilog=usage.epilog("ci")
)
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--force",
    is_flag=True,
    help="Replace your old wheel/publish pipeline, carrying every shipped target over.",
)
@click.option("--wheels-only", is_flag=True, help="Write only the wheel workflow.")
@click.option(
    "--drop-target",
    "drop_targets",
    multiple=True,
    metavar="NAME",
    help="Give up a shipped target cibuildwheel cannot build (e.g. 'linux ppc64').",
)
@click.option(
    "--raise-floors", is_flag=True, help="Accept newer glibc/musl floors than the old wheels."
)
@click.option("--plan", "dry_run", is_flag=True, help="Show the plan; write nothing.")
def ci(  # noqa: PLR0917 (click passes one parameter per option)
    path: Path,
    force: bool,
    wheels_only: bool,
    drop_targets: tuple[str, ...],
    raise_floors: bool,
    dry_run: bool,
) -> None:
    """Add our nox sessions and cibuildwheel workflows to any maturin/PyO3 project.

    Reads the project (names, layout, abi3, minimum Python, free-threading, tests) and its
    workflows (what they build and how they publish), and shows the plan: the targets before
    and after, what is added, kept or replaced, and what publishing becomes. By default it
    adds only what changes nothing the project ships (its own pipeline, CI, noxfile and
    dependabot stay). --force replaces the old wheel/publish jobs, keeps every other job,
    and stops if a shipped target could not be carried over.
    """
    from scaffold import ci as ci_verb  # noqa: PLC0415

    result = ci_verb.run(
        ci_verb.CiOptions(
            path=path,
            force=force,
            wheels_only=wheels_only,
            drop_targets=frozenset(drop_targets),
            raise_floors=raise_floors,
            dry_run=dry_run,
        )
    )
    found = result.detected
    click.echo(
        f"{result.project}: {found.dist_name} (import {found.module_name}, {found.layout} layout, "
        f"{'abi3, ' if found.abi3 else ''}Python >= {found.min_python}"
        f"{', free-threaded' if found.free_threaded else ''})"
    )
    click.echo(ci_verb.render_plan(result))
    if dry_run:
        click.secho("Plan only: nothing was written.", fg="yellow")
    elif result.written:
        click.secho("Review with `git diff`, then commit.", fg="green")


def main(argv: list[str] | None = None) -> None:
    """The `pyo3-scaffold` command: always ends in `SystemExit` with a documented code.

    Click's standalone mode is off: it prints "Aborted!" and exits 1 for a signal landing
    outside a command (e.g. while the top-level context closes), where ours is one line and 130.
    What it did besides is done here, as click does it (`Command.main`, click 8.x).
    """
    interrupts.install()  # SIGTERM/SIGHUP take Ctrl-C's path: roll back, one line, 130
    try:
        # An int is click's exit code (`Exit`: --help, --version, `ctx.exit`); `_Cli.invoke`
        # returns nothing otherwise. A broken stdout pipe (EPIPE) click handles itself in both
        # modes: quiet stdout/stderr, exit 1.
        code = cli.main(args=argv, prog_name="pyo3-scaffold", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Exit as error:  # outside click's `try`: a signal in shell completion
        sys.exit(error.exit_code)
    except click.ClickException as error:  # usage errors (2), with the usage line
        error.show()
        sys.exit(error.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort) as error:  # outside a command
        # Non-standalone click turns a KeyboardInterrupt into `Abort() from` it; the signal
        # (SIGTERM, SIGHUP) is on the cause.
        cause = error.__cause__ if isinstance(error.__cause__, KeyboardInterrupt) else error
        _interrupted(cause)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        interrupts.settle()
