"""Shared fixtures. The standing cast (healthchecks style): two families, two children,
a nurse on child A's team, a nurse outside it, and a nurse with a break-glass grant."""

import contextlib
import datetime
import os
import shutil
import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import StaffProfile, User
from apps.audit.models import BreakGlassGrant
from apps.patients.models import CareTeamMember, Guardian, Patient

from .factories import CareTeamMemberFactory, FamilyFactory, GuardianFactory, PatientFactory, StaffFactory

REQUIRE_SERVICES = os.environ.get("CARECOORD_REQUIRE_SERVICES") == "1"


def require_service(available: bool, what: str) -> None:
    """Skip when a service is missing, unless CI asked for it (then fail loudly)."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (CARECOORD_REQUIRE_SERVICES=1) but is not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture
def require_postgres() -> None:
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def require_redis() -> str:
    url = os.environ.get("REDIS_URL", "")
    ok = False
    if url:
        import redis

        try:
            ok = bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
        except redis.RedisError:
            ok = False
    require_service(ok, "Redis (REDIS_URL)")
    return url


@pytest.fixture
def require_chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require_service(os.path.exists(path), "Chromium (/usr/bin/chromium)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _private_celery_queue(worker_id: str):  # type: ignore[no-untyped-def]
    """Publish this test process's tasks to its own queue, and drop the queue at the end.

    Tests that commit (live server, integration) would otherwise leave real messages on the shared
    "celery" queue of a developer's Redis. Integration tests choose their own queue on top of this.
    """
    from carecoord.celery import app

    queue = f"carecoord-unit-{worker_id}-{os.getpid()}"  # integration tests use their own
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous
    url = os.environ.get("REDIS_URL", "")
    if url:
        import redis

        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(url, socket_connect_timeout=2).delete(queue)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Start from no bank holidays: each test adds the ones it relies on.

    The migration seeds England and Wales from the real current year, which would make "an ordinary
    Monday" in a test depend on when the suite runs (tests/workingtime covers the seeding itself).
    """
    from apps.workingtime.models import BankHoliday

    with django_db_blocker.unblock():
        BankHoliday.objects.all().delete()


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings) -> None:  # type: ignore[no-untyped-def]
    """Each test gets its own empty cache, so throttle counters never carry over from another test
    (or another xdist worker sharing the developer's Redis). Throttle tests lower the rates. The
    header keeps no unread counts (tests/messaging/test_header_count.py turns it on), so a page's
    query count is that of a page that counts."""
    from apps.messaging.header import forget_header_counts

    forget_header_counts()
    settings.HEADER_UNREAD_KEPT_SECONDS = 0
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }


@dataclass
class Cast:
    child_a: Patient
    child_b: Patient
    family_a: User
    family_b: User
    nurse_a: User  # on child A's care team (and named nurse)
    nurse_other: User  # on nobody's team
    nurse_glass: User  # not on the team, but holds a live break-glass grant for A
    admin: User  # clinic administrator
    guardian_a: Guardian
    guardian_b: Guardian
    member_a: CareTeamMember


@pytest.fixture
def cast(db) -> Cast:  # type: ignore[no-untyped-def]
    nurse_a = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    nurse_other = StaffFactory(full_name="Olly Other", role=StaffProfile.Role.NURSE_SPECIALIST)
    nurse_glass = StaffFactory(full_name="Gina Glass", role=StaffProfile.Role.NURSE_SPECIALIST)
    admin = StaffFactory(full_name="Ada Admin", role=StaffProfile.Role.CLINIC_ADMIN)
    child_a = PatientFactory(given_name="Alice", named_nurse=nurse_a)
    child_b = PatientFactory(given_name="Bobby")
    family_a, family_b = FamilyFactory(full_name="Anne Family"), FamilyFactory(full_name="Bert Family")
    guardian_a = GuardianFactory(patient=child_a, user=family_a)
    guardian_b = GuardianFactory(patient=child_b, user=family_b)
    member_a = CareTeamMemberFactory(patient=child_a, user=nurse_a)
    now = timezone.now()
    BreakGlassGrant.objects.create(
        user=nurse_glass,
        patient=child_a,
        reason="Covering the ward tonight",
        created_at=now,
        expires_at=now + datetime.timedelta(hours=settings.BREAK_GLASS_HOURS),
    )
    return Cast(
        child_a,
        child_b,
        family_a,
        family_b,
        nurse_a,
        nurse_other,
        nurse_glass,
        admin,
        guardian_a,
        guardian_b,
        member_a,
    )


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(client):  # type: ignore[no-untyped-def]
    def login(user: User):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_for(api):  # type: ignore[no-untyped-def]
    def login(user: User) -> APIClient:
        api.force_authenticate(user)
        return api

    return login
