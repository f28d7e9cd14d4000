"""The diary prompt beat job: during a watch, each guardian is asked for the diary every
``prompt_every_days_in_watch`` days (demo: daily); outside a watch every
``prompt_every_days_otherwise`` days, or never when that is blank (the demo). No prompt goes for a
day the family has already filled in.

Set-based: one query for the policy, one for the (child, guardian) pairs due, one INSERT ... ON
CONFLICT DO NOTHING per batch claims them (``diary_prompt_once_a_day``) and reports which it won, and
the notifications (and their emails, through the outbox) are written in bulk for those. An idle run
is two queries; a second run on the same day claims nothing and sends nothing.
"""

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from apps.accounts.models import User
from apps.diary.models import DiaryEntry
from apps.notifications.services import notifications_create_bulk
from apps.patients.models import Guardian, Patient
from carecoord.claims import claims_insert

from .models import DiaryPrompt, WatchPeriod
from .selectors import active_on, policy
from .services import watch_today

logger = logging.getLogger(__name__)
BATCH = 500
KIND = "diary_prompt"


def _prompted_within(days: int, today: datetime.date) -> Exists:
    return Exists(
        DiaryPrompt.objects.filter(
            patient_id=OuterRef("patient_id"),
            guardian_id=OuterRef("user_id"),
            day__gt=today - datetime.timedelta(days=days),
        )
    )


def _due_pairs(today: datetime.date) -> list[dict[str, Any]]:
    rules = policy()
    in_watch = Exists(WatchPeriod.objects.filter(active_on(today), patient_id=OuterRef("patient_id")))
    due: Q = Q(in_watch=True) & Q(~_prompted_within(rules.prompt_every_days_in_watch, today))
    if rules.prompt_every_days_otherwise:
        due |= Q(in_watch=False) & Q(~_prompted_within(rules.prompt_every_days_otherwise, today))
    else:
        due &= Q(in_watch=True)
    filled_in = Exists(DiaryEntry.objects.filter(patient_id=OuterRef("patient_id"), day=today))
    pairs = (
        Guardian.objects.with_legal_basis()
        .filter(is_active=True, user__is_active=True, patient__status=Patient.Status.ACTIVE)
        .annotate(in_watch=in_watch, given_name=F("patient__given_name"))
        .filter(due, ~filled_in)
        .order_by("patient_id", "user_id")
    )
    return [dict(row) for row in pairs.values("patient_id", "user_id", "in_watch", "given_name")]


def diary_prompts_send(*, today: datetime.date | None = None) -> int:
    """Ask the families due a diary prompt today. Returns how many prompts this run sent."""
    today = today or watch_today()
    pairs = _due_pairs(today)
    sent = 0
    for start in range(0, len(pairs), BATCH):
        sent += _send_batch(pairs[start : start + BATCH], today)
    if sent < len(pairs):
        logger.info("Diary prompts: %s due, %s sent; another run had claimed the rest", len(pairs), sent)
    return sent


def _send_batch(pairs: list[dict[str, Any]], today: datetime.date) -> int:
    """Claim and notify one batch: the claims and their outbox rows commit together."""
    with transaction.atomic():
        won = claims_insert(
            [
                DiaryPrompt(
                    patient_id=p["patient_id"], guardian_id=p["user_id"], day=today, in_watch=p["in_watch"]
                )
                for p in pairs
            ],
            returning=("patient", "guardian"),
        )
        if not won:
            return 0
        users = User.objects.in_bulk({guardian for _, guardian in won})
        by_key = {(p["patient_id"], p["user_id"]): p for p in pairs}
        notifications_create_bulk(
            [
                {
                    "recipient": users[guardian],
                    "kind": KIND,
                    "title": f"How was {by_key[patient, guardian]['given_name']} today? Please fill in the diary",
                    "url": reverse("diary:family", args=[patient]),
                    "patient_id": patient,
                }
                for patient, guardian in won
            ]
        )
    return len(won)
