"""What generated projects build, test and publish: checked with the real tools, no builds.

cibuildwheel prints the wheel identifiers it would build (offline, ~0.3 s); zizmor and
check-jsonschema audit the workflows offline; ruff and nox read the rendered noxfile.

abi3 and cibuildwheel. With abi3 on, cibuildwheel 4 still lists one identifier per CPython:
the first build (the oldest CPython) makes a `cp3X-abi3` wheel, and for every later CPython
cibuildwheel finds that compatible wheel, skips the build and only runs the tests. So the
expected identifiers are the same with abi3 on and off; what makes the reuse happen is the
`abi3-py3X` feature of PyO3 in Cargo.toml, asserted below. Free-threaded CPython cannot load
abi3 wheels: 3.14t has no stable ABI (a cp314t wheel of its own), and 3.15t builds one abi3t
wheel (PEP 803, PyO3's `abi3t-py315`) that later free-threaded CPythons can load. Those
identifiers are present only with free_threaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomlkit
import yaml
from helpers import tool

REPO_ROOT = Path(__file__).resolve().parents[2]
# The newest CPython cibuildwheel 4.3 builds by default. When cibuildwheel adds one, this
# test fails: check that PyO3 supports it, then raise the bound here and in the noxfile.
NEWEST_MINOR = 15
FREE_THREADED = ("cp314t", "cp315t")

# Each runner of wheels.yml (its matrix `id`) and the platform tag of the wheels it builds.
PLATFORM_TAG_OF_RUNNER = {
    "linux-x86_64-gnu": "manylinux_x86_64",
    "linux-x86_64-musl": "musllinux_x86_64",
    "linux-aarch64-gnu": "manylinux_aarch64",
    "linux-aarch64-musl": "musllinux_aarch64",
    "macos-x86_64": "macosx_x86_64",
    "macos-arm64": "macosx_arm64",
    "windows-amd64": "win_amd64",
    "windows-arm64": "win_arm64",
}

CONFIGS = [
    pytest.param({"abi3": True, "free_threaded": True, "min_python": "3.10"}, id="abi3-ft-3.10"),
    pytest.param({"abi3": True, "free_threaded": False, "min_python": "3.12"}, id="abi3-3.12"),
    pytest.param({"abi3": False, "free_threaded": False, "min_python": "3.9"}, id="cp-3.9"),
    pytest.param({"abi3": False, "free_threaded": True, "min_python": "3.14"}, id="cp-ft-3.14"),
]

Generate = Callable[..., Path]


def toml(text: str) -> dict[str, Any]:
    return tomlkit.parse(text).unwrap()


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without cibuildwheel settings a developer may have exported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIBW_")}
    env.update(extra)
    return env


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wheel_runners(project: Path) -> list[dict[str, str]]:
    workflow = yaml.safe_load((project / ".github/workflows/wheels.yml").read_text())
    include: list[dict[str, str]] = workflow["jobs"]["wheels"]["strategy"]["matrix"]["include"]
    return include


def cibuildwheel_platform(runner_os: str) -> str:
    """The --platform of a GitHub runner label (ubuntu-24.04-arm -> linux)."""
    return {"ubuntu": "linux", "macos": "macos", "windows": "windows"}[
        runner_os.split("-", maxsplit=1)[0]
    ]


def expected_pythons(min_python: str, *, free_threaded: bool) -> list[str]:
    first = int(min_python.split(".")[1])
    pythons = [f"cp3{minor}" for minor in range(first, NEWEST_MINOR + 1)]
    return pythons + (list(FREE_THREADED) if free_threaded else [])


@dataclass(frozen=True)
class Job:
    """What one opt-in wheels.yml job promises: its runner and the wheels it builds."""

    os: str
    tags: tuple[str, ...]  # the platform tags of its identifiers (one per arch it builds)
    # The oldest CPython cibuildwheel has there (iOS, Android and Pyodide start at 3.13).
    first_minor: int = 11
    free_threaded: bool = True  # cp3XXt wheels too (none exist for iOS, Android, Pyodide)
    qemu: str | None = None  # the architecture QEMU emulates, where no runner has it
    platform: str | None = None  # CIBW_PLATFORM, where it is not the runner's OS


MOBILE = {"first_minor": 13, "free_threaded": False}
# The opt-in platforms (`--platforms`): the jobs each adds, by matrix id.
EXTRA_RUNNERS: dict[str, dict[str, Job]] = {
    "x86": {
        "linux-i686-gnu": Job("ubuntu-24.04", ("manylinux_i686",)),
        "windows-x86": Job("windows-2025", ("win32",)),
    },
    **{
        arch: {f"linux-{arch}-gnu": Job("ubuntu-24.04", (f"manylinux_{arch}",), qemu=arch)}
        for arch in ("armv7l", "ppc64le", "s390x", "riscv64")
    },
    "pypy": {},  # more wheels in the existing jobs: pp3XX identifiers
    "graalpy": {},  # gp3XX_YYY identifiers
    "pyodide": {
        "pyodide-wasm32": Job("ubuntu-24.04", ("pyodide_wasm32",), platform="pyodide", **MOBILE)
    },
    "ios": {
        "ios-arm64": Job(
            "macos-15",
            ("ios_arm64_iphoneos", "ios_arm64_iphonesimulator"),
            platform="ios",
            **MOBILE,
        ),
        "ios-x86_64-simulator": Job(
            "macos-15-intel", ("ios_x86_64_iphonesimulator",), platform="ios", **MOBILE
        ),
    },
    "android": {
        "android": Job(
            "ubuntu-24.04", ("android_x86_64", "android_arm64_v8a"), platform="android", **MOBILE
        )
    },
}
ALL_PLATFORMS = ",".join(EXTRA_RUNNERS)
INTERPRETER_PREFIX = {"pypy": "pp", "graalpy": "gp"}


def cibuildwheel_step_env(project: Path) -> dict[str, str]:
    """The env of wheels.yml's cibuildwheel step, `${{ matrix.X }}` expressions unresolved."""
    workflow = yaml.safe_load((project / ".github/workflows/wheels.yml").read_text())
    (step,) = [s for s in workflow["jobs"]["wheels"]["steps"] if "cibuildwheel" in s.get("run", "")]
    env: dict[str, str] = step["env"]
    return env


