"""Settings for a worker subprocess that a test SIGKILLs: mail into files, and a short visibility
timeout so the killed worker's message comes back within seconds.

Its unacknowledged messages are kept under keys of their own: kombu restores every message in its
unacked index that is older than the restoring worker's visibility timeout, whatever its queue, so
with the shared keys a killed-worker process could redeliver another test's long task every few
seconds (suspected, not proven, behind the caseload import test's repeated deliveries)."""

import os

from carecoord.settings import *  # noqa: F403
from carecoord.settings import CELERY_BROKER_TRANSPORT_OPTIONS

EMAIL_BACKEND = os.environ.get(
    "CARECOORD_TEST_MAIL_BACKEND", "tests.integration.faults.AcceptThenHangBackend"
)
EMAIL_FILE_PATH = os.environ["CARECOORD_TEST_MAIL_DIR"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 3,
    "unacked_key": "carecoord_killed_worker_unacked",
    "unacked_index_key": "carecoord_killed_worker_unacked_index",
    "unacked_mutex_key": "carecoord_killed_worker_unacked_mutex",
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
