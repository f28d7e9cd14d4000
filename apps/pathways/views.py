"""The consultant's pathway review page and its htmx forms. Thin: services write, selectors read."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from apps.accounts import roles
from apps.accounts.decorators import staff_required
from apps.accounts.models import User
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.models import Patient
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors

from . import forms as pf
from . import selectors, services
from .chart import CourseBand, RelapseMarker, ScorePoint, severity_chart_svg
from .models import Investigation, Relapse, Specialty, SymptomReport, TreatmentCourse
from .services.courses import OPEN_STATUSES
from .timeline import timeline_for

AWAITING = (Investigation.Status.REQUESTED, Investigation.Status.BOOKED, Investigation.Status.DONE)

FormFactory = Callable[..., forms.Form]


@dataclass
class FormSlot:
    key: str
    title: str
    submit: str
    url: str
    form: forms.Form
    compact: bool = False  # an action on one item in a list, rather than a panel form


@dataclass(frozen=True)
class Action:
    """One write the page offers: its form, who may do it, and the service call."""

    title: str
    submit: str
    form: FormFactory
    allowed: Callable[[User], bool]
    run: Callable[[User, Patient, dict, Any], object]
    lookup: Callable[[Patient, int], Any] | None = None
    message: str = "Saved."


def _plain(form_class: type[forms.Form]) -> FormFactory:
    def build(data: Any, *, patient: Patient, prefix: str, initial: dict | None) -> forms.Form:
        return form_class(data, prefix=prefix, initial=initial)

    return build


def _score_form(data: Any, *, patient: Patient, prefix: str, initial: dict | None) -> forms.Form:
    scale = selectors.active_scales().first()
    if scale is None:
        raise Http404("No severity scale is configured")
    return pf.ScoreForm(data, scale=scale, prefix=prefix, initial=initial)


def _lookup(
    model: type[TreatmentCourse | Investigation | Relapse | SymptomReport],
) -> Callable[[Patient, int], Any]:
    return lambda patient, pk: get_object_or_404(model._default_manager.filter(patient=patient), pk=pk)


ACTIONS: dict[str, Action] = {
    "score": Action(
        "Record a severity score",
        "Save score",
        _score_form,
        roles.can_record_score,
        lambda u, p, d, _: services.score_record(
            actor=u,
            patient=p,
            scale=d["_form"].scale,
            assessed_on=d["assessed_on"],
            values=d["_form"].values(),
            note=d["note"],
        ),
        message="Score recorded.",
    ),
    "course": Action(
        "Start or plan a treatment course",
        "Save course",
        _plain(pf.CourseForm),
        roles.can_manage_treatment,
        lambda u, p, d, _: services.course_create(
            actor=u,
            patient=p,
            agent=d["agent"],
            agent_other=d["agent_other"],
            status=d["status"],
            start_date=d["start_date"],
            planned_end_date=d["planned_end_date"],
            regimen_notes=d["regimen_notes"],
        ),
        message="Course recorded.",
    ),
    "course-transition": Action(
        "Change course",
        "Change",
        _plain(pf.CourseTransitionForm),
        roles.can_manage_treatment,
        lambda u, p, d, course: services.course_transition(
            actor=u, course=course, to_status=d["to_status"], on_date=d["on_date"], reason=d["reason"]
        ),
        lookup=_lookup(TreatmentCourse),
        message="Course updated.",
    ),
    "relapse": Action(
        "Record a relapse",
        "Save relapse",
        _plain(pf.RelapseForm),
        roles.can_record_relapse,
        lambda u, p, d, _: services.relapse_record(
            actor=u,
            patient=p,
            onset_date=d["onset_date"],
            severity=d["severity"],
            trigger=d["trigger"],
            trigger_detail=d["trigger_detail"],
            response=d["response"],
        ),
        message="Relapse recorded.",
    ),
    "relapse-resolve": Action(
        "Mark resolved",
        "Mark resolved",
        _plain(pf.RelapseResolveForm),
        roles.can_record_relapse,
        lambda u, p, d, relapse: services.relapse_update(
            actor=u, relapse=relapse, resolved_on=d["resolved_on"]
        ),
        lookup=_lookup(Relapse),
        message="Relapse marked resolved.",
    ),
    "symptom-review": Action(
        "Mark reviewed",
        "Mark as reviewed",
        _plain(forms.Form),
        roles.can_record_relapse,
        lambda u, p, d, report: services.symptom_report_review(actor=u, report=report),
        lookup=_lookup(SymptomReport),
        message="Symptom report marked as reviewed.",
    ),
    "investigation": Action(
        "Request an investigation",
        "Request",
        _plain(pf.InvestigationForm),
        roles.can_manage_investigations,
        lambda u, p, d, _: services.investigation_request(
            actor=u, patient=p, kind=d["kind"], description=d["description"]
        ),
        message="Investigation requested.",
    ),
    "investigation-result": Action(
        "Record the result",
        "Save result",
        _plain(pf.InvestigationResultForm),
        roles.can_manage_investigations,
        lambda u, p, d, inv: services.investigation_record_result(
            actor=u, investigation=inv, result_summary=d["result_summary"], abnormal=d["abnormal"]
        ),
        lookup=_lookup(Investigation),
        message="Result recorded.",
    ),
    "investigation-acknowledge": Action(
        "Acknowledge",
        "Acknowledge result",
        _plain(forms.Form),
        roles.can_manage_investigations,
        lambda u, p, d, inv: services.investigation_acknowledge(actor=u, investigation=inv),
        lookup=_lookup(Investigation),
        message="Result acknowledged.",
    ),
    "track": Action(
        "Change a specialty track",
        "Change stage",
        _plain(pf.TrackForm),
        roles.can_change_track,
        lambda u, p, d, _: services.track_change_stage(
            actor=u, patient=p, specialty=d["specialty"], to_stage=d["to_stage"], note=d["note"]
        ),
        message="Track updated.",
    ),
    "criterion": Action(
        "Record a diagnostic criterion",
        "Save criterion",
        _plain(pf.CriterionForm),
        roles.can_record_diagnosis,
        lambda u, p, d, _: services.assessment_record_criterion(
            actor=u,
            patient=p,
            criterion=d["criterion"],
            present=d["present"],
            observed_on=d["observed_on"],
            note=d["note"],
        ),
        message="Criterion recorded.",
    ),
    "diagnosis": Action(
        "Update the diagnosis",
        "Save diagnosis",
        _plain(pf.DiagnosisForm),
        roles.can_record_diagnosis,
        lambda u, p, d, _: services.assessment_update(
            actor=u,
            patient=p,
            oms_status=d["oms_status"],
            aetiology=d["aetiology"],
            onset_date=d["onset_date"],
            diagnosis_date=d["diagnosis_date"],
        ),
        message="Diagnosis updated.",
    ),
    "tumour": Action(
        "Record a tumour",
        "Save tumour",
        _plain(pf.TumourForm),
        roles.can_manage_tumour,
        lambda u, p, d, _: services.tumour_record(actor=u, patient=p, **d),
        message="Tumour recorded.",
    ),
}

# The forms offered in the "Record" panel, in this order.
PANEL = ["score", "relapse", "course", "investigation", "track", "criterion", "diagnosis", "tumour"]


def _action_url(patient: Patient, key: str, obj_pk: int | None = None) -> str:
    if obj_pk is None:
        return reverse("pathways:action", args=[patient.pk, key])
    return reverse("pathways:object_action", args=[patient.pk, key, obj_pk])


def _slot(
    patient: Patient, key: str, data: Any = None, obj_pk: int | None = None, initial: dict | None = None
) -> FormSlot:
    action = ACTIONS[key]
    prefix = f"{key}-{obj_pk}" if obj_pk else key
    form = action.form(data, patient=patient, prefix=prefix, initial=initial)
    return FormSlot(
        key=prefix, title=action.title, submit=action.submit, url=_action_url(patient, key, obj_pk), form=form
    )


def _chart(summary: selectors.PathwaySummary) -> str:
    today = timezone.localdate()
    svg = severity_chart_svg(
        scores=[ScorePoint(s.assessed_on, s.total, s.max_total) for s in summary.scores],  # type: ignore[attr-defined]
        courses=[
            CourseBand(c.pk, c.label, c.start_date, c.ended_on, c.get_status_display().lower())
            for c in summary.courses
        ],
        relapses=[
            RelapseMarker(r.pk, r.onset_date, r.get_severity_display().lower()) for r in summary.relapses
        ],
        today=today,
    )
    return mark_safe(svg)  # built with ElementTree: every text node is escaped


def _context(request: AuthedRequest, patient: Patient, specialty: str = "") -> dict[str, Any]:
    user = request.user
    summary = selectors.pathway_summary(patient=patient)
    panel = [
        _slot(patient, key, initial=_diagnosis_initial(summary) if key == "diagnosis" else None)
        if key == "diagnosis"
        else _slot(patient, key)
        for key in PANEL
        if ACTIONS[key].allowed(user) and (key != "score" or selectors.active_scales().exists())
    ]
    can_treat = roles.can_manage_treatment(user)
    can_investigate = roles.can_manage_investigations(user)
    can_relapse = roles.can_record_relapse(user)
    # Each list item with the action forms it offers (None where the user or its state offers none).
    course_rows = [
        (
            c,
            _slot(patient, "course-transition", obj_pk=c.pk)
            if can_treat and c.status in OPEN_STATUSES
            else None,
        )
        for c in summary.courses
    ]
    investigation_rows = [
        (
            i,
            _slot(patient, "investigation-result", obj_pk=i.pk)
            if can_investigate and i.status in AWAITING
            else None,
            _slot(patient, "investigation-acknowledge", obj_pk=i.pk)
            if can_investigate and i.status == Investigation.Status.RESULTED and not i.acknowledged_at
            else None,
        )
        for i in summary.investigations
    ]
    relapse_rows = [
        (r, _slot(patient, "relapse-resolve", obj_pk=r.pk) if can_relapse and not r.resolved_on else None)
        for r in summary.relapses
    ]
    symptom_rows = [
        (r, _slot(patient, "symptom-review", obj_pk=r.pk) if can_relapse and not r.is_reviewed else None)
        for r in summary.symptom_reports
    ]
    return {
        "patient": patient,
        "summary": summary,
        "chart_svg": _chart(summary),
        "timeline": timeline_for(patient, specialty=specialty),
        "specialty": specialty,
        "specialties": Specialty.choices,
        "panel": panel,
        "course_rows": course_rows,
        "investigation_rows": investigation_rows,
        "relapse_rows": relapse_rows,
        "symptom_rows": symptom_rows,
        "reviewed_symptom_count": sum(1 for r in summary.symptom_reports if r.is_reviewed),
        "via_break_glass": access.is_break_glass_access(user, patient),
    }


def _diagnosis_initial(summary: selectors.PathwaySummary) -> dict[str, Any]:
    a = summary.assessment
    if a is None:
        return {}
    return {
        "oms_status": a.oms_status,
        "aetiology": a.aetiology,
        "onset_date": a.onset_date,
        "diagnosis_date": a.diagnosis_date,
    }


@staff_required
@require_GET
def pathway_review(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.pathway_patient_get(user=request.user, pk=pk)
    specialty = request.GET.get("specialty", "")
    if specialty not in Specialty.values:
        specialty = ""
    access_record(request=request, patients=patient, what="pathway")
    return render(request, "pathways/review.html", _context(request, patient, specialty))


@staff_required
@require_GET
def pathway_timeline(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.pathway_patient_get(user=request.user, pk=pk)
    specialty = request.GET.get("specialty", "")
    if specialty not in Specialty.values:
        specialty = ""
    access_record(request=request, patients=patient, what="timeline")
    context = {
        "patient": patient,
        "timeline": timeline_for(patient, specialty=specialty),
        "specialty": specialty,
        "specialties": Specialty.choices,
    }
    return render(request, "pathways/_timeline.html", context)


@staff_required
@require_POST
def pathway_action(request: AuthedRequest, pk: int, action: str, obj_pk: int | None = None) -> HttpResponse:
    patient = selectors.pathway_patient_get(user=request.user, pk=pk)
    spec = ACTIONS.get(action)
    if spec is None or (spec.lookup is None) != (obj_pk is None):
        raise Http404
    obj = spec.lookup(patient, obj_pk) if spec.lookup and obj_pk else None
    slot = _slot(patient, action, request.POST, obj_pk=obj_pk)
    if not spec.allowed(request.user):
        slot.form.add_error(None, "Your role cannot do this.")
    elif slot.form.is_valid():
        data = (
            {**slot.form.cleaned_data, "_form": slot.form}
            if action == "score"
            else dict(slot.form.cleaned_data)
        )
        try:
            spec.run(request.user, patient, data, obj)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(slot.form, exc)
        else:
            if request.htmx:
                access_record(request=request, patients=patient, what="pathway")
                context = {**_context(request, patient), "saved_message": spec.message}
                response = render(request, "pathways/_body.html", context)
                return reswap(retarget(response, "#pathway-body"), "outerHTML")
            return redirect(reverse("pathways:review", args=[patient.pk]))
    if request.htmx:
        return render(request, "pathways/_action_form.html", {"slot": slot}, status=400)
    access_record(request=request, patients=patient, what="pathway")
    context = _context(request, patient)
    context["failed_slot"] = slot
    return render(request, "pathways/review.html", context, status=400)
