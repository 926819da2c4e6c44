"""`migrate` on three real-looking packages: migrate, build with maturin, run their own tests
unchanged, run the generated differential tests, and time the Rust path with the benchmark.

Layouts covered: flat + setuptools (with comments and extra tables), src + hatchling (dynamic
version), flat + hatchling. Every build shares the session's cargo target dir.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomlkit
from conftest import run
from helpers import commit_all

from scaffold import doctor, migrate

pytestmark = pytest.mark.slow

TEXTKIT_PYPROJECT = """\
# textkit: the comments and extra tables here must survive the migration.
[build-system]
requires = ["setuptools>=68"]  # the old backend
build-backend = "setuptools.build_meta"

[project]
name = "textkit"
version = "1.2.0"  # bumped by hand
description = "Text distances"
requires-python = ">=3.10"
dependencies = []
classifiers = ["Programming Language :: Python :: 3"]

[tool.setuptools]
packages = ["textkit"]

# Lint settings the migration must not touch.
[tool.ruff]
line-length = 99

[tool.mypy]
strict = true
"""

TEXTKIT_MODULE = '''\
"""Slow string distances."""

from __future__ import annotations


def levenshtein(a: str, b: str) -> int:
    """Edit distance between two strings (insertions, deletions, substitutions)."""
    n, m = len(a), len(b)
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        dp[i][0] = i
    for j in range(m + 1):
        dp[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            dp[i][j] = min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + cost)
    return dp[n][m]


def hamming(a: str, b: str) -> int:
    """Positions where two equally long strings differ."""
    if len(a) != len(b):
        raise ValueError("strings must have the same length")
    count = 0
    for i in range(len(a)):
        if a[i] != b[i]:
            count += 1
    return count


def last_chars(s: str, k: int = 3) -> str:
    """The last k characters, then the first and the last (negative indexes and slices)."""
    if not s:
        return s
    out = s[-k:]
    for i in [0, -1]:
        out += s[i]
    return out


def shout(words: list[str]) -> list[str]:
    """str.upper: in Rust for ASCII words, redone in Python for the others."""
    return [w.upper() for w in words]


def distinct(words: list[str]) -> list[str]:
    """Not in the translatable subset (a set in the body): stays a typed skeleton."""
    return sorted(set(words))


def describe(obj: object) -> str:
    return repr(obj)
'''

TEXTKIT_TESTS = """\
import pytest

from textkit import distance
from textkit.distance import hamming, levenshtein


def test_levenshtein():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3


def test_hamming():
    assert hamming("abc", "abd") == 1
    with pytest.raises(ValueError, match="same length"):
        hamming("a", "ab")


def test_others():
    assert distance.last_chars("héllo") == "lloho"
    # By keyword, and an explicit None for the default (Python's TypeError, not k=3).
    assert distance.last_chars(k=2, s="héllo") == "loho"
    with pytest.raises(TypeError):
        distance.last_chars("héllo", None)
    assert distance.shout(["a"]) == ["A"]
    assert distance.describe(1) == "1"
"""

PRIMES_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "primes"
dynamic = ["version"]
description = "Prime numbers, slowly"
requires-python = ">=3.10"
license = "MIT"

[tool.hatch.version]
path = "src/primes/__init__.py"

[tool.hatch.build.targets.wheel]
packages = ["src/primes"]
"""

PRIMES_MODULE = '''\
"""Prime sieves in pure Python."""


def count_primes(n: int) -> int:
    """How many primes are <= n (sieve of Eratosthenes)."""
    if n < 2:
        return 0
    sieve = [True] * (n + 1)
    sieve[0] = False
    sieve[1] = False
    i = 2
    while i * i <= n:
        if sieve[i]:
            for j in range(i * i, n + 1, i):
                sieve[j] = False
        i += 1
    count = 0
    for flag in sieve:
        if flag:
            count += 1
    return count


def primes_upto(n: int) -> list[int]:
    """The primes <= n, by trial division."""
    found = []
    for candidate in range(2, n + 1):
        is_prime = True
        d = 2
        while d * d <= candidate:
            if candidate % d == 0:
                is_prime = False
                break
            d += 1
        if is_prime:
            found.append(candidate)
    return found
'''

PRIMES_TESTS = """\
from primes.sieve import count_primes, primes_upto


def test_count():
    assert count_primes(100) == 25
    assert count_primes(1) == 0


def test_list():
    assert primes_upto(20) == [2, 3, 5, 7, 11, 13, 17, 19]
"""

