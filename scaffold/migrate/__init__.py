"""`pyo3-scaffold migrate`: move the slow functions of a pure-Python module to Rust, safely.

The pipeline (`pipeline.run`), one stage after the other, everything in memory until the end:

1. locate   - the module, its package and the project root (pipeline._locate);
2. analyse  - the module's functions and constants, and which can move (migrate_codegen);
3. type     - annotations to exact Rust types (migrate_types);
4. translate - function bodies to Rust with Python's semantics (pytranslate);
5. emit     - Cargo.toml, src/lib.rs, the dispatch block, tests, benchmark (migrate_codegen);
6. backend  - the build configuration, keeping the project's backend where PyO3 has a plugin:
               setuptools_rust (setuptools), hatch_maturin (hatchling), else maturin with the
               metadata converted (poetry, flit; toml_items);
7. validate - the new pyproject.toml and module parse and validate before anything is written;
8. write    - every file at once, all or nothing (scaffold.files);
9. ci       - nox sessions and wheel workflows through `pyo3-scaffold ci`.
"""

from __future__ import annotations

from scaffold.migrate.pipeline import (
    FunctionReport,
    MigrateOptions,
    MigrateResult,
    NothingToMigrateError,
    run,
)

__all__ = ["FunctionReport", "MigrateOptions", "MigrateResult", "NothingToMigrateError", "run"]
