from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from carecoord.celery import app as celery_app

from .models import Heartbeat


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__


def _broker_ok() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and the last beat heartbeat (a beat tick executed by a worker)."""
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    beat_at = None
    beat_age = None
    if db_ok:
        beat = Heartbeat.objects.filter(name="beat").first()
        if beat is not None:
            beat_at = beat.at
            beat_age = (timezone.now() - beat.at).total_seconds()
    beat_ok = beat_age is not None and beat_age <= settings.HEALTHZ_BEAT_MAX_AGE_SECONDS
    healthy = db_ok and broker_ok and beat_ok
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": db_detail,
        "broker": broker_detail,
        "beat": {
            "status": "ok" if beat_ok else ("never" if beat_at is None else "stale"),
            "last_heartbeat": beat_at.isoformat() if beat_at else None,
            "age_seconds": round(beat_age, 1) if beat_age is not None else None,
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)
