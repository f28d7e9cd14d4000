"""The referral state machine. One table of allowed moves (``REFERRAL``); one service per transition.

draft -> submitted -> accepted | declined; accepted -> booked -> seen -> completed;
cancelled (with a reason) from any open state. Each move locks the row and goes through
``REFERRAL.move``: the table is checked against the locked state and the state the caller saw (so a
move from a stale state is refused with the one message), a ReferralEvent is written, and the
specialty track and the team's task queue are kept in step.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
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
from carecoord.errors import ApplicationError, refuse_unless
from carecoord.limits import within
from carecoord.transitions import Transitions, expecting

from .. import permissions
from ..models import Referral, ReferralEvent
from .declines import declined_automatic_referral_task

Status = Referral.Status
Stage = SpecialtyTrack.Stage


def _event(referral: Referral, before: str, after: str, actor: User | None, note: str) -> ReferralEvent:
    return ReferralEvent(referral=referral, from_status=before, to_status=after, actor=actor, note=note[:300])


REFERRAL = Transitions(
    "referral",
    {
        Status.DRAFT: {Status.SUBMITTED, Status.CANCELLED},
        Status.SUBMITTED: {Status.ACCEPTED, Status.DECLINED, Status.CANCELLED},
        Status.ACCEPTED: {Status.BOOKED, Status.CANCELLED},
        Status.BOOKED: {Status.SEEN, Status.BOOKED, Status.CANCELLED},  # re-booked when the appointment moves
        Status.SEEN: {Status.COMPLETED, Status.CANCELLED},
        Status.DECLINED: set(),
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
    },
    label=lambda state: Status(state).label,
    event=_event,
    patient=lambda row: row.patient_id,  # its states count in the caseload score
)
_PRIORITY: dict[str, int] = {
    Referral.Urgency.ROUTINE: Task.Priority.NORMAL,
    Referral.Urgency.URGENT: Task.Priority.HIGH,
    Referral.Urgency.EMERGENCY: Task.Priority.URGENT,
}


def task_key(referral: Referral, purpose: str) -> str:
    return f"referral:{referral.pk}:{purpose}"


def referral_url(referral: Referral) -> str:
    return f"/referrals/{referral.pk}/"


def record_draft(referral: Referral, *, actor: User | None, note: str = "") -> None:
    """The first event of a new referral (it starts as a draft), written like every other."""
    _event(referral, "", Status.DRAFT, actor, note).save()


def _move(
    *,
    actor: User | None,
    referral: Referral,
    to: str,
    note: str = "",
    expected: str | frozenset[str] | None = None,
    **fields: Any,
) -> Referral:
    """Lock the row and make one move through the table, inside the caller's transaction."""
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("target_team", "patient", "source_user")
        .get(pk=referral.pk)
    )
    REFERRAL.move(locked, to, actor=actor, note=note, expected=expected, **fields)
    return locked


def referral_check_role(*, actor: User, referral: Referral, to: str) -> None:
    """Refuse (403) someone who can see the referral but may not make this move: cancelling is for the
    referrer or the receiving team, every other move for the receiving team."""
    if to == Status.CANCELLED:
        refuse_unless(
            permissions.can_cancel_referral(actor, referral),
            "Only the referrer or the receiving team can cancel.",
        )
    else:
        refuse_unless(
            permissions.can_triage(actor, referral),
            f"Only members of {referral.target_team} can act on this referral.",
        )


def _track_to(actor: User, patient: Patient, team: Team, stage: str, note: str) -> None:
    """Move the receiving specialty's track when the move is allowed from where it stands."""
    track = SpecialtyTrack.objects.filter(patient=patient, specialty=team.code).first()
    current = track.stage if track else Stage.NOT_INVOLVED
    if stage in TRACK_TRANSITIONS[current]:
        track_move(actor=actor, patient=patient, specialty=team.code, to_stage=stage, note=note)


def _submit(actor: User, referral: Referral) -> Referral:
    from .service_levels import triage_due_at

    if referral.identity_status != Referral.Identity.CONFIRMED:
        raise ApplicationError.illegal_transition(
            "This referral waits for someone who looks after the child to confirm it."
        )
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

    refuse_unless(roles.staff_role(actor) is not None, "Only staff can make referrals.")
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
    # A referral gives the receiving team access, so only someone who already looks after the child
    # vouches for it; one made through break-glass alone waits for the care or records team.
    vouched = access.routinely_visible_patients(actor).filter(pk=patient.pk).exists()
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
                identity_status=Referral.Identity.CONFIRMED if vouched else Referral.Identity.PENDING,
                identity_checked_by=actor if vouched else None,
                identity_checked_at=timezone.now() if vouched else None,
            )
            record_draft(referral, actor=actor)
            for letter, content_type in checked:
                saved = attachment_save(
                    actor=actor, referral=referral, upload=letter, content_type=content_type
                )
                stored.append(saved.file.name or "")
            if submit and vouched:
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
    refuse_unless(
        referral.source_user_id == actor.pk, "Only the person who wrote the referral can submit it."
    )
    with transaction.atomic(durable=True):
        return _submit(actor, referral)


