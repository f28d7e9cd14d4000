"""Demo watch: the fever in the demo diary (diary step) opened a watch for Ben; it runs on to the
fever's day plus the trigger's demo length, so he shows "watch" on the nurse's caseload."""

import datetime

from apps.patients.models import Patient
from carecoord import demo

from .models import WatchPeriod
from .services import watch_today, watch_trigger


def seed(child: Patient | None) -> WatchPeriod | None:
    if child is None:
        return None
    if WatchPeriod.objects.filter(patient=child).exists():
        return WatchPeriod.objects.filter(patient=child).first()
    from django.db import transaction

    from apps.diary.demo import FEVER_DAYS_AGO

    fever = watch_today() - datetime.timedelta(days=FEVER_DAYS_AGO)
    with transaction.atomic():
        return watch_trigger(patient=child, code="fever", detail=fever.strftime("%-d %b"), on=fever)


demo.register("watch", seed, uses=["diary"])
