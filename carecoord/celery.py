import os

from celery import Celery

from apps.ops.liveness import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecoord.settings")

app = Celery("carecoord")
# Every CELERY_* setting in carecoord/settings.py configures the app (beat schedule included).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each worker process records its own heartbeat, so /healthz can tell a dead worker from a dead beat.
app.steps["worker"].add(WorkerHeartbeat)
