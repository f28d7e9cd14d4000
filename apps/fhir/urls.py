from django.urls import path, re_path

from . import bulk_views, views

app_name = "fhir"

RESOURCE = r"(?P<resource_type>[A-Z][A-Za-z]{1,40})"
FHIR_ID = r"(?P<fhir_id>[A-Za-z0-9\-.]{1,64})"
# Checked in the views (a wrong one is a 404 OperationOutcome, not the site's 404 page).
EXPORT_ID = r"(?P<export_id>[A-Za-z0-9\-]{1,64})"
FILE_ID = r"(?P<file_id>[A-Za-z0-9\-]{1,64})"
TEAM_ID = r"(?P<team_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    path("metadata", views.MetadataView.as_view(), name="metadata"),
    re_path(rf"^Patient/{FHIR_ID}/\$everything$", views.EverythingView.as_view(), name="everything"),
    re_path(rf"^Group/{TEAM_ID}/\$export$", bulk_views.ExportKickOffView.as_view(), name="export"),
    re_path(rf"^\$export-status/{EXPORT_ID}$", bulk_views.ExportStatusView.as_view(), name="export-status"),
    re_path(rf"^\$export-file/{FILE_ID}$", bulk_views.ExportFileView.as_view(), name="export-file"),
    re_path(rf"^{RESOURCE}/{FHIR_ID}$", views.ReadView.as_view(), name="read"),
    re_path(rf"^{RESOURCE}$", views.SearchView.as_view(), name="search"),
]
