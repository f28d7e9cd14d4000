from typing import Any

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.caseload.api import CaseloadViewSet
from apps.diary.api import PatientDiaryViewSet
from apps.documents import api as documents
from apps.emergency_plans.api import EmergencyPlanViewSet
from apps.imports import api as imports
from apps.mdt import api as mdt
from apps.mdt import api_release as mdt_release
from apps.messaging import api as messaging
from apps.neuropsych import api as neuropsych
from apps.pathways import api as pathways
from apps.pathways.api import symptoms
from apps.patients.api import (
    CareTeamMemberViewSet,
    GuardianViewSet,
    InvitationViewSet,
    PatientInvitationViewSet,
    PatientViewSet,
)
from apps.questionnaires.api import PatientQuestionnaireResponseViewSet
from apps.referrals.api import ReferralViewSet
from apps.scheduling import api as scheduling
from apps.tasks.api import TaskViewSet
from apps.transition.api import TransitionPlanViewSet
from apps.watch.api import PatientWatchViewSet

router = SimpleRouter()
router.register("patients", PatientViewSet, basename="patient")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("tasks", TaskViewSet, basename="task")

guardian_list = GuardianViewSet.as_view({"get": "list", "post": "create"})
guardian_detail = GuardianViewSet.as_view({"get": "retrieve"})
guardian_deactivate = GuardianViewSet.as_view({"post": "deactivate"})
care_team_list = CareTeamMemberViewSet.as_view({"get": "list", "post": "create"})
care_team_detail = CareTeamMemberViewSet.as_view({"get": "retrieve"})
care_team_end = CareTeamMemberViewSet.as_view({"post": "end"})

urlpatterns = [
    *router.urls,
    path("caseload/", CaseloadViewSet.as_view({"get": "list"}), name="caseload"),
    path("patients/<int:patient_pk>/guardians/", guardian_list, name="patient-guardian-list"),
    path(
        "patients/<int:patient_pk>/guardians/<int:pk>/",
        guardian_detail,
        name="patient-guardian-detail",
    ),
    path(
        "patients/<int:patient_pk>/guardians/<int:pk>/deactivate/",
        guardian_deactivate,
        name="patient-guardian-deactivate",
    ),
    path("patients/<int:patient_pk>/care-team/", care_team_list, name="patient-care-team-list"),
    path(
        "patients/<int:patient_pk>/care-team/<int:pk>/",
        care_team_detail,
        name="patient-care-team-detail",
    ),
    path(
        "patients/<int:patient_pk>/care-team/<int:pk>/end/",
        care_team_end,
        name="patient-care-team-end",
    ),
]


def _child(route: str, view: Any, name: str) -> Any:
    """A route under one child's record: /patients/<patient_pk>/<route>."""
    return path(f"patients/<int:patient_pk>/{route}", view, name=f"patient-{name}")


_investigation = pathways.InvestigationViewSet
_course = pathways.CourseViewSet

urlpatterns += [
    path("scales/", pathways.ScaleViewSet.as_view({"get": "list"}), name="scale-list"),
    _child("pathway/", pathways.PathwayViewSet.as_view({"get": "summary"}), "pathway"),
    _child("timeline/", pathways.TimelineViewSet.as_view({"get": "list"}), "timeline"),
    _child("criteria/", pathways.CriterionViewSet.as_view({"get": "list", "post": "create"}), "criteria"),
    _child("assessment/", pathways.AssessmentViewSet.as_view({"patch": "partial_update"}), "assessment"),
    _child(
        "investigations/", _investigation.as_view({"get": "list", "post": "create"}), "investigation-list"
    ),
    _child("investigations/<int:pk>/", _investigation.as_view({"get": "retrieve"}), "investigation-detail"),
    *[
        _child(
            f"investigations/<int:pk>/{step}/",
            _investigation.as_view({"post": step}),
            f"investigation-{step}",
        )
        for step in ("book", "done", "result", "acknowledge", "cancel")
    ],
    _child("tumours/", pathways.TumourViewSet.as_view({"get": "list", "post": "create"}), "tumour-list"),
    _child(
        "tumours/<int:pk>/",
        pathways.TumourViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        "tumour-detail",
    ),
    _child("scores/", pathways.ScoreViewSet.as_view({"get": "list", "post": "create"}), "score-list"),
    _child("courses/", _course.as_view({"get": "list", "post": "create"}), "course-list"),
    _child("courses/<int:pk>/", _course.as_view({"get": "retrieve"}), "course-detail"),
    _child("courses/<int:pk>/transition/", _course.as_view({"post": "transition"}), "course-transition"),
    _child("relapses/", pathways.RelapseViewSet.as_view({"get": "list", "post": "create"}), "relapse-list"),
    _child(
        "relapses/<int:pk>/",
        pathways.RelapseViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        "relapse-detail",
    ),
    _child("tracks/", pathways.TrackViewSet.as_view({"get": "list"}), "track-list"),
    _child("tracks/<slug:specialty>/move/", pathways.TrackViewSet.as_view({"post": "move"}), "track-move"),
]

