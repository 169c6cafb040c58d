"""Read one returned message (a bounce or a complaint) on standard input.

For the mail server that receives the bounce domain's mail, e.g. Postfix:

    canvass-bounce unix - n n - - pipe
      flags=Rq user=canvass argv=/srv/canvass/manage.py process_bounce --recipient ${recipient}

(README, "Bounces and complaints"). Exit status 0 whatever the message said
(a report for no known delivery is logged and dropped); 75 (EX_TEMPFAIL) when
the database cannot be reached, so the mail server keeps it and tries again.
"""

import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from distributions.services.bounces import bounce_message_process

# A bounce with a whole returned message attached is rarely over a few hundred
# KB; more is read no further (the report comes first).
MAX_BYTES = 10 * 1024 * 1024
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = (
        "Process one bounce or complaint read on standard input (RFC 3464 DSNs, "
        "RFC 5965 reports, common non-standard bounces)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--recipient",
            default="",
            help="the address the message was delivered to (its VERP address)",
        )

    def handle(self, *args, recipient, **options):
        raw = sys.stdin.buffer.read(MAX_BYTES)
        try:
            outcome = bounce_message_process(raw, recipient=recipient)
        except DatabaseError as exc:
            self.stderr.write(f"process_bounce: database unavailable ({exc})")
            raise SystemExit(EX_TEMPFAIL) from exc
        self.stdout.write(outcome)
