"""`migrate` accepts projects as they are: `__init__.py` modules, setup.cfg/setup.py-only
metadata, dynamic versions; setuptools projects keep setuptools (setuptools-rust)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scaffold import migrate, pins
from scaffold.errors import DestinationError, InvalidInputError

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
        "requires": ["setuptools>=61", pins.load().setuptools_rust_requirement],
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
        pins.load().setuptools_rust_requirement,
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


# -- hatchling keeps hatchling: hatch-maturin-build ---------------------------------------------

HATCH_VCS = """\
[build-system]
build-backend = "hatchling.build"
requires = [
  "hatch-vcs",
  "hatchling>=1.27",
]

[project]
name = "nums"
requires-python = ">=3.11"
dynamic = [ "version" ]

[tool.hatch]
version.source = "vcs"
build.hooks.vcs.version-file = "src/nums/_version.py"
"""


def test_hatchling_keeps_hatchling_and_its_vcs_version(tmp_path: Path) -> None:
    _write(
        tmp_path, {"pyproject.toml": HATCH_VCS, "src/nums/__init__.py": "", "src/nums/f.py": MODULE}
    )
    result = _run(tmp_path / "src" / "nums" / "f.py")
    assert [(f.name, f.status) for f in result.functions] == [("triangle", "rust")]
    text = (tmp_path / "pyproject.toml").read_text()
    document = tomllib.loads(text)
    assert document["build-system"] == {
        "build-backend": "hatchling.build",
        "requires": ["hatch-vcs", "hatchling>=1.27", pins.load().hatch_maturin_build_requirement],
    }
    # The metadata and the versioning are the project's, untouched.
    assert document["project"] == {
        "name": "nums",
        "requires-python": ">=3.11",
        "dynamic": ["version"],
    }
    assert document["tool"]["hatch"]["version"] == {"source": "vcs"}
    # The hook (every target: the sdist gets the crate) and maturin's view of the crate.
    assert document["tool"]["hatch"]["build"]["hooks"] == {
        "vcs": {"version-file": "src/nums/_version.py"},
        "maturin": {},
    }
    assert document["tool"]["maturin"] == {"module-name": "nums._f_rs", "python-source": "src"}
    # The table added after dotted keys has its full header (tomlkit would write [build.hooks...]).
    assert "\n[tool.hatch.build.hooks.maturin]\n" in text
    # Every line kept as it was (comments, dotted keys): one line added, tables appended.
    requirement = f'  "{pins.load().hatch_maturin_build_requirement}",\n'
    assert text.replace(requirement, "", 1).startswith(HATCH_VCS)
    cargo = tomllib.loads((tmp_path / "Cargo.toml").read_text())
    assert cargo["dependencies"]["pyo3"]["features"] == ["abi3-py311"]
    assert any("hatch-maturin-build" in note for note in result.notes)


def test_hatchling_project_with_the_maturin_flag_gets_maturin(tmp_path: Path) -> None:
    pyproject = HATCH_VCS.replace('"src/nums/_version.py"', '"src/nums/_version.py"\n').replace(
        'version.source = "vcs"', 'version.path = "src/nums/__init__.py"'
    )
    _write(
        tmp_path,
        {
            "pyproject.toml": pyproject,
            "src/nums/__init__.py": '__version__ = "2.0.1"\n',
            "src/nums/f.py": MODULE,
        },
    )
    _run(tmp_path / "src" / "nums" / "f.py", backend="maturin")
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["build-system"]["build-backend"] == "maturin"
    assert 'version = "2.0.1"' in (tmp_path / "Cargo.toml").read_text()


def test_hatch_maturin_backend_needs_hatchling(tmp_path: Path) -> None:
    pyproject = (
        '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n\n'
        '[project]\nname = "nums"\nversion = "1.0.0"\n'
    )
    _write(tmp_path, {"pyproject.toml": pyproject, "nums/__init__.py": MODULE})
    with pytest.raises(InvalidInputError, match="needs a hatchling project"):
        _run(tmp_path / "nums" / "__init__.py", backend="hatch-maturin")
    assert (tmp_path / "pyproject.toml").read_text() == pyproject


def test_a_second_hatch_hook_is_refused(tmp_path: Path) -> None:
    pyproject = HATCH_VCS + "\n[tool.hatch.build.hooks.maturin]\n"
    _write(tmp_path, {"pyproject.toml": pyproject, "nums/__init__.py": MODULE})
    with pytest.raises(DestinationError, match="already has a Rust extension"):
        _run(tmp_path / "nums" / "__init__.py")


# -- Poetry's own metadata becomes PEP 621 ------------------------------------------------------

POETRY = """\
[tool.poetry]
name = "nums"
version = "1.0.13"
description = "Numbers."
license = "BSD-3-Clause"
authors = ["Ada Lovelace <ada@example.org>", "Charles Babbage"]
readme = "README.md"
homepage = "https://example.org/"
repository = "https://example.org/src"
keywords = ["numbers"]

[tool.poetry.scripts]
nums = "nums.cli:main"

