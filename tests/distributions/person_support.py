"""One list reached twice: an email distribution and a personal-links batch."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from distributions.models import Delivery, Distribution, Invitation
from distributions.services.dispatch import _dispatch_one
from distributions.services.links import links_generate
from distributions.services.reminders import reminder_schedule
from tests.distributions.ui_support import email_distribution
from tests.factories import build_survey
from tests.helpers import make_list
from tests.surveys.conftest import page1_answers, page2_answers


@dataclass
class TwoRoutes:
    survey: object
    email: Distribution
    batch: Distribution

    def link(self, distribution, n: int) -> str:
        return f"/s/{self.invitation(distribution, n).token}/"

    def invitation(self, distribution, n: int) -> Invitation:
        return distribution.invitations.get(email=f"person{n}@example.edu")


def two_routes(owner, *, size=3, **survey_options) -> TwoRoutes:
    survey = build_survey(owner, access="invitation")
    for name, value in survey_options.items():
        setattr(survey, name, value)
    survey.save()
    the_list = make_list(owner, n=size)
    email = email_distribution(survey, the_list)
    for invitation in email.invitations.all():
        Delivery.objects.create(
            distribution=email,
            invitation=invitation,
            status="sent",
            sent_at=timezone.now(),
        )
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=the_list,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    return TwoRoutes(survey=survey, email=email, batch=batch)


def start(client, routes, link):
    http = client.post(link, {**page1_answers(routes.survey), "action": "next"})
    assert http.status_code == 302, http.content.decode()[:500]
    return http


def finish(client, routes, link):
    start(client, routes, link)
    http = client.post(link, {**page2_answers(routes.survey), "action": "next"})
    assert http.status_code == 200
    assert "Thank you" in http.content.decode()
    return http


def follow_up_recipients(owner, parent, *, audience, message_type="reminder"):
    """Dispatch a follow-up of parent now; return the addresses it emails."""
    follow_up = reminder_schedule(
        user=owner,
        parent=parent,
        message_type=message_type,
        audience=audience,
        send_at=timezone.now(),
        from_name="Survey team",
        from_email="team@example.edu",
        reply_to="",
        subject="Reminder",
        body="${l://SurveyLink?d=Take the survey}",
    )
    Distribution.objects.filter(pk=follow_up.pk).update(send_at=timezone.now())
    assert _dispatch_one() == follow_up.pk
    return sorted(
        Delivery.objects.filter(distribution=follow_up, status="queued").values_list(
            "invitation__email", flat=True
        )
    )
