"""Referral events on the child's pathway timeline (registered when the app is ready)."""

from collections.abc import Iterable

from django.utils import timezone

from apps.pathways.timeline import TimelineEntry, timeline_source
from apps.patients.models import Patient

from .models import Referral, ReferralEvent

_SHOWN: dict[str, str] = {
    Referral.Status.SUBMITTED: "referral submitted",
    Referral.Status.ACCEPTED: "referral accepted",
    Referral.Status.DECLINED: "referral declined",
    Referral.Status.BOOKED: "appointment booked",
    Referral.Status.SEEN: "seen",
    Referral.Status.COMPLETED: "referral completed",
    Referral.Status.CANCELLED: "referral cancelled",
}


@timeline_source("referrals")
def referral_events(patient: Patient) -> Iterable[TimelineEntry]:
    events = (
        ReferralEvent.objects.filter(referral__patient=patient, to_status__in=list(_SHOWN))
        .select_related("referral__target_team", "actor")
        .order_by("at")
    )
    for event in events:
        team = event.referral.target_team
        yield TimelineEntry(
            kind="referral",
            day=timezone.localdate(event.at),
            actor=event.actor.full_name if event.actor else "",
            summary=f"{team.name} {_SHOWN[event.to_status]}",
            url=f"/referrals/{event.referral_id}/",
            specialty=team.code,
            at=event.at,
        )
