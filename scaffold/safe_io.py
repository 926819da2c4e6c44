"""The one way to read a file of an untrusted project: bounded, typed, never blocking.

A project handed to `doctor`, `ci`, `migrate` or `update` may hold anything: a FIFO or a
symlink to `/dev/zero` where `pyproject.toml` should be, a 10 GiB file, Latin-1 bytes,
`tool = "x"`, a workflow nested ten thousand levels deep or a YAML alias bomb. Every reader
here either returns data of the expected shape or raises `UnreadableProjectError` (exit 6)
with one line naming the file relative to the project and what is wrong with it.

- Only regular files are opened: the path is `lstat`ed (after resolving symlinks *inside*
  the project) and refused without opening unless it is a regular file; it is then opened
  with `O_NONBLOCK | O_NOFOLLOW` and `fstat`ed again, so a FIFO swapped in meanwhile can
  neither block us nor be read.
- A symlink whose target leaves the project root is refused: reading it would print or
  parse a file the project does not own.
- At most `limit` bytes are read (2 MiB by default), even from a file that grows.
- Text must be UTF-8; TOML is parsed by `tomllib`, YAML by `yaml.safe_load` (libyaml's C
  loader when present) and then walked with a node and depth budget, which catches alias
  bombs (`&a [*a, *a, ...]`) whose expansion would otherwise take the machine's memory.
- `RecursionError` from either parser becomes the same one-line error.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from scaffold.errors import UnreadableProjectError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

# Real pyproject.toml, Cargo.toml, workflows and Python modules are far below this; a file
# above it is not something a tool should parse on a user's behalf.
MAX_BYTES = 2 * 1024 * 1024
# Nesting deeper than this is no real configuration, and deep enough to be a recursion bomb.
MAX_DEPTH = 64
# Nodes visited when walking parsed YAML, aliases counted each time they are reached.
MAX_NODES = 200_000

_T = TypeVar("_T")


def shown(root: Path, path: Path) -> str:
    """How messages name `path`: relative to the project when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _fail(root: Path, path: Path, problem: str) -> UnreadableProjectError:
    return UnreadableProjectError(f"cannot read {shown(root, path)}: {problem}")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symlink that cannot be resolved (a loop?)"
    return "not a regular file"


def contained(root: Path, path: Path) -> Path:
    """`path` with every symlink resolved, refused when that leaves `root`."""
    real_root = Path(os.path.realpath(root))
    try:
        real = Path(os.path.realpath(path))
    except (OSError, RuntimeError) as error:  # a symlink loop on some Pythons
        raise _fail(root, path, f"symlinks cannot be resolved ({error})") from error
    if real != real_root and not real.is_relative_to(real_root):
        raise _fail(root, path, "it is a symlink to a place outside the project")
    return real


def status(root: Path, path: Path) -> os.stat_result | None:
    """`lstat` of `path` after resolving symlinks inside the project; None if it is missing.

    Lets callers ask "is there a regular file / a folder here?" without opening anything.
    """
    real = contained(root, path)
    try:
        return real.lstat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None  # a parent is a file: the path cannot exist
    except OSError as error:
        raise _fail(root, path, error.strerror or str(error)) from error


def is_file(root: Path, path: Path) -> bool:
    """True for a regular file inside the project; False when missing; refuses other kinds."""
    info = status(root, path)
    if info is None:
        return False
    if not stat.S_ISREG(info.st_mode):
        raise _fail(root, path, f"it is {_kind(info.st_mode)}, expected a regular file")
    return True


def is_dir(root: Path, path: Path) -> bool:
    """True for a folder inside the project; False when missing; refuses a file in its place."""
    info = status(root, path)
    if info is None:
        return False
    if not stat.S_ISDIR(info.st_mode):
        raise _fail(root, path, "it is a file, expected a folder")
    return True


