"""One more recipient (issue 17 h): contacts added to a distribution or a links
batch that has already gone out get their own link and email; nobody else is
emailed again."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.celery import app as celery_app
from directories.models import Contact, Suppression
from distributions.models import Distribution, Invitation
from distributions.selectors.counts import distribution_counts
from distributions.services.dispatch import distributions_dispatch_due
from distributions.services.recipients_add import distribution_recipients_add
from tests.distributions.pipeline_support import email_distribution, published_survey
from tests.helpers import make_list


@pytest.fixture
def eager(settings):
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


def test_a_late_contact_gets_their_own_email_in_that_distribution(
    transactional_db, smtp_server, eager, owner
):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=2)
    distribution = email_distribution(survey, contact_list)
    distributions_dispatch_due()
    smtp_server.wait_for(2)
    late = Contact.objects.create(
        contact_list=contact_list, first_name="Late", email="late@example.edu"
    )
    opted_out = Contact.objects.create(
        contact_list=contact_list, email="gone@example.edu"
    )
    Suppression.objects.create(
        owner=owner, email="gone@example.edu", reason="opted_out"
    )
    already = Contact.objects.get(email="person0@example.edu")

    added = distribution_recipients_add(
        user=owner, distribution=distribution, contacts=[late, opted_out, already]
    )

    assert added == 2
    smtp_server.wait_for(3)
    assert len(smtp_server.received) == 3
    [mail] = smtp_server.to("late@example.edu")
    invitation = Invitation.objects.get(
        distribution=distribution, email="late@example.edu"
    )
    assert f"/s/{invitation.token}/" in mail.text() and "Late" in mail.text()
    assert len(smtp_server.to("person0@example.edu")) == 1
    distribution.refresh_from_db()
    assert distribution.status == "sent" and distribution.recipients_total == 4
    counts = distribution_counts([distribution])[distribution.pk]
    assert (counts.recipients, counts.emails_sent, counts.opted_out) == (4, 3, 1)


def test_a_links_batch_gets_a_link(db, owner):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=1)
    batch = Distribution.objects.create(
        survey=survey,
        owner=owner,
        kind=Distribution.Kind.LINKS,
        contact_list=contact_list,
        list_name=contact_list.name,
        status=Distribution.Status.READY,
        link_expires_at=timezone.now() + timedelta(days=30),
    )
    late = Contact.objects.create(contact_list=contact_list, email="late@example.edu")
    assert (
        distribution_recipients_add(user=owner, distribution=batch, contacts=[late])
        == 1
    )
    invitation = Invitation.objects.get(distribution=batch)
    assert invitation.email == "late@example.edu"
    assert not invitation.deliveries.exists()


def test_refused_before_it_went_out_or_for_someone_else(db, owner, other_owner):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=1)
    scheduled = email_distribution(
        survey, contact_list, send_at=timezone.now() + timedelta(days=1)
    )
    contact = contact_list.contacts.get()
    with pytest.raises(ValidationError, match="scheduled"):
        distribution_recipients_add(
            user=owner, distribution=scheduled, contacts=[contact]
        )
    with pytest.raises(ValidationError):
        distribution_recipients_add(
            user=other_owner, distribution=scheduled, contacts=[contact]
        )


def test_the_view_page_adds_by_address(db, smtp_server, eager, owner, owner_client):
    from django.urls import reverse

    survey = published_survey(owner)
    contact_list = make_list(owner, n=1)
    distribution = email_distribution(survey, contact_list)
    distributions_dispatch_due()
    smtp_server.wait_for(1)
    Contact.objects.create(contact_list=contact_list, email="Late@Example.edu")
    detail = reverse(
        "distributions:email_detail",
        kwargs={"survey_id": survey.pk, "pk": distribution.pk},
    )
    assert "Add recipients" in owner_client.get(detail).content.decode()
    response = owner_client.post(
        reverse(
            "distributions:email_recipients_add",
            kwargs={"survey_id": survey.pk, "pk": distribution.pk},
        ),
        {"emails": "late@example.edu\nnobody@example.edu"},
        follow=True,
    )
    page = response.content.decode()
    assert "1 recipient added" in page and "nobody@example.edu" in page
    # Eager tasks run on commit, and this test's transaction never commits:
    # the delivery waits, queued, for its send_batch.
    assert distribution.deliveries.filter(invitation__email="Late@Example.edu").exists()
