import logging
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from core.outbox import outbox_list, outbox_mail

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database unreachable")
        return False


def _broker_ok() -> bool:
    # A fresh connection from the settings, not Celery's pool: the answer must be
    # about the broker now, not about a connection opened earlier.
    connection = Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=3,
    )
    try:
        with connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0.2, timeout=3
            )
            with connection.channel():
                pass
        return True
    except Exception:
        logger.exception("healthz: broker unreachable")
        return False


@never_cache
@require_GET
def public_healthz(request):
    """Report whether the database and the broker answer (for load balancers)."""
    checks = {
        "database": "ok" if _database_ok() else "unreachable",
        "broker": "ok" if _broker_ok() else "unreachable",
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks},
        status=200 if healthy else 503,
    )


def _debug_only():
    # The Outbox exists for people trying Canvass; it needs no login so a password
    # reset mail can be read, which is why it must never exist in production.
    if not settings.DEBUG:
        raise Http404("The Outbox exists only when DEBUG is true.")


@never_cache
@require_GET
def public_outbox(request):
    _debug_only()
    folder = Path(settings.EMAIL_FILE_PATH)
    return render(
        request,
        "core/outbox.html",
        {
            "mails": outbox_list(folder),
            "folder": folder,
            "uses_smtp": settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"),
        },
    )


@never_cache
@require_GET
def public_outbox_message(request, file_name, index):
    _debug_only()
    mail = outbox_mail(Path(settings.EMAIL_FILE_PATH), file_name, index)
    if mail is None:
        raise Http404("No such email in the Outbox.")
    html = mail.html()
    if html:
        # Links in the sandboxed frame open in a new tab instead of inside the frame.
        html = '<base target="_blank">' + html
    return render(
        request,
        "core/outbox_message.html",
        {"mail": mail, "text": mail.text(), "html": html},
    )
