"""Demo consent: a demo registry and a demo study (labelled as demo), consent for some demo children
(agreed, one declined, one withdrawn), and the research lead permission for the demo administrator."""

import datetime

from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.patients.models import Guardian, Patient
from carecoord import demo

from .consent import can_record_consent, consent_record, consent_withdraw
from .models import Consent, ConsentScope

Role = StaffProfile.Role
REGISTRY = "demo-oms-registry"
STUDY = "demo-sleep-study"
CONSENTED = 12  # the first children of the demo list


def _scopes() -> ConsentScope:
    registry, _ = ConsentScope.objects.get_or_create(
        code=REGISTRY,
        defaults={
            "name": "Demo OMS registry",
            "kind": ConsentScope.Kind.REGISTRY,
            "description": "A demo registry for trying the export. Not a real registry.",
            "is_demo": True,
        },
    )
    ConsentScope.objects.get_or_create(
        code=STUDY,
        defaults={
            "name": "Demo sleep study",
            "kind": ConsentScope.Kind.RESEARCH,
            "description": "A demo research study. Not a real study.",
            "is_demo": True,
        },
    )
    return registry


def seed(staff: dict[str, User], patients: list[Patient]) -> None:
    lead = staff[Role.CLINIC_ADMIN]
    lead.user_permissions.add(
        Permission.objects.get(content_type__app_label="research", codename="run_export")
    )
    registry = _scopes()
    if Consent.objects.filter(scope=registry).exists():
        return
    today = timezone.localdate()
    clinicians = [staff[Role.NURSE_SPECIALIST], staff[f"{Role.NURSE_SPECIALIST}2"], staff[Role.CONSULTANT]]
    for i, patient in enumerate(patients[:CONSENTED]):
        recorder = next((c for c in clinicians if can_record_consent(c, patient)), None)
        guardian = Guardian.objects.filter(patient=patient, is_active=True).first()
        if recorder is None or guardian is None:
            continue
        consent = consent_record(
            actor=recorder,
            patient=patient,
            scope=registry,
            decision=Consent.Decision.DENY if i == 3 else Consent.Decision.PERMIT,
            period_start=today - datetime.timedelta(days=200 - i * 10),
            period_end=None,
            consenter=Consent.Consenter.GUARDIAN,
            guardian=guardian,
            verification=Consent.Verification.PAPER_FORM if i % 2 else Consent.Verification.VERBAL_WITNESSED,
        )
        if i == 5:  # one family changed their mind
            consent_withdraw(
                actor=recorder,
                consent=consent,
                withdrawn_on=today - datetime.timedelta(days=7),
                reason="Family asked to leave the registry",
            )


demo.register("research", seed, uses=["accounts", "patients"], after=["pathways", "transition"])
