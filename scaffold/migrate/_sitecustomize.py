"""Bootstrap for `migrate --profile`: copied as `sitecustomize.py` into a temporary folder that
is put first on PYTHONPATH, so every Python process the workload starts runs it at start-up.

It runs in the *project's* interpreter (not ours): standard library only, and no syntax newer
than Python 3.8. One of two modes per run (the environment variable PYO3_SCAFFOLD_OBSERVE_MODE):

- "profile": cProfile over the whole process; at exit, the own time (tottime) and call counts
  of every function defined in the module file, plus the profiler's own cost of one call to an
  empty function (the floor subtracted from each per-call time).
- "types": a `sys.settrace` hook that sees only the module's code objects (every other frame
  gets no local tracer, so only one cheap check per call elsewhere) and records the exact type
  of each argument at the call and of the value returned (not of an exception raised), and
  how many calls passed or returned an int outside 64 bits (the extension hands those calls
  back to Python, so a function that mostly sees them gains nothing from Rust).

cProfile and the type hook are two separate runs: the hook's own cost would otherwise be
counted in the times. Results go to PYO3_SCAFFOLD_OBSERVE_OUT/<mode>-<pid>.json.
"""

# os.path, not pathlib: this runs at the start of every process of the workload.
# ruff: noqa: PTH105, PTH112, PTH118, PTH123
from __future__ import annotations

import atexit
import dis
import itertools
import json
import os
import signal
import sys
import threading
import time
from typing import Any

_TARGET = os.environ.get("PYO3_SCAFFOLD_OBSERVE_FILE", "")
_OUT = os.environ.get("PYO3_SCAFFOLD_OBSERVE_OUT", "")
_MODE = os.environ.get("PYO3_SCAFFOLD_OBSERVE_MODE", "")

# Type every call up to _CAP per function, then one in _EVERY (the cost stays bounded on hot
# functions; the extension checks every call's types anyway, so a later call of another type
# simply takes the Python path).
_CAP = 5000
_EVERY = 101
# Containers: the first _ITEMS items are looked at, at most _DEPTH levels deep; a parameter
# with more than _DISTINCT distinct types is "mixed" at once.
_ITEMS = 16
_DEPTH = 4
_DISTINCT = 8
_FIXED_TUPLE = 10  # longer tuples are described as tuple[T, ...]

_SIMPLE = {
    bool: ("bool",),
    int: ("int",),
    float: ("float",),
    str: ("str",),
    bytes: ("bytes",),
    type(None): ("None",),
}
_MIXED = ("other", "mixed")
_I64 = (-(2**63), 2**63 - 1)
_RETURN_VALUE = dis.opmap.get("RETURN_VALUE", -1)
_CO_SKIP = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async gen


