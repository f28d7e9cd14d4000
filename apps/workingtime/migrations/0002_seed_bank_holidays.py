# England and Wales bank holidays from this year to five years on, so a new database has them
# without the demo. The yearly beat job (apps.workingtime.tasks.refresh_bank_holidays) keeps them
# ahead afterwards. Both use the same idempotent service.

from django.db import migrations


def seed(apps, schema_editor):
    from apps.workingtime.services import bank_holidays_refresh

    bank_holidays_refresh(model=apps.get_model("workingtime", "BankHoliday"))


class Migration(migrations.Migration):
    dependencies = [
        ("workingtime", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
