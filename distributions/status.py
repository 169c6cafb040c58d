"""The status of an invitation: the one place it is computed.

One value per invitation, the furthest it has reached (docs/architecture.md,
"Statuses"): survey progress outranks everything, a revoked or expired link that was
not finished says so, and otherwise the furthest its emails got. Pages, the history
and links CSVs (and later the API) all take it from here; nothing stores it.
"""

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from distributions.models import Bounce, Delivery

# The error the sweeper records on a delivery a worker stopped in the middle of
# (distributions.services.sweeper): the mail server may or may not have accepted
# it, and it is not retried, so it cannot arrive twice. Its status is Email In
# Doubt, not Email Failed; the owner may resend these (services.resend).
INTERRUPTED = (
    "Interrupted while sending (the worker stopped between claiming this email and "
    "recording the mail server's reply). Not retried, so it cannot arrive twice; "
    "it may or may not have been delivered."
)
IN_DOUBT = Q(status=Delivery.Status.FAILED, error=INTERRUPTED)


class InvitationStatus:
    LINK_CREATED = "Link Created"
    EMAIL_QUEUED = "Email Queued"
    EMAIL_SENT = "Email Sent"
    EMAIL_FAILED = "Email Failed"
    EMAIL_IN_DOUBT = "Email In Doubt"
    EMAIL_SKIPPED = "Email Skipped"
    EMAIL_OPENED = "Email Opened"
    EMAIL_BOUNCED = "Email Bounced"
    OPTED_OUT = "Opted Out"
    SURVEY_STARTED = "Survey Started"
    SURVEY_FINISHED = "Survey Finished"
    # Reached the end through a screen-out (a skip to the end with a message, or a
    # full quota): Qualtrics' "Screened Out". Finished as far as the links go (the
    # person is done and is not reminded), but told apart so an owner does not
    # read it as a complete response; an anonymous finish never says it.
    SURVEY_SCREENED_OUT = "Survey Screened Out"
    LINK_EXPIRED = "Link Expired"
    LINK_REVOKED = "Link Revoked"


# How far an invitation's emails got, when the survey was not yet started: a sent
# email outranks one in doubt, which outranks a failed retry, which outranks one
# skipped by the contact frequency rule; a hard bounce
# reported after the send (whatever the delivery's status: the report is the
# truth) outranks them and an open, and an opt-out outranks all. Aggregated with Max() over an
# invitation's deliveries.
HARD_BOUNCED = Q(bounce=Bounce.HARD)
# Its open-tracking image was loaded (only where the owner turned tracking on).
OPENED = Q(opened_at__isnull=False)
DELIVERY_RANK = Case(
    When(status=Delivery.Status.OPTED_OUT, then=Value(8)),
    When(HARD_BOUNCED, then=Value(7)),
    When(OPENED, then=Value(6)),
    When(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING], then=Value(1)),
    When(status=Delivery.Status.SKIPPED, then=Value(2)),
    When(IN_DOUBT, then=Value(4)),
    When(status=Delivery.Status.FAILED, then=Value(3)),
    When(status=Delivery.Status.SENT, then=Value(5)),
    default=Value(0),
    output_field=IntegerField(),
)
_RANK_STATUS = {
    0: InvitationStatus.LINK_CREATED,
    1: InvitationStatus.EMAIL_QUEUED,
    2: InvitationStatus.EMAIL_SKIPPED,
    3: InvitationStatus.EMAIL_FAILED,
    4: InvitationStatus.EMAIL_IN_DOUBT,
    5: InvitationStatus.EMAIL_SENT,
    6: InvitationStatus.EMAIL_OPENED,
    7: InvitationStatus.EMAIL_BOUNCED,
    8: InvitationStatus.OPTED_OUT,
}


def status_from(
    *,
    finished: bool,
    revoked: bool,
    expired: bool,
    started: bool,
    delivery_rank,
    screened_out: bool = False,
) -> str:
    """Return the status of an invitation from its facts (a history row's columns)."""
    if finished:
        if screened_out:
            return InvitationStatus.SURVEY_SCREENED_OUT
        return InvitationStatus.SURVEY_FINISHED
    if revoked:
        return InvitationStatus.LINK_REVOKED
    if expired:
        return InvitationStatus.LINK_EXPIRED
    if started:
        return InvitationStatus.SURVEY_STARTED
    return _RANK_STATUS[delivery_rank or 0]


def status_sql(
    *,
    finished: str,
    revoked: str,
    expired: str,
    started: str,
    delivery_rank: str,
    screened_out: str = "false",
) -> str:
    """Return status_from as one SQL expression over the same facts (boolean SQL
    expressions, and the delivery rank), for CSVs PostgreSQL writes itself
    (core.csv_export.CopySource). Tests hold the two to the same answers."""
    ranks = " ".join(
        f"WHEN {rank} THEN '{label}'" for rank, label in _RANK_STATUS.items()
    )
    return f"""CASE
        WHEN {finished} THEN CASE WHEN {screened_out}
            THEN '{InvitationStatus.SURVEY_SCREENED_OUT}'
            ELSE '{InvitationStatus.SURVEY_FINISHED}' END
        WHEN {revoked} THEN '{InvitationStatus.LINK_REVOKED}'
        WHEN {expired} THEN '{InvitationStatus.LINK_EXPIRED}'
        WHEN {started} THEN '{InvitationStatus.SURVEY_STARTED}'
        ELSE CASE coalesce({delivery_rank}, 0) {ranks} END
    END"""


def person_progress(invitation) -> tuple:
    """Return (started_at, finished_at) of the invitation's person, by any route.

    Its own response, else the annotations of distributions.person
    (with_person_progress): the person's response through another link, a finish
    recorded anonymously.
    """
    response = invitation.response
    started = response.started_at if response is not None else None
    finished = response.finished_at if response is not None else None
    started = started or getattr(invitation, "person_started_at", None)
    finished = (
        finished
        or getattr(invitation, "person_finished_at", None)
        or invitation.finished_anonymously_at
        or getattr(invitation, "person_finished_anonymously_at", None)
    )
    return started, finished


def person_screened_out(invitation) -> bool:
    """Whether the person's response (as person_progress finds it) was screened out."""
    response = invitation.response
    if response is not None and response.finished_at is not None:
        return response.screened_out
    if invitation.finished_anonymously_at is not None:
        return False
    return bool(getattr(invitation, "person_screened_out", False))


def invitation_status(invitation, *, now=None) -> str:
    """Return the status of an invitation loaded with its response.

    `delivery_rank` and the person's progress are the annotations of
    selectors.invitations.invitations_with_status; without them the emails count
    as not sent (a personal-links batch) and only the link's own response counts.
    """
    started, finished = person_progress(invitation)
    return status_from(
        finished=finished is not None,
        revoked=invitation.revoked_at is not None,
        expired=invitation.expires_at <= (now or timezone.now()),
        started=started is not None,
        delivery_rank=getattr(invitation, "delivery_rank", 0),
        screened_out=finished is not None and person_screened_out(invitation),
    )
