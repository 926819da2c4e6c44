"""The pin table (`pins` in copier.yml) is the only place a version or SHA is written."""

from __future__ import annotations

import re
import subprocess
import warnings
from pathlib import Path

import copier
import pytest
import yaml

from scaffold import pins

REPO_ROOT = Path(__file__).resolve().parents[2]

# Files that may hold a pin's value without reading the table, and why:
EXEMPT: set[str] = set()
EXEMPT_FOLDERS = (
    # This repo's own workflows: GitHub reads them as they are, so they cannot be rendered from
    # the table; test_the_repos_own_workflows_agree_with_the_table keeps them equal to it.
    ".github/",
    # Frozen releases of the template: they must keep the pins they shipped with.
    "scaffold/template_versions/",
    # Users' projects as test input: they pin what their authors chose, not what we render.
    "tests/projects/",
)
# This repo's own environment (the tool's test and dev dependencies, not the template's):
# pyproject.toml and noxfile.py may require the same tools, at floors of their own.
EXEMPT_OWN_ENVIRONMENT = {"pyproject.toml", "noxfile.py"}


def pin_values(table: pins.Pins) -> dict[str, str]:
    """Each value of the table that names a version or a commit, by where it sits."""
    values = {
        "pyo3": table.pyo3,
        "numpy": table.numpy,
        "rayon": table.rayon,
        "cibuildwheel": table.cibuildwheel,
        # ">=1.2.3,<2": the floor is the part a copy would repeat.
        "maturin": re.sub(r"^>=|,.*$", "", table.maturin),
        "nox": table.nox,
        # The requirement as written: a bare "1.13" is also other tools' floor (mypy>=1.13).
        "setuptools-rust": table.setuptools_rust_requirement,
        "hatch-maturin-build": table.hatch_maturin_build_requirement,
        "rustup": table.rustup,
    }
    values |= {f"rustup sha256 {t}": s for t, s in table.rustup_sha256.items()}
    values |= {f"action {a.repo}": a.sha for a in table.actions.values()}
    return values


def without_the_table(copier_yml: str) -> str:
    """copier.yml but its `pins:` block (up to the next top-level key)."""
    return re.sub(r"(?ms)^pins:\n.*?(?=^\S)", "", copier_yml)


def without_measurements(text: str) -> str:
    """The text but its `<!-- anchors -->` blocks, blanked line for line: that is the output of
    benchmarks/compare_anchors.py, versions measured on a date, not pins to keep current."""
    block = re.compile(r"(?s)(?<=<!-- anchors -->\n).*?(?=<!-- /anchors -->)")
    return block.sub(lambda match: "\n" * match.group(0).count("\n"), text)


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\n")  # fmt: skip
    return [name for name in listed if name and (REPO_ROOT / name).is_file()]


def test_the_table_is_complete_and_every_action_is_pinned_by_a_verified_sha() -> None:
    table = pins.load()
    for action in table.actions.values():
        assert re.fullmatch(r"[0-9a-f]{40}", action.sha), action
        assert re.fullmatch(r"v\d+(\.\d+)*", action.tag), action
        assert action.verified.startswith(("own repo", "corroborated")), action
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in table.rustup_sha256.values())
    for version in (table.pyo3, table.numpy, table.rayon, table.cibuildwheel, table.rustup):
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), version


