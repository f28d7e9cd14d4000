from django.urls import path

from . import audit_views, views

app_name = "patients"

urlpatterns = [
    path("patients/new/", views.patient_register, name="register"),
    path("patients/<int:pk>/", views.patient_detail, name="detail"),
    path("patients/<int:pk>/edit/", views.patient_edit, name="edit"),
    path("patients/<int:pk>/guardians/add/", views.guardian_add, name="guardian_add"),
    path("patients/<int:pk>/guardians/invite/", views.guardian_invite, name="guardian_invite"),
    path(
        "patients/<int:pk>/invitations/<int:invitation_pk>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path(
        "patients/<int:pk>/guardians/<int:guardian_pk>/deactivate/",
        views.guardian_deactivate,
        name="guardian_deactivate",
    ),
    path(
        "patients/<int:pk>/guardians/<int:guardian_pk>/parental-responsibility/",
        views.guardian_parental_responsibility,
        name="guardian_parental_responsibility",
    ),
    path(
        "patients/<int:pk>/guardians/<int:guardian_pk>/consent/",
        views.guardian_young_person_consent,
        name="guardian_young_person_consent",
    ),
    path("patients/<int:pk>/care-team/add/", views.care_team_add, name="care_team_add"),
    path(
        "patients/<int:pk>/care-team/<int:member_pk>/end/",
        views.care_team_end,
        name="care_team_end",
    ),
    # The access log and break-glass pages; audit keeps the rows and the review pages.
    path("patients/<int:pk>/access-log/", audit_views.access_log, name="access_log"),
    path("break-glass/", audit_views.break_glass, name="break_glass"),
]
