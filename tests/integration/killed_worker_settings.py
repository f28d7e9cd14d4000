"""Settings for a worker subprocess that a test SIGKILLs: mail into files, and a short visibility
timeout so the killed worker's message comes back within seconds."""

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
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
