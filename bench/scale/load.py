"""make bench-load: mixed traffic against gunicorn (gunicorn.conf.py) at several concurrencies.

Runs against one generated database (DATABASE_URL, e.g. cc_scale_bench_20000 after make bench-scale).
For each server configuration in BENCH_LOAD_CONFIGS ("worker_class:workers:threads", comma-separated)
it starts gunicorn on a free local port, warms it up, then for each concurrency in BENCH_LOAD_CONCURRENCY
runs that many client threads for BENCH_LOAD_SECONDS, each with its own keep-alive connection, cycling
through the mix: caseload page (nurse), patient list API, pathway page, task API (nurse) and the
portal child page (family). Prints requests/s, p50 and p95 ms and errors. The load generator runs on
the same machine (2 cores, shared), so it takes part of the CPU the server could use.
"""

import collections
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecoord.settings")


def _mix() -> list[tuple[str, str]]:
    """(url, session cookie) for each request of the mix, logged in as the bench nurse or family."""
    import django

    django.setup()
    import generate
    from django.conf import settings
    from django.test import Client

    from apps.accounts.models import User
    from apps.patients.models import Patient

    cookies = {}
    for who in (generate.NURSE, generate.FAMILY):
        client = Client()
        client.force_login(User.objects.get(email=who))
        cookies[who] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    nurse, family = cookies[generate.NURSE], cookies[generate.FAMILY]
    child = Patient.objects.filter(named_nurse__email=generate.NURSE).order_by("pk").first()
    assert child is not None
    return [
        ("/caseload/", nurse),
        ("/api/v1/patients/", nurse),
        (f"/patients/{child.pk}/pathway/", nurse),
        ("/api/v1/tasks/", nurse),
        (f"/portal/children/{child.pk}/", family),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(worker_class: str, workers: int, threads: int, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKER_CLASS": worker_class,
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_ACCESSLOG": "",  # no access log line per request while measuring
        "DEBUG": "0",  # as in production: no query log, no template debug information
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        # One nurse sends the whole load, far past the API's per-user limit (300 a minute), which
        # would answer 429 once a minute's requests add up: the benchmark measures serving, not that.
        "THROTTLE_RATE_USER": "1000000/minute",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "carecoord.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(60):  # the first request loads Django in the worker: slow on a busy machine
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/livez")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _client(port: int, mix: list[tuple[str, str]], offset: int, stop: float, out: list, errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = offset
    while time.perf_counter() < stop:
        url, cookie = mix[n % len(mix)]
        n += 1
        start = time.perf_counter()
        try:
            conn.request("GET", url, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            failure = "" if response.status == 200 else f"{url} answered {response.status}"
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            failure = f"{url}: {type(error).__name__}"
        if failure:
            errors.append(failure)
        else:
            out.append((time.perf_counter() - start) * 1000)


def _load(
    port: int, mix: list[tuple[str, str]], concurrency: int, seconds: float
) -> tuple[float, float, float, list[str]]:
    stop = time.perf_counter() + seconds
    out: list[float] = []
    errors: list[str] = []
    clients = [
        threading.Thread(target=_client, args=(port, mix, i, stop, out, errors)) for i in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(out) or [0.0]
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return len(out) / elapsed, statistics.median(ordered), p95, errors


def main() -> None:
    mix = _mix()
    configs = os.environ.get("BENCH_LOAD_CONFIGS", "sync:2:1,gthread:2:4,gthread:2:8")
    concurrencies = [int(c) for c in os.environ.get("BENCH_LOAD_CONCURRENCY", "1,4,8,16").split(",")]
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "15"))
    print(f"mixed traffic ({len(mix)} reads in turn), {seconds:.0f} s per concurrency", flush=True)
    print(f"{'server':<22} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for config in configs.split(","):
        worker_class, workers, threads = config.split(":")
        port = _free_port()
        server = _start(worker_class, int(workers), int(threads), port)
        try:
            _load(port, mix, int(workers) * int(threads), 5)  # warm up every worker and thread
            for concurrency in concurrencies:
                rps, p50, p95, errors = _load(port, mix, concurrency, seconds)
                label = f"{worker_class} {workers}x{threads}"
                print(
                    f"{label:<22} {concurrency:>7} {rps:>8.1f} {p50:>8.1f} {p95:>8.1f} {len(errors):>7}",
                    flush=True,
                )
                for failure, count in collections.Counter(errors).most_common():
                    print(f"    {count} x {failure}", flush=True)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
