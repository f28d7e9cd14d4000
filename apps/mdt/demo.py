"""Demo MDT: one upcoming OMS clinic MDT, chaired by the neurologist, with two of the nurse's children
listed with questions and their latest score linked."""

import datetime

from django.utils import timezone

from apps.accounts.models import StaffProfile, Team, User
from apps.pathways.selectors import scores_with_totals
from apps.patients import access
from apps.patients.models import Patient
from carecoord import demo

from . import services
from .models import Meeting

Role = StaffProfile.Role
TITLE = "OMS clinic MDT"
QUESTIONS = [
    "Step up to rituximab? Score {score} after 3 pulses of IVIG.",
    "Ready to start weaning steroids? Score {score}, no relapse since the last clinic.",
]


def _next_thursday_1pm() -> datetime.datetime:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(3 - today.weekday()) % 7 or 7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(13, 0)))


def seed(staff: dict[str, User], patients: list[Patient]) -> Meeting:
    team = Team.objects.get(code=Team.Code.NEUROLOGY)
    existing = Meeting.objects.filter(team=team, title=TITLE, starts_at__gte=timezone.now()).first()
    if existing is not None:
        return existing
    chair, nurse = staff[Role.CONSULTANT], staff[Role.NURSE_SPECIALIST]
    meeting = services.meeting_schedule(
        actor=chair,
        team=team,
        title=TITLE,
        starts_at=_next_thursday_1pm(),
        chair=chair,
        location="Seminar room 2",
    )
    children = [p for p in access.caseload_patients(nurse).order_by("pk") if p in patients][:2]
    for question, child in zip(QUESTIONS, children, strict=False):
        latest = scores_with_totals(child).last()
        score = f"{latest.total}/{latest.max_total}" if latest else "not yet recorded"  # type: ignore[attr-defined]
        services.item_add(
            actor=nurse,
            meeting=meeting,
            patient=child,
            question=question.format(score=score),
            scores=[latest] if latest else [],
        )
    return meeting


demo.register("mdt", seed, uses=["accounts", "patients"], after=["pathways"])
