from django.urls import path, re_path

from . import views

app_name = "fhir"

RESOURCE = r"(?P<resource_type>[A-Z][A-Za-z]{1,40})"
FHIR_ID = r"(?P<fhir_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    path("metadata", views.MetadataView.as_view(), name="metadata"),
    re_path(rf"^Patient/{FHIR_ID}/\$everything$", views.EverythingView.as_view(), name="everything"),
    re_path(rf"^{RESOURCE}/{FHIR_ID}$", views.ReadView.as_view(), name="read"),
    re_path(rf"^{RESOURCE}$", views.SearchView.as_view(), name="search"),
]
