"""`migrate --profile`: the workload really runs (in a subprocess, in a copy of the project),
its ranking and the types of the real calls come back, and migrate uses them.

The projects here are small real packages with unannotated functions and a tests/ folder; the
profiling subprocess is the real one (pytest under cProfile, then under the type hook).
"""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold import migrate
from scaffold.cli import cli
from scaffold.migrate import _sitecustomize, observe, profile
from scaffold.migrate_types import Observed, PyType

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "slowpkg"
version = "0.1.0"
requires-python = ">=3.9"
"""

MODULE = '''\
"""Unannotated functions, as real code often is."""


def work(n):
    """Heavy enough to be worth moving: a loop of n steps."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def scale(x, k):
    """Horner's rule over 300 coefficients: a float loop."""
    r = 0.0
    for _ in range(300):
        r = r * x + k
    return r


def inc(x):
    return x + 1


def mixed(x):
    return x


def never(x):
    return x
'''

TESTS = """\
from slowpkg.slow import inc, mixed, scale, work


def test_work():
    assert work(200000) == sum(i * i % 7 for i in range(200000))


def test_scale():
    for i in range(50):
        assert scale(0.5, float(i)) < 2 * i + 1


def test_inc():
    for i in range(20000):
        assert inc(i) == i + 1


def test_mixed():
    assert mixed(1) == 1
    assert mixed(1.5) == 1.5


def test_writes_a_file():
    # A test with a side effect: the profile runs in a copy, so the project never sees it.
    with open("side-effect.txt", "w") as handle:
        handle.write("x")
"""


def _git(root: Path, *args: str) -> str:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    done = subprocess.run([*git, *args], cwd=root, check=True, capture_output=True, text=True)
    return done.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "slowpkg"
    (root / "slowpkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "slowpkg" / "__init__.py").write_text("")
    (root / "slowpkg" / "slow.py").write_text(MODULE)
    (root / "tests" / "test_slow.py").write_text(TESTS)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    return root


def _dry_run(root: Path, **options: Any) -> migrate.MigrateResult:
    """`migrate --dry-run` of the project's module, profiled (its tests, or `workload=`)."""
    return migrate.run(
        migrate.MigrateOptions(
            module=root / "slowpkg" / "slow.py", dry_run=True, ci=False, profile=True, **options
        )
    )


def _profile(root: Path, **kwargs: Any) -> profile.Profile:
    return profile.run(
        root=root, module_path=root / "slowpkg" / "slow.py", source_dirs=[root], **kwargs
    )


def test_the_test_suite_is_profiled_and_typed(project: Path) -> None:
    measured = _profile(project)
    assert measured.returncode == 0, measured.summary
    assert "5 passed" in measured.summary
    calls = {t.name: t.calls for t in measured.timings if t.top_level}
    assert calls == {"work": 1, "scale": 50, "inc": 20000, "mixed": 2}
    # work's 200000-step loop is by far the most own time, per call and in total.
    assert measured.timings[0].name == "work"
    assert measured.timing("work").per_call_ns > 100_000  # type: ignore[union-attr]
    assert measured.never_called() == ["never"]
    # `x + 1` does far less work per call than the loop. Whether it is under the threshold is
    # timed on a shared machine: the verdict must follow the measurement (the threshold
    # itself: test_the_verdict_follows_the_threshold).
    inc = measured.timing("inc")
    assert inc is not None
    assert inc.per_call_ns < measured.timing("work").per_call_ns / 100  # type: ignore[union-attr]
    assert bool(measured.not_worth("inc")) == (inc.per_call_ns < measured.worth_ns)
    assert not measured.not_worth("work")
    assert measured.floor_ns > 0  # the profiler's own cost was measured and removed

    seen = measured.observed
    assert set(seen) == {"work", "scale", "inc", "mixed"}
    assert seen["scale"].signature() == "scale(x: float, k: float) -> float"
    assert seen["scale"].typed == 50
    assert seen["inc"].signature() == "inc(x: int) -> int"
    assert seen["mixed"].signature() == "mixed(x: ?) -> ?"
    assert seen["mixed"].disagreed == {"x": "float and int"}
    # The tests' side effect happened in the temporary copy, not here.
    assert not (project / "side-effect.txt").exists()
    assert _git(project, "status", "--porcelain", "--untracked-files=all") == ""


def test_migrate_uses_agreed_types_and_leaves_the_cheap_and_the_unknown(project: Path) -> None:
    result = _dry_run(project)
    status = {f.name: (f.status, f.reason) for f in result.functions}
    assert status["work"] == ("rust", "")
    assert status["scale"][0] == "rust"
    text = "\n".join(result.profile)
    cheap = "Not worth moving" in text and "inc (" in text
    assert status["inc"][0] == ("skipped" if cheap else "rust")
    assert ("not worth moving" in status["inc"][1]) == cheap
    assert status["mixed"][0] == "skipped"
    assert "float and int" in status["mixed"][1]
    assert status["never"][0] == "skipped"
    assert "never called" in status["never"][1]
    # The Rust signatures come from the observed types.
    assert "pub fn scale(x: f64, k: f64) -> PyResult<f64>" in result.diff
    assert "pub fn work(n: i64) -> PyResult<i64>" in result.diff
    assert "Types observed from 50 calls: scale(x: float, k: float) -> float" in text
    assert "Never called by the workload: never" in text
    assert _git(project, "status", "--porcelain", "--untracked-files=all") == ""


def _measured(per_call_ns: dict[str, float], floor_ns: float = 45.0) -> profile.Profile:
    timings = tuple(
        profile.Timing(name, top_level=True, calls=1000, own=ns * 1e-6, cumulative=ns * 1e-6)
        for name, ns in per_call_ns.items()
    )
    return profile.Profile(
        command="pytest",
        python=sys.executable,
        returncode=0,
        summary="ok",
        seconds=1.0,
        total=1.0,
        floor_ns=floor_ns,
        cpu_share=1.0,
        timings=timings,
        observed={},
        top_level=(*per_call_ns, "never"),
    )


def test_the_verdict_follows_the_threshold() -> None:
    measured = _measured({"cheap": 60.0, "edge": 199.0, "dear": 900.0})
    assert measured.worth_ns == profile.WORTH_NS
    assert "not worth moving: 60 ns" in measured.not_worth("cheap")
    assert measured.not_worth("edge")
    assert not measured.not_worth("dear")
    assert not measured.not_worth("never")  # not measured: nothing said
    assert measured.never_called() == ["never"]
    text = "\n".join(profile.describe(measured))
    assert "Not worth moving (own time per call below ~200 ns" in text
    assert "cheap (60 ns), edge (199 ns)" in text
    # A loaded (or slower) machine: the profiler's floor doubles, so does the threshold.
    slow = _measured({"edge": 300.0}, floor_ns=2 * profile.REFERENCE_FLOOR_NS)
    assert slow.worth_ns == 2 * profile.WORTH_NS
    assert slow.not_worth("edge")


def test_a_caller_of_a_function_whose_ints_outgrow_64_bits_is_not_worth_moving() -> None:
    # base58's b58encode(bytes) -> bytes: narrow calls, but its helper b58encode_int gets the
    # bytes as one int beyond 64 bits; moving the caller would move that helper with it.
    measured = dataclasses.replace(
        _measured({"encode": 900.0, "encode_int": 900.0, "other": 900.0}),
        observed={
            "encode": Observed("encode", calls=64, typed=64),
            "encode_int": Observed("encode_int", calls=64, typed=64, wide=64),
            "other": Observed("other", calls=64, typed=64, wide=1),
        },
    )
    assert "64 of the 64 calls" in measured.not_worth("encode_int")
    assert not measured.not_worth("encode")
    assert "it calls encode_int, whose observed calls mostly pass or return ints beyond" in (
        measured.not_worth("encode", ["other", "encode_int"])
    )
    assert not measured.not_worth("encode", ["other"])  # 1 of 64 wide: worth trying


def test_named_functions_move_even_when_not_worth_it(project: Path) -> None:
    result = _dry_run(project, functions=("inc",))
    assert [(f.name, f.status) for f in result.functions] == [("inc", "rust")]
    assert "pub fn inc(x: i64) -> PyResult<i64>" in result.diff


def test_cli_shows_the_ranking_and_the_types(project: Path) -> None:
    done = CliRunner().invoke(cli, ["migrate", str(project / "slowpkg/slow.py"), "--dry-run"])
    assert done.exit_code == 0, done.output
    assert "Profiled `python -m pytest -q" in done.output
    assert "Types observed from 50 calls: scale(x: float, k: float) -> float" in done.output
    assert "Never called by the workload: never" in done.output
    lines = [line for line in done.output.splitlines() if line.endswith((" work", " inc"))]
    assert [line.split()[-1] for line in lines] == ["work", "inc"]  # ranked by own time


def test_no_profile_keeps_the_annotations_only(project: Path) -> None:
    done = CliRunner().invoke(
        cli, ["migrate", str(project / "slowpkg/slow.py"), "--dry-run", "--no-profile"]
    )
    assert done.exit_code == 2, done.output  # nothing annotated: nothing to migrate
    assert "nothing to migrate" in done.output
    assert "has no type annotation" in done.output


def test_a_named_workload(project: Path) -> None:
    (project / "bench.py").write_text(
        "from slowpkg.slow import mixed, never\n"
        "for word in ['a', 'bb', 'ccc']:\n"
        "    never(word)\n"
        "print(mixed([1, 2]), mixed([]))\n"
    )
    measured = _profile(project, workload=f"{sys.executable} bench.py")
    assert measured.returncode == 0
    assert measured.summary == "[1, 2] []"
    assert measured.observed["never"].signature() == "never(x: str) -> str"
    # An empty list says nothing about its items; with [1, 2] the calls agree on list[int].
    assert measured.observed["mixed"].signature() == "mixed(x: list[int]) -> list[int]"
    assert "work" in measured.never_called()


def test_calls_with_ints_beyond_64_bits_are_not_worth_moving(project: Path) -> None:
    # Each such call would be checked in the extension, then redone in Python: slower than
    # Python alone (shortuuid's 128-bit UUID ints). Arguments and returns both count.
    (project / "bench.py").write_text(
        "from slowpkg.slow import inc, mixed, work\n"
        "for i in range(300):\n"
        "    inc(2**70 + i)\n"  # argument and return beyond i64
        "    inc(i)\n"
        "    inc(2**63 - 1)\n"  # the argument fits, the return (2**63) does not
        "    mixed([1, -(2**63)])\n"  # fits, in a list
        "    mixed((1, [2**64]))\n"  # does not, nested
        "work(2000)\n"
    )
    result = _dry_run(project, workload=f"{sys.executable} bench.py")
    status = {f.name: (f.status, f.reason) for f in result.functions}
    assert status["inc"] == (
        "skipped",
        (
            "not worth moving: 600 of the 900 calls observed pass or return ints beyond 64 "
            "bits, which the Rust version hands back to Python (it would only add the cost of "
            "trying); name it with --function to move it anyway"
        ),
    )
    assert status["work"] == ("rust", "")  # small ints
    # mixed: half its calls are wide (not most), and its types disagree anyway.
    assert "beyond 64 bits" not in status["mixed"][1]
    text = "\n".join(result.profile)
    assert (
        "most calls pass or return ints beyond 64 bits, which Rust hands back to Python): inc;"
        in text
    )


_i64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_wide_ints = st.one_of(st.integers(min_value=2**63), st.integers(max_value=-(2**63) - 1))


@settings(max_examples=300, deadline=None)
@given(
    fits=st.lists(st.one_of(_i64, st.booleans(), st.floats(), st.text(max_size=3)), max_size=20),
    big=_wide_ints,
    at=st.integers(min_value=0, max_value=15),
    shape=st.sampled_from(["list", "tuple", "set", "dict-key", "dict-value", "nested"]),
)
def test_wide_finds_every_int_outside_i64_in_what_describe_reads(
    fits: list[object], big: int, at: int, shape: str
) -> None:
    wide = _sitecustomize.wide
    for fitting in (fits, tuple(fits), dict.fromkeys(range(3), fits), *fits):
        assert not wide(fitting)
    assert wide(big)
    items = [*fits[:at], big, *fits[at:]][:16]  # within the 16 items describe looks at
    holders: dict[str, object] = {
        "list": items,
        "tuple": tuple(items),
        "set": {big, 1},
        "dict-key": {big: 1},
        "dict-value": {"k": items},
        "nested": [(1, [items])],
    }
    assert wide(holders[shape])


def test_a_workload_that_cannot_start_is_one_line(project: Path) -> None:
    done = CliRunner().invoke(
        cli,
        [
            "migrate",
            str(project / "slowpkg/slow.py"),
            "--dry-run",
            "--workload",
            "no-such-program-here --fast",
        ],
    )
    assert done.exit_code == 2
    assert "the workload 'no-such-program-here --fast' could not start" in done.output


def test_a_workload_that_runs_too_long_is_stopped_and_keeps_what_it_saw(project: Path) -> None:
    script = "import time; from slowpkg.slow import inc; inc(1); inc(2); time.sleep(120)"
    measured = _profile(project, workload=f"{sys.executable} -c '{script}'", timeout=3)
    assert measured.returncode is None
    assert "stopped after 3 s" in profile.describe(measured)[0]
    assert measured.observed["inc"].signature() == "inc(x: int) -> int"
    assert measured.timing("inc").calls == 2  # type: ignore[union-attr]


def test_tests_beside_the_package_in_src_count_as_a_suite(tmp_path: Path) -> None:
    for folder in ("tests", "test", "src/test", "src/tests", "src/pkg/tests"):
        root = tmp_path / folder.replace("/", "-")
        (root / folder).mkdir(parents=True)
        assert profile.default_workload(root), folder
    bare = tmp_path / "bare"
    (bare / "src" / "pkg").mkdir(parents=True)
    (bare / "src" / "pkg" / "mod.py").write_text("")
    assert not profile.default_workload(bare)


def test_a_project_without_tests_says_so(project: Path) -> None:
    _git(project, "rm", "-q", "-r", "tests")
    _git(project, "commit", "-q", "-m", "no tests")
    done = CliRunner().invoke(cli, ["migrate", str(project / "slowpkg/slow.py"), "--dry-run"])
    assert done.exit_code == 2  # nothing annotated, and nothing ran to observe types
    assert "Not profiled: no test suite found" in done.output


# -- the join: an observed type is used only when every call agrees ---------------------------


def _conforms(value: object, t: PyType) -> bool:  # noqa: PLR0911
    """Would the extension's exact-type check accept `value` for `t` (the oracle)?"""
    if t.name == "optional":
        return value is None or _conforms(value, t.args[0])
    names = {"int": int, "float": float, "bool": bool, "str": str, "bytes": bytes}
    if t.name in names:
        return type(value) is names[t.name]
    if t.name == "none":
        return value is None
    if t.name in {"list", "set"}:
        kind = list if t.name == "list" else set
        return type(value) is kind and all(_conforms(v, t.args[0]) for v in value)  # type: ignore[attr-defined]
    if t.name == "vartuple":
        return type(value) is tuple and all(_conforms(v, t.args[0]) for v in value)
    if t.name == "tuple":
        return (
            type(value) is tuple
            and len(value) == len(t.args)
            and all(_conforms(v, a) for v, a in zip(value, t.args, strict=True))
        )
    if t.name == "dict":
        return type(value) is dict and all(
            _conforms(k, t.args[0]) and _conforms(v, t.args[1]) for k, v in value.items()
        )
    return False


_scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.booleans(),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.none(),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.one_of(st.integers(), st.text(max_size=3)), inner, max_size=3),
        st.frozensets(st.integers(), max_size=3).map(set),
    ),
    max_leaves=8,
)


def _agreed(values: list[object]) -> PyType | None:
    descriptions = [_json(_sitecustomize.describe(v)) for v in values]
    try:
        return observe.agreed(descriptions)
    except observe.Disagree:
        return None


def _json(description: Any) -> Any:
    return [_json(d) for d in description] if isinstance(description, tuple) else description


@settings(max_examples=300, deadline=None)
@given(st.lists(_values, min_size=1, max_size=5))
def test_an_observed_type_fits_every_observed_call(values: list[object]) -> None:
    found = _agreed(values)
    if found is not None:
        # Small containers are described in full, so the type holds for every value seen.
        assert all(_conforms(v, found) for v in values), (found, values)
    # The order of the calls does not matter.
    for order in itertools.islice(itertools.permutations(values), 6):
        assert _agreed(list(order)) == found


@settings(max_examples=200, deadline=None)
@given(_values, _values)
def test_calls_of_two_exact_types_give_no_type(a: object, b: object) -> None:
    simple = (int, float, bool, str, bytes)
    if type(a) in simple and type(b) in simple and type(a) is not type(b):
        assert _agreed([a, b]) is None  # int/bool, int/float... never widened


def test_subclasses_and_unknown_objects_are_not_their_base() -> None:
    import enum

    class Colour(enum.IntEnum):
        RED = 1

    class Name(str):  # noqa: SLOT000
        pass

    assert _agreed([Colour.RED]) is None
    assert _agreed([Name("x")]) is None
    assert _agreed([1, Colour.RED]) is None
    assert _agreed([object()]) is None
    assert _agreed([[]]) is None  # only an empty list: the item type is unknown
    assert str(_agreed([[], [1]])) == "list[int]"
    assert str(_agreed([None, 1.5])) == "float | None"
    assert str(_agreed([(1, 2), (3,)])) == "tuple[int, ...]"
    assert str(_agreed([{"a": [1]}, {}])) == "dict[str, list[int]]"
    assert _agreed([{(1, 2.5): 1}]) is None  # float in a key: not hashable in Rust
    assert _agreed([1, 2**80]) == PyType("int")  # beyond 64 bits: the dispatch goes to Python


def test_a_return_of_tuple_t_dots_is_refused() -> None:
    with pytest.raises(observe.Disagree, match="as a list"):
        observe.agreed([_json(_sitecustomize.describe(tuple(range(20))))], position="return")


def test_the_bootstrap_stays_inert_when_imported() -> None:
    # Imported here (and by anything else) without the environment variables, it does nothing.
    assert sys.gettrace() is None or sys.gettrace() is not _sitecustomize._tracer
    assert textwrap.dedent(_sitecustomize.__doc__ or "").startswith("Bootstrap")
