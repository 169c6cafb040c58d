"""One more recipient (issue 17 h): contacts added to a distribution or a links
batch that has already gone out get their own link and email; nobody else is
emailed again."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from directories.models import Contact, Suppression
from distributions.models import Delivery, Distribution, Invitation
from distributions.selectors.counts import distribution_counts
from distributions.services.dispatch import distributions_dispatch_due
from distributions.services.links import links_generate
from distributions.services.recipients_add import distribution_recipients_add
from teams.services import personal_team_id
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
        owner=owner,
        team_id=personal_team_id(owner.pk),
        email="gone@example.edu",
        reason="opted_out",
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
        team_id=personal_team_id(owner.pk),
        kind=Distribution.Kind.LINKS,
        contact_list=contact_list,
        list_name=contact_list.name,
        status=Distribution.Status.READY,
        link_expires_at=timezone.now() + timedelta(days=30),
    )
    late = Contact.objects.create(contact_list=contact_list, email="late@example.edu")
    gone = Contact.objects.create(contact_list=contact_list, email="Gone@example.edu")
    Suppression.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        email="gone@example.edu",
        reason="opted_out",
    )
    assert (
        distribution_recipients_add(
            user=owner, distribution=batch, contacts=[late, gone]
        )
        == 1
    )
    invitation = Invitation.objects.get(distribution=batch)
    assert invitation.email == "late@example.edu"
    assert not invitation.deliveries.exists()
    # A batch that included the opted-out (links_generate's choice) takes them.
    Distribution.objects.filter(pk=batch.pk).update(include_opted_out=True)
    assert (
        distribution_recipients_add(user=owner, distribution=batch, contacts=[gone])
        == 1
    )


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
    # Another account is not in the distribution's team: as if it did not exist.
    with pytest.raises(Http404):
        distribution_recipients_add(
            user=other_owner, distribution=scheduled, contacts=[contact]
        )


def test_the_view_page_adds_by_address(db, smtp_server, eager, owner, owner_client):
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


def _csv_rows(client, survey, batch) -> dict[str, dict]:
    """The batch's Download links CSV, by email."""
    response = client.get(
        reverse(
            "distributions:links_download",
            kwargs={"survey_id": survey.pk, "pk": batch.pk},
        )
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["Email"]: row for row in csv.DictReader(io.StringIO(text))}


def test_a_ready_links_batch_takes_more_recipients_from_its_page(
    db, owner, owner_client
):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=2)
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=contact_list,
        expires_at=timezone.now() + timedelta(days=30),
    )
    assert batch.status == Distribution.Status.READY
    before = _csv_rows(owner_client, survey, batch)
    assert set(before) == {"person0@example.edu", "person1@example.edu"}
    Contact.objects.create(
        contact_list=contact_list, first_name="Late", email="late@example.edu"
    )
    links_page = reverse("distributions:links", kwargs={"survey_id": survey.pk})
    add_page = reverse(
        "distributions:links_recipients_add",
        kwargs={"survey_id": survey.pk, "pk": batch.pk},
    )
    assert add_page in owner_client.get(links_page).content.decode()
    form = owner_client.get(add_page).content.decode()
    assert 'name="emails"' in form and "No email is sent" in form

    response = owner_client.post(
        add_page,
        {"emails": "LATE@example.edu, person0@example.edu\nnobody@example.edu"},
        follow=True,
    )

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == links_page
    assert "1 recipient added" in page and "nobody@example.edu" in page
    after = _csv_rows(owner_client, survey, batch)
    assert set(after) == set(before) | {"late@example.edu"}
    late = Invitation.objects.get(distribution=batch, email="late@example.edu")
    assert after["late@example.edu"]["Link"].endswith(f"/s/{late.token}/")
    assert after["late@example.edu"]["First Name"] == "Late"
    for email, row in before.items():
        assert after[email] == row  # nobody else's link changed
    assert not Delivery.objects.filter(distribution=batch).exists()  # no email
    batch.refresh_from_db()
    assert batch.recipients_total == 3
    row = re.search(r'data-count="links">\s*(\d+)', page)
    assert row and row.group(1) == "3"


def test_another_owners_links_batch_is_not_found(db, owner, client, other_owner):
    survey = published_survey(owner)
    contact_list = make_list(owner, n=1)
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=contact_list,
        expires_at=timezone.now() + timedelta(days=30),
    )
    Contact.objects.create(contact_list=contact_list, email="late@example.edu")
    client.force_login(other_owner)
    add_page = reverse(
        "distributions:links_recipients_add",
        kwargs={"survey_id": survey.pk, "pk": batch.pk},
    )
    assert client.get(add_page).status_code == 404
    assert client.post(add_page, {"emails": "late@example.edu"}).status_code == 404
    assert batch.invitations.count() == 1
