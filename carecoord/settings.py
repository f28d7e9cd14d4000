"""CareCoord settings, read from the environment (12-factor).

With nothing set, it runs on embedded defaults: SQLite and the Celery filesystem
broker, both under ``var/``. ``DJANGO_ENV=production`` turns on the deployment
checklist and refuses to start without its secrets.
"""

import datetime
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

VAR_DIR = Path(env.str("CARECOORD_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

if PRODUCTION:
    # No defaults in production: a missing secret stops the process at start.
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name at least one host in production")
    DEBUG = False
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-not-for-production-use-0000")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
    DEBUG = env.bool("DEBUG", default=True)

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "axes",
    "django_otp",  # its middleware and login; the devices are apps.accounts.security.devices
    "knox",  # before apps.accounts, whose admin unregisters knox's token admin
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "oauth2_provider",
    "apps.accounts",
    "apps.patients",
    "apps.audit",
    "apps.notifications",
    "apps.ops",
    "apps.workingtime",
    "apps.pathways",
    "apps.tasks",
    "apps.referrals",
    "apps.scheduling",
    "apps.documents",
    "apps.mdt",
    "apps.neuropsych",
    "apps.transition",
    "apps.research",
    "apps.emergency_plans",
    "apps.diary",
    "apps.watch",
    "apps.questionnaires",
    "apps.videos",
    "apps.messaging",
    "apps.fhir",
    "apps.imports",
    "apps.caseload",
    "apps.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.ops.middleware.RequestIdMiddleware",
    "apps.ops.middleware.ContentSecurityPolicyMiddleware",
    "carecoord.errors.RefusalMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.ops.middleware.NoStoreMiddleware",  # after WhiteNoise: static files keep their caching
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Session limits, then whether the second step is done (apps/accounts/security).
    "apps.accounts.security.sessions.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.security.gate.SecondFactorMiddleware",
    "apps.ops.idempotency.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A page view's parts share what they read of a child's record (GET and HEAD only).
    "carecoord.request_memo.RequestMemoMiddleware",
    # Last, as django-axes asks: it turns a flagged lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "carecoord.urls"
WSGI_APPLICATION = "carecoord.wsgi.application"
ASGI_APPLICATION = "carecoord.asgi.application"

# Every form's fields show their length limit and never let the browser cut text (carecoord/limits.py).
FORM_RENDERER = "carecoord.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["carecoord.dates"],  # family_when / family_date: the one family date style
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.notifications.context_processors.unread_notifications",
                "apps.messaging.context_processors.unread_messages",
                "apps.imports.context_processors.can_import_caseload",
                "apps.research.context_processors.can_run_research_export",
                "apps.patients.context_processors.family_contact",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'carecoord.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection is checked before each request reuses it, so a dropped one is replaced, not a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode (README, "Scaling out") a session lasts one transaction: no
# server-side cursors across transactions, and no startup options (PgBouncer refuses them), so there
# jit=off is set on the database instead (ALTER DATABASE ... SET jit = off).
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT made the caseload 16x slower (it compiles for the planner's row estimate, not the
    # rows a page reads): off for the application's sessions. random_page_cost 1.1 (the default 4 is for
    # spinning disks) lets the planner read a few hundred rows through an index instead of hashing a
    # whole table (README, "At hospital scale").
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c random_page_cost=1.1"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets web, worker and beat share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:staff_login"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's password backend, which refuses staff when OIDC_DISABLE_PASSWORD_LOGIN is on.
    "apps.accounts.security.passwords.PasswordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("full_name", "email")},
    },
    {
        # 12 characters for staff and admin accounts, 10 for families.
        "NAME": "apps.accounts.security.passwords.MinimumLengthForKindValidator",
        "OPTIONS": {"staff_min_length": 12, "family_min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Family videos (apps/videos): private, never under STATIC or a public URL; served only through the
# app's range-request view after an access check. Local files under MEDIA_ROOT by default; an
# S3-compatible bucket (django-storages' S3 backend) when VIDEO_S3_BUCKET is set.
VIDEO_MAX_BYTES = env.int("VIDEO_MAX_MB", default=200) * 1024 * 1024
VIDEO_CHUNK_MAX_BYTES = env.int("VIDEO_CHUNK_MAX_MB", default=8) * 1024 * 1024
VIDEO_UPLOAD_EXPIRE_HOURS = env.int("VIDEO_UPLOAD_EXPIRE_HOURS", default=24)
VIDEO_FFMPEG = env.str("VIDEO_FFMPEG", default="ffmpeg")
VIDEO_FFPROBE = env.str("VIDEO_FFPROBE", default="ffprobe")
VIDEO_PROCESS_TIMEOUT_SECONDS = env.int("VIDEO_PROCESS_TIMEOUT_SECONDS", default=600)
VIDEO_S3_BUCKET = env.str("VIDEO_S3_BUCKET", default="")
if VIDEO_S3_BUCKET:
    STORAGES["videos"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": VIDEO_S3_BUCKET,
            "endpoint_url": env.str("VIDEO_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("VIDEO_S3_REGION", default="") or None,
            "access_key": env.str("VIDEO_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("VIDEO_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("VIDEO_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,  # never a public object URL (the app streams; it never redirects)
            "file_overwrite": True,
        },
    }
else:
    # No location: FileSystemStorage follows MEDIA_ROOT (and a test's override of it).
    STORAGES["videos"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# Email: console in development; SMTP from EMAIL_URL in production.
# Production has no default: console email would write password-reset links into the logs.
EMAIL_CONFIG = (
    env.email_url("EMAIL_URL") if PRODUCTION else env.email_url("EMAIL_URL", default="consolemail://")
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CareCoord <no-reply@carecoord.invalid>")
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

# Security. Production turns every checklist item on.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60
SESSION_IDLE_MINUTES = {
    "staff": env.int("SESSION_IDLE_MINUTES_STAFF", default=30),
    "family": env.int("SESSION_IDLE_MINUTES_FAMILY", default=60),
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # plain-HTTP probes from the orchestrator
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every attempt at INFO with the email and address masked; carecoord.security names them.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "ERROR"},
        "weasyprint": {"level": "WARNING"},  # its progress steps are INFO: one line per page per letter
        "fontTools": {"level": "WARNING"},
    },
}

# Cache: shared by every web process (throttles and rate limits count across them). Redis when
# REDIS_URL is set, a per-process memory cache otherwise (fine for one development process).
REDIS_URL = env.str("REDIS_URL", default="")
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "carecoord",
            # A Redis outage must not hang requests: throttles then let requests through.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sign-in defences (apps/accounts/security). Behind N reverse proxies that each append to
# X-Forwarded-For, set TRUSTED_PROXY_COUNT=N; with 0 the header is ignored (it can be forged).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address", "username"]]
AXES_USERNAME_FORM_FIELD = "username"  # the login forms' field (and authenticate()'s keyword)
AXES_USERNAME_CALLABLE = "apps.accounts.security.lockout.attempted_email"
AXES_CLIENT_IP_CALLABLE = "apps.accounts.security.network.client_ip"
AXES_LOCKOUT_CALLABLE = "apps.accounts.security.lockout.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = False
# Two-step verification (django-otp): on in production, off in development so the demo is one step.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="CareCoord")
BACKUP_CODE_COUNT = 10
# After an administrator changes an account's email, or resets its two-step verification, the other
# (and single sign-on, after an email change) waits this long (security/recovery.py).
ACCOUNT_RECOVERY_HOLD_HOURS = env.int("ACCOUNT_RECOVERY_HOLD_HOURS", default=24)
# Authenticator app keys are encrypted and backup codes keyed-hashed at rest (security/at_rest.py):
# Fernet keys, comma-separated, the first encrypting. Unset: a key derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[])
# Staff single sign-on with OpenID Connect (apps/accounts/security/sso.py), off by default. Give the
# provider's discovery URL (or issuer) in OIDC_OP_DISCOVERY, or each endpoint explicitly.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your organisation's account")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_OP_DISCOVERY = env.str("OIDC_OP_DISCOVERY", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_CREATE_USERS = env.bool("OIDC_CREATE_USERS", default=False)
OIDC_DISABLE_PASSWORD_LOGIN = env.bool("OIDC_DISABLE_PASSWORD_LOGIN", default=False)
OIDC_MFA_AMR_VALUES = env.list("OIDC_MFA_AMR_VALUES", default=["mfa", "otp", "hwk"])
OIDC_MFA_ACR_VALUES = env.list("OIDC_MFA_ACR_VALUES", default=[])
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5.0)
# Logging out of CareCoord also ends the provider's session (RP-initiated logout), so the next person at
# a shared workstation cannot press "Sign in with" and arrive as the last one. The endpoint comes from
# discovery (end_session_endpoint) or OIDC_OP_LOGOUT_ENDPOINT.
OIDC_SINGLE_LOGOUT = env.bool("OIDC_SINGLE_LOGOUT", default=True)
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_STORE_ID_TOKEN = True  # the logout's id_token_hint (kept in the server-side session)
# mozilla-django-oidc's own settings: PKCE, our two pages, and where a refusal lands.
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False  # creating accounts is sso.py's decision (OIDC_CREATE_USERS)
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
LOGIN_REDIRECT_URL_FAILURE = "/login/"
if OIDC_ENABLED:
    _missing = [
        name
        for name, value in [
            ("OIDC_RP_CLIENT_ID", OIDC_RP_CLIENT_ID),
            ("OIDC_RP_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET),
        ]
        if not value
    ]
    if not OIDC_OP_DISCOVERY and not all(
        [OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_USER_ENDPOINT, OIDC_OP_JWKS_ENDPOINT]
    ):
        _missing.append("OIDC_OP_DISCOVERY (or the four OIDC_OP_*_ENDPOINT settings)")
    if _missing:
        raise ImproperlyConfigured(f"OIDC_ENABLED needs {', '.join(_missing)}")
    AUTHENTICATION_BACKENDS.append("apps.accounts.security.sso.SingleSignOnBackend")
# Request rates ("N/second|minute|hour|day"), per signed-in user or, when anonymous, per address.
THROTTLE_RATES = {
    "user": env.str("THROTTLE_RATE_USER", default="300/minute"),
    "anon": env.str("THROTTLE_RATE_ANON", default="60/minute"),
    "intake": env.str("THROTTLE_RATE_INTAKE", default="30/hour"),
    "invitation_accept": env.str("THROTTLE_RATE_INVITATION_ACCEPT", default="10/hour"),
    "password_reset": env.str("THROTTLE_RATE_PASSWORD_RESET", default="5/hour"),
    "symptom_report": env.str("THROTTLE_RATE_SYMPTOM_REPORT", default="10/hour"),
}

# REST API
# Integration sign-in (FHIR): OAuth2 client credentials, SMART backend-services scopes per client.
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "apps.fhir.scopes.ClientScopes",
    "OAUTH2_VALIDATOR_CLASS": "apps.fhir.auth.ClientValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("FHIR_TOKEN_SECONDS", default=300),
    # RFC 9700 (OAuth 2.0 Security BCP): only client credentials are used, so every compliant
    # behaviour can be on (tokens hashed at rest, none in query strings, https redirects only).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # django-rest-knox tokens ("Authorization: Token <token>", hashed at rest); a staff token is
        # refused while two-step verification is required and not set up.
        "apps.accounts.security.tokens.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested past a limit is a 400 (Python's decoder would otherwise recurse into a 500).
    "DEFAULT_PARSER_CLASSES": [
        "carecoord.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "carecoord.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Rates live in THROTTLE_RATES; these classes read them at request time.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.accounts.security.throttles.AnonThrottle",
        "apps.accounts.security.throttles.UserThrottle",
        "apps.accounts.security.throttles.ScopedWriteThrottle",
    ],
}
# Personal API tokens (django-rest-knox): SHA-512 digests at rest, made by their owner, expiring.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
API_TOKEN_LIMIT = env.int("API_TOKEN_LIMIT", default=5)
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=API_TOKEN_DAYS),
    "TOKEN_LIMIT_PER_USER": API_TOKEN_LIMIT,
    "AUTO_REFRESH": False,
    "TOKEN_PREFIX": "cc_",  # recognisable to secret scanners
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CareCoord API",
    "DESCRIPTION": "Care coordination for children with opsoclonus-myoclonus syndrome.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; name each choice set so the schema stays unambiguous.
    "ENUM_NAME_OVERRIDES": {
        "PatientStatusEnum": "apps.patients.models.Patient.Status",
        "CaseloadImportStatusEnum": "apps.imports.models.CaseloadImport.Status",
        "ImportRowOutcomeEnum": "apps.imports.models.Outcome",
        "InvestigationStatusEnum": "apps.pathways.models.Investigation.Status",
        "CourseStatusEnum": "apps.pathways.models.TreatmentCourse.Status",
        "TrackStageEnum": "apps.pathways.models.SpecialtyTrack.Stage",
        "ReferralStatusEnum": "apps.referrals.models.Referral.Status",
        "TaskStatusEnum": "apps.tasks.models.Task.Status",
        "InvestigationKindEnum": "apps.pathways.models.Investigation.Kind",
        "AppointmentKindEnum": "apps.scheduling.models.Appointment.Kind",
        "AppointmentStatusEnum": "apps.scheduling.models.Appointment.Status",
        "AppointmentEventKindEnum": "apps.scheduling.models.AppointmentEvent.Kind",
        "SeriesStatusEnum": "apps.scheduling.models.TreatmentSeries.Status",
        "ThreadKindEnum": "apps.messaging.models.Thread.Kind",
        "ThreadStatusEnum": "apps.messaging.models.Thread.Status",
        "SymptomAmountEnum": "apps.pathways.models.SymptomReport.Amount",
        "DiaryLevelEnum": "apps.diary.models.Level",
    },
}

# Celery: Redis when REDIS_URL is set, otherwise the filesystem broker under var/.
BROKER_SOCKET_TIMEOUT_SECONDS = env.float("BROKER_SOCKET_TIMEOUT_SECONDS", default=1.0)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        # A hung Redis (accepting connections but never answering) fails a publish within a second,
        # so a request never waits on it; the outbox row stays pending for the sweeper.
        "socket_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
        "socket_connect_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
        # The worker's BRPOP must answer inside the socket timeout.
        "polling_interval": BROKER_SOCKET_TIMEOUT_SECONDS / 2,
        # An unacknowledged task (its worker was SIGKILLed) is redelivered within minutes, not an hour.
        # Longer than any task's hard time limit (CELERY_TASK_TIME_LIMIT), so a slow task is never run twice.
        "visibility_timeout": 300,
        "unacked_restore_interval": 30,
        "unacked_restore_throttle": 1,
    }
else:
    _broker_dir = VAR_DIR / "celery-broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery-control"),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish during a broker outage or hang gives up at once (one socket timeout, then the circuit
# breaker in notifications.services): the outbox row stays pending and the sweeper re-queues it.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_SOCKET_TIMEOUT_SECONDS
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "apps.ops.liveness:HeartbeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "pipeline-heartbeat": {"task": "apps.ops.tasks.pipeline_heartbeat", "schedule": 15.0},
    "idempotency-keys-prune": {"task": "apps.ops.tasks.prune_idempotency_keys", "schedule": 60.0 * 60},
    "outbox-sweep": {"task": "apps.notifications.tasks.sweep_outbox", "schedule": 60.0},
    "referral-service-levels": {"task": "apps.referrals.tasks.check_service_levels", "schedule": 60.0 * 10},
    "message-escalation": {
        "task": "apps.messaging.tasks.escalate_unanswered_messages",
        "schedule": 60.0 * 10,
    },
    "appointment-reminders": {
        "task": "apps.scheduling.tasks.send_appointment_reminders",
        "schedule": 60.0 * 15,
    },
    "due-reviews-daily": {
        "task": "apps.scheduling.tasks.open_due_reviews",
        "schedule": crontab(hour=6, minute=30),
    },
    # Drift in the stored re-evaluation dates (the services keep them; this recomputes every child). Its
    # own job, so the daily scan stays an index read; daily, so a date that moves with the calendar (a
    # school year) is at most a day stale when the scan runs an hour later.
    "review-schedules-daily": {
        "task": "apps.scheduling.tasks.repair_review_schedules",
        "schedule": crontab(hour=5, minute=30),
    },
    "unacknowledged-results": {
        "task": "apps.pathways.tasks.flag_unacknowledged_results",
        "schedule": 60.0 * 15,
    },
    # Bank holidays five years ahead (idempotent; the migration seeded the first years).
    "bank-holidays-yearly": {
        "task": "apps.workingtime.tasks.refresh_bank_holidays",
        "schedule": crontab(minute=0, hour=4, day_of_month=2, month_of_year=1),
    },
    "proxy-access-reviews-daily": {
        "task": "apps.pathways.tasks.review_proxy_access",
        "schedule": crontab(hour=6, minute=40),
    },
    "response-reviews-daily": {
        "task": "apps.pathways.tasks.open_response_reviews",
        "schedule": crontab(hour=6, minute=42),
    },
    "tumour-surveillance-daily": {
        "task": "apps.pathways.tasks.request_tumour_surveillance",
        "schedule": crontab(hour=6, minute=44),
    },
    "symptom-report-escalation": {
        "task": "apps.pathways.tasks.escalate_unreviewed_symptom_reports",
        "schedule": 60.0 * 10,
    },
    "absence-hand-over": {"task": "apps.tasks.tasks.hand_over_for_absence", "schedule": 60.0 * 30},
    # The caseload's stored scores: time-based parts (overdue, no recent contact) and drift; hourly,
    # so the first run of a day comes 5 minutes after midnight.
    "attention-scores-hourly": {
        "task": "apps.caseload.tasks.refresh_attention_scores",
        "schedule": crontab(minute=5),
    },
    "course-follow-up-daily": {
        "task": "apps.scheduling.tasks.check_course_follow_up",
        "schedule": crontab(hour=6, minute=45),
    },
    "transition-milestones-daily": {
        "task": "apps.transition.tasks.open_transition_milestones",
        "schedule": crontab(hour=6, minute=47),
    },
    # Research exports: delete the files of expired exports (the audit records stay).
    "research-exports-expire": {
        "task": "apps.research.tasks.expire_research_exports",
        "schedule": crontab(minute=20),
    },
    # FHIR bulk export: queue pending exports again after a broker outage; delete expired files and rows.
    "fhir-bulk-export-sweep": {"task": "apps.fhir.tasks.sweep_bulk_exports", "schedule": 60.0},
    # Families of children in a watch are asked for the day's diary in the early evening.
    "diary-prompts-daily": {
        "task": "apps.watch.tasks.send_diary_prompts",
        "schedule": crontab(hour=18, minute=0),
    },
    "questionnaire-assignments-daily": {
        "task": "apps.questionnaires.tasks.create_due_questionnaire_assignments",
        "schedule": crontab(hour=6, minute=49),
    },
    # Family videos: re-queue processing the worker never picked up (Redis down), drop abandoned
    # uploads and their partial files, and delete videos past the retention period.
    "video-processing-sweep": {"task": "apps.videos.tasks.sweep_video_processing", "schedule": 60.0 * 2},
    "video-uploads-expire": {"task": "apps.videos.tasks.expire_video_uploads", "schedule": 60.0 * 30},
    "video-retention-daily": {
        "task": "apps.videos.tasks.delete_expired_videos",
        "schedule": crontab(hour=3, minute=15),
    },
}

# FHIR bulk export: files live in a private directory (never under static or a served URL), are
# downloaded only with the exporting client's token, and are deleted this many hours after the export.
FHIR_EXPORT_DIR = Path(env.str("FHIR_EXPORT_DIR", default=str(VAR_DIR / "fhir-exports")))
FHIR_EXPORT_HOURS = env.int("FHIR_EXPORT_HOURS", default=24)
FHIR_EXPORT_SWEEP_AFTER_SECONDS = env.int("FHIR_EXPORT_SWEEP_AFTER_SECONDS", default=120)
# A running export not finished after this is taken to be lost with its worker, and queued again.
FHIR_EXPORT_STALE_SECONDS = env.int("FHIR_EXPORT_STALE_SECONDS", default=1800)

# Domain settings
BREAK_GLASS_HOURS = env.int("BREAK_GLASS_HOURS", default=12)
OUTBOX_SWEEP_AFTER_SECONDS = env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=120)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# The one retry schedule (seconds after the 1st, 2nd, ... failed attempt; the last step repeats).
OUTBOX_RETRY_SECONDS = env.list("OUTBOX_RETRY_SECONDS", cast=int, default=[60, 120, 300, 600, 1800, 3600])
# A send still unfinished after this may have reached the SMTP server: it becomes "unknown", not re-sent.
# Longer than EMAIL_TIMEOUT plus the send task's hard time limit.
OUTBOX_SENDING_TIMEOUT_SECONDS = env.int("OUTBOX_SENDING_TIMEOUT_SECONDS", default=300)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
HEALTHZ_OUTBOX_MAX_DELAY_SECONDS = env.int("HEALTHZ_OUTBOX_MAX_DELAY_SECONDS", default=600)
HEALTHZ_WORKER_MAX_AGE_SECONDS = env.int("HEALTHZ_WORKER_MAX_AGE_SECONDS", default=120)
HEALTHZ_BEAT_MAX_AGE_SECONDS = env.int("HEALTHZ_BEAT_MAX_AGE_SECONDS", default=120)
DEMO_PASSWORD = env.str("CARECOORD_DEMO_PASSWORD", default="carecoord-demo-only")
REQUIRE_SERVICES = env.bool("CARECOORD_REQUIRE_SERVICES", default=False)
RESULT_ACKNOWLEDGE_DAYS = env.int("RESULT_ACKNOWLEDGE_DAYS", default=7)
WORKING_DAY_START_HOUR = env.int("WORKING_DAY_START_HOUR", default=9)
WORKING_DAY_END_HOUR = env.int("WORKING_DAY_END_HOUR", default=17)
MESSAGE_RESPONSE_WORKING_HOURS = env.int("MESSAGE_RESPONSE_WORKING_HOURS", default=8)
MESSAGE_EMAIL_QUIET_MINUTES = env.int("MESSAGE_EMAIL_QUIET_MINUTES", default=60)
# The header's unread count is kept per web process until a message or a read moves it, and at most
# this long (the time a new care team or cover takes to reach the number; 0 counts on every page).
HEADER_UNREAD_KEPT_SECONDS = env.int("HEADER_UNREAD_KEPT_SECONDS", default=60)

