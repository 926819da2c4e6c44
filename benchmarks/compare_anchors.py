"""The generated project beside the other ways to start a PyO3 + maturin project, measured.

Anchors: `maturin new` + `maturin generate-ci github`, the scientific-python/cookie with its
maturin backend (rendered with copier from a local clone), `uv init --build-backend maturin`,
and `pyo3-scaffold new`. Each is generated on default answers, then every row is measured the
same way on each of the four projects:

- PyO3 pin and requires-python: read from Cargo.toml and pyproject.toml;
- zizmor findings: `zizmor --offline --no-config` on .github/workflows (default policy);
- sp-repo-review: failed/passed checks through repo-review's API, without this tool's own
  PS checks (those are the next row, as `pyo3-scaffold doctor` would report them);
- wheel targets: from the wheel workflow. For cibuildwheel jobs, `cibuildwheel
  --print-build-identifiers` per matrix job (runner OS and arch, CIBW_ARCHS/CIBW_BUILD);
  a target is an identifier without its Python tag (e.g. manylinux_x86_64). For
  maturin-action jobs, one target per matrix entry;
- wheel targets with every platform option on: the same count on a second project from the
  same generator asked for every platform it offers (`maturin generate-ci github --platform
  all`, `pyo3-scaffold new --platforms` with every choice); the cookie and `uv init` have no
  such option;
- stubs: .pyi files, and whether anything (nox, CI, pre-commit) runs stubtest on them;
- tests out of the box: a fresh venv, `pip install .` plus its test group, `pytest`;
- time to generate: median of 5 fresh generations, each a command-line run;
- abi3 / free-threading and the release trigger: read from Cargo.toml, the Rust sources and
  the workflows;
- build caching: each workflow's cache steps (sccache, rust-cache, actions/cache, setup-uv's
  cache), by workflow file, "off on tags" or "on tags only" where the conditions of the step
  or its job say so (tag runs are the ones that publish).

Run `nox -s anchors` or `python benchmarks/compare_anchors.py` where pyo3-scaffold, maturin,
uv, copier (+ copier-templates-extensions), zizmor, sp-repo-review and cibuildwheel are
installed. Builds share CARGO_TARGET_DIR (default: target/anchors here). Prints the table as
Markdown, with the date, the machine and the tool versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import itertools
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import yaml

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
COOKIE_MIRROR = Path("/work/.mirror/scientific-python+cookie/repo")
NAME = "demo"
REPEATS = 5
COOKIE_ANSWERS = {
    "project_name": NAME,
    "org": "example",
    "full_name": "Example Maintainers",
    "email": "maintainers@example.org",
    "license": "MIT",
    "backend": "maturin",
    "docs": "sphinx",
}


def log(message: str) -> None:
    print(f"[anchors] {message}", file=sys.stderr, flush=True)


def run(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done


# --- the four generators --------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    key: str
    title: str
    generate: Callable[[Path], Path]  # parent dir -> the new project
    # The same generator asked for every platform it offers beyond its defaults, if it can be.
    every_platform: Callable[[Path], Path] | None = None


def gen_maturin(parent: Path) -> Path:
    project = parent / NAME
    run("maturin", "new", "--bindings", "pyo3", project)
    # `maturin new` already writes CI.yml; write it again the documented way.
    workflows = project / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    run("maturin", "generate-ci", "github", "--output", workflows / "CI.yml", cwd=project)
    return project


def gen_maturin_every_platform(parent: Path) -> Path:
    project = parent / NAME
    run("maturin", "new", "--bindings", "pyo3", project)
    workflows = project / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    run(
        "maturin", "generate-ci", "github", "--platform", "all",
        "--output", workflows / "CI.yml", cwd=project,
    )  # fmt: skip
    return project


def gen_uv(parent: Path) -> Path:
    project = parent / NAME
    run("uv", "init", "--quiet", "--build-backend", "maturin", "--lib", project)
    return project


def gen_cookie(source: Path) -> Callable[[Path], Path]:
    def _generate(parent: Path) -> Path:
        project = parent / NAME
        data = [arg for key, value in COOKIE_ANSWERS.items() for arg in ("-d", f"{key}={value}")]
        run(
            "copier",
            "copy",
            "--quiet",
            "--trust",
            "--defaults",
            "--vcs-ref",
            "HEAD",
            *data,
            source,
            project,
        )
        return project

    return _generate


def gen_ours(parent: Path) -> Path:
    project = parent / NAME
    run("pyo3-scaffold", "new", project, "--yes")
    return project


def gen_ours_every_platform(parent: Path) -> Path:
    from scaffold.answers import PLATFORMS  # noqa: PLC0415  (the question's own choices)

    project = parent / NAME
    run("pyo3-scaffold", "new", project, "--yes", "--no-git", "--platforms", ",".join(PLATFORMS))
    return project


# --- measurements ---------------------------------------------------------------------------


def load_toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text()) if path.is_file() else {}


def pyo3_pin(project: Path) -> tuple[str, list[str]]:
    cargo = load_toml(project / "Cargo.toml")
    dep = cargo.get("dependencies", {}).get("pyo3", {})
    if isinstance(dep, str):
        return dep, []
    return str(dep.get("version", "?")), list(dep.get("features", []))


def workflows(project: Path) -> dict[str, dict[str, Any]]:
    folder = project / ".github" / "workflows"
    found = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
    return {path.name: yaml.safe_load(path.read_text()) for path in found}


def zizmor_findings(project: Path) -> str:
    folder = project / ".github" / "workflows"
    if not folder.is_dir():
        return "no workflows"
    done = run("zizmor", "--offline", "--no-config", "--format", "json", folder, check=False)
    if not done.stdout.strip():
        sys.exit(f"zizmor gave no JSON for {folder}: {done.stderr[-2000:]}")
    return str(len(json.loads(done.stdout)))


def sp_failures(project: Path) -> tuple[list[str], int, list[str]]:
    """(sp-repo-review checks failed, passed; pyo3-scaffold PS checks failed)."""
    from repo_review.processor import process  # noqa: PLC0415  (benchmark dependency)

    _families, results = process(project)
    theirs = [r for r in results if r.family != "pyo3-scaffold"]
    failed = [r.name for r in theirs if r.result is False]
    ps_failed = [r.name for r in results if r.family == "pyo3-scaffold" and r.result is False]
    return failed, sum(r.result is True for r in theirs), ps_failed


def repo_review(project: Path, work: Path) -> tuple[str, str, list[str]]:
    """(sp-repo-review failed/passed, pyo3-scaffold PS checks failed, sp checks failed).

    A project may ignore checks in [tool.repo-review]; the cell then also says how many fail
    without those ignores (a copy of the project without the table), so every column is
    measured against the same checks.
    """
    import tomlkit  # noqa: PLC0415  (pyo3-scaffold's own dependency)

    failed, passed, ps_failed = sp_failures(project)
    cell = f"{len(failed)} / {passed}"
    pyproject = tomlkit.parse((project / "pyproject.toml").read_text())
    tool = pyproject.get("tool", {})
    if "repo-review" in tool:
        ignored = sorted(tool["repo-review"].get("ignore", []))
        del tool["repo-review"]
        bare = work / f"no-ignores-{project.parent.name}" / project.name
        shutil.copytree(project, bare, symlinks=True)
        (bare / "pyproject.toml").write_text(tomlkit.dumps(pyproject))
        without, _, _ = sp_failures(bare)
        more = sorted(set(without) - set(failed))
        cell += f"; {len(more)} more without its {len(ignored)} ignores ({', '.join(more)})"
    return cell, (f"{len(ps_failed)} ({', '.join(ps_failed)})" if ps_failed else "0"), failed


def matrix_combos(job: dict[str, Any]) -> list[dict[str, Any]]:
    matrix = job.get("strategy", {}).get("matrix", {})
    if not isinstance(matrix, dict) or not matrix:
        return [{}]
    include = matrix.get("include", [])
    axes = {k: v for k, v in matrix.items() if k not in {"include", "exclude"}}
    combos = [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]
    if include and not axes:
        return list(include)
    return combos + list(include) if combos != [{}] else list(include)


def substitute(text: str, combo: dict[str, Any]) -> str:
    def lookup(match: re.Match[str]) -> str:
        value: Any = combo
        for part in match.group(1).split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        return str(value)

    return re.sub(r"\$\{\{\s*matrix\.([\w.-]+)\s*\}\}", lookup, text)


def runner_platform(runner: str) -> tuple[str, str]:
    """GitHub-hosted runner label -> (cibuildwheel platform, native arch)."""
    if runner.startswith("windows"):
        return "windows", "ARM64" if "arm" in runner else "AMD64"
    if runner.startswith("macos"):
        return "macos", "x86_64" if "intel" in runner or runner == "macos-13" else "arm64"
    return "linux", "aarch64" if runner.endswith("-arm") else "x86_64"


def auto_archs(plat: str, native: str, archs: str) -> str:
    """cibuildwheel's auto/auto64/auto32/native for that runner (32-bit where it exists)."""
    extra32 = {("linux", "x86_64"): "i686", ("windows", "AMD64"): "x86"}.get((plat, native))
    words: list[str] = []
    for word in archs.replace(",", " ").split():
        if word in {"auto", "native"}:
            words += [native, *([extra32] if extra32 and word == "auto" else [])]
        elif word == "auto64":
            words.append(native)
        elif word == "auto32":
            words += [extra32] if extra32 else []
        else:
            words.append(word)
    return " ".join(words)