def test_no_other_file_repeats_a_pin() -> None:
    values = pin_values(pins.load())
    found = []
    for name in tracked_files():
        if name in EXEMPT or name in EXEMPT_OWN_ENVIRONMENT or name.startswith(EXEMPT_FOLDERS):
            continue
        try:
            text = (REPO_ROOT / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and archives hold no pins
        if name == pins.TABLE:
            text = without_the_table(text)
        text = without_measurements(text)
        for what, value in values.items():
            # Whole values only: 1.2.3 may be a pin, 11.2.3 and 1.2.34 are something else.
            for line_number, line in enumerate(text.splitlines(), 1):
                if re.search(rf"(?<![\w.]){re.escape(value)}(?![\w])", line):
                    found.append(f"{name}:{line_number}: {what} {value}")
    assert not found, "pins written outside the table:\n" + "\n".join(found)


def test_the_repos_own_workflows_agree_with_the_table() -> None:
    table = pins.load()
    uses = re.compile(r"uses:\s*([\w.-]+/[\w.-]+)@([0-9a-f]{40})\s*#\s*(\S+)")
    checked = 0
    for workflow in sorted((REPO_ROOT / ".github/workflows").glob("*.y*ml")):
        for repo, sha, tag in uses.findall(workflow.read_text(encoding="utf-8")):
            action = table.action(repo)
            if action is not None:
                assert (sha, tag) == (action.sha, action.tag), (workflow.name, repo)
                checked += 1
    assert checked, "the repo's workflows use none of the table's actions"


def test_plain_copier_copy_renders_the_table(tmp_path: Path) -> None:
    """`copier copy` of this repo, without pyo3-scaffold, reads the same table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", copier.errors.DirtyLocalWarning)
        copier.run_copy(
            str(REPO_ROOT), str(tmp_path / "plain"), data={"project_name": "plain"},
            defaults=True, quiet=True, vcs_ref="HEAD", unsafe=False,
        )  # fmt: skip
    table = pins.load()
    project = tmp_path / "plain"
    assert f'version = "{table.pyo3}"' in (project / "Cargo.toml").read_text()
    assert f"cibuildwheel=={table.cibuildwheel}" in (project / "noxfile.py").read_text()
    workflow = (project / ".github/workflows/wheels.yml").read_text()
    assert f"{table.actions['checkout'].uses} # {table.actions['checkout'].tag}" in workflow
    assert f"cibuildwheel=={table.cibuildwheel}" in workflow
    # Computed, so not recorded as an answer (an update takes the new template's table).
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert "pins" not in answers


def test_a_broken_table_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold import errors, render

    (tmp_path / pins.TABLE).write_text("pins: {default: {pyo3: 1}}\n")
    monkeypatch.setattr(render, "template_root", lambda: tmp_path)
    pins.load.cache_clear()
    try:
        with pytest.raises(errors.TemplateError, match="pin table"):
            pins.load()
    finally:
        pins.load.cache_clear()


def _fake_tools(folder: Path, *, downloaded: bytes) -> dict[str, str]:
    """A PATH where `curl` writes `downloaded` to its -o file and `uname -m` says x86_64."""
    folder.mkdir()
    (folder / "curl").write_text(
        '#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\n'
        f"printf '%s' '{downloaded.decode()}' > \"$2\"\n"
    )
    (folder / "uname").write_text("#!/bin/sh\necho x86_64\n")
    for tool in folder.iterdir():
        tool.chmod(0o755)
    return {"PATH": f"{folder}:/usr/bin:/bin"}


def test_install_rust_runs_rustup_init_only_when_its_sha256_matches(
    generate, tmp_path: Path
) -> None:
    """The before-all script refuses a rustup-init whose sha256 is not the pinned one."""
    project = generate("demo")
    script = project / ".github/install-rust.sh"
    rendered = script.read_text()
    table = pins.load()
    for triple, sha256 in table.rustup_sha256.items():
        assert f"  {triple}) sha256={sha256} ;;" in rendered
    assert "/rustup/archive/$version/$host/rustup-init" in rendered
    assert f"version={table.rustup}" in rendered
    # A tampered download: sha256sum fails, so the script stops before running it.
    env = _fake_tools(tmp_path / "bin", downloaded=b"echo RAN")
    done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "FAILED" in done.stdout + done.stderr
    assert "RAN" not in done.stdout
    pyproject = (project / "pyproject.toml").read_text()
    assert 'before-all = "sh {project}/.github/install-rust.sh"' in pyproject
