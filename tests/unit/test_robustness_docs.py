"""docs/robustness.md lists exactly the cases the hostile and signal tests run."""

from __future__ import annotations

from collections import Counter

import hostile
from conftest import REPO_ROOT
from test_signals import CASES
from test_update_robust import CASES as UPDATE_CASES
from test_update_robust import LEAVING


def _rows(marker: str) -> list[str]:
    text = (REPO_ROOT / "docs/robustness.md").read_text(encoding="utf-8")
    block = text.split(f"<!-- {marker} -->\n", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    return [line for line in block.splitlines()[2:] if line.startswith("|")]


def test_the_hostile_table_is_the_fixture_set() -> None:
    expected = [f"| `{f.name}` | {f.what} | ✓ | ✓ | ✓ | ✓ | ✓ |" for f in hostile.FIXTURES]
    assert _rows("hostile") == expected


def test_the_signal_table_is_the_harness() -> None:
    assert _rows("signals") == [f"| {v} | {n} | {m} | ✓ |" for v, n, m in CASES]


def test_the_counts_per_verb_are_the_tests() -> None:
    signals = Counter(verb for verb, _, _ in CASES)
    more = {
        "doctor": "the fuzz target of the project reader (below)",
        "update": f"{len(UPDATE_CASES)} bad answers files and options; {2 * len(LEAVING)} "
        f"template symlinks leaving it ({len(LEAVING)} kinds, each applied and --dry-run), "
        "1 staying inside",
    }
    expected = [
        f"| {verb} | {len(hostile.FIXTURES)} | {signals[verb] or 'none (writes nothing)'} | "
        f"{more.get(verb, '')} |"
        for verb in ("doctor", "ci", "migrate", "new", "update")
    ]
    assert _rows("counts") == expected


def test_ci_keeps_crlf_line_endings_of_pyproject() -> None:
    from scaffold import ci

    crlf = '[project]\r\nname = "x"\r\n'
    added = ci._merge_cibuildwheel(crlf, '[tool.cibuildwheel]\nbuild = "cp3*"\n')
    assert added.startswith(crlf)
    assert "\n" not in added.replace("\r\n", "")
    merged = ci._merge_cibuildwheel(
        crlf + "[tool.cibuildwheel]\r\nskip = 'pp*'\r\n", '[tool.cibuildwheel]\nbuild = "cp3*"\n'
    )
    assert "skip = 'pp*'\r\n" in merged
    assert "\n" not in merged.replace("\r\n", "")