@dataclass
class Wheels:
    targets: set[str] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)
    tested: bool = False


def cibuildwheel_config(project: Path, plat: str, key: str) -> object:
    tool = load_toml(project / "pyproject.toml").get("tool", {}).get("cibuildwheel", {})
    return tool.get(plat, {}).get(key, tool.get(key))


def wheel_targets(project: Path, flows: dict[str, dict[str, Any]]) -> Wheels:
    wheels = Wheels()
    for flow in flows.values():
        for job in (flow.get("jobs") or {}).values():
            steps = job.get("steps") or []
            for combo in matrix_combos(job):
                runner = substitute(str(job.get("runs-on", "")), combo)
                for step in steps:
                    uses = str(step.get("uses", ""))
                    if uses.startswith("pypa/cibuildwheel@") or runs_cibuildwheel(step):
                        env = {
                            k: substitute(str(v), combo) for k, v in (step.get("env") or {}).items()
                        }
                        cibuildwheel_job(project, runner, env, wheels)
                    elif uses.startswith("PyO3/maturin-action@"):
                        with_ = {
                            k: substitute(str(v), combo)
                            for k, v in (step.get("with") or {}).items()
                        }
                        if with_.get("command", "build") == "build":
                            flavour = with_.get("manylinux", "")
                            flavour = "musllinux" if "musl" in flavour else flavour and "manylinux"
                            plat, native = runner_platform(runner)
                            target = with_.get("target", native)
                            wheels.targets.add(f"{plat}-{flavour + '-' if flavour else ''}{target}")
    return wheels


