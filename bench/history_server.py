"""The WSGI app bench_history.py serves with gunicorn: Canvass, plus the limit.

The limit is a bare view beside Canvass's own URLs, on the same server and
settings: COPY (the history's own query) TO STDOUT WITH CSV, PostgreSQL's rows
passed on in 64 KB chunks. No login, no status, no link, no formula guard: the
least any history download must cost (the query, and the bytes through the
socket).
"""

from django.conf import settings
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.urls import include, path
from django.utils import timezone

from config.wsgi import application  # noqa: F401  (gunicorn's entry point)
from distributions.models import Distribution
from distributions.selectors.history import _embedded_fields, _history_sql

CHUNK_BYTES = 64 * 1024


def copy_history(request, pk: int):
    distribution = Distribution.objects.get(pk=pk)
    sql, params = _history_sql(
        distribution, now=timezone.now(), extra=_embedded_fields(distribution)
    )

    def body():
        with transaction.atomic(), connection.cursor() as cursor:
            # The session settings the history's own query runs with.
            cursor.execute(
                "SELECT set_config('TimeZone', 'UTC', true), "
                "set_config('work_mem', '32MB', true), set_config('jit', 'off', true), "
                "set_config('max_parallel_workers_per_gather', '0', true)"
            )
            statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
            with cursor.cursor.copy(statement, params) as copy:
                pending, size = [], 0
                for data in copy:
                    pending.append(data)
                    size += len(data)
                    if size >= CHUNK_BYTES:
                        yield b"".join(pending)
                        pending, size = [], 0
                yield b"".join(pending)

    return StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")


urlpatterns = [
    path("bench/copy-history/<int:pk>/", copy_history),
    path("", include("config.urls")),
]
settings.ROOT_URLCONF = __name__
