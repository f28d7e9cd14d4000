from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider.views import TokenView

from apps.accounts.views import root
from apps.ops.views import healthz, livez

handler400 = "carecoord.errors.bad_request"

urlpatterns = [
    path("", root, name="root"),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("", include("apps.accounts.urls")),
    path("", include("apps.caseload.urls")),
    path("", include("apps.patients.urls")),
    path("", include("apps.audit.urls")),
    path("", include("apps.pathways.urls")),
    path("", include("apps.referrals.urls")),
    path("", include("apps.tasks.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.scheduling.urls")),
    path("", include("apps.documents.urls")),
    path("", include("apps.mdt.urls")),
    path("", include("apps.neuropsych.urls")),
    path("", include("apps.transition.urls")),
    path("", include("apps.research.urls")),
    path("", include("apps.emergency_plans.urls")),
    path("", include("apps.diary.urls")),
    path("", include("apps.watch.urls")),
    path("", include("apps.questionnaires.urls")),
    path("", include("apps.videos.urls")),
    path("", include("apps.messaging.urls")),
    path("", include("apps.imports.urls")),
    path("portal/", include("apps.portal.urls")),
    path("api/v1/", include("carecoord.api_urls")),
    path("fhir/", include("apps.fhir.urls")),
    # Integration sign-in: OAuth2 client credentials only (clients are made in the admin).
    path("o/token/", TokenView.as_view(), name="oauth2-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
