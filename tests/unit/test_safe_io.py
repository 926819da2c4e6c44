"""scaffold.safe_io: hostile files give one UnreadableProjectError line, never a hang or crash."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold import safe_io
from scaffold.errors import EXIT_UNREADABLE, UnreadableProjectError


def _refused(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(UnreadableProjectError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.exit_code == EXIT_UNREADABLE
    return message


def test_reads_a_regular_file_with_its_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_bytes(b'x = "1"\r\n')
    assert safe_io.read_text(tmp_path, tmp_path / "a.toml") == 'x = "1"\r\n'
    assert safe_io.read_toml(tmp_path, tmp_path / "a.toml").data == {"x": "1"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pyproject.toml")
    done: list[str] = []
    reader = threading.Thread(
        target=lambda: done.append(
            _refused(safe_io.read_toml, tmp_path, tmp_path / "pyproject.toml")
        ),
        daemon=True,
    )
    reader.start()
    reader.join(5)
    assert done, "reading a FIFO blocked"
    assert (
        done[0] == "cannot read pyproject.toml: it is a FIFO (named pipe), expected a regular file"
    )


def test_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").symlink_to("/dev/zero")
    assert "outside the project" in _refused(safe_io.read_bytes, tmp_path, tmp_path / "Cargo.toml")


def test_device_inside_the_root_is_refused() -> None:
    # Rooted at /dev, /dev/zero is "inside": the kind check must stop it before any read.
    message = _refused(safe_io.read_bytes, Path("/dev"), Path("/dev/zero"))
    assert message == "cannot read zero: it is a device, expected a regular file"


def test_symlink_leaving_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("token")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").symlink_to(outside)
    message = _refused(safe_io.read_text, project, project / "pyproject.toml")
    assert "token" not in message
    assert message == "cannot read pyproject.toml: it is a symlink to a place outside the project"


def test_symlink_inside_the_project_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real.toml").write_text("a = 1\n")
    (tmp_path / "link.toml").symlink_to("real.toml")
    assert safe_io.read_toml(tmp_path, tmp_path / "link.toml").data == {"a": 1}


def test_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    _refused(safe_io.read_bytes, tmp_path, tmp_path / "a")


def test_size_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with big.open("wb") as stream:
        stream.truncate(safe_io.MAX_BYTES + 1)  # sparse: no real disk use
    message = _refused(safe_io.read_bytes, tmp_path, big)
    size, cap = safe_io.MAX_BYTES + 1, safe_io.MAX_BYTES
    assert message == f"cannot read big.toml: it is {size} bytes, more than the {cap} allowed"
    (tmp_path / "small").write_bytes(b"12345")
    _refused(safe_io.read_bytes, tmp_path, tmp_path / "small", limit=4)
    assert safe_io.read_bytes(tmp_path, tmp_path / "small", limit=5) == b"12345"


def test_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(b"x = 1\n# caf\xe9\n")
    assert _refused(safe_io.read_text, tmp_path, tmp_path / "m.py") == (
        "cannot read m.py: it is not UTF-8 (byte 11, line 2)"
    )


def test_folder_for_file_and_file_for_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").mkdir()
    (tmp_path / "src").write_text("")
    assert "a folder" in _refused(safe_io.read_bytes, tmp_path, tmp_path / "pyproject.toml")
    assert "a folder" in _refused(safe_io.is_file, tmp_path, tmp_path / "pyproject.toml")
    assert _refused(safe_io.is_dir, tmp_path, tmp_path / "src") == (
        "cannot read src: it is a file, expected a folder"
    )
    assert not safe_io.is_file(tmp_path, tmp_path / "src" / "lib.rs")  # parent is a file
    assert list(safe_io.walk_files(tmp_path, tmp_path / "missing", ".rs")) == []


def test_unreadable_file(tmp_path: Path) -> None:
    # Root reads a chmod 000 file anyway, so the OSError path is reached with a file that
    # no one can read: a file inside a folder whose search permission is also gone fails
    # for non-root users; for root, O_NOFOLLOW on a final symlink component gives ELOOP.
    target = tmp_path / "x.toml"
    target.write_text("a = 1\n")
    target.chmod(0)
    if os.geteuid() != 0:
        assert "Permission denied" in _refused(safe_io.read_bytes, tmp_path, target)
    else:
        assert safe_io.read_bytes(tmp_path, target) == b"a = 1\n"


def test_wrong_toml_types(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('tool = "x"\n')
    doc = safe_io.read_toml(tmp_path, tmp_path / "a.toml")
    assert _refused(safe_io.table, doc, "tool", "cibuildwheel") == (
        "cannot read a.toml: tool is a string, expected a table"
    )
    (tmp_path / "b.toml").write_text("[[tool.cibuildwheel]]\nx = 1\n")
    doc = safe_io.read_toml(tmp_path, tmp_path / "b.toml")
    assert _refused(doc.table, "tool", "cibuildwheel") == (
        "cannot read b.toml: tool.cibuildwheel is an array, expected a table"
    )
    assert doc.table("tool", "maturin") is None
    assert doc.table("project") is None
    (tmp_path / "c.toml").write_text('[project]\nname = 3\nreadme = true\nkeywords = ["a", 1]\n')
    doc = safe_io.read_toml(tmp_path, tmp_path / "c.toml")
    assert "project.name is an integer, expected a string" in _refused(
        doc.get, "project", "name", kind=str
    )
    assert "is a boolean, expected an integer" in _refused(doc.get, "project", "readme", kind=int)
    assert "must be an array of strings" in _refused(safe_io.strings, doc, "project", "keywords")


def test_invalid_toml_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("[project\n")
    assert _refused(safe_io.read_toml, tmp_path, tmp_path / "a.toml").startswith(
        "cannot read a.toml: invalid TOML ("
    )
    (tmp_path / "w.yml").write_text("on: [push\n")
    assert _refused(safe_io.read_yaml, tmp_path, tmp_path / "w.yml").startswith(
        "cannot read w.yml: invalid YAML ("
    )


def test_deep_nesting(tmp_path: Path) -> None:
    (tmp_path / "deep.toml").write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "nested" in _refused(safe_io.read_toml, tmp_path, tmp_path / "deep.toml")
    (tmp_path / "deep.yml").write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    _refused(safe_io.read_yaml, tmp_path, tmp_path / "deep.yml")
    (tmp_path / "d70.yml").write_text("a: " + "[" * 70 + "]" * 70 + "\n")
    assert "deeper than 64" in _refused(safe_io.read_yaml, tmp_path, tmp_path / "d70.yml")


def test_yaml_alias_bomb_is_bounded(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (tmp_path / "bomb.yml").write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    assert "aliases expand too far" in _refused(safe_io.read_yaml, tmp_path, tmp_path / "bomb.yml")
    assert time.perf_counter() - start < 1


def test_yaml_aliases_count_expanded_but_cost_only_their_real_values(tmp_path: Path) -> None:
    # a0 holds 10 values, a1 10 a0s, ...: 11 + 111 + 1111 + 11111 values and the mapping, 12345
    # once expanded, which is what counts, though only ~50 values are really there.
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 4)]
    text = "\n".join(lines) + "\n"
    wide = tmp_path / "wide.yml"
    assert safe_io.parse_yaml(tmp_path, wide, text, max_nodes=12_345).data
    assert "more than 12344" in _refused(safe_io.parse_yaml, tmp_path, wide, text, max_nodes=12_344)


def test_a_yaml_value_that_contains_itself_is_refused(tmp_path: Path) -> None:
    (tmp_path / "loop.yml").write_text("a: &a [1, *a]\n")
    assert "contains itself" in _refused(safe_io.read_yaml, tmp_path, tmp_path / "loop.yml")


_DOC_TEXT = st.one_of(
    st.binary(max_size=300),
    st.text(st.sampled_from("[]{}\"=.,\n\r\t :-&*!#abc1\\'|>"), max_size=200).map(str.encode),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_DOC_TEXT, keys=st.lists(st.sampled_from(["tool", "a", "b", "project"]), max_size=3))
def test_any_bytes_parse_or_give_one_line(tmp_path: Path, data: bytes, keys: list[str]) -> None:
    """Property: for any bytes, each reader returns typed data or raises one clean line."""
    (tmp_path / "f").write_bytes(data)
    for reader in (safe_io.read_toml, safe_io.read_yaml):
        messages: list[str] = []
        try:
            doc = reader(tmp_path, tmp_path / "f")
            found = doc.table(*keys)
        except UnreadableProjectError as error:
            messages.append(str(error))
        else:
            assert found is None or isinstance(found, dict)
        assert all("\n" not in m and m.startswith("cannot read f: ") for m in messages)