[tool.poetry.dependencies]
python = "^3.8"
attrs = "^21.3"
tomli = { version = "~2.0.1", python = "<3.11" }
rich = { version = ">=12, <14", optional = true, extras = ["jupyter"] }

[tool.poetry.extras]
fancy = ["rich"]

[tool.poetry.group.dev.dependencies]
pytest = "^8"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""


def test_poetry_metadata_becomes_pep_621_field_by_field(tmp_path: Path) -> None:
    _write(
        tmp_path, {"pyproject.toml": POETRY, "README.md": "# nums\n", "nums/__init__.py": MODULE}
    )
    result = _run(tmp_path / "nums" / "__init__.py")
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["build-system"]["build-backend"] == "maturin"
    assert document["project"] == {
        "name": "nums",
        "description": "Numbers.",
        "keywords": ["numbers"],
        "license": {"text": "BSD-3-Clause"},
        "readme": "README.md",
        "authors": [
            {"name": "Ada Lovelace", "email": "ada@example.org"},
            {"name": "Charles Babbage"},
        ],
        "requires-python": ">=3.8,<4",
        "dependencies": ["attrs>=21.3,<22", "tomli>=2.0.1,<2.1; python_version < '3.11'"],
        "optional-dependencies": {"fancy": ["rich[jupyter]>=12,<14"]},
        "urls": {"Homepage": "https://example.org/", "Repository": "https://example.org/src"},
        "scripts": {"nums": "nums.cli:main"},
        "dynamic": ["version"],  # 1.0.13 lives in Cargo.toml (maturin copies it)
    }
    assert 'version = "1.0.13"' in (tmp_path / "Cargo.toml").read_text()
    # What has no PEP 621 place stays for Poetry's own commands.
    assert document["tool"]["poetry"] == {"group": {"dev": {"dependencies": {"pytest": "^8"}}}}
    assert any("[tool.poetry] metadata moved to [project]" in note for note in result.notes)


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        # Poetry's documented examples (dependency-specification).
        ("^1.2.3", ">=1.2.3,<2"),
        ("^1.2", ">=1.2,<2"),
        ("^1", ">=1,<2"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0.0", ">=0.0,<0.1"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("*", ""),
        ("1.2.*", "==1.2.*"),
        ("1.2.3", "==1.2.3"),
        ("=1.2.3", "==1.2.3"),
        (">= 1.2, < 1.5", ">=1.2,<1.5"),
        ("~=3.8", "~=3.8"),
        ("!=1.2.1", "!=1.2.1"),
    ],
)
def test_poetry_constraints(poetry: str, pep440: str) -> None:
    from packaging.specifiers import SpecifierSet

    from scaffold.migrate import poetry as convert

    assert convert.constraint(poetry, what="x") == pep440
    SpecifierSet(pep440)  # valid PEP 440


@pytest.mark.parametrize(
    ("dependency", "message"),
    [
        ('a = "^1.0 || ^2.0"', "is a union"),
        ('a = { git = "https://example.org/a.git" }', "a git dependency"),
        ('a = { path = "../a" }', "a path dependency"),
    ],
)
def test_poetry_constraints_without_pep_508_form_are_refused(
    tmp_path: Path, dependency: str, message: str
) -> None:
    pyproject = POETRY.replace('attrs = "^21.3"', dependency)
    _write(tmp_path, {"pyproject.toml": pyproject, "nums/__init__.py": MODULE})
    with pytest.raises(InvalidInputError, match=message):
        _run(tmp_path / "nums" / "__init__.py")
    assert (tmp_path / "pyproject.toml").read_text() == pyproject


# -- a top-level single-file module (no package) ------------------------------------------------


def test_top_level_module_gets_a_top_level_extension(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "setup.py": (
                "from setuptools import setup\n\n"
                'setup(name="nums", version="1.0", py_modules=["nums"])\n'
            ),
            "nums.py": MODULE,
        },
    )
    result = _run(tmp_path / "nums.py")
    assert (result.module, result.extension) == ("nums", "_nums_rs")
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["tool"]["setuptools-rust"]["ext-modules"][0]["target"] == "_nums_rs"
    assert (tmp_path / "_nums_rs.pyi").is_file()
    assert not (tmp_path / "py.typed").exists()  # PEP 561 is for packages
    dispatch = (tmp_path / "nums.py").read_text()
    assert 'if __package__ else "_nums_rs"' in dispatch
    assert (
        'importlib.import_module("_nums_rs")'
        in (tmp_path / "tests" / "test_nums_rust.py").read_text()
    )


# -- flit's old [tool.flit.metadata] becomes PEP 621 ---------------------------------------------

FLIT = """\
[build-system]
requires = ["flit_core >=2,<4"]
build-backend = "flit_core.buildapi"

[tool.flit.metadata]
module = "nums"
author = "Ada Lovelace"
author-email = "ada@example.org"
home-page = "https://example.org/nums"
description-file = "README.rst"
classifiers = ["License :: OSI Approved :: MIT License", "Programming Language :: Python :: 3"]
requires-python = ">=3.9"
requires = ["attrs >=21"]
keywords = "numbers, sums"

[tool.flit.metadata.requires-extra]
test = ["pytest >=2.1.0"]

[tool.flit.scripts]
nums = "nums:main"

[tool.flit.sdist]
include = ["test/*.py"]
"""
FLIT_MODULE = '"""Triangle numbers, fast.\n\nMore words."""\n__version__ = "1.3.1"\n\n' + MODULE


