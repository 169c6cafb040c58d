"""How often a Distributions table asks for its rows again (htmx's hx-trigger).

Surveys Started / Finished change whenever a respondent acts, long after the
sending ends, so the rows poll while responses can still arrive: fast while a
row is busy (sending, scheduled, generating), slower after, and not at all once
the survey is closed or every distribution's links have expired.
"""

from django.utils import timezone

POLL_BUSY = "every 3s"
POLL_GENERATING = "every 1s"
POLL_LIVE = "every 5s"


def responses_can_arrive(survey, rows) -> bool:
    """Return whether a respondent can still start or finish through these rows."""
    if survey.state == survey.State.CLOSED:
        return False
    now = timezone.now()
    return any(
        row.distribution.link_expires_at is None
        or row.distribution.link_expires_at > now
        for row in rows
    )


def rows_poll(survey, rows, *, busy: bool, busy_every: str = POLL_BUSY) -> str:
    """Return the hx-trigger interval of the rows, or "" when nothing can change."""
    if busy:
        return busy_every
    return POLL_LIVE if responses_can_arrive(survey, rows) else ""
