"""Background jobs started by a member who is removed (or demoted) before they run
(issue 18): the dispatcher and the links task re-check that member's right to send
in the team when they start, so nothing is emailed or generated, and the Emails and
Links pages say why."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from distributions.models import Delivery, Distribution, Invitation
from distributions.services.compose import distribution_schedule
from distributions.services.dispatch import distributions_dispatch_due
from distributions.services.links import links_generate
from surveys.models import Survey
from teams.models import Membership, Role
from teams.services import team_create
from tests.distributions.ui_support import GOOD_BODY, published_survey
from tests.factories import UserFactory
from tests.helpers import make_list, wait_until

NOT_ALLOWED = "no longer has the right to send in this team"


def _team_with_editor():
    owner, editor = UserFactory(), UserFactory()
    team = team_create(user=owner, name="Lab")
    membership = Membership.objects.create(team=team, user=editor, role=Role.EDITOR)
    survey = published_survey(owner)
    Survey.objects.filter(pk=survey.pk).update(team=team)
    survey.refresh_from_db()
    the_list = make_list(editor, n=3)
    type(the_list).objects.filter(pk=the_list.pk).update(team=team)
    the_list.refresh_from_db()
    return owner, editor, membership, survey, the_list


def _schedule(editor, survey, the_list, *, send_at):
    return distribution_schedule(
        user=editor,
        survey=survey,
        contact_list=the_list,
        from_name="Study team",
        from_email="study@example.edu",
        reply_to="",
        subject="Your survey",
        body=GOOD_BODY,
        send_at=send_at,
        link_expires_at=send_at + timedelta(days=30),
    )


def _page(owner, name, survey) -> str:
    client = Client()
    client.force_login(owner)
    url = reverse(f"distributions:{name}", kwargs={"survey_id": survey.pk})
    return client.get(url).content.decode()


@pytest.mark.django_db
def test_a_scheduled_email_of_a_demoted_member_is_not_sent():
    owner, editor, membership, survey, the_list = _team_with_editor()
    scheduled = _schedule(
        editor, survey, the_list, send_at=timezone.now() + timedelta(hours=1)
    )
    # Editor → Analyst before the hour passes: analysts do not send.
    Membership.objects.filter(pk=membership.pk).update(role=Role.ANALYST)
    Distribution.objects.filter(pk=scheduled.pk).update(send_at=timezone.now())

    assert distributions_dispatch_due() == [scheduled.pk]

    scheduled.refresh_from_db()
    assert scheduled.status == Distribution.Status.FAILED
    assert NOT_ALLOWED in scheduled.error
    assert not Delivery.objects.filter(distribution=scheduled).exists()
    assert not Invitation.objects.filter(distribution=scheduled).exists()
    assert mail.outbox == []
    assert NOT_ALLOWED in _page(owner, "emails", survey)


@pytest.mark.django_db
def test_a_member_who_still_may_send_is_dispatched():
    owner, editor, membership, survey, the_list = _team_with_editor()
    scheduled = _schedule(editor, survey, the_list, send_at=timezone.now())

    distributions_dispatch_due()

    scheduled.refresh_from_db()
    assert scheduled.status in (Distribution.Status.SENDING, Distribution.Status.SENT)
    assert Delivery.objects.filter(distribution=scheduled).count() == 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_nothing_for_a_member_removed_before_it_runs(
    smtp_server, celery_worker_factory
):
    owner, editor, membership, survey, the_list = _team_with_editor()
    # "When: Now": the dispatcher's task is queued at commit, before any worker.
    sent_now = _schedule(editor, survey, the_list, send_at=timezone.now())
    membership.delete()

    celery_worker_factory(concurrency=1)

    wait_until(
        lambda: (
            Distribution.objects.get(pk=sent_now.pk).status
            == Distribution.Status.FAILED
        ),
        timeout=60,
        message="the distribution refused",
    )
    sent_now.refresh_from_db()
    assert NOT_ALLOWED in sent_now.error
    assert not Delivery.objects.filter(distribution=sent_now).exists()
    assert smtp_server.received == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_links_task_generates_nothing_for_a_member_removed_before_it_runs(
    settings, celery_worker_factory
):
    settings.LINKS_SYNC_MAX = 1  # three contacts: made by the worker
    owner, editor, membership, survey, the_list = _team_with_editor()
    batch = links_generate(
        user=editor,
        survey=survey,
        contact_list=the_list,
        expires_at=timezone.now() + timedelta(days=7),
    )
    assert batch.status == Distribution.Status.GENERATING
    membership.delete()

    celery_worker_factory(concurrency=1)

    wait_until(
        lambda: (
            Distribution.objects.get(pk=batch.pk).status == Distribution.Status.FAILED
        ),
        timeout=60,
        message="the batch refused",
    )
    batch.refresh_from_db()
    assert NOT_ALLOWED in batch.error
    assert not Invitation.objects.filter(distribution=batch).exists()
    assert NOT_ALLOWED in _page(owner, "links", survey)
