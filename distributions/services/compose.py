"""Compose Email: schedule a distribution, the message library, the preview email."""

import re
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import sender_problem
from directories.selectors import (
    contact_list_in_team,
    contact_list_size,
    contact_snapshot_rows,
)
from distributions.models import Distribution, Message, MessageType
from distributions.services import piping
from distributions.services.audit import distribution_audit
from distributions.services.dispatch import (
    distribution_cancel,
    distribution_dispatch_soon,
)
from distributions.services.email_message import email_build
from distributions.services.message_versions import (
    survey_default_language,
    versions_validated,
)
from distributions.services.piping import render_message
from surveys.selectors import survey_for_command
from teams import access
from teams.access import Right
from teams.services import team_of

# A Custom... time may be this far behind the clock when it reaches the service: the
# form works in whole minutes and the owner may take a moment to press Send.
PAST_GRACE = timedelta(minutes=2)
PREVIEW_SALT = "distributions.preview"
PREVIEW_MAX_AGE = 60 * 60 * 24 * 30
# The form's one-time token is another account's: the form gets a fresh token.
FORM_TOKEN_TAKEN = (
    "This form was already sent from another account. Check it and send it again."
)
FORM_TOKEN_TAKEN_CODE = "form_token_taken"


def message_problems(
    *, subject: str, body: str, embedded_fields, require_survey_link: bool = True
) -> list[tuple[str, str]]:
    """Return (form field, message) pairs for what is wrong with a message.

    `embedded_fields` None accepts any ${e://Field/...} (library messages, whose
    list is chosen when they are sent).
    """
    if embedded_fields is None:
        embedded_fields = piping.embedded_field_names(subject + "\n" + body)
    problems = []
    for error in piping.message_errors(
        subject=subject,
        body=body,
        embedded_fields=list(embedded_fields),
        require_survey_link=require_survey_link,
    ):
        label, _, text = error.partition(": ")
        field = "subject" if label == "Subject" else "body"
        problems.append((field, text[:1].upper() + text[1:] if text else error))
    return problems


def sender_check(user, from_email: str) -> None:
    """Refuse a From the owner may not use (accounts.selectors.sender_problem)."""
    problem = from_email and sender_problem(user, from_email)
    if problem:
        raise ValidationError(problem)


def _survey_problem(survey) -> str | None:
    if survey.state == survey.State.CLOSED:
        return "This survey is closed: reopen it before you send it."
    if survey.state != survey.State.PUBLISHED or not survey.published_version:
        return "Only a published survey can be distributed: publish it first."
    return None


def survey_distributable_problem(*, survey) -> str | None:
    """Return why the survey cannot be distributed now, or None."""
    return _survey_problem(survey)


def sending_check(*, user, survey, contact_list=None) -> None:
    """Refuse unless the user may send in the survey's team (teams.access: Http404
    outside it, PermissionDenied without SEND) and the list is that team's: a list
    of another team is refused as if it did not exist."""
    access.require(user, survey.team_id, Right.SEND)
    if contact_list is not None and contact_list.team_id != survey.team_id:
        raise Http404("No such contact list.")


@transaction.atomic
def distribution_schedule(
    *,
    user,
    survey,
    contact_list,
    from_name: str,
    from_email: str,
    reply_to: str,
    subject: str,
    body: str,
    send_at: datetime,
    link_expires_at: datetime,
    compose_token: str | None = None,
    now: datetime | None = None,
    track_opens: bool = False,
    versions: dict | None = None,
) -> Distribution:
    """Schedule an email distribution of the survey to a list of its team.

    One transaction writes the row; the dispatcher takes it from PostgreSQL when
    send_at comes (docs/architecture.md). A repeated `compose_token` (a double-clicked Send)
    returns the distribution the first submit created.
    """
    now = now or timezone.now()
    sending_check(user=user, survey=survey, contact_list=contact_list)
    sender_check(user, from_email)
    problem = _survey_problem(survey)
    if problem:
        raise ValidationError(problem)
    if send_at < now - PAST_GRACE:
        raise ValidationError("This time is in the past: choose a time from now on.")
    if link_expires_at <= send_at:
        raise ValidationError("The link must expire after the email is sent.")
    problems = message_problems(
        subject=subject, body=body, embedded_fields=list(contact_list.embedded_fields)
    )
    if problems:
        raise ValidationError([message for _, message in problems])
    language = survey_default_language(survey)
    versions = versions_validated(
        versions,
        default_language=language,
        embedded_fields=list(contact_list.embedded_fields),
    )
    if not contact_list.contacts.exists():
        raise ValidationError("This list has no contacts: add some before you send.")
    return distribution_create_once(
        owner=user,
        compose_token=compose_token,
        recipients=contact_list_size(contact_list=contact_list),
        survey=survey,
        kind=Distribution.Kind.EMAIL,
        message_type=MessageType.INVITE,
        contact_list=contact_list,
        list_name=contact_list.name,
        from_name=from_name,
        from_email=from_email,
        reply_to=reply_to,
        subject=subject,
        body=body,
        language=language,
        versions=versions,
        send_at=send_at,
        link_expires_at=link_expires_at,
        track_opens=track_opens,
    )


