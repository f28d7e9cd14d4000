"""HAZ-09: tumour surveillance after resection is a policy (data); the job requests each investigation
ahead of time, flags and escalates overdue ones, and stops when oncology discharges. Investigations stuck
at requested or booked are flagged. Neuroblastoma marked absent before the tumour search is complete
needs a reason, which is kept."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.pathways import services
from apps.pathways.models import (
    DiagnosticCriterion,
    Investigation,
    SurveillanceDue,
    SurveillancePolicy,
    Tumour,
)
from apps.pathways.services.surveillance import (
    stuck_investigation_flags,
    surveillance_flags,
    surveillance_request_due,
)
from apps.tasks.models import Task

from ..factories import StaffFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
RESECTED = datetime.date(2025, 9, 15)  # urine due 15 Dec 2025, 15 Mar 2026, ...; imaging 15 Mar 2026, ...


def on(day: datetime.date, hour: int = 7):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON), tick=False)


@pytest.fixture
def oncologist(db):
    return StaffFactory(full_name="Dr Onc", role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"])


@pytest.fixture
def policy(db):
    policy = SurveillancePolicy.objects.create(name="Demo surveillance", lead_time_days=21, is_demo=True)
    policy.steps.create(kind=Investigation.Kind.URINE_CATECHOLAMINES, every_months=3, until_months=24)
    policy.steps.create(kind=Investigation.Kind.CAP_IMAGING, every_months=6, until_months=36)
    return policy


@pytest.fixture
def tumour(cast, oncologist):
    with on(datetime.date(2025, 10, 1), hour=10):
        return services.tumour_record(
            actor=oncologist,
            patient=cast.child_a,
            site="Left adrenal",
            inrg_stage="L1",
            detected_on=datetime.date(2025, 8, 20),
            resected_on=RESECTED,
            oncology_status=Tumour.OncologyStatus.POST_SURGERY_MONITORING,
        )


def requested() -> list[tuple[str, datetime.date]]:
    return sorted((r.step.kind, r.due_on) for r in SurveillanceDue.objects.select_related("step"))


def test_each_investigation_is_requested_ahead_of_its_due_date_once(cast, oncologist, policy, tumour):
    with on(datetime.date(2025, 11, 23)):
        assert surveillance_request_due() == (0, 0)  # 22 days before the first urine test
    with on(datetime.date(2025, 11, 24)):
        assert surveillance_request_due() == (1, 0)
        assert surveillance_request_due() == (0, 0)
    assert requested() == [("urine_hva_vma", datetime.date(2025, 12, 15))]
    investigation = Investigation.objects.get()
    assert (investigation.status, investigation.requested_by, investigation.kind) == (
        Investigation.Status.REQUESTED,
        oncologist,
        "urine_hva_vma",
    )
    task = Task.objects.get(source=Task.Source.TUMOUR_SURVEILLANCE)
    assert (task.team.code, task.patient) == ("oncology", cast.child_a)
    with on(datetime.date(2025, 11, 25), hour=10):
        flags = surveillance_flags([cast.child_a.pk])[cast.child_a.pk]
    assert [f.text for f in flags] == ["Surveillance Urine HVA/VMA due 15 Dec 2025: requested, not yet done"]


def test_an_overdue_surveillance_investigation_is_flagged_and_escalated_once(
    cast, policy, tumour, client_for
):
    with on(datetime.date(2025, 11, 24)):
        surveillance_request_due()
    with on(datetime.date(2025, 12, 16)):
        assert surveillance_request_due() == (0, 1)
        assert surveillance_request_due() == (0, 0)
        page = client_for(cast.nurse_a).get("/caseload/").content.decode()
    assert "Surveillance Urine HVA/VMA was due 15 Dec 2025 and is not done" in page
    overdue = Task.objects.get(source_key__endswith=":overdue")
    assert (overdue.team.code, overdue.priority) == ("oncology", Task.Priority.URGENT)


def test_a_resulted_investigation_clears_the_flag(cast, oncologist, policy, tumour):
    with on(datetime.date(2025, 11, 24)):
        surveillance_request_due()
    with on(datetime.date(2025, 12, 10), hour=10):
        services.investigation_record_result(
            actor=oncologist,
            investigation=Investigation.objects.get(),
            result_summary="Normal",
            abnormal=False,
        )
    with on(datetime.date(2025, 12, 16)):
        assert surveillance_request_due() == (0, 0)
        assert surveillance_flags([cast.child_a.pk]) == {}


def test_a_child_joining_late_gets_the_next_investigation_not_every_missed_one(cast, policy, tumour):
    with on(datetime.date(2026, 3, 1)):
        assert surveillance_request_due() == (2, 0)
    assert requested() == [
        ("cap_imaging", datetime.date(2026, 3, 15)),
        ("urine_hva_vma", datetime.date(2026, 3, 15)),
    ]


def test_nothing_more_is_requested_or_flagged_once_oncology_discharges(cast, oncologist, policy, tumour):
    with on(datetime.date(2025, 11, 24)):
        surveillance_request_due()
    with on(datetime.date(2025, 12, 1), hour=10):
        services.tumour_update(
            actor=oncologist, tumour=tumour, oncology_status=Tumour.OncologyStatus.DISCHARGED
        )
    with on(datetime.date(2026, 3, 1)):
        assert surveillance_request_due() == (0, 0)
        assert surveillance_flags([cast.child_a.pk]) == {}


def test_an_inactive_policy_or_an_unresected_tumour_requests_nothing(cast, oncologist, policy):
    with on(datetime.date(2025, 10, 1), hour=10):
        services.tumour_record(
            actor=oncologist, patient=cast.child_a, site="Adrenal", detected_on=datetime.date(2025, 9, 1)
        )
    with on(datetime.date(2026, 3, 1)):
        assert surveillance_request_due() == (0, 0)


def test_an_investigation_stuck_at_requested_or_booked_past_its_target_is_flagged(cast, oncologist):
    with on(datetime.date(2026, 1, 5), hour=10):
        services.investigation_request(actor=oncologist, patient=cast.child_a, kind="mri_brain")
        mibg = services.investigation_request(actor=oncologist, patient=cast.child_a, kind="mibg")
        services.investigation_book(
            actor=oncologist, investigation=mibg, booked_for=datetime.date(2026, 1, 26)
        )
    with on(datetime.date(2026, 2, 2), hour=10):
        assert stuck_investigation_flags([cast.child_a.pk]) == {}  # 28 days: on target
    with on(datetime.date(2026, 2, 3), hour=10):
        texts = [f.text for f in stuck_investigation_flags([cast.child_a.pk])[cast.child_a.pk]]
    assert sorted(texts) == [
        "MIBG scan booked for 26 Jan 2026 and not yet marked done",
        "MRI brain requested 05 Jan 2026 and not yet booked (target 28 days)",
    ]


# --- The tumour search and the neuroblastoma criterion -------------------------------------------


def _resulted(actor, patient, kind):
    investigation = services.investigation_request(actor=actor, patient=patient, kind=kind)
    return services.investigation_record_result(
        actor=actor, investigation=investigation, result_summary="No tumour seen", abnormal=False
    )


def test_neuroblastoma_absent_before_the_tumour_search_is_complete_needs_a_reason_which_is_kept(
    cast, oncologist
):
    _resulted(oncologist, cast.child_a, "cap_imaging")
    with pytest.raises(ValidationError) as warned:
        services.assessment_record_criterion(
            actor=oncologist,
            patient=cast.child_a,
            criterion="neuroblastoma",
            present=False,
            observed_on=timezone.localdate(),
        )
    assert warned.value.error_dict["incomplete_search_reason"][0].code == "tumour_search_incomplete"
    message = warned.value.message_dict["incomplete_search_reason"][0]
    assert "no result yet for MIBG scan, Urine HVA/VMA" in message
    assert "does not exclude a tumour" in message
    assert not DiagnosticCriterion.objects.exists()

    row = services.assessment_record_criterion(
        actor=oncologist,
        patient=cast.child_a,
        criterion="neuroblastoma",
        present=False,
        observed_on=timezone.localdate(),
        incomplete_search_reason="MIBG unavailable for six weeks; imaging clear",
    )
    assert row.incomplete_search_reason == (
        "MIBG unavailable for six weeks; imaging clear (no result yet for MIBG scan, Urine HVA/VMA)"
    )


def test_with_the_tumour_search_complete_or_neuroblastoma_present_no_reason_is_asked(cast, oncologist):
    assert services.assessment_record_criterion(
        actor=oncologist,
        patient=cast.child_a,
        criterion="neuroblastoma",
        present=True,
        observed_on=timezone.localdate(),
    ).present
    for kind in ("cap_imaging", "mibg", "urine_hva_vma"):
        _resulted(oncologist, cast.child_b, kind)
    row = services.assessment_record_criterion(
        actor=oncologist,
        patient=cast.child_b,
        criterion="neuroblastoma",
        present=False,
        observed_on=timezone.localdate(),
    )
    assert row.incomplete_search_reason == ""


def test_the_pathway_form_shows_the_warning_next_to_the_reason_field(cast, oncologist, client_for):
    from ..factories import CareTeamMemberFactory

    CareTeamMemberFactory(patient=cast.child_a, user=oncologist, role=StaffProfile.Role.CONSULTANT)
    response = client_for(oncologist).post(
        f"/patients/{cast.child_a.pk}/pathway/criterion/",
        {
            "criterion-criterion": "neuroblastoma",
            "criterion-present": "false",
            "criterion-observed_on": "2026-01-05",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "The tumour search is not complete" in response.content.decode()
