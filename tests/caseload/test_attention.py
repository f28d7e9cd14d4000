"""The attention model: clinical urgency always above administrative backlog, one flag per cause,
the reason for each rank in words on the row, and the weights the README lists."""

import datetime
import re
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import StaffProfile, Team
from apps.accounts.services import system_user
from apps.caseload.selectors import FLAGS, WEIGHTS, Tier, weights_in_words
from apps.messaging import services as messaging
from apps.pathways import services as pathways
from apps.patients.models import Patient
from apps.referrals import services as referrals
from apps.referrals.models import Referral
from apps.scheduling import services as scheduling
from apps.scheduling.models import Appointment, ReviewDue, ReviewPolicy
from apps.tasks.models import Task

from ..factories import GuardianFactory, PatientFactory, StaffFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 11, 10, 10, 0, tzinfo=LONDON)  # a Tuesday, 10am
TODAY = NOW.date()
README = Path(__file__).resolve().parents[2] / "README.md"
ANSWERS = {
    "unsteady": "a_lot",
    "jerky_movements": "a_little",
    "eye_movements": "no",
    "sleep": "a_little",
    "behaviour": "no",
    "speech": "no",
    "recent_illness": "yes",
}


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def nurse(db):
    return StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"])


@pytest.fixture
def neuropsychology(db) -> ReviewPolicy:
    team, _ = Team.objects.get_or_create(code="neuropsychology", defaults={"name": "Neuropsychology"})
    return ReviewPolicy.objects.create(
        name="Neuropsychology re-evaluation",
        target_team=team,
        appointment_kind=Appointment.Kind.NEUROPSYCHOLOGY,
        baseline_within_months=6,
        interval_months=24,
    )


def child(nurse, name: str, *, contact: bool = True) -> Patient:
    """A child on the nurse's caseload; with ``contact``, seen today (so not 'no recent contact')."""
    patient = PatientFactory(named_nurse=nurse, family_name=name)
    if contact:
        pathways.track_change_stage(actor=nurse, patient=patient, specialty="nursing", to_stage="referred")
    return patient


def family_of(patient: Patient):
    return GuardianFactory(patient=patient).user


def caseload(client, nurse, **params) -> list[dict]:
    client.force_login(nurse)
    response = client.get("/caseload/", params)
    return [
        {
            "name": row["patient"].family_name,
            "reasons": [reason.text for reason in row["reasons"]],
            "clinical": [reason.text for reason in row["reasons"] if reason.tier == Tier.CLINICAL],
            "html": response.content.decode(),
        }
        for row in response.context["rows"]
    ]


def names(rows: list[dict]) -> list[str]:
    return [row["name"] for row in rows]


# --- The administrative pile, and the clinical items that outrank it ----------------------------------


def administrative_pile(nurse, policy: ReviewPolicy, name: str = "Pile") -> Patient:
    """Every administrative item at or past its cap: 5 overdue tasks, an overdue re-evaluation,
    3 normal results to acknowledge, a family message within the target, no contact for 100 days."""
    with time_machine.travel(NOW - datetime.timedelta(days=100), tick=False):
        patient = child(nurse, name)  # the last contact, 100 days ago
        referral = referrals.referral_create(
            actor=nurse, patient=patient, target_team=policy.target_team, reason="Re-evaluation"
        )
        ReviewDue.objects.create(patient=patient, policy=policy, due_on=days_ago(30), referral=referral)
        for _ in range(3):
            mri = pathways.investigation_request(actor=nurse, patient=patient, kind="mri_brain")
            pathways.investigation_record_result(
                actor=nurse, investigation=mri, result_summary="Normal", abnormal=False
            )
    for n in range(5):
        Task.objects.create(title=f"Chase {n}", patient=patient, assignee=nurse, due_on=days_ago(n + 1))
    with time_machine.travel(NOW - datetime.timedelta(hours=1), tick=False):
        messaging.thread_start(actor=family_of(patient), patient=patient, subject="Hello", body="A question.")
    return patient


def with_symptom_report(nurse, patient: Patient) -> None:
    pathways.symptom_report_submit(actor=family_of(patient), patient=patient, **ANSWERS)


def with_relapse(nurse, patient: Patient) -> None:
    pathways.relapse_record(actor=nurse, patient=patient, onset_date=days_ago(2), severity="mild")


def with_abnormal_result(nurse, patient: Patient) -> None:
    mri = pathways.investigation_request(actor=nurse, patient=patient, kind="mri_brain")
    pathways.investigation_record_result(
        actor=nurse, investigation=mri, result_summary="Change", abnormal=True
    )


def with_family_past_the_target(nurse, patient: Patient) -> None:
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):  # Monday 10am
        messaging.thread_start(
            actor=family_of(patient), patient=patient, subject="Wobbly", body="Is this normal?"
        )
    assert messaging.threads_escalate_unanswered() == 1  # 8 working hours later


def with_urgent_referral(nurse, patient: Patient) -> None:
    referrals.referral_create(
        actor=nurse,
        patient=patient,
        target_team=Team.objects.get_or_create(code="oncology", defaults={"name": "Oncology"})[0],
        reason="Please assess.",
        urgency="urgent",
    )


CLINICAL_ITEMS: dict[str, Callable] = {
    "Symptoms reported by the family just now": with_symptom_report,
    "Relapse not resolved, since 8 Nov": with_relapse,
    "1 abnormal result to acknowledge": with_abnormal_result,
    "Family waiting for a reply since yesterday, past the response target": (with_family_past_the_target),
    "Urgent referral to Oncology awaiting triage since 10:00": with_urgent_referral,
}


@pytest.mark.parametrize("reason", list(CLINICAL_ITEMS))
def test_one_clinical_item_outranks_a_child_with_every_administrative_item(
    client, nurse, neuropsychology, clock, reason
):
    administrative_pile(nurse, neuropsychology, "Aardvark")  # first by name: only the model puts it second
    lone = child(nurse, "Zeller")
    CLINICAL_ITEMS[reason](nurse, lone)

    rows = caseload(client, nurse)

    assert names(rows) == ["Zeller", "Aardvark"]
    assert rows[0]["reasons"] == rows[0]["clinical"] == [reason]
    assert rows[1]["clinical"] == []
    assert rows[1]["reasons"] == [
        "5 overdue tasks, oldest due 5 Nov",
        "Family waiting for a reply since 09:00",
        "3 normal results to acknowledge",
        "Re-evaluation overdue (Neuropsychology, due 11 Oct)",
        "No contact recorded for 100 days",
    ]


def test_the_pinned_order_of_a_small_caseload(client, nurse, neuropsychology, clock):
    """The worked example in the README: each child's rank, and the reason for it."""
    administrative_pile(nurse, neuropsychology, "Adams")  # 5 overdue tasks + overdue review + no contact ...
    with_symptom_report(nurse, child(nurse, "Baker"))  # only a symptom report
    relapse_and_tasks = child(nurse, "Carter")
    with_relapse(nurse, relapse_and_tasks)
    Task.objects.create(title="Call", patient=relapse_and_tasks, assignee=nurse, due_on=days_ago(1))
    with_relapse(nurse, child(nurse, "Dixon"))
    with_urgent_referral(nurse, child(nurse, "Evans"))
    with_abnormal_result(nurse, child(nurse, "Frost"))
    one_task = child(nurse, "Green")
    Task.objects.create(title="Call", patient=one_task, assignee=nurse, due_on=days_ago(1))
    child(nurse, "Hill")  # nothing outstanding

    rows = caseload(client, nurse)

    assert names(rows) == [
        "Carter",  # relapse 40, and an overdue task 15
        "Baker",  # symptoms 40 (ties with Dixon: by name)
        "Dixon",  # relapse 40
        "Evans",  # urgent referral 20
        "Frost",  # abnormal result 10
        "Adams",  # administrative only, 110 of it
        "Green",  # one overdue task 15
        "Hill",
    ]
    assert rows[0]["reasons"] == ["Relapse not resolved, since 8 Nov", "1 overdue task, due yesterday"]
    assert rows[-1]["reasons"] == []


def test_rows_show_the_reasons_in_words_and_mark_the_clinical_ones(client, nurse, clock):
    reported = child(nurse, "Reported")
    with time_machine.travel(NOW - datetime.timedelta(hours=2), tick=False):
        with_symptom_report(nurse, reported)
    pathways.relapse_record(
        actor=nurse,
        patient=child(nurse, "Relapsed"),
        onset_date=datetime.date(2026, 11, 3),
        severity="moderate",
    )

    rows = caseload(client, nurse)
    html = rows[0]["html"]

    assert [row["reasons"] for row in rows] == [
        ["Relapse not resolved, since 3 Nov"],
        ["Symptoms reported by the family 2 h ago"],
    ]
    assert '<span class="visually-hidden">Clinical: </span>Relapse not resolved, since 3 Nov' in html
    assert (
        f'href="/patients/{reported.pk}/pathway/#symptom-reports">Symptoms reported by the family 2 h ago</a>'
        in html
    )


# --- One cause, one flag -------------------------------------------------------------------------------


def test_an_overdue_re_evaluation_is_one_routine_flag_with_its_referral_and_task_folded_in(
    client, nurse, neuropsychology, clock
):
    consultant = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    patient = child(nurse, "Morgan")
    pathways.assessment_update(actor=consultant, patient=patient, diagnosis_date=days_ago(400))
    assert scheduling.reviews_open_due() == 1  # the baseline fell due months ago

    referral = Referral.objects.get(patient=patient)
    assert (referral.urgency, referral.source_user) == (Referral.Urgency.ROUTINE, system_user())
    tasks = Task.objects.filter(patient=patient)
    assert {t.source for t in tasks} == {Task.Source.RE_EVALUATION, Task.Source.REFERRAL_TRIAGE}
    tasks.update(due_on=days_ago(3))  # the re-evaluation task and the referral's triage are both overdue

    [row] = caseload(client, nurse)
    assert row["reasons"] == ["Re-evaluation overdue (Neuropsychology, due 6 Apr)"]
    assert row["clinical"] == []


def test_a_re_evaluation_referral_still_opened_urgent_by_the_job_is_not_clinical(
    client, nurse, neuropsychology, clock
):
    """Referrals the job opened as urgent before it opened them routine."""
    patient = child(nurse, "Legacy")
    referral = referrals.referral_open(
        actor=system_user(),
        patient=patient,
        target_team=neuropsychology.target_team,
        reason="Re-evaluation due",
        urgency=Referral.Urgency.URGENT,
    )
    ReviewDue.objects.create(patient=patient, policy=neuropsychology, due_on=days_ago(10), referral=referral)

    [row] = caseload(client, nurse)
    assert row["reasons"] == ["Re-evaluation overdue (Neuropsychology, due 31 Oct)"]


def test_a_re_evaluation_a_clinician_referred_urgently_shows_as_that_urgent_referral(
    client, nurse, neuropsychology, clock
):
    patient = child(nurse, "Urgent")
    referral = referrals.referral_create(
        actor=nurse,
        patient=patient,
        target_team=neuropsychology.target_team,
        reason="Worse at school",
        urgency="urgent",
    )
    ReviewDue.objects.create(patient=patient, policy=neuropsychology, due_on=days_ago(10), referral=referral)
    Task.objects.filter(patient=patient).update(due_on=days_ago(1))  # the triage is overdue too

    [row] = caseload(client, nurse)
    assert (
        row["reasons"]
        == row["clinical"]
        == ["Urgent referral to Neuropsychology awaiting triage since 10:00"]
    )


def test_the_call_after_a_symptom_report_is_part_of_its_flag_until_the_report_is_reviewed(
    client, nurse, clock
):
    patient = child(nurse, "Reported")
    with_symptom_report(nurse, patient)
    clock.shift(datetime.timedelta(days=1))  # the urgent call task was due yesterday

    [row] = caseload(client, nurse)
    assert row["reasons"] == ["Symptoms reported by the family yesterday"]

    pathways.symptom_report_review(actor=nurse, report=patient.symptom_reports.get())
    [row] = caseload(client, nurse)
    assert row["reasons"] == []  # and the review closed the task


def test_an_escalated_family_message_is_one_flag_not_also_an_overdue_task(client, nurse, clock):
    patient = child(nurse, "Waiting")
    with_family_past_the_target(nurse, patient)
    clock.shift(datetime.timedelta(days=2))  # the Nursing queue's task is overdue now

    [row] = caseload(client, nurse)
    assert row["reasons"] == ["Family waiting for a reply since 9 Nov, past the response target"]


# --- The weights ---------------------------------------------------------------------------------------


def test_the_readme_lists_the_weights_in_the_code():
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert weights_in_words() in text, f"Update README.md's caseload paragraph to say: {weights_in_words()}"


def test_every_flag_has_one_weight_and_the_table_is_in_rank_order():
    assert list(FLAGS) != [] and set(FLAGS) == set(WEIGHTS)
    ranks = [(-w.tier, -w.points) for w in WEIGHTS.values()]
    assert ranks == sorted(ranks)
    assert re.fullmatch(r"clinical urgency: .+; administrative backlog: .+", weights_in_words())


def test_the_query_count_is_the_same_with_every_flag_raised(client, nurse, neuropsychology, clock):
    def count() -> int:
        client.force_login(nurse)
        with CaptureQueriesContext(connection) as queries:
            client.get("/caseload/")
        return len(queries)

    administrative_pile(nurse, neuropsychology, "Pile0")
    for adds in CLINICAL_ITEMS.values():
        adds(nurse, child(nurse, "Clinical"))
    few = count()
    for n in range(1, 4):
        administrative_pile(nurse, neuropsychology, f"Pile{n}")
    for adds in CLINICAL_ITEMS.values():
        adds(nurse, child(nurse, "More"))
    assert count() == few
