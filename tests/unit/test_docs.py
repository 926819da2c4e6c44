"""The documentation site builds offline with no warnings (what `nox -s docs` runs)."""

from __future__ import annotations

from pathlib import Path

from helpers import build_docs

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_docs_site_builds_strict(tmp_path: Path) -> None:
    build_docs(tmp_path)
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "why-in-process.html").is_file()


def test_docs_quick_start_is_the_readmes() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    index = (REPO_ROOT / "docs/index.md").read_text()
    for block in ("setup", "test"):
        body = readme.split(f"<!-- {block} -->", 1)[1].split(f"<!-- /{block} -->", 1)[0]
        command = body.strip().removeprefix("```bash").removesuffix("```").strip()
        assert command, block
        assert command in index, f"docs/index.md lost the README's {block} command"


def test_template_page_lists_every_question_with_its_flag() -> None:
    from scaffold.answers import QUESTIONS

    page = (REPO_ROOT / "docs/template.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    for question in QUESTIONS:
        row = next((r for r in rows if f"`{question.key}`" in r.split("|")[1]), None)
        assert row is not None, f"docs/template.md lost the question {question.key}"
        assert f"`{question.flag}" in row, f"{question.key}: flag {question.flag} not in its row"
