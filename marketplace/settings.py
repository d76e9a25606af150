"""The one settings module. Everything that varies between machines comes from the environment.

Variables: DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, PORT,
RURALMART_DATA_DIR, and the ALIPAY_* settings used by the payments adapter.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("RURALMART_DATA_DIR", ".ruralmart")).expanduser().resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise generate one once and keep it under the data dir."""
    configured = os.environ.get("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
PORT = int(os.environ.get("PORT", "8000"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "graphene_django",
    "marketplace",
    "django_celery_beat",
    "marketplace.accounts",
    "marketplace.divisions",
    "marketplace.organisations",
    "marketplace.channels",
    "marketplace.catalog",
    "marketplace.inventory",
    "marketplace.bookings",
    "marketplace.checkout",
    "marketplace.orders",
    "marketplace.payments",
    "marketplace.content",
    "marketplace.red_supermarket",
    "marketplace.notifications",
    "marketplace.audit",
    "marketplace.activity",
    "marketplace.supervision",
    "marketplace.oversight",
    "marketplace.agency",
    "logistics",
    "collective_econ",
    "storefront_api",
    "admin.apps.BackOfficeConfig",
]

MIDDLEWARE = [
    "marketplace.core.query_count.QueryCountMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin CSS, GraphiQL) straight from the Django process, gunicorn included.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "marketplace.accounts.middleware.BearerTokenMiddleware",
    # After authentication: gathers a request's reads of unmasked personal data into one
    # audit write (marketplace.audit.reads).
    "marketplace.audit.reads.PersonalDataReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# DATABASE_URL is always set by the time settings load under `ruralmart`/`make`: either by
# the operator or by the embedded-server wrapper (marketplace.embedded_db).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ruralmart"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
# The test database is named after the database in use, so suites run against different
# databases of one server (two checkouts, CI beside a developer) never share or drop each
# other's test database.
DATABASES["default"]["TEST"] = {
    "NAME": os.environ.get("TEST_DATABASE_NAME", f"test_{DATABASES['default']['NAME']}")
}
# PostgreSQL's default random_page_cost (4) models spinning disks and makes the planner scan
# whole tables where an index probe is cheaper: with it, a search for a common word read all
# 10,000 channel listings instead of 300 index entries. 1.1 is the usual SSD setting. Set
# PG_RANDOM_PAGE_COST to empty to leave the server's own value (e.g. behind a pooler that
# refuses startup options).
# Server-side parameter binding lets psycopg prepare statements it sees repeatedly, so the
# storefront's hot queries skip PostgreSQL's planner after a few runs (0.3–0.7 ms each).
DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = _env_bool(
    "PG_SERVER_SIDE_BINDING", True
)
if os.environ.get("PG_RANDOM_PAGE_COST", "1.1"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c random_page_cost={float(os.environ.get('PG_RANDOM_PAGE_COST', '1.1'))}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves STATIC_ROOT once `ruralmart collectstatic` has filled it: production
# serves exactly what was collected, indexed once per process. Before anything is collected
# (tests, a fresh checkout, DEBUG) it finds files in the apps' own static folders instead.
# Not always: with finders on, WhiteNoise prefers the apps' copies over the collected ones.
# "Collected" means a file collectstatic always writes is there (django.contrib.admin is
# installed), not merely that the folder exists: an empty STATIC_ROOT, or one some other
# tool created, would otherwise switch the finders off and admin CSS and GraphiQL would 404
# without a word.
_static_collected = (STATIC_ROOT / "admin" / "css" / "base.css").is_file()
WHITENOISE_USE_FINDERS = DEBUG or not _static_collected
if not _static_collected:
    # WhiteNoise warns in every process that STATIC_ROOT is missing; the finders stand in.
    warnings.filterwarnings("ignore", message=re.escape(f"No directory at: {STATIC_ROOT}"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("RURALMART_MEDIA_ROOT", DATA_DIR / "media"))
# Letters and evidence with personal data: never under MEDIA_ROOT, never served by a URL of
# their own; only through the back office's checked, audited download view.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("RURALMART_PRIVATE_MEDIA_ROOT", DATA_DIR / "private"))

# --- Celery -------------------------------------------------------------------------------
# With no broker configured, tasks run eagerly in the calling process (as Saleor does).
# The in-memory transport is a placeholder that eager mode never uses; it keeps Celery from
# guessing at a broker on localhost (and saying so) in every process that schedules a task.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Periodic work. The DatabaseScheduler copies these entries into django-celery-beat's
# tables at start, where the back office can pause or re-time them.
CELERY_BEAT_SCHEDULE = {
    # Data requests past their expiry become EXPIRED (reads already ignore them).
    "audit-expire-data-requests": {"task": "audit.expire_data_requests", "schedule": 900.0},
    # Open Alipay trades with no notification yet: ask Alipay and record its answer.
    "payments-reconcile-pending": {"task": "payments.reconcile_pending", "schedule": 60.0},
    # Trades unpaid after PAYMENT_TIMEOUT_MINUTES: close them and free their stock.
    "payments-close-expired": {"task": "payments.close_expired", "schedule": 120.0},
    # Cash-at-the-counter orders unpaid after COUNTER_PAYMENT_DAYS: cancel them (stock and
    # booking days back on sale). Hourly is plenty for a limit counted in days.
    "orders-cancel-unpaid-counter-orders": {
        "task": "orders.cancel_unpaid_counter_orders",
        "schedule": 3600.0,
    },
    "checkout-delete-expired-reservations": {
        "task": "checkout.delete_expired_reservations",
        "schedule": 300.0,
    },
    "checkout-release-expired-booking-holds": {
        "task": "checkout.release_expired_booking_holds",
        "schedule": 300.0,
    },
    # Parcels waiting at a village station: remind the buyer daily, send back when overdue.
    # Agency orders and withdrawals whose outcome is unknown: query the provider again.
    "agency-sweep-unknown": {"task": "agency.sweep_unknown", "schedule": 60.0},
    # Yesterday's provider statements and Alipay bill against our records (idempotent).
    "agency-reconcile-yesterday": {"task": "agency.reconcile_yesterday", "schedule": 3600.0},
    # Ticket holds that ran out unpaid: released at the provider, marked CANCELLED.
    "agency-release-expired-ticket-holds": {
        "task": "agency.release_expired_ticket_holds",
        "schedule": 60.0,
    },
    # Counter sales left PENDING past COUNTER_STALE_PENDING_SECONDS: settle or cancel them.
    "counter-settle-stale-pending": {"task": "counter.settle_stale_pending", "schedule": 60.0},
    "logistics-remind-or-return-uncollected": {
        "task": "logistics.remind_or_return_uncollected",
        "schedule": 3600.0,
    },
    # Fulfilled lines past the refund window settle into the ledger; refunds after
    # settlement are clawed back. Idempotent per line and refund, so any cadence is safe.
    "collective-econ-settle-due": {"task": "collective_econ.settle_due", "schedule": 600.0},
    # Alipay payouts left PENDING by a process that died mid-transfer: ask Alipay, record
    # its answer once (never sends money).
    "collective-econ-recover-stuck-payouts": {
        "task": "collective_econ.recover_stuck_payouts",
        "schedule": 300.0,
    },
    # The last calendar month's period close (snapshots reports start from). Idempotent
    # per month: hourly closes each month once, soon after it ends.
    "collective-econ-close-last-month": {
        "task": "collective_econ.close_last_month",
        "schedule": 3600.0,
    },
    # Notifications whose task never ran (broker down) or whose quiet hours ended; SMS with
    # no delivery receipt yet are asked about (QuerySendDetails).
    "notifications-dispatch-due": {"task": "notifications.dispatch_due", "schedule": 60.0},
    "notifications-poll-sms-delivery": {
        "task": "notifications.poll_sms_delivery",
        "schedule": 300.0,
    },
    # Parcels logged in at a station: reminders, and back to the carrier when overdue.
    "logistics-parcels-remind-or-return": {
        "task": "logistics.parcels_remind_or_return",
        "schedule": 3600.0,
    },
    # Township supervision: queue deadlines daily; reports and the red flag on the first
    # day of a period for the previous one; the cadence reminders on their days (each task
    # decides by the date and is idempotent per kind, period and recipient).
    "supervision-remind-queue-deadlines": {
        "task": "supervision.remind_queue_deadlines",
        "schedule": crontab(hour=8, minute=0),
    },
    "supervision-generate-periodic-reports": {
        "task": "supervision.generate_periodic_reports",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
    "supervision-rank-red-flag": {
        "task": "supervision.rank_red_flag",
        "schedule": crontab(day_of_month=1, month_of_year="1,4,7,10", hour=3, minute=0),
    },
    "supervision-cadence": {
        "task": "supervision.send_cadence",
        "schedule": crontab(day_of_month="1,15,28", hour=9, minute=0),
    },
    # The bureau dashboards' figures: only months touched since the last run are rebuilt.
    "oversight-refresh-figures": {
        "task": "oversight.refresh_figures",
        "schedule": crontab(hour=2, minute=30),
    },
}
# --- Township oversight: dashboard thresholds --------------------------------------------
# The poverty-monitoring line and "near" margin are collective_econ's (below).
# Percentages: a village's refunds over its sales, a SKU's price spread within a period.
OVERSIGHT_REFUND_RATE_THRESHOLD = os.environ.get("OVERSIGHT_REFUND_RATE_THRESHOLD", "10")
OVERSIGHT_PRICE_CHANGE_THRESHOLD = os.environ.get("OVERSIGHT_PRICE_CHANGE_THRESHOLD", "30")
# The nightly refresh also re-reads changes this much older than its last mark (clock skew
# between app servers and the database).
OVERSIGHT_REFRESH_MARGIN_SECONDS = int(os.environ.get("OVERSIGHT_REFRESH_MARGIN_SECONDS", "600"))
# A single cash withdrawal at or above this share of the card's daily limit is listed on
# the dashboard as unusual.
OVERSIGHT_UNUSUAL_WITHDRAWAL_SHARE = os.environ.get("OVERSIGHT_UNUSUAL_WITHDRAWAL_SHARE", "0.8")
OVERSIGHT_STALE_LISTING_DAYS = int(os.environ.get("OVERSIGHT_STALE_LISTING_DAYS", "30"))
PAYMENT_TIMEOUT_MINUTES = int(os.environ.get("PAYMENT_TIMEOUT_MINUTES", "30"))
PAYMENT_RECONCILE_AFTER_MINUTES = int(os.environ.get("PAYMENT_RECONCILE_AFTER_MINUTES", "2"))
# Days a buyer has to pay a cash-at-the-counter order before it is cancelled.
COUNTER_PAYMENT_DAYS = int(os.environ.get("COUNTER_PAYMENT_DAYS", "3"))
# Red Supermarket counter: the channel its prices come from, and how long an Alipay
# face-to-face payment may wait for the buyer (polled every POLL seconds) before the
# counter cancels it at Alipay and gives the stock back.
RED_SUPERMARKET_COUNTER_CHANNEL = os.environ.get(
    "RED_SUPERMARKET_COUNTER_CHANNEL", "village-counter"
)
COUNTER_ALIPAY_POLL_SECONDS = float(os.environ.get("COUNTER_ALIPAY_POLL_SECONDS", "2"))
COUNTER_ALIPAY_TIMEOUT_SECONDS = float(os.environ.get("COUNTER_ALIPAY_TIMEOUT_SECONDS", "60"))
# Alipay counter sales still PENDING this long (the page was closed before the buyer paid)
# are settled by the beat sweep: finished if Alipay says paid, else cancelled there.
COUNTER_STALE_PENDING_SECONDS = float(os.environ.get("COUNTER_STALE_PENDING_SECONDS", "120"))

# --- Collective economy: settlement -------------------------------------------------------
# Days after fulfilment (or after a stay or experience ends) during which a buyer may still
# get a refund; a line settles only once they have passed.
SETTLEMENT_REFUND_WINDOW_DAYS = int(os.environ.get("SETTLEMENT_REFUND_WINDOW_DAYS", "7"))
SETTLEMENT_BATCH_SIZE = int(os.environ.get("SETTLEMENT_BATCH_SIZE", "200"))
# An Alipay payout still PENDING this long after its transfer was sent is treated as of
# unknown outcome and asked about (a live transfer call answers within seconds).
PAYOUT_PENDING_RECOVER_AFTER_MINUTES = int(
    os.environ.get("PAYOUT_PENDING_RECOVER_AFTER_MINUTES", "15")
)
# The platform's fee per channel slug, as a fraction of the line's price ("0.00" is valid:
# the 832 platform charges none). JSON, e.g. {"urban-retail": "0.02"}; channels not listed
# pay PLATFORM_FEE_DEFAULT_RATE.
PLATFORM_FEE_RATES: dict[str, str] = json.loads(os.environ.get("PLATFORM_FEE_RATES", "{}"))
PLATFORM_FEE_DEFAULT_RATE = os.environ.get("PLATFORM_FEE_DEFAULT_RATE", "0.00")
# A consignment line whose shop and household have no ConsignmentAgreement.
CONSIGNMENT_DEFAULT_COMMISSION_RATE = os.environ.get("CONSIGNMENT_DEFAULT_COMMISSION_RATE", "0.10")
# Household income statements: the poverty-monitoring line (防返贫监测线, yuan per person
# per year) where a province has no PovertyMonitoringLine row for the year; a household is
# flagged "near" below line x (1 + margin), and "falling" after this many months of decline.
POVERTY_MONITORING_LINE_DEFAULT = os.environ.get("POVERTY_MONITORING_LINE_DEFAULT", "7000.00")
POVERTY_MONITORING_MARGIN = os.environ.get("POVERTY_MONITORING_MARGIN", "0.10")
POVERTY_MONITORING_FALLING_MONTHS = int(os.environ.get("POVERTY_MONITORING_FALLING_MONTHS", "3"))

# --- Township supervision ---------------------------------------------------------------
# Working days a township has to decide a queue item (shop application, certification
# claim), and how many days before the deadline the officer is first reminded.
SUPERVISION_QUEUE_DUE_WORKING_DAYS = int(os.environ.get("SUPERVISION_QUEUE_DUE_WORKING_DAYS", "5"))
SUPERVISION_REMIND_DAYS_BEFORE = int(os.environ.get("SUPERVISION_REMIND_DAYS_BEFORE", "2"))
# A shop whose prices or stock changed within this many days counts as up to date.
SUPERVISION_TIMELY_DAYS = int(os.environ.get("SUPERVISION_TIMELY_DAYS", "14"))
# Cadence: an order unanswered after this many hours, an administrator absent this many days.
SUPERVISION_UNANSWERED_ORDER_HOURS = int(os.environ.get("SUPERVISION_UNANSWERED_ORDER_HOURS", "48"))
SUPERVISION_NO_LOGIN_DAYS = int(os.environ.get("SUPERVISION_NO_LOGIN_DAYS", "7"))
# Evidence files attached to a certification claim.
SUPERVISION_EVIDENCE_MAX_BYTES = int(os.environ.get("SUPERVISION_EVIDENCE_MAX_BYTES", str(5 << 20)))
# How many of the last-ranked villages get the "at the bottom" notice.
SUPERVISION_RED_FLAG_BOTTOM = int(os.environ.get("SUPERVISION_RED_FLAG_BOTTOM", "2"))

# --- Checkout ----------------------------------------------------------------------------
# How long a checkout line holds stock or tourism capacity (0: decide only at completion).
RESERVE_STOCK_DURATION_MINUTES = int(os.environ.get("RESERVE_STOCK_DURATION_MINUTES", "20"))
MAX_CHECKOUT_LINE_QUANTITY = int(os.environ.get("MAX_CHECKOUT_LINE_QUANTITY", "50"))

# --- API ----------------------------------------------------------------------------------
GRAPHENE = {"SCHEMA": "storefront_api.schema.schema"}
GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", "12"))
GRAPHQL_MAX_COST = int(os.environ.get("GRAPHQL_MAX_COST", "50000"))
# Top-level fields per operation and aliased fields per document: storefront pages use a
# handful of each; hundreds only serve to multiply the work of one request.
GRAPHQL_MAX_ROOT_FIELDS = int(os.environ.get("GRAPHQL_MAX_ROOT_FIELDS", "20"))
GRAPHQL_MAX_ALIASES = int(os.environ.get("GRAPHQL_MAX_ALIASES", "30"))
JWT_ACCESS_TTL_SECONDS = int(os.environ.get("JWT_ACCESS_TTL_SECONDS", "300"))
JWT_REFRESH_TTL_SECONDS = int(os.environ.get("JWT_REFRESH_TTL_SECONDS", str(30 * 24 * 3600)))
THUMBNAIL_SIZES = (32, 64, 128, 256, 512, 1024, 2048, 4096)

# Outside services. Production points these at the real Alipay gateway.
ALIPAY_APP_ID = os.environ.get("ALIPAY_APP_ID", "2021000000000001")
# Empty ALIPAY_GATEWAY means the project's local sandbox, with keys under the data dir.
ALIPAY_GATEWAY = os.environ.get("ALIPAY_GATEWAY", "")
ALIPAY_SELLER_ID = os.environ.get("ALIPAY_SELLER_ID", "")
ALIPAY_PRIVATE_KEY_PATH = os.environ.get("ALIPAY_PRIVATE_KEY_PATH", "")
ALIPAY_PUBLIC_KEY_PATH = os.environ.get("ALIPAY_PUBLIC_KEY_PATH", "")
ALIPAY_NOTIFY_URL = os.environ.get("ALIPAY_NOTIFY_URL", "")
ALIPAY_RETURN_URL = os.environ.get("ALIPAY_RETURN_URL", "")
ALIPAY_SANDBOX_URL = os.environ.get("ALIPAY_SANDBOX_URL", "http://127.0.0.1:8001/gateway.do")
# The demo gateway (`saleor.io.dummy-payment-app`: payments that move no money, so Saleor's
# own storefront can complete an order). Off unless set; `ruralmart demo` sets it. It is
# refused (ImproperlyConfigured) next to a real ALIPAY_GATEWAY: production never offers it.
DEMO_PAYMENT_GATEWAY = _env_bool("DEMO_PAYMENT_GATEWAY")
if DEMO_PAYMENT_GATEWAY and ALIPAY_GATEWAY:
    raise ImproperlyConfigured(
        "DEMO_PAYMENT_GATEWAY takes payments that move no money; it cannot run beside a real "
        "ALIPAY_GATEWAY. Unset one of them."
    )

# --- Carrier (Kuaidi100) and village stations -----------------------------------------------
# The local sandbox (`ruralmart carrier_sandbox`) by default. Production: KUAIDI100_BASE_URL
# https://poll.kuaidi100.com, KUAIDI100_LABEL_BASE_URL https://api.kuaidi100.com, and the
# account's key, customer and secret.
KUAIDI100_SANDBOX_URL = os.environ.get("KUAIDI100_SANDBOX_URL", "http://127.0.0.1:8002")
KUAIDI100_BASE_URL = os.environ.get("KUAIDI100_BASE_URL", "") or KUAIDI100_SANDBOX_URL
KUAIDI100_LABEL_BASE_URL = os.environ.get("KUAIDI100_LABEL_BASE_URL", "") or KUAIDI100_BASE_URL
KUAIDI100_KEY = os.environ.get("KUAIDI100_KEY", "sandbox-key")
KUAIDI100_CUSTOMER = os.environ.get("KUAIDI100_CUSTOMER", "SANDBOXCUSTOMER")
KUAIDI100_SECRET = os.environ.get("KUAIDI100_SECRET", "sandbox-secret")
# Kuaidi100 signs each push with MD5(param + salt), the salt we gave when subscribing.
KUAIDI100_CALLBACK_SALT = os.environ.get("KUAIDI100_CALLBACK_SALT", "sandbox-salt")
KUAIDI100_CALLBACK_URL = os.environ.get(
    "KUAIDI100_CALLBACK_URL", f"http://127.0.0.1:{PORT}/logistics/kuaidi100/callback/"
)
# Wrong pickup codes before a parcel locks (the operator then checks the buyer's ID).
PICKUP_CODE_MAX_ATTEMPTS = int(os.environ.get("PICKUP_CODE_MAX_ATTEMPTS", "5"))
# Days at the station before the first reminder, and before the parcel goes back: our
# shipments and the parcels logged in at the counter alike (logistics/stations/pickup.py).
PICKUP_REMINDER_AFTER_DAYS = int(os.environ.get("PICKUP_REMINDER_AFTER_DAYS", "3"))
PICKUP_RETURN_AFTER_DAYS = int(os.environ.get("PICKUP_RETURN_AFTER_DAYS", "7"))

# --- Notifications (SMS through Aliyun Dysmsapi, e-mail, in-app inbox) ---------------------
# The local sandbox (`ruralmart sms_sandbox`) by default; production sets ALIYUN_SMS_ENDPOINT
# https://dysmsapi.aliyuncs.com and the account's key pair and approved sign name.
ALIYUN_SMS_SANDBOX_URL = os.environ.get("ALIYUN_SMS_SANDBOX_URL", "http://127.0.0.1:8003")
ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT", "") or ALIYUN_SMS_SANDBOX_URL
ALIYUN_SMS_ACCESS_KEY_ID = os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", "sandbox-access-key-id")
ALIYUN_SMS_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", "sandbox-secret")
ALIYUN_SMS_SIGN_NAME = os.environ.get("ALIYUN_SMS_SIGN_NAME", "乡村集市")
# Aliyun's SmsReport pushes are unsigned: the receiving URL carries this token.
ALIYUN_SMS_REPORT_TOKEN = os.environ.get("ALIYUN_SMS_REPORT_TOKEN", "sandbox-report-token")
ALIYUN_SMS_REPORT_URL = os.environ.get(
    "ALIYUN_SMS_REPORT_URL",
    f"http://127.0.0.1:{PORT}/notifications/aliyun/sms-report/?token={ALIYUN_SMS_REPORT_TOKEN}",
)
# SMS per number per rolling hour; the excess waits THROTTLED until the hour lets it through.
NOTIFY_SMS_PER_PHONE_PER_HOUR = int(os.environ.get("NOTIFY_SMS_PER_PHONE_PER_HOUR", "5"))
# Asia/Shanghai; non-urgent SMS asked for inside wait until the end. Empty: no quiet hours.
NOTIFY_QUIET_HOURS = os.environ.get("NOTIFY_QUIET_HOURS", "21:00-08:00")
# --- Agency services (代办) ----------------------------------------------------------------
# Each provider's adapter talks to AGENCY_<CODE>_URL with its merchant id, signing as
# AGENCY_<CODE>_SIGN_TYPE says: "HMAC-SHA256" with AGENCY_<CODE>_KEY, or "RSA2" with our
# AGENCY_<CODE>_PRIVATE_KEY(_PATH) and the provider's AGENCY_<CODE>_PROVIDER_PUBLIC_KEY(_PATH).
# Without a URL a provider is its own gateway in the local sandbox (`ruralmart
# agency_sandbox`, <AGENCY_SANDBOX_URL>/gw/<code>), whose RSA keys are generated under the
# data dir; a real URL never falls back to generated keys.
AGENCY_SANDBOX_URL = os.environ.get("AGENCY_SANDBOX_URL", "http://127.0.0.1:8006")
AGENCY_DEFAULT_SIGN_TYPES = {
    "utility": "HMAC-SHA256",
    "telecom": "HMAC-SHA256",
    "insurance": "RSA2",
    "tickets": "RSA2",
    "acquirer": "HMAC-SHA256",
}


def _agency_provider(code: str) -> dict[str, Any]:
    def env(name: str, default: str = "") -> str:
        return os.environ.get(f"AGENCY_{code.upper()}_{name}", default)

    return {
        "url": env("URL") or f"{AGENCY_SANDBOX_URL.rstrip('/')}/gw/{code}",
        "sandbox": not env("URL"),
        "merchant_id": env("MERCHANT_ID", f"M-{code}"),
        "sign_type": env("SIGN_TYPE", AGENCY_DEFAULT_SIGN_TYPES[code]).upper(),
        "key": env("KEY", f"sandbox-{code}-key" if not env("URL") else ""),
        "private_key": env("PRIVATE_KEY"),
        "private_key_path": env("PRIVATE_KEY_PATH"),
        "provider_public_key": env("PROVIDER_PUBLIC_KEY"),
        "provider_public_key_path": env("PROVIDER_PUBLIC_KEY_PATH"),
    }


AGENCY_PROVIDERS = {code: _agency_provider(code) for code in AGENCY_DEFAULT_SIGN_TYPES}
# Where providers POST results: <base>/agency/callback/<provider>/.
AGENCY_CALLBACK_BASE_URL = os.environ.get("AGENCY_CALLBACK_BASE_URL", f"http://127.0.0.1:{PORT}")
AGENCY_PROVIDER_TIMEOUT_SECONDS = float(os.environ.get("AGENCY_PROVIDER_TIMEOUT_SECONDS", "5"))
# Queries of an unknown outcome before the order goes to manual review.
AGENCY_QUERY_MAX_ATTEMPTS = int(os.environ.get("AGENCY_QUERY_MAX_ATTEMPTS", "6"))
# 助农取款 limits in yuan: per bank card per day (county-wide), per supermarket per day.
AGENCY_WITHDRAWAL_CARD_DAILY_LIMIT = os.environ.get("AGENCY_WITHDRAWAL_CARD_DAILY_LIMIT", "2000")
AGENCY_WITHDRAWAL_STATION_DAILY_LIMIT = os.environ.get(
    "AGENCY_WITHDRAWAL_STATION_DAILY_LIMIT", "20000"
)

# --- Accounts ----------------------------------------------------------------------------
ACCOUNT_CONFIRMATION_REQUIRED = _env_bool("ACCOUNT_CONFIRMATION_REQUIRED", True)
ALLOWED_CLIENT_HOSTS = _env_list("ALLOWED_CLIENT_HOSTS", "localhost,127.0.0.1")
LOGIN_THROTTLE_ACCOUNT_LIMIT = int(os.environ.get("LOGIN_THROTTLE_ACCOUNT_LIMIT", "5"))
LOGIN_THROTTLE_IP_LIMIT = int(os.environ.get("LOGIN_THROTTLE_IP_LIMIT", "20"))
LOGIN_THROTTLE_WINDOW_SECONDS = int(os.environ.get("LOGIN_THROTTLE_WINDOW_SECONDS", "900"))
LOGIN_TRUST_X_FORWARDED_FOR = _env_bool("LOGIN_TRUST_X_FORWARDED_FOR")
# Emails (confirmation, password reset, order notices): the console in the demo, a file
# backend with EMAIL_FILE_PATH, or SMTP via EMAIL_BACKEND/EMAIL_HOST in production.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@ruralmart.local")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "ruralmart": {"level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": True},
        "django.request": {"level": "ERROR"},
    },
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
