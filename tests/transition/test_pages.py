"""The transition pages and API: audited reads, the care team's changes, the family's plain view."""

import datetime

from django.utils import timezone

from apps.audit.models import AccessEvent
from apps.transition.milestones import transition_daily, years_before
from apps.transition.models import ReadinessItem, TransitionPlan


def _plan(cast) -> TransitionPlan:
    cast.child_a.date_of_birth = years_before(timezone.localdate(), 14)
    cast.child_a.save(update_fields=["date_of_birth"])
    transition_daily()
    return TransitionPlan.objects.get(patient=cast.child_a)


def test_the_staff_page_shows_the_plan_and_is_audited(client, cast):
    _plan(cast)
    client.force_login(cast.nurse_a)
    response = client.get(f"/patients/{cast.child_a.pk}/transition/")
    assert response.status_code == 200
    assert b"Name a transition worker for Alice" in response.content
    assert AccessEvent.objects.filter(
        user=cast.nurse_a, patient=cast.child_a, what="transition plan"
    ).exists()


def test_the_care_team_marks_an_item_ready_and_the_family_sees_it_in_their_words(client, cast):
    _plan(cast)
    item = ReadinessItem.objects.get(code="knows-medicines")
    client.force_login(cast.nurse_a)
    url = f"/patients/{cast.child_a.pk}/transition/readiness/"
    assert client.post(url, {"item": item.pk, "ready": "yes"}).status_code == 302
    client.force_login(cast.family_a)
    child_page = client.get(f"/portal/children/{cast.child_a.pk}/").content.decode()
    assert f"/portal/children/{cast.child_a.pk}/adult-services/" in child_page  # linked once a plan exists
    page = client.get(f"/portal/children/{cast.child_a.pk}/adult-services/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "I know my medicines and when to take them" in text
    assert "Name a transition worker" not in text  # the team's tasks are not the family's


def test_a_break_glass_reader_sees_the_page_but_cannot_change_it(client, cast):
    plan = _plan(cast)
    client.force_login(cast.nurse_glass)
    assert client.get(f"/patients/{cast.child_a.pk}/transition/").status_code == 200
    response = client.post(f"/patients/{cast.child_a.pk}/transition/edit/", {"adult_team": "Adult neurology"})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.adult_team == ""


def test_a_bad_target_date_re_shows_the_form_with_the_field_named_and_saves_nothing(client, cast):
    plan = _plan(cast)
    client.force_login(cast.nurse_a)
    before = plan.opened_on - datetime.timedelta(days=1)
    response = client.post(
        f"/patients/{cast.child_a.pk}/transition/edit/",
        {"adult_team": "Adult neurology", "target_transfer_on": before.isoformat()},
    )
    assert response.status_code == 400
    assert (
        "Target transfer date: The target transfer date cannot be before the plan opened."
        in response.content.decode()
    )
    plan.refresh_from_db()
    assert plan.adult_team == "" and plan.target_transfer_on is None


def test_the_api_gives_the_family_the_plan_without_the_teams_milestones(api_for, cast):
    _plan(cast)
    body = api_for(cast.family_a).get(f"/api/v1/patients/{cast.child_a.pk}/transition/").json()
    assert body["status"] == "open" and body["milestones"] == [] and len(body["checklist"]) == 6
    staff = api_for(cast.nurse_a).get(f"/api/v1/patients/{cast.child_a.pk}/transition/").json()
    assert staff["milestones"][0]["title"].startswith("Name a transition worker")


def test_the_api_refuses_a_bad_update_in_the_one_error_shape_and_changes_nothing(api_for, cast):
    plan = _plan(cast)
    client = api_for(cast.nurse_a)
    url = f"/api/v1/patients/{cast.child_a.pk}/transition/"
    for body, field in [
        ({"adult_team": "x" * 151}, "adult_team"),
        ({"named_worker": cast.family_a.pk}, "named_worker"),
    ]:
        response = client.put(url, body, format="json")
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == [field]
    plan.refresh_from_db()
    assert plan.adult_team == "" and plan.named_worker is None
