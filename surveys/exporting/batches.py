"""Keyset batches of an export's rows, the next one read while this one is written.

An export's time is the database folding each response's answers (PostgreSQL's
CPU) plus Python turning them into cells (this process's CPU): done one after the
other, each waits for the other. With a second connection on a helper thread the
next batch is read while the current one is written (psycopg releases the GIL
while it waits), so on two cores the two overlap.

Only outside a transaction: a second connection cannot see what the caller's
transaction has not committed (a test's rows), and would not share its snapshot.
There, and for an export that fits in one batch, batches are read in turn on the
caller's connection.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections


def _fetch(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def keyset_batches(
    sql: str, params: Callable[[int], list], *, batch_size: int
) -> Iterator[list]:
    """Yield the batches of `sql` (keyset on the first column: params(last_id))."""
    first = _fetch(sql, params(0))
    if not first:
        return
    if len(first) < batch_size or connection.in_atomic_block:
        batch = first
        while batch:
            yield batch
            if len(batch) < batch_size:
                return
            batch = _fetch(sql, params(batch[-1][0]))
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export") as helper:
        try:
            batch = first
            while batch:
                following = (
                    helper.submit(_fetch, sql, params(batch[-1][0]))
                    if len(batch) == batch_size
                    else None
                )
                yield batch
                batch = following.result() if following is not None else None
        finally:
            # The helper thread's own connection: closed by that thread.
            helper.submit(connections.close_all).result()