def runs_cibuildwheel(step: dict[str, Any]) -> bool:
    """A `run:` step that builds with cibuildwheel (not one that only installs or queries it)."""
    for line in str(step.get("run", "")).splitlines():
        command = re.sub(r"^\s*(python3? -m |pipx run |uvx |uv tool run )", "", line)
        if re.match(r"cibuildwheel(==\S+)?(\s|$)", command) and "--print-" not in command:
            return True
    return False


def cibuildwheel_job(project: Path, runner: str, env: dict[str, str], wheels: Wheels) -> None:
    plat, native = runner_platform(runner)
    archs = env.pop("CIBW_ARCHS", "") or cibuildwheel_config(project, plat, "archs") or "auto"
    if isinstance(archs, list):
        archs = " ".join(archs)
    archs = auto_archs(plat, native, str(archs))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIBW_")}
    done = run(
        "cibuildwheel",
        "--print-build-identifiers",
        "--platform",
        plat,
        "--archs",
        archs,
        cwd=project,
        env={**clean, **env},
    )
    for identifier in done.stdout.split():
        wheels.identifiers.add(identifier)
        wheels.targets.add(identifier.split("-", 1)[1])
    test = cibuildwheel_config(project, plat, "test-command") or env.get("CIBW_TEST_COMMAND")
    wheels.tested = wheels.tested or bool(test)


