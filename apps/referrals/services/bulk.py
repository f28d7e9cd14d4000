"""``referral_open`` for a batch, in a constant number of queries: for beat jobs (re-evaluations).

It writes what the single path writes for each referral: the row, submitted at once; its two event
rows (draft, then submitted); the receiving team's triage task; and the specialty track moved to
"referred" where the track's table allows it.
"""

import datetime
from collections import defaultdict
from typing import TypedDict

from django.utils import timezone

from apps.accounts.models import Team, User
from apps.pathways.models import SpecialtyTrack
from apps.pathways.services import tracks_move_bulk
from apps.patients.models import Patient
from apps.tasks import services as tasks
from apps.tasks.models import Task
from apps.workingtime.working_time import add_working_days, holidays_between

from ..models import Referral, ReferralEvent
from .service_levels import every_target
from .transitions import _PRIORITY, referral_url, task_key

Status = Referral.Status


class ReferralSpec(TypedDict):
    patient: Patient
    target_team: Team
    reason: str
    urgency: str


def referrals_open_bulk(*, actor: User, specs: list[ReferralSpec]) -> list[Referral]:
    """Open and submit one referral per spec inside the caller's transaction; returns them in order."""
    if not specs:
        return []
    now = timezone.now()
    referrals = Referral.objects.bulk_create(
        [
            Referral(
                patient=spec["patient"],
                source_team=spec["target_team"],
                source_user=actor,
                target_team=spec["target_team"],
                reason=spec["reason"],
                urgency=spec["urgency"],
                status=Status.SUBMITTED,
                submitted_at=now,
            )
            for spec in specs
        ]
    )
    ReferralEvent.objects.bulk_create(
        event
        for referral in referrals
        for event in (
            ReferralEvent(
                referral=referral,
                from_status="",
                to_status=Status.DRAFT,
                actor=actor,
                note="Opened automatically",
            ),
            ReferralEvent(
                referral=referral, from_status=Status.DRAFT, to_status=Status.SUBMITTED, actor=actor
            ),
        )
    )
    _triage_tasks(referrals, now)
    by_team: dict[Team, list[int]] = defaultdict(list)
    for referral in referrals:
        by_team[referral.target_team].append(referral.patient_id)
    for team, patient_ids in by_team.items():  # one per receiving team (a policy's team, so one or two)
        tracks_move_bulk(
            actor=actor,
            patient_ids=patient_ids,
            specialty=team.code,
            to_stage=SpecialtyTrack.Stage.REFERRED,
            note="Referral submitted",
        )
    return referrals


def _triage_tasks(referrals: list[Referral], now: datetime.datetime) -> None:
    """The triage task each submitted referral gets (``transitions._submit``), opened in bulk."""
    targets = {(t.team_id, t.urgency): t for t in every_target()}
    today = timezone.localdate(now)
    holidays = set(holidays_between(today, today + datetime.timedelta(days=400)))
    specs = []
    for referral in referrals:
        target = targets.get((referral.target_team_id, referral.urgency))
        due = add_working_days(now, target.triage_working_days, holidays=holidays) if target else None
        specs.append(
            {
                "title": f"Triage {referral.get_urgency_display().lower()} referral",
                "source": Task.Source.REFERRAL_TRIAGE,
                "team": referral.target_team,
                "patient": referral.patient,
                "due_on": timezone.localdate(due) if due else None,
                "priority": _PRIORITY[referral.urgency],
                "source_key": task_key(referral, "triage"),
                "link_url": referral_url(referral),
            }
        )
    tasks.tasks_open_bulk(specs)
