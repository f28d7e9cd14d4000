import pytest

from apps.audit.models import AccessEvent
from apps.mdt import services
from apps.mdt.models import Item
from apps.tasks.models import Task
from tests.pathways.family_fake import FakeFamilyData, registered


@pytest.fixture
def listed(cast, mdt, score):  # type: ignore[no-untyped-def]
    item = services.item_add(
        actor=cast.nurse_a,
        meeting=mdt.meeting,
        patient=cast.child_a,
        question="Step up to rituximab? Score 3/6 after 3 pulses",
        scores=[score],
    )
    other = services.item_add(actor=cast.nurse_a, meeting=mdt.meeting, patient=mdt.child_c, question="Wean?")
    return item, other


def _reads(user, patient, what):
    return AccessEvent.objects.filter(user=user, patient=patient, what=what).count()


def test_meeting_page_shows_the_list_in_order_and_audits_each_child(client_for, cast, mdt, listed):
    response = client_for(mdt.chair).get(f"/mdt/{mdt.meeting.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Step up to rituximab?") < body.index("Wean?")
    assert "Move down" in body  # the chair orders the list
    assert _reads(mdt.chair, cast.child_a, "mdt meeting list") == 1


def test_a_colleague_sees_the_meeting_but_not_children_outside_their_access(client_for, cast, mdt, listed):
    response = client_for(cast.nurse_other).get(f"/mdt/{mdt.meeting.pk}/")
    assert response.status_code == 200
    assert b"Step up to rituximab?" not in response.content
    assert b"2 other children on the list are not in your record access" in response.content
    assert not AccessEvent.objects.filter(user=cast.nurse_other).exists()