# Clinical safety controls (docs/safety/hazard-log.md). Demo defaults: the clinic sets its own.
PROXY_ACCESS_REVIEW_AGES = env.list("PROXY_ACCESS_REVIEW_AGES", cast=int, default=[11, 13, 16])
PROXY_ACCESS_REVIEW_LEAD_DAYS = env.int("PROXY_ACCESS_REVIEW_LEAD_DAYS", default=28)
# Transition to adult services (NICE NG43) opens a plan from this age; its milestones are data.
TRANSITION_PLAN_FROM_AGE = env.int("TRANSITION_PLAN_FROM_AGE", default=13)
# Research export (apps/research). The pseudonym key is a secret: exports are refused in production
# without it; elsewhere a labelled development default is derived from SECRET_KEY.
RESEARCH_PSEUDONYM_KEY = env.str("RESEARCH_PSEUDONYM_KEY", default="")
RESEARCH_MIN_CELL = env.int("RESEARCH_MIN_CELL", default=5)
RESEARCH_EXPORT_ROOT = Path(env.str("RESEARCH_EXPORT_ROOT", default=str(VAR_DIR / "research-exports")))
RESEARCH_EXPORT_HOURS = env.int("RESEARCH_EXPORT_HOURS", default=24)
RESEARCH_OUTCOME_WINDOW_WEEKS = env.int("RESEARCH_OUTCOME_WINDOW_WEEKS", default=8)
COURSE_FOLLOW_UP_WEEKS = env.int("COURSE_FOLLOW_UP_WEEKS", default=6)
RESPONSE_REVIEW_MONTHS = env.int("RESPONSE_REVIEW_MONTHS", default=3)
RESPONSE_REVIEW_LEAD_DAYS = env.int("RESPONSE_REVIEW_LEAD_DAYS", default=14)
INVESTIGATION_BOOKING_TARGET_DAYS = env.int("INVESTIGATION_BOOKING_TARGET_DAYS", default=28)
INVESTIGATION_DONE_GRACE_DAYS = env.int("INVESTIGATION_DONE_GRACE_DAYS", default=7)
SYMPTOM_REVIEW_WORKING_HOURS = env.int("SYMPTOM_REVIEW_WORKING_HOURS", default=4)
ABNORMAL_RESULT_ACKNOWLEDGE_WORKING_DAYS = env.int("ABNORMAL_RESULT_ACKNOWLEDGE_WORKING_DAYS", default=1)
# Service levels for a team and urgency with no ServiceLevelTarget row: (triage working days, seen within
# calendar days). Demo defaults; set rows in the admin for real targets. An empty dict turns this off.
SERVICE_LEVEL_DEFAULTS = {"routine": (5, 42), "urgent": (2, 14), "emergency": (1, 2)}
