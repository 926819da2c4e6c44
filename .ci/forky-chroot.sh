#!/usr/bin/env bash
# A Debian forky (testing) chroot with CPython 3.13, 3.14 and 3.15, for the end-to-end test
# that runs a generated project's nox `tests` session on each (tests/e2e/test_pythons_e2e.py).
# The host (Debian bookworm) has CPython 3.11 only; the Debian archive its apt uses also
# serves forky, whose python3.13/3.14/3.15 packages debootstrap can install as root.
#
#   .ci/forky-chroot.sh setup                  create the chroot, or reuse a ready one
#   .ci/forky-chroot.sh status                 exit 0 and print its path if it is ready
#   .ci/forky-chroot.sh run [--bind DIR]... -- COMMAND [ARG]...
#                                              run COMMAND inside, as root, with the host's
#                                              Rust (read-only) and each DIR at the same path
#
# PYO3_SCAFFOLD_FORKY sets the chroot's path (default /var/cache/pyo3-scaffold/forky);
# PYO3_SCAFFOLD_FORKY_MIRROR the Debian mirror (default: the one in the host's apt sources).
#
# Exit status 77 means "cannot be had on this machine" (not root, not Linux, no debootstrap,
# the mirror unreachable): callers skip. Any other failure is a real one.
#
# Safe to run twice, or twice at once: a lock serialises setups; a chroot is built aside and
# moved into place only once complete, with a marker naming what it contains. Every mount
# (debootstrap's own, and those of `run`) happens inside a private mount namespace
# (unshare -m), so the kernel drops them all when the command ends, however it ends: nothing
# stays mounted and the host's mount table never changes. Bind targets must resolve inside
# the chroot, so a symlink in it cannot send a mount over a host directory.
set -euo pipefail

ROOT=${PYO3_SCAFFOLD_FORKY:-/var/cache/pyo3-scaffold/forky}
SUITE=forky
PYTHONS=(3.13 3.14 3.15)
# The packages, in the marker too: a chroot made for another list is rebuilt, not reused.
PACKAGES=ca-certificates,gcc,libc6-dev
for version in "${PYTHONS[@]}"; do
  PACKAGES+=",python$version,python$version-venv,python$version-dev"
done
# Another chroot through the same code (.ci/i386-chroot.sh: a 32-bit bookworm): its suite,
# debootstrap --arch and package list. The arch is part of the marker too.
SUITE=${PYO3_SCAFFOLD_CHROOT_SUITE:-$SUITE}
PACKAGES=${PYO3_SCAFFOLD_CHROOT_PACKAGES:-$PACKAGES}
ARCH=${PYO3_SCAFFOLD_CHROOT_ARCH:-}
WANTED=$PACKAGES${ARCH:+ arch=$ARCH}
MARKER=etc/pyo3-scaffold-forky   # inside the chroot, written last
# Inside the chroot cargo writes crates it downloads here; the host's ~/.cargo is read-only.
CHROOT_CARGO_HOME=/var/cache/cargo-home

die() { echo "forky-chroot: $*" >&2; exit 1; }
cannot() { echo "forky-chroot: $*" >&2; exit 77; }
say() { echo "forky-chroot: $*" >&2; }

