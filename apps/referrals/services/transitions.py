"""The referral state machine. One table of allowed moves; one service per transition.

draft -> submitted -> accepted | declined; accepted -> booked -> seen -> completed;
cancelled (with a reason) from any open state. Each move locks the row, checks the table
against the locked state (so a move from a stale state is refused), writes a ReferralEvent,
and keeps the specialty track and the team's task queue in step.
"""

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.notifications.services import notification_create
from apps.pathways.models import SpecialtyTrack
from apps.pathways.services import TRACK_TRANSITIONS, track_move
from apps.patients import access
from apps.patients.models import Patient
from apps.tasks import services as tasks
from apps.tasks.models import Task
from carecoord.errors import ApplicationError

from ..models import Referral, ReferralEvent

Status = Referral.Status
Stage = SpecialtyTrack.Stage

REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.CANCELLED}),
    Status.SUBMITTED: frozenset({Status.ACCEPTED, Status.DECLINED, Status.CANCELLED}),
    Status.ACCEPTED: frozenset({Status.BOOKED, Status.CANCELLED}),
    Status.BOOKED: frozenset({Status.SEEN, Status.BOOKED, Status.CANCELLED}),
    Status.SEEN: frozenset({Status.COMPLETED, Status.CANCELLED}),
    Status.DECLINED: frozenset(),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
}
_PRIORITY: dict[str, int] = {
    Referral.Urgency.ROUTINE: Task.Priority.NORMAL,
    Referral.Urgency.URGENT: Task.Priority.HIGH,
    Referral.Urgency.EMERGENCY: Task.Priority.URGENT,
}


def task_key(referral: Referral, purpose: str) -> str:
    return f"referral:{referral.pk}:{purpose}"


def referral_url(referral: Referral) -> str:
    return f"/referrals/{referral.pk}/"


def _move(
    *,
    actor: User | None,
    referral: Referral,
    to: str,
    note: str = "",
    expected: str | None = None,
    **fields: object,
) -> Referral:
    """Apply one transition to the locked row inside the caller's transaction."""
    locked = Referral.objects.select_for_update().select_related("target_team", "patient").get(pk=referral.pk)
    if expected is not None and locked.status != expected:
        raise ApplicationError.stale(
            f"This referral is now {locked.get_status_display().lower()}; someone changed it a moment ago."
        )
    if to not in REFERRAL_TRANSITIONS[locked.status]:
        raise ApplicationError.illegal_transition(
            f"A referral that is {locked.get_status_display().lower()} cannot be {Status(to).label.lower()}."
        )
    ReferralEvent.objects.create(
        referral=locked, from_status=locked.status, to_status=to, actor=actor, note=note[:300]
    )
    locked.status = to
    for field, value in fields.items():
        setattr(locked, field, value)
    locked.save(update_fields=["status", *fields])
    return locked


def _track_to(actor: User, patient: Patient, team: Team, stage: str, note: str) -> None:
    """Move the receiving specialty's track when the move is allowed from where it stands."""
    track = SpecialtyTrack.objects.filter(patient=patient, specialty=team.code).first()
    current = track.stage if track else Stage.NOT_INVOLVED
    if stage in TRACK_TRANSITIONS[current]:
        track_move(actor=actor, patient=patient, specialty=team.code, to_stage=stage, note=note)


def _require_triager(actor: User, referral: Referral) -> None:
    if not access.can_triage(actor, referral):
        raise PermissionDenied(f"Only members of {referral.target_team} can act on this referral.")


def _submit(actor: User, referral: Referral) -> Referral:
    from .service_levels import triage_due_at

    now = timezone.now()
    referral = _move(actor=actor, referral=referral, to=Status.SUBMITTED, submitted_at=now)
    due = triage_due_at(referral)
    tasks.task_open(
        title=f"Triage {referral.get_urgency_display().lower()} referral",
        source=Task.Source.REFERRAL_TRIAGE,
        team=referral.target_team,
        patient=referral.patient,
        due_on=timezone.localdate(due) if due else None,
        priority=_PRIORITY[referral.urgency],
        source_key=task_key(referral, "triage"),
        link_url=referral_url(referral),
    )
    _track_to(actor, referral.patient, referral.target_team, Stage.REFERRED, "Referral submitted")
    return referral