def _flit_project() -> dict[str, object]:
    return {
        "name": "nums",
        "description": "Triangle numbers, fast.",  # flit's: the docstring's first line
        "dynamic": ["version"],  # 1.3.1, from __version__, lives in Cargo.toml
        "readme": "README.rst",
        "requires-python": ">=3.9",
        "authors": [{"name": "Ada Lovelace", "email": "ada@example.org"}],
        "keywords": ["numbers", "sums"],
        "classifiers": [
            "License :: OSI Approved :: MIT License",
            "Programming Language :: Python :: 3",
        ],
        "dependencies": ["attrs >=21"],
        "optional-dependencies": {"test": ["pytest >=2.1.0"]},
        "urls": {"Homepage": "https://example.org/nums"},
        "scripts": {"nums": "nums:main"},
    }


def test_flit_metadata_becomes_pep_621_key_by_key(tmp_path: Path) -> None:
    _write(tmp_path, {"pyproject.toml": FLIT, "nums/__init__.py": FLIT_MODULE})
    result = _run(tmp_path / "nums" / "__init__.py")
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["project"] == _flit_project()
    assert document["tool"]["flit"] == {"sdist": {"include": ["test/*.py"]}}
    assert 'version = "1.3.1"' in (tmp_path / "Cargo.toml").read_text()
    assert any("[tool.flit.metadata] moved to [project]" in note for note in result.notes)


def test_flit_top_level_module_ships_as_a_file_with_maturin(tmp_path: Path) -> None:
    # hashids' shape: flit, one module at the root, no package.
    _write(tmp_path, {"pyproject.toml": FLIT, "nums.py": FLIT_MODULE})
    result = _run(tmp_path / "nums.py")
    assert result.extension == "_nums_rs"
    document = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert document["project"] == _flit_project()
    assert document["tool"]["maturin"] == {
        "module-name": "_nums_rs",
        "include": [{"path": "nums.py", "format": ["sdist", "wheel"]}],
    }


def test_flit_metadata_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    pyproject = FLIT.replace('module = "nums"', 'module = "nums"\nfuture-key = 1')
    _write(tmp_path, {"pyproject.toml": pyproject, "nums/__init__.py": FLIT_MODULE})
    with pytest.raises(InvalidInputError, match="future-key: no PEP 621 equivalent"):
        _run(tmp_path / "nums" / "__init__.py")
    assert (tmp_path / "pyproject.toml").read_text() == pyproject


def test_flit_version_imported_from_a_sibling_module(tmp_path: Path) -> None:
    # idna's shape: `from .package_data import __version__` in __init__.py (flit imports it).
    pyproject = (
        '[build-system]\nrequires = ["flit_core >=3.11,<5"]\nbuild-backend = "flit_core.buildapi"\n'
        '\n[project]\nname = "nums"\ndescription = "Numbers."\ndynamic = ["version"]\n'
    )
    _write(
        tmp_path,
        {
            "pyproject.toml": pyproject,
            "nums/__init__.py": "from .package_data import __version__\n",
            "nums/package_data.py": '__version__ = "3.20"\n',
            "nums/core.py": MODULE,
        },
    )
    _run(tmp_path / "nums" / "core.py")
    # Not SemVer: the wheel's version stays static in pyproject.toml, Cargo gets the nearest.
    assert tomllib.loads((tmp_path / "pyproject.toml").read_text())["project"]["version"] == "3.20"
    assert 'version = "3.20.0"' in (tmp_path / "Cargo.toml").read_text()


@pytest.mark.parametrize(
    ("requires", "features"),
    [(">=3.10", ["abi3-py310"]), (">=3.8", None), ("", None)],
)
def test_one_abi3_wheel_only_where_the_stable_abi_calls_fast(
    tmp_path: Path, requires: str, features: list[str] | None
) -> None:
    # Before 3.10 PyO3's abi3 functions take their arguments as a tuple and a dict (about
    # 100 ns a call): a floor below 3.10 gets a build per CPython version instead.
    pyproject = HATCH_VCS.replace('requires-python = ">=3.11"\n', "").replace(
        "[project]\n", f'[project]\nrequires-python = "{requires}"\n' if requires else "[project]\n"
    )
    _write(
        tmp_path, {"pyproject.toml": pyproject, "src/nums/__init__.py": "", "src/nums/f.py": MODULE}
    )
    result = _run(tmp_path / "src" / "nums" / "f.py")
    cargo = tomllib.loads((tmp_path / "Cargo.toml").read_text())
    assert cargo["dependencies"]["pyo3"].get("features") == features
    slow = [note for note in result.notes if "built for each CPython version" in note]
    assert bool(slow) is (features is None), result.notes
