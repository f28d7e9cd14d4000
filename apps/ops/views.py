from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Every part, each with its status; 503 naming the parts that are not ok."""
    healthy, body = health.report()
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """For a load balancer: this web process answers. (/healthz can be 503 for a failed email.)"""
    return JsonResponse({"status": "ok"})
