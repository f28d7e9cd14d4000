"""What the pathway page can write: one row per action, each naming the service call it makes.

A row says which form to show, which role may use it and which named function below runs it, so
``grep services.course_transition`` leads to ``change_course`` and from there to the ``ACTIONS`` row.
Which rows a list item offers is decided in ``page.py`` from the state tables, never here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient

from .. import forms as pf
from .. import selectors, services
from ..models import Investigation, Relapse, SymptomReport, TreatmentCourse

# (data, *, prefix, initial, obj) -> the form; ``obj`` is the list item an object action is about.
FormFactory = Callable[..., forms.Form]
# (actor, patient, the valid form, obj) -> whatever the service returns
Runner = Callable[[User, Patient, Any, Any], object]


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
    """One write the page offers: its form, who may do it, and the named function that calls the service."""

    title: str
    submit: str
    form: FormFactory
    allowed: Callable[[User], bool]
    run: Runner
    model: type[models.Model] | None = None  # set for an action on one item (a course, a result...)
    message: str = "Saved."


def _plain(form_class: type[forms.Form]) -> FormFactory:
    def build(data: Any, *, prefix: str, initial: dict | None, obj: Any) -> forms.Form:
        return form_class(data, prefix=prefix, initial=initial)

    return build


def _score_form(data: Any, *, prefix: str, initial: dict | None, obj: Any) -> forms.Form:
    scale = selectors.active_scales().first()
    if scale is None:
        raise Http404("No severity scale is configured")
    return pf.ScoreForm(data, scale=scale, prefix=prefix, initial=initial)


def _course_transition_form(data: Any, *, prefix: str, initial: dict | None, obj: Any) -> forms.Form:
    # Shown: exactly the moves the table allows from the course's status. Posted: any status, so a
    # page left open while someone else moved the course gets the table's refusal, not a form error.
    offered = services.COURSE.allowed_from(obj.status) if data is None else None
    return pf.CourseTransitionForm(data, prefix=prefix, initial=initial, offered=offered)


def _investigation_step_form(data: Any, *, prefix: str, initial: dict | None, obj: Any) -> forms.Form:
    # As for a course: shown, the table's moves from here; posted, any step (the table refuses).
    offered = services.investigation_steps(obj.status) if data is None else None
    return pf.InvestigationStepForm(data, prefix=prefix, initial=initial, offered=offered)


# --- The service calls, one named function each ---------------------------------------------------


def record_score(actor: User, patient: Patient, form: pf.ScoreForm, _: None) -> object:
    data = form.cleaned_data
    return services.score_record(
        actor=actor,
        patient=patient,
        scale=form.scale,
        assessed_on=data["assessed_on"],
        values=form.values(),
        note=data["note"],
        not_assessable=form.not_assessable(),
    )


def start_course(actor: User, patient: Patient, form: forms.Form, _: None) -> object:
    data = form.cleaned_data
    return services.course_create(
        actor=actor,
        patient=patient,
        agent=data["agent"],
        agent_other=data["agent_other"],
        status=data["status"],
        start_date=data["start_date"],
        planned_end_date=data["planned_end_date"],
        regimen_notes=data["regimen_notes"],
        confirm_second_course=data["confirm_second_course"],
        second_course_reason=data["second_course_reason"],
    )


def change_course(actor: User, patient: Patient, form: forms.Form, course: TreatmentCourse) -> object:
    data = form.cleaned_data
    return services.course_transition(
        actor=actor,
        course=course,
        to_status=data["to_status"],
        on_date=data["on_date"],
        reason=data["reason"],
    )


def record_relapse(actor: User, patient: Patient, form: forms.Form, _: None) -> object:
    data = form.cleaned_data
    return services.relapse_record(
        actor=actor,
        patient=patient,
        onset_date=data["onset_date"],
        severity=data["severity"],
        trigger=data["trigger"],
        trigger_detail=data["trigger_detail"],
        response=data["response"],
    )


def resolve_relapse(actor: User, patient: Patient, form: forms.Form, relapse: Relapse) -> object:
    return services.relapse_update(actor=actor, relapse=relapse, resolved_on=form.cleaned_data["resolved_on"])


def review_symptom_report(actor: User, patient: Patient, form: forms.Form, report: SymptomReport) -> object:
    return services.symptom_report_review(actor=actor, report=report)


def request_investigation(actor: User, patient: Patient, form: forms.Form, _: None) -> object:
    data = form.cleaned_data
    return services.investigation_request(
        actor=actor, patient=patient, kind=data["kind"], description=data["description"]
    )


def record_result(actor: User, patient: Patient, form: forms.Form, investigation: Investigation) -> object:
    data = form.cleaned_data
    return services.investigation_record_result(
        actor=actor,
        investigation=investigation,
        result_summary=data["result_summary"],
        abnormal=data["abnormal"],
    )


def step_investigation(
    actor: User, patient: Patient, form: forms.Form, investigation: Investigation
) -> object:
    return services.investigation_step(actor=actor, investigation=investigation, **form.cleaned_data)


def acknowledge_result(
    actor: User, patient: Patient, form: forms.Form, investigation: Investigation
) -> object:
    return services.investigation_acknowledge(actor=actor, investigation=investigation)


def change_track(actor: User, patient: Patient, form: forms.Form, _: None) -> object:
    data = form.cleaned_data
    return services.track_change_stage(
        actor=actor,
        patient=patient,
        specialty=data["specialty"],
        to_stage=data["to_stage"],
        note=data["note"],
    )


def record_criterion(actor: User, patient: Patient, form: forms.Form, _: None) -> object:
    data = form.cleaned_data
    return services.assessment_record_criterion(
        actor=actor,
        patient=patient,
        criterion=data["criterion"],
        present=data["present"],
        observed_on=data["observed_on"],
        note=data["note"],
        incomplete_search_reason=data["incomplete_search_reason"],
    )


def update_diagnosis(actor: User, patient: Patient, form: forms.Form, _: None) -> object:
    data = form.cleaned_data
    return services.assessment_update(
        actor=actor,
        patient=patient,
        oms_status=data["oms_status"],
        aetiology=data["aetiology"],
        onset_date=data["onset_date"],
        diagnosis_date=data["diagnosis_date"],
    )


def record_tumour(actor: User, patient: Patient, form: forms.Form, _: None) -> object:
    return services.tumour_record(actor=actor, patient=patient, **form.cleaned_data)


# --- The table: URL key -> title, submit label, form; the role that may; the service call it makes

ACTIONS: dict[str, Action] = {
    "score": Action(
        "Record a severity score", "Save score", _score_form,
        allowed=roles.can_record_score, run=record_score, message="Score recorded.",
    ),
    "course": Action(
        "Start or plan a treatment course", "Save course", _plain(pf.CourseForm),
        allowed=roles.can_manage_treatment, run=start_course, message="Course recorded.",
    ),
    "course-transition": Action(
        "Change course", "Change", _course_transition_form,
        allowed=roles.can_manage_treatment, run=change_course, model=TreatmentCourse,
        message="Course updated.",
    ),
    "relapse": Action(
        "Record a relapse", "Save relapse", _plain(pf.RelapseForm),
        allowed=roles.can_record_relapse, run=record_relapse, message="Relapse recorded.",
    ),
    "relapse-resolve": Action(
        "Mark resolved", "Mark resolved", _plain(pf.RelapseResolveForm),
        allowed=roles.can_record_relapse, run=resolve_relapse, model=Relapse,
        message="Relapse marked resolved.",
    ),
    "symptom-review": Action(
        "Mark reviewed", "Mark as reviewed", _plain(forms.Form),
        allowed=roles.can_record_relapse, run=review_symptom_report, model=SymptomReport,
        message="Symptom report marked as reviewed.",
    ),
    "investigation": Action(
        "Request an investigation", "Request", _plain(pf.InvestigationForm),
        allowed=roles.can_manage_investigations, run=request_investigation,
        message="Investigation requested.",
    ),
    "investigation-result": Action(
        "Record the result", "Save result", _plain(pf.InvestigationResultForm),
        allowed=roles.can_manage_investigations, run=record_result, model=Investigation,
        message="Result recorded.",
    ),
    "investigation-step": Action(
        "Next step", "Save step", _investigation_step_form,
        allowed=roles.can_manage_investigations, run=step_investigation, model=Investigation,
        message="Investigation updated.",
    ),
    "investigation-acknowledge": Action(
        "Acknowledge", "Acknowledge result", _plain(forms.Form),
        allowed=roles.can_manage_investigations, run=acknowledge_result, model=Investigation,
        message="Result acknowledged.",
    ),
    "track": Action(
        "Change a specialty track", "Change stage", _plain(pf.TrackForm),
        allowed=roles.can_change_track, run=change_track, message="Track updated.",
    ),
    "criterion": Action(
        "Record a diagnostic criterion", "Save criterion", _plain(pf.CriterionForm),
        allowed=roles.can_record_diagnosis, run=record_criterion, message="Criterion recorded.",
    ),
    "diagnosis": Action(
        "Update the diagnosis", "Save diagnosis", _plain(pf.DiagnosisForm),
        allowed=roles.can_record_diagnosis, run=update_diagnosis, message="Diagnosis updated.",
    ),
    "tumour": Action(
        "Record a tumour", "Save tumour", _plain(pf.TumourForm),
        allowed=roles.can_manage_tumour, run=record_tumour, message="Tumour recorded.",
    ),
}  # fmt: skip

# The forms offered in the "Record" panel, in this order.
PANEL = ["score", "relapse", "course", "investigation", "track", "criterion", "diagnosis", "tumour"]


def action_object(action: Action, patient: Patient, obj_pk: int | None) -> Any:
    """The child's item an object action is about (404 for another child's), or None for a panel action."""
    if action.model is None or obj_pk is None:
        return None
    return get_object_or_404(action.model._default_manager.filter(patient=patient), pk=obj_pk)


def slot(
    patient: Patient, key: str, data: Any = None, obj: Any = None, initial: dict | None = None
) -> FormSlot:
    """The form of one action, named and addressed for this child (and item)."""
    action = ACTIONS[key]
    prefix = f"{key}-{obj.pk}" if obj is not None else key
    if obj is None:
        url = reverse("pathways:action", args=[patient.pk, key])
    else:
        url = reverse("pathways:object_action", args=[patient.pk, key, obj.pk])
    form = action.form(data, prefix=prefix, initial=initial, obj=obj)
    return FormSlot(key=prefix, title=action.title, submit=action.submit, url=url, form=form)
