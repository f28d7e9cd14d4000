"""A child's pathway as one chronological list.

Each app registers a source: a function that takes the patient and returns TimelineEntry rows
in one query. Later apps (referrals, scheduling, messaging) add theirs with ``@timeline_source``
in their own module, so this file does not change as the system grows.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone

from apps.patients.models import Patient

from .models import (
    CourseEvent,
    Investigation,
    InvestigationEvent,
    Specialty,
    TrackEvent,
    TreatmentCourse,
)
from .selectors import record_criteria, record_relapses, record_scores, record_tumours


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    day: datetime.date
    actor: str
    summary: str
    url: str
    specialty: str
    at: datetime.datetime | None = None  # for ordering within a day

    @property
    def sort_key(self) -> tuple[datetime.date, datetime.datetime]:
        return self.day, self.at or datetime.datetime.combine(
            self.day, datetime.time.min, tzinfo=datetime.UTC
        )


TimelineSource = Callable[[Patient], Iterable[TimelineEntry]]
_SOURCES: dict[str, TimelineSource] = {}


def timeline_source(name: str) -> Callable[[TimelineSource], TimelineSource]:
    """Register a source of timeline entries (one query per source, please)."""

    def register(source: TimelineSource) -> TimelineSource:
        _SOURCES[name] = source
        return source

    return register


def timeline_for(patient: Patient, *, specialty: str = "") -> list[TimelineEntry]:
    entries = [entry for source in _SOURCES.values() for entry in source(patient)]
    if specialty:
        entries = [e for e in entries if e.specialty == specialty]
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)


# How many future entries the "Coming up" list shows before the rest fold away.
COMING_UP = 5


@dataclass(frozen=True)
class TimelineView:
    """The timeline as a page shows it: what is booked next (nearest first), above the past (most
    recent first), so recent scores and relapses are not pushed down by a long run of bookings."""

    coming_up: list[TimelineEntry]
    later: list[TimelineEntry]  # future entries after the first few
    past: list[TimelineEntry]

    def __iter__(self) -> Iterator[TimelineEntry]:
        return iter([*self.coming_up, *self.later, *self.past])

    def __len__(self) -> int:
        return len(self.coming_up) + len(self.later) + len(self.past)


def timeline_split(entries: list[TimelineEntry], *, now: datetime.datetime | None = None) -> TimelineView:
    """Split newest-first ``entries`` into the future (nearest first) and the past."""
    now = now or timezone.now()
    today = timezone.localdate(now)

    def is_future(entry: TimelineEntry) -> bool:
        return entry.at > now if entry.at is not None else entry.day > today

    future = sorted((e for e in entries if is_future(e)), key=lambda e: e.sort_key)
    past = [e for e in entries if not is_future(e)]
    return TimelineView(coming_up=future[:COMING_UP], later=future[COMING_UP:], past=past)


def timeline_view(patient: Patient, *, specialty: str = "") -> TimelineView:
    return timeline_split(timeline_for(patient, specialty=specialty))


def _pathway_url(patient: Patient, anchor: str) -> str:
    return f"/patients/{patient.pk}/pathway/#{anchor}"


def _name(user: object) -> str:
    return getattr(user, "full_name", "") or ""


# Course agents that belong to oncology or surgery rather than neurology's immunotherapy.
_COURSE_SPECIALTY: dict[str, str] = {
    TreatmentCourse.Agent.CHEMOTHERAPY: Specialty.ONCOLOGY,
    TreatmentCourse.Agent.RADIOTHERAPY: Specialty.ONCOLOGY,
    TreatmentCourse.Agent.SURGERY: Specialty.SURGERY,
}
_TUMOUR_SEARCH = {
    Investigation.Kind.CAP_IMAGING,
    Investigation.Kind.MIBG,
    Investigation.Kind.URINE_CATECHOLAMINES,
}


@timeline_source("criteria")
def _criteria(patient: Patient) -> Iterable[TimelineEntry]:
    for c in record_criteria(patient):
        yield TimelineEntry(
            kind="assessment",
            day=c.observed_on,
            at=c.recorded_at,
            actor=_name(c.recorded_by),
            summary=f"Criterion {'present' if c.present else 'absent'}: {c.get_criterion_display()}",
            url=_pathway_url(patient, "assessment"),
            specialty=Specialty.NEUROLOGY,
        )


def _investigation_step(event: InvestigationEvent) -> tuple[datetime.date, str]:
    """The day a step belongs to, and what the timeline says about it."""
    inv, to = event.investigation, event.to_status
    note = f": {event.note}" if event.note else ""
    if to == Investigation.Status.REQUESTED:
        return inv.requested_on, f"{inv.label} requested{note}"
    if to == Investigation.Status.RESULTED:
        flag = "abnormal" if inv.abnormal else "normal" if inv.abnormal is False else "result"
        return timezone.localdate(event.at), f"{inv.label} resulted ({flag})"
    if to == InvestigationEvent.ACKNOWLEDGED:
        return timezone.localdate(event.at), f"{inv.label} result acknowledged"
    if to == Investigation.Status.DONE and inv.done_on:
        return inv.done_on, f"{inv.label} done"
    if to == Investigation.Status.BOOKED:  # the note says when: "for 12 Jun 2026"
        return timezone.localdate(event.at), f"{inv.label} booked {event.note}".strip()
    return timezone.localdate(event.at), f"{inv.label} {event.get_to_status_display().lower()}{note}"


@timeline_source("investigations")
def _investigations(patient: Patient) -> Iterable[TimelineEntry]:
    events = InvestigationEvent.objects.filter(investigation__patient=patient).select_related(
        "investigation", "actor"
    )
    for event in events:
        inv = event.investigation
        day, summary = _investigation_step(event)
        yield TimelineEntry(
            "investigation",
            day,
            _name(event.actor),
            summary,
            _pathway_url(patient, f"investigation-{inv.pk}"),
            Specialty.ONCOLOGY if inv.kind in _TUMOUR_SEARCH else Specialty.NEUROLOGY,
            event.at,
        )


@timeline_source("tumours")
def _tumours(patient: Patient) -> Iterable[TimelineEntry]:
    for t in record_tumours(patient):
        stage = f", INRG {t.inrg_stage}" if t.inrg_stage else ""
        url = _pathway_url(patient, "tumour")
        yield TimelineEntry(
            "tumour",
            t.detected_on,
            _name(t.recorded_by),
            f"Tumour found: {t.site}{stage}",
            url,
            Specialty.ONCOLOGY,
        )
        if t.resected_on:
            yield TimelineEntry(
                "tumour", t.resected_on, "", f"Tumour resected ({t.site})", url, Specialty.SURGERY
            )


@timeline_source("scores")
def _scores(patient: Patient) -> Iterable[TimelineEntry]:
    for s in record_scores(patient):
        yield TimelineEntry(
            "score",
            s.assessed_on,
            _name(s.assessor),
            f"Severity score {s.total}/{s.max_total} ({s.scale.name} v{s.scale.version})",  # type: ignore[attr-defined]
            _pathway_url(patient, "scores"),
            Specialty.NEUROLOGY,
            s.recorded_at,
        )


@timeline_source("courses")
def _courses(patient: Patient) -> Iterable[TimelineEntry]:
    events = CourseEvent.objects.filter(course__patient=patient).select_related("course", "actor")
    verbs = {
        "planned": "planned",
        "active": "started",
        "weaning": "weaning started",
        "completed": "completed",
        "stopped": "stopped",
    }
    for e in events:
        note = f": {e.note}" if e.note else ""
        yield TimelineEntry(
            "course",
            e.on_date,
            _name(e.actor),
            f"{e.course.label} {verbs[e.to_status]}{note}",
            _pathway_url(patient, f"course-{e.course_id}"),
            _COURSE_SPECIALTY.get(e.course.agent, Specialty.NEUROLOGY),
            e.at,
        )


@timeline_source("relapses")
def _relapses(patient: Patient) -> Iterable[TimelineEntry]:
    for r in record_relapses(patient):
        url = _pathway_url(patient, f"relapse-{r.pk}")
        summary = f"Relapse ({r.get_severity_display().lower()}), trigger: {r.get_trigger_display().lower()}"
        yield TimelineEntry(
            "relapse", r.onset_date, _name(r.recorded_by), summary, url, Specialty.NEUROLOGY, r.recorded_at
        )
        if r.resolved_on:
            yield TimelineEntry("relapse", r.resolved_on, "", "Relapse resolved", url, Specialty.NEUROLOGY)


@timeline_source("tracks")
def _tracks(patient: Patient) -> Iterable[TimelineEntry]:
    for e in TrackEvent.objects.filter(track__patient=patient).select_related("track", "actor"):
        note = f": {e.note}" if e.note else ""
        yield TimelineEntry(
            "track",
            timezone.localdate(e.at),
            _name(e.actor),
            f"{e.track.get_specialty_display()} {e.get_from_stage_display().lower()} → {e.get_to_stage_display().lower()}{note}",
            _pathway_url(patient, "tracks"),
            e.track.specialty,
            e.at,
        )
