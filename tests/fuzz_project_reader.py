"""A coverage-guided fuzz target (atheris) for the project reader: `scaffold.project.read`
and doctor's reading pipeline (`scaffold.doctor.run`), over hostile project trees.

Each fuzz input is decoded into a small project tree (`decode`): regular files, folders,
FIFOs and symlinks (to anything: `/dev/zero`, `../outside/secret.txt`, a loop), contents
repeated up to a few MiB. The tree is written into a fresh folder beside an `outside/`
folder holding a secret, then read. What must hold for every input:
- only our typed errors escape (`InvalidInputError`, exit 2: not a PyO3 project;
  `UnreadableProjectError`, exit 6): anything else is a crash, reported by libFuzzer with
  the input that caused it;
- each input is read within a CPU budget (a hang is caught by libFuzzer's -timeout);
- nothing outside the project is read: the secret never appears in what was read;
- memory stays bounded (libFuzzer's -rss_limit_mb).

Run bounded: `python tests/fuzz_project_reader.py -runs=N -max_total_time=S CORPUS...`
(tests/unit/test_fuzz_project_reader.py does, in the normal pytest run). The seed corpus is
made by `write_seeds` from tests/hostile.py's fixtures and tests/projects/.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from pathlib import Path

HEADER_END = b"\n"
RECORD = b"\x1e\n"  # between the entries of one input
KINDS = {b"f": "file", b"d": "folder", b"l": "link", b"p": "fifo"}  # a header's first byte
MAX_ENTRIES = 48
MAX_DEPTH = 6
MAX_TOTAL = 6 << 20  # bytes written per input, so that the size caps are reached (2 MiB)
CPU_BUDGET = 1.0  # seconds of CPU per input: doctor's budget on any input (issue 12)
SECRET = "FUZZ-SECRET-OUTSIDE-THE-PROJECT"  # noqa: S105 - a marker, not a credential
SEEDED_DEFECT = "PYO3_SCAFFOLD_FUZZ_SEEDED_DEFECT"


def encode(entries: list[tuple[str, str, bytes, int]]) -> bytes:
    """(kind, path, content, repeat) entries as one fuzz input; `decode` reads it back."""
    return RECORD.join(
        f"{kind[0]} {path}{f' x{repeat}' if repeat > 1 else ''}".encode() + HEADER_END + content
        for kind, path, content, repeat in entries
    )


def decode(data: bytes) -> list[tuple[str, str, bytes, int]]:
    """Any bytes as (kind, path, content, repeat) entries: paths made relative and short."""
    entries = []
    for record in data.split(RECORD)[:MAX_ENTRIES]:
        header, _, content = record.partition(HEADER_END)
        kind = KINDS.get(header[:1])
        words = header[2:].decode("utf-8", "replace").split(" ")
        parts = [p for p in words[0].split("/") if p not in {"", ".", "..", ".git"}]
        if kind is None or not parts or len(parts) > MAX_DEPTH or "\0" in words[0]:
            continue
        repeat = int(words[1][1:]) if len(words) > 1 and words[1][1:].isdigit() else 1
        entries.append((kind, "/".join(p[:64] for p in parts), content, max(1, repeat)))
    return entries


def build(root: Path, data: bytes) -> None:
    """Make the tree of `data` in `root` (which is emptied first), beside `outside/`."""
    for folder in (root, root.parent / "outside"):
        if folder.exists() or folder.is_symlink():
            _remove(folder)
    (root.parent / "outside").mkdir()
    (root.parent / "outside/secret.txt").write_text(f"{SECRET}\n")
    (root.parent / "outside/pyproject.toml").write_text(f'[project]\nname = "{SECRET}"\n')
    (root.parent / "outside/workflows").mkdir()
    (root.parent / "outside/workflows/ci.yml").write_text(f"# {SECRET}\non: [push]\njobs: {{}}\n")
    root.mkdir()
    written = 0
    for kind, rel, content, repeat in decode(data):
        path = root / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() or path.is_symlink():
                continue  # the first entry for a path wins
            if kind == "folder":
                path.mkdir()
            elif kind == "fifo":
                os.mkfifo(path)
            elif kind == "link":
                path.symlink_to(os.fsdecode(content[:256].replace(b"\0", b"")) or ".")
            else:
                body = content * min(repeat, max(1, (MAX_TOTAL - written) // max(1, len(content))))
                written += len(body)
                path.write_bytes(body)
        except (OSError, ValueError):
            continue  # e.g. a parent that is a file or a link: the entry is skipped


def _remove(folder: Path) -> None:
    if folder.is_symlink() or not folder.is_dir():
        folder.unlink()
        return
    for top, dirs, _ in os.walk(folder):
        for name in dirs:
            path = Path(top) / name
            if not path.is_symlink():
                path.chmod(stat.S_IRWXU)
    shutil.rmtree(folder)


def write_seeds(corpus: Path) -> int:
    """The seed corpus: every hostile fixture (contents cut to 32 KiB, as `repeat` gives
    the size back) and every project in tests/projects/, one input each."""
    tests = Path(__file__).resolve().parent
    sys.path.insert(0, str(tests))
    import hostile

    corpus.mkdir(parents=True, exist_ok=True)
    sources: list[tuple[str, Path]] = []
    scratch = corpus.parent / "seed-trees"
    for fixture in hostile.FIXTURES:
        root = scratch / fixture.name / "proj"
        hostile.base_project(root)
        fixture.make(root)
        sources.append((fixture.name, root))
    sources += [(p.name, p) for p in sorted((tests / "projects").iterdir()) if p.is_dir()]
    for name, root in sources:
        (corpus / name).write_bytes(encode(_entries(root)))
    shutil.rmtree(scratch, ignore_errors=True)
    return len(sources)


def _entries(root: Path) -> list[tuple[str, str, bytes, int]]:
    entries: list[tuple[str, str, bytes, int]] = []
    for top, dirs, names in os.walk(root):
        for name in sorted([*dirs, *names]):
            path = Path(top) / name
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                target = str(path.readlink())
                if target.startswith(("/", "..")) and not target.startswith("/dev/"):
                    # Out of the project: to the fuzz tree's own `outside/`, with its secret.
                    up = "../" * len(rel.split("/"))
                    target = f"{up}outside" + ("" if path.is_dir() else "/secret.txt")
                entries.append(("link", rel, target.encode(), 1))
            elif stat.S_ISFIFO(info.st_mode):
                entries.append(("pipe", rel, b"", 1))
            elif stat.S_ISDIR(info.st_mode):
                entries.append(("dir", rel, b"", 1))
            elif stat.S_ISREG(info.st_mode):
                with path.open("rb") as stream:
                    head = stream.read(32 << 10)
                # A big file is its first 32 KiB repeated: `repeat` gives the size back.
                repeat = -(-info.st_size // len(head)) if info.st_size > len(head) else 1
                entries.append(("file", rel, head, repeat))
    return entries


def main() -> None:
    import atheris

    with atheris.instrument_imports(include=["scaffold"]):
        from scaffold import doctor, project
        from scaffold.checks import catalog, pipeline, workflows  # noqa: F401
        from scaffold.checks import project as checks_project  # noqa: F401
        from scaffold.errors import InvalidInputError, UnreadableProjectError

    base = Path(os.environ.get("PYO3_SCAFFOLD_FUZZ_DIR") or Path.cwd() / "fuzz-work")
    base.mkdir(parents=True, exist_ok=True)
    root = base / "proj"
    seeded_defect = bool(os.environ.get(SEEDED_DEFECT))

    def one_input(data: bytes) -> None:
        build(root, data)
        start = time.process_time()
        seen: list[str] = []
        for read in (
            lambda: project.read(root),
            lambda: doctor.run(doctor.DoctorOptions(path=root)),
        ):
            try:
                seen.append(repr(read()))
            except (InvalidInputError, UnreadableProjectError) as error:
                seen.append(str(error))
        if seeded_defect:  # a reader that trusts its input: the harness must catch it
            seen.append((root / "pyproject.toml").read_text(encoding="utf-8"))
        spent = time.process_time() - start
        if spent > CPU_BUDGET:
            raise AssertionError(f"reading took {spent:.2f} s of CPU (budget {CPU_BUDGET} s)")
        if SECRET.encode() not in data and any(SECRET in text for text in seen):
            raise AssertionError("the reader read a file outside the project")

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
