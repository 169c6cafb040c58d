"""Hot lookups whose plan costs more than their run: planned once per connection.

A respondent page's one query (the personal link's invitation with its survey,
response and answers; the anonymous link's survey and response) joins four tables
by unique keys. PostgreSQL runs it in ≈0.07 ms but plans it in ≈0.3 ms, on every
request: the largest single cost of the page (issue 15). Django sends every query
with client-side binding and prepared statements off (so that transaction-mode
poolers work), which means a fresh plan each time.

`fetchone_prepared` sends the query as a named prepared statement of the connection
(psycopg's `prepare=True`, server-side binding): PostgreSQL parses and plans it on
the first call and reuses the statement for the connection's life. Everything else
Django does per query stays: the health check and connection on first use, the
execute wrappers, DEBUG's query log (so query-count tests still count it).

A pooler in transaction mode needs protocol-level prepared statements (PgBouncer
≥ 1.21 with max_prepared_statements set); a direct connection needs nothing.
"""

import psycopg
from django.db import connection


class _PreparedCursor(psycopg.Cursor):
    """Server-side binding; every statement executed through it is prepared."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)

    def _send_query_prepared(self, name, pgq, *, binary=None):
        # psycopg records the query it sent for every run but a prepared one; Django's
        # DEBUG query log reads that record (it shows the text with $1, $2 ...).
        self._query = pgq
        super()._send_query_prepared(name, pgq, binary=binary)


def fetchone_prepared(sql: str, params: list):
    """Run `sql` (%s placeholders) as a prepared statement; return its first row or None."""
    # Django's cursor(): thread check, health check, connect; then swap in ours.
    with connection.cursor() as cursor:
        cursor.cursor.close()
        cursor.cursor = _PreparedCursor(connection.connection)
        cursor.execute(sql, params)
        return cursor.fetchone()
