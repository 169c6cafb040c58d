"""Builders for the email UI tests: a published survey, a sent distribution."""

from datetime import timedelta
from itertools import count

from django.conf import settings
from django.utils import timezone

from distributions.models import Delivery, Distribution
from distributions.services.invitations import invitations_create_from_list
from surveys.models import Survey, SurveyVersion
from teams.services import personal_team_id
from tests.helpers import make_list

GOOD_BODY = "Dear ${m://FirstName},\n\n${l://SurveyLink?d=Take the survey}\n"
QUESTION_ID = 901


def published_survey(
    owner, *, title="Campus life", access="anyone", state="published", team=None
):
    """Return a survey with one published single-choice question (in `team`, else
    the owner's personal team)."""
    survey = Survey.objects.create(
        owner=owner,
        team_id=team.pk if team is not None else personal_team_id(owner.pk),
        title=title,
        access=access,
        state=state,
        published_version=1,
        has_unpublished_changes=False,
    )
    SurveyVersion.objects.create(
        survey=survey,
        number=1,
        definition={
            "title": title,
            "introduction": "Tell us about your term.",
            "thank_you_message": "Thank you for completing this survey.",
            "pages": [
                {
                    "questions": [
                        {
                            "id": QUESTION_ID,
                            "kind": "single_choice",
                            "text": "Do you live on campus?",
                            "help_text": "",
                            "required": True,
                            "choices": [
                                {"id": "c1", "label": "Yes"},
                                {"id": "c2", "label": "No"},
                            ],
                            "statements": [],
                            "min_value": None,
                            "max_value": None,
                        }
                    ]
                }
            ],
        },
    )
    return survey


def email_distribution(
    survey,
    the_list,
    *,
    status=Distribution.Status.SENT,
    send_at=None,
    subject="Your survey, ${m://FirstName}",
    body=GOOD_BODY,
    invite=True,
    expires_in=timedelta(days=60),
    **fields,
):
    """Return an email distribution; with invite=True its invitations exist."""
    send_at = send_at or timezone.now()
    distribution = Distribution.objects.create(
        survey=survey,
        owner=survey.owner,
        team_id=personal_team_id(survey.owner.pk),
        kind=Distribution.Kind.EMAIL,
        contact_list=the_list,
        list_name=the_list.name,
        from_name="Study team",
        from_email="study@example.edu",
        subject=subject,
        body=body,
        send_at=send_at,
        link_expires_at=send_at + expires_in,
        status=status,
        **fields,
    )
    if invite:
        invitations_create_from_list(
            distribution=distribution,
            contact_list=the_list,
            expires_at=send_at + expires_in,
        )
    return distribution


def deliver(distribution, invitation, status="sent", *, sent_at=None, error=""):
    return Delivery.objects.create(
        distribution=distribution,
        invitation=invitation,
        status=status,
        sent_at=(sent_at or timezone.now()) if status == "sent" else None,
        error=error,
    )


LIST_NUMBER = count(1)


def sent_email(owner, survey, **fields):
    """Return an email distribution to a new two-contact list, every email sent."""
    the_list = make_list(owner, name=f"List {next(LIST_NUMBER)}", n=2)
    distribution = email_distribution(survey, the_list, **fields)
    for invitation in distribution.invitations.all():
        deliver(distribution, invitation)
    return distribution


def links_batch(owner, survey, *, expires_in=timedelta(days=30)):
    """Return a ready personal-links batch of a new two-contact list."""
    now = timezone.now()
    the_list = make_list(owner, name=f"List {next(LIST_NUMBER)}", n=2)
    batch = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team_id=personal_team_id(owner.pk),
        kind=Distribution.Kind.LINKS,
        contact_list=the_list,
        list_name=the_list.name,
        send_at=now - timedelta(days=60),
        link_expires_at=now + expires_in,
        status=Distribution.Status.READY,
        recipients_total=2,
    )
    invitations_create_from_list(
        distribution=batch, contact_list=the_list, expires_at=batch.link_expires_at
    )
    return batch


def sign_in(page, live_server, client, owner):
    """Return the Playwright page signed in as owner (any viewport)."""
    client.force_login(owner)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "url": live_server.url,
            }
        ]
    )
    return page
