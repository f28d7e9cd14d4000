from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("patients/<int:pk>/documents/", views.staff_documents, name="staff_list"),
    path("patients/<int:pk>/documents/<int:document_pk>/", views.staff_download, name="staff_download"),
    path(
        "patients/<int:pk>/documents/<int:document_pk>/withdraw/",
        views.staff_withdraw,
        name="staff_withdraw",
    ),
    path(
        "patients/<int:pk>/documents/<int:document_pk>/release/",
        views.staff_release,
        name="staff_release",
    ),
    path("portal/children/<int:pk>/documents/", views.family_documents, name="family_list"),
    path(
        "portal/children/<int:pk>/documents/<int:document_pk>/",
        views.family_download,
        name="family_download",
    ),
]
