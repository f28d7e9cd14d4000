import pytest
from django.core.management import call_command

from apps.accounts.models import StaffProfile, Team, User
from apps.patients.models import Guardian, Patient


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_every_role(capsys):
    call_command("seed_demo")
    counts = (User.objects.count(), Patient.objects.count(), Guardian.objects.count(), Team.objects.count())
    call_command("seed_demo")
    assert (
        User.objects.count(),
        Patient.objects.count(),
        Guardian.objects.count(),
        Team.objects.count(),
    ) == counts
    assert set(StaffProfile.objects.values_list("role", flat=True)) == set(StaffProfile.Role.values)
    assert Team.objects.count() == 7
    assert Patient.objects.count() >= 30
    assert set(Patient.objects.values_list("status", flat=True)) == {"referred", "active", "discharged"}
    assert Patient.objects.filter(nhs_number__isnull=True).exists()
    out = capsys.readouterr().out
    assert "nurse@carecoord.example" in out and "family@carecoord.example" in out


@pytest.mark.django_db
def test_demo_logins_work_with_the_demo_password(client, settings):
    call_command("seed_demo")
    ok = client.login(username="nurse@carecoord.example", password=settings.DEMO_PASSWORD)
    assert ok
    assert client.get("/caseload/").context["patients"]
