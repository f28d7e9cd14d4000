from django.http import HttpResponse
from django.shortcuts import redirect, render

from apps.accounts.decorators import family_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import selectors


@family_required
def home(request: AuthedRequest) -> HttpResponse:
    children = list(selectors.patient_list(user=request.user))
    if len(children) == 1:
        return redirect("portal:child", pk=children[0].pk)
    access_record(request=request, patients=children, what="portal children")
    return render(request, "portal/home.html", {"children": children})


@family_required
def child(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    access_record(request=request, patients=patient, what="portal summary")
    care_team = selectors.care_team_of(patient=patient, current_only=True)
    has_several = selectors.patient_list(user=request.user).count() > 1
    context = {"patient": patient, "care_team": care_team, "has_several": has_several}
    return render(request, "portal/child.html", context)
