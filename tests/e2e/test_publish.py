"""`nox -s publish` against a real package index: pypiserver on 127.0.0.1 with a password file.

The project is built once (`nox -s build`: sdist + wheel into dist/); each test gets a fresh,
empty index on a free port, stopped at teardown.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run

from scaffold import new
from scaffold.answers import Answers

pytestmark = pytest.mark.slow

USER = "uploader"
PASSWORD = "s3cret-upload-pw"  # noqa: S105  (a throw-away password for a throw-away index)


@dataclass(frozen=True)
class Index:
    url: str
    packages: Path

    def files(self) -> list[str]:
        return sorted(path.name for path in self.packages.iterdir())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    with warnings.catch_warnings():
        # passlib imports the stdlib `crypt`, deprecated since 3.11 (pytest: warnings are errors).
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib.apache import HtpasswdFile

    htpasswd = HtpasswdFile(str(tmp_path / "htpasswd"), new=True)
    htpasswd.set_password(USER, PASSWORD)
    htpasswd.save()
    packages = tmp_path / "packages"
    packages.mkdir()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "pypiserver", "run",
            "--host", "127.0.0.1", "--port", str(port),
            "--passwords", str(tmp_path / "htpasswd"), "--authenticate", "update",
            "--disable-fallback", "--backend", "simple-dir",
            str(packages),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/simple/", timeout=2):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("pypiserver did not start")
                time.sleep(0.1)
        yield Index(url=url, packages=packages)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, cargo_target_dir: Path) -> Path:
    """A project whose dist/ holds its sdist and a wheel for this machine."""
    answers = Answers.resolve("demo-pub", min_python="3.10")
    destination = tmp_path_factory.mktemp("publish") / "demo-pub"
    project = new.run(new.NewOptions(destination=destination, answers=answers)).destination
    run("nox", "-s", "build", cwd=project, env=nox_env(cargo_target_dir))
    assert sorted(path.suffix for path in (project / "dist").iterdir()) == [".gz", ".whl"]
    return project


def nox_env(cargo_target_dir: Path, **extra: str) -> dict[str, str]:
    drop = {"VIRTUAL_ENV", "CONDA_PREFIX", "TWINE_USERNAME", "TWINE_PASSWORD"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("TWINE_")}
    env["CARGO_TARGET_DIR"] = str(cargo_target_dir)
    env.update(extra)
    return env


def publish(project: Path, env: dict[str, str], *posargs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["nox", "-s", "publish", "--", *posargs],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_publish_uploads_sdist_and_wheel_that_pip_installs(
    project: Path, index: Index, cargo_target_dir: Path, tmp_path: Path
) -> None:
    env = nox_env(
        cargo_target_dir,
        TWINE_USERNAME=USER,
        TWINE_PASSWORD=PASSWORD,
        TWINE_REPOSITORY_URL=f"{index.url}/",  # the repository URL from the environment
    )
    done = publish(project, env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "twine check" in output
    assert PASSWORD not in output
    assert index.files() == sorted(path.name for path in (project / "dist").iterdir())

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(
        python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--index-url", f"{index.url}/simple/", "demo-pub",
    )  # fmt: skip
    checked = run(
        python, "-c", "import demo_pub; print(demo_pub.fast_sum([1, 2, 3]))", cwd=tmp_path
    )
    assert checked.stdout.strip() == "6"


def test_wrong_password_fails_clearly_and_uploads_nothing(
    project: Path, index: Index, cargo_target_dir: Path
) -> None:
    wrong = "not-the-password"
    env = nox_env(cargo_target_dir, TWINE_USERNAME=USER, TWINE_PASSWORD=wrong)
    done = publish(project, env, f"{index.url}/")  # the repository URL as a posarg
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "403" in output
    assert "check TWINE_USERNAME and TWINE_PASSWORD" in output
    assert wrong not in output
    assert index.files() == []


def test_missing_credentials_fail_before_any_upload(
    project: Path, index: Index, cargo_target_dir: Path
) -> None:
    done = publish(project, nox_env(cargo_target_dir), f"{index.url}/")
    assert done.returncode != 0
    assert "set TWINE_USERNAME" in done.stdout + done.stderr
    assert index.files() == []


class ArgvWatch:
    """Every command line on this machine that holds `secret`, sampled while a command runs.

    /proc/PID/cmdline is readable by every user of a machine: a secret there is leaked.
    """

    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()
        self.leaks: dict[int, str] = {}
        self.twine_seen = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    argv = cmdline.read_bytes()
                except OSError:
                    continue  # the process ended meanwhile
                if b"twine\x00upload" in argv or b"twine upload" in argv:
                    self.twine_seen = True
                if self.secret in argv:
                    pid = int(cmdline.parent.name)
                    self.leaks[pid] = argv.replace(b"\x00", b" ").decode(errors="replace")
            time.sleep(0.005)

    def run(
        self, args: list[str], **kwargs: object
    ) -> tuple[int, subprocess.CompletedProcess[str]]:
        self._thread.start()
        try:
            process = subprocess.Popen(
                args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
            )
            stdout, stderr = process.communicate(timeout=600)
        finally:
            self._stop.set()
            self._thread.join()
        return process.pid, subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def credentials_url(index: Index) -> str:
    host = index.url.removeprefix("http://")
    return f"http://{USER}:{PASSWORD}@{host}/"


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux's /proc")
def test_credentials_in_the_url_are_never_printed_nor_on_a_command_line(
    project: Path, index: Index, cargo_target_dir: Path
) -> None:
    # The token in the URL, given in TWINE_REPOSITORY_URL: no process may show it in argv.
    env = nox_env(cargo_target_dir, TWINE_REPOSITORY_URL=credentials_url(index))
    watch = ArgvWatch(PASSWORD)
    _, done = watch.run(["nox", "-s", "publish"], cwd=project, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert watch.twine_seen  # the watch saw twine's command line, and...
    assert watch.leaks == {}  # ...no command line held the password
    assert PASSWORD not in output
    assert f"--repository-url {index.url}/" in output  # nox echoes the URL without it
    assert index.files() == sorted(path.name for path in (project / "dist").iterdir())


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux's /proc")
def test_credentials_in_a_posarg_url_reach_twine_through_its_environment(
    project: Path, index: Index, cargo_target_dir: Path
) -> None:
    # `nox -s publish -- URL` puts the URL on nox's own command line (the user's choice);
    # nothing that nox starts may repeat it, and nothing may print it.
    watch = ArgvWatch(PASSWORD)
    nox_pid, done = watch.run(
        ["nox", "-s", "publish", "--", credentials_url(index)],
        cwd=project,
        env=nox_env(cargo_target_dir),
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert watch.twine_seen
    # Only nox's own command line, and copies of it in nox's forks before they exec a tool.
    own = watch.leaks.get(nox_pid, "")
    assert own.endswith(f"nox -s publish -- {credentials_url(index)} ")
    assert set(watch.leaks.values()) == {own}, watch.leaks
    assert PASSWORD not in output
    assert f"{USER}:" not in output
    assert index.files() == sorted(path.name for path in (project / "dist").iterdir())