_appointment = scheduling.AppointmentViewSet
_series = scheduling.SeriesViewSet

urlpatterns += [
    _child(
        "appointments/",
        scheduling.PatientAppointmentViewSet.as_view({"get": "list", "post": "create"}),
        "appointment-list",
    ),
    path("appointments/<int:pk>/", _appointment.as_view({"get": "retrieve"}), name="appointment-detail"),
    *[
        path(
            f"appointments/<int:pk>/{step}/", _appointment.as_view({"post": name}), name=f"appointment-{step}"
        )
        for step, name in (
            ("confirm", "confirm"),
            ("attended", "attended"),
            ("did-not-attend", "did_not_attend"),
            ("cancel", "cancel"),
            ("move", "move"),
        )
    ],
    path("clinic/", scheduling.ClinicViewSet.as_view({"get": "list"}), name="clinic-list"),
    _child(
        "series/", scheduling.PatientSeriesViewSet.as_view({"get": "list", "post": "create"}), "series-list"
    ),
    path("series/<int:pk>/", _series.as_view({"get": "retrieve"}), name="series-detail"),
    path("series/<int:pk>/move/", _series.as_view({"post": "move"}), name="series-move"),
    path("series/<int:pk>/stop/", _series.as_view({"post": "stop"}), name="series-stop"),
    path(
        "review-policies/", scheduling.ReviewPolicyViewSet.as_view({"get": "list"}), name="review-policy-list"
    ),
    path(
        "reviews/overdue/",
        scheduling.OverdueReviewViewSet.as_view({"get": "list"}),
        name="overdue-review-list",
    ),
]

_thread = messaging.ThreadViewSet

urlpatterns += [
    _child(
        "threads/",
        messaging.PatientThreadViewSet.as_view({"get": "list", "post": "create"}),
        "thread-list",
    ),
    path("threads/", _thread.as_view({"get": "list"}), name="thread-inbox"),
    path("threads/<int:pk>/", _thread.as_view({"get": "retrieve"}), name="thread-detail"),
    *[
        path(f"threads/<int:pk>/{step}/", _thread.as_view({"post": step}), name=f"thread-{step}")
        for step in ("messages", "read", "mark")
    ],
    path(
        "threads/<int:pk>/attachments/<int:attachment_pk>/",
        _thread.as_view({"get": "attachment"}),
        name="thread-attachment",
    ),
]

_document = documents.DocumentViewSet

urlpatterns += [
    _child(
        "documents/",
        documents.PatientDocumentViewSet.as_view({"get": "list", "post": "create"}),
        "document-list",
    ),
    path("documents/<int:pk>/", _document.as_view({"get": "retrieve"}), name="document-detail"),
    path("documents/<int:pk>/download/", _document.as_view({"get": "download"}), name="document-download"),
    path("documents/<int:pk>/withdraw/", _document.as_view({"post": "withdraw"}), name="document-withdraw"),
    path("documents/<int:pk>/release/", _document.as_view({"post": "release"}), name="document-release"),
    _child(
        "symptom-reports/",
        symptoms.PatientSymptomReportViewSet.as_view({"get": "list", "post": "create"}),
        "symptom-report-list",
    ),
    path(
        "symptom-reports/<int:pk>/review/",
        symptoms.SymptomReportViewSet.as_view({"post": "review"}),
        name="symptom-report-review",
    ),
    _child(
        "invitations/",
        PatientInvitationViewSet.as_view({"get": "list", "post": "create"}),
        "invitation-list",
    ),
    path(
        "invitations/<int:pk>/withdraw/",
        InvitationViewSet.as_view({"post": "withdraw"}),
        name="invitation-withdraw",
    ),
]

_meeting = mdt.MeetingViewSet
_item = mdt.ItemViewSet

