"""The pathway: EpisodeOfCare, Condition, Observation, ServiceRequest, DiagnosticReport."""

import datetime
from typing import Any

from django.utils import timezone

from apps.pathways.models import (
    DiagnosticAssessment,
    Investigation,
    SeverityScore,
    SpecialtyTrack,
    Tumour,
)
from apps.referrals.models import Referral

from ..codes import (
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    DATA_ABSENT,
    OBSERVATION_CATEGORY,
    concept,
    drop_empty,
    instant,
    local_concept,
    ref,
)

Stage = SpecialtyTrack.Stage
EPISODE_STATUS: dict[str, str] = {
    Stage.REFERRED: "waitlist",
    Stage.ASSESSING: "active",
    Stage.TREATING: "active",
    Stage.MONITORING: "active",
    Stage.DISCHARGED: "finished",
}


def _day_start(day: datetime.date) -> str:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)).isoformat()


def episode_of_care(row: SpecialtyTrack) -> dict[str, Any]:
    """A specialty track; ``events`` prefetched oldest first. Periods while not involved are left out."""
    events = list(row.events.all())
    history = []
    for event, following in zip(events, [*events[1:], None], strict=True):
        if following is None or event.to_stage not in EPISODE_STATUS:
            continue  # the last event is the current status, not history
        history.append(
            {
                "status": EPISODE_STATUS[event.to_stage],
                "period": {"start": event.at.isoformat(), "end": following.at.isoformat()},
            }
        )
    return drop_empty(
        {
            "resourceType": "EpisodeOfCare",
            "id": str(row.pk),
            "status": EPISODE_STATUS[row.stage],
            "statusHistory": history,
            "type": [local_concept("specialty", row.specialty, row.get_specialty_display())],
            "patient": ref("Patient", row.patient_id),
            "period": {"start": (events[0].at if events else row.stage_changed_at).isoformat()},
        }
    )


