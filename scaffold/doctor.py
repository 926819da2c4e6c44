"""`pyo3-scaffold doctor`: run the PyO3 checks on a project and collect the results.

The checks live in `scaffold.checks` and are the same objects the repo-review plugin exposes.
This module reads only: it never writes to the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scaffold import git
from scaffold.checks import ALL_CHECKS
from scaffold.checks import project as project_module
from scaffold.checks.base import Outcome, Status, skip
from scaffold.errors import InvalidInputError

if TYPE_CHECKING:
    from pathlib import Path

SCHEMA_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class DoctorOptions:
    path: Path
    # Check codes (or prefixes such as "PS01") to leave out, like repo-review's --ignore.
    ignore: frozenset[str] = frozenset()


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    id: str
    title: str
    status: Status
    reason: str
    fix: str

    @property
    def ok(self) -> bool:
        """False only for a finding; a skipped check is not a problem."""
        return self.status != "finding"

    def as_dict(self) -> dict[str, str | bool]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "ok": self.ok,
            "reason": self.reason,
            "fix": self.fix,
        }


@dataclass(frozen=True, kw_only=True)
class DoctorResult:
    path: Path
    module_name: str
    results: tuple[CheckResult, ...]

    @property
    def findings(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if not r.ok)

    @property
    def clean(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, object]:
        """The `--format json` document (schema documented in docs/doctor.md)."""
        counts = dict.fromkeys(("ok", "finding", "skipped"), 0)
        for result in self.results:
            counts[result.status] += 1
        return {
            "schema_version": SCHEMA_VERSION,
            "path": str(self.path),
            "module_name": self.module_name,
            "clean": self.clean,
            "counts": counts,
            "checks": [r.as_dict() for r in self.results],
        }


def run(options: DoctorOptions) -> DoctorResult:
    path = options.path.absolute()
    if not path.is_dir():
        raise InvalidInputError(f"{path} is not a folder")
    ignore = _ignore_prefixes(options.ignore)
    try:
        # Workflows live at the repository's top (a monorepo's package is a subfolder).
        project = project_module.load(_repository_root(path), path)
    except (OSError, ValueError) as error:  # tomllib.TOMLDecodeError is a ValueError
        raise InvalidInputError(f"cannot read the project in {path}: {error}") from error
    if project is None:
        raise InvalidInputError(
            f"{path} is not a PyO3 project: no Cargo.toml depending on pyo3 "
            "(or [tool.maturin] manifest-path pointing to one)"
        )
    from scaffold import project as reader  # noqa: PLC0415

    reader.check_shapes(project)  # `tool = "x"` is exit 6 in one line, not a list of findings
    outcomes: dict[str, Outcome] = {}
    results: list[CheckResult] = []
    for check in ALL_CHECKS:
        code = check.code()
        failed = sorted(r for r in check.requires if outcomes.get(r, skip("")).status != "ok")
        if failed:
            # As repo-review does: a check whose prerequisites fail has nothing to say.
            outcome = skip(f"needs {', '.join(failed)} to pass first")
        else:
            outcome = check.diagnose(project)
        outcomes[code] = outcome
        if _ignored(code, ignore):
            continue  # still run: as in repo-review, ignoring hides a result, not a prerequisite
        results.append(
            CheckResult(
                id=code,
                title=check.title(),
                status=outcome.status,
                reason=outcome.reason,
                fix=check.fix,
            )
        )
    return DoctorResult(path=path, module_name=project.module_name, results=tuple(results))


def _ignored(code: str, ignore: frozenset[str]) -> bool:
    return any(code.startswith(prefix) for prefix in ignore)


def _ignore_prefixes(values: frozenset[str]) -> frozenset[str]:
    """Upper-cased codes or prefixes; one that names no check, or every check, is a mistake
    (`--ignore ""` or `--ignore P` would otherwise hide everything and report "clean")."""
    codes = [check.code() for check in ALL_CHECKS]
    for value in sorted(values):
        prefix = value.strip().upper()
        matched = [code for code in codes if code.startswith(prefix)]
        if not matched:
            raise InvalidInputError(
                f"--ignore {value!r} matches no check (codes are {codes[0]} to {codes[-1]})"
            )
        if len(matched) == len(codes):
            raise InvalidInputError(
                f"--ignore {value!r} matches every check: give codes or prefixes such as PS01"
            )
    return frozenset(value.strip().upper() for value in values)


def _repository_root(path: Path) -> Path:
    """The git work tree's top folder holding `path`, or `path` itself outside git."""
    return git.toplevel(path) or path