def read_bytes(root: Path, path: Path, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file inside `root`, at most `limit` of them."""
    real = contained(root, path)
    try:
        info = real.lstat()
        if not stat.S_ISREG(info.st_mode):
            # Refused before opening: opening a FIFO for reading (blocking) would hang, and
            # a device may have side effects.
            raise _fail(root, path, f"it is {_kind(info.st_mode)}, expected a regular file")
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(real, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as error:
        raise _fail(root, path, "it does not exist") from error
    except OSError as error:
        raise _fail(root, path, error.strerror or str(error)) from error
    try:
        info = os.fstat(fd)  # what was opened, not what the name pointed to a moment ago
        if not stat.S_ISREG(info.st_mode):
            raise _fail(root, path, f"it is {_kind(info.st_mode)}, expected a regular file")
        if info.st_size > limit:
            raise _fail(root, path, f"it is {info.st_size} bytes, more than the {limit} allowed")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise _fail(root, path, error.strerror or str(error)) from error
    finally:
        os.close(fd)
    if size > limit:
        raise _fail(root, path, f"it grew past the {limit} bytes allowed while being read")
    return b"".join(chunks)


def decode(root: Path, path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _fail(root, path, f"it is not UTF-8 (byte {error.start}, line {line})") from error


def read_text(root: Path, path: Path, *, limit: int = MAX_BYTES) -> str:
    """UTF-8 text of a regular file inside `root` (line endings untouched)."""
    return decode(root, path, read_bytes(root, path, limit=limit))


@dataclass(frozen=True)
class Document:
    """Parsed TOML or YAML with the file it came from, for messages."""

    name: str
    data: Any

    def table(self, *keys: str) -> dict[str, Any] | None:
        """The table at `keys` (None when absent); anything else there is an error."""
        return table(self, *keys)

    def get(self, *keys: str, kind: type[_T]) -> _T | None:
        return get(self, *keys, kind=kind)


def _where(keys: tuple[str, ...]) -> str:
    return ".".join(keys) if keys else "the top level"


def _type_name(value: object) -> str:
    names = {dict: "a table", list: "an array", str: "a string", bool: "a boolean"}
    names |= {int: "an integer", float: "a float"}
    return names.get(type(value), f"a {type(value).__name__}")


def get(doc: Document, *keys: str, kind: type[_T]) -> _T | None:
    """The value at `keys` if it has type `kind`; None when any key is missing.

    A parent that is not a table, or a value of another type, raises one line that names the
    file, the dotted key and both types (`tool = "x"`, `[[tool.cibuildwheel]]`).
    """
    value: Any = doc.data
    for depth, key in enumerate(keys):
        if not isinstance(value, dict):
            where = _where(keys[:depth])
            raise UnreadableProjectError(
                f"cannot read {doc.name}: {where} is {_type_name(value)}, expected a table"
            )
        if key not in value:
            return None
        value = value[key]
    # bool is an int in Python; a TOML `true` where a number is expected is still wrong.
    wrong_bool = isinstance(value, bool) and kind is not bool
    if not isinstance(value, kind) or wrong_bool:
        expected = _type_name(kind()) if kind in (dict, list, str, bool, int, float) else kind
        raise UnreadableProjectError(
            f"cannot read {doc.name}: {_where(keys)} is {_type_name(value)}, expected {expected}"
        )
    return value


def table(doc: Document, *keys: str) -> dict[str, Any] | None:
    """`table(doc, "tool", "cibuildwheel") -> dict | None`, type-checked on the way down."""
    return get(doc, *keys, kind=dict)


def strings(doc: Document, *keys: str) -> list[str] | None:
    """An array of strings at `keys` (None when absent)."""
    values = get(doc, *keys, kind=list)
    if values is not None and not all(isinstance(v, str) for v in values):
        raise UnreadableProjectError(
            f"cannot read {doc.name}: {_where(keys)} must be an array of strings"
        )
    return values


def check_shape(
    root: Path, path: Path, data: object, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> None:
    """Refuse data nested deeper than `max_depth` or with more than `max_nodes` values.

    YAML aliases make one list appear many times: what counts is the size once expanded, as
    any later walk sees it. It is computed once per distinct container (by identity), so an
    alias bomb of 10^12 values is refused after looking at its few dozen real ones, and a
    container that holds itself (`&a [*a]`) is refused outright. Iterative, not recursive.
    """
    measured: dict[int, tuple[int, int]] = {}  # id -> (values once expanded, levels below)
    open_ids: set[int] = set()  # the containers between the top and the one being looked at
    stack: list[tuple[object, bool]] = [(data, False)]
    while stack:
        value, children_done = stack.pop()
        children = _children(value)
        if children is None or id(value) in measured:
            continue
        if not children_done:
            if id(value) in open_ids:
                raise _fail(root, path, "a value contains itself (a YAML alias in its own anchor)")
            open_ids.add(id(value))
            if len(open_ids) > max_depth:
                raise _fail(root, path, f"nested deeper than {max_depth} levels")
            stack.append((value, True))
            stack.extend((child, False) for child in children)
            continue
        open_ids.discard(id(value))
        inner = [measured.get(id(child), (1, 0)) for child in children]
        size = 1 + sum(values for values, _ in inner)
        depth = 1 + max(levels for _, levels in inner) if inner else 0
        if size > max_nodes:
            raise _fail(root, path, f"more than {max_nodes} values (YAML aliases expand too far?)")
        if depth > max_depth:
            raise _fail(root, path, f"nested deeper than {max_depth} levels")
        measured[id(value)] = (size, depth)


def _children(value: object) -> list[object] | None:
    """The values inside a container (and its tuple keys), or None for a scalar."""
    if isinstance(value, dict):
        return [*value.values(), *(k for k in value if isinstance(k, (tuple, frozenset)))]
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def parse_toml(root: Path, path: Path, text: str) -> Document:
    import tomllib  # noqa: PLC0415 - only the verbs that read TOML pay for it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _fail(root, path, f"invalid TOML ({error})") from error
    except RecursionError as error:
        raise _fail(root, path, "nested too deeply to parse") from error
    check_shape(root, path, data)
    return Document(shown(root, path), data)


def read_toml(root: Path, path: Path, *, limit: int = MAX_BYTES) -> Document:
    """Parse a TOML file inside `root`; its top level is always a table."""
    return parse_toml(root, path, read_text(root, path, limit=limit))


def parse_yaml(
    root: Path, path: Path, text: str, *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH
) -> Document:
    # PyYAML is imported here only: projects without workflows never pay for it.
    import yaml  # noqa: PLC0415

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # libyaml's composer recurses in C: 100k nested brackets overflow the C stack and
        # kill the process before Python's recursion limit can say so. Its event stream is
        # flat, so measure the nesting there first and refuse before composing anything.
        _check_yaml_depth(root, path, yaml.parse(text, Loader=loader), max_depth)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, C or Python
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise _fail(root, path, f"invalid YAML ({first})") from error
    except RecursionError as error:
        raise _fail(root, path, "nested too deeply to parse") from error
    except (ValueError, TypeError, OverflowError) as error:  # e.g. a timestamp out of range
        raise _fail(root, path, f"invalid YAML value ({error})") from error
    check_shape(root, path, data, max_nodes=max_nodes, max_depth=max_depth)
    return Document(shown(root, path), data)


def _check_yaml_depth(root: Path, path: Path, events: Iterable[object], max_depth: int) -> None:
    import yaml  # noqa: PLC0415

    depth = 0
    for event in events:
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > max_depth:
                raise _fail(root, path, f"nested deeper than {max_depth} levels")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def read_yaml(root: Path, path: Path, *, limit: int = MAX_BYTES) -> Document:
    return parse_yaml(root, path, read_text(root, path, limit=limit))


def walk_files(root: Path, folder: Path, suffix: str, *, max_files: int = 10_000) -> Iterator[Path]:
    """Regular files ending in `suffix` under `folder`, sorted, without following symlinked
    folders (no loops, no way out); symlinked files are yielded (`read_*` checks them)."""
    if not is_dir(root, folder):
        return
    count = 0
    contained(root, folder)
    for top, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            if name.endswith(suffix):
                count += 1
                if count > max_files:
                    raise _fail(root, folder, f"more than {max_files} {suffix} files")
                yield Path(top) / name
