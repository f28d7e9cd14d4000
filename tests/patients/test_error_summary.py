"""Errors in plain words: the summary at the top of a form names each field and links to it, and a
success message is a list inside a live region (axe's listitem rule)."""

from apps.accounts.models import StaffProfile, Team

from ..factories import StaffFactory


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
