import datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from apps.ops.services import heartbeat_record


def _alive(*names: str) -> None:
    for name in names:
        heartbeat_record(name=name)


BEAT = "beat@host:1"
WORKER = "worker@host:2"


@pytest.mark.django_db
def test_healthz_is_503_naming_beat_and_worker_until_they_have_ticked(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["database"]["status"] == "ok" and body["beat"]["status"] == "never"
    assert {"beat", "worker"} <= set(body["failing"])


@pytest.mark.django_db
def test_healthz_is_200_with_fresh_heartbeats_and_503_when_stale(client):
    _alive(BEAT, WORKER)
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["failing"] == [] and body["broker"]["status"] == "ok"
    assert body["beat"]["running"] == 1 and body["worker"]["running"] == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["beat"]["status"] == "stale"


@pytest.mark.django_db
def test_a_dead_worker_is_named_worker_not_beat(client):
    _alive(BEAT, WORKER)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        heartbeat_record(name=BEAT)  # beat goes on ticking; the worker has stopped
        body = client.get("/healthz").json()
    assert body["beat"]["status"] == "ok"
    assert (
        body["worker"]["status"] == "stale" and "worker" in body["failing"] and "beat" not in body["failing"]
    )


@pytest.mark.django_db
def test_a_second_beat_is_reported(client):
    _alive(BEAT, "beat@other:9", WORKER)
    body = client.get("/healthz").json()
    assert body["beat"]["running"] == 2 and "beat" in body["failing"]
    assert "keep one" in body["beat"]["status"]


@pytest.mark.django_db
def test_a_periodic_job_that_stopped_succeeding_is_named(client):
    _alive(BEAT, WORKER)
    from apps.ops.liveness import JOB_PREFIX

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        heartbeat_record(name=f"{JOB_PREFIX}{entry['task']}")
    assert client.get("/healthz").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=30)):
        for key, entry in settings.CELERY_BEAT_SCHEDULE.items():
            if key != "outbox-sweep":
                heartbeat_record(name=f"{JOB_PREFIX}{entry['task']}")
        _alive(BEAT, WORKER)
        body = client.get("/healthz").json()
    assert body["failing"] == ["jobs"] and body["jobs"]["late"] == ["outbox-sweep"]


@pytest.mark.django_db
def test_failed_and_unknown_emails_and_an_old_backlog_show_on_healthz(client, settings):
    from apps.notifications.models import Delivery

    _alive(BEAT, WORKER)
    Delivery.objects.create(to_address="a@example.org", subject="S", body="B", status="unknown")
    old = timezone.now() - datetime.timedelta(minutes=30)
    Delivery.objects.create(to_address="b@example.org", subject="S", body="B", next_attempt_at=old)
    body = client.get("/healthz").json()
    assert body["failing"] == ["outbox"]
    assert body["outbox"]["unknown"] == 1 and body["outbox"]["oldest_due_seconds"] >= 1800


@pytest.mark.django_db
def test_livez_answers_even_when_healthz_does_not(client):
    assert client.get("/livez").status_code == 200 and client.get("/healthz").status_code == 503


@pytest.mark.django_db
def test_the_worker_records_every_periodic_jobs_success():
    from apps.ops.models import Heartbeat
    from apps.ops.tasks import pipeline_heartbeat

    pipeline_heartbeat.apply()
    assert Heartbeat.objects.filter(name="job:apps.ops.tasks.pipeline_heartbeat").exists()


@pytest.mark.django_db
def test_every_response_has_a_request_id_and_a_strict_csp(client):
    response = client.get("/login/", HTTP_X_REQUEST_ID="abc-123-def-456")
    assert response["X-Request-ID"] == "abc-123-def-456"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    hostile = client.get("/login/", HTTP_X_REQUEST_ID="<script>")
    assert hostile["X-Request-ID"] != "<script>" and len(hostile["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_pages_carry_no_inline_script(client):
    content = client.get("/login/").content.decode()
    assert "<script>" not in content and "onclick" not in content


@pytest.mark.django_db
def test_the_yearly_bank_holiday_job_is_not_late_a_week_after_beat_started_but_a_daily_one_is(client):
    _alive(BEAT, WORKER)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7)):
        _alive(BEAT, WORKER)
        body = client.get("/healthz").json()
    assert body["jobs"]["each"]["bank-holidays-yearly"]["status"] == "ok"
    assert body["jobs"]["each"]["due-reviews-daily"]["status"] == "late"
