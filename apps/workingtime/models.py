from django.db import models


class BankHoliday(models.Model):
    """Days that are not working days (England and Wales by default; managed in the admin).

    Seeded from the ``holidays`` package by a migration and refreshed yearly by a beat job.
    """

    day = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["day"]
        db_table = "ops_bankholiday"  # the table it had when ops owned it: the move changed no data

    def __str__(self) -> str:
        return f"{self.name} ({self.day:%d %b %Y})"
