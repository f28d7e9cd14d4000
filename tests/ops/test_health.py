import datetime

import pytest
import time_machine
from django.utils import timezone

from apps.ops.services import heartbeat_record
from apps.ops.tasks import beat_heartbeat


@pytest.mark.django_db
def test_healthz_is_503_until_beat_has_ticked(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok" and response.json()["beat"]["status"] == "never"


@pytest.mark.django_db
def test_healthz_is_200_with_a_fresh_heartbeat_and_503_when_stale(client):
    beat_heartbeat.apply()
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["broker"] == "ok" and body["beat"]["status"] == "ok"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["beat"]["status"] == "stale"


@pytest.mark.django_db
def test_heartbeat_is_one_row_however_often_it_ticks():
    from apps.ops.models import Heartbeat

    heartbeat_record(name="beat")
    heartbeat_record(name="beat")
    assert Heartbeat.objects.count() == 1


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
