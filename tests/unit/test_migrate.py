"""`migrate` without builds: the plan, --dry-run, the pyproject.toml edit, and the rollback.

The rollback tests inject real failures part-way through writing real files: a hook that
raises after N writes, and a path that cannot be created. The project must come back byte for
byte. (The e2e tests build and run what migrate writes.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomlkit
from helpers import commit_all, tree_bytes

from scaffold import migrate, pins
from scaffold.errors import (
    DestinationError,
    DirtyTreeError,
    InvalidInputError,
    ScaffoldError,
)

PYPROJECT = """\
# Keep this comment.
[build-system]
requires = ["setuptools>=68", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "demo-pkg"
version = "0.4.0"
description = "A demo"  # inline comment
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["attrs>=23"]
classifiers = ["Programming Language :: Python :: Free Threading :: 2 - Beta"]

[project.optional-dependencies]
docs = ["sphinx"]

[tool.black]
line-length = 88

[dependency-groups]
test = ["pytest>=7"]
"""

MODULE = '''\
"""Slow helpers."""


def triangle(n: int) -> int:
    """1 + 2 + ... + n."""
    total = 0
    for i in range(1, n + 1):
        total += i
    return total


def names(xs: list[str]) -> list[str]:
    return sorted(xs, key=str.lower)
'''


def _dirs(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    (root / "src" / "demo_pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "README.md").write_text("# demo\n")
    (root / "src" / "demo_pkg" / "__init__.py").write_text("")
    (root / "src" / "demo_pkg" / "slow.py").write_text(MODULE)
    (root / "tests" / "test_slow.py").write_text("def test(): pass\n")
    return root


def _options(project: Path, **kwargs: object) -> migrate.MigrateOptions:
    kwargs.setdefault("allow_dirty", True)
    kwargs.setdefault("ci", False)  # `ci` has its own tests; the e2e tests run both
    # The maturin conversion (setuptools projects get setuptools-rust by default).
    kwargs.setdefault("backend", "maturin")
    return migrate.MigrateOptions(
        module=project / "src" / "demo_pkg" / "slow.py",
        **kwargs,  # type: ignore[arg-type]
    )


def test_dry_run_changes_nothing_and_shows_the_diff(project: Path) -> None:
    before, dirs = tree_bytes(project), _dirs(project)
    result = migrate.run(_options(project, dry_run=True, allow_dirty=False))
    assert tree_bytes(project) == before
    assert _dirs(project) == dirs
    assert result.dry_run
    assert '+build-backend = "maturin"' in result.diff
    assert "+++ b/src/lib.rs" in result.diff
    assert dict(result.changes) == {
        "pyproject.toml": "modified",
        "src/demo_pkg/slow.py": "modified",
        "Cargo.toml": "created",
        "src/lib.rs": "created",
        "src/pyops.rs": "created",
        "tests/test_slow_rust.py": "created",
        "benchmarks/bench_slow.py": "created",
        ".gitignore": "created",
        "src/demo_pkg/_slow_rs.pyi": "created",
        "src/demo_pkg/py.typed": "created",
        "benchmarks/bench.py": "created",
    }
    assert {f.name: f.status for f in result.functions} == {
        "triangle": "rust",
        "names": "skeleton",
    }


def test_pyproject_keeps_comments_order_and_fields(project: Path) -> None:
    migrate.run(_options(project))
    text = (project / "pyproject.toml").read_text()
    assert text.startswith("# Keep this comment.\n[build-system]\n")
    assert 'description = "A demo"  # inline comment' in text
    assert "[tool.black]\nline-length = 88" in text
    document = tomlkit.parse(text)
    assert document["build-system"]["build-backend"] == "maturin"
    assert list(document["build-system"]["requires"]) == [pins.load().maturin_requirement]
    original = tomlkit.parse(PYPROJECT)["project"].unwrap()
    # Every PEP 621 field as it was, but the version: single-sourced in Cargo.toml.
    del original["version"]
    assert document["project"].unwrap() == {**original, "dynamic": ["version"]}
    maturin = document["tool"]["maturin"]
    assert maturin["module-name"] == "demo_pkg._slow_rs"
    assert maturin["python-source"] == "src"
    assert list(document["dependency-groups"]["test"]) == ["pytest>=7", "hypothesis>=6"]
    # The table order of the user's file is kept; new tables come last.
    assert text.index("[project]") < text.index("[tool.black]") < text.index("[tool.maturin]")
    cargo = (project / "Cargo.toml").read_text()
    assert 'name = "_slow_rs"' in cargo
    assert 'features = ["abi3-py311"]' in cargo
    assert 'version = "0.4.0"' in cargo
    # The free-threading classifier: the module declares itself GIL-free.
    assert "gil_used = false" in (project / "src" / "lib.rs").read_text()


def test_module_keeps_its_code_and_gains_the_dispatch_block(project: Path) -> None:
    migrate.run(_options(project))
    text = (project / "src" / "demo_pkg" / "slow.py").read_text()
    assert text.startswith(MODULE)
    assert "DEMO_PKG_PURE_PYTHON" in text
    # Without the extension built, the module imports and runs as pure Python.
    code = (
        "import demo_pkg.slow as s; print(s.triangle(4), s.names(['b', 'a']), "
        "sorted(s._PYTHON_REFERENCE))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project / "src",
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "10 ['a', 'b'] ['names', 'triangle']"


@pytest.mark.parametrize("writes_before_failure", [1, 2, 3, 5, 7, 8])
def test_failure_after_n_writes_restores_every_byte(
    project: Path, writes_before_failure: int
) -> None:
    before, dirs = tree_bytes(project), _dirs(project)
    written: list[Path] = []

    def fail_after(path: Path) -> None:
        written.append(path)
        assert path.exists()  # really written to disk
        if len(written) == writes_before_failure:
            raise RuntimeError("injected failure")

    with pytest.raises(RuntimeError, match="injected failure"):
        migrate.run(_options(project, after_write=fail_after))
    assert len(written) == writes_before_failure
    assert tree_bytes(project) == before
    assert _dirs(project) == dirs


def test_unwritable_target_restores_every_byte(project: Path) -> None:
    # benchmarks/ cannot be created: a file has its name. The pyproject.toml, the module,
    # Cargo.toml and src/*.rs are written first and must all be undone.
    (project / "benchmarks").write_text("not a folder\n")
    before, dirs = tree_bytes(project), _dirs(project)
    with pytest.raises(ScaffoldError, match=r"every file was restored|nothing was written"):
        migrate.run(_options(project))
    assert tree_bytes(project) == before
    assert _dirs(project) == dirs


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_restores_every_byte(project: Path) -> None:
    (project / "tests").chmod(0o555)
    before = tree_bytes(project)
    try:
        with pytest.raises(ScaffoldError, match=r"every file was restored|nothing was written"):
            migrate.run(_options(project))
    finally:
        (project / "tests").chmod(0o755)
    assert tree_bytes(project) == before


def test_refuses_a_dirty_or_untracked_tree(project: Path) -> None:
    with pytest.raises(DirtyTreeError, match="not in a git repository"):
        migrate.run(_options(project, allow_dirty=False))
    commit_all(project)
    (project / "README.md").write_text("# changed\n")
    with pytest.raises(DirtyTreeError, match="1 uncommitted"):
        migrate.run(_options(project, allow_dirty=False))
    subprocess.run(["git", "checkout", "-q", "README.md"], cwd=project, check=True)
    result = migrate.run(_options(project, allow_dirty=False))
    assert ("Cargo.toml", "created") in result.changes


def test_bad_inputs_are_one_line_errors(project: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not a Python module"):
        migrate.run(migrate.MigrateOptions(module=project / "README.md", allow_dirty=True))
    with pytest.raises(InvalidInputError, match="no top-level function nope"):
        migrate.run(_options(project, functions=("nope",)))
    loose = tmp_path / "loose.py"
    loose.write_text(MODULE)
    # A top-level module is migrated (beside its setup.py), but not a file of no project.
    with pytest.raises(InvalidInputError, match="is this an installable project"):
        migrate.run(migrate.MigrateOptions(module=loose, allow_dirty=True))
    (project / "Cargo.toml").write_text("[package]\n")
    with pytest.raises(DestinationError, match=r"Cargo\.toml already exists"):
        migrate.run(_options(project))


def test_second_migration_is_refused(project: Path) -> None:
    migrate.run(_options(project))
    with pytest.raises(DestinationError, match="already migrated"):
        migrate.run(_options(project))


def test_poetry_metadata_without_a_version_is_refused(project: Path) -> None:
    # [tool.poetry] is converted to [project] (tests/unit/test_migrate_projects.py), but a
    # version is still needed, and nothing is written when it is missing.
    (project / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "demo"\n\n[build-system]\n'
        'requires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n'
    )
    before = tree_bytes(project)
    with pytest.raises(InvalidInputError, match=r"\[project\] has no version"):
        migrate.run(_options(project))
    assert tree_bytes(project) == before


def test_dynamic_version_from_setuptools_attr(project: Path) -> None:
    text = PYPROJECT.replace('version = "0.4.0"', 'dynamic = ["version"]')
    text += '\n[tool.setuptools.dynamic]\nversion = {attr = "demo_pkg.__version__"}\n'
    (project / "pyproject.toml").write_text(text)
    (project / "src" / "demo_pkg" / "__init__.py").write_text('__version__ = "1.5rc1"\n')
    result = migrate.run(_options(project))
    document = tomlkit.parse((project / "pyproject.toml").read_text())
    assert document["project"]["version"] == "1.5rc1"
    assert "dynamic" not in document["project"]
    assert 'version = "1.5.0"' in (project / "Cargo.toml").read_text()
    assert any("SemVer" in note for note in result.notes)


def test_cli_dry_run(project: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scaffold",
            "migrate",
            "--dry-run",
            "--no-ci",
            str(project / "src" / "demo_pkg" / "slow.py"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "+++ b/Cargo.toml" in done.stdout
    assert "triangle" in done.stdout
    assert "Dry run: nothing was written." in done.stdout
    assert not (project / "Cargo.toml").exists()


def test_doctor_finds_no_version_or_stub_problem(project: Path) -> None:
    from scaffold import doctor

    migrate.run(_options(project))
    result = doctor.run(doctor.DoctorOptions(path=project))
    statuses = {r.id: r.status for r in result.results}
    assert statuses["PS004"] == "ok", result.results
    assert statuses["PS007"] == "ok", result.results
    assert (project / "src" / "demo_pkg" / "py.typed").is_file()


def test_crlf_files_keep_their_line_endings(project: Path) -> None:
    for rel in ("pyproject.toml", "src/demo_pkg/slow.py"):
        path = project / rel
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    (project / ".gitignore").write_bytes(b"*.pyc\r\n")
    dry = migrate.run(_options(project, dry_run=True))
    migrate.run(_options(project))
    for rel in ("pyproject.toml", "src/demo_pkg/slow.py", ".gitignore"):
        data = (project / rel).read_bytes()
        assert data.count(b"\n") == data.count(b"\r\n"), rel
    # The diff shows only added lines for the module, not every line re-ended.
    module_diff = dry.diff.split("+++ b/src/demo_pkg/slow.py")[1].split("\n--- ")[0]
    assert not [line for line in module_diff.splitlines() if line.startswith("-")]


def test_module_in_its_declared_encoding(project: Path) -> None:
    module = project / "src" / "demo_pkg" / "slow.py"
    module.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + MODULE.encode())
    migrate.run(_options(project))
    data = module.read_bytes()
    assert data.startswith(b"# -*- coding: latin-1 -*-\n# caf\xe9\n")
    compile(data, str(module), "exec")  # still decodes as the cookie says


def test_undecodable_module_is_one_clear_error(project: Path) -> None:
    module = project / "src" / "demo_pkg" / "slow.py"
    module.write_bytes(b"# caf\xe9\n" + MODULE.encode())  # not UTF-8, no cookie
    before = tree_bytes(project)
    with pytest.raises(InvalidInputError, match="cannot be decoded"):
        migrate.run(_options(project))
    assert tree_bytes(project) == before


def test_loop_free_str_functions_stay_in_python_unless_named(project: Path) -> None:
    """Without a loop a str function's work is a few str operations CPython runs in C; the
    Rust version would convert the whole str on every call first. Named, it moves anyway."""
    module = project / "src" / "demo_pkg" / "slow.py"
    module.write_text(
        MODULE
        + textwrap.dedent(
            """

            def dash(word: str) -> str:
                return word.replace("_", "-")


            def empty(data: bytes) -> bool:
                return not len(data)


            def vowels(word: str) -> int:
                n = 0
                for c in word:
                    if c in "aeiou":
                        n += 1
                return n


            def area(r: float) -> float:
                return 3.0 * r * r
            """
        )
    )
    result = migrate.run(_options(project, dry_run=True))
    status = {f.name: (f.status, f.reason) for f in result.functions}
    assert status["dash"][0] == status["empty"][0] == "skipped"
    assert "converting word into Rust on every call" in status["dash"][1]
    assert "converting data into Rust" in status["empty"][1]
    # A loop over the str, or no str at all: Rust can win, they move.
    assert status["vowels"][0] == status["area"][0] == status["triangle"][0] == "rust"
    named = migrate.run(_options(project, dry_run=True, functions=("dash",)))
    assert [(f.name, f.status) for f in named.functions] == [("dash", "rust")]


def test_type_aliases_imported_from_the_package_resolve_where_they_are_defined(
    project: Path, tmp_path: Path
) -> None:
    """astral's `from astral import Minutes` (`Minutes = float` in its __init__.py). An alias
    is read in its own module's names: `Pair` there means floats, whatever `Degrees` means
    here. A module that reads unsafely (a symlink out of the project) gives no alias."""
    package = project / "src" / "demo_pkg"
    (package / "__init__.py").write_text("Minutes = float\n")
    (package / "units.py").write_text("Degrees = float\nPair = tuple[Degrees, Degrees]\n")
    outside = tmp_path / "outside.py"
    outside.write_text("Far = float\n")
    (package / "far.py").symlink_to(outside)
    (package / "slow.py").write_text(
        textwrap.dedent(
            """
            from demo_pkg import Minutes
            from .units import Pair as P
            from .far import Far

            Degrees = int


            def spread(p: P, m: Minutes) -> Minutes:
                return (p[0] - p[1]) * m


            def far(x: Far) -> float:
                return x * 2.0
            """
        )
    )
    result = migrate.run(_options(project, dry_run=True))
    statuses = {f.name: (f.status, f.reason) for f in result.functions}
    assert statuses["spread"] == ("rust", ""), statuses
    assert statuses["far"][0] == "skipped", statuses
    assert "type Far has no exact Rust equivalent" in statuses["far"][1]
    assert "(f64, f64)" in result.diff
