"""A retried or double-submitted write happens once: Idempotency-Key on the API, a one-time key in forms."""

import re

import pytest

from apps.messaging.models import Message, Thread
from apps.ops.idempotency import idempotent_requests_prune
from apps.ops.models import IdempotentRequest
from apps.pathways.models import SymptomReport

from ..portal import SYMPTOMS


@pytest.fixture
def session_api():  # type: ignore[no-untyped-def]
    """Signed in as a browser or an app with a session is (force_authenticate would skip the middleware)."""
    from rest_framework.test import APIClient

    def login(user):  # type: ignore[no-untyped-def]
        client = APIClient()
        client.force_login(user)
        return client

    return login


def threads_url(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/threads/"


def test_a_repeated_post_with_its_key_returns_the_first_answer_and_writes_once(cast, session_api):
    client = session_api(cast.family_a)
    body = {"subject": "Wobbly", "body": "Since Sunday"}
    first = client.post(threads_url(cast.child_a), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(threads_url(cast.child_a), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Thread.objects.count() == 1 and Message.objects.count() == 1


def test_the_same_key_with_a_different_body_is_a_422_and_writes_nothing(cast, session_api):
    client = session_api(cast.family_a)
    client.post(
        threads_url(cast.child_a), {"subject": "A", "body": "One"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    other = client.post(
        threads_url(cast.child_a), {"subject": "B", "body": "Two"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert Thread.objects.count() == 1


def test_a_refused_first_attempt_releases_its_key(cast, session_api):
    client = session_api(cast.family_a)
    bad = client.post(
        threads_url(cast.child_a), {"subject": "", "body": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert bad.status_code == 400
    good = client.post(
        threads_url(cast.child_a),
        {"subject": "", "body": "x"} | {"subject": "Hi"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert good.status_code == 201 and Thread.objects.count() == 1


def test_keys_of_different_callers_never_meet(cast, session_api):
    body = {"subject": "Hi", "body": "Hello"}
    session_api(cast.family_a).post(
        threads_url(cast.child_a), body, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    theirs = session_api(cast.family_b).post(
        threads_url(cast.child_b), body, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert theirs.status_code == 201 and Thread.objects.count() == 2


def test_a_repeat_of_a_request_cut_off_before_it_answered_is_a_409_not_a_second_write(cast, session_api):
    client = session_api(cast.family_a)
    body = {"subject": "Hi", "body": "Hello"}
    client.post(threads_url(cast.child_a), body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    # As if the first process died after its write but before it could keep the answer.
    IdempotentRequest.objects.filter(key="k").update(state=IdempotentRequest.State.IN_PROGRESS)
    response = client.post(threads_url(cast.child_a), body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_in_progress"
    assert Thread.objects.count() == 1


def test_a_double_submitted_form_posts_once(client_for, cast):
    client = client_for(cast.family_a)
    page = client.get(f"/portal/children/{cast.child_a.pk}/symptoms/").content.decode()
    [key] = re.findall(r'name="_once" value="([0-9a-f]{32})"', page)
    url = f"/portal/children/{cast.child_a.pk}/symptoms/"
    first = client.post(url, {**SYMPTOMS, "_once": key})
    second = client.post(url, {**SYMPTOMS, "_once": key})
    assert first.status_code == second.status_code == 302 and second["Location"] == first["Location"]
    assert SymptomReport.objects.count() == 1


def test_every_form_render_has_a_fresh_key(client_for, cast):
    client = client_for(cast.family_a)
    url = f"/portal/children/{cast.child_a.pk}/symptoms/"
    keys = {
        re.search(r'name="_once" value="(\w+)"', client.get(url).content.decode()).group(1) for _ in range(2)
    }
    assert len(keys) == 2


@pytest.mark.django_db
def test_old_keys_are_pruned(time_machine):
    import datetime

    from django.utils import timezone

    IdempotentRequest.objects.create(scope="user:1", key="old", path="/x", body_hash="")
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=25))
    IdempotentRequest.objects.create(scope="user:1", key="new", path="/x", body_hash="")
    assert idempotent_requests_prune() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