def test_shared_screen_shows_each_question_summary_and_chart_and_audits(client_for, cast, mdt, listed):
    response = client_for(mdt.chair).get(f"/mdt/{mdt.meeting.pk}/screen/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Step up to rituximab?" in body
    assert body.count('class="severity-chart"') == 2  # one chart per child
    assert f'aria-labelledby="chart-{listed[0].pk}-title chart-{listed[0].pk}-desc"' in body
    assert _reads(mdt.chair, cast.child_a, "mdt shared screen") == 1


def test_shared_screen_charts_carry_the_familys_data_and_its_tables(client_for, cast, mdt, listed):
    with registered(FakeFamilyData()):
        body = client_for(mdt.chair).get(f"/mdt/{mdt.meeting.pk}/screen/").content.decode()
    item = listed[0]
    assert body.count('class="family-marker marker-video"') == 4  # two videos on each child's chart
    assert f'id="scores-{item.pk}-markers"' in body and f'id="scores-{item.pk}-diary"' in body
    assert f"the table with id scores-{item.pk} and the family's tables after it" in body


def test_families_get_404_on_every_mdt_page(client_for, cast, mdt, listed):
    client = client_for(cast.family_a)
    for url in (
        "/mdt/",
        f"/mdt/{mdt.meeting.pk}/",
        f"/mdt/{mdt.meeting.pk}/screen/",
        f"/mdt/items/{listed[0].pk}/",
    ):
        assert client.get(url).status_code == 404, url


def test_off_team_staff_get_404_for_a_childs_listing(client_for, cast, mdt, listed):
    assert client_for(cast.nurse_other).get(f"/mdt/items/{listed[0].pk}/").status_code == 404
    assert client_for(cast.nurse_other).post(f"/mdt/items/{listed[0].pk}/", {}).status_code == 404


def test_listing_a_child_twice_on_the_page_says_so_plainly(client_for, cast, mdt, listed):
    response = client_for(cast.nurse_a).post(
        f"/mdt/{mdt.meeting.pk}/add/", {"patient": cast.child_a.pk, "question": "Again?"}
    )
    assert response.status_code == 400
    assert b"This child is already on this meeting&#x27;s list." in response.content
    assert Item.objects.filter(meeting=mdt.meeting).count() == 2


def test_break_glass_staff_see_the_child_but_cannot_list_them(client_for, cast, mdt):
    response = client_for(cast.nurse_glass).post(
        f"/mdt/{mdt.meeting.pk}/add/", {"patient": cast.child_a.pk, "question": "Q?"}
    )
    assert response.status_code == 403
    assert not Item.objects.exists()


def test_the_chair_records_an_outcome_on_the_page_and_others_get_403(client_for, cast, mdt, listed):
    item = listed[0]
    form = {
        "outcome-decision": "Start rituximab.",
        "outcome-agreed_by": [mdt.chair.pk, cast.nurse_a.pk],
        "outcome-tell_family": "on",
        "outcome-action_1": "Prescribe rituximab",
        "outcome-owner_1": mdt.chair.pk,
        "outcome-due_1": "2026-03-09",
    }
    assert client_for(cast.nurse_a).post(f"/mdt/items/{item.pk}/", form).status_code == 403
    response = client_for(mdt.chair).post(f"/mdt/items/{item.pk}/", form)
    assert response.status_code == 302
    assert Task.objects.filter(source=Task.Source.MDT_OUTCOME).count() == 2
    page = client_for(mdt.chair).get(f"/mdt/items/{item.pk}/")
    assert b"Start rituximab." in page.content


def test_an_action_without_an_owner_is_a_field_error(client_for, cast, mdt, listed):
    response = client_for(mdt.chair).post(
        f"/mdt/items/{listed[0].pk}/",
        {"outcome-decision": "X", "outcome-agreed_by": [mdt.chair.pk], "outcome-action_1": "Call"},
    )
    assert response.status_code == 400
    assert b"Give this action an owner and a due date." in response.content


def test_the_chair_moves_a_child_down_with_htmx(client_for, cast, mdt, listed):
    item = listed[0]
    response = client_for(mdt.chair).post(
        f"/mdt/items/{item.pk}/move/", {"direction": "down"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert Item.objects.get(pk=item.pk).position == 2


def test_api_lists_a_child_and_refuses_a_duplicate_in_the_one_error_shape(api_for, cast, mdt, score):
    api = api_for(cast.nurse_a)
    url = f"/api/v1/mdt/meetings/{mdt.meeting.pk}/items/"
    payload = {"patient": cast.child_a.pk, "question": "Rituximab?", "scores": [score.pk]}
    created = api.post(url, payload, format="json")
    assert created.status_code == 201
    assert created.json()["scores"] == [score.pk]
    again = api.post(url, payload, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "clash"
    assert again.json()["error"]["fields"] == {"patient": ["This child is already on this meeting's list."]}


def test_api_outcome_record_then_amend(api_for, cast, mdt, listed):
    item = listed[0]
    url = f"/api/v1/mdt/items/{item.pk}/outcome/"
    body = {
        "decision": "Start rituximab.",
        "agreed_by": [mdt.chair.pk],
        "actions": [{"description": "Prescribe", "owner": mdt.chair.pk, "due_on": "2026-03-09"}],
    }
    assert api_for(cast.nurse_a).post(url, body, format="json").status_code == 403
    created = api_for(mdt.chair).post(url, body, format="json")
    assert created.status_code == 201
    assert created.json()["outcome"]["actions"][0]["task"] is not None
    assert api_for(mdt.chair).post(url, body, format="json").status_code == 409
    amended = api_for(mdt.chair).put(url, {**body, "decision": "Wait.", "actions": []}, format="json")
    assert amended.status_code == 200
    assert amended.json()["outcome"]["decision"] == "Wait."
    assert Task.objects.filter(source=Task.Source.MDT_OUTCOME).count() == 1


def test_api_reads_are_scoped_and_audited(api_for, cast, mdt, listed):
    item = listed[0]
    assert api_for(cast.family_a).get("/api/v1/mdt/meetings/").status_code == 403
    assert api_for(cast.family_a).get(f"/api/v1/mdt/items/{item.pk}/").status_code == 404
    assert api_for(cast.nurse_other).get(f"/api/v1/mdt/items/{item.pk}/").status_code == 404
    detail = api_for(cast.nurse_glass).get(f"/api/v1/mdt/meetings/{mdt.meeting.pk}/")
    assert detail.status_code == 200
    assert [i["patient"] for i in detail.json()["items"]] == [cast.child_a.pk]
    assert detail.json()["hidden_items"] == 1
    event = AccessEvent.objects.get(user=cast.nurse_glass, what="mdt meeting list")
    assert event.via_break_glass and event.channel == "api"


def test_api_order_and_carry_over(api_for, cast, mdt, listed):
    item, other = listed
    chair = api_for(mdt.chair)
    ordered = chair.post(
        f"/api/v1/mdt/meetings/{mdt.meeting.pk}/order/", {"item_ids": [other.pk, item.pk]}, format="json"
    )
    assert ordered.status_code == 200
    assert Item.objects.get(pk=other.pk).position == 1
    carried = chair.post(
        f"/api/v1/mdt/items/{item.pk}/carry-over/", {"reason": "Awaiting MRI"}, format="json"
    )
    assert carried.status_code == 201
    assert carried.json()["meeting"] == mdt.later.pk


def test_the_mdt_endpoints_are_in_the_openapi_schema(api_for, cast):
    schema = api_for(cast.nurse_a).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/mdt/items/{id}/outcome/" in schema["paths"]
    assert "/api/v1/mdt/meetings/{id}/items/" in schema["paths"]
