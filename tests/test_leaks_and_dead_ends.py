"""Leaks and dead ends closed: tasks about hidden children, off-site redirects, co-guardians, first passwords, orphaned letters."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import StaffProfile, Team
from apps.notifications.models import Delivery
from apps.patients import services as patient_services
from apps.referrals import services as referrals
from apps.referrals.models import Referral
from apps.tasks import services as tasks
from apps.tasks.models import Task

from .factories import StaffFactory


def test_a_task_about_a_child_is_invisible_to_staff_who_cannot_see_the_child(cast, client_for):
    task = Task.objects.create(title="Call the family", patient=cast.child_a, assignee=cast.nurse_a)
    with pytest.raises(ValidationError) as refused:
        tasks.tasks_reassign(actor=cast.nurse_a, tasks=[task], assignee=cast.nurse_other)
    assert "assignee" in refused.value.message_dict
    Task.objects.filter(pk=task.pk).update(assignee=cast.nurse_other)  # even if it got there somehow
    client = client_for(cast.nurse_other)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert cast.child_a.given_name.encode() not in client.get("/tasks/").content


def test_bulk_actions_never_redirect_off_site(cast, client_for):
    client = client_for(cast.nurse_a)
    for target in ("https://evil.example/x", "//evil.example/x"):
        response = client.post("/tasks/bulk/", {"next": target, "action": "complete"})
        assert response["Location"] == "/tasks/"


def test_families_see_current_co_guardians_without_contact_details(cast, api_for):
    other = patient_services.guardian_link(
        actor=cast.admin,
        patient=cast.child_a,
        email="ex@example.org",
        full_name="Ex Partner",
        relationship="father",
    )
    patient_services.guardian_deactivate(actor=cast.admin, guardian=other)
    rows = api_for(cast.family_a).get(f"/api/v1/patients/{cast.child_a.pk}/guardians/").json()["results"]
    assert [r["full_name"] for r in rows] == ["Anne Family"]
    assert all("email" not in r for r in rows)
    staff_rows = api_for(cast.nurse_a).get(f"/api/v1/patients/{cast.child_a.pk}/guardians/").json()["results"]
    assert {r["email"] for r in staff_rows} >= {"ex@example.org"}


def test_a_newly_linked_guardian_can_set_a_first_password_by_reset(cast, client):
    guardian = patient_services.guardian_link(
        actor=cast.admin,
        patient=cast.child_a,
        email="new.parent@example.org",
        full_name="New Parent",
        relationship="mother",
    )
    assert not guardian.user.has_usable_password()
    client.post("/password-reset/", {"email": "New.Parent@example.org"})
    assert Delivery.objects.filter(
        to_address="new.parent@example.org", subject="Set your CareCoord password"
    ).exists()


def test_a_failed_referral_leaves_no_letter_on_disk(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    StaffFactory(role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"])
    oncology = Team.objects.get(code="oncology")
    referrals.referral_create(actor=cast.nurse_a, patient=cast.child_a, target_team=oncology, reason="First")
    Referral.objects.update(status="draft")  # hide it from the pre-check so the database constraint decides
    Referral.objects.create(
        patient=cast.child_a,
        source_user=cast.nurse_a,
        target_team=oncology,
        reason="Open",
        status="submitted",
    )
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 test letter", content_type="application/pdf")
    with pytest.raises(ValidationError):
        referrals.referral_create(
            actor=cast.nurse_a, patient=cast.child_a, target_team=oncology, reason="Second", letters=[letter]
        )
    assert not any(path.is_file() for path in tmp_path.rglob("*"))