NUMKIT_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "numkit"
version = "0.3.1"
requires-python = ">=3.10"

[dependency-groups]
test = ["pytest>=8"]
"""

NUMKIT_MODULE = '''\
"""Integer and float helpers whose Python semantics are easy to get wrong in Rust."""

import math

MODULUS = 1_000_003


def digit_sum(n: int, base: int = 10) -> int:
    """Sum of the base-`base` digits of n (floor division and modulo, also for negatives)."""
    if base < 2:
        raise ValueError("base must be at least 2")
    total = 0
    while n != 0 and n != -1:
        total += n % base
        n //= base
    return total


def collatz_steps(n: int) -> int:
    """Steps of the Collatz map to reach 1 (0 for n < 1)."""
    steps = 0
    while n > 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def every_other(xs: list[int], step: int = 2) -> list[int]:
    """Items from the end backwards, with range steps and negative indexes."""
    out = []
    for i in range(-1, -len(xs) - 1, -step):
        out.append(xs[i])
    return out


def power_mod(base: int, exponent: int) -> int:
    """base ** exponent modulo MODULUS, by squaring."""
    result = 1
    base %= MODULUS
    while exponent > 0:
        if exponent & 1:
            result = result * base % MODULUS
        base = base * base % MODULUS
        exponent >>= 1
    return result


def rms(xs: list[float]) -> float:
    """Root mean square (ZeroDivisionError for an empty list)."""
    total = 0.0
    for x in xs:
        total += x * x
    return math.sqrt(total / len(xs))


def scale(xs: list[float], factor: float) -> tuple[float, float] | None:
    if not xs:
        return None
    return (min(xs) * factor, max(xs) * factor)


NEG = -2.5


def init(type: int, py: float) -> float:
    """Names that collide in Rust: a function init, parameters type and py, a local tmp."""
    tmp = abs(NEG) + abs(-0.0)
    tmp += py
    if 0 < type < 10 < type * 2:
        tmp += 1.0
    return tmp


def advance(type: int, by: int = 1) -> int:
    """A parameter named like a Rust keyword in the wrapper's own signature (r#type)."""
    return type + by


def pop_chain(n: int) -> int:
    """A chained comparison whose middle operand has a side effect: evaluated once."""
    xs = [n, n + 1, n + 2]
    if 0 < xs.pop() < 100:
        return len(xs)
    return -1


def shift(x: float) -> float:
    """Given an int, Python returns an int: the dispatch keeps such calls in Python."""
    return x + 1
