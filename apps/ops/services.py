from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, name: str) -> None:
    now = timezone.now()
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": now}, create_defaults={"at": now, "started_at": now}
    )
