"""make bench-scale: the key reads at two hospital sizes, measured interleaved.

The driver builds (or reuses) one database per size, named after DATABASE_URL's database with the size
appended (cc_scale_bench_2000, cc_scale_bench_20000), then starts one worker process per size. Each worker
serves every key read through Django's test Client against the real views, logged in with force_login, and
the driver asks them for rounds in turn, so both sizes see the same machine load.

Then it prints the caseload API's endpoint/raw-SQL ratio (the same statements run through a cursor) and,
unless BENCH_LOAD=0, runs load.py: mixed traffic against gunicorn on the large database.

Env: BENCH_SMALL (2000), BENCH_LARGE (20000), BENCH_ROUNDS (15), BENCH_REBUILD=1 to regenerate,
DATABASE_URL (a throwaway PostgreSQL database; SQLite files under var/ when unset).
"""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _size_url(size: int) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        return f"sqlite:///{ROOT / 'var' / f'bench-scale-{size}.sqlite3'}"
    return f"{base.rstrip('/')}_{size}"


def _worker_env(size: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _size_url(size),
        "DJANGO_SETTINGS_MODULE": "carecoord.settings",
        "DEBUG": "0",  # as in production (the reads count their queries themselves)
    }


def _create_database(size: int) -> None:
    """Create the size's PostgreSQL database if missing (dropping it first with BENCH_REBUILD=1)."""
    url = _size_url(size)
    if not url.startswith("postgres"):
        if os.environ.get("BENCH_REBUILD") == "1":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if os.environ.get("BENCH_REBUILD") == "1":
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build(size: int) -> None:
    _create_database(size)
    subprocess.run([sys.executable, __file__, "build", str(size)], env=_worker_env(size), check=True)


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main() -> None:
    small = int(os.environ.get("BENCH_SMALL", "2000"))
    large = int(os.environ.get("BENCH_LARGE", "20000"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "15"))
    for size in (small, large):
        build(size)
    workers = {
        size: subprocess.Popen(
            [sys.executable, __file__, "worker", str(size)],
            env=_worker_env(size),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for size in (small, large)
    }
    times: dict[int, dict[str, list[float]]] = {small: {}, large: {}}
    queries: dict[int, dict[str, int]] = {small: {}, large: {}}
    sizes: dict[int, dict[str, int]] = {small: {}, large: {}}
    print(f"measuring {rounds} rounds, interleaved ({small:,} and {large:,} children)", flush=True)
    for n in range(rounds + 1):  # round 0 warms up
        for size, proc in workers.items():
            assert proc.stdin and proc.stdout
            proc.stdin.write("round\n")
            proc.stdin.flush()
            result = json.loads(proc.stdout.readline())
            if n == 0:
                continue
            for label, (count, ms, size_bytes) in result.items():
                times[size].setdefault(label, []).append(ms)
                queries[size][label] = count
                sizes[size][label] = size_bytes
        print(f"\r  round {n}/{rounds}", end="", flush=True)
    print()
    for proc in workers.values():
        assert proc.stdin
        proc.stdin.close()
        proc.wait()
    _print_table(small, large, times, queries, sizes)
    for size in (small, large):
        endpoint = _summary(times[size]["caseload API"])[0]
        raw = _summary(times[size]["caseload API raw SQL"])[0]
        print(
            f"caseload API at {size:,}: endpoint {endpoint:.1f} ms / raw SQL {raw:.1f} ms = {endpoint / raw:.2f}"
        )
    if os.environ.get("BENCH_LOAD", "1") == "1":  # throughput against gunicorn, on the large database
        load = Path(__file__).resolve().parent / "load.py"
        subprocess.run([sys.executable, str(load)], env=_worker_env(large), cwd=ROOT, check=True)


def _print_table(
    small: int,
    large: int,
    times: dict[int, dict[str, list[float]]],
    queries: dict[int, dict[str, int]],
    sizes: dict[int, dict[str, int]],
) -> None:
    head = f"{'read':<34} {'queries':>9} {small:>7,} p50/p95 ms {large:>8,} p50/p95 ms {'p50 ratio':>10} {'KB':>11}"
    print(head)
    print("-" * len(head))
    for label in times[small]:
        s50, s95 = _summary(times[small][label])
        l50, l95 = _summary(times[large][label])
        counts = f"{queries[small][label]}/{queries[large][label]}"
        print(
            f"{label:<34} {counts:>9} {s50:>10.1f} / {s95:<8.1f} {l50:>11.1f} / {l95:<8.1f} {l50 / s50:>9.2f}"
            f" {sizes[small][label] / 1024:>5.0f}/{sizes[large][label] / 1024:<5.0f}"
        )


if __name__ == "__main__":
    if len(sys.argv) == 3:
        sys.path.insert(0, str(ROOT))
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import django

        django.setup()
        import reads

        {"build": reads.build, "worker": reads.serve}[sys.argv[1]](int(sys.argv[2]))
    else:
        main()
