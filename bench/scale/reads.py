"""The key reads, inside one Django process bound to one size's database (run by run.py)."""

import json
import sys
import time

import generate  # bench/scale is on sys.path (run.py puts it there)
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.caseload.services import attention_refresh
from apps.messaging.models import Thread
from apps.patients.models import Patient


def build(size: int) -> None:
    call_command("migrate", verbosity=0)
    have = generate.generated_size()
    if have is not None and have != size:
        raise SystemExit(f"the {size:,} database holds {have:,} children: rerun with BENCH_REBUILD=1")
    if have == size:
        print(f"{size:,} children: reusing the generated database", flush=True)
    else:
        generate.generate(size)
    _analyze()  # fresh tables have no statistics: the refresh below would be planned blind
    # The generator writes with bulk_create, which no service announces: the hourly job stores every
    # child's attention score (and a reused database's time-based parts move on with the calendar).
    started = time.perf_counter()
    rewritten = attention_refresh()
    print(
        f"  attention scores: {rewritten:,} rows stored in {time.perf_counter() - started:.1f} s", flush=True
    )
    _analyze()


def _analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _urls() -> list[tuple[str, str, str]]:
    """(label, who, url): who is "nurse" (a 300-child caseload) or "family"."""
    nurse = User.objects.get(email=generate.NURSE)
    child = Patient.objects.filter(named_nurse=nurse).order_by("pk").first()
    assert child is not None
    thread = Thread.objects.filter(patient=child).order_by("pk").first()
    assert thread is not None
    return [
        ("caseload page", "nurse", "/caseload/"),
        ("consultant caseload page", "consultant", "/caseload/"),
        ("consultant caseload API", "consultant", "/api/v1/caseload/"),
        ("caseload API", "nurse", "/api/v1/caseload/"),
        ("patient list API", "nurse", "/api/v1/patients/"),
        ("pathway page", "nurse", f"/patients/{child.pk}/pathway/"),
        ("pathway API", "nurse", f"/api/v1/patients/{child.pk}/pathway/"),
        ("tasks page", "nurse", "/tasks/"),
        ("tasks API", "nurse", "/api/v1/tasks/"),
        ("inbox", "nurse", "/messages/"),
        ("thread page", "nurse", f"/messages/{thread.pk}/"),
        ("clinic list", "nurse", "/schedule/"),
        ("overdue reviews page", "nurse", "/schedule/overdue-reviews/"),
        ("portal child page", "family", f"/portal/children/{child.pk}/"),
    ]


def _one(client: Client, url: str) -> tuple[int, float, int]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url)
        ms = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return len(queries), ms, len(response.content)


def _raw_sql(client: Client, url: str) -> list[str]:
    """The statements one request runs, as executable SQL (the caseload API's raw-SQL limit)."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def _run_raw(statements: list[str]) -> tuple[int, float, int]:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
    return len(statements), (time.perf_counter() - start) * 1000, 0


def serve(size: int) -> None:
    """Answer each "round" line on stdin with one timing per read, as a JSON line on stdout."""
    clients = {"nurse": Client(), "family": Client(), "consultant": Client()}
    clients["nurse"].force_login(User.objects.get(email=generate.NURSE))
    clients["consultant"].force_login(User.objects.get(email=generate.CONSULTANT))
    clients["family"].force_login(User.objects.get(email=generate.FAMILY))
    urls = _urls()
    raw = _raw_sql(clients["nurse"], "/api/v1/caseload/")
    for line in sys.stdin:
        if line.strip() != "round":
            break
        result = {label: _one(clients[who], url) for label, who, url in urls}
        result["caseload API raw SQL"] = _run_raw(raw)
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
