"""`new --build` for real: a project made, built, imported and tested in one command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_new_build_installs_into_the_active_virtualenv_only(
    tmp_path: Path, build_env: dict[str, str]
) -> None:
    venv = tmp_path / "venv"
    uv = shutil.which("uv")
    make = (
        [uv, "venv", "--quiet", "--seed", str(venv)]
        if uv
        else [sys.executable, "-m", "venv", str(venv)]
    )
    subprocess.run(make, check=True)
    env = {**build_env, "VIRTUAL_ENV": str(venv)}
    done = subprocess.run(
        [sys.executable, "-m", "scaffold", "new", "firstbuild", "--yes", "--no-git", "--build"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out[-4000:] + done.stderr[-4000:]
    assert f"Building, in the active virtualenv {venv}:" in out
    # Each step is announced, its output shown as it comes, and timed.
    titles = re.findall(r"^\[(\d)/(\d)\] (.+)$", out, re.MULTILINE)
    assert [title for *_, title in titles][-3:] == [
        "Build the Rust extension (maturin develop --profile develop)",
        "Import firstbuild",
        "Run the tests (pytest)",
    ]
    assert "  | fast_sum: 6" in out
    assert re.search(r"^  \| .*(Compiling|Finished|Installed) ", out, re.MULTILINE), out[-3000:]
    assert len(re.findall(r"^  done in \d+\.\d s$", out, re.MULTILINE)) == len(titles)
    summary = re.search(
        r"^Built, imported and tested firstbuild in (\d+) s: (\d+) passed", out, re.MULTILINE
    )
    assert summary, out[-2000:]
    assert int(summary[1]) >= 10  # the generated project's own tests
    assert not (tmp_path / "firstbuild/.venv").exists()  # an active virtualenv is used, no other
    # It is installed there, and only there: not in the Python that runs pyo3-scaffold.
    python = venv / "bin/python"
    subprocess.run(
        [python, "-c", "import firstbuild as m; assert m.fast_sum([2, 3]) == 5"], check=True
    )
    mine = subprocess.run(
        [sys.executable, "-c", "import firstbuild"], capture_output=True, check=False
    )
    assert mine.returncode != 0
