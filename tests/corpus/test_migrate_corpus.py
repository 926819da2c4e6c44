"""`migrate` on real packages from PyPI (tests/corpus/migrate_packages.toml).

Each package is downloaded (sha256-pinned, cached), unpacked into a git repository and
migrated. The expected outcome per package is written below: when migrate gets better or
worse on real code, this test says where. A package that migrates is built, and its own tests
run on the Rust path and on the pure-Python path, then the generated differential tests.
"""

from __future__ import annotations

from pathlib import Path

import corpus_migrate as corpus
import pytest

pytestmark = pytest.mark.slow

# What migrate makes of each package today: the refusal (a piece of the one-line error), or
# the functions moved to Rust. Update it with the change that moves the numbers.
REFUSED: dict[str, str] = {}  # none: every package of the corpus is accepted
# Migrated: the functions moved to Rust, and how many public ones stay in Python.
MOVED: dict[str, tuple[list[str], int]] = {
    # Profiled on its workload: the bytes it encodes become ints beyond 64 bits inside
    # b58encode_int (and b58encode, its caller), so neither is worth moving; scrub_input has
    # no loop (a bytes conversion would cost more than its work). They were 0.9x moved.
    "base58": ([], 7),
    "haversine": ([], 5),
    # hatchling + hatch-vcs: keeps hatchling, built by the hatch-maturin-build hook.
    "humanize": ([], 8),
    # dasherize (one str.replace, no loop) stays: it was 0.4x moved. camelize moves: only
    # its `else` branch (a recursive call) is redone in Python.
    "inflection": (["camelize", "humanize", "ordinal", "ordinalize", "titleize", "underscore"], 6),
    "roman": (["toRoman", "fromRoman"], 2),
    "pyphonetics": ([], 4),
    # Profiled: its tests pass 128-bit UUID ints, which Rust would hand back to Python, so
    # int_to_string and string_to_int are not worth moving (they were 0.6x slower moved).
    "shortuuid": ([], 2),
    "metaphone": ([], 1),
    # geohash_approximate_distance returns `_PRECISION[matching]`, a module dict of ints and
    # floats, read through Python at each call and returned as the object it holds. The
    # haversine distance takes the NamedTuple decode_exactly returns.
    "pygeohash": (["geohash_approximate_distance"], 1),
    "semver": ([], 15),
    # A top-level module: its API is a class (methods are not migrated), no public function;
    # profiled, its methods' private helpers move (the types from its tests' calls):
    # `_reorder` rebinds its str to a list and back (a Rust variable per type) and swaps
    # items; `_encode` has a chained assignment.
    "hashids": (["_hash", "_unhash", "_reorder", "_ensure_length", "_encode"], 0),
    # flit with [project]; the version is `from .package_data import __version__`. Its two
    # translatable functions have no loop over their str label: not worth moving.
    "idna": ([], 14),
    # poetry ([tool.poetry]), built with maturin. Its float helpers move (`from math import
    # cos, radians` names, float %, pow), and eq_of_time, whose `Minutes` is astral's alias of
    # float (`from astral import Minutes`); the rest take an Observer or SunDirection or
    # return a datetime/timedelta. adjust_to_horizon moves: its branch that returns the int 0
    # where float is declared is redone in Python.
    "astral": (
        [
            "geom_mean_long_sun",
            "geom_mean_anomaly_sun",
            "eccentric_location_earth_orbit",
            "sun_eq_of_center",
            "sun_true_long",
            "sun_true_anomoly",
            "sun_rad_vector",
            "sun_apparent_long",
            "mean_obliquity_of_ecliptic",
            "obliquity_correction",
            "sun_rt_ascension",
            "sun_declination",
            "var_y",
            "eq_of_time",
            "adjust_to_horizon",
            "adjust_to_obscuring_feature",
        ],
        21,
    ),
}

# Profiled packages: functions whose verdict follows the measured own time per call, near the
# cost of a call into the extension on this loaded machine (it varies 2-3x between runs).
# Each is either moved or left as "not worth moving"; MOVED lists them where they usually go.
TIMED: dict[str, set[str]] = {
    "haversine": {"_ensure_lat_lon"},
    "hashids": {"_hash", "_unhash"},
}

PACKAGES = corpus.packages()


def test_corpus_is_large_and_varied() -> None:
    assert len(PACKAGES) >= 10
    assert {p.name for p in PACKAGES} == set(REFUSED) | set(MOVED)
    assert all(p.workload for p in PACKAGES)  # each has a workload for the report


@pytest.mark.parametrize("package", PACKAGES, ids=[p.name for p in PACKAGES])
def test_migrate(package: corpus.Package, tmp_path: Path, build_env: dict[str, str]) -> None:
    root = corpus.unpack(package, tmp_path / "src")
    outcome = corpus.migrate(package, root)
    if package.name in REFUSED:
        assert REFUSED[package.name] in outcome.refused, outcome
        return
    assert not outcome.refused, outcome.refused
    moved, left = MOVED[package.name]
    timed = TIMED.get(package.name, set())
    assert [f for f in outcome.rust if f not in timed] == [f for f in moved if f not in timed], (
        outcome
    )
    for name in timed:
        assert name in outcome.rust or "not worth moving" in outcome.left[name], outcome
    # A public timed function that moved this time is one fewer left in Python (or one more).
    public_timed = {f for f in timed if not f.startswith("_")}
    left += len(public_timed & set(moved)) - len(public_timed & set(outcome.rust))
    assert len([f for f in outcome.left if not f.startswith("_")]) == left, outcome.left
    if not outcome.env_var:
        return  # nothing could move: no extension was written, nothing to build
    checked = corpus.build_and_test(
        package,
        root,
        tmp_path / "venv",
        build_env,
        env_var=outcome.env_var,
        test_file=outcome.test_file,
        moved=outcome.rust,
    )
    assert not checked.failures, "\n".join(checked.failures)
    # The workload the report times runs on both paths (what it measures is for the report,
    # which times it longer: here one short round).
    workload = corpus.time_workload(
        package, tmp_path / "venv", build_env, outcome.env_var, outcome.rust, measure=0.02, rounds=1
    )
    assert isinstance(workload, corpus.Workload), workload
    # Its speed-up says something of the moved functions only if the workload calls them.
    assert not workload.uncalled, f"the workload never calls {workload.uncalled}"
    # Each moved function was also replayed alone on the calls it got, on both paths.
    assert sorted(workload.alone) == sorted(outcome.rust), workload.alone
    if outcome.rust:
        # The generated benchmark on a real extension keeps to its budget (30 s in all).
        module = corpus.dotted_module(package).rpartition(".")[2]
        lines, elapsed = corpus.bench_functions(root, tmp_path / "venv", build_env, module)
        assert elapsed < 45, (elapsed, lines)
        assert not [line for line in lines if "DIFFERENT" in line or "failed" in line], lines
