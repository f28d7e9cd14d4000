import datetime

from django.db.models import Q
from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, name: str) -> None:
    now = timezone.now()
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": now}, create_defaults={"at": now, "started_at": now}
    )


def heartbeats_prune(*, prefix: str, older_than: datetime.timedelta) -> int:
    """Forget the rows of processes long gone (each restart has a new pid, so a new row)."""
    cutoff = timezone.now() - older_than
    return Heartbeat.objects.filter(Q(name__startswith=prefix), at__lt=cutoff).delete()[0]