check_root_path() {
  case $ROOT in
    /*) ;;
    *) die "PYO3_SCAFFOLD_FORKY must be an absolute path, not '$ROOT'" ;;
  esac
  local real
  real=$(realpath -m -- "$ROOT")
  [ "$real" != / ] || die "PYO3_SCAFFOLD_FORKY must not be /"
  ROOT=$real
}

ready() { [ -f "$ROOT/$MARKER" ] && [ "$(cat "$ROOT/$MARKER")" = "$WANTED" ]; }

mirror() {
  if [ -n "${PYO3_SCAFFOLD_FORKY_MIRROR:-}" ]; then
    echo "$PYO3_SCAFFOLD_FORKY_MIRROR"
    return
  fi
  # The host's Debian mirror, from deb822 .sources files or a one-line sources.list; not the
  # security archive, which has no forky suite of its own under that URL.
  local url
  url=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n' | grep -v security | head -n 1 || true)
  if [ -z "$url" ]; then
    url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
            | grep -v security | head -n 1 || true)
  fi
  echo "${url:-http://deb.debian.org/debian}"
}

nothing_mounted_under() {  # refuse to delete a directory that has anything mounted inside
  ! awk -v dir="$1" '$5 == dir || index($5, dir "/") == 1 { found = 1 } END { exit !found }' \
      /proc/self/mountinfo
}

setup() {
  [ "$(uname -s)" = Linux ] || cannot "needs Linux (debootstrap, chroot, mount namespaces)"
  [ "$(id -u)" = 0 ] || cannot "needs root (debootstrap, chroot, mount namespaces)"
  mkdir -p "$(dirname "$ROOT")"
  exec 9>"$ROOT.lock"
  flock 9
  if ready; then
    say "ready: $ROOT (reused)"
    echo "$ROOT"
    return
  fi
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2; } \
      || cannot "cannot install debootstrap with apt-get (no apt, or no network)"
  fi
  # debootstrap has no script for every new testing release; sid's bootstraps any of them.
  local script=/usr/share/debootstrap/scripts/$SUITE
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
  local partial=$ROOT.partial url
  url=$(mirror)
  # Unreachable mirror (no network): a reason to skip, said before any work is done.
  wget -q -T 20 -t 2 -O /dev/null "$url/dists/$SUITE/Release" \
    || cannot "cannot fetch $url/dists/$SUITE/Release (no network, or no $SUITE on that mirror)"
  for dir in "$partial" "$ROOT"; do
    if [ -e "$dir" ]; then
      nothing_mounted_under "$dir" || die "something is mounted under $dir: unmount it first"
      rm -rf --one-file-system -- "$dir"
    fi
  done
  say "debootstrap $SUITE from $url into $ROOT (about 2 minutes)"
  local started=$SECONDS
  # Its own proc/sys mounts live and die in this private mount namespace.
  if ! unshare --mount --propagation private \
      debootstrap ${ARCH:+--arch="$ARCH"} --variant=minbase --include="$PACKAGES" \
        "$SUITE" "$partial" "$url" "$script" \
      > "$ROOT.log" 2>&1; then
    tail -n 20 "$ROOT.log" >&2
    die "debootstrap failed (full log: $ROOT.log)"
  fi
  mkdir -p "$partial$CHROOT_CARGO_HOME"
  echo "$WANTED" > "$partial/$MARKER"
  mv -- "$partial" "$ROOT"
  say "ready: $ROOT in $((SECONDS - started)) s"
  echo "$ROOT"
}

status() {
  ready || cannot "no ready chroot at $ROOT: run '$0 setup' as root"
  echo "$ROOT"
}

# Copy the host's name resolution and CA bundle in (they may have changed since setup: an
# egress proxy's CA, for instance, must be trusted inside as outside).
refresh_host_files() {
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$ROOT/etc/ssl/certs"
    cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
  fi
}

run() {
  [ "$(id -u)" = 0 ] || cannot "needs root (chroot, mount namespaces)"
  local binds=()
  while [ $# -gt 0 ]; do
    case $1 in
      --bind) [ $# -ge 2 ] || die "--bind needs a directory"; binds+=("$(realpath -e -- "$2")"); shift 2 ;;
      --) shift; break ;;
      *) die "unknown option $1 (usage: $0 run [--bind DIR]... -- COMMAND...)" ;;
    esac
  done
  [ $# -gt 0 ] || die "run needs a command after --"
  ready || die "no ready chroot at $ROOT: run '$0 setup' as root"
  refresh_host_files
  # A clean environment: only what builds and downloads need, never the host's virtualenv.
  local keep=(
    "PATH=/root/.cargo/bin:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
    "HOME=/root" "LANG=C.UTF-8" "TERM=${TERM:-dumb}"
    "RUSTUP_HOME=/root/.rustup" "CARGO_HOME=$CHROOT_CARGO_HOME"
    "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
    "PIP_CERT=/etc/ssl/certs/ca-certificates.crt"
    "REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt"
    "CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt"
    "PIP_DISABLE_PIP_VERSION_CHECK=1"
  )
  local name
  for name in CI CARGO_TARGET_DIR RUSTUP_TOOLCHAIN PIP_DEFAULT_TIMEOUT UV_NATIVE_TLS \
              HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
    if [ -n "${!name:-}" ]; then keep+=("$name=${!name}"); fi
  done
  # The mounts, made by a shell in a private mount namespace that then runs the command; the
  # namespace, and every mount in it, ends with that shell.
  local script='
    set -euo pipefail
    root=$1; shift
    made=()  # mount points this run created, removed again when empty
    inside() {  # mount point for host path $1: refused if it resolves outside, then created
      local target
      # Resolved before anything is created, so a symlink in the chroot cannot send mkdir or
      # mount to a host directory.
      target=$(realpath -m -- "$root$1")
      case $target in
        "$root"/*) ;;
        *) echo "forky-chroot: $root$1 leaves the chroot: not mounting there" >&2; exit 1 ;;
      esac
      local new
      new=$(mkdir -pv -- "$target" | sed -n "s/^mkdir: created directory .\(.*\).$/\1/p")
      if [ -n "$new" ]; then mapfile -t -O "${#made[@]}" made <<< "$new"; fi
      mounted+=("$target")
    }
    mounted=()
    bind_ro() { inside "$1"; mount --bind "$1" "${mounted[-1]}"; mount -o remount,bind,ro "${mounted[-1]}"; }
    inside /proc; mount -t proc proc "${mounted[-1]}"
    inside /dev; mount --rbind /dev "${mounted[-1]}"
    for home in /root/.cargo /root/.rustup; do
      if [ -d "$home" ]; then bind_ro "$home"; fi
    done
    while [ "$1" != -- ]; do
      inside "$1"; mount --bind "$1" "${mounted[-1]}"
      shift
    done
    shift
    status=0
    chroot "$root" env -i "$@" || status=$?
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -R -l "${mounted[i]}" || true; done
    for ((i = ${#made[@]} - 1; i >= 0; i--)); do rmdir -- "${made[i]}" 2>/dev/null || true; done
    exit "$status"
  '
  exec unshare --mount --propagation private bash -c "$script" forky-chroot "$ROOT" \
    "${binds[@]}" -- "${keep[@]}" "$@"
}

check_root_path
case ${1:-} in
  setup) setup ;;
  status) status ;;
  run) shift; run "$@" ;;
  *) die "usage: $0 setup | status | run [--bind DIR]... -- COMMAND [ARG]..." ;;
esac