MATRIX_EXPRESSION = re.compile(r"\$\{\{\s*matrix\.(\w+)\s*\}\}")


def job_identifiers(project: Path, runner: dict[str, str]) -> list[str]:
    """What one wheels.yml job builds: cibuildwheel with that job's step env (CIBW_ARCHS,
    CIBW_BUILD, CIBW_PLATFORM), `${{ matrix.X }}` resolved as GitHub does (missing: empty)."""
    step_env = {
        name: MATRIX_EXPRESSION.sub(lambda m: str(runner.get(m.group(1), "")), value)
        for name, value in cibuildwheel_step_env(project).items()
    }
    # On the runner cibuildwheel's platform is CIBW_PLATFORM, or else the runner's OS.
    platform = step_env.get("CIBW_PLATFORM") or cibuildwheel_platform(runner["os"])
    args = [tool("cibuildwheel"), "--print-build-identifiers", "--platform", platform]
    return run(*args, cwd=project, env=clean_env(**step_env)).split()


# x86 alone: new jobs, no QEMU step, no PyPy; everything: QEMU jobs, PyPy/GraalPy wheels,
# Pyodide, iOS and Android; iOS and Android with numpy (their tests skipped).
@pytest.mark.parametrize(
    ("platforms", "config"),
    [
        ("x86", {}),
        (ALL_PLATFORMS, {}),
        ("ios,android", {"numpy": True, "min_python": "3.14", "free_threaded": False}),
    ],
)
def test_each_opt_in_platform_job_builds_its_identifiers(
    generate: Generate, platforms: str, config: dict[str, Any]
) -> None:
    """Every chosen target has a job on the right runner; each job builds exactly its wheels
    (CPython from the project's oldest, or the platform's; PyPy/GraalPy where chosen)."""
    chosen = platforms.split(",")
    project = generate("demo", platforms=platforms, **config)
    runners = {runner["id"]: runner for runner in wheel_runners(project)}
    extra = {k: v for name in chosen for k, v in EXTRA_RUNNERS[name].items()}
    native = {k: Job("", (tag,)) for k, tag in PLATFORM_TAG_OF_RUNNER.items()}
    jobs = native | extra
    assert set(runners) == set(jobs)
    for runner_id, job in extra.items():
        runner = runners[runner_id]
        assert runner["os"] == job.os, runner_id
        # No GitHub runner exists for these: cibuildwheel's documented QEMU emulation.
        assert runner.get("qemu") == job.qemu, runner_id
        assert runner.get("platform") == job.platform, runner_id
    min_minor = int(config.get("min_python", "3.11").split(".")[1])
    free_threaded = config.get("free_threaded", True)
    with ThreadPoolExecutor(max_workers=4) as pool:
        printed = dict(
            zip(
                runners,
                pool.map(lambda r: job_identifiers(project, r), runners.values()),
                strict=True,
            )
        )
    for runner_id, identifiers in printed.items():
        job = jobs[runner_id]
        assert identifiers, runner_id
        assert all(i.endswith(tuple(f"-{tag}" for tag in job.tags)) for i in identifiers), (
            runner_id,
            identifiers,
        )
        first = f"3.{max(min_minor, job.first_minor)}"
        pythons = expected_pythons(first, free_threaded=free_threaded and job.free_threaded)
        cpython = {i for i in identifiers if i.startswith("cp")}
        expected = {f"{python}-{tag}" for python in pythons for tag in job.tags}
        assert cpython == expected, runner_id
        others = {i.split("-")[0][:2] for i in identifiers} - {"cp"}
        # PyPy and GraalPy only where chosen, and then on Linux x86_64 at least.
        assert others <= {INTERPRETER_PREFIX.get(n) for n in chosen}, (runner_id, others)
    assert ("pp" in {i[:2] for i in printed["linux-x86_64-gnu"]}) is ("pypy" in chosen)
    assert ("gp" in {i[:2] for i in printed["linux-x86_64-gnu"]}) is ("graalpy" in chosen)
    workflow = (project / ".github/workflows/wheels.yml").read_text()
    # Only the jobs that emulate set up QEMU, only Android's enables KVM (skipped elsewhere).
    assert ("docker/setup-qemu-action@" in workflow) is any(r.get("qemu") for r in runners.values())
    assert ("udevadm" in workflow) is ("android" in chosen)
    # CIBW_PLATFORM only where a job needs one; the native jobs then get "" (auto).
    assert ("CIBW_PLATFORM" in cibuildwheel_step_env(project)) is bool(
        {"pyodide", "ios", "android"} & set(chosen)
    )


