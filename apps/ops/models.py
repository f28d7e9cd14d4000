from django.db import models


class Heartbeat(models.Model):
    """The last time a part of the system proved it was alive.

    ``beat@<host>:<pid>``: a beat process's own scheduler tick (one row per process, so a second beat
    shows); ``worker@<host>:<pid>``: a worker process's own timer; ``job:<task>``: the last successful
    run of a periodic job.
    """

    name = models.CharField(max_length=200, unique=True)
    at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)

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
