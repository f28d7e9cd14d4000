from django.urls import path

from . import views

app_name = "research"

urlpatterns = [
    path("patients/<int:pk>/consent/", views.consent_page, name="consent"),
    path("patients/<int:pk>/consent/record/", views.consent_record, name="consent_record"),
    path(
        "patients/<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("research/exports/", views.exports, name="exports"),
    path("research/exports/<int:pk>/download/", views.export_download, name="export_download"),
]
