"""The one project reader (`scaffold.project`): each rule, and that the verbs agree on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PROJECTS, copy_project

from scaffold import ci, project
from scaffold.checks import project as checks_project
from scaffold.errors import InvalidInputError


@pytest.mark.parametrize(
    ("spec", "lowest"),
    [
        ("~=3.12", (3, 12)),
        (">=3.9,<4", (3, 9)),
        (">=3.9, <4", (3, 9)),
        (">3.8", (3, 8)),  # 3.8.1 satisfies it
        (">=3.10.2", (3, 10)),
        ("==3.11.*", (3, 11)),
        ("!=3.9.*,>=3.8", (3, 8)),
        ("<3.13,>=3.11", (3, 11)),
        ("", None),
        ("not a spec", None),
    ],
)
def test_lowest_python(spec: str, lowest: tuple[int, int] | None) -> None:
    assert project.lowest_python(spec) == lowest


@pytest.mark.parametrize(
    ("features", "floor"),
    [(["abi3-py310"], (3, 10)), (["abi3", "abi3-py39", "abi3-py311"], (3, 9)), ([], None)],
)
def test_abi3_floor(features: list[str], floor: tuple[int, int] | None) -> None:
    assert project.abi3_floor(features) == floor


def test_cargo_only_metadata_is_read_as_maturin_does(tmp_path: Path) -> None:
    root = copy_project("cargo_only", tmp_path)
    found = project.read(root)
    assert found.dist_name == "cargo-only"
    assert found.metadata_in_cargo
    assert (found.module_name, found.layout, found.abi3) == ("cargo_only", "rust", (3, 10))
    assert found.min_python == (3, 10)  # no requires-python: the abi3 floor
    assert found.free_threaded
    assert found.stub == "cargo_only.pyi"
    # ci reads the same answers (it refused Cargo-only metadata before).
    assert ci.detect(found) == ci.Detected(
        dist_name="cargo-only",
        module_name="cargo_only",
        layout="rust",
        abi3=True,
        min_python="3.10",
        free_threaded=True,
    )


def test_workspace_inherited_pyo3_and_manifest_path(tmp_path: Path) -> None:
    root = copy_project("workspace_member", tmp_path)
    found = project.read(root)
    assert found.manifest_path == "crates/py/Cargo.toml"
    assert found.abi3 == (3, 10)  # from [workspace.dependencies] pyo3 features
    assert found.min_python == (3, 12)  # requires-python ~=3.12
    assert found.stub == "crates/py/wsmod.pyi"  # beside the manifest-path Cargo.toml
    assert ci.detect(found).abi3
    assert ci.detect(found).min_python == "3.12"
    raw = checks_project.load(root, root)
    assert raw is not None
    assert project.abi3_floor(raw.pyo3_features) == found.abi3


def test_every_sample_project_reads() -> None:
    """Every PyO3 sample reads; a pure-Python one (`migrate`'s input) is refused as not PyO3."""
    for folder in sorted(p for p in PROJECTS.iterdir() if p.is_dir()):
        if any(folder.rglob("Cargo.toml")):
            assert project.read(folder).dist_name, folder.name
        else:
            with pytest.raises(InvalidInputError, match="not a maturin/PyO3 project"):
                project.read(folder)


def test_every_verb_takes_cargo_only_metadata_as_maturin_does(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from scaffold.cli import cli

    root = copy_project("cargo_only", tmp_path)
    (root / "helpers").mkdir()
    (root / "helpers/__init__.py").write_text("")
    slow = root / "helpers/slow.py"
    slow.write_text("def total(values: list[int]) -> int:\n    return sum(values)\n")
    runner = CliRunner()
    # doctor: no PS004 (the version is in one place, Cargo.toml), no refusal.
    doctor = runner.invoke(cli, ["doctor", str(root)])
    assert "PS004  ok" in doctor.output, doctor.output
    # ci: plans for it by its Cargo name.
    planned = runner.invoke(cli, ["ci", "--plan", str(root)])
    assert planned.exit_code == 0, planned.output
    assert "cargo-only (import cargo_only" in planned.output
    # migrate: not "no [project] name" (exit 2) but what is true: the extension exists (3).
    migrated = runner.invoke(cli, ["migrate", str(slow), "--dry-run", "--allow-dirty"])
    assert migrated.exit_code == 3, migrated.output
    assert "already builds with maturin" in migrated.output
