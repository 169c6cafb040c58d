"""The bounce mailbox: returned messages read over IMAP (BOUNCE_IMAP_*).

For sites whose bounce domain delivers into a mailbox rather than a pipe. Each
poll reads up to POLL_LIMIT unseen messages without marking them (BODY.PEEK),
hands each one's bytes to `handle` (services.bounces.bounce_message_process),
and deletes it once handled. A message `handle` fails on is marked seen and left
in the folder for a person to look at (it would fail again next time); a database
error stops the poll with nothing marked, so those messages come back next time.
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


def mailbox_messages_process(handle: Callable[[bytes], object]) -> int:
    """Hand each unseen message of the bounce folder to handle(); return how many
    were handled (and deleted)."""
    client = _connect()
    handled = 0
    try:
        _typ, data = client.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[:POLL_LIMIT]
        for uid in uids:
            _typ, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is None:
                continue
            try:
                handle(raw)
            except DatabaseError:
                raise
            except Exception:
                logger.exception("a message of the bounce mailbox could not be read")
                client.uid("STORE", uid, "+FLAGS", r"(\Seen)")
                continue
            client.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
            handled += 1
    finally:
        with contextlib.suppress(Exception):
            if handled:
                client.expunge()
            client.logout()
    return handled
