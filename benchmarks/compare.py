"""Why in-process: the template's `fast_sum` called four ways, timed on the same data.

1. pure Python: the `for` loop of the generated tests/reference.py;
2. PyO3: the generated extension, built in release mode (`fast_sum(list)`);
3. ctypes: the same Rust function exported with a C ABI from a small cdylib, called on an
   `array('q')` buffer with its argtypes/restype declared by hand;
4. subprocess: the same Rust function in a small program that reads the numbers as raw
   little-endian int64 bytes on stdin and prints the sum.

Every way starts from the same Python list of ints and ends with a Python int, so each time
includes the conversion that way needs (list -> Vec, list -> array, list -> bytes -> pipe).
One more row shows the ctypes call alone, with the data already in an array.

Run `nox -s compare`, or `python benchmarks/compare.py` where pyo3-scaffold, maturin and
matplotlib are installed. Builds share CARGO_TARGET_DIR (default: target/compare here).
Prints a Markdown table and writes the chart to docs/img/why-in-process.png.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import zipfile
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 100_000, 10_000_000)
METHODS = ("pure Python", "PyO3", "ctypes", "subprocess")
CTYPES_CALL_ONLY = "ctypes, call only"

CARGO_TOML = """\
[package]
name = "fast_sum_c"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
# cdylib for ctypes; rlib so that the stdin program below links the same function.
crate-type = ["cdylib", "rlib"]

[[bin]]
name = "fast_sum_stdin"
path = "src/main.rs"

[profile.release]
# The same release profile as the generated project.
lto = "fat"
codegen-units = 1
opt-level = 3
"""

C_EXPORT = """
/// C ABI wrapper: sums `len` int64 values at `values` into `*out`; false on overflow.
///
/// # Safety
/// `values` must point to `len` readable i64 values and `out` to one writable i64.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fast_sum_c(values: *const i64, len: usize, out: *mut i64) -> bool {
    let values = match len {
        0 => &[][..],
        _ => unsafe { std::slice::from_raw_parts(values, len) },
    };
    match checked_sum(values) {
        Some(total) => {
            unsafe { *out = total };
            true
        }
        None => false,
    }
}
"""

MAIN_RS = """\
use std::io::Read;

