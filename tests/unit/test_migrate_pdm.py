"""`migrate` on pdm-backend projects: maturin builds them from the same [project]; a version
from `[tool.pdm.version]` is read as pdm-backend reads it, or refused when it is computed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scaffold import migrate, pins
from scaffold.errors import InvalidInputError

MODULE = '''\
"""Numbers."""


def triangle(n: int) -> int:
    total = 0
    for i in range(1, n + 1):
        total += i
    return total
'''

PDM = """\
[project]
name = "nums"
description = "Numbers."
requires-python = ">=3.10"
dynamic = ["version"]

[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"

[tool.pdm.version]
{version}
"""


def _project(root: Path, version_config: str, files: dict[str, str]) -> str:
    pyproject = PDM.format(version=version_config)
    files = {"pyproject.toml": pyproject, "src/nums/core.py": MODULE, **files}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return pyproject


def _run(module: Path) -> migrate.MigrateResult:
    return migrate.run(migrate.MigrateOptions(module=module, allow_dirty=True, ci=False))


def test_version_from_a_file_moves_to_cargo_toml(tmp_path: Path) -> None:
    # pdm-backend searches the named file's text for __version__ (here not the package's
    # __init__.py, which has another literal: the named file is the one that counts).
    _project(
        tmp_path,
        'source = "file"\npath = "src/nums/_version.py"',
        {
            "src/nums/__init__.py": '__version__ = "0.0.0"\n',
            "src/nums/_version.py": '__version__ = "2.4.1"\n',
        },
    )
    result = _run(tmp_path / "src" / "nums" / "core.py")
    assert [(f.name, f.status) for f in result.functions] == [("triangle", "rust")]
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["build-system"] == {
        "requires": [pins.load().maturin_requirement],
        "build-backend": "maturin",
    }
    assert document["project"]["dynamic"] == ["version"]
    assert 'version = "2.4.1"' in (tmp_path / "Cargo.toml").read_text()
    assert document["tool"]["maturin"]["python-source"] == "src"
    assert any("[tool.pdm] stay as they were" in note for note in result.notes)


def test_a_pre_release_version_from_a_file_stays_static(tmp_path: Path) -> None:
    _project(
        tmp_path,
        'source = "file"\npath = "src/nums/__init__.py"',
        {"src/nums/__init__.py": '__version__: str = "1.0rc2"\n'},
    )
    _run(tmp_path / "src" / "nums" / "core.py")
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["project"]["version"] == "1.0rc2"
    assert "dynamic" not in document["project"]
    assert 'version = "1.0.0"' in (tmp_path / "Cargo.toml").read_text()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        # A literal elsewhere (the __init__.py below) could be stale: it is not guessed.
        ('source = "scm"', "computes the version from git tags"),
        ('source = "call"\ngetter = "nums.meta:version"', "at build time \\(source = 'call'\\)"),
        ('source = "file"\npath = "src/nums/missing.py"', "src/nums/missing.py, which has no"),
    ],
)
def test_a_version_maturin_cannot_compute_is_refused(
    tmp_path: Path, config: str, message: str
) -> None:
    pyproject = _project(tmp_path, config, {"src/nums/__init__.py": '__version__ = "9.9.9"\n'})
    with pytest.raises(InvalidInputError, match=message):
        _run(tmp_path / "src" / "nums" / "core.py")
    assert (tmp_path / "pyproject.toml").read_text() == pyproject  # nothing written
    assert not (tmp_path / "Cargo.toml").exists()


def test_a_static_version_ignores_the_leftover_pdm_version_table(tmp_path: Path) -> None:
    # pdm-backend's sdists (marko, dep-logic) carry the built version in [project] and keep
    # [tool.pdm.version] source = "scm": the static one is the version, nothing is refused.
    pyproject = PDM.format(version='source = "scm"').replace(
        'dynamic = ["version"]', 'version = "0.7.2"'
    )
    (tmp_path / "src" / "nums").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "src" / "nums" / "__init__.py").write_text("")
    (tmp_path / "src" / "nums" / "core.py").write_text(MODULE)
    _run(tmp_path / "src" / "nums" / "core.py")
    assert 'version = "0.7.2"' in (tmp_path / "Cargo.toml").read_text()
