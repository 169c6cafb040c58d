"""The bounce mailbox: returned messages read over IMAP (BOUNCE_IMAP_*).

For sites whose bounce domain delivers into a mailbox rather than a pipe. Each
poll reads up to POLL_LIMIT unseen messages without marking them (BODY.PEEK),
hands them to `handle` as one batch (services.bounces.bounce_messages_process,
one transaction) and deletes them once it returned. A message the reader fails
on is marked seen and left in the folder for a person to look at (it would fail
again next time); a database error stops the poll with nothing marked, so those
messages come back next time.
"""

import contextlib
import imaplib
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError

logger = logging.getLogger(__name__)

POLL_LIMIT = 500


def _connect() -> imaplib.IMAP4:
    client_class = imaplib.IMAP4_SSL if settings.BOUNCE_IMAP_SSL else imaplib.IMAP4
    client = client_class(
        settings.BOUNCE_IMAP_HOST, settings.BOUNCE_IMAP_PORT, timeout=30
    )
    client.login(settings.BOUNCE_IMAP_USER, settings.BOUNCE_IMAP_PASSWORD)
    client.select(settings.BOUNCE_IMAP_FOLDER)
    return client


def mailbox_messages_process(handle: Callable[[list], list]) -> int:
    """Hand the bounce folder's unseen messages to handle() as one batch of
    (raw bytes, "") pairs; delete those handled; return how many."""
    client = _connect()
    handled = 0
    try:
        _typ, data = client.uid("SEARCH", None, "UNSEEN")
        uids, batch = (data[0] or b"").split()[:POLL_LIMIT], []
        for uid in uids:
            _typ, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is not None:
                batch.append((uid, raw))
        if not batch:
            return 0
        try:
            handle([(raw, "") for _, raw in batch])
        except DatabaseError:
            raise
        except Exception:
            # One of them trips the reader: one at a time, to set that one aside.
            logger.exception("the bounce mailbox's batch failed; one at a time")
            done = []
            for uid, raw in batch:
                try:
                    handle([(raw, "")])
                except DatabaseError:
                    raise
                except Exception:
                    logger.exception("a message of the bounce mailbox was set aside")
                    client.uid("STORE", uid, "+FLAGS", r"(\Seen)")
                else:
                    done.append((uid, raw))
            batch = done
        for uid, _ in batch:
            client.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
        handled = len(batch)
    finally:
        with contextlib.suppress(Exception):
            if handled:
                client.expunge()
            client.logout()
    return handled
