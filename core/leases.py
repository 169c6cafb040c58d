"""Worker leases: how a worker shows the sweepers that it is alive.

A process that takes work which only it may finish (a claim of deliveries, a
send_batch, an import) takes a lease on it: a WorkerLease row written in the same
transaction as the claim, so a claim never exists without its lease. A daemon
thread of the process renews every lease it holds every LEASE_RENEW_SECONDS, on
its own connection, whatever the work is doing (a slow SMTP transaction, a long
COPY): so a live but slow worker keeps its leases fresh, and a dead one's go
stale within LEASE_DEAD_AFTER seconds. The sweepers (distributions.services.
sweeper, directories.services.imports) read them with leases_read and take back
the work of stale leases only.

Right after PostgreSQL (re)started, no lease can have been renewed yet: for
LEASE_DEAD_AFTER seconds after the server's start every lease counts as live
(judged=False), so a database restart is never mistaken for dead workers.

A holder checks renewal_age() before starting work it could not take back: a
process that could not renew for half of LEASE_DEAD_AFTER (a network partition)
may already look dead to a sweeper, so it stops using its claims.
"""

import json
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from core.models import WorkerLease

logger = logging.getLogger(__name__)

_TABLE = WorkerLease._meta.db_table
_held: set[str] = set()
_lock = threading.Lock()
_renewer: threading.Thread | None = None
_last_renewed = time.monotonic()


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def new_lease_key(kind: str) -> str:
    return f"{kind}:{uuid.uuid4().hex}"


def lease_take(key: str, data: dict) -> None:
    """Write the lease on the current connection (inside the caller's transaction).

    Call lease_hold(key) once that transaction committed, so the renewer keeps it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (key, holder, renewed_at, data) "
            "VALUES (%s, %s, now(), %s) ON CONFLICT (key) DO UPDATE "
            "SET renewed_at = now(), holder = EXCLUDED.holder, data = EXCLUDED.data",
            [key, holder_name(), _json(data)],
        )


def lease_data(key: str) -> dict | None:
    """Return the data of a lease (None when there is none): did my take commit?"""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT data FROM {_TABLE} WHERE key = %s", [key])
        row = cursor.fetchone()
    return _load(row[0]) if row else None


def lease_hold(key: str) -> None:
    """Keep renewing the lease from this process until lease_drop(key)."""
    global _renewer, _last_renewed
    with _lock:
        if not _held:
            _last_renewed = time.monotonic()
        _held.add(key)
        if _renewer is None or not _renewer.is_alive():
            _renewer = threading.Thread(
                target=_renew_forever, name="lease-renewer", daemon=True
            )
            _renewer.start()


def lease_drop(key: str, *, delete: bool = True) -> None:
    """Stop renewing the lease; delete its row (best effort: a stale row is swept)."""
    with _lock:
        _held.discard(key)
    if delete:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {_TABLE} WHERE key = %s", [key])
        except Exception:  # noqa: BLE001  the database is away; the sweeper deletes it
            logger.warning("lease %s could not be deleted; left to the sweeper", key)


def renewal_age() -> float:
    """Seconds since this process last proved its leases alive (0 if it holds none)."""
    with _lock:
        return time.monotonic() - _last_renewed if _held else 0.0


def _renew_forever() -> None:
    global _last_renewed
    while True:
        time.sleep(settings.LEASE_RENEW_SECONDS)
        with _lock:
            keys = sorted(_held)
        if not keys:
            continue
        started = time.monotonic()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {_TABLE} SET renewed_at = now() WHERE key = ANY(%s)",
                    [keys],
                )
            with _lock:
                _last_renewed = started
        except Exception:  # noqa: BLE001  database away: try again next tick
            logger.warning("could not renew %s worker leases", len(keys))
        finally:
            # A connection per tick (~6 ms every few seconds): none is left open
            # for a restarted server to break, or for a test database to drop.
            connection.close()


@dataclass
class Leases:
    """The leases of one kind: live and stale (key → data)."""

    live: dict[str, dict] = field(default_factory=dict)
    stale: dict[str, dict] = field(default_factory=dict)
    # False right after a database start: nothing could be renewed, all count live.
    judged: bool = True


def leases_read(kind: str, *, dead_after: float | None = None) -> Leases:
    """Read the leases whose key starts with `kind:`, split into live and stale."""
    dead_after = settings.LEASE_DEAD_AFTER if dead_after is None else dead_after
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_postmaster_start_time() < now() - make_interval(secs => %s)",
            [dead_after],
        )
        judged = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT key, data, renewed_at < now() - make_interval(secs => %s) "
            f"FROM {_TABLE} WHERE key LIKE %s",
            [dead_after, kind + ":%"],
        )
        rows = cursor.fetchall()
    leases = Leases(judged=judged)
    for key, data, stale in rows:
        target = leases.stale if (stale and judged) else leases.live
        target[key] = _load(data)
    return leases


def leases_delete(keys) -> None:
    """Delete leases (stale ones whose work a sweeper took back)."""
    keys = list(keys)
    if keys:
        WorkerLease.objects.filter(key__in=keys).delete()


def _json(data: dict) -> str:
    return json.dumps(data)


def _load(data):
    return json.loads(data) if isinstance(data, str) else data