def wheel_cell(wheels: Wheels, project: Path) -> str:
    if not wheels.targets:
        return "none (no wheel workflow)"
    cell = f"{len(wheels.targets)}"
    if wheels.identifiers:
        free = sum(bool(re.match(r"cp3\d+t-", i)) for i in wheels.identifiers)
        cell += f" ({len(wheels.identifiers)} cibuildwheel identifiers, {free} free-threaded)"
    else:
        cell += " (maturin-action targets, --find-interpreter)"
    tool = load_toml(project / "pyproject.toml").get("tool", {}).get("cibuildwheel", {})
    extras = set(tool.get("test-extras", []))
    declared = set(
        load_toml(project / "pyproject.toml").get("project", {}).get("optional-dependencies", {})
    )
    if wheels.identifiers and extras - declared:
        # cibuildwheel installs `wheel[extra]`: a missing extra installs nothing (no pytest).
        cell += f"; test-extras {sorted(extras - declared)} is no extra of the project"
    elif not wheels.tested:
        cell += "; wheels not tested"
    return cell


def project_files(project: Path, pattern: str) -> Iterator[Path]:
    skip = {".git", ".nox", ".venv", "target", "node_modules"}
    for path in project.rglob(pattern):
        if not skip & set(path.relative_to(project).parts):
            yield path


def stubs(project: Path) -> str:
    pyi = list(project_files(project, "*.pyi"))
    if not pyi:
        return "none"
    places = ["noxfile.py", ".pre-commit-config.yaml", "pyproject.toml"]
    texts = [(project / p).read_text() for p in places if (project / p).is_file()]
    texts += [p.read_text() for p in project_files(project, "*.yml")]
    checked = [tool for tool in ("stubtest", "generate-stubs") if any(tool in t for t in texts)]
    how = " + ".join(checked) if checked else "not checked"
    return f"{len(pyi)} .pyi, {how}"


