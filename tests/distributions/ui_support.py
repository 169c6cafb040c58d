"""Builders for the email UI tests: a published survey, a sent distribution."""

from datetime import timedelta

from django.utils import timezone

from distributions.models import Delivery, Distribution
from distributions.services.invitations import invitations_create_from_list
from surveys.models import Survey, SurveyVersion

GOOD_BODY = "Dear ${m://FirstName},\n\n${l://SurveyLink?d=Take the survey}\n"
QUESTION_ID = 901


def published_survey(owner, *, title="Campus life", access="anyone", state="published"):
    """Return a survey with one published single-choice question."""
    survey = Survey.objects.create(
        owner=owner,
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
