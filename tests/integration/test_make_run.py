"""`make run` from nothing: SQLite and the filesystem broker, web + worker + beat, healthy, then Ctrl-C.

It needs no external service, so it never skips. It runs in its own xdist group and takes
about a minute: migrate, seeding the demo data, and the first heartbeats of beat and the
worker before /healthz turns 200.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.xdist_group("make-run")]

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 150
STOP_SECONDS = 30
# Nothing from this test run may leak into the app: it starts from the embedded defaults.
DROPPED_ENV = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_ENV",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
DROPPED_ENV_PREFIXES = ("CELERY_", "_MP_FORK_", "PYTEST_", "MAKE", "MFLAGS")

# No proxy for 127.0.0.1, whatever the environment says.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(var_dir: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in DROPPED_ENV and not key.startswith(DROPPED_ENV_PREFIXES)
    }
    env.update(CARECOORD_VAR_DIR=str(var_dir), PORT=str(port), PYTHONUNBUFFERED="1")
    return env


def _get(url: str) -> tuple[int, bytes]:
    """Status and body; (0, b"") while nothing listens yet."""
    try:
        with _http.open(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def _processes_of(var_dir: Path) -> list[int]:
    """Every live process started for this run: they all carry its CARECOORD_VAR_DIR.

    honcho starts each Procfile process in a session of its own, so the process group of
    `make` does not cover them; their environment does.
    """
    marker = f"CARECOORD_VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone already, or a zombie
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _log_tail(log: Path, lines: int = 60) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int, Path, Path]]:
    """`make run` in a process group of its own; killed outright afterwards, whatever happened."""
    assert shutil.which("make"), "make is required: `make run` is how CareCoord starts"
    var_dir = tmp_path / "var"
    log = tmp_path / "make-run.log"
    port = _free_port()
    with log.open("wb") as out:
        # -o: take the virtualenv as installed. Installing is `make install`'s job (and `make
        # test` runs it first); a test must not reach for the package index.
        proc = subprocess.Popen(
            ["make", "-o", ".venv/.installed", "run"],
            cwd=REPO_ROOT,
            env=_environment(var_dir, port),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc, port, var_dir, log
    finally:
        # Safety net: `make` and honcho (their group), then anything else this run started.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in _processes_of(var_dir):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=STOP_SECONDS)


def test_make_run_serves_a_healthy_app_and_stops_on_ctrl_c(make_run) -> None:
    proc, port, var_dir, log = make_run
    base = f"http://127.0.0.1:{port}"

    deadline = time.monotonic() + STARTUP_SECONDS
    status, body = _get(f"{base}/healthz")
    while status != 200:
        assert proc.poll() is None, f"make run exited early ({proc.returncode}):\n{_log_tail(log)}"
        assert time.monotonic() < deadline, (
            f"/healthz not 200 after {STARTUP_SECONDS}s (last: {status} {body[:300]!r}):\n{_log_tail(log)}"
        )
        time.sleep(1)
        status, body = _get(f"{base}/healthz")
    health = json.loads(body)
    assert health["failing"] == [] and health["database"]["status"] == health["broker"]["status"] == "ok"
    assert health["beat"]["running"] == 1 and health["worker"]["running"] >= 1  # each its own heartbeat

    status, body = _get(f"{base}/login/")
    assert status == 200, f"/login/ returned {status}:\n{_log_tail(log)}"
    assert (var_dir / "carecoord.sqlite3").exists()  # the embedded database, in the run's own var dir

    # Ctrl-C in the terminal: SIGINT to the foreground process group.
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"make run still running {STOP_SECONDS}s after Ctrl-C:\n{_log_tail(log)}")

    deadline = time.monotonic() + 10  # the last exits can trail make's own by a moment
    while (left := _processes_of(var_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == [], f"processes left behind after Ctrl-C: {left}\n{_log_tail(log)}"
    assert _get(f"{base}/healthz")[0] == 0  # nothing listens on the port any more
