"""Give every investigation recorded before InvestigationEvent existed its steps, from its history.

Each change of status in the history becomes a step with the history's user and time; a result
recorded straight from requested or booked (one save) gets its "done" step too, as the service now
writes it. An acknowledgement (which left no history row) becomes the "acknowledged" step.
"""

import datetime
from collections import defaultdict
from itertools import pairwise

from django.db import migrations

OPEN_BEFORE_DONE = ("requested", "booked")


def _steps_from_history(history: list[dict]) -> list[dict]:
    steps: list[dict] = []
    for before, after in pairwise([{"status": ""}, *history]):
        if before["status"] == after["status"]:
            if after["status"] == "booked" and before.get("booked_for") != after["booked_for"]:
                steps.append(_step(after, "booked", "booked"))  # a booking moved
            continue
        if before["status"] in OPEN_BEFORE_DONE and after["status"] == "resulted":
            steps.append(_step(after, before["status"], "done"))
            steps.append(_step(after, "done", "resulted"))
            continue
        steps.append(_step(after, before["status"], after["status"]))
    return steps


def _step(row: dict, from_status: str, to_status: str) -> dict:
    note = ""
    if to_status == "booked" and row.get("booked_for"):
        note = f"for {row['booked_for']:%d %b %Y}"
    elif to_status == "cancelled":
        note = row.get("cancel_reason") or ""
    return {
        "from_status": from_status,
        "to_status": to_status,
        "actor_id": row.get("history_user_id"),
        "at": row["history_date"],
        "note": note[:300],
    }


def _steps_without_history(investigation) -> list[dict]:
    at = datetime.datetime.combine(investigation.requested_on, datetime.time(9), tzinfo=datetime.UTC)
    row = {"history_user_id": investigation.requested_by_id, "history_date": at}
    steps = [_step(row, "", "requested")]
    if investigation.status != "requested":
        later = {"history_user_id": None, "history_date": investigation.resulted_at or at}
        steps.append(_step(later, "requested", investigation.status))
    return steps


def backfill(apps, schema_editor) -> None:
    Investigation = apps.get_model("pathways", "Investigation")
    HistoricalInvestigation = apps.get_model("pathways", "HistoricalInvestigation")
    InvestigationEvent = apps.get_model("pathways", "InvestigationEvent")
    history: dict[int, list[dict]] = defaultdict(list)
    fields = ("id", "status", "booked_for", "cancel_reason", "history_user_id", "history_date")
    for row in HistoricalInvestigation.objects.order_by("id", "history_date", "history_id").values(*fields):
        history[row["id"]].append(row)
    events = []
    for investigation in Investigation.objects.exclude(events__isnull=False).iterator():
        rows = history.get(investigation.pk)
        steps = _steps_from_history(rows) if rows else _steps_without_history(investigation)
        if investigation.acknowledged_at:
            ack = {
                "history_user_id": investigation.acknowledged_by_id,
                "history_date": investigation.acknowledged_at,
            }
            steps.append(_step(ack, "resulted", "acknowledged"))
        events += [InvestigationEvent(investigation_id=investigation.pk, **step) for step in steps]
    InvestigationEvent.objects.bulk_create(events, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("pathways", "0003_investigationevent")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
