"""Errors in plain words: the summary at the top of a form names each field and links to it, and a
success message is a list inside a live region (axe's listitem rule)."""

import re

import pytest

from apps.accounts.models import StaffProfile, Team
from apps.pathways.services import investigation_request

from ..factories import CareTeamMemberFactory, StaffFactory


def test_the_error_summary_names_each_field_and_links_to_it(client, db):
    client.force_login(StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]))
    response = client.post("/patients/new/", {"family_name": "Only"})
    assert response.status_code == 400
    summary = response.content.decode().split('class="error-summary"')[1].split("</div>")[0]
    assert '<a href="#id_given_name">Given name: This field is required.</a>' in summary
    assert '<a href="#id_hospital_number">Hospital number: This field is required.</a>' in summary


def test_flash_messages_are_a_list_inside_the_live_region(client, db):
    client.force_login(StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]))
    response = client.post(
        "/tasks/new/",
        {"title": "Phone the family", "team": Team.objects.get(code="nursing").pk, "priority": 2},
        follow=True,
    )
    assert "Task created." in response.content.decode()
    html = response.content.decode()
    assert '<div role="status"><ul class="flash">' in html
    assert 'role="status">' not in html.replace('<div role="status">', "")


def _summary_items(html):
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    return re.findall(r"<li>(.*?)</li>", summary, re.S)


@pytest.mark.parametrize(
    "form", ["register", "book", "refer", "external referral", "task", "investigation result"]
)
def test_every_summary_item_of_an_empty_form_names_its_field_and_links_to_it(client, cast, form):
    """The six forms the walk-through saw repeating "This field is required." with no field named."""
    consultant = StaffFactory(role=StaffProfile.Role.CONSULTANT, role__teams=["nursing"])
    CareTeamMemberFactory(patient=cast.child_a, user=consultant, role=StaffProfile.Role.CONSULTANT)
    client.force_login(cast.nurse_a if form != "investigation result" else consultant)
    child = cast.child_a.pk
    if form == "investigation result":
        investigation = investigation_request(actor=consultant, patient=cast.child_a, kind="mibg")
        url = f"/patients/{child}/pathway/investigation-result/{investigation.pk}/"
    else:
        url = {
            "register": "/patients/new/",
            "book": f"/patients/{child}/appointments/book/",
            "refer": f"/patients/{child}/refer/",
            "external referral": "/referrals/external/",
            "task": "/tasks/new/",
        }[form]

    response = client.post(url, {"unrelated": "x"})  # an empty POST reads as no POST at all

    assert response.status_code == 400
    items = _summary_items(response.content.decode())
    assert items
    for item in items:
        match = re.fullmatch(r'<a href="#(id_[\w-]+)">([^<:]+): ([^<]+)</a>', item.strip())
        assert match, item
        assert response.content.decode().count(f'id="{match.group(1)}"') == 1  # the link lands on one field
        assert match.group(2).strip() not in ("", "This field is required.")
