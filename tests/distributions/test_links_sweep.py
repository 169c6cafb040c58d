"""The sweep re-enqueues a personal-links batch whose generate_links task was lost."""

import datetime
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from distributions.models import Distribution
from distributions.services import sweeper
from distributions.services.links import ADVISORY_LOCK_LINKS
from teams.services import personal_team_id
from tests.factories import build_survey
from tests.helpers import make_list


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(sweeper, "enqueue_now", lambda *args: calls.append(args))
    monkeypatch.setattr(sweeper, "queue_is_idle", lambda: True)
    return calls


def batch(
    owner, *, status="generating", kind="links", age=timedelta(minutes=3), **fields
):
    the_list = make_list(owner, n=2)
    distribution = Distribution.objects.create(
        survey=build_survey(owner),
        owner=owner,
        team_id=personal_team_id(owner.pk),
        kind=kind,
        contact_list=the_list,
        list_name=the_list.name,
        status=status,
        recipients_total=2,
        link_expires_at=timezone.now() + datetime.timedelta(days=7),
        **fields,
    )
    # created_at is auto_now_add: backdated afterwards.
    Distribution.objects.filter(pk=distribution.pk).update(
        created_at=timezone.now() - age
    )
    return distribution


def test_a_batch_generating_with_no_run_and_an_empty_queue_is_enqueued_again(
    owner, sent
):
    lost = batch(owner)
    batch(owner, age=timedelta(seconds=5))  # its task may be on its way
    batch(owner, status="ready")
    batch(owner, kind="email", status="sending", send_at=timezone.now())

    assert sweeper.links_batches_requeue(requeue_after=timedelta(minutes=2)) == [
        lost.pk
    ]
    assert sent == [("distributions.generate_links", lost.pk)]


def test_a_batch_a_live_run_holds_is_left_to_it(owner, sent):
    running = batch(owner)
    key = [ADVISORY_LOCK_LINKS, running.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        assert sweeper.links_batches_requeue(requeue_after=timedelta(minutes=2)) == []
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    # The run died (its lock went with its connection): now it is lost.
    assert sweeper.links_batches_requeue(requeue_after=timedelta(minutes=2)) == [
        running.pk
    ]


def test_nothing_is_enqueued_while_the_queue_holds_tasks(owner, sent, monkeypatch):
    batch(owner)
    monkeypatch.setattr(sweeper, "queue_is_idle", lambda: False)

    assert sweeper.links_batches_requeue(requeue_after=timedelta(minutes=2)) == []
    assert sent == []
