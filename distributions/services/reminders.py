"""Reminders and thank-yous: child distributions that reuse the parent's links.

The audience is stored, not the recipients: the pipeline picks the invitations
when the child is dispatched, so someone who finishes after a reminder was
scheduled never receives it (distributions.services.dispatch).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from distributions.models import Distribution, MessageType
from distributions.services.compose import (
    PAST_GRACE,
    distribution_create_once,
    sender_check,
    sending_check,
)
from distributions.services.message_versions import (
    survey_default_language,
    versions_validated,
)
from distributions.services.piping import message_errors

Audience = Distribution.Audience

# The choices each child offers, default first.
AUDIENCES = {
    MessageType.REMINDER: [
        (Audience.NOT_FINISHED, "Everyone who has not finished"),
        (Audience.NOT_STARTED, "Those who have not started"),
        (Audience.STARTED_NOT_FINISHED, "Those who started but did not finish"),
    ],
    MessageType.THANK_YOU: [(Audience.FINISHED, "Those who finished")],
}


def reminder_schedule(
    *,
    user,
    parent: Distribution,
    message_type: str,
    audience: str,
    send_at: datetime,
    from_name: str,
    from_email: str,
    reply_to: str,
    subject: str,
    body: str,
    request_token: str | None = None,
    now: datetime | None = None,
    versions: dict | None = None,
) -> Distribution:
    """Schedule a reminder or thank-you for a distribution's links.

    The child hangs under the root distribution (email or personal links) and is
    sent by the pipeline with each contact's own link. Several may be scheduled.
    A repeated `request_token` (a double click) returns the first one's row.
    """
    now = now or timezone.now()
    root = parent.root
    # The root's team is its survey's: the user must be allowed to send there.
    sending_check(user=user, survey=root.survey)
    sender_check(user, from_email)
    if message_type not in AUDIENCES:
        raise ValidationError("Choose a reminder or a thank-you.")
    if audience not in {value for value, _ in AUDIENCES[message_type]}:
        raise ValidationError("Choose who receives it.")
    if root.status in (Distribution.Status.CANCELLED, Distribution.Status.FAILED):
        raise ValidationError(
            f"The distribution to {root.list_name} is "
            f"{root.get_status_display().lower()}: there are no links to remind."
        )
    survey = root.survey
    if survey.state != survey.State.PUBLISHED:
        raise ValidationError("Only a published survey's recipients can be reminded.")
    if send_at < now - PAST_GRACE:
        raise ValidationError("This time is in the past: choose a time from now on.")
    embedded = list(root.contact_list.embedded_fields) if root.contact_list else []
    errors = message_errors(
        subject=subject,
        body=body,
        embedded_fields=embedded,
        require_survey_link=message_type == MessageType.REMINDER,
    )
    if errors:
        raise ValidationError(errors)
    language = survey_default_language(survey)
    versions = versions_validated(
        versions,
        default_language=language,
        embedded_fields=embedded,
        require_survey_link=message_type == MessageType.REMINDER,
    )
    return distribution_create_once(
        owner=user,
        compose_token=request_token,
        recipients=root.recipients_total,
        survey=survey,
        parent=root,
        kind=Distribution.Kind.EMAIL,
        message_type=message_type,
        audience=audience,
        contact_list=root.contact_list,
        list_name=root.list_name,
        from_name=from_name,
        from_email=from_email,
        reply_to=reply_to,
        subject=subject,
        body=body,
        language=language,
        versions=versions,
        send_at=send_at,
        link_expires_at=root.link_expires_at,
    )
