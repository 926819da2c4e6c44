"""A fresh project's README, followed word for word: its Develop block in a new venv, then the
tasks it lists (`nox -l`, the docs site) and its pre-commit hooks, all offline but for PyPI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run

from scaffold import new
from scaffold.answers import Answers

pytestmark = pytest.mark.slow


def develop_block(readme: str) -> str:
    """The shell commands of the README's "## Develop" section (its first bash block)."""
    match = re.search(r"^## Develop\n.*?```bash\n(.*?)```", readme, flags=re.DOTALL | re.MULTILINE)
    assert match, "the README has no Develop block"
    return match.group(1)


@pytest.fixture(scope="module")
def developed(tmp_path_factory: pytest.TempPathFactory, cargo_target_dir: Path) -> tuple[Path, str]:
    """A fresh project in a git repo, after its README's Develop block ran in bash."""
    answers = Answers.resolve("demo-dev")  # the defaults: mixed layout, abi3, free-threaded
    destination = tmp_path_factory.mktemp("dev") / "demo-dev"
    project = new.run(new.NewOptions(destination=destination, answers=answers)).destination
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env.update(
        CARGO_TARGET_DIR=str(cargo_target_dir),
        # `python` in the README is this interpreter, whatever else is on PATH.
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    for args in (["init", "--quiet"], ["add", "--all"]):
        run("git", *args, cwd=project)  # the hooks run on git's files, as after `new`
    block = develop_block((project / "README.md").read_text(encoding="utf-8"))
    done = subprocess.run(
        ["bash", "-euxo", "pipefail", "-c", block],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-8000:]
    return project, output


def test_develop_block_builds_tests_and_passes_the_hooks(developed: tuple[Path, str]) -> None:
    project, output = developed
    assert re.search(r"=+ \d+ passed", output)  # python -m pytest
    # The free-threading stress tests ran in threads (pytest-run-parallel, in the dev group).
    assert re.search(r"Collected [1-9]\d* items to run in parallel", output)
    assert re.search(r"test result: ok\. \d+ passed", output)  # cargo test
    hooks = dict(re.findall(r"^(\S[^\n]*?)\.{3,}(Passed|Failed|Skipped)$", output, re.MULTILINE))
    assert set(hooks.values()) == {"Passed"}, hooks
    for hook in ("ruff check", "ruff format", "codespell", "validate-pyproject", "cargo clippy"):
        assert hook in hooks
    assert any(name.startswith("zizmor") for name in hooks)
    assert any(name.startswith("mypy") for name in hooks)
    assert "- docs" in output  # nox -l lists the docs session
    assert (project / ".venv").is_dir()


def test_a_hook_finds_a_seeded_defect(developed: tuple[Path, str]) -> None:
    project, _ = developed
    prek = project / ".venv" / "bin" / "prek"
    module = project / "python" / "demo_dev" / "__init__.py"
    original = module.read_text(encoding="utf-8")
    try:
        module.write_text(original + "import os\n", encoding="utf-8")  # unused import: F401
        done = subprocess.run(
            [prek, "run", "ruff-check", "--files", str(module.relative_to(project))],
            cwd=project, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode != 0
        assert "F401" in done.stdout + done.stderr
    finally:
        module.write_text(original, encoding="utf-8")


def test_docs_session_builds_the_site_strict(developed: tuple[Path, str]) -> None:
    project, _ = developed
    nox = project / ".venv" / "bin" / "nox"
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    done = run(nox, "-s", "docs", cwd=project, env=env)
    assert "mkdocs build --strict" in done.stderr
    site = project / "build" / "site"
    assert (site / "index.html").is_file()
    assert "fast_sum" in (site / "api.html").read_text(encoding="utf-8")
