"""An unannotated module migrated with types observed from its own tests, built for real:
the Rust functions get the observed signatures, the package's tests pass on both paths, the
differential tests pass, and a call with other types than the observed ones takes the Python
path with Python's result.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from conftest import run

from scaffold import migrate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_migrate_profile import MODULE, PYPROJECT, TESTS, _git


def test_observed_types_build_and_dispatch(tmp_path: Path, build_env: dict[str, str]) -> None:
    root = tmp_path / "slowpkg"
    (root / "slowpkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "slowpkg" / "__init__.py").write_text("")
    (root / "slowpkg" / "slow.py").write_text(MODULE)
    (root / "tests" / "test_slow.py").write_text(TESTS)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    result = migrate.run(
        migrate.MigrateOptions(
            module=root / "slowpkg" / "slow.py", ci=False, profile=True, backend="maturin"
        )
    )
    status = {f.name: f.status for f in result.functions}
    assert status["work"] == status["scale"] == "rust", result.functions
    assert status["mixed"] == status["never"] == "skipped"

    venv = tmp_path / "venv"
    run("uv", "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    run("uv", "pip", "install", "--quiet", "--python", python, "pytest", "hypothesis")
    run(
        "maturin",
        "develop",
        "--uv",
        "--quiet",
        cwd=root,
        env={**build_env, "VIRTUAL_ENV": str(venv)},
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    pytest = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    for extra in ({}, {"SLOWPKG_PURE_PYTHON": "1"}):
        out = run(*pytest, "tests/test_slow.py", cwd=root, env={**clean, **extra}).stdout
        assert "5 passed" in out, out
    out = run(*pytest, "tests/test_slow_rust.py", cwd=root, env=clean).stdout
    assert "passed" in out, out
    assert " failed" not in out, out
    probe = (
        "import os, slowpkg.slow as m, slowpkg._slow_rs as rs\n"
        "rust = 'SLOWPKG_PURE_PYTHON' not in os.environ\n"
        "assert (m.work is rs.work) == rust and (m.scale is rs.scale) == rust\n"
        # The observed types, then types never observed (an int for a float, a bool for an
        # int, beyond 64 bits): the extension passes those to the Python version.
        "calls = [m.work(1000), m.scale(0.5, 2.0), m.scale(2, 3), m.scale(0.5, True),\n"
        "         m.work(True), m.scale(2**80, 0.0)]\n"
        "print(repr([(type(c).__name__, c) for c in calls]))\n"
    )
    rust = run(python, "-c", probe, cwd=tmp_path, env=clean).stdout
    pure = run(python, "-c", probe, cwd=tmp_path, env={**clean, "SLOWPKG_PURE_PYTHON": "1"})
    assert rust == pure.stdout
    assert f"('int', {sum(i * i % 7 for i in range(1000))})" in rust
