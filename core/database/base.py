"""Django's PostgreSQL backend, with a health check that needs no round trip.

CONN_HEALTH_CHECKS checks a kept connection before its first query of each request
(and task): Django sends SELECT 1, a round trip to the server per request, which cost
the respondent page a fifth of its rate under load (issue 15). A server that restarts
or crashes closes its connections, and the closing (its FATAL message or the end of
the stream) is waiting on the socket: core.reconnect.connection_alive reads that
with a zero-timeout poll instead. A connection that raised an error is still asked
with Django's SELECT 1.
"""

from django.db.backends.postgresql import base

from core.reconnect import connection_alive


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None:
            return False
        if self.errors_occurred:
            return super().is_usable()
        return connection_alive(self.connection)

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # Django turns psycopg's prepared statements off (prepare_threshold None),
        # which also ignores an explicit prepare=True. Queries still never prepare on
        # their own (Django's cursors bind on the client, and the threshold is out of
        # reach); only core.database.prepared's lookups ask to.
        connection.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
        return connection


PREPARE_ONLY_WHEN_ASKED = 2**31 - 1
