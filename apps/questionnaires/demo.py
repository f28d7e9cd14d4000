"""Demo questionnaires: the first demo child's family has answered the demo behaviour-and-sleep
questionnaire three times over the last months (so the chart has a second series and the staff tab
has scores and changes), and one more is waiting for them in the portal. The questionnaire is the
migration's demo configuration (not a validated instrument)."""

import datetime

from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.patients.models import Guardian, Patient
from carecoord import demo

from . import services
from .models import Assignment, Questionnaire, QuestionnaireResponse

Role = StaffProfile.Role
DEMO_CODE = "behaviour-and-sleep-demo"
# (days ago, answers): totals 9, 6 and 8 of 15, so no change crosses the demo threshold of 4.
ANSWERS = [
    (
        84,
        {"settling": "hard", "night-waking": "3", "rages": "most-days", "content": "no", "play": "as-usual"},
    ),
    (
        56,
        {
            "settling": "a-while",
            "night-waking": "2",
            "rages": "once-or-twice",
            "content": "no",
            "play": "as-usual",
        },
    ),
    (
        21,
        {
            "settling": "a-while",
            "night-waking": "3",
            "rages": "most-days",
            "content": "no",
            "play": "as-usual",
            "anything-else": "Waking more since the cold last week.",
        },
    ),
]


def seed(staff: dict[str, User], patients: list[Patient]) -> int:
    questionnaire = Questionnaire.objects.filter(code=DEMO_CODE).first()
    child = patients[0] if patients else None
    if questionnaire is None or child is None or Assignment.objects.filter(patient=child).exists():
        return 0
    guardian = Guardian.objects.filter(patient=child, is_active=True).select_related("user").first()
    nurse = child.named_nurse or staff[Role.NURSE_SPECIALIST]
    if guardian is None:
        return 0
    now = timezone.now()
    for days_ago, answers in ANSWERS:
        when = now - datetime.timedelta(days=days_ago)
        assignment = services.assignment_create(
            actor=nurse, patient=child, questionnaire=questionnaire, due_on=timezone.localdate()
        )
        response, _ = services.response_submit(actor=guardian.user, assignment=assignment, answers=answers)
        # Demo history only: move the rows back to when they would have happened.
        Assignment.objects.filter(pk=assignment.pk).update(
            created_at=when - datetime.timedelta(days=3), due_on=timezone.localdate(when)
        )
        QuestionnaireResponse.objects.filter(pk=response.pk).update(authored_at=when)
    services.assignment_create(
        actor=nurse,
        patient=child,
        questionnaire=questionnaire,
        due_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    return len(ANSWERS) + 1


demo.register("questionnaires", seed, uses=["accounts", "patients"], after=["pathways", "scheduling"])
