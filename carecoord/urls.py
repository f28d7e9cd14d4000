from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts.decorators import staff_required
from apps.accounts.views import root
from apps.ops.views import healthz


def _staff_section(name: str, blurb: str):  # type: ignore[no-untyped-def]
    view = TemplateView.as_view(
        template_name="staff/section_pending.html", extra_context={"section": name, "blurb": blurb}
    )
    return staff_required(view)


urlpatterns = [
    path("", root, name="root"),
    path("healthz", healthz, name="healthz"),
    path("", include("apps.accounts.urls")),
    path("", include("apps.caseload.urls")),
    path("", include("apps.patients.urls")),
    path("", include("apps.audit.urls")),
    path("", include("apps.pathways.urls")),
    path("", include("apps.referrals.urls")),
    path("", include("apps.tasks.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.scheduling.urls")),
    path("portal/", include("apps.portal.urls")),
    path(
        "messages/",
        _staff_section("Messages", "Conversations with families and colleagues."),
        name="messages",
    ),
    path("api/v1/", include("carecoord.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