def distribution_create_once(
    *, owner, compose_token: str | None, recipients: int, **fields
) -> Distribution:
    """Create a scheduled email distribution once per compose token, with its
    entry in the team's audit trail (`recipients`: how many it is meant for).

    A send due now kicks the dispatcher once the transaction commits.
    """
    distribution, created = distribution_create_for_token(
        owner=owner,
        compose_token=compose_token,
        status=Distribution.Status.SCHEDULED,
        **fields,
    )
    if created:
        distribution_audit(user=owner, distribution=distribution, recipients=recipients)
        _dispatch_soon_on_commit(distribution)
    return distribution


def distribution_create_for_token(
    *, owner, compose_token: str | None, **fields
) -> tuple[Distribution, bool]:
    """Create a distribution once per form token; return it and whether it is new.

    A repeated token (a double-clicked Send or Generate Links) returns the row the
    first submit made; a concurrent one loses on the unique index inside a
    savepoint and does the same. Looked up per member and team: a token of
    another team's row is refused, never answered with that row.
    """
    team_id = fields["survey"].team_id
    if compose_token:
        existing = Distribution.objects.filter(
            owner=owner, team_id=team_id, compose_token=compose_token
        ).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            distribution = Distribution.objects.create(
                owner=owner,
                compose_token=compose_token or None,
                # The survey's team: a distribution is its survey's, whoever sent it.
                team_id=team_id,
                **fields,
            )
    except IntegrityError:
        if not compose_token:
            raise
        existing = Distribution.objects.filter(
            owner=owner, team_id=team_id, compose_token=compose_token
        ).first()
        if existing is None:
            # Another member's or team's row holds the token (a form restored
            # after switching accounts or teams, or a forged one): neither a 500
            # nor their row.
            raise ValidationError(
                FORM_TOKEN_TAKEN, code=FORM_TOKEN_TAKEN_CODE
            ) from None
        return existing, False
    return distribution, True


def _dispatch_soon_on_commit(distribution: Distribution) -> None:
    if distribution.send_at <= timezone.now() + timedelta(seconds=5):
        # Kicks the dispatcher once this transaction commits; a later send_at is
        # found by the beat's poll of PostgreSQL.
        distribution_dispatch_soon()


def distribution_cancel_scheduled(*, user, distribution: Distribution) -> bool:
    """Cancel a distribution that has not started sending; return False if too late
    (or if the user may not send in its team)."""
    return distribution_cancel(user=user, distribution=distribution)


# --- Message library ---


def _clean_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()


def _library_versions(versions: dict | None, message_type: str) -> dict:
    # Any language (the survey, and so the default's language, is chosen when it
    # is sent) and any ${e://Field/...} (so is the list).
    return versions_validated(
        versions,
        default_language=None,
        embedded_fields=None,
        require_survey_link=message_type != MessageType.THANK_YOU,
    )


@transaction.atomic
def message_create(
    *,
    user,
    name: str,
    message_type: str,
    subject: str,
    body: str,
    team=None,
    versions: dict | None = None,
) -> Message:
    """Save a message in the team's library (default: the user's personal team);
    refuse a name the team already uses. `versions`: other languages'
    subjects and bodies."""
    name = _clean_name(name)
    team = team_of(user=user, team=team)
    access.require(user, team.pk, Right.EDIT)
    versions = _library_versions(versions, message_type)
    if Message.objects.filter(team=team, name__iexact=name).exists():
        raise ValidationError(f"The team already has a message named “{name}”.")
    try:
        with transaction.atomic():
            return Message.objects.create(
                owner=user,
                team=team,
                name=name,
                message_type=message_type,
                subject=subject,
                body=body,
                versions=versions,
            )
    except IntegrityError as error:
        raise ValidationError(
            f"The team already has a message named “{name}”."
        ) from error


