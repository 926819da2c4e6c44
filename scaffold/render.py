"""Every call into copier lives here (copier is imported lazily: `--help` must stay fast)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

from scaffold.errors import TemplateError

_PACKAGE = Path(__file__).resolve().parent


def template_root() -> Path:
    """The folder holding copier.yml: inside the wheel, or the repo root in a source checkout."""
    packaged = _PACKAGE / "_template"
    if (packaged / "copier.yml").is_file():
        return packaged
    checkout = _PACKAGE.parent
    if (checkout / "copier.yml").is_file():
        return checkout
    raise TemplateError(f"the template is missing from {packaged}; reinstall pyo3-scaffold")


def copy(destination: Path, data: Mapping[str, object]) -> None:
    """Render the template into `destination` (which must not hold any of its files)."""
    import copier  # noqa: PLC0415  (lazy: a third of a second to import)

    source = template_root()
    try:
        with warnings.catch_warnings():
            # A source checkout with uncommitted template edits is what we want to render.
            warnings.simplefilter("ignore", copier.errors.DirtyLocalWarning)
            copier.run_copy(
                str(source),
                str(destination),
                data=dict(data),
                defaults=True,
                overwrite=False,
                quiet=True,
                unsafe=False,
                vcs_ref="HEAD",
            )
    except copier.errors.CopierError as error:
        raise TemplateError(f"copier could not render the template: {error}") from error
