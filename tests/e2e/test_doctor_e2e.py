"""doctor on a generated project after what a user does first: git init, cargo's real lock file,
a commit. No build: `cargo generate-lockfile` resolves the crates (crates.io) in seconds."""

from __future__ import annotations

import pytest
from conftest import run
from helpers import commit_all

from scaffold import doctor

pytestmark = pytest.mark.slow


def test_committed_project_with_real_lockfile_is_clean(generate, build_env):
    path = generate("demo")
    run("cargo", "generate-lockfile", cwd=path, env=build_env)
    commit_all(path)
    result = doctor.run(doctor.DoctorOptions(path=path))
    assert [(r.id, r.status, r.reason) for r in result.results if r.status != "ok"] == []
    # .gitignore must not hide Cargo.lock: it is tracked.
    assert run("git", "ls-files", "Cargo.lock", cwd=path).stdout.strip() == "Cargo.lock"
