"""Take the wheel and publish jobs out of a user's workflow, keeping every other byte.

Jobs are cut as text (a job is its key line under `jobs:` and every line down to the next key
at the same indentation), so the tests, docs, coverage and lint jobs keep their comments,
anchors and layout. A job whose `needs` names a removed job goes too (it would wait forever),
and a workflow left with no job is deleted.
"""

from __future__ import annotations

import re
from typing import Any


def dependents(workflow: dict[str, Any], removed: set[str]) -> set[str]:
    """`removed` plus every job that needs one of them, transitively."""
    jobs = workflow.get("jobs")
    if not isinstance(jobs, dict):
        return set(removed)
    out = set(removed)
    changed = True
    while changed:
        changed = False
        for name, job in jobs.items():
            if str(name) in out or not isinstance(job, dict):
                continue
            needs = job.get("needs")
            needs_list = [needs] if isinstance(needs, str) else needs or []
            if any(str(n) in out for n in needs_list):
                out.add(str(name))
                changed = True
    return out


def remove_jobs(text: str, names: set[str]) -> str | None:  # noqa: C901 (one pass over lines)
    """The workflow text without the named jobs; None when no job would be left."""
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if re.match(r"^jobs\s*:\s*(#.*)?$", line))
    except StopIteration:
        return text
    indent = None
    blocks: list[tuple[str, int, int]] = []
    current: tuple[str, int] | None = None
    end_of_jobs = len(lines)
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        width = len(line) - len(line.lstrip(" "))
        if width == 0:
            end_of_jobs = index
            break
        if indent is None:
            indent = width
        if width == indent:
            key = re.match(r"""\s*["']?([\w.-]+)["']?\s*:""", line)
            if current is not None:
                blocks.append((current[0], current[1], index))
            current = (key.group(1) if key else "", index)
    if current is not None:
        blocks.append((current[0], current[1], end_of_jobs))
    kept = [b for b in blocks if b[0] not in names]
    if not kept:
        return None
    drop: set[int] = set()
    for name, first, last in blocks:
        if name in names:
            # Comment lines just above a job belong to it.
            begin = first
            while begin - 1 > start and lines[begin - 1].lstrip().startswith("#"):
                begin -= 1
            drop.update(range(begin, last))
    # Blank lines at the end of a removed block stay only once.
    out = [line for i, line in enumerate(lines) if i not in drop]
    return "".join(out)