def _realpath(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path


def describe(value: object, depth: int = 0) -> tuple[Any, ...]:  # noqa: PLR0911
    """The exact type of `value` as a small hashable tree (JSON-able: tuples become lists).

    ("int",) ... ("None",); ("list", (items...)) with the distinct item descriptions seen;
    ("tuple", (d0, d1, ...)) by position; ("vartuple", (items...)); ("dict", (keys...),
    (values...)); ("set", (items...)); ("other", "module.Class") for anything else,
    subclasses included (an IntEnum is not an int to the extension).
    """
    kind = type(value)
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return simple
    if depth >= _DEPTH:
        return ("other", "nested too deep")
    if kind is list or kind is set:
        name = "list" if kind is list else "set"
        return (name, _distinct(value, depth))
    if kind is tuple:
        items: tuple[object, ...] = value  # type: ignore[assignment]
        if len(items) <= _FIXED_TUPLE:
            return ("tuple", tuple(describe(v, depth + 1) for v in items))
        return ("vartuple", _distinct(items, depth))
    if kind is dict:
        mapping: dict[object, object] = value  # type: ignore[assignment]
        sample = list(itertools.islice(mapping.items(), _ITEMS))
        keys = _unique(describe(k, depth + 1) for k, _ in sample)
        values = _unique(describe(v, depth + 1) for _, v in sample)
        return ("dict", keys, values)
    return ("other", f"{kind.__module__}.{kind.__qualname__}")


def wide(value: Any, depth: int = 0) -> bool:  # noqa: ANN401  (any argument or return)
    """Whether `value` is or holds (in the items `describe` looks at) an int outside i64."""
    kind = type(value)
    if kind is int:
        return not _I64[0] <= value <= _I64[1]
    if depth >= _DEPTH or kind not in (list, tuple, set, dict):
        return False
    items = value.items() if kind is dict else value
    return any(wide(v, depth + 1) for v in itertools.islice(items, _ITEMS))


def _distinct(items: Any, depth: int) -> tuple[Any, ...]:  # noqa: ANN401  (any iterable)
    return _unique(describe(v, depth + 1) for v in itertools.islice(items, _ITEMS))


def _unique(found: Any) -> tuple[Any, ...]:  # noqa: ANN401  (an iterable of descriptions)
    seen = sorted(set(found), key=repr)
    return tuple(seen) if len(seen) <= _DISTINCT else (_MIXED,)


class _Function:
    """What was seen of one function of the module."""

    def __init__(self, code: Any) -> None:  # noqa: ANN401  (a code object)
        self.name: str = code.co_name
        self.qualname: str = getattr(code, "co_qualname", code.co_name)
        self.line: int = code.co_firstlineno
        count = code.co_argcount + code.co_kwonlyargcount
        self.params: tuple[str, ...] = tuple(code.co_varnames[:count])
        self.calls = 0
        self.typed = 0
        self.raised = 0
        # Typed calls with an int outside i64 among their arguments; returns of one.
        self.wide_args = 0
        self.wide_returns = 0
        self.args: dict[str, set[tuple[Any, ...]]] = {p: set() for p in self.params}
        self.returns: set[tuple[Any, ...]] = set()
        self.return_ops = code.co_code  # read once: each access builds a new bytes object

    def add(self, into: set[tuple[Any, ...]], value: object) -> None:
        if _MIXED in into:
            return
        into.add(describe(value))
        if len(into) > _DISTINCT:
            into.clear()
            into.add(_MIXED)
            into.add(("other", "many"))  # two members: never one type

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "qualname": self.qualname,
            "line": self.line,
            "params": list(self.params),
            "calls": self.calls,
            "typed": self.typed,
            "raised": self.raised,
            "wide_args": self.wide_args,
            "wide_returns": self.wide_returns,
            "args": {p: sorted(v, key=repr) for p, v in self.args.items()},
            "returns": sorted(self.returns, key=repr),
        }


_functions: dict[Any, _Function | None] = {}
_lock = threading.Lock()


def _ours(code: Any) -> _Function | None:  # noqa: ANN401  (a code object)
    found = _functions.get(code, False)
    if found is not False:
        return found  # type: ignore[return-value]
    mine = (
        not code.co_flags & _CO_SKIP
        and not code.co_name.startswith("<")
        and _realpath(code.co_filename) == _TARGET
    )
    made = _Function(code) if mine else None
    _functions[code] = made
    return made


def _tracer(frame: Any, event: str, _arg: object) -> Any:  # noqa: ANN401  (the settrace protocol)
    if event != "call":
        return None
    seen = _ours(frame.f_code)
    if seen is None:
        return None
    with _lock:
        seen.calls += 1
        if seen.calls > _CAP and seen.calls % _EVERY:
            return None
        seen.typed += 1
        values = frame.f_locals
        given = [name for name in seen.params if name in values]
        for name in given:
            seen.add(seen.args[name], values[name])
        if any(wide(values[name]) for name in given):
            seen.wide_args += 1
    frame.f_trace_lines = False
    return _local


