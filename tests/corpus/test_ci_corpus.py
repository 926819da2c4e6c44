"""`doctor` and the pipeline reader on real published PyO3 projects (pyo3_projects.toml).

Each sdist is downloaded (cached, sha256-checked) and unpacked fresh. What each test expects was
judged by reading the project by hand; the reasons are written next to each expectation.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from helpers import CorpusProject, corpus_projects, unpack_sdist

from scaffold import ci, doctor
from scaffold import project as reader
from scaffold.checks import expressions, pipeline
from scaffold.ci import carry
from scaffold.errors import InvalidInputError

pytestmark = pytest.mark.slow

PROJECTS = {p.name: p for p in corpus_projects()}

# Every doctor finding on each project, as judged by reading the project (code -> a phrase of
# the reason). PS005 is skipped everywhere: an unpacked sdist is no git repository.
EXPECTED_FINDINGS: dict[str, dict[str, str]] = {
    "rpds-py": {
        # PS014 (stale pins): [dependencies.pyo3] version = "0.29.0", the table has 0.30.
        "PS014": "pyo3 0.29.0 in Cargo.toml",
        # src/lib.rs has #[pyclass(name = "Stack")]; rpds.pyi has no class Stack.
        "PS008": "not in rpds.pyi: Stack",
        # pyo3 0.30 without gil_used: GIL-free by default, cp314t wheels ship; no classifier.
        "PS009": "no Free Threading classifier",
        # Cargo.toml has no [profile.release] at all.
        "PS010": "no [profile.release]",
        # The Windows ARM64 job passes only cp311..cp315 paths: PyPI has no cp314t win_arm64.
        "PS015": "windows ARM64",
    },
    "nh3": {
        "PS014": "maturin maturin>=1.0,<2.0",  # build-system.requires lower bound
        "PS009": "no Free Threading classifier",  # gil_used = false, no classifier
        "PS010": "no [profile.release]",
        "PS012": "actions/checkout@v7",  # tags, not SHAs
        "PS013": "CI.yml: no top-level `permissions:`",
    },
    "cramjam": {
        "PS014": "pyo3 0.29.2 in Cargo.toml",
        # pyo3 0.29, no gil_used: GIL-free by default; cp314t wheels ship; no classifier.
        # (Before: PS009 also claimed cibuildwheel skips cp3??t, misreading `|| '*'`.)
        "PS009": "no Free Threading classifier",
        "PS012": "actions/checkout@v4",
        "PS013": "CI.yml: no top-level `permissions:`",
    },
    "blake3": {
        "PS014": "rayon 1.11.0 in Cargo.toml",
        "PS010": "no [profile.release]",
        "PS012": "PyO3/maturin-action@v1.51.0",  # a tag, not a SHA
        "PS013": "dists.yml: no top-level `permissions:`",
    },
    "pycrdt": {
        "PS014": "maturin maturin>=1.8.2,<2",
        "PS009": "no Free Threading classifier",  # pyo3 0.30, plain #[pymodule]
        "PS010": "no [profile.release]",
        "PS011": "no wheels for Windows ARM64",  # PyPI: win_amd64 only
        "PS012": "actions/checkout@v7",
        "PS013": "publish.yml: no top-level `permissions:`",
        # GIL-free by PyO3's default, yet only abi3 and PyPy wheels are built.
        "PS015": "linux aarch64 glibc",
    },
    "fastuuid": {
        "PS014": "pyo3 0.26 in Cargo.toml",
        "PS011": "no wheels for Windows ARM64",  # PyPI: win32 and win_amd64 only
        "PS012": "actions/checkout@v4",
        "PS013": "ci-cd.yml: no top-level `permissions:`",
    },
    "ahocorasick-rs": {
        "PS014": "pyo3 0.26 in Cargo.toml",
        "PS009": "no Free Threading classifier",  # gil_used = false
        "PS010": "codegen-units = unset",
        # PyPI has no musllinux and no win_arm64 wheels of 1.0.3.
        "PS011": "Linux x86_64 (musllinux), Linux aarch64 (musllinux), Windows ARM64",
        "PS012": "actions/checkout@v5",
        "PS013": "main.yml: no top-level `permissions:`",
    },
    "y-py": {
        # y_py.pyi declares 14 classes `import y_py` lacks: #[pyclass]es never added with
        # add_class (YTransaction, the event classes) and TypedDicts not marked
        # @type_check_only; mypy.stubtest reports each as "is not present at runtime".
        "PS008": "in y_py.pyi but not exported by the module: ArrayChangeDelete",
        "PS010": "no [profile.release]",
        # PyPI has no aarch64, no musllinux and no win_arm64 wheels of 0.5.0.
        "PS011": "Linux aarch64 (manylinux), Linux x86_64 (musllinux)",
        "PS012": "actions/checkout@v2",
        "PS013": "test.yml: no top-level `permissions:`",
        "PS014": "pyo3 0.16.2 in Cargo.toml",
    },
    "jiter": {
        "PS009": "no Free Threading classifier",  # gil_used = false
        # True of the sdist: it ships no .github/ (the repository's CI is not in it).
        "PS011": "no GitHub Actions workflow",
    },
}

# Derived (from the workflows) vs published (PyPI's wheel list) targets where they differ,
# with why. Everything else matches exactly.
KNOWN_DIFFERENCES: dict[str, tuple[set[str], set[str], str]] = {
    # (published but not derived, derived but not published, why)
    "pycrdt": (
        set(),
        {"macos arm64 abi3"},
        "abi3.yml is a test workflow: its macOS wheel is built but never uploaded",
    ),
    "ahocorasick-rs": (
        {"macos x86_64 cp", "macos x86_64 cpt"},
        set(),
        (
            "every macOS job builds universal2 (MATURIN_EXTRA via GITHUB_ENV); the thin x86_64 "
            "wheels on PyPI come from elsewhere than this workflow"
        ),
    ),
    "y-py": (
        {"linux x86_64 manylinux pp", "linux i686 manylinux pp"},
        set(),
        (
            "maturin-action runs without -i and without maturin-version: maturin 0.12 (2022) "
            "built every interpreter of the manylinux image, PyPy 3.7 included; the maturin it "
            "runs today builds only the image's `python` (--find-interpreter is now opt-in)"
        ),
    ),
    "jiter": (
        {"*"},
        set(),
        "the sdist ships no workflows: nothing can be derived",
    ),
}


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("corpus")
    return {name: unpack_sdist(p, base / name) for name, p in PROJECTS.items()}


def test_corpus_is_varied() -> None:
    assert len(PROJECTS) >= 8
    assert set(EXPECTED_FINDINGS) == set(PROJECTS)


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_doctor_says_only_what_is_true(name: str, unpacked: dict[str, Path]) -> None:
    start = time.perf_counter()
    result = doctor.run(doctor.DoctorOptions(path=unpacked[name]))
    elapsed = time.perf_counter() - start
    found = {r.id: r.reason for r in result.findings}
    assert set(found) == set(EXPECTED_FINDINGS[name]), found
    for code, phrase in EXPECTED_FINDINGS[name].items():
        assert phrase in found[code], (code, found[code])
    assert elapsed < 1.0, f"doctor took {elapsed:.2f} s on {name}"


def _derived(root: Path) -> pipeline.Pipeline:
    found = reader.read(root)
    low = found.min_python[1] if found.min_python else 9
    return pipeline.read(
        found.raw.workflows,
        abi3=found.abi3 is not None,
        cibuildwheel=found.raw.cibuildwheel,
        python_minors=range(low, 16),
    )


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_derived_targets_match_the_published_wheels(name: str, unpacked: dict[str, Path]) -> None:
    project: CorpusProject = PROJECTS[name]
    published, _ = pipeline.published_targets(project.wheels)
    derived = _derived(unpacked[name]).targets
    missing = {str(t) for t in published - derived}
    extra = {str(t) for t in derived - published}
    want_missing, want_extra, _why = KNOWN_DIFFERENCES.get(name, (set(), set(), ""))
    if want_missing == {"*"}:
        assert not derived
        return
    assert (missing, extra) == (want_missing, want_extra)


# (workflow, job, method, environment) of each publisher, and the tag patterns, as read by hand.
EXPECTED_PUBLISHING: dict[str, tuple[set[tuple[str, str, str, str | None]], tuple[str, ...]]] = {
    "rpds-py": ({("CI.yml", "release", "trusted", "PyPI")}, ("v[0-9].*",)),
    "nh3": ({("CI.yml", "release", "maturin-upload", None)}, ("v*",)),
    # Publishes on `release: released`, not on a tag push.
    "cramjam": ({("CI.yml", "pypi-publish", "trusted", "pypi")}, ()),
    "blake3": ({("dists.yml", "publish", "trusted", None)}, ()),  # workflow_dispatch
    "pycrdt": (
        {("publish.yml", "pypi-release", "trusted", "release")},
        (
            "[0-9]+.[0-9]+.[0-9]+",
            "[0-9]+.[0-9]+.[0-9]+.post[0-9]+",
            "[0-9]+.[0-9]+.[0-9]+[a-b][0-9]+",
            "[0-9]+.[0-9]+.[0-9]+rc[0-9]+",
        ),
    ),
    # twine upload with a token, from every wheel job and the sdist job.
    "fastuuid": (
        {("ci-cd.yml", "build", "twine", None), ("ci-cd.yml", "build-sdist", "twine", None)},
        ("[0-9]+.[0-9]+.[0-9]+",),
    ),
    "ahocorasick-rs": ({("main.yml", "publish", "trusted", "release")}, ("*",)),
    # twine upload --skip-existing with a username/password, on `release: published`.
    "y-py": ({("wheels.yml", "release", "twine", None)}, ()),
    "jiter": (set(), ()),
}


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_publishing_is_read(name: str, unpacked: dict[str, Path]) -> None:
    read = _derived(unpacked[name])
    publishers = {(p.workflow, p.job, p.method, p.environment) for p in read.publishers}
    assert (publishers, read.tags) == EXPECTED_PUBLISHING[name]


# --- `ci --force` on the same projects ------------------------------------------------------

# What each project must give up explicitly because cibuildwheel cannot build it (judged from
# its wheel list): big-endian ppc64, and PyPy where cibuildwheel has none (musl, armv7l,
# ppc64le, s390x, riscv64, 32-bit musl, universal2).
DROPS: dict[str, frozenset[str]] = {
    "rpds-py": frozenset(
        {
            "linux aarch64 musllinux pp",
            "linux armv7l manylinux pp",
            "linux i686 musllinux pp",
            "linux ppc64le manylinux pp",
            "linux riscv64 manylinux pp",
            "linux s390x manylinux pp",
            "linux x86_64 musllinux pp",
        }
    ),
    "nh3": frozenset({"linux ppc64 "}),
    "pycrdt": frozenset(
        {"linux ppc64le manylinux pp", "linux s390x manylinux pp", "macos universal2 pp"}
    ),
}


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def _identifier_target(identifier: str, *, abi3: bool) -> pipeline.Target | None:
    python, _, platform = identifier.partition("-")
    kind = (
        "cpt" if python.endswith("t") else "pp" if python.startswith("pp")
        else "graalpy" if python.startswith("gp") else "abi3" if abi3 else "cp"
    )  # fmt: skip
    found = re.fullmatch(r"(manylinux|musllinux)_(\w+)", platform)
    if found:
        libc = "glibc" if found.group(1) == "manylinux" else "musl"
        return pipeline.Target("linux", found.group(2), libc, kind)
    if platform.startswith("macosx_"):
        return pipeline.Target("macos", platform.removeprefix("macosx_"), "", kind)
    windows = {"win_amd64": "AMD64", "win32": "x86", "win_arm64": "ARM64"}
    if platform in windows:
        return pipeline.Target("windows", windows[platform], "", kind)
    if platform == "pyodide_wasm32":
        return pipeline.Target("pyodide", "wasm32", "", kind)
    return None


def _built_by_cibuildwheel(root: Path, workflow: dict, *, abi3: bool) -> set[pipeline.Target]:
    """Every target our wheels job builds: cibuildwheel itself, per matrix entry, with that
    entry's env, as `--print-build-identifiers` lists them (offline, ~0.3 s each)."""
    job = workflow["jobs"]["wheels"]
    step = next(s for s in job["steps"] if "cibuildwheel" in str(s.get("run", "")))
    built: set[pipeline.Target] = set()
    for entry in job["strategy"]["matrix"]["include"]:
        context = {"matrix": entry, "env": {}}
        env = {k: str(v) for k, v in expressions.substitute(step["env"], context).items()}
        host = pipeline.runner(entry["os"])
        assert host is not None, entry
        platform = env.get("CIBW_PLATFORM", "auto")
        platform = host[0] if platform == "auto" else platform
        entry_abi3 = abi3 or "abi3" in env.get("MATURIN_PEP517_ARGS", "")
        done = subprocess.run(
            [shutil.which("cibuildwheel") or "cibuildwheel", "--print-build-identifiers",
             "--platform", platform],
            cwd=root, env={**os.environ, **env}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        identifiers = done.stdout.split()
        # This x86_64 machine is not the arm64 runner: cibuildwheel names what only an arm64
        # host can build (PyPy on macOS arm64) instead of listing it.
        for note in re.findall(r"Note: (.*?) were selected, but can't be built on", done.stdout
                               + done.stderr):  # fmt: skip
            identifiers += [i.strip() for i in note.split(",")]
        for identifier in identifiers:
            if not re.fullmatch(r"[a-z]+\d+t?(_\d+)?-\w+", identifier):
                continue  # a word of a note, not an identifier
            target = _identifier_target(identifier, abi3=entry_abi3)
            assert target is not None, identifier
            built.add(target)
    return built


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_ci_force_carries_every_shipped_target(name: str, tmp_path: Path) -> None:
    root = unpack_sdist(PROJECTS[name], tmp_path)
    shipped = _derived(root)
    before = _hashes(root)
    pyproject_before = (root / "pyproject.toml").read_text(encoding="utf-8")
    drops = DROPS.get(name, frozenset())

    result = ci.run(ci.CiOptions(path=root, force=True, raise_floors=True, drop_targets=drops))

    # Every file outside those the plan names keeps its bytes.
    after = _hashes(root)
    changed = {n for n in after.keys() | before.keys() if before.get(n) != after.get(n)}
    named = {f.path for f in result.files if f.action not in {"kept", "unchanged"}}
    assert changed <= named, changed - named
    # pyproject.toml loses no line.
    pyproject_after = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert set(pyproject_before.splitlines()) <= set(pyproject_after.splitlines())
    # Exactly one workflow publishes: ours.
    read = reader.read(root)
    now = _derived(root)
    written = {
        f.path.rsplit("/", 1)[-1]
        for f in result.files
        if f.action in {"created", "replaced"} and f.path.startswith(".github/workflows/")
    }
    ours = {p.workflow for p in now.publishers}
    assert len(ours) == 1, now.publishers
    assert ours <= written
    # cibuildwheel itself builds every shipped target (but those given up by name).
    built = _built_by_cibuildwheel(root, read.raw.workflows[next(iter(ours))],
                                   abi3=read.abi3 is not None)  # fmt: skip
    wanted = {t for t in shipped.targets if not carry.matches(t, drops)}
    assert wanted <= built, sorted(str(t) for t in wanted - built)
    # zizmor has nothing to say about the workflow we wrote.
    done = subprocess.run(
        [shutil.which("zizmor") or "zizmor", "--offline", "--no-config",
         str(root / ".github/workflows" / next(iter(ours)))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "No findings" in done.stdout + done.stderr, done.stdout + done.stderr


def test_ci_force_stops_on_a_target_cibuildwheel_cannot_build(tmp_path: Path) -> None:
    root = unpack_sdist(PROJECTS["nh3"], tmp_path)
    before = _hashes(root)
    with pytest.raises(InvalidInputError, match="big-endian"):
        ci.run(ci.CiOptions(path=root, force=True, raise_floors=True))
    assert _hashes(root) == before  # nothing written


def test_the_plan_in_docs_is_what_ci_prints(tmp_path: Path) -> None:
    """docs/ci.md shows `ci --plan --force --raise-floors` on cramjam 2.14.0: it must be the
    real output, as the user sees it (the path shortened to the sdist's folder name)."""
    from click.testing import CliRunner

    from scaffold.cli import cli

    root = unpack_sdist(PROJECTS["cramjam"], tmp_path)
    result = CliRunner().invoke(cli, ["ci", "--plan", "--force", "--raise-floors", str(root)])
    assert result.exit_code == 0, result.output
    docs = (Path(__file__).parents[2] / "docs" / "ci.md").read_text(encoding="utf-8")
    shown = docs.split("```text\n", 1)[1].split("```", 1)[0]
    assert result.output.replace(str(root), root.name) == shown
