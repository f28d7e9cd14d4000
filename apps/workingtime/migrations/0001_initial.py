# BankHoliday moves here from ops. State only: the table (ops_bankholiday) and its rows stay as they are.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("ops", "0002_bankholiday"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BankHoliday",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("day", models.DateField(unique=True)),
                        ("name", models.CharField(max_length=100)),
                    ],
                    options={
                        "ordering": ["day"],
                        "db_table": "ops_bankholiday",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
