"""The symptom diary: one entry per child per day, changed on the same (London) day only, the family's
own child only, and every staff read audited."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from apps.audit.models import AccessEvent
from apps.diary import services
from apps.diary.models import DiaryEntry
from apps.pathways.timeline import timeline_for
from carecoord.family_layers import family_layers

LONDON = zoneinfo.ZoneInfo("Europe/London")
FORM = {
    "unsteadiness": "0",
    "jerks": "1",
    "eye_movements": "0",
    "sleep_hours": "11",
    "night_waking": "once",
    "mood": "mixed",
    "rage_episodes": "1",
    "illness": "none",
    "immunisation": "no",
    "note": "",
}
API = {
    "unsteadiness": 0,
    "jerks": 0,
    "eye_movements": 0,
    "sleep_hours": None,
    "night_waking": "none",
    "mood": "good",
    "rage_episodes": 0,
    "illness": "none",
    "immunisation": False,
}


def fields(**changes):  # type: ignore[no-untyped-def]
    values = {
        "sleep_hours": 11,
        "night_waking": "none",
        "mood": "good",
        "rage_episodes": 0,
        "unsteadiness": 0,
        "jerks": 0,
        "eye_movements": 0,
        "illness": "none",
        "immunisation": False,
    }
    return {**values, **changes}


def test_family_fills_in_today_and_saving_again_changes_the_same_entry(client, cast):
    client.force_login(cast.family_a)
    url = f"/portal/children/{cast.child_a.pk}/diary/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'type="radio"' in page.content and b"<select" not in page.content
    assert client.post(url, FORM).status_code == 302
    assert client.post(url, {**FORM, "jerks": "2"}).status_code == 302
    [entry] = DiaryEntry.objects.filter(patient=cast.child_a)
    assert entry.day == services.diary_today() and entry.jerks == 2 and entry.recorded_by == cast.family_a
    assert entry.history.count() == 2  # made, then changed


def test_the_database_holds_one_entry_per_child_per_day(cast):
    services.diary_entry_save(actor=cast.family_a, patient=cast.child_a, **fields())
    with pytest.raises(IntegrityError), transaction.atomic():
        DiaryEntry.objects.create(
            patient=cast.child_a, day=services.diary_today(), recorded_by=cast.family_a, **fields()
        )


def test_an_entry_can_be_changed_on_its_own_london_day_only(api_for, cast):
    # 11:30pm on 30 March in London is already 31 March in no other sense: the London date decides.
    with time_machine.travel(datetime.datetime(2026, 3, 30, 23, 30, tzinfo=LONDON), tick=False):
        services.diary_entry_save(actor=cast.family_a, patient=cast.child_a, **fields(jerks=1))
    with time_machine.travel(datetime.datetime(2026, 3, 31, 0, 10, tzinfo=LONDON), tick=False):
        api = api_for(cast.family_a)
        url = f"/api/v1/patients/{cast.child_a.pk}/diary/"
        refused = api.post(url, {**API, "day": "2026-03-30"}, format="json")
        assert refused.status_code == 400
        assert "only fill in or change today's" in refused.json()["error"]["fields"]["day"][0]
        made = api.post(url, API, format="json")
        assert made.status_code == 201 and made.json()["day"] == "2026-03-31"
    yesterday = DiaryEntry.objects.get(patient=cast.child_a, day=datetime.date(2026, 3, 30))
    assert yesterday.jerks == 1  # untouched
    assert DiaryEntry.objects.filter(patient=cast.child_a).count() == 2


def test_bad_answers_are_refused_in_plain_words_and_save_nothing(client, api_for, cast):
    client.force_login(cast.family_a)
    page = client.post(f"/portal/children/{cast.child_a.pk}/diary/", {**FORM, "jerks": "7", "mood": ""})
    assert page.status_code == 400
    assert b"There is a problem" in page.content
    api = api_for(cast.family_a)
    response = api.post(
        f"/api/v1/patients/{cast.child_a.pk}/diary/", {**API, "rage_episodes": 9}, format="json"
    )
    assert response.status_code == 400
    too_long = api.post(
        f"/api/v1/patients/{cast.child_a.pk}/diary/", {**API, "note": "x" * 501}, format="json"
    )
    assert too_long.status_code == 400
    assert not DiaryEntry.objects.exists()


def test_a_family_sees_only_its_own_childs_diary(client, api_for, cast):
    services.diary_entry_save(actor=cast.family_a, patient=cast.child_a, **fields())
    client.force_login(cast.family_b)
    assert client.get(f"/portal/children/{cast.child_a.pk}/diary/").status_code == 404
    assert client.post(f"/portal/children/{cast.child_a.pk}/diary/", FORM).status_code == 404
    api = api_for(cast.family_b)
    assert api.get(f"/api/v1/patients/{cast.child_a.pk}/diary/").status_code == 404
    assert api.post(f"/api/v1/patients/{cast.child_a.pk}/diary/", API, format="json").status_code == 404
    assert DiaryEntry.objects.count() == 1


def test_staff_read_the_diary_audited_and_cannot_write_it(client, api_for, cast):
    services.diary_entry_save(actor=cast.family_a, patient=cast.child_a, **fields(eye_movements=2))
    client.force_login(cast.nurse_a)
    page = client.get(f"/patients/{cast.child_a.pk}/diary/")
    assert page.status_code == 200
    assert b'role="img"' in page.content and b"<desc" in page.content
    assert f'id="day-{services.diary_today().isoformat()}"'.encode() in page.content
    api = api_for(cast.nurse_a)
    listed = api.get(f"/api/v1/patients/{cast.child_a.pk}/diary/")
    assert listed.status_code == 200 and listed.json()["results"][0]["level"] == 2
    reads = AccessEvent.objects.filter(user=cast.nurse_a, patient=cast.child_a, what="family diary")
    assert set(reads.values_list("channel", flat=True)) == {"page", "api"}
    assert api.post(f"/api/v1/patients/{cast.child_a.pk}/diary/", API, format="json").status_code == 403
    assert client.get(f"/patients/{cast.child_b.pk}/diary/").status_code == 404


def test_the_staff_page_costs_the_same_for_one_entry_or_forty(client, cast, django_assert_max_num_queries):
    client.force_login(cast.nurse_a)
    today = services.diary_today()
    DiaryEntry.objects.create(patient=cast.child_a, day=today, recorded_by=cast.family_a, **fields())
    with django_assert_max_num_queries(40) as one:
        client.get(f"/patients/{cast.child_a.pk}/diary/")
    DiaryEntry.objects.bulk_create(
        DiaryEntry(
            patient=cast.child_a,
            day=today - datetime.timedelta(days=n),
            recorded_by=cast.family_a,
            **fields(jerks=n % 3),
        )
        for n in range(1, 40)
    )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(f"/patients/{cast.child_a.pk}/diary/")


def test_the_chart_band_and_the_timeline_get_the_diary(cast):
    today = services.diary_today()
    DiaryEntry.objects.create(
        patient=cast.child_a, day=today - datetime.timedelta(days=2), recorded_by=cast.family_a, **fields()
    )
    DiaryEntry.objects.create(
        patient=cast.child_a,
        day=today - datetime.timedelta(days=1),
        recorded_by=cast.family_a,
        **fields(jerks=1, eye_movements=2),
    )
    band = family_layers(cast.child_a.pk, today - datetime.timedelta(days=7), today).diary
    assert [(d.day, d.level) for d in band] == [
        (today - datetime.timedelta(days=2), 0),
        (today - datetime.timedelta(days=1), 2),
    ]
    assert band[1].url == f"/patients/{cast.child_a.pk}/diary/#day-{band[1].day.isoformat()}"
    assert "eye movements marked" in band[1].label
    diary = [e for e in timeline_for(cast.child_a) if e.kind == "diary"]
    assert len(diary) == 1 and "jerks mild" in diary[0].summary  # quiet days stay off the timeline
