# BankHoliday now belongs to apps.workingtime (same table). State only: no data moves. The content
# type moves with it, so admin permissions already granted on bank holidays keep working.

from django.db import migrations


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="workingtime", model="bankholiday").exists():
        ContentType.objects.filter(app_label="ops", model="bankholiday").update(app_label="workingtime")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="ops", model="bankholiday").exists():
        ContentType.objects.filter(app_label="workingtime", model="bankholiday").update(app_label="ops")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("ops", "0004_idempotentrequest"),
        ("workingtime", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="BankHoliday")],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
