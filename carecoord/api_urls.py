from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.patients.api import CareTeamMemberViewSet, GuardianViewSet, PatientViewSet

router = SimpleRouter()
router.register("patients", PatientViewSet, basename="patient")

guardian_list = GuardianViewSet.as_view({"get": "list", "post": "create"})
guardian_detail = GuardianViewSet.as_view({"get": "retrieve"})
guardian_deactivate = GuardianViewSet.as_view({"post": "deactivate"})
care_team_list = CareTeamMemberViewSet.as_view({"get": "list", "post": "create"})
care_team_detail = CareTeamMemberViewSet.as_view({"get": "retrieve"})
care_team_end = CareTeamMemberViewSet.as_view({"post": "end"})

urlpatterns = [
    *router.urls,
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
