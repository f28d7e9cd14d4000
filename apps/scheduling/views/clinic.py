"""Scheduling pages: a child's appointments and booking, treatment series, the clinic list for a day,
overdue re-evaluations, and the secret calendar feeds. Thin: services write, selectors read."""

import datetime

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.accounts import roles
from apps.accounts.decorators import staff_required
from apps.accounts.models import Team
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record

from .. import selectors
from ._common import _row


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return timezone.localdate()


@staff_required
@require_GET
def clinic(request: AuthedRequest) -> HttpResponse:
    day = _day(request.GET.get("day", ""))
    teams = list(Team.objects.filter(pk__in=roles.team_ids(request.user)).order_by("name"))
    team_param = request.GET.get("team", "")
    team = next((t for t in teams if str(t.pk) == team_param), None)
    listed = selectors.clinic_list(user=request.user, day=day, team_id=team.pk if team else None)
    rows = [_row(a, "clinic") for a in listed.select_related("series")]
    access_record(request=request, patients={r.appointment.patient for r in rows}, what="clinic list")
    context = {
        "rows": rows,
        "day": day,
        "today": timezone.localdate(),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "teams": teams,
        "team": team,
    }
    return render(request, "scheduling/clinic.html", context)


@staff_required
@require_GET
def overdue_reviews(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.overdue_reviews(user=request.user), 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    access_record(request=request, patients={r.patient for r in rows}, what="overdue re-evaluations")
    return render(request, "scheduling/overdue_reviews.html", {"rows": rows, "page": page})