urlpatterns += [
    path("mdt/meetings/", _meeting.as_view({"get": "list", "post": "create"}), name="mdt-meeting-list"),
    path("mdt/meetings/<int:pk>/", _meeting.as_view({"get": "retrieve"}), name="mdt-meeting-detail"),
    path("mdt/meetings/<int:pk>/items/", _meeting.as_view({"post": "items"}), name="mdt-meeting-items"),
    path("mdt/meetings/<int:pk>/order/", _meeting.as_view({"post": "order"}), name="mdt-meeting-order"),
    path("mdt/items/<int:pk>/", _item.as_view({"get": "retrieve"}), name="mdt-item-detail"),
    path("mdt/items/<int:pk>/carry-over/", _item.as_view({"post": "carry_over"}), name="mdt-item-carry-over"),
    path(
        "mdt/items/<int:pk>/outcome/",
        _item.as_view({"post": "outcome", "put": "outcome"}),
        name="mdt-item-outcome",
    ),
    path(
        "mdt/items/<int:pk>/letter/",
        mdt_release.OutcomeReleaseViewSet.as_view({"post": "letter"}),
        name="mdt-item-letter",
    ),
    path(
        "mdt/items/<int:pk>/release/",
        mdt_release.OutcomeReleaseViewSet.as_view({"post": "release"}),
        name="mdt-item-release",
    ),
    path(
        "patients/<int:patient_pk>/mdt-decisions/",
        mdt_release.PatientDecisionViewSet.as_view({"get": "list"}),
        name="patient-mdt-decision-list",
    ),
]

_np = neuropsych.PatientNeuropsychViewSet
urlpatterns += [
    path(
        "patients/<int:patient_pk>/neuropsychology/assessments/",
        _np.as_view({"get": "assessments", "post": "record"}),
        name="patient-neuropsych-assessments",
    ),
    path(
        "patients/<int:patient_pk>/neuropsychology/school/",
        _np.as_view({"get": "school", "put": "school"}),
        name="patient-neuropsych-school",
    ),
    path(
        "patients/<int:patient_pk>/neuropsychology/school-letters/",
        _np.as_view({"get": "letters", "post": "letters"}),
        name="patient-neuropsych-letters",
    ),
    path(
        "school-letters/<int:pk>/",
        neuropsych.SchoolLetterViewSet.as_view({"get": "retrieve", "put": "retrieve"}),
        name="school-letter-detail",
    ),
    path(
        "school-letters/<int:pk>/release/",
        neuropsych.SchoolLetterViewSet.as_view({"post": "release"}),
        name="school-letter-release",
    ),
]

_plan = TransitionPlanViewSet
urlpatterns += [
    path(
        "patients/<int:pk>/transition/",
        _plan.as_view({"get": "retrieve", "put": "update"}),
        name="transition-plan",
    ),
    path("patients/<int:pk>/transition/open/", _plan.as_view({"post": "open"}), name="transition-open"),
    path(
        "patients/<int:pk>/transition/readiness/",
        _plan.as_view({"post": "readiness"}),
        name="transition-readiness",
    ),
    path(
        "patients/<int:pk>/transition/joint-appointment/",
        _plan.as_view({"post": "joint_appointment"}),
        name="transition-joint-appointment",
    ),
    path(
        "patients/<int:pk>/transition/transfer/",
        _plan.as_view({"post": "transfer"}),
        name="transition-transfer",
    ),
]

urlpatterns += [
    path(
        "patients/<int:pk>/emergency-plan/",
        EmergencyPlanViewSet.as_view({"get": "retrieve"}),
        name="emergency-plan",
    ),
    path(
        "patients/<int:patient_pk>/questionnaire-responses/",
        PatientQuestionnaireResponseViewSet.as_view({"get": "list"}),
        name="patient-questionnaire-response-list",
    ),
]

_import = imports.CaseloadImportViewSet
urlpatterns += [
    path(
        "caseload-imports/", _import.as_view({"get": "list", "post": "create"}), name="caseload-import-list"
    ),
    path("caseload-imports/template/", _import.as_view({"get": "template"}), name="caseload-import-template"),
    path("caseload-imports/<int:pk>/", _import.as_view({"get": "retrieve"}), name="caseload-import-detail"),
    path(
        "caseload-imports/<int:pk>/apply/", _import.as_view({"post": "apply"}), name="caseload-import-apply"
    ),
    path("caseload-export/", imports.CaseloadExportViewSet.as_view({"get": "list"}), name="caseload-export"),
]

_watch = PatientWatchViewSet
urlpatterns += [
    _child("diary/", PatientDiaryViewSet.as_view({"get": "list", "post": "create"}), "diary"),
    _child("watch/", _watch.as_view({"get": "list"}), "watch"),
    *[
        _child(f"watch/{step}/", _watch.as_view({"post": step}), f"watch-{step}")
        for step in ("open", "extend", "end")
    ],
]
