"""A worse diary entry, and the task it gives the named nurse.

"Worse" is defined on the three movement signs (unsteadiness, jerks, eye movements), with thresholds
from ``WatchPolicy`` (demo values): a sign is worse when it is at ``marked_level`` or above (demo:
marked), or at least ``rise_by`` levels above the same sign in the child's previous diary entry
(the latest earlier day, however long ago; demo: 1, so none to mild counts). Sleep, mood and rages
are shown to staff but do not raise a task by themselves.

During a watch a worse entry gives the named nurse (or the Nursing queue) an URGENT task due today;
outside a watch, a NORMAL task due tomorrow, so what the family saw is never dropped but does not
jump the queue. At most one task of each kind per child per day (the source key), so changing
today's entry again opens nothing new.
"""

import datetime

from apps.diary.models import SYMPTOM_LABELS, SYMPTOMS, DiaryEntry, Level
from apps.diary.selectors import previous_entry
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks.models import Task
from apps.tasks.services import task_open

from .models import WatchPeriod, WatchPolicy


def worse_signs(entry: DiaryEntry, previous: DiaryEntry | None, policy: WatchPolicy) -> list[str]:
    """Each worse sign in words ('jerks marked', 'unsteadiness mild, was none'); empty when none is."""
    found = []
    for name in SYMPTOMS:
        level, label = getattr(entry, name), SYMPTOM_LABELS[name].lower()
        before = getattr(previous, name) if previous is not None else None
        if before is not None and level - before >= policy.rise_by:
            found.append(f"{label} {Level(level).label.lower()}, was {Level(before).label.lower()}")
        elif level >= policy.marked_level:
            found.append(f"{label} {Level(level).label.lower()}")
    return found


def task_key(entry: DiaryEntry, *, urgent: bool) -> str:
    return f"diary-worse:{entry.patient_id}:{entry.day.isoformat()}:{'watch' if urgent else 'routine'}"


def worse_entry_task(entry: DiaryEntry, policy: WatchPolicy, watch: WatchPeriod | None) -> Task | None:
    """The named nurse's task for a worse entry (in the caller's transaction), or None if not worse."""
    signs = worse_signs(entry, previous_entry(entry.patient_id, entry.day), policy)
    if not signs:
        return None
    patient = entry.patient
    nurse, queue = named_nurse_or_nursing_queue(patient)
    urgent = watch is not None
    what = "; ".join(signs)
    if urgent:
        title = f"Worse during watch: {patient.full_name} – {what}. Call the family"
        why = f"The watch is open until {watch.ends_on:%-d %B} ({watch.reason})."  # type: ignore[union-attr]
    else:
        title = f"Diary worse: {patient.full_name} – {what}"
        why = "No watch is open, so this task is not urgent."
    return task_open(
        title=title,
        source=Task.Source.DIARY_WORSE,
        assignee=nurse,
        team=queue,
        patient=patient,
        due_on=entry.day if urgent else entry.day + datetime.timedelta(days=1),
        priority=Task.Priority.URGENT if urgent else Task.Priority.NORMAL,
        detail=f"The family's diary for {entry.day:%-d %B}: {entry.summary()}.\n\n{why}",
        source_key=task_key(entry, urgent=urgent),
        link_url=f"/patients/{patient.pk}/diary/#day-{entry.day.isoformat()}",
        created_by=None,
    )
