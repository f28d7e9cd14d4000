"""The attention model: why one child on a caseload comes before another.

Every flag on a caseload row belongs to one of two tiers, kept apart:

- **Clinical urgency**: the child's condition may be changing, or the family has waited on us past
  the response target. A symptom report awaiting review, an unresolved relapse, an abnormal result to
  acknowledge, a family waiting past the response target, an urgent referral awaiting triage that
  a person made (not the automatic account), a watch period around a relapse trigger.
- **Administrative backlog**: work that is late but is not a sign of the child getting worse. An
  overdue re-evaluation, an overdue task, a family message still within the response target, a
  normal result to acknowledge, no recorded contact for a while.

Rows sort by the clinical score first and the administrative score second (then by name), so a
single clinical item puts a child above every child whose flags are all administrative, whatever
their counts. Within a tier the points below decide; a part that counts items (overdue tasks,
results) counts at most ``most_counted`` of them. ``attention`` is the sum of both tiers, so
"needs attention" means a score above 0.

One cause gives one flag: a task opened for a cause that has its own flag (the call after a
symptom report, a re-evaluation's task and its referral's triage, an escalated family message, a
result's acknowledgement) is part of that flag while the flag shows, not also an "overdue task".
The re-evaluation job opens its referrals as routine, so an urgent referral is always a person's
call; a re-evaluation whose referral a clinician made urgent shows as that urgent referral.

``WEIGHTS`` is the one place the points live; they are demo values, to be agreed with the clinical
team. tests/caseload/test_attention.py pins the ordering with examples (a child with only a symptom
report above a child with 5 overdue tasks, an overdue re-evaluation and no recent contact), and
checks that README.md lists exactly ``weights_in_words()``.
"""

from dataclasses import dataclass
from functools import reduce
from operator import add

from django.db import models
from django.db.models import F, IntegerField, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Least

STALE_CONTACT_DAYS = 60  # demo value: an active child with no recorded contact for this long


class Tier(models.IntegerChoices):
    CLINICAL = 2, "Clinical urgency"
    ADMINISTRATIVE = 1, "Administrative backlog"


@dataclass(frozen=True)
class Weight:
    tier: Tier
    points: int
    label: str  # in README.md's words
    most_counted: int = 1  # above 1: ``points`` per item, for at most this many items


# The one table of weights, most urgent first. Each key names a flag in flags.FLAGS, and the row
# annotation holding how many items that flag counts (0: not raised).
WEIGHTS: dict[str, Weight] = {
    "open_symptom_report": Weight(Tier.CLINICAL, 40, "symptoms reported by the family and not yet reviewed"),
    "open_relapse": Weight(Tier.CLINICAL, 40, "unresolved relapse"),
    "family_reply_overdue": Weight(Tier.CLINICAL, 25, "family waiting past the response target"),
    "urgent_referral": Weight(Tier.CLINICAL, 20, "urgent or emergency referral by a person awaiting triage"),
    "abnormal_results": Weight(Tier.CLINICAL, 10, "abnormal result to acknowledge", most_counted=3),
    # A relapse trigger (a wean, illness or fever, a jab): the child may be about to change.
    "watch": Weight(Tier.CLINICAL, 5, "watch period around a relapse trigger"),
    "overdue_tasks": Weight(Tier.ADMINISTRATIVE, 15, "overdue task", most_counted=3),
    "family_waiting": Weight(Tier.ADMINISTRATIVE, 15, "family message within the response target"),
    "normal_results": Weight(Tier.ADMINISTRATIVE, 10, "normal result to acknowledge", most_counted=3),
    "review_overdue": Weight(Tier.ADMINISTRATIVE, 10, "re-evaluation overdue"),
    "stale_contact": Weight(Tier.ADMINISTRATIVE, 10, f"no contact for {STALE_CONTACT_DAYS} days"),
}


def tier_score(tier: Tier) -> Combinable:
    """The SQL sum of a tier's points over the flag annotations of a row (named by WEIGHTS' keys)."""
    parts = [
        Least(F(key), Value(weight.most_counted)) * Value(weight.points)
        for key, weight in WEIGHTS.items()
        if weight.tier == tier
    ]
    return reduce(add, parts, Value(0, output_field=IntegerField()))


def rank(key: str) -> tuple[int, int]:
    """Sort key for showing flags: clinical before administrative, then by points."""
    weight = WEIGHTS[key]
    return (-weight.tier, -weight.points)


def weights_in_words() -> str:
    """The weights as one sentence, as README.md's caseload paragraph gives them."""

    def part(weight: Weight) -> str:
        each = f" each (at most {weight.most_counted})" if weight.most_counted > 1 else ""
        return f"{weight.label} {weight.points}{each}"

    tiers = [
        f"{tier.label.lower()}: " + ", ".join(part(w) for w in WEIGHTS.values() if w.tier == tier)
        for tier in (Tier.CLINICAL, Tier.ADMINISTRATIVE)
    ]
    return "; ".join(tiers)
