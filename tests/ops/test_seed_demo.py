import pytest
from django.core.management import call_command
from django.http import HttpRequest  # django-axes needs the request of a log in

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
    _each_safety_guard_shows_once_at_least()
    _a_named_nurse_means_nursing_is_past_referred()


def _a_named_nurse_means_nursing_is_past_referred() -> None:
    from apps.pathways.models import SpecialtyTrack

    nursing = SpecialtyTrack.objects.filter(specialty="nursing", patient__named_nurse__isnull=False)
    assert nursing.exists()
    assert not nursing.filter(stage=SpecialtyTrack.Stage.REFERRED).exists()


def _each_safety_guard_shows_once_at_least() -> None:
    """docs/safety: a course without follow-up, a surveillance scan due, a partial score, an absent nurse
    with cover. Checked after the second run, so seeding them again duplicated nothing."""
    from apps.accounts.absence import is_absent
    from apps.pathways.models import SeverityScoreValue, SurveillanceDue, SurveillancePolicy
    from apps.patients import access
    from apps.tasks.models import Task

    assert Task.objects.filter(source=Task.Source.COURSE_FOLLOW_UP).exists()
    assert SurveillancePolicy.objects.get().is_demo
    due = SurveillanceDue.objects.all()
    assert due.exists() and due.count() == due.values("tumour", "step", "due_on").distinct().count()
    assert SeverityScoreValue.objects.filter(value__isnull=True, not_assessable="age").count() == 1
    away = User.objects.get(email="nurse2@carecoord.example")
    cover = User.objects.get(email="nurse@carecoord.example")
    assert is_absent(away)
    covered = Patient.objects.filter(named_nurse=away).exclude(care_team__user=cover).first()
    assert covered is not None and access.visible_patients(cover).filter(pk=covered.pk).exists()
    assert Task.objects.filter(source=Task.Source.RESPONSE_REVIEW).exists()


@pytest.mark.django_db
def test_demo_logins_work_with_the_demo_password(client, settings):
    call_command("seed_demo")
    ok = client.login(
        request=HttpRequest(), username="nurse@carecoord.example", password=settings.DEMO_PASSWORD
    )
    assert ok
    assert client.get("/caseload/").context["patients"]


def test_demo_steps_run_after_what_they_use_whatever_the_registration_order():
    from carecoord.demo import DemoStep, ordered_steps

    steps = {
        "messaging": DemoStep("messaging", print, uses=("accounts", "patients"), after=("pathways",)),
        "pathways": DemoStep("pathways", print, uses=("accounts", "patients")),
        "patients": DemoStep("patients", print, uses=("accounts",)),
        "accounts": DemoStep("accounts", print),
    }
    assert [s.name for s in ordered_steps(steps)] == ["accounts", "patients", "pathways", "messaging"]


def test_demo_steps_refuse_a_missing_or_circular_dependency():
    from django.core.exceptions import ImproperlyConfigured

    from carecoord.demo import DemoStep, ordered_steps

    with pytest.raises(ImproperlyConfigured, match="not registered"):
        ordered_steps({"a": DemoStep("a", print, uses=("b",))})
    with pytest.raises(ImproperlyConfigured, match="circle"):
        ordered_steps({"a": DemoStep("a", print, after=("b",)), "b": DemoStep("b", print, after=("a",))})


@pytest.mark.django_db
def test_seed_demo_finds_every_apps_demo_module_and_seeds_bank_holidays(capsys):
    from apps.workingtime.models import BankHoliday
    from carecoord.demo import ordered_steps

    call_command("seed_demo")
    names = [s.name for s in ordered_steps()]
    assert names.index("accounts") < names.index("patients")
    assert set(names) == {
        "accounts",
        "patients",
        "workingtime",
        "pathways",
        "referrals",
        "scheduling",
        "messaging",
        "mdt",
        "neuropsych",
        "transition",
        "research",
        "emergency_plans",
        "diary",
        "watch",
        "questionnaires",
        "caseload",
    }
    assert names.index("patients") < names.index("pathways") < names.index("scheduling")
    assert names.index("pathways") < names.index("mdt") < names.index("caseload")  # the scores come last
    assert BankHoliday.objects.exists()
