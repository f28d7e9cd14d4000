from django.db import models


class Heartbeat(models.Model):
    """The last time a periodic process proved it was alive (beat tick run by a worker)."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class BankHoliday(models.Model):
    """Days that are not working days (England and Wales by default; managed in the admin)."""

    day = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.name} ({self.day:%d %b %Y})"