def _local(frame: Any, event: str, arg: object) -> Any:  # noqa: ANN401
    if event == "return":
        seen = _functions.get(frame.f_code)
        if seen is not None:
            # A frame unwinding with an exception also reports "return" (with None): only a
            # RETURN_VALUE instruction is a value the function returned.
            ops = seen.return_ops
            lasti = frame.f_lasti
            with _lock:
                if 0 <= lasti < len(ops) and ops[lasti] == _RETURN_VALUE:
                    seen.add(seen.returns, arg)
                    seen.wide_returns += wide(arg)
                else:
                    seen.raised += 1
    return _local


def _calibrate(a: object, b: object) -> None:
    """An empty function: what the profiler reports for it is its own cost per call."""


_profiler: Any = None
_dumped = False
_started = (0.0, 0.0)  # perf_counter, process_time when profiling began


def _cpu_share(since: tuple[float, float]) -> float:
    """The share of a CPU this process had since `since`. cProfile times by the wall clock;
    on a loaded machine a function's time then includes the time other processes ran, so
    every time is scaled by this share (CPU time, averaged over the run)."""
    wall = time.perf_counter() - since[0]
    cpu = time.process_time() - since[1]
    return min(1.0, cpu / wall) if wall > 0 and cpu > 0 else 1.0


def _profile_data() -> dict[str, Any]:
    profiler = _profiler
    profiler.disable()
    share = _cpu_share(_started)
    since = (time.perf_counter(), time.process_time())
    profiler.enable()
    for _ in range(50000):
        _calibrate(1, 2)
    profiler.disable()
    calibration_share = _cpu_share(since)
    functions: list[dict[str, Any]] = []
    total = 0.0
    floor = 0.0
    for entry in profiler.getstats():
        code = entry.code
        if isinstance(code, str):  # a builtin: its time counts in the total
            total += entry.inlinetime
            continue
        if code is _calibrate.__code__:
            floor = entry.inlinetime / max(entry.callcount, 1) * calibration_share
            continue
        if code.co_filename == __file__:
            continue
        total += entry.inlinetime
        if _realpath(code.co_filename) == _TARGET and not code.co_name.startswith("<"):
            functions.append(
                {
                    "name": code.co_name,
                    "qualname": getattr(code, "co_qualname", code.co_name),
                    "line": code.co_firstlineno,
                    "calls": entry.callcount,
                    "own": entry.inlinetime * share,
                    "cumulative": entry.totaltime * share,
                }
            )
    return {
        "mode": "profile",
        "total": total * share,
        "floor": floor,
        "cpu_share": share,
        "functions": functions,
    }


def _dump() -> None:
    global _dumped  # noqa: PLW0603  (once per process, from atexit or a signal)
    if _dumped:
        return
    _dumped = True
    if _MODE == "profile":
        data = _profile_data()
    else:
        sys.settrace(None)
        threading.settrace(None)
        with _lock:
            seen = [f.as_json() for f in _functions.values() if f is not None and f.calls]
        data = {"mode": "types", "functions": seen}
    if not data["functions"]:
        return  # a process that never ran the module (pip, a helper script...)
    path = os.path.join(_OUT, f"{_MODE}-{os.getpid()}.json")
    with open(path + ".part", "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(path + ".part", path)


def _on_term(signum: int, _frame: object) -> None:
    # The parent stops a workload that runs too long with SIGTERM: keep what was measured.
    try:
        _dump()
    finally:
        os._exit(128 + signum)


def _start() -> None:
    global _profiler, _started  # noqa: PLW0603
    if not _TARGET or not os.path.isdir(_OUT):
        return
    atexit.register(_dump)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_term)
    if _MODE == "profile":
        import cProfile  # noqa: PLC0415

        _profiler = cProfile.Profile()
        _started = (time.perf_counter(), time.process_time())
        _profiler.enable()
    elif _MODE == "types":
        threading.settrace(_tracer)
        sys.settrace(_tracer)


_start()
