"""The pyo3-scaffold wheel carries the template: `new` works from a plain install, offline."""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Venv, run

pytestmark = pytest.mark.slow


def test_wheel_ships_the_template_and_new_works_from_it(
    tmp_path: Path, make_venv: Callable[[str], Venv]
) -> None:
    run("uv", "build", "--wheel", "--out-dir", tmp_path / "dist", REPO_ROOT)
    (wheel,) = (tmp_path / "dist").glob("pyo3_scaffold-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "scaffold/_template/copier.yml" in names
    assert "scaffold/_template/template/src/lib.rs.jinja" in names
    assert "scaffold/_template/template/Cargo.toml.jinja" in names

    venv = make_venv("venv")
    venv.install(wheel)
    scripts = venv.python.parent
    tool = scripts / ("pyo3-scaffold.exe" if sys.platform == "win32" else "pyo3-scaffold")
    # Run outside the checkout so nothing can come from the source tree.
    done = run(tool, "new", "from-wheel", "--yes", cwd=tmp_path)
    assert "Created from-wheel" in done.stdout
    project = tmp_path / "from-wheel"
    assert (project / "python/from_wheel/_core.pyi").is_file()
    assert "gil_used" in (project / "src/lib.rs").read_text()
    source = venv.run("-c", "import scaffold.render as r; print(r.template_root())", cwd=tmp_path)
    assert str(REPO_ROOT) not in source
