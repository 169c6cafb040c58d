"""Survive a database restart: retry work on a fresh connection.

PostgreSQL restarting (a clean 2–3 s restart, a failover) breaks every open
connection: the next statement raises OperationalError or InterfaceError. Work
that is safe to repeat (a guarded UPDATE, a claim that checks whether it already
committed) runs through with_reconnect, which closes the broken connection, waits
a little longer each time and runs it again on a new one, up to give_up_after
seconds.

Before that, connection_alive() tells a connection the server has closed from a
live one without a round trip (core.database's health check).
"""

import contextlib
import logging
import select
import time

from django.db import connection
from django.db.utils import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

CONNECTION_ERRORS = (OperationalError, InterfaceError)


def with_reconnect(work, *, give_up_after: float, on_reconnect=None, what="work"):
    """Return work(); on a connection error reconnect and retry until give_up_after.

    on_reconnect() runs on each new connection before work (session settings).
    Raises the last error when the database stays away too long. Must not be
    called inside an atomic block (the broken transaction is the caller's).
    """
    deadline = time.monotonic() + give_up_after
    delay, attempt = 0.2, 0
    while True:
        try:
            if attempt and on_reconnect is not None:
                on_reconnect()
            return work()
        except CONNECTION_ERRORS as exc:
            attempt += 1
            with contextlib.suppress(Exception):
                connection.close()
            if time.monotonic() + delay > deadline:
                logger.error("database away for %ss; giving up %s", give_up_after, what)
                raise
            logger.warning(
                "database connection lost (%s); retrying %s in %.1fs",
                exc.__class__.__name__,
                what,
                delay,
            )
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def connection_alive(pg_connection) -> bool:
    """Return False when the server has closed or abandoned an idle psycopg
    connection, without sending it anything.

    An idle connection has nothing to read: the server writes only in answer to a
    query (Canvass uses no LISTEN). Something to read means the server said goodbye
    (a restart's "terminating connection", a crash's end of stream). Costs one poll
    system call; a server that vanished without closing (a cut cable) is found by
    the next query's error, as with SELECT 1.
    """
    if pg_connection.closed or pg_connection.broken:
        return False
    try:
        readable, _, _ = select.select([pg_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable
