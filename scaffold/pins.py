"""The one table of versions and pins (the computed `pins` variable of copier.yml).

copier renders the template with it, and the tool reads the same table here, so the template,
`ci` (which renders the template), `migrate` and doctor's PS014 cannot disagree.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from scaffold.errors import TemplateError

# Where the table lives inside the template folder (next to copier.yml).
TABLE = "copier.yml"
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True, kw_only=True)
class Action:
    """A GitHub action pinned by commit: `uses: {repo}@{sha} # {tag}`."""

    repo: str
    sha: str
    tag: str
    # How the SHA was checked against the release (see the table's header).
    verified: str

    @property
    def uses(self) -> str:
        return f"{self.repo}@{self.sha}"


@dataclass(frozen=True, kw_only=True)
class Pins:
    pyo3: str
    numpy: str
    rayon: str
    regex: str
    cibuildwheel: str
    # A PEP 440 specifier (">=1.2.3,<2"), as in build-system.requires.
    maturin: str
    nox: str
    # PEP 440 floors of the PyO3 build plugins `migrate` adds (">=1.13").
    setuptools_rust: str
    hatch_maturin_build: str
    rustup: str
    rustup_sha256: dict[str, str]
    actions: dict[str, Action]

    @property
    def maturin_requirement(self) -> str:
        return f"maturin{self.maturin}"

    @property
    def setuptools_rust_requirement(self) -> str:
        return f"setuptools-rust{self.setuptools_rust}"

    @property
    def hatch_maturin_build_requirement(self) -> str:
        return f"hatch-maturin-build{self.hatch_maturin_build}"

    @property
    def pyo3_minor(self) -> str:
        """The release line ("1.2" of "1.2.3") that PyO3's docs and our messages speak of."""
        return ".".join(self.pyo3.split(".")[:2])

    def action(self, repo: str) -> Action | None:
        """The pinned action of a repo (`actions/checkout`), if the table has it."""
        return next((a for a in self.actions.values() if a.repo.lower() == repo.lower()), None)


@functools.cache
def load() -> Pins:
    """The table of the template this installation renders."""
    import yaml  # noqa: PLC0415  (copier's dependency; lazy like every heavy import)

    from scaffold.render import template_root  # noqa: PLC0415

    path = template_root() / TABLE
    try:
        table: Any = yaml.safe_load(path.read_text(encoding="utf-8"))["pins"]["default"]
        actions = {
            name: Action(
                repo=str(a["repo"]), sha=str(a["sha"]), tag=str(a["tag"]),
                verified=str(a["verified"]),
            )
            for name, a in table["actions"].items()
        }  # fmt: skip
        pins = Pins(
            pyo3=str(table["pyo3"]),
            numpy=str(table["numpy"]),
            rayon=str(table["rayon"]),
            regex=str(table["regex"]),
            cibuildwheel=str(table["cibuildwheel"]),
            maturin=str(table["maturin"]),
            nox=str(table["nox"]),
            setuptools_rust=str(table["setuptools_rust"]),
            hatch_maturin_build=str(table["hatch_maturin_build"]),
            rustup=str(table["rustup"]["version"]),
            rustup_sha256={str(k): str(v) for k, v in table["rustup"]["sha256"].items()},
            actions=actions,
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise TemplateError(f"the pin table {path} is broken: {error!r}") from error
    bad = [a.repo for a in actions.values() if not _SHA.fullmatch(a.sha)]
    if bad:
        raise TemplateError(f"the pin table {path} pins {bad} by something else than a SHA")
    return pins