fn main() {
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes).expect("read stdin");
    let values: Vec<i64> = bytes
        .chunks_exact(8)
        .map(|chunk| i64::from_le_bytes(chunk.try_into().unwrap()))
        .collect();
    match fast_sum_c::checked_sum(&values) {
        Some(total) => println!("{total}"),
        None => {
            eprintln!("overflow");
            std::process::exit(1);
        }
    }
}
"""


def log(message: str) -> None:
    print(f"[compare] {message}", file=sys.stderr, flush=True)


def run(*args: str | os.PathLike[str], cwd: Path | None = None, env: dict[str, str]) -> None:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def rust_function_source(lib_rs: str, name: str) -> str:
    """The text of `pub fn name` (with its doc comment) in the generated src/lib.rs."""
    match = re.search(rf"((?:///[^\n]*\n)*pub fn {name}\(.*?\n\}}\n)", lib_rs, re.DOTALL)
    if match is None:
        sys.exit(f"no `pub fn {name}` in the generated src/lib.rs")
    return match.group(1)


def build(work: Path, target_dir: Path) -> tuple[Path, Path, Path]:
    """Generate and build everything; return (site dir, cdylib, stdin program)."""
    from scaffold import new  # noqa: PLC0415  (this repo's package: run from its environment)
    from scaffold.answers import Answers  # noqa: PLC0415

    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "CONDA_PREFIX"}}
    env["CARGO_TARGET_DIR"] = str(target_dir)

    project = work / "why_in_process"
    new.run(new.NewOptions(destination=project, answers=Answers.resolve("why_in_process")))
    log("building the generated project's wheel (release)")
    started = time.perf_counter()
    wheels = work / "wheels"
    run("maturin", "build", "--release", "--quiet", "--interpreter", sys.executable,
        "--out", wheels, cwd=project, env=env)  # fmt: skip
    (wheel,) = wheels.glob("*.whl")
    site = work / "site"
    # A wheel is a zip of the installed files: unpacking it is enough to import the package.
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    log(f"  {wheel.name} in {time.perf_counter() - started:.0f} s")

    crate = work / "fast_sum_c"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(CARGO_TOML)
    same_code = rust_function_source((project / "src" / "lib.rs").read_text(), "checked_sum")
    (crate / "src" / "lib.rs").write_text(
        "//! The generated project's checked_sum, exported with a C ABI.\n\n" + same_code + C_EXPORT
    )
    (crate / "src" / "main.rs").write_text(MAIN_RS)
    log("building the C-ABI library and the stdin program (release)")
    started = time.perf_counter()
    run("cargo", "build", "--release", "--quiet", cwd=crate, env=env)
    release = target_dir / "release"
    cdylib = release / {"darwin": "libfast_sum_c.dylib", "win32": "fast_sum_c.dll"}.get(
        sys.platform, "libfast_sum_c.so"
    )
    program = release / ("fast_sum_stdin.exe" if sys.platform == "win32" else "fast_sum_stdin")
    log(f"  built in {time.perf_counter() - started:.0f} s")
    return site, cdylib, program


def contenders(site: Path, cdylib: Path, program: Path) -> dict[str, Callable[[object], int]]:
    """Each way of computing the sum, as a function of the Python data it starts from."""
    sys.path.insert(0, str(site))
    import why_in_process  # noqa: PLC0415  (unpacked from the wheel just built)

    library = ctypes.CDLL(str(cdylib))
    c_fast_sum = library.fast_sum_c
    # What PyO3 derives from the Rust signature, ctypes must be told by hand.
    c_fast_sum.argtypes = [
        ctypes.POINTER(ctypes.c_int64),
        ctypes.c_size_t,
        ctypes.POINTER(ctypes.c_int64),
    ]
    c_fast_sum.restype = ctypes.c_bool

    def ctypes_on_array(buffer: array[int]) -> int:
        out = ctypes.c_int64()
        pointer = (ctypes.c_int64 * len(buffer)).from_buffer(buffer) if buffer else None
        if not c_fast_sum(pointer, len(buffer), ctypes.byref(out)):
            raise OverflowError
        return out.value

    def pure_python(values: list[int]) -> int:  # tests/reference.py's fast_sum
        total = 0
        for value in values:
            total += value
        return total

    def via_subprocess(values: list[int]) -> int:
        done = subprocess.run(
            [program], input=array("q", values).tobytes(), capture_output=True, check=True
        )
        return int(done.stdout)

    return {
        "pure Python": pure_python,
        "PyO3": why_in_process.fast_sum,
        "ctypes": lambda values: ctypes_on_array(array("q", values)),
        "subprocess": via_subprocess,
        CTYPES_CALL_ONLY: ctypes_on_array,
    }


def median_seconds(function: Callable[[object], int], data: object, repeats: int) -> float:
    timer = timeit.Timer(lambda: function(data))
    number, _ = timer.autorange()
    return statistics.median(timer.repeat(repeat=repeats, number=number)) / number


def measure(ways: dict[str, Callable[[object], int]], repeats: int) -> dict[str, dict[int, float]]:
    times: dict[str, dict[int, float]] = {name: {} for name in ways}
    for size in SIZES:
        rng = random.Random(size)  # noqa: S311  (reproducible data, not secrets)
        values = [rng.randrange(-(10**9), 10**9) for _ in range(size)]
        ready = array("q", values)
        expected = sum(values)
        for name, function in ways.items():
            data = ready if name == CTYPES_CALL_ONLY else values
            # Same answer from every way before any timing.
            if function(data) != expected:
                sys.exit(f"{name} got a wrong sum for {size:,} values")
            times[name][size] = median_seconds(function, data, repeats)
        log(f"  {size:,} values done")
    return times


def machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = found.group(1).strip() if found else model
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True, check=False)
    # Other work on the machine slows every way alike, but say how busy it was.
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (
        f"{model}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.machine()}, "
        f"CPython {platform.python_version()}, {rustc.stdout.strip()}{load}"
    )


def human(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def table(times: dict[str, dict[int, float]]) -> str:
    header = "| way | " + " | ".join(f"n = {size:,}" for size in SIZES) + " |"
    lines = [header, "|---|" + "---:|" * len(SIZES)]
    python = times["pure Python"]
    for name, row in times.items():
        speedups = [f" ({python[size] / row[size]:.2g}x)" for size in SIZES]
        if name == "pure Python":
            speedups = [""] * len(SIZES)
        cells = [human(row[size]) + speedup for size, speedup in zip(SIZES, speedups, strict=True)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart(times: dict[str, dict[int, float]], out: Path, description: str) -> None:
    import matplotlib as mpl  # noqa: PLC0415  (only this step needs it)

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(figsize=(8, 4.8), dpi=120)
    styles = {CTYPES_CALL_ONLY: {"linestyle": "--", "marker": "x"}}
    for name, row in times.items():
        axes.plot(SIZES, [row[size] for size in SIZES], label=name,
                  **styles.get(name, {"marker": "o"}))  # fmt: skip
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("number of ints in the Python list")
    axes.set_ylabel("time per call (s, median)")
    # Five lines: the four ways, and the bare ctypes call as the floor (Rust's own speed).
    axes.set_title(
        "fast_sum: four ways to call the same Rust code, and the bare call (lower is faster)"
    )
    axes.grid(visible=True, which="major", alpha=0.3)
    axes.legend()
    figure.text(0.01, 0.01, description, fontsize=7, color="grey")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "why-in-process.png")
    parser.add_argument("--repeats", type=int, default=5, help="timeit runs per median")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target" / "compare")
    with tempfile.TemporaryDirectory(prefix="pyo3-compare-") as work:
        site, cdylib, program = build(Path(work), target_dir.absolute())
        log(f"measuring (median of {args.repeats} runs each)")
        times = measure(contenders(site, cdylib, program), args.repeats)
    description = machine()
    print(f"fast_sum over a list of random ints; median of {args.repeats} timeit runs per cell;")
    print("(Nx) = speed-up over pure Python.")
    print(f"Machine: {description}\n")
    print(table(times))
    chart(times, args.out, description)
    print(f"\nChart: {args.out}  (whole run: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