def referral_create(
    *,
    actor: User,
    patient: Patient,
    target_team: Team,
    reason: str,
    urgency: str = Referral.Urgency.ROUTINE,
    source_team: Team | None = None,
    submit: bool = True,
    letters: Sequence[UploadedFile] = (),
) -> Referral:
    """A member of staff refers a child they can see to a team (submitted at once unless ``submit`` is off).

    Letters are checked first and saved in the same transaction: all of it lands, or none.
    """
    from .attachments import attachment_save, validate_letter

    if roles.staff_role(actor) is None:
        raise PermissionDenied("Only staff can make referrals.")
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "Say why you are referring."
    if urgency not in Referral.Urgency.values:
        errors["urgency"] = "Choose routine, urgent or emergency."
    if Referral.objects.filter(
        patient=patient, target_team=target_team, status__in=Referral.OPEN_STATUSES
    ).exists():
        errors["target_team"] = f"This child already has an open referral to {target_team}."
    if errors:
        raise ValidationError(errors)
    checked = [(letter, validate_letter(letter)) for letter in letters]
    if source_team is None:
        source_team = Team.objects.filter(members__user=actor).order_by("name").first()
    stored: list[str] = []
    try:
        with transaction.atomic(durable=True):
            referral = Referral.objects.create(
                patient=patient,
                source_team=source_team,
                source_user=actor,
                target_team=target_team,
                reason=reason.strip(),
                urgency=urgency,
            )
            ReferralEvent.objects.create(referral=referral, to_status=Status.DRAFT, actor=actor)
            for letter, content_type in checked:
                saved = attachment_save(
                    actor=actor, referral=referral, upload=letter, content_type=content_type
                )
                stored.append(saved.file.name or "")
            if submit:
                referral = _submit(actor, referral)
    except Exception as exc:
        for name in stored:  # the rows rolled back: do not leave letters about a child behind on disk
            default_storage.delete(name)
        if isinstance(exc, IntegrityError):  # someone referred the same child to the same team a moment ago
            raise ValidationError(
                {"target_team": f"This child already has an open referral to {target_team}."}
            ) from exc
        raise
    return referral


def referral_submit(*, actor: User, referral: Referral) -> Referral:
    if referral.source_user_id != actor.pk:
        raise PermissionDenied("Only the person who wrote the referral can submit it.")
    with transaction.atomic(durable=True):
        return _submit(actor, referral)


def referral_accept(
    *, actor: User, referral: Referral, assignee: User | None = None, note: str = ""
) -> Referral:
    """Accept for the team. Of two people accepting at once, exactly one wins; the other is told."""
    _require_triager(actor, referral)
    assignee = assignee or actor
    if not access.can_triage(assignee, referral):
        raise ValidationError({"assignee": f"Assign the referral to a member of {referral.target_team}."})
    with transaction.atomic(durable=True):
        referral = _move(
            actor=actor,
            referral=referral,
            to=Status.ACCEPTED,
            note=note,
            expected=Status.SUBMITTED,
            assignee=assignee,
            triaged_at=timezone.now(),
        )
        tasks.tasks_complete_for_sources(
            source_keys=[task_key(referral, "triage"), task_key(referral, "sla:triage")], actor=actor
        )
        tasks.task_open(
            title="Book an appointment for an accepted referral",
            source=Task.Source.REFERRAL_BOOKING,
            team=referral.target_team,
            patient=referral.patient,
            due_on=timezone.localdate() + datetime.timedelta(days=2),
            priority=_PRIORITY[referral.urgency],
            source_key=task_key(referral, "booking"),
            link_url=referral_url(referral),
        )
        _track_to(actor, referral.patient, referral.target_team, Stage.ASSESSING, "Referral accepted")
        if referral.source_user is not None and referral.source_user_id != actor.pk:
            notification_create(
                recipient=referral.source_user,
                kind="referral_accepted",
                title=f"{referral.target_team} accepted your referral",
                url=referral_url(referral),
                email=False,
            )
    return referral


