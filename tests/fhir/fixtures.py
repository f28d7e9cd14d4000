"""One record of every FHIR-mapped kind for child A and for child B (rows made directly: this is setup)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from apps.documents.models import FamilyDocument
from apps.messaging.models import Message, Thread
from apps.pathways.models import (
    DiagnosticAssessment,
    DiagnosticCriterion,
    Investigation,
    ScaleItem,
    SeverityScale,
    SeverityScore,
    SeverityScoreValue,
    SpecialtyTrack,
    SymptomReport,
    TrackEvent,
    TreatmentCourse,
    Tumour,
)
from apps.patients.models import Patient
from apps.referrals.models import Referral
from apps.scheduling.models import Appointment
from apps.tasks.models import Task
from tests.factories import TeamFactory

STAFF_ONLY_TEXT = "STAFF-ONLY-DISCUSSION"
REGIMEN_TEXT = "REGIMEN-WITH-A-DOSE-10MG"


@dataclass
class ChildRecord:
    """FHIR ids of child's rows, by resource type."""

    ids: dict[str, str]


def make_record(child: Patient, staff, family) -> ChildRecord:  # type: ignore[no-untyped-def]
    now = timezone.now()
    today = timezone.localdate()
    team = TeamFactory(code="neurology")
    track = SpecialtyTrack.objects.create(patient=child, specialty="neurology", stage="treating")
    TrackEvent.objects.create(
        track=track,
        from_stage="not_involved",
        to_stage="referred",
        actor=staff,
        at=now - datetime.timedelta(days=30),
    )
    TrackEvent.objects.create(
        track=track,
        from_stage="referred",
        to_stage="assessing",
        actor=staff,
        at=now - datetime.timedelta(days=20),
    )
    TrackEvent.objects.create(
        track=track,
        from_stage="assessing",
        to_stage="treating",
        actor=staff,
        at=now - datetime.timedelta(days=5),
    )
    assessment = DiagnosticAssessment.objects.create(
        patient=child,
        oms_status="confirmed",
        aetiology="neuroblastoma",
        onset_date=today - datetime.timedelta(days=40),
    )
    for criterion, present in [("opsoclonus", True), ("ataxia_myoclonus", True), ("behaviour_sleep", False)]:
        DiagnosticCriterion.objects.create(
            assessment=assessment, criterion=criterion, present=present, observed_on=today, recorded_by=staff
        )
    tumour = Tumour.objects.create(
        patient=child,
        site="Left adrenal",
        inrg_stage="L1",
        detected_on=today - datetime.timedelta(days=30),
        resected_on=today - datetime.timedelta(days=10),
        surgical_outcome="Complete resection",
        recorded_by=staff,
    )
    course = TreatmentCourse.objects.create(
        patient=child,
        agent="dexamethasone_pulses",
        status="active",
        start_date=today - datetime.timedelta(days=20),
        planned_end_date=today + datetime.timedelta(days=300),
        regimen_notes=REGIMEN_TEXT,
        prescriber=staff,
    )
    TreatmentCourse.objects.create(  # not a medicine: no MedicationStatement
        patient=child, agent="surgery", status="completed", start_date=today, prescriber=staff
    )
    document = FamilyDocument.objects.create(
        patient=child,
        title="Clinic letter",
        dated=today,
        file="documents/test/letter.pdf",
        content_type="application/pdf",
        size=1234,
        uploaded_by=staff,
    )
    withdrawn = FamilyDocument.objects.create(
        patient=child,
        title="Old letter",
        dated=today,
        file="documents/test/old.pdf",
        content_type="application/pdf",
        size=99,
        uploaded_by=staff,
        is_withdrawn=True,
        withdrawn_at=now,
    )
    report = SymptomReport.objects.create(
        patient=child,
        reported_by=family,
        unsteady="a_lot",
        jerky_movements="a_little",
        eye_movements="no",
        sleep="no",
        behaviour="no",
        speech="no",
        recent_illness="yes",
        free_text="Wobbly again",
    )
    scale, _ = SeverityScale.objects.get_or_create(name="Test scale", version=2)
    items = [
        ScaleItem.objects.get_or_create(
            scale=scale, code=code, defaults={"label": code.title(), "position": i}
        )[0]
        for i, code in enumerate(["gait", "eyes", "speech"])
    ]
    score = SeverityScore.objects.create(patient=child, scale=scale, assessed_on=today, assessor=staff)
    SeverityScoreValue.objects.create(score=score, item=items[0], value=2)
    SeverityScoreValue.objects.create(score=score, item=items[1], value=1)  # speech: not assessable
    referral = Referral.objects.create(
        patient=child,
        source_user=staff,
        target_team=team,
        reason="Assess",
        status="submitted",
        submitted_at=now,
    )
    investigation = Investigation.objects.create(
        patient=child,
        kind="mri_brain",
        requested_by=staff,
        status="resulted",
        resulted_at=now,
        result_summary="Normal",
    )
    start = now + datetime.timedelta(days=3)
    appointment = Appointment.objects.create(
        patient=child,
        kind="neurology_clinic",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        clinician=staff,
        internal_notes="STAFF-ONLY-NOTE",
    )
    task = Task.objects.create(title="Call the family", patient=child, assignee=staff)
    family_thread = Thread.objects.create(patient=child, kind="family", subject="Sleep", created_by=family)
    family_message = Message.objects.create(
        thread=family_thread, author=family, body="Sleeping badly", from_family=True
    )
    staff_thread = Thread.objects.create(patient=child, kind="staff_only", subject="Plan", created_by=staff)
    staff_message = Message.objects.create(
        thread=staff_thread, author=staff, body=STAFF_ONLY_TEXT, from_family=False
    )
    guardian = child.guardians.first()
    return ChildRecord(
        ids={
            "Patient": str(child.pk),
            "RelatedPerson": str(guardian.pk),
            "CareTeam": str(child.pk),
            "EpisodeOfCare": str(track.pk),
            "Condition": f"oms-{assessment.pk}",
            "Condition:nb": f"nb-{tumour.pk}",
            "Observation": str(score.pk),
            "ServiceRequest": f"ref-{referral.pk}",
            "ServiceRequest:inv": f"inv-{investigation.pk}",
            "DiagnosticReport": str(investigation.pk),
            "Appointment": str(appointment.pk),
            "Task": str(task.pk),
            "Communication": str(family_message.pk),
            "Communication:staff": str(staff_message.pk),
            "Procedure": str(tumour.pk),
            "MedicationStatement": str(course.pk),
            "DocumentReference": str(document.pk),
            "DocumentReference:withdrawn": str(withdrawn.pk),
            "QuestionnaireResponse": str(report.pk),
            "Flag": f"{child.pk}-open-symptom-report",  # the unreviewed report raises it
        }
    )
