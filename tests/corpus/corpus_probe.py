"""A pytest plugin for the corpus (`-p corpus_probe`): which implementation the package's own
tests really ran. A package whose pytest configuration puts its checkout on `sys.path`
imports the checkout's module, which has no built extension beside it: its dispatch then
stays pure Python without a word, and "own tests on the Rust path" would be pure Python too.

At the end of the session it writes, for the hot module as the tests imported it, whether each
moved function is the extension's (a builtin function) or the Python version.
"""

from __future__ import annotations

import json
import os
import sys


def pytest_sessionfinish() -> None:  # pluggy passes only the arguments a hook names
    dotted = os.environ["PYO3_SCAFFOLD_PROBE_MODULE"]
    names = [n for n in os.environ["PYO3_SCAFFOLD_PROBE_NAMES"].split(",") if n]
    module = sys.modules.get(dotted)
    rust = {
        name: type(getattr(module, name, None)).__name__ == "builtin_function_or_method"
        for name in names
    }
    with open(os.environ["PYO3_SCAFFOLD_PROBE_OUT"], "w", encoding="utf-8") as handle:  # noqa: PTH123
        json.dump({"imported": module is not None, "rust": rust}, handle)