def tests_out_of_the_box(project: Path, work: Path, target_dir: Path) -> str:
    tests = list(project_files(project, "test_*.py"))
    if not tests:
        return "no tests"
    venv = work / f"venv-{project.parent.name}"
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env["CARGO_TARGET_DIR"] = str(target_dir)
    run("uv", "venv", "--quiet", "--python", sys.executable, venv, env=env)
    python = venv / "bin" / "python"
    groups = load_toml(project / "pyproject.toml").get("dependency-groups", {})
    extra = ["--group", "test"] if "test" in groups else ["pytest"]
    done = run(
        "uv",
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        ".",
        *extra,
        cwd=project,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        return f"build failed: {done.stderr.strip().splitlines()[-1][:80]}"
    report = work / f"junit-{project.parent.name}.xml"
    # The tests from a neutral folder by path, so the installed package is what they import.
    run(
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={report}",
        project / "tests",
        cwd=work,
        env=env,
        check=False,
    )
    if not report.is_file():
        return "pytest did not run"
    suite = ET.parse(report).getroot()  # noqa: S314  (our own pytest run's report)
    if suite.tag == "testsuites":
        (suite,) = suite
    total, failed, errors, skipped = (
        int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")
    )
    passed = total - failed - errors - skipped
    cell = f"{passed} passed"
    if failed or errors:
        cell += f", {failed + errors} failed"
    return cell


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def generation_time(anchor: Anchor, work: Path) -> str:
    """Median wall time, and the CPU time of the commands (what a busy machine inflates less)."""
    walls, cpus = [], []
    for attempt in range(REPEATS):
        parent = work / f"time-{anchor.key}-{attempt}"
        parent.mkdir()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        anchor.generate(parent)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        shutil.rmtree(parent)
    return f"{seconds(statistics.median(walls))} ({seconds(statistics.median(cpus))} CPU)"


def pyo3_gil_used_default(project: Path) -> bool | None:
    """PyO3's own default for `#[pymodule]`'s gil_used, read from the macro's source in the
    version this project locks (`cargo fetch` downloads it)."""
    run("cargo", "fetch", "--quiet", cwd=project)
    metadata = json.loads(
        run("cargo", "metadata", "--format-version", "1", "--quiet", cwd=project).stdout
    )
    for package in metadata["packages"]:
        if package["name"] == "pyo3-macros-backend":
            source = Path(package["manifest_path"]).parent / "src" / "module.rs"
            text = source.read_text()
            if "gil_used.map_or(true" in text:
                return True
            if "gil_used.is_some_and(" in text:
                return False
    return None


def abi(project: Path, features: list[str], wheels: Wheels) -> str:
    abi3 = [f for f in features if f.startswith("abi3")]
    rust = " ".join(p.read_text() for p in project_files(project, "*.rs"))
    declared = re.search(r"gil_used\s*=\s*(true|false)", rust)
    if declared:
        module = f"module declares gil_used = {declared.group(1)}"
    else:
        default = pyo3_gil_used_default(project)
        module = {
            True: "GIL re-enabled on import (PyO3 default gil_used = true)",
            False: "module free-threaded by PyO3 default",
            None: "gil_used: PyO3 default",
        }[default]
    free_wheels = sorted({i.split("-")[0] for i in wheels.identifiers if re.match(r"cp3\d+t-", i)})
    wheels_part = (
        f"wheels for {'/'.join(free_wheels)}" if free_wheels else "no free-threaded wheels"
    )
    return "; ".join([", ".join(abi3) if abi3 else "no abi3", module, wheels_part])


# Actions whose only job is a cache; each is named by its repo (and sub-action) in the cell.
_CACHE_ACTIONS = ("Swatinem/rust-cache@", "actions/cache@", "actions/cache/restore@")


def tag_runs(*conditions: object) -> str:
    """What the conditions of a step (its job's `if:`, its own, maturin-action's `sccache:`)
    say about tag runs, the ones that publish: " (off on tags)", " (on tags only)" or ""."""
    for condition in conditions:
        text = re.sub(r"\s+", "", str(condition or "")).removeprefix("${{").removesuffix("}}")
        if re.search(r"!startsWith\(github\.ref,'refs/tags/?'\)|github\.ref_type!='tag'", text) or (
            re.search(r"github\.ref=='refs/heads/", text)
        ):
            return " (off on tags)"
        if re.search(
            r"(?<!!)startsWith\(github\.ref,'refs/tags/?'\)|github\.ref_type=='tag'", text
        ):
            return " (on tags only)"
    return ""


def caching(project: Path, flows: dict[str, dict[str, Any]]) -> str:
    """The build caches each workflow sets up, read the same way for every anchor: Rust's
    (sccache, rust-cache, actions/cache) and uv's, with the workflow's file name, and "off on
    tags" or "on tags only" where the conditions of the step or its job say so."""
    found: set[str] = set()
    for name, flow in flows.items():
        for job in (flow.get("jobs") or {}).values():
            for step in job.get("steps") or []:
                uses, with_ = str(step.get("uses", "")), step.get("with") or {}
                text = json.dumps(step)
                off = tag_runs(job.get("if"), step.get("if"))
                if uses.startswith("PyO3/maturin-action@") and with_.get("sccache"):
                    tags = tag_runs(job.get("if"), step.get("if"), with_["sccache"])
                    found.add(f"sccache in maturin-action in {name}{tags}")
                elif "sccache" in text:
                    where = "cibuildwheel" if "cibuildwheel" in text else "a step"
                    found.add(f"sccache in {where} in {name}{off}")
                if uses.startswith(_CACHE_ACTIONS):
                    found.add(f"{uses.split('@', 1)[0]} in {name}{off}")
                # setup-uv caches by default on GitHub-hosted runners.
                if uses.startswith("astral-sh/setup-uv@") and (
                    str(with_.get("enable-cache", "auto")).lower() != "false"
                ):
                    found.add(f"setup-uv cache in {name}{off}")
    cibuildwheel = load_toml(project / "pyproject.toml").get("tool", {}).get("cibuildwheel", {})
    if "sccache" in json.dumps(cibuildwheel):
        found.add("sccache in [tool.cibuildwheel]")
    return ", ".join(sorted(found)) if found else "none"


def release_trigger(flows: dict[str, dict[str, Any]]) -> str:
    publishers = ("pypa/gh-action-pypi-publish@", "uv publish", "maturin upload", "twine upload")
    for flow in flows.values():
        for job in (flow.get("jobs") or {}).values():
            text = json.dumps(job)
            if not any(p in text for p in publishers):
                continue
            condition = str(job.get("if", ""))
            when = []
            if "refs/tags/v" in condition:
                when.append("push of a `v*` tag")
            elif "refs/tags/" in condition:
                when.append("push of any tag")
            if "release" in condition:
                when.append("a published GitHub release")
            if "workflow_dispatch" in condition:
                when.append("a manual run")
            token = "secrets." in text
            trusted = "id-token" in json.dumps(job.get("permissions", {}))
            auth = "API token secret" if token else "trusted publishing" if trusted else "?"
            return f"{' or '.join(when) or condition or 'every run'}; {auth}"
    return "no release workflow"


# --- the table ------------------------------------------------------------------------------


DETAILS = "sp-repo-review checks failed"  # printed under the table, too long for a cell
EVERY_PLATFORM = "wheel targets in CI, every platform option on"
ROWS = (
    "PyO3 pinned",
    "requires-python",
    "zizmor findings (`--offline --no-config`)",
    "sp-repo-review failed / passed",
    "pyo3-scaffold doctor PS checks failed",
    "wheel targets in CI",
    EVERY_PLATFORM,
    "abi3 / free-threading",
    "stubs",
    "tests out of the box (`pip install .` + `pytest`)",
    f"time to generate (median of {REPEATS})",
    "build caching in CI",
    "release trigger",
)


def measure(anchor: Anchor, work: Path, target_dir: Path) -> dict[str, str]:
    parent = work / anchor.key
    parent.mkdir()
    project = anchor.generate(parent)
    log(f"{anchor.title}: generated; measuring")
    pin, features = pyo3_pin(project)
    flows = workflows(project)
    wheels = wheel_targets(project, flows)
    review, ps, failed = repo_review(project, work)
    cells = {
        "PyO3 pinned": pin,
        "requires-python": str(
            load_toml(project / "pyproject.toml").get("project", {}).get("requires-python", "unset")
        ),
        "zizmor findings (`--offline --no-config`)": zizmor_findings(project),
        "sp-repo-review failed / passed": review,
        "pyo3-scaffold doctor PS checks failed": ps,
        "wheel targets in CI": wheel_cell(wheels, project),
        "abi3 / free-threading": abi(project, features, wheels),
        "stubs": stubs(project),
        "build caching in CI": caching(project, flows) if flows else "no workflows",
        "release trigger": release_trigger(flows) if flows else "no workflows",
        DETAILS: ", ".join(failed) or "none",
    }
    if anchor.every_platform is None:
        cells[EVERY_PLATFORM] = "no platform option"
    else:
        (work / f"{anchor.key}-every").mkdir()
        every = anchor.every_platform(work / f"{anchor.key}-every")
        cells[EVERY_PLATFORM] = wheel_cell(wheel_targets(every, workflows(every)), every)
    log(f"{anchor.title}: building and testing")
    cells["tests out of the box (`pip install .` + `pytest`)"] = tests_out_of_the_box(
        project, work, target_dir
    )
    log(f"{anchor.title}: timing {REPEATS} generations")
    cells[f"time to generate (median of {REPEATS})"] = generation_time(anchor, work)
    return cells


def versions() -> str:
    def version(command: str) -> str:
        lines = run(command, "--version").stdout.strip().splitlines()
        return lines[0].split(" (")[0] if lines else f"{command} ?"

    dists = ("copier", "sp-repo-review", "repo-review", "cibuildwheel", "pyo3-scaffold")
    found = [f"{d} {importlib.metadata.version(d)}" for d in dists]
    return ", ".join([version("maturin"), version("uv"), version("zizmor"), *found])


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    model = platform.processor() or platform.machine()
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = found.group(1).strip() if found else model
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (
        f"{model}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.machine()}, "
        f"CPython {platform.python_version()}{load}"
    )


def table(columns: dict[str, dict[str, str]]) -> str:
    lines = ["| | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for row in ROWS:
        cells = [column[row].replace("|", "\\|") for column in columns.values()]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    lines.append(f"\n{DETAILS}:\n")
    lines += [f"- {title}: {column[DETAILS]}" for title, column in columns.items()]
    return "\n".join(lines)


MARKER = "<!-- anchors -->"
PAGES = ("README.md", "docs/comparison.md")


def write_between_markers(page: Path, output: str) -> None:
    """Replace the text between `<!-- anchors -->` and `<!-- /anchors -->` in a page."""
    text = page.read_text()
    end = MARKER.replace("<!-- ", "<!-- /")
    pattern = re.compile(rf"(?<={re.escape(MARKER)}\n).*?(?={re.escape(end)})", re.DOTALL)
    if not pattern.search(text):
        sys.exit(f"{page}: no {MARKER} ... {end} block to fill")
    page.write_text(pattern.sub(lambda _: output, text, count=1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--write",
        action="store_true",
        help=f"also put the output between the {MARKER} markers of {', '.join(PAGES)}",
    )
    parser.add_argument(
        "--cookie",
        type=Path,
        default=COOKIE_MIRROR,
        help="a git repository of scientific-python/cookie (cloned, not changed)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target" / "anchors")
    with tempfile.TemporaryDirectory(prefix="pyo3-anchors-") as tmp:
        work = Path(tmp)
        cookie = work / "cookie-src"
        run("git", "clone", "--quiet", args.cookie, cookie)
        commit = run("git", "log", "-1", "--format=%h %cs", cwd=cookie).stdout.strip()
        anchors = (
            Anchor(
                "maturin",
                "`maturin new` + `generate-ci github`",
                gen_maturin,
                gen_maturin_every_platform,
            ),
            Anchor("cookie", "scientific-python/cookie (maturin)", gen_cookie(cookie)),
            Anchor("uv", "`uv init --build-backend maturin --lib`", gen_uv),
            Anchor("ours", "`pyo3-scaffold new`", gen_ours, gen_ours_every_platform),
        )
        columns = {a.title: measure(a, work, target_dir.absolute()) for a in anchors}
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    output = (
        f"Measured {today} by `benchmarks/compare_anchors.py` (`nox -s anchors`).\n"
        f"Machine: {machine()}.\n"
        f"Tools: {versions()}; cookie at {commit}.\n\n{table(columns)}\n"
    )
    print(output, end="")
    if args.write:
        for page in PAGES:
            write_between_markers(ROOT / page, output)
            log(f"wrote {page}")
    log(f"whole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
