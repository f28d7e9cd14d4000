"""The caseload rows: one cheap query orders the caseload by the stored scores and pages it; the page's
rows are worded from their stored scores and facts in one query plus two prefetches (tracks, current
courses), so a page costs the same for a caseload of 5 children or 2,000. ``with_attention`` is the
SQL of every flag, from which the services store the scores (and FHIR's Flag reads it live)."""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.types import AnyUser
from apps.messaging.models import Thread
from apps.messaging.selectors import unread_messages
from apps.pathways.models import SpecialtyTrack, TreatmentCourse
from apps.pathways.services.courses import OPEN_STATUSES as OPEN_COURSES
from apps.patients import access
from apps.patients.models import Patient
from apps.patients.selectors import search_patients
from apps.scheduling.models import Appointment

from .attention import WEIGHTS, Tier, rank, tier_score
from .facts import fact_kinds, read_facts
from .flags import FLAGS, days_since, flag_sql
from .words import Clock


def _display(user: AnyUser, clock: Clock) -> dict[str, Combinable]:
    """What the row shows beside the flags: the next appointment, and the family's messages."""
    if not isinstance(user, User):  # no caseload either: access.caseload_patients is empty
        return {}
    upcoming = Appointment.objects.filter(
        patient=OuterRef("pk"), status__in=Appointment.ACTIVE_STATUSES, starts_at__gte=clock.now
    ).order_by("starts_at")
    # Messaging's one unread rule, narrowed to this child's family messages.
    unread = unread_messages(user).filter(
        thread__patient=OuterRef("pk"), thread__kind=Thread.Kind.FAMILY, from_family=True
    )
    return {
        "next_appointment_at": Subquery(upcoming.values("starts_at")[:1]),
        "next_appointment_kind": Subquery(upcoming.values("kind")[:1]),
        "unread_family_messages": Coalesce(
            Subquery(
                unread.values("thread__patient").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    }


def with_attention(patients: QuerySet[Patient], clock: Clock) -> QuerySet[Patient]:
    """Annotate every flag (its key: how many items), the annotations its words read,
    ``clinical_urgency`` and ``attention`` (both tiers), computed from the inputs now. The stored
    scores (``models.AttentionScore``) are written from this, and the page's rows read it."""
    flags = flag_sql(clock)
    annotations = {name: expr for flag in flags.values() for name, expr in flag.annotations.items()}
    return (
        patients.annotate(**annotations)
        .annotate(**{key: flag.items for key, flag in flags.items()})
        .annotate(
            clinical_urgency=tier_score(Tier.CLINICAL),
            attention=tier_score(Tier.CLINICAL) + tier_score(Tier.ADMINISTRATIVE),
        )
    )


def caseload_rows(
    *,
    user: AnyUser,
    query: str = "",
    status: str = "",
    attention_only: bool = False,
) -> QuerySet[Patient]:
    """The user's caseload: clinical urgency first, then the whole score (within equal clinical
    urgency, the administrative backlog), then by name.

    It orders by the stored scores (``attention_score``, kept by the services and the beat job), so
    this query is cheap and pages with LIMIT; ``caseload_table`` computes the flags and words of the
    rows on one page only. A child with no stored row yet comes last.
    """
    rows = access.caseload_patients(user, many=True)
    if status in Patient.Status.values:
        rows = rows.filter(status=status)
    if attention_only:
        rows = rows.filter(attention_score__attention__gt=0)
    ranked = rows.order_by(
        F("attention_score__clinical_urgency").desc(nulls_last=True),
        F("attention_score__attention").desc(nulls_last=True),
        "family_name",
        "given_name",
        "pk",
    )
    return search_patients(ranked, query)


def _page(user: AnyUser, ids: list[int], clock: Clock) -> dict[int, Patient]:
    """The page's children with their stored scores, what the row shows beside the flags, their
    current courses (``current_courses``) and the stage of every specialty (``track_stages``): a
    constant number of queries for the page."""
    rows = (
        Patient.objects.filter(pk__in=ids)
        .select_related("attention_score")
        .annotate(**_display(user, clock))
        .prefetch_related(
            Prefetch(
                "treatment_courses",
                queryset=TreatmentCourse.objects.filter(status__in=OPEN_COURSES).order_by("start_date"),
                to_attr="current_courses",
            ),
        )
    )
    stages = _track_stages(ids)
    page: dict[int, Patient] = {}
    for patient in rows:
        patient.track_stages = stages.get(patient.pk, {})  # type: ignore[attr-defined]
        page[patient.pk] = patient
    return page


def _track_stages(ids: list[int]) -> dict[int, dict[str, str]]:
    """{child: {specialty: stage}} as values, not 350 track instances a page: only the stage shows."""
    stages: dict[int, dict[str, str]] = {}
    rows = SpecialtyTrack.objects.filter(patient_id__in=ids).values_list("patient_id", "specialty", "stage")
    for patient_id, specialty, stage in rows:
        stages.setdefault(patient_id, {})[specialty] = stage
    return stages


def _stored_values(patient: Patient) -> dict[str, Any] | None:
    """The row's values from its stored score, or None when there is none (or it predates a flag)."""
    score = getattr(patient, "attention_score", None)
    if score is None or set(score.parts) != set(WEIGHTS):
        return None
    return {
        **read_facts(score.facts),
        **score.parts,
        "clinical_urgency": score.clinical_urgency,
        "attention": score.attention,
    }


def _fresh_values(ids: list[int], clock: Clock) -> dict[int, dict[str, Any]]:
    """These children's values computed from their inputs now (a child the services have not scored)."""
    if not ids:
        return {}
    rows = with_attention(Patient.objects.filter(pk__in=ids), clock).values(
        "pk", "clinical_urgency", "attention", *WEIGHTS, *fact_kinds()
    )
    return {row["pk"]: row for row in rows}


def flagged_patients(patients: QuerySet[Patient], clock: Clock | None = None) -> QuerySet[Any]:
    """``patients`` with every flag computed now, as ``caseload_row`` reads them (FHIR's Flag)."""
    return with_attention(patients, clock or Clock.current())


@dataclass(frozen=True)
class Reason:
    """One flag on a row, in words."""

    key: str
    tier: Tier
    text: str
    link: str = ""

    @property
    def clinical(self) -> bool:
        return self.tier == Tier.CLINICAL


@dataclass(frozen=True)
class CaseloadRow:
    """A caseload row as the page, the CSV and the API show it."""

    patient: Patient
    clinical_urgency: int
    administrative_backlog: int
    attention: int
    items: dict[str, int]  # per flag key: how many items (0: not raised)
    reasons: list[Reason]  # raised flags, most urgent first
    last_contact: datetime.date | None
    days_since_contact: int | None
    review_due_on: datetime.date | None

    @property
    def review_overdue(self) -> bool:
        return self.items["review_overdue"] > 0

    @property
    def stale_contact(self) -> bool:
        return self.items["stale_contact"] > 0


def _reason(key: str, values: Mapping[str, Any], patient: Patient, clock: Clock) -> Reason:
    flag = FLAGS[key]
    link = ""
    if flag.link is not None:
        name, fragment = flag.link
        link = reverse(name, args=[patient.pk]) + fragment
    return Reason(key=key, tier=WEIGHTS[key].tier, text=flag.words(values, clock), link=link)


def caseload_row(patient: Patient, clock: Clock | None = None) -> CaseloadRow:
    """Read one row of ``flagged_patients`` (its annotations) into numbers and words."""
    return _row(patient, vars(patient), clock or Clock.current())  # the annotations live on the instance


def _row(patient: Patient, values: Mapping[str, Any], clock: Clock) -> CaseloadRow:
    items = {key: int(values[key]) for key in WEIGHTS}
    raised = sorted((key for key, n in items.items() if n > 0), key=rank)
    days = days_since(values["last_contact"], clock.today)
    return CaseloadRow(
        patient=patient,
        clinical_urgency=values["clinical_urgency"],
        administrative_backlog=values["attention"] - values["clinical_urgency"],
        attention=values["attention"],
        items=items,
        reasons=[_reason(key, values, patient, clock) for key in raised],
        last_contact=values["last_contact"] if days is not None else None,
        days_since_contact=days,
        review_due_on=values["review_due_on"],
    )


def caseload_table(
    patients: Iterable[Patient], *, user: AnyUser, clock: Clock | None = None
) -> list[CaseloadRow]:
    """One page of ``caseload_rows`` in numbers and words, in the page's order, read from the stored
    scores and their facts (kept in the services' transactions and refreshed hourly for the
    calendar's parts); a child with no stored score yet is computed now."""
    clock = clock or Clock.current()
    ids = [patient.pk for patient in patients]
    page = _page(user, ids, clock)
    stored = {pk: _stored_values(patient) for pk, patient in page.items()}
    fresh = _fresh_values([pk for pk, values in stored.items() if values is None], clock)
    return [_row(page[pk], stored[pk] or fresh[pk], clock) for pk in ids if pk in page]
