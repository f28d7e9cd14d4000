from django.urls import path

from . import views

app_name = "transition"

urlpatterns = [
    path("patients/<int:pk>/transition/", views.plan, name="plan"),
    path("patients/<int:pk>/transition/open/", views.plan_open, name="open"),
    path("patients/<int:pk>/transition/edit/", views.plan_update, name="update"),
    path("patients/<int:pk>/transition/readiness/", views.readiness, name="readiness"),
    path(
        "patients/<int:pk>/transition/joint-appointment/", views.joint_appointment, name="joint_appointment"
    ),
    path("patients/<int:pk>/transition/transfer/", views.transfer, name="transfer"),
    path("portal/children/<int:pk>/adult-services/", views.family_plan, name="family_plan"),
]