'''

NUMKIT_TESTS = """\
import pytest

from numkit.ops import collatz_steps, digit_sum, every_other, power_mod, rms, scale


def test_ints():
    assert digit_sum(1234) == 10
    assert collatz_steps(27) == 111
    assert every_other([1, 2, 3, 4, 5]) == [5, 3, 1]
    assert power_mod(2, 10) == 1024


def test_floats():
    assert rms([3.0, 4.0]) == pytest.approx(3.5355339059327378)
    assert scale([], 2.0) is None
    assert scale([1.0, -2.0], 2.0) == (-4.0, 2.0)
    with pytest.raises(ZeroDivisionError):
        rms([])
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _venv(path: Path) -> Path:
    run("uv", "venv", "--quiet", "--python", sys.executable, path)
    python = path / "bin" / "python"
    run("uv", "pip", "install", "--quiet", "--python", python, "pytest", "hypothesis")
    return python


def _develop(project: Path, venv: Path, env: dict[str, str], *, release: bool = False) -> None:
    """Build the extension into the project in place (editable), as a developer would."""
    args = ["maturin", "develop", "--uv", "--quiet", *(["--release"] if release else [])]
    run(*args, cwd=project, env={**env, "VIRTUAL_ENV": str(venv)})


def _pytest(python: Path, project: Path, *args: str, env: dict[str, str] | None = None) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    out = run(
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *args,
        cwd=project,
        env={**clean, **(env or {})},
    )
    # run() already failed the test on a non-zero exit; also insist tests ran and none errored.
    assert re.search(r"\d+ passed", out.stdout), out.stdout
    assert " error" not in out.stdout, out.stdout
    return out.stdout


def _migrate_and_build(
    tmp_path: Path,
    name: str,
    files: dict[str, str],
    module: str,
    build_env: dict[str, str],
    *,
    ci: bool = False,
) -> tuple[Path, Path, migrate.MigrateResult]:
    project = tmp_path / name
    _write(project, files)
    commit_all(project)
    originals = {rel: (project / rel).read_bytes() for rel in files if rel.startswith("tests/")}
    # These projects build with maturin (setuptools ones would get setuptools-rust by default).
    options = migrate.MigrateOptions(module=project / module, ci=ci, backend="maturin")
    result = migrate.run(options)
    # The original tests are untouched: they run unchanged below.
    assert {rel: (project / rel).read_bytes() for rel in originals} == originals
    python = _venv(tmp_path / f"{name}-venv")
    _develop(project, python.parent.parent, build_env)
    return project, python, result


def _statuses(result: migrate.MigrateResult) -> dict[str, str]:
    return {f.name: f.status for f in result.functions}


def test_flat_setuptools_with_comments(tmp_path: Path, build_env: dict[str, str]) -> None:
    files = {
        "pyproject.toml": TEXTKIT_PYPROJECT,
        "textkit/__init__.py": '"""Text tools."""\n',
        "textkit/distance.py": TEXTKIT_MODULE,
        "tests/test_distance.py": TEXTKIT_TESTS,
    }
    project, python, result = _migrate_and_build(
        tmp_path, "textkit", files, "textkit/distance.py", build_env, ci=True
    )
    assert _statuses(result) == {
        "levenshtein": "rust",
        "hamming": "rust",
        "last_chars": "rust",
        "shout": "rust",
        "distinct": "skeleton",
        "describe": "skipped",
    }
    # Style-preserving: every original line of pyproject.toml but the backend's (and the
    # version's, which moved to Cargo.toml) is still there.
    migrated = (project / "pyproject.toml").read_text()
    kept = [
        line
        for line in TEXTKIT_PYPROJECT.splitlines()
        if "setuptools>=68" not in line
        and "setuptools.build_meta" not in line
        and not line.startswith("version =")
    ]
    assert 'version = "1.2.0"' in (project / "Cargo.toml").read_text()
    assert all(line in migrated.splitlines() for line in kept)
    assert tomlkit.parse(migrated)["tool"]["maturin"]["module-name"] == "textkit._distance_rs"

    # The package imports the Rust versions of the translated functions only.
    probe = (
        "import textkit.distance as d; "
        "print(type(d.levenshtein).__name__, type(d.distinct).__name__, type(d.describe).__name__)"
    )
    out = run(python, "-c", probe, cwd=tmp_path).stdout.split()
    assert out == ["builtin_function_or_method", "function", "function"]
    pure = run(
        python, "-c", probe, cwd=tmp_path, env={**os.environ, "TEXTKIT_PURE_PYTHON": "1"}
    ).stdout.split()
    assert pure == ["function", "function", "function"]

    # The original suite, unchanged, on the Rust path and on the pure-Python path.
    assert "3 passed" in _pytest(python, project, "tests/test_distance.py")
    assert "3 passed" in _pytest(
        python, project, "tests/test_distance.py", env={"TEXTKIT_PURE_PYTHON": "1"}
    )
    differential = _pytest(python, project, "-rs", "tests/test_distance_rust.py")
    assert "failed" not in differential
    assert "distinct is still a Rust skeleton" in differential

    # Step 6 went through `pyo3-scaffold ci`: the nox sessions, bench included, and wheels.
    assert any(note.startswith("CI added") for note in result.notes), result.notes
    assert (project / ".github" / "workflows" / "wheels.yml").is_file()
    sessions = run(sys.executable, "-m", "nox", "-l", cwd=project).stdout
    assert re.search(r"^\S\s+bench\b", sessions, re.MULTILINE), sessions


def test_src_hatchling_dynamic_version_and_bench(tmp_path: Path, build_env: dict[str, str]) -> None:
    files = {
        "pyproject.toml": PRIMES_PYPROJECT,
        "src/primes/__init__.py": '"""Primes."""\n\n__version__ = "2.0.1"\n',
        "src/primes/sieve.py": PRIMES_MODULE,
        "tests/test_sieve.py": PRIMES_TESTS,
    }
    project, python, result = _migrate_and_build(
        tmp_path, "primes", files, "src/primes/sieve.py", build_env
    )
    assert _statuses(result) == {"count_primes": "rust", "primes_upto": "rust"}
    document = tomlkit.parse((project / "pyproject.toml").read_text())
    # One version, in Cargo.toml (maturin fills in the wheel's).
    assert "version" not in document["project"]
    assert list(document["project"]["dynamic"]) == ["version"]
    assert tomlkit.parse((project / "Cargo.toml").read_text())["package"]["version"] == "2.0.1"
    assert (
        run(
            python, "-c", "import importlib.metadata as m; print(m.version('primes'))"
        ).stdout.strip()
        == "2.0.1"
    )
    assert document["tool"]["maturin"]["python-source"] == "src"
    assert any("Cargo.toml only" in note for note in result.notes)

    assert "2 passed" in _pytest(python, project, "tests/test_sieve.py")
    differential = _pytest(python, project, "tests/test_sieve_rust.py")
    assert "passed" in differential
    assert "failed" not in differential
    assert "skipped" not in differential

    # The benchmark, on a release build: the Rust sieve must not be slower than Python's.
    _develop(project, python.parent.parent, build_env, release=True)
    bench = run(python, "benchmarks/bench_sieve.py", cwd=project).stdout
    print(bench)  # shown with pytest -s: the measured speed-ups
    speedups = dict(
        re.findall(r"^(\w+)\s+\d+\s+\d+\s+[\d.]+ ms\s+[\d.]+ ms\s+([\d.]+)x$", bench, re.MULTILINE)
    )
    assert set(speedups) == {"count_primes", "primes_upto"}, bench
    assert float(speedups["count_primes"]) > 1.0, bench


def test_flat_hatchling_numeric_semantics(tmp_path: Path, build_env: dict[str, str]) -> None:
    files = {
        "pyproject.toml": NUMKIT_PYPROJECT,
        "numkit/__init__.py": "",
        "numkit/ops.py": NUMKIT_MODULE,
        "tests/test_ops.py": NUMKIT_TESTS,
    }
    project, python, result = _migrate_and_build(
        tmp_path, "numkit", files, "numkit/ops.py", build_env
    )
    statuses = _statuses(result)
    assert statuses == dict.fromkeys(statuses, "rust"), result.functions
    document = tomlkit.parse((project / "pyproject.toml").read_text())
    assert list(document["dependency-groups"]["test"]) == ["pytest>=8", "hypothesis>=6"]
    assert "2 passed" in _pytest(python, project, "tests/test_ops.py")
    # What migrate wrote passes doctor's version and stub checks.
    report = {r.id: r for r in doctor.run(doctor.DoctorOptions(path=project)).results}
    assert report["PS004"].ok, report["PS004"]
    assert report["PS007"].ok, report["PS007"]
    differential = _pytest(python, project, "tests/test_ops_rust.py")
    assert "failed" not in differential
    assert "skipped" not in differential
    # Python semantics the translation must keep, checked directly on the extension.
    checks = textwrap.dedent(
        """
        from numkit import _ops_rs as r
        from numkit.ops import _PYTHON_REFERENCE as python
        import numkit.ops as ops
        assert r.digit_sum(-1234) == python["digit_sum"](-1234) == 27
        assert r.init(6, 0.5) == 4.0 and r.init(3, 0.5) == 3.0
        assert r.advance(type=4, by=2) == 6 and r.advance(4) == 5 and ops.advance is r.advance
        assert r.pop_chain(5) == 2 and r.pop_chain(-5) == -1
        assert type(ops.shift(3)) is int and ops.shift(3) == 4
        assert ops.shift(2**60) == 2**60 + 1
        assert type(ops.shift(3.0)) is float
        assert r.every_other([1, 2, 3, 4, 5, 6, 7], 3) == [7, 4, 1]
        try:
            r.power_mod(2**62, 2)
        except OverflowError:
            raise SystemExit("power_mod reduces first: no overflow expected")
        # Beyond i64: the extension hands the call to the Python version, same result.
        assert r.collatz_steps(2**63) == python["collatz_steps"](2**63) == 63
        print("ok")
        """
    )
    assert run(python, "-c", checks, cwd=tmp_path).stdout.strip() == "ok"


def test_refuses_a_dirty_tree(tmp_path: Path) -> None:
    project = tmp_path / "dirty"
    _write(
        project,
        {
            "pyproject.toml": NUMKIT_PYPROJECT,
            "numkit/__init__.py": "",
            "numkit/ops.py": NUMKIT_MODULE,
        },
    )
    commit_all(project)
    (project / "notes.txt").write_text("work in progress\n")
    done = subprocess.run(
        [sys.executable, "-m", "scaffold", "migrate", str(project / "numkit/ops.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert "uncommitted" in done.stderr
    assert not (project / "Cargo.toml").exists()
