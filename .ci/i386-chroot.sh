#!/usr/bin/env bash
# A 32-bit x86 Debian bookworm chroot with CPython 3.11 (i386 userland; the x86-64 kernel runs
# it), where tests/e2e/test_cross_wheels.py installs the i686 wheel it cross-built and runs the
# project's tests on it. The same machinery as .ci/forky-chroot.sh, with another suite, arch
# and package list; the same commands (setup, status, run) and exit status 77 for "cannot be
# had on this machine". python3-distutils is named because debootstrap does not resolve the
# virtual package python3.11-venv depends on.
set -euo pipefail
export PYO3_SCAFFOLD_FORKY=${PYO3_SCAFFOLD_I386:-/var/cache/pyo3-scaffold/bookworm-i386}
export PYO3_SCAFFOLD_CHROOT_SUITE=bookworm
export PYO3_SCAFFOLD_CHROOT_ARCH=i386
export PYO3_SCAFFOLD_CHROOT_PACKAGES=ca-certificates,python3.11,python3.11-venv,python3-distutils
exec bash "$(dirname "$0")/forky-chroot.sh" "$@"