@transaction.atomic
def message_update(
    *,
    message: Message,
    name: str,
    message_type: str,
    subject: str,
    body: str,
    versions: dict | None = None,
) -> Message:
    name = _clean_name(name)
    versions = _library_versions(versions, message_type)
    if (
        Message.objects.filter(team_id=message.team_id, name__iexact=name)
        .exclude(pk=message.pk)
        .exists()
    ):
        raise ValidationError(f"The team already has a message named “{name}”.")
    message.name = name
    message.message_type = message_type
    message.subject = subject
    message.body = body
    message.versions = versions
    message.save()
    return message


@transaction.atomic
def message_delete(*, message: Message) -> None:
    message.delete()


# --- Send Preview Email ---


def preview_token(*, survey, contact_list=None) -> str:
    """Return the signed key of a survey's preview link (it records nothing).

    It names the list whose first contact the preview email was piped for, never
    the contact's data: the page looks the sample up again (preview_sample).
    """
    data = {"survey": survey.pk}
    if contact_list is not None:
        data["list"] = contact_list.pk
    return signing.dumps(data, salt=PREVIEW_SALT, compress=True)


def _preview_data(token: str) -> dict:
    try:
        data = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return {}
    return data if isinstance(data, dict) else {}


def preview_survey_id(token: str) -> int | None:
    return _preview_data(token).get("survey")


def preview_sample(*, user, contact_list) -> dict:
    """The person a preview is piped for: the list's first contact, else the owner."""
    contact = None
    if contact_list is not None:
        contact = contact_snapshot_rows(contact_list=contact_list, limit=1).first()
    return {
        "first_name": contact["first_name"] if contact else user.first_name,
        "last_name": contact["last_name"] if contact else user.last_name,
        "email": contact["email"] if contact else user.email,
        "external_reference": contact["external_reference"] if contact else "",
        "embedded_data": dict(contact["embedded_data"] or {}) if contact else {},
    }


def preview_page_sample(token: str) -> tuple[int | None, dict]:
    """(survey id, the sample person) of a preview link, as its email was piped.

    A list deleted (or no longer the survey owner's) since falls back to the owner.
    """
    data = _preview_data(token)
    survey = survey_for_command(pk=data["survey"]) if data.get("survey") else None
    if survey is None:
        return None, {}
    contact_list = None
    if data.get("list"):
        contact_list = contact_list_in_team(team_id=survey.team_id, pk=data["list"])
    return survey.pk, preview_sample(user=survey.owner, contact_list=contact_list)


def preview_link(*, survey, contact_list=None) -> str:
    key = preview_token(survey=survey, contact_list=contact_list)
    path = reverse("distributions:public_preview", kwargs={"key": key})
    return settings.SITE_URL + path


def preview_email_send(
    *,
    user,
    survey,
    contact_list,
    from_name: str,
    from_email: str,
    reply_to: str,
    subject: str,
    body: str,
) -> str:
    """Send one rendered sample of the message to the owner; return the address.

    The sample uses the list's first contact (or the owner) for piped fields, and a
    preview link that shows the survey but records nothing.
    """
    sending_check(user=user, survey=survey, contact_list=contact_list)
    if not user.email:
        raise ValidationError("Your account has no email address to send a preview to.")
    sender_check(user, from_email)
    values = preview_sample(user=user, contact_list=contact_list)
    link = preview_link(survey=survey, contact_list=contact_list)
    try:
        rendered = render_message(
            subject=subject,
            body=body,
            invitation_values=values,
            survey_url=link,
            # An opt-out from a preview must not suppress anyone: it goes to the
            # same preview page.
            opt_out_url=link,
        )
    except ValueError as error:
        raise ValidationError(str(error)) from error
    message = email_build(
        from_name=from_name,
        from_email=from_email,
        reply_to=reply_to,
        to=user.email,
        rendered=replace(rendered, subject="[Preview] " + rendered.subject),
        opt_out_url=link,
    )
    message.send()
    return user.email
