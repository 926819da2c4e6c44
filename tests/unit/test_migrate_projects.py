"""`migrate` accepts projects as they are: `__init__.py` modules, setup.cfg/setup.py-only
metadata, dynamic versions; setuptools projects keep setuptools (setuptools-rust)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scaffold import migrate
from scaffold.errors import InvalidInputError

MODULE = '''\
"""Numbers."""


def triangle(n: int) -> int:
    total = 0
    for i in range(1, n + 1):
        total += i
    return total
'''


def _run(module: Path, **kwargs: object) -> migrate.MigrateResult:
    return migrate.run(
        migrate.MigrateOptions(module=module, allow_dirty=True, ci=False, **kwargs)  # type: ignore[arg-type]
    )


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_setup_cfg_only_project_gets_setuptools_rust(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "setup.py": "from setuptools import setup\n\nsetup()\n",
            "setup.cfg": "[metadata]\nname = nums\nversion = attr: nums.__version__\n",
            "nums/__init__.py": '__version__ = "1.0"\n',
            "nums/fast.py": MODULE,
        },
    )
    result = _run(tmp_path / "nums" / "fast.py")
    assert [(f.name, f.status) for f in result.functions] == [("triangle", "rust")]
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    # pip ran setup.py with its folder on sys.path before: the legacy backend keeps that.
    assert document["build-system"] == {
        "requires": ["setuptools>=61", "setuptools-rust>=1.13"],
        "build-backend": "setuptools.build_meta:__legacy__",
    }
    assert document["tool"]["setuptools-rust"]["ext-modules"] == [
        {"target": "nums._fast_rs", "path": "Cargo.toml", "binding": "PyO3"}
    ]
    assert "project" not in document  # the metadata stays in setup.cfg, untouched
    assert (tmp_path / "setup.cfg").read_text().startswith("[metadata]\nname = nums\n")
    assert result.extension == "nums._fast_rs"


def test_init_module_of_a_src_layout(tmp_path: Path) -> None:
    pyproject = (
        '[build-system]\nrequires = ["setuptools>=68", "setuptools-scm>=8"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "nums"\ndynamic = ["version"]\n\n[tool.setuptools_scm]\n'
    )
    _write(tmp_path, {"pyproject.toml": pyproject, "src/nums/__init__.py": MODULE})
    result = _run(tmp_path / "src" / "nums" / "__init__.py")
    assert result.module == "nums"
    assert result.extension == "nums._nums_rs"
    text = (tmp_path / "pyproject.toml").read_text()
    document = tomllib.loads(text)
    # The dynamic version (setuptools-scm) stays the project's: nothing to read or convert.
    assert document["project"] == {"name": "nums", "dynamic": ["version"]}
    assert document["build-system"]["requires"] == [
        "setuptools>=68",
        "setuptools-scm>=8",
        "setuptools-rust>=1.13",
    ]
    assert document["build-system"]["build-backend"] == "setuptools.build_meta"
    assert pyproject.split("\n\n", 1)[1] in text  # [project] and the scm table as they were
    assert (tmp_path / "src" / "nums" / "_nums_rs.pyi").is_file()
    assert "_use_rust_versions()" in (tmp_path / "src" / "nums" / "__init__.py").read_text()


def test_maturin_backend_is_an_explicit_choice_for_setuptools(tmp_path: Path) -> None:
    pyproject = (
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "nums"\nversion = "1.2.3"\n'
    )
    _write(tmp_path, {"pyproject.toml": pyproject, "nums/__init__.py": "", "nums/f.py": MODULE})
    _run(tmp_path / "nums" / "f.py", backend="maturin")
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["build-system"]["build-backend"] == "maturin"
    assert document["tool"]["maturin"]["module-name"] == "nums._f_rs"


def test_maturin_needs_pep_621_metadata(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {"setup.py": "from setuptools import setup\nsetup()\n", "nums/__init__.py": MODULE},
    )
    with pytest.raises(InvalidInputError, match=r"no \[project\] table"):
        _run(tmp_path / "nums" / "__init__.py", backend="maturin")
    assert not (tmp_path / "pyproject.toml").exists()
