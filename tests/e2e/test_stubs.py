"""`nox -s stubs`: the committed stub against the one maturin generates from the Rust code.

One project (mixed layout, both flavours: every kind of function the template makes), built
with PyO3's experimental-inspect feature; the seeded change and its fix rebuild only the crate.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scaffold import new
from scaffold.answers import Answers

pytestmark = pytest.mark.slow

SIGNATURE = '#[pyo3(signature = (values: "collections.abc.Iterable[int]") -> "int")]'
FUNCTION = "fn fast_sum(py: Python<'_>, values: &Bound<'_, PyAny>) -> PyResult<i64> {"
STUB = "def fast_sum(values: Iterable[int]) -> int:"


def stubs_session(project: Path, cargo_target_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env["CARGO_TARGET_DIR"] = str(cargo_target_dir)
    return subprocess.run(
        ["nox", "-s", "stubs"], cwd=project, env=env, capture_output=True, text=True, check=False
    )


def replace(path: Path, old: str, new_text: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new_text), encoding="utf-8")


def test_stub_drift_fails_on_a_seeded_change_and_passes_once_the_stub_follows(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    answers = Answers.resolve("demo-stubs", parallel=True, numpy=True)
    project = new.run(new.NewOptions(destination=tmp_path / "demo-stubs", answers=answers))
    root = project.destination
    fresh = stubs_session(root, cargo_target_dir)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "python/demo_stubs/_core.pyi matches the Rust code (6 names)" in fresh.stderr

    # A new parameter in Rust, not in the stub: the check fails and says where.
    lib = root / "src" / "lib.rs"
    replace(
        lib, SIGNATURE, SIGNATURE.replace('Iterable[int]")', 'Iterable[int]", start: "int" = 0)')
    )
    replace(lib, FUNCTION, FUNCTION.replace("PyAny>)", "PyAny>, start: i64)"))
    replace(lib, "let mut total = 0_i64;", "let mut total = start;")
    drifted = stubs_session(root, cargo_target_dir)
    assert drifted.returncode != 0
    assert "is out of step with the Rust code" in drifted.stderr
    assert "fast_sum: Rust (values, start=), stub (values)" in drifted.stderr

    # The stub follows the Rust code: green again.
    stub = root / "python" / "demo_stubs" / "_core.pyi"
    replace(stub, STUB, STUB.replace("Iterable[int])", "Iterable[int], start: int = 0)"))
    fixed = stubs_session(root, cargo_target_dir)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
