"""The family's Updates page: each notification as a short card in plain words, built for a phone.

Only the family's own updates, for children they can still see (``notifications_for`` scopes them);
showing an update about a child is a read of that child, so it is audited like every portal page.
"""

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.notifications import selectors as notification_selectors
from apps.notifications.models import Notification
from apps.patients.decorators import family_required

UPDATES_SHOWN = 100

# What an update is about, in a family's words (by the kind its app gave it).
_ABOUT: dict[str, str] = {
    "message": "Message",
    "document_shared": "Letter or document",
}
_LINK_WORDS: dict[str, str] = {
    "message": "Read the message",
    "document_shared": "See the letter",
}


@dataclass(frozen=True)
class Update:
    notification: Notification
    about: str
    link_words: str

    @property
    def is_new(self) -> bool:
        return self.notification.read_at is None


def update_about(kind: str) -> tuple[str, str]:
    """(what it is about, the words of its link) for a notification kind."""
    if kind.startswith("appointment_"):
        return "Appointment", "See the appointments"
    return _ABOUT.get(kind, "Update"), _LINK_WORDS.get(kind, "Find out more")


@family_required
@require_GET
def updates(request: AuthedRequest) -> HttpResponse:
    rows = list(
        notification_selectors.notifications_for(user=request.user).select_related("patient")[:UPDATES_SHOWN]
    )
    children = {n.patient.pk: n.patient for n in rows if n.patient is not None}
    access_record(request=request, patients=list(children.values()), what="portal updates")
    shown = [Update(n, *update_about(n.kind)) for n in rows]
    context = {
        "updates": shown,
        "new_count": sum(u.is_new for u in shown),
        "several_children": len(children) > 1,
    }
    return render(request, "portal/updates.html", context)
