from django.urls import path

from . import views

app_name = "questionnaires"

urlpatterns = [
    path("patients/<int:pk>/questionnaires/", views.staff_list, name="staff_list"),
    path("patients/<int:pk>/questionnaires/assign/", views.assign, name="assign"),
    path(
        "patients/<int:pk>/questionnaires/responses/<int:response_pk>/",
        views.staff_response,
        name="staff_response",
    ),
    path("portal/children/<int:pk>/questionnaires/", views.family_list, name="family_list"),
    path(
        "portal/children/<int:pk>/questionnaires/<int:assignment_pk>/",
        views.family_answer,
        name="family_answer",
    ),
]
