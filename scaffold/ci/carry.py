"""Carry a project's shipped wheel targets over to our cibuildwheel workflow (`ci --force`).

The template's wheels.yml builds 8 platforms (Linux x86_64/aarch64 glibc+musl, macOS
x86_64/arm64, Windows AMD64/ARM64). Everything else the old pipeline shipped is added as
matrix entries (i686 and Windows x86 through `archs`; armv7l/ppc64le/s390x/riscv64 under QEMU;
universal2; pyodide), PyPy/GraalPy through `enable`, the manylinux/musllinux images that keep
the shipped glibc/musl floor, free-threaded builds (no `cp3??t-*` skip), abi3 features given
on the old command line (`MATURIN_PEP517_ARGS`). What cibuildwheel cannot build (big-endian
ppc64, a floor older than any image) is returned by name: `ci --force` stops on it unless the
user gives it up explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scaffold.checks.pipeline import Pipeline, Target

# (os, arch, libc) the template's matrix builds already.
BASE = {
    ("linux", "x86_64", "glibc"),
    ("linux", "x86_64", "musl"),
    ("linux", "aarch64", "glibc"),
    ("linux", "aarch64", "musl"),
    ("macos", "x86_64", ""),
    ("macos", "arm64", ""),
    ("windows", "AMD64", ""),
    ("windows", "ARM64", ""),
}
# Linux archs cibuildwheel builds under QEMU on an x86_64 runner (no native GitHub runner).
QEMU_ARCHS = {"armv7l", "ppc64le", "s390x", "riscv64"}
# Oldest image cibuildwheel 4 offers per (arch, libc); older shipped floors cannot be kept.
_OLDEST_IMAGE = {
    ("x86_64", "glibc"): "manylinux2014",
    ("i686", "glibc"): "manylinux2014",
    ("aarch64", "glibc"): "manylinux2014",
    ("ppc64le", "glibc"): "manylinux2014",
    ("s390x", "glibc"): "manylinux2014",
    ("armv7l", "glibc"): "manylinux_2_31",
    ("riscv64", "glibc"): "manylinux_2_39",
}
_GLIBC = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
# cibuildwheel's default images (what is built when nothing is set).
_DEFAULT_GLIBC = (2, 28)


@dataclass(frozen=True, kw_only=True)
class MatrixEntry:
    name: str
    id: str
    os: str
    archs: str
    build: str = "*"
    platform: str = ""
    qemu: bool = False

    def yaml(self) -> str:
        fields = [
            f"name: {self.name}",
            f"id: {self.id}",
            f"os: {self.os}",
            f"archs: {self.archs}",
            f'build: "{self.build}"',
        ]
        if self.platform:
            fields.append(f"platform: {self.platform}")
        if self.qemu:
            fields.append("qemu: true")
        return "          - { " + ", ".join(fields) + " }\n"


@dataclass(frozen=True, kw_only=True)
class Carry:
    entries: tuple[MatrixEntry, ...]
    enable: tuple[str, ...]  # cibuildwheel enable groups (pypy, graalpy)
    images: dict[str, str] = field(default_factory=dict)  # manylinux-x86_64-image -> value
    # Template skips to drop so shipped targets are built (e.g. "*-musllinux_i686").
    unskip: tuple[str, ...] = ()
    keep_free_threaded: bool = False
    pep517_args: str = ""
    musl_alpine_rust: tuple[str, ...] = ()  # musl archs that need Alpine's Rust
    cannot: tuple[str, ...] = ()  # shipped targets cibuildwheel cannot build, by name
    floors_raised: tuple[str, ...] = ()  # "linux armv7l: manylinux2014 -> manylinux_2_31"


def _floor(image: str) -> tuple[int, int] | None:
    if image in _GLIBC:
        return _GLIBC[image]
    found = re.fullmatch(r"manylinux_(\d+)_(\d+)", image)
    return (int(found.group(1)), int(found.group(2))) if found else None


def plan(  # noqa: C901, PLR0912 (one decision per kind of target)
    shipped: Pipeline, *, abi3: bool, free_threaded: bool, extra_args: str = ""
) -> Carry:
    """How our workflow builds every target `shipped` has (see the module docstring)."""
    platforms = {(t.os, t.arch, t.libc) for t in shipped.targets}
    kinds = {t.kind for t in shipped.targets}
    entries: list[MatrixEntry] = []
    cannot: list[str] = []
    unskip: list[str] = []
    alpine: list[str] = []
    for os_name, arch, libc in sorted(platforms - BASE):
        if os_name == "linux":
            flavour = "manylinux" if libc == "glibc" else "musllinux"
            if arch == "ppc64":
                cannot.append(f"linux ppc64 {flavour} (big-endian: cibuildwheel has no ppc64)")
                continue
            runner = "ubuntu-24.04"
            entries.append(
                MatrixEntry(
                    name=f"Linux {arch} {flavour}",
                    id=f"linux-{arch}-{'gnu' if libc == 'glibc' else 'musl'}",
                    os=runner,
                    archs=arch,
                    build=f"*-{flavour}_*",
                    qemu=arch in QEMU_ARCHS,
                )
            )
            if libc == "musl":
                unskip.append(f"*-musllinux_{arch}")
                if arch in {"i686", "armv7l"}:
                    alpine.append(arch)  # rustup has no host toolchain for these
        elif os_name == "macos" and arch == "universal2":
            entries.append(
                MatrixEntry(
                    name="macOS universal2",
                    id="macos-universal2",
                    os="macos-15",
                    archs="universal2",
                )
            )
        elif os_name == "windows" and arch == "x86":
            entries.append(
                MatrixEntry(name="Windows x86", id="windows-x86", os="windows-2025", archs="x86")
            )
        elif os_name == "pyodide":
            entries.append(
                MatrixEntry(
                    name="Pyodide",
                    id="pyodide",
                    os="ubuntu-24.04",
                    archs="auto",
                    platform="pyodide",
                )
            )
        else:
            cannot.append(f"{os_name} {arch} {libc}".strip())
    images: dict[str, str] = {}
    raised: list[str] = []
    for (arch, libc), image in sorted(shipped.floors.items()):
        if libc != "glibc" or arch == "ppc64":
            if libc == "musl" and image not in {"musllinux_1_2", ""}:
                raised.append(f"linux {arch} musllinux: {image} -> musllinux_1_2")
            continue
        wanted = _floor(image)
        oldest = _OLDEST_IMAGE.get((arch, libc))
        if wanted is None or oldest is None:
            continue
        oldest_floor = _floor(oldest) or _DEFAULT_GLIBC
        if wanted < oldest_floor:
            raised.append(f"linux {arch} manylinux: {image} -> {oldest}")
            images[f"manylinux-{arch}-image"] = oldest
        elif wanted < _DEFAULT_GLIBC:
            images[f"manylinux-{arch}-image"] = image if image in _GLIBC else oldest
    enable = tuple(e for e, k in (("pypy", "pp"), ("graalpy", "graalpy")) if k in kinds)
    pep517 = ""
    if "abi3" in kinds and not abi3:
        found = re.search(r"--features[ =](\S*abi3\S*)", extra_args)
        pep517 = f"--features {found.group(1)}" if found else ""
        if not pep517:
            cannot.append("abi3 wheels (built with an abi3 feature this project's files lack)")
    return Carry(
        entries=tuple(entries),
        enable=enable,
        images=images,
        unskip=tuple(unskip),
        keep_free_threaded="cpt" in kinds and not free_threaded,
        pep517_args=pep517,
        musl_alpine_rust=tuple(alpine),
        cannot=tuple(cannot),
        floors_raised=tuple(raised),
    )


def abi3_args(workflow_texts: Iterable[str]) -> str:
    """`--features pyo3/abi3-pyXY` given on an old `maturin build` command line, if any."""
    for text in workflow_texts:
        found = re.search(r"--features[ =]\S*abi3-py\d+", text)
        if found:
            return found.group(0)
    return ""


def matches(target: Target, dropped: Iterable[str]) -> bool:
    """Whether the user gave this target up (`--drop-target "linux ppc64"` matches by prefix)."""
    text = str(target)
    return any(text.startswith(d.strip()) for d in dropped if d.strip())
