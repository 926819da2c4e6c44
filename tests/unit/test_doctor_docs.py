"""Each check says what it reads, and the documents that list the checks stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import commit_all, named_by

from scaffold.checks import ALL_CHECKS

REPO = Path(__file__).resolve().parents[2]
CODES = [check.code() for check in ALL_CHECKS]
# Where a check reads something that is not a file of the project.
NOT_FILES = {"git"}


@pytest.mark.parametrize("check", ALL_CHECKS, ids=CODES)
def test_the_docstring_is_a_title_and_what_the_check_reads(check) -> None:
    doc = check.__doc__ or ""
    assert check.title() == doc.strip().splitlines()[0]
    assert check.title()
    assert not check.title().endswith(".")
    assert len(re.findall(r"^\s*reads:", doc, flags=re.MULTILINE)) == 1
    assert check.reads(), f"{check.code()} names nothing it reads"
    # The repo-review plugin shows the title only, as doctor does.
    assert check().__doc__ == check.title()


def test_every_source_a_check_names_is_in_a_generated_project(generate) -> None:
    """A file named in a `reads:` line exists in what `new` makes (typos and stale names fail)."""
    path = generate("demo")
    (path / "Cargo.lock").write_text("version = 4\n", encoding="utf-8")
    commit_all(path)
    present = [p.relative_to(path).as_posix() + ("/" if p.is_dir() else "") for p in
               path.rglob("*") if ".git" not in p.relative_to(path).parts]  # fmt: skip
    unknown = {
        f"{check.code()}: {source}"
        for check in ALL_CHECKS
        for source in check.sources()
        if source not in NOT_FILES and not any(named_by(p, [source]) for p in present)
    }
    assert unknown == set()


def test_the_doctor_page_lists_every_check_with_its_title() -> None:
    page = (REPO / "docs/doctor.md").read_text(encoding="utf-8")
    sections = re.findall(r"^### (PS\d{3})\n\n\*\*(.+?)\*\*", page, flags=re.MULTILINE | re.DOTALL)
    assert [code for code, _ in sections] == CODES
    for (code, bold), check in zip(sections, ALL_CHECKS, strict=True):
        assert " ".join(bold.split()).rstrip(".:") == check.title(), code


def test_every_check_code_in_the_docs_is_a_check() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    named = {
        (page.name, code)
        for page in pages
        for code in re.findall(r"\bPS\d{3}\b", page.read_text(encoding="utf-8"))
    }
    assert {pair for pair in named if pair[1] not in CODES} == set()
