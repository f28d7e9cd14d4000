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


class IdempotentRequest(models.Model):
    """A write already answered, by its caller's key: a retry gets the first answer, not a second row.

    ``scope`` is the signed-in user (or a hash of the API token) so keys of different callers never meet.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=100)
    path = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=80)
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=300, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotent_request_once")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
