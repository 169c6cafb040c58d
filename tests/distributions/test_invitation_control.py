"""Each link under control: recipients, timeline, revoke, extend, regenerate."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from distributions.models import Delivery, Distribution, Invitation
from distributions.services.links import (
    invitation_regenerate,
    invitation_revoke,
    invitations_extend_unfinished,
    links_generate,
)
from teams.services import personal_team_id
from tests.distributions.links_support import (
    read_csv,
    streamed,
)
from tests.factories import build_survey
from tests.helpers import answer_survey, make_list


@pytest.fixture
def survey(owner):
    return build_survey(owner)


@pytest.fixture
def batch(owner, survey):
    return links_generate(
        user=owner,
        survey=survey,
        contact_list=make_list(owner, n=4),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )


def url(name, invitation, **extra):
    return reverse(
        f"distributions:{name}",
        kwargs={
            "survey_id": invitation.distribution.survey_id,
            "pk": invitation.distribution_id,
            "invitation_id": invitation.pk,
            **extra,
        },
    )


def link_path(invitation):
    return f"/s/{invitation.token}/"


def test_a_fresh_link_opens_the_survey(client, batch):
    invitation = batch.invitations.first()
    response = client.get(link_path(invitation))
    assert response.status_code == 200
    assert "Do you live on campus?" in response.content.decode()


def test_revoke_makes_the_link_show_the_neutral_page_at_once(
    owner_client, client, batch
):
    invitation = batch.invitations.first()
    assert owner_client.get(url("invitation_revoke", invitation)).status_code == 405

    response = owner_client.post(url("invitation_revoke", invitation))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    opened = client.get(link_path(invitation))
    assert opened.status_code == 404
    assert "Do you live on campus?" not in opened.content.decode()
    detail = owner_client.get(url("invitation_detail", invitation)).content.decode()
    assert "Link Revoked" in detail
    assert "Link revoked" in detail  # the timeline entry
    # Revoking twice changes nothing more.
    assert not invitation_revoke(user=batch.owner, invitation_id=invitation.pk)


def test_an_expired_link_is_refused_and_extend_brings_it_back(
    owner_client, client, batch
):
    invitation = batch.invitations.first()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client.get(link_path(invitation)).status_code == 410

    response = owner_client.post(url("invitation_extend", invitation), {"expiry": "1w"})

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=6)
    assert client.get(link_path(invitation)).status_code == 200


def test_extend_refuses_a_past_date(owner_client, batch):
    invitation = batch.invitations.first()
    before = invitation.expires_at
    response = owner_client.post(
        url("invitation_extend", invitation),
        {"expiry": "custom", "expires_on": "2020-01-01"},
        follow=True,
    )
    assert "must be in the future" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.expires_at == before


def test_regenerate_gives_a_new_link_and_the_old_one_stops_working(
    owner_client, client, batch
):
    invitation = batch.invitations.first()
    old = invitation.token
    answer_survey(invitation, pages=1)
    invitation.refresh_from_db()
    started_id = invitation.response_id

    owner_client.post(url("invitation_regenerate", invitation))

    invitation.refresh_from_db()
    assert invitation.token != old
    assert len(invitation.token) >= 43
    assert invitation.response_id == started_id  # progress is kept
    assert client.get(f"/s/{old}/").status_code == 404
    assert client.get(link_path(invitation)).status_code == 200
    # The history keeps one row for the contact, with the current link.
    history = owner_client.get(
        reverse(
            "distributions:links_history",
            kwargs={"survey_id": batch.survey_id, "pk": batch.pk},
        )
    )
    _, rows = read_csv(streamed(history))
    mine = [r for r in rows if r["Email"] == invitation.email]
    assert len(mine) == 1
    assert mine[0]["Link"].endswith(f"/s/{invitation.token}/")
    assert mine[0]["Status"] == "Survey Started"
    assert all(old not in r["Link"] for r in rows)


def test_regenerate_reopens_a_revoked_link(batch, client):
    invitation = batch.invitations.first()
    invitation_revoke(user=batch.owner, invitation_id=invitation.pk)
    assert invitation_regenerate(user=batch.owner, invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert client.get(link_path(invitation)).status_code == 200


def test_a_finished_link_is_not_regenerated_or_extended(owner_client, batch):
    invitation = batch.invitations.first()
    answer_survey(invitation)
    token, expires = invitation.token, invitation.expires_at
    owner_client.post(url("invitation_regenerate", invitation))
    owner_client.post(url("invitation_extend", invitation), {"expiry": "6m"})
    invitation.refresh_from_db()
    assert (invitation.token, invitation.expires_at) == (token, expires)


def test_bulk_extend_moves_only_unfinished_usable_links(owner_client, batch):
    finished, started, revoked, fresh = batch.invitations.order_by("id")
    answer_survey(finished)
    answer_survey(started, pages=1)
    invitation_revoke(user=batch.owner, invitation_id=revoked.pk)
    before = {i.pk: i.expires_at for i in batch.invitations.all()}

    response = owner_client.post(
        reverse(
            "distributions:links_extend_all",
            kwargs={"survey_id": batch.survey_id, "pk": batch.pk},
        ),
        {"extend-expiry": "6m"},
        follow=True,
    )

    assert "2 unfinished links now expire" in response.content.decode()
    after = {i.pk: i.expires_at for i in batch.invitations.all()}
    assert after[finished.pk] == before[finished.pk]
    assert after[revoked.pk] == before[revoked.pk]
    for moved in (started, fresh):
        assert after[moved.pk] > before[moved.pk] + datetime.timedelta(days=150)
    batch.refresh_from_db()
    assert batch.link_expires_at == after[fresh.pk]
    # Never shortens: a 1-week extension now moves nothing.
    assert (
        invitations_extend_unfinished(
            user=batch.owner,
            distribution_id=batch.pk,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
        == 0
    )


def test_recipients_are_searchable_with_a_copy_link_each(owner_client, batch):
    recipients = reverse(
        "distributions:recipients",
        kwargs={"survey_id": batch.survey_id, "pk": batch.pk},
    )
    page = owner_client.get(recipients).content.decode()
    for invitation in batch.invitations.all():
        assert invitation.email in page
        assert 'value="http://' in page or 'value="https://' in page
        assert f"/s/{invitation.token}/" in page
    assert page.count("Copy link") == 4

    found = owner_client.get(recipients, {"q": "person2@"}).content.decode()
    assert "person2@example.edu" in found
    assert "person1@example.edu" not in found
    by_name = owner_client.get(recipients, {"q": "Last3"}).content.decode()
    assert "person3@example.edu" in by_name and "person0@" not in by_name


def test_the_recipient_list_is_paginated(owner_client, owner, survey):
    big = links_generate(
        user=owner,
        survey=survey,
        contact_list=make_list(owner, name="Big", n=30),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    recipients = reverse(
        "distributions:recipients", kwargs={"survey_id": survey.pk, "pk": big.pk}
    )
    first = owner_client.get(recipients).content.decode()
    assert "Page 1 of 2" in first
    assert first.count("Copy link") == 25
    second = owner_client.get(recipients, {"page": 2}).content.decode()
    assert second.count("Copy link") == 5


def test_the_timeline_shows_created_emails_started_finished(owner_client, batch):
    invitation = batch.invitations.first()
    reminder = Distribution.objects.create(
        survey=batch.survey,
        owner=batch.owner,
        team_id=personal_team_id(batch.owner.pk),
        parent=batch,
        kind="email",
        message_type="reminder",
        audience="not_finished",
        list_name=batch.list_name,
        send_at=timezone.now(),
        status="sent",
    )
    Delivery.objects.create(
        distribution=reminder,
        invitation=invitation,
        status="sent",
        sent_at=timezone.now(),
        message_id="<m1@canvass>",
    )
    failed = Distribution.objects.create(
        survey=batch.survey,
        owner=batch.owner,
        team_id=personal_team_id(batch.owner.pk),
        parent=batch,
        kind="email",
        message_type="reminder",
        audience="not_finished",
        list_name=batch.list_name,
        send_at=timezone.now(),
        status="sent",
    )
    Delivery.objects.create(
        distribution=failed,
        invitation=invitation,
        status="failed",
        claimed_at=timezone.now(),
        error="550 5.1.1 No such user",
    )
    answer_survey(invitation)

    page = owner_client.get(url("invitation_detail", invitation)).content.decode()

    for label in (
        "Link created",
        "Reminder email sent",
        "Reminder email failed",
        "550 5.1.1 No such user",
        "Survey started",
        "Survey finished",
    ):
        assert label in page, label
    assert "Survey Finished" in page  # the status
    assert "Regenerate link" not in page


def test_an_email_distributions_recipients_have_the_same_controls(
    owner_client, owner, survey, client
):
    email = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team_id=personal_team_id(owner.pk),
        kind="email",
        list_name="Staff",
        contact_list=make_list(owner, name="Staff", n=2),
        send_at=timezone.now(),
        status="sent",
        link_expires_at=timezone.now() + datetime.timedelta(days=60),
    )
    from distributions.services.invitations import invitations_create_from_list

    invitations_create_from_list(
        distribution=email,
        contact_list=email.contact_list,
        expires_at=email.link_expires_at,
    )
    invitation = email.invitations.first()
    page = owner_client.get(
        reverse(
            "distributions:recipients",
            kwargs={"survey_id": survey.pk, "pk": email.pk},
        )
    ).content.decode()
    assert invitation.email in page
    owner_client.post(url("invitation_revoke", invitation))
    assert client.get(link_path(invitation)).status_code == 404
