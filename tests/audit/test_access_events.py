import datetime

import pytest
import time_machine
from django.db import connection
from django.db.utils import DatabaseError
from django.utils import timezone

from apps.audit.models import AccessEvent, AppendOnlyError


def test_access_events_cannot_be_changed_or_deleted(cast, client_for):
    client_for(cast.nurse_a).get(f"/patients/{cast.child_a.pk}/")
    event = AccessEvent.objects.get()
    event.what = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_postgres_refuses_updates_to_access_events(cast, client_for, require_postgres):
    client_for(cast.nurse_a).get(f"/patients/{cast.child_a.pk}/")
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accessevent SET what = 'tampered'")


def test_access_events_carry_no_duplicate_indexes_and_a_brin_index_on_time(db, require_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'audit_accessevent'")
        columns = sorted(row[0].split(" USING ", 1)[1] for row in cursor.fetchall())
    assert columns == [
        "brin (at)",
        "btree (basis, at DESC)",
        "btree (id)",
        "btree (patient_id, at DESC)",
        "btree (user_id, at DESC)",
    ]


def test_one_event_per_request_even_when_a_page_reads_twice(cast, client_for):
    client = client_for(cast.nurse_a)
    client.get(f"/patients/{cast.child_a.pk}/")
    client.get(f"/patients/{cast.child_a.pk}/")
    assert AccessEvent.objects.filter(user=cast.nurse_a, what="summary").count() == 2
    assert len(set(AccessEvent.objects.values_list("request_id", flat=True))) == 2


def test_access_log_page_filters_by_date(cast, client_for):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)):
        client_for(cast.nurse_glass).get(f"/patients/{cast.child_a.pk}/")
    client = client_for(cast.nurse_a)
    today = timezone.localdate()
    response = client.get(
        f"/patients/{cast.child_a.pk}/access-log/", {"date_from": "2026-02-28", "date_to": "2026-03-02"}
    )
    events = list(response.context["page"].object_list)
    assert [(e.user, e.via_break_glass) for e in events] == [(cast.nurse_glass, True)]
    response = client.get(f"/patients/{cast.child_a.pk}/access-log/", {"date_from": today.isoformat()})
    assert {e.user for e in response.context["page"].object_list} == {cast.nurse_a}


def test_access_log_rejects_a_backwards_range(cast, client_for):
    response = client_for(cast.nurse_a).get(
        f"/patients/{cast.child_a.pk}/access-log/", {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert response.status_code == 200
    assert "date_to" in response.context["form"].errors


def test_only_a_live_grant_makes_a_read_break_glass(cast, client_for, settings):
    """A team member reading a closed referral's child is not break-glass; a granted outsider is."""
    from apps.accounts.models import StaffProfile, Team
    from apps.referrals import services as referrals

    from ..factories import StaffFactory

    oncologist = StaffFactory(role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"])
    oncology = Team.objects.get(code="oncology")
    referral = referrals.referral_create(
        actor=cast.nurse_a, patient=cast.child_a, target_team=oncology, reason="Assess", urgency="routine"
    )
    referrals.referral_decline(actor=oncologist, referral=referral, reason="Not needed")
    client_for(oncologist).get(f"/referrals/{referral.pk}/")
    assert AccessEvent.objects.get(user=oncologist).via_break_glass is False
    client_for(cast.nurse_glass).get(f"/patients/{cast.child_a.pk}/")
    assert AccessEvent.objects.get(user=cast.nurse_glass).via_break_glass is True