def referral_decline(*, actor: User, referral: Referral, reason: str) -> Referral:
    _require_triager(actor, referral)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for declining."})
    with transaction.atomic(durable=True):
        referral = _move(
            actor=actor,
            referral=referral,
            to=Status.DECLINED,
            note=reason,
            expected=Status.SUBMITTED,
            outcome_reason=reason.strip()[:300],
            triaged_at=timezone.now(),
            closed_at=timezone.now(),
        )
        tasks.tasks_complete_for_sources(
            source_keys=[task_key(referral, "triage"), task_key(referral, "sla:triage")], actor=actor
        )
        if referral.source_user is not None:
            notification_create(
                recipient=referral.source_user,
                kind="referral_declined",
                title=f"{referral.target_team} declined a referral",
                url=referral_url(referral),
            )
    return referral


def referral_mark_booked(*, actor: User, referral: Referral, note: str = "") -> Referral:
    """Inside the caller's transaction (scheduling calls this when it books the appointment)."""
    referral = _move(actor=actor, referral=referral, to=Status.BOOKED, note=note)
    tasks.tasks_complete_for_sources(source_keys=[task_key(referral, "booking")], actor=actor)
    return referral


def referral_book(*, actor: User, referral: Referral, note: str = "") -> Referral:
    _require_triager(actor, referral)
    with transaction.atomic(durable=True):
        return referral_mark_booked(actor=actor, referral=referral, note=note)


def referral_seen(*, actor: User, referral: Referral, note: str = "") -> Referral:
    """Inside the caller's transaction (scheduling calls this when the appointment is attended)."""
    referral = _move(actor=actor, referral=referral, to=Status.SEEN, note=note, seen_at=timezone.now())
    tasks.tasks_complete_for_sources(source_keys=[task_key(referral, "sla:seen")], actor=actor)
    return referral


def referral_mark_seen(*, actor: User, referral: Referral, note: str = "") -> Referral:
    _require_triager(actor, referral)
    with transaction.atomic(durable=True):
        return referral_seen(actor=actor, referral=referral, note=note)


def referral_open(
    *, actor: User, patient: Patient, target_team: Team, reason: str, urgency: str = Referral.Urgency.ROUTINE
) -> Referral:
    """Open and submit a referral inside the caller's transaction (jobs such as re-evaluations use this).

    The source is the acting account (the automatic one, for jobs) on behalf of the receiving team.
    """
    referral = Referral.objects.create(
        patient=patient,
        source_team=target_team,
        source_user=actor,
        target_team=target_team,
        reason=reason,
        urgency=urgency,
    )
    ReferralEvent.objects.create(
        referral=referral, to_status=Status.DRAFT, actor=actor, note="Opened automatically"
    )
    return _submit(actor, referral)


def referral_complete(*, actor: User, referral: Referral, note: str = "") -> Referral:
    _require_triager(actor, referral)
    with transaction.atomic(durable=True):
        return _move(actor=actor, referral=referral, to=Status.COMPLETED, note=note, closed_at=timezone.now())


def referral_cancel(*, actor: User, referral: Referral, reason: str) -> Referral:
    """The referrer or the receiving team can cancel an open referral, with a reason."""
    if not access.can_cancel_referral(actor, referral):
        raise PermissionDenied("Only the referrer or the receiving team can cancel.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for cancelling."})
    with transaction.atomic(durable=True):
        referral = _move(
            actor=actor,
            referral=referral,
            to=Status.CANCELLED,
            note=reason,
            outcome_reason=reason.strip()[:300],
            closed_at=timezone.now(),
        )
        tasks.tasks_complete_for_sources(
            source_keys=[task_key(referral, p) for p in ("triage", "booking", "sla:triage", "sla:seen")],
            actor=actor,
        )
    return referral
