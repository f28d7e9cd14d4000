"""Trigger lengths, diary prompt rates and the worsening thresholds as a clinic might first set them:
DEMO VALUES, labelled as such on every row. The clinic reviews and changes them in the admin (Watch
periods). They are not clinical guidance: relapse after weaning, illness or immunisation is described
in the literature, but no source sets how long to watch."""

from django.db import migrations

DEMO = "Demo value: the clinic sets its own."
TRIGGERS = [
    ("weaning", "Course weaning", "Weaning {detail}", 28),
    ("illness", "Illness reported in the diary", "Family reported illness ({detail})", 14),
    ("fever", "Fever reported in the diary", "Family reported a fever ({detail})", 14),
    ("immunisation", "Immunisation recorded in the diary", "Immunisation ({detail})", 14),
    ("staff", "Opened by staff", "{detail}", 14),
]


def seed(apps, schema_editor):
    TriggerKind = apps.get_model("watch", "TriggerKind")
    WatchPolicy = apps.get_model("watch", "WatchPolicy")
    for code, label, reason, days in TRIGGERS:
        TriggerKind.objects.get_or_create(
            code=code, defaults={"label": label, "reason": reason, "days": days, "note": DEMO}
        )
    WatchPolicy.objects.get_or_create(
        code="default",
        defaults={
            "prompt_every_days_in_watch": 1,
            "prompt_every_days_otherwise": None,
            "marked_level": 2,
            "rise_by": 1,
            "note": DEMO,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("watch", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
