"""What opens a watch and what a diary entry does during one: receivers of pathways' and the diary's
signals, run inside the transaction of the change that sent them.

- A course moving to weaning opens (or extends) a watch: "Weaning <agent>".
- A diary entry newly reporting illness or a fever, or an immunisation, opens (or extends) one. An
  entry changed later the same day triggers only for what it adds (fever where it said unwell, say).
- Then a worse entry gives the named nurse a task: urgent when a watch covers the day (including
  one this entry just opened), routine otherwise (``worsening``).
"""

from typing import Any

from apps.diary.models import DiaryEntry, Illness
from apps.pathways.models import CourseEvent, TreatmentCourse

from . import selectors, services
from .worsening import worse_entry_task


def on_course_changed(
    sender: Any, course: TreatmentCourse, to_status: str, actor: Any = None, **kwargs: Any
) -> None:
    if to_status != TreatmentCourse.Status.WEANING:
        return
    # The wean's own date (it may be recorded a few days late): the watch runs from then.
    event = CourseEvent.objects.filter(course=course, to_status=to_status).order_by("-at", "-id").first()
    services.watch_trigger(
        patient=course.patient,
        code="weaning",
        detail=_agent(course),
        actor=actor,
        on=event.on_date if event else None,
    )


def _agent(course: TreatmentCourse) -> str:
    label = course.get_agent_display()
    return label if label.split()[0].isupper() else label[0].lower() + label[1:]  # ACTH, dexamethasone


def _newly(entry: DiaryEntry, before: dict | None) -> list[str]:
    """The trigger codes this save adds."""
    codes = []
    was_illness = before["illness"] if before else Illness.NONE
    if entry.illness != Illness.NONE and entry.illness != was_illness:
        codes.append("fever" if entry.illness == Illness.FEVER else "illness")
    if entry.immunisation and not (before and before["immunisation"]):
        codes.append("immunisation")
    return codes


def on_diary_saved(
    sender: Any, entry: DiaryEntry, before: dict | None, actor: Any = None, **kwargs: Any
) -> None:
    day = entry.day.strftime("%-d %b")
    for code in _newly(entry, before):
        services.watch_trigger(patient=entry.patient, code=code, detail=day, on=entry.day)
    watch = selectors.watch_in_force(entry.patient_id, entry.day)
    worse_entry_task(entry, selectors.policy(), watch)