def test_each_experimental_platform_gets_its_cibuildwheel_settings(generate: Generate) -> None:
    """Pyodide, iOS and Android get what cibuildwheel needs for a Rust extension there."""
    project = generate("demo", platforms="pyodide,ios,android")
    settings = toml((project / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    assert settings["pyodide"]["before-build"] == "sh {project}/.github/pyodide-rust.sh"
    script = (project / ".github/pyodide-rust.sh").read_text()
    assert "pyodide config get rust_toolchain" in script
    assert "--target wasm32-unknown-emscripten" in script
    run("sh", "-n", project / ".github/pyodide-rust.sh", cwd=project)  # it parses
    # Pyodide has no threads: pytest-run-parallel's plugin is kept out.
    assert "-p no:run-parallel" in settings["pyodide"]["test-command"]
    ios = settings["ios"]
    assert set(ios["xbuild-tools"]) == {"cargo", "rustc"}
    assert ios["before-all"].split()[3:] == [
        "aarch64-apple-ios",
        "aarch64-apple-ios-sim",
        "x86_64-apple-ios",
    ]
    for mobile in (ios, settings["android"]):
        # The simulator/emulator cannot see {project}: the tests travel with the app.
        assert mobile["test-sources"] == ["tests", "pyproject.toml"]
        assert mobile["test-command"] == "python -m pytest tests"
        assert "{project}" not in mobile["test-command"]
    assert "test-skip" not in settings
    with_numpy = toml(
        (generate("np", platforms="ios,android", numpy=True) / "pyproject.toml").read_text()
    )
    # No NumPy wheels for iOS or Android on PyPI: their wheels are built, their tests skipped.
    assert with_numpy["tool"]["cibuildwheel"]["test-skip"] == ["*-ios_*", "*-android_*"]
    plain = generate("plain")
    assert not (plain / ".github/pyodide-rust.sh").exists()
    plain_settings = toml((plain / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    assert not {"pyodide", "ios", "android"} & set(plain_settings)


def test_windows_x86_gets_its_rust_target(generate: Generate) -> None:
    settings = toml((generate("demo", platforms="x86") / "pyproject.toml").read_text())
    assert settings["tool"]["cibuildwheel"]["windows"]["before-all"] == (
        "rustup target add i686-pc-windows-msvc"
    )
    default = toml((generate("plain") / "pyproject.toml").read_text())
    assert "before-all" not in default["tool"]["cibuildwheel"]["windows"]


@pytest.mark.parametrize("config", CONFIGS)
def test_each_wheels_runner_builds_the_expected_identifiers(
    generate: Generate, config: dict[str, object]
) -> None:
    project = generate("demo", **config)
    runners = wheel_runners(project)
    assert {runner["id"] for runner in runners} == set(PLATFORM_TAG_OF_RUNNER)
    pythons = expected_pythons(
        str(config["min_python"]), free_threaded=bool(config["free_threaded"])
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        # Exactly what the workflow's cibuildwheel step gets: CIBW_ARCHS and CIBW_BUILD.
        results = pool.map(lambda runner: job_identifiers(project, runner), runners)
        printed_by_runner = dict(zip([r["id"] for r in runners], results, strict=True))
    for runner_id, printed in printed_by_runner.items():
        tag = PLATFORM_TAG_OF_RUNNER[runner_id]
        assert len(printed) == len(set(printed)), printed
        assert set(printed) == {f"{python}-{tag}" for python in pythons}, runner_id


def test_abi3_free_threaded_linux_x86_64_identifiers_literally(generate: Generate) -> None:
    """The default project, spelled out: the list a reader can check by eye."""
    project = generate("demo", abi3=True, free_threaded=True, min_python="3.10")
    env = clean_env(CIBW_ARCHS="x86_64", CIBW_BUILD="*-manylinux_*")
    printed = run(
        tool("cibuildwheel"),
        "--print-build-identifiers",
        "--platform",
        "linux",
        cwd=project,
        env=env,
    ).split()
    assert printed == [
        "cp310-manylinux_x86_64",  # builds demo-0.1.0-cp310-abi3-manylinux_*.whl
        "cp311-manylinux_x86_64",  # cp311..cp315: reuse that wheel, run the tests
        "cp312-manylinux_x86_64",
        "cp313-manylinux_x86_64",
        "cp314-manylinux_x86_64",
        "cp314t-manylinux_x86_64",  # free-threaded: a wheel of its own
        "cp315-manylinux_x86_64",
        "cp315t-manylinux_x86_64",  # builds demo-0.1.0-cp315-abi3t-manylinux_*.whl
    ]


@pytest.mark.parametrize("free_threaded", [True, False])
@pytest.mark.parametrize("abi3", [True, False])
def test_abi3_reuse_comes_from_the_pyo3_feature(
    generate: Generate, abi3: bool, free_threaded: bool
) -> None:
    """abi3 for GIL CPythons; abi3t (3.15t on) only with abi3 and free-threading both on."""
    project = generate("demo", abi3=abi3, min_python="3.11", free_threaded=free_threaded)
    pyo3 = toml((project / "Cargo.toml").read_text())["dependencies"]["pyo3"]
    features = pyo3.get("features", []) if isinstance(pyo3, dict) else []
    assert ("abi3-py311" in features) is abi3
    assert ("abi3t-py315" in features) is (abi3 and free_threaded)


@pytest.mark.parametrize("free_threaded", [True, False])
def test_cibuildwheel_settings(generate: Generate, free_threaded: bool) -> None:
    project = generate("demo", free_threaded=free_threaded)
    settings = toml((project / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    assert settings["test-groups"] == ["test"]
    assert "test-extras" not in settings
    assert settings["test-command"] == "pytest {project}/tests"
    assert "*-musllinux_i686" in settings["skip"]
    assert ("cp3??t-*" in settings["skip"]) is not free_threaded
    linux = settings["linux"]
    assert linux["before-all"] == "sh {project}/.github/install-rust.sh"
    assert linux["environment"]["PATH"].startswith("$HOME/.cargo/bin:")
    target = settings["macos"]["environment"]["MACOSX_DEPLOYMENT_TARGET"]
    assert tuple(map(int, target.split("."))) >= (10, 12)


def zizmor_findings(*folders: Path) -> str:
    """zizmor's default policy, offline, no config file: its report if it finds anything."""
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--no-config", "--format", "plain", *map(str, folders)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0 and "No findings to report" in done.stdout:
        return ""
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def check_schemas(*githubs: Path) -> None:
    """check-jsonschema on every workflow and dependabot.yml of these .github folders."""
    workflows = [path for github in githubs for path in sorted(github.glob("workflows/*.yml"))]
    assert len(workflows) >= 2 * len(githubs)
    dependabots = [github / "dependabot.yml" for github in githubs]
    checker = tool("check-jsonschema")
    run(checker, "--builtin-schema", "vendor.github-workflows", *workflows, cwd=REPO_ROOT)
    run(checker, "--builtin-schema", "vendor.dependabot", *dependabots, cwd=REPO_ROOT)


@pytest.fixture(scope="module")
def generated_projects(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Projects whose workflows differ (Python versions in ci.yml, the PyPI URL)."""
    from scaffold import new
    from scaffold.answers import Answers

    parent = tmp_path_factory.mktemp("workflows")
    projects = []
    variants: list[tuple[str, dict[str, Any]]] = [
        ("demo-ft", {"min_python": "3.10", "free_threaded": True}),
        ("demo-cp", {"min_python": "3.14", "free_threaded": False, "abi3": False}),
        ("demo-all", {"platforms": ALL_PLATFORMS}),  # every opt-in job, QEMU step included
    ]
    for name, answers in variants:
        options = new.NewOptions(
            destination=parent / name, answers=Answers.resolve(name, **answers)
        )
        projects.append(new.run(options).destination)
    return projects


def test_generated_workflows_have_no_zizmor_findings(generated_projects: list[Path]) -> None:
    githubs = [project / ".github" for project in generated_projects]
    assert all((github / "dependabot.yml").is_file() for github in githubs)
    assert zizmor_findings(*githubs) == ""


def test_generated_workflows_match_the_schemas(generated_projects: list[Path]) -> None:
    check_schemas(*(project / ".github" for project in generated_projects))


def test_own_workflows_have_no_zizmor_findings_and_match_the_schemas() -> None:
    assert zizmor_findings(REPO_ROOT / ".github") == ""
    check_schemas(REPO_ROOT / ".github")


USES = re.compile(r"^\s*-?\s*uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)\s*(?P<comment>#.*)?$")


def secure_by_default(workflow_file: Path) -> None:
    """Our rules, beyond zizmor's default policy, read straight from the YAML."""
    text = workflow_file.read_text()
    workflow = yaml.safe_load(text)
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert "pull_request_target" not in triggers
    assert workflow["permissions"] == {}, "no permissions at the top level"
    assert "concurrency" in workflow
    for line in text.splitlines():
        if "uses:" in line:
            match = USES.match(line)
            assert match, line
            assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), f"not pinned to a SHA: {line}"
            assert match["comment"], f"no version comment: {line}"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name}: permissions are set per job"
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
            assert "${{" not in step.get("run", ""), f"{name}: expression inside run:"
        if job["permissions"].get("id-token") == "write":
            assert name == "publish", "only the publish job gets an OIDC token"
            assert job["permissions"] == {"id-token": "write"}
            assert job["environment"]["name"] == "pypi"
            assert "startsWith(github.ref, 'refs/tags/v')" in job["if"]
            assert any("pypa/gh-action-pypi-publish@" in s.get("uses", "") for s in job["steps"])
        else:
            assert set(job["permissions"].items()) <= {("contents", "read")}, name


def test_workflows_are_secure_by_default(generated_projects: list[Path]) -> None:
    files = [REPO_ROOT / ".github/workflows/ci.yml", REPO_ROOT / ".github/workflows/release.yml"]
    for project in generated_projects:
        files += sorted((project / ".github/workflows").glob("*.yml"))
    assert len(files) == 2 + 2 * len(generated_projects)
    for workflow_file in files:
        secure_by_default(workflow_file)


def test_release_publishes_on_version_tags(generated_projects: list[Path]) -> None:
    for workflow_file in [
        REPO_ROOT / ".github/workflows/release.yml",
        generated_projects[0] / ".github/workflows/wheels.yml",
    ]:
        workflow = yaml.safe_load(workflow_file.read_text())
        assert workflow[True]["push"]["tags"] == ["v*"]
        assert workflow["jobs"]["publish"]["needs"]


def test_ci_installs_the_oldest_and_newest_python(generated_projects: list[Path]) -> None:
    with_ft, without_ft, _ = generated_projects
    versions = {}
    for project in generated_projects:
        ci = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
        (setup,) = [s for s in ci["jobs"]["nox"]["steps"] if "setup-python" in s.get("uses", "")]
        versions[project.name] = setup["with"]["python-version"].split()
    assert sorted(versions[with_ft.name]) == ["3.10", "3.14", "3.14t"]
    assert versions[without_ft.name] == ["3.14"]


@pytest.mark.parametrize("layout", ["mixed", "rust"])
def test_rendered_noxfile_and_benchmark_pass_the_projects_ruff(
    generate: Generate, layout: str
) -> None:
    project = generate("demo", layout=layout)
    ruff = [sys.executable, "-m", "ruff"] if shutil.which("ruff") is None else [tool("ruff")]
    files = ["noxfile.py", "benchmarks/bench.py"]
    run(*ruff, "check", "--no-cache", *files, cwd=project)
    run(*ruff, "format", "--check", "--no-cache", *files, cwd=project)


def test_nox_lists_every_session_and_runs_only_fast_ones_by_default(generate: Generate) -> None:
    project = generate("demo", min_python="3.13", free_threaded=True)
    listing = run(tool("nox"), "-l", cwd=project)
    # Lines look like "* tests-3.13 -> docstring" (selected by default) or "- bench -> ...".
    sessions = re.findall(r"^([*-]) (\S+) -> (.*)$", listing, flags=re.MULTILINE)
    assert all(doc.strip() for _, _, doc in sessions), listing
    default = {name for mark, name, _ in sessions if mark == "*"}
    others = {name for mark, name, _ in sessions if mark == "-"}
    pythons = {"tests-3.13", "tests-3.14", "tests-3.15", "tests-3.14t", "tests-3.15t"}
    assert default == {*pythons, "rust", "lint"}
    assert others == {"stubs", "docs", "develop", "build", "wheels", "publish", "bench"}


def test_dependabot_updates_actions_crates_and_python_with_a_cooldown(
    generated_projects: list[Path],
) -> None:
    config = yaml.safe_load((generated_projects[0] / ".github/dependabot.yml").read_text())
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"github-actions", "cargo", "pip"}
    assert all(update["cooldown"]["default-days"] >= 7 for update in updates.values())


def test_ci_caches_rust_and_the_publishing_workflow_caches_nothing(
    generated_projects: list[Path],
) -> None:
    """ci.yml restores and (from main only) saves the Rust cache."""
    from scaffold import pins

    rust_cache = pins.load().actions["rust_cache"]
    for project in generated_projects:
        ci = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
        (step,) = [s for s in ci["jobs"]["nox"]["steps"] if rust_cache.repo in s.get("uses", "")]
        assert step["uses"] == rust_cache.uses
        assert step["with"]["save-if"] == "${{ github.ref == 'refs/heads/main' }}"


NOT_ON_A_TAG = "github.ref_type != 'tag'"
MAIN_ONLY = "github.ref == 'refs/heads/main'"


def test_wheel_jobs_cache_the_target_dir_but_never_on_a_tag(
    generated_projects: list[Path],
) -> None:
    """wheels.yml publishes: on a tag nothing is restored or saved, so released wheels are
    built from scratch. Otherwise every wheel job restores cargo's target dir, and only main
    saves it. zizmor does not flag actions/cache/restore even without these conditions: this
    test is what holds them."""
    from scaffold import pins

    cache = pins.load().actions["cache"]
    for project in generated_projects:
        workflow = yaml.safe_load((project / ".github/workflows/wheels.yml").read_text())
        steps = workflow["jobs"]["wheels"]["steps"]
        cached = [s for s in steps if s.get("uses", "").startswith(f"{cache.repo}/")]
        restore, save = cached
        assert restore["uses"] == f"{cache.repo}/restore@{cache.sha}"
        assert save["uses"] == f"{cache.repo}/save@{cache.sha}"
        # Every step that reads or names the cache is off on tags; the save is on main only.
        week = next(s for s in steps if s.get("id") == "week")
        assert week["if"] == restore["if"] == NOT_ON_A_TAG
        assert save["if"].startswith(MAIN_ONLY + " && ")
        assert restore["with"]["path"] == save["with"]["path"] == "${{ runner.temp }}/cargo-target"
        assert save["with"]["key"] == "${{ steps.cache.outputs.cache-primary-key }}"
        # The build uses that folder: directly on macOS/Windows, through /host in the Linux
        # containers (passed in by cibuildwheel).
        (build,) = [s for s in steps if "cibuildwheel --output-dir" in s.get("run", "")]
        assert steps.index(restore) < steps.index(build) < steps.index(save)
        assert "format('/host{0}/cargo-target', runner.temp)" in build["env"]["CARGO_TARGET_DIR"]
        assert build["env"]["CIBW_ENVIRONMENT_PASS_LINUX"] == "CARGO_TARGET_DIR"  # noqa: S105 (a name)
        # Nothing else of the workflow caches: not the sdist, not the publish job.
        for name, job in workflow["jobs"].items():
            if name != "wheels":
                assert "cache" not in yaml.safe_dump(job).lower(), name
        assert workflow["jobs"]["publish"]["if"].endswith("startsWith(github.ref, 'refs/tags/v')")


def test_linux_containers_get_the_cached_target_dir_and_keep_cargo_on_path(
    generated_projects: list[Path],
) -> None:
    """cibuildwheel's own reading of the project's config plus the job's environment: the
    container's environment has CARGO_TARGET_DIR and still the PATH to cargo."""
    import dataclasses

    from cibuildwheel.options import CommandLineArguments, compute_options

    project = generated_projects[0]
    arguments = dataclasses.replace(
        CommandLineArguments.defaults(), platform="linux", package_dir=project
    )
    env = clean_env(
        CIBW_ENVIRONMENT_PASS_LINUX="CARGO_TARGET_DIR",  # noqa: S106 (a variable name)
        CARGO_TARGET_DIR="/host/home/runner/work/_temp/cargo-target",
        CIBW_ARCHS="x86_64",
    )
    cwd = Path.cwd()
    os.chdir(project)  # cibuildwheel reads ./pyproject.toml
    try:
        options = compute_options("linux", arguments, env)
        environment = options.build_options("cp312-manylinux_x86_64").environment
    finally:
        os.chdir(cwd)
    inside = environment.as_dictionary({"PATH": "/usr/bin", "HOME": "/root"})
    assert inside["CARGO_TARGET_DIR"] == "/host/home/runner/work/_temp/cargo-target"
    assert inside["PATH"] == "/root/.cargo/bin:/usr/bin"
