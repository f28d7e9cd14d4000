from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("caseload-imports/", views.import_home, name="home"),
    path("caseload-imports/template.csv", views.import_template, name="template"),
    path("caseload-imports/export/", views.caseload_export, name="export"),
    path("caseload-imports/<int:pk>/", views.import_detail, name="detail"),
    path("caseload-imports/<int:pk>/progress/", views.import_progress, name="progress"),
    path("caseload-imports/<int:pk>/apply/", views.import_apply, name="apply"),
]
