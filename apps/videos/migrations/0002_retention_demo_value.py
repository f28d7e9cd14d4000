"""The retention period as data: one row, a demonstration value until the organisation sets its own
(its records management policy decides how long family videos are kept)."""

from django.db import migrations

DEMO_DAYS = 365
DEMO_LABEL = "Demo value: replace with your organisation's records retention policy for family videos."


def seed(apps, schema_editor):
    VideoRetention = apps.get_model("videos", "VideoRetention")
    if not VideoRetention.objects.exists():
        VideoRetention.objects.create(days=DEMO_DAYS, label=DEMO_LABEL, is_demo=True)


class Migration(migrations.Migration):
    dependencies = [("videos", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