OMS_VERIFICATION: dict[str, str] = {
    DiagnosticAssessment.OmsStatus.SUSPECTED: "provisional",
    DiagnosticAssessment.OmsStatus.CONFIRMED: "confirmed",
    DiagnosticAssessment.OmsStatus.EXCLUDED: "refuted",
}
ENCOUNTER_DIAGNOSIS = concept(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")


def oms_condition(row: DiagnosticAssessment) -> dict[str, Any]:
    """OMS, with each criterion found present as evidence (``criteria`` prefetched)."""
    evidence = [
        {"code": [local_concept("oms-criterion", c.criterion, c.get_criterion_display())]}
        for c in row.criteria.all()
        if c.present
    ]
    excluded = row.oms_status == DiagnosticAssessment.OmsStatus.EXCLUDED
    return drop_empty(
        {
            "resourceType": "Condition",
            "id": f"oms-{row.pk}",
            "clinicalStatus": concept(CONDITION_CLINICAL, "inactive" if excluded else "active"),
            "verificationStatus": concept(CONDITION_VERIFICATION, OMS_VERIFICATION[row.oms_status]),
            "category": [ENCOUNTER_DIAGNOSIS],
            "code": local_concept("condition", "oms", "Opsoclonus-myoclonus syndrome"),
            "subject": ref("Patient", row.patient_id),
            "onsetDateTime": row.onset_date.isoformat() if row.onset_date else None,
            "recordedDate": row.diagnosis_date.isoformat() if row.diagnosis_date else None,
            "note": [{"text": f"Aetiology: {row.get_aetiology_display()}"}],
            "evidence": evidence,
        }
    )


def neuroblastoma_condition(row: Tumour) -> dict[str, Any]:
    stage = []
    if row.inrg_stage:
        stage = [{"summary": local_concept("inrg-stage", row.inrg_stage, row.get_inrg_stage_display())}]
    return drop_empty(
        {
            "resourceType": "Condition",
            "id": f"nb-{row.pk}",
            "clinicalStatus": concept(CONDITION_CLINICAL, "active"),
            "verificationStatus": concept(CONDITION_VERIFICATION, "confirmed"),
            "category": [ENCOUNTER_DIAGNOSIS],
            "code": local_concept("condition", "neuroblastoma", "Neuroblastoma"),
            "bodySite": [{"text": row.site}],
            "subject": ref("Patient", row.patient_id),
            "onsetDateTime": row.detected_on.isoformat(),
            "stage": stage,
        }
    )


def observation(row: SeverityScore) -> dict[str, Any]:
    """A severity score: the total as the value, one component per scale item of that exact version.

    An item with no recorded value (not assessable at that review) is present with a dataAbsentReason,
    so a reader can tell "not assessed" from "scored 0".
    ``scale__items`` and ``values`` are prefetched.
    """
    values = {v.item_id: v.value for v in row.values.all() if v.value is not None}
    components = []
    for item in row.scale.items.all():
        component: dict[str, Any] = {
            "code": local_concept(f"scale-{row.scale_id}-item", item.code, item.label)
        }
        if item.pk in values:
            component["valueInteger"] = values[item.pk]
        else:
            component["dataAbsentReason"] = concept(DATA_ABSENT, "not-performed", "Not Performed")
        components.append(component)
    scale = row.scale
    return drop_empty(
        {
            "resourceType": "Observation",
            "id": str(row.pk),
            "status": "final",
            "category": [concept(OBSERVATION_CATEGORY, "survey", "Survey")],
            "code": local_concept("severity-scale", f"{scale.pk}-v{scale.version}", str(scale)),
            "subject": ref("Patient", row.patient_id),
            "effectiveDateTime": row.assessed_on.isoformat(),
            "issued": instant(row.recorded_at),
            "performer": [ref("Practitioner", row.assessor_id, row.assessor.full_name)],
            "valueInteger": sum(values.values()),
            "note": [{"text": row.note}] if row.note else [],
            "component": components,
        }
    )


RS = Referral.Status
REFERRAL_STATUS: dict[str, str] = {
    RS.DRAFT: "draft",
    RS.SUBMITTED: "active",
    RS.ACCEPTED: "active",
    RS.BOOKED: "active",
    RS.SEEN: "completed",
    RS.COMPLETED: "completed",
    RS.DECLINED: "revoked",
    RS.CANCELLED: "revoked",
}
REFERRAL_PRIORITY = {"routine": "routine", "urgent": "urgent", "emergency": "stat"}
REFERRAL_CATEGORY = local_concept("service-request-category", "referral", "Referral")
INVESTIGATION_CATEGORY = local_concept("service-request-category", "investigation", "Investigation")


def referral_request(row: Referral) -> dict[str, Any]:
    requester = (
        ref("Practitioner", row.source_user_id, row.source_user.full_name) if row.source_user else None
    )
    if requester is None and (row.referrer_name or row.referrer_organisation):
        requester = {"display": ", ".join(filter(None, [row.referrer_name, row.referrer_organisation]))}
    return drop_empty(
        {
            "resourceType": "ServiceRequest",
            "id": f"ref-{row.pk}",
            "status": REFERRAL_STATUS[row.status],
            "intent": "order",
            "category": [REFERRAL_CATEGORY],
            "priority": REFERRAL_PRIORITY[row.urgency],
            "code": {"text": f"Referral to {row.target_team.name}"},
            "subject": ref("Patient", row.patient_id),
            "authoredOn": instant(row.submitted_at or row.created_at),
            "requester": requester,
            "performer": [ref("Organization", row.target_team_id, row.target_team.name)],
            "reasonCode": [{"text": row.reason}],
        }
    )


IS = Investigation.Status
INVESTIGATION_STATUS: dict[str, str] = {
    IS.REQUESTED: "active",
    IS.BOOKED: "active",
    IS.DONE: "active",
    IS.RESULTED: "completed",
    IS.CANCELLED: "revoked",
}


def _investigation_code(row: Investigation) -> dict[str, Any]:
    code = local_concept("investigation", row.kind, row.get_kind_display())
    if row.description:
        code["text"] = f"{row.get_kind_display()}: {row.description}"
    return code


def investigation_request(row: Investigation) -> dict[str, Any]:
    return drop_empty(
        {
            "resourceType": "ServiceRequest",
            "id": f"inv-{row.pk}",
            "status": INVESTIGATION_STATUS[row.status],
            "intent": "order",
            "category": [INVESTIGATION_CATEGORY],
            "code": _investigation_code(row),
            "subject": ref("Patient", row.patient_id),
            "authoredOn": _day_start(row.requested_on),
            "requester": ref("Practitioner", row.requested_by_id, row.requested_by.full_name),
            "occurrenceDateTime": row.booked_for.isoformat() if row.booked_for else None,
        }
    )


def diagnostic_report(row: Investigation) -> dict[str, Any]:
    """The result of a resulted investigation."""
    interpretation = []
    if row.abnormal is not None:
        code, display = ("A", "Abnormal") if row.abnormal else ("N", "Normal")
        interpretation = [
            concept("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", code, display)
        ]
    return drop_empty(
        {
            "resourceType": "DiagnosticReport",
            "id": str(row.pk),
            "basedOn": [ref("ServiceRequest", f"inv-{row.pk}")],
            "status": "final",
            "code": _investigation_code(row),
            "subject": ref("Patient", row.patient_id),
            "effectiveDateTime": row.done_on.isoformat() if row.done_on else None,
            "issued": instant(row.resulted_at),
            "conclusion": row.result_summary,
            "conclusionCode": interpretation,
        }
    )