def referral_accept(
    *,
    actor: User,
    referral: Referral,
    assignee: User | None = None,
    note: str = "",
    expected: str | None = None,
) -> Referral:
    """Accept for the team. Of two people accepting at once, exactly one wins; the other is told.

    ``expected`` (here and below) is the status the caller saw; a referral that has moved since is stale.
    """
    referral_check_role(actor=actor, referral=referral, to=Status.ACCEPTED)
    assignee = assignee or actor
    if not permissions.can_triage(assignee, referral):
        raise ValidationError({"assignee": f"Assign the referral to a member of {referral.target_team}."})
    with transaction.atomic(durable=True):
        referral = _move(
            actor=actor,
            referral=referral,
            to=Status.ACCEPTED,
            note=note,
            expected=expecting(Status.SUBMITTED, expected),
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


def referral_decline(
    *, actor: User, referral: Referral, reason: str, expected: str | None = None
) -> Referral:
    referral_check_role(actor=actor, referral=referral, to=Status.DECLINED)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for declining."})
    with transaction.atomic(durable=True):
        referral = _move(
            actor=actor,
            referral=referral,
            to=Status.DECLINED,
            note=reason,
            expected=expecting(Status.SUBMITTED, expected),
            outcome_reason=within(reason, field="reason", limit=300, label="Reason"),
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
        declined_automatic_referral_task(referral)  # a job's referral: a person must hear of it
    return referral


def referral_mark_booked(
    *, actor: User, referral: Referral, note: str = "", expected: str | None = None
) -> Referral:
    """Inside the caller's transaction (scheduling calls this when it books the appointment)."""
    referral = _move(actor=actor, referral=referral, to=Status.BOOKED, note=note, expected=expected)
    tasks.tasks_complete_for_sources(source_keys=[task_key(referral, "booking")], actor=actor)
    return referral


def referral_book(
    *, actor: User, referral: Referral, note: str = "", expected: str | None = None
) -> Referral:
    referral_check_role(actor=actor, referral=referral, to=Status.BOOKED)
    with transaction.atomic(durable=True):
        return referral_mark_booked(actor=actor, referral=referral, note=note, expected=expected)


def referral_seen(
    *, actor: User, referral: Referral, note: str = "", expected: str | None = None
) -> Referral:
    """Inside the caller's transaction (scheduling calls this when the appointment is attended)."""
    referral = _move(
        actor=actor, referral=referral, to=Status.SEEN, note=note, expected=expected, seen_at=timezone.now()
    )
    tasks.tasks_complete_for_sources(source_keys=[task_key(referral, "sla:seen")], actor=actor)
    return referral


def referral_mark_seen(
    *, actor: User, referral: Referral, note: str = "", expected: str | None = None
) -> Referral:
    referral_check_role(actor=actor, referral=referral, to=Status.SEEN)
    with transaction.atomic(durable=True):
        return referral_seen(actor=actor, referral=referral, note=note, expected=expected)


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
    record_draft(referral, actor=actor, note="Opened automatically")
    return _submit(actor, referral)


def referral_complete(
    *, actor: User, referral: Referral, note: str = "", expected: str | None = None
) -> Referral:
    referral_check_role(actor=actor, referral=referral, to=Status.COMPLETED)
    with transaction.atomic(durable=True):
        return _move(
            actor=actor,
            referral=referral,
            to=Status.COMPLETED,
            note=note,
            expected=expected,
            closed_at=timezone.now(),
        )


def referral_cancel(*, actor: User, referral: Referral, reason: str, expected: str | None = None) -> Referral:
    """The referrer or the receiving team can cancel an open referral, with a reason."""
    referral_check_role(actor=actor, referral=referral, to=Status.CANCELLED)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for cancelling."})
    with transaction.atomic(durable=True):
        referral = _move(
            actor=actor,
            referral=referral,
            to=Status.CANCELLED,
            note=reason,
            expected=expected,
            outcome_reason=within(reason, field="reason", limit=300, label="Reason"),
            closed_at=timezone.now(),
        )
        tasks.tasks_complete_for_sources(
            source_keys=[task_key(referral, p) for p in ("triage", "booking", "sla:triage", "sla:seen")],
            actor=actor,
        )
    return referral
