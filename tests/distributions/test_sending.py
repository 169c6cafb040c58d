"""The sending pipeline run in-process (tasks eager) against a real SMTP server.

The same services run in real worker processes in test_pipeline_reliability.py.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app as celery_app
from core.models import WorkerLease
from directories.models import Suppression
from distributions.models import Delivery, Distribution, Invitation
from distributions.selectors.invitations import invitations_with_status
from distributions.services import sweeper
from distributions.services.dispatch import (
    _dispatch_one,
    distribution_cancel,
    distributions_dispatch_due,
)
from distributions.services.invitations import invitations_create_from_list
from distributions.services.send import CLAIM_LEASE, deliveries_send
from distributions.services.sweeper import INTERRUPTED, deliveries_sweep
from distributions.status import invitation_status
from teams.services import personal_team_id
from tests.distributions.pipeline_support import (
    delivery_statuses,
    email_distribution,
    published_survey,
)
from tests.helpers import answer_survey, make_list


@pytest.fixture
def eager(settings):
    """Run tasks inline: enqueued batches are sent before .delay() returns."""
    celery_app.conf.task_always_eager = True
    settings.DISTRIBUTIONS_RETRY_BASE_SECONDS = 1
    # Other threads would not see this test's uncommitted rows; the worker tests
    # (test_pipeline_reliability.py) run the threaded lanes.
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    yield
    celery_app.conf.task_always_eager = False


def dispatch_without_sending():
    """Create the due distribution's deliveries, as the dispatcher does, and stop."""
    celery_app.conf.task_always_eager = False
    try:
        _dispatch_one()
    finally:
        celery_app.conf.task_always_eager = True


def test_dispatch_sends_one_email_per_contact_and_finishes(db, smtp_server, eager):
    survey = published_survey()
    contact_list = make_list(survey.owner, n=5)
    distribution = email_distribution(survey, contact_list)

    assert distributions_dispatch_due() == [distribution.pk]

    mails = smtp_server.wait_for(5)
    assert sorted(m.recipients[0] for m in mails) == [
        f"person{n}@example.edu" for n in range(5)
    ]
    distribution.refresh_from_db()
    assert distribution.status == "sent"
    assert distribution.recipients_total == 5
    assert distribution.dispatched_at and distribution.finished_at
    deliveries = list(distribution.deliveries.all())
    assert {d.status for d in deliveries} == {"sent"}
    assert all(d.message_id.startswith("<") and d.sent_at for d in deliveries)
    assert {d.message_id for d in deliveries} == {
        m.message["Message-ID"] for m in mails
    }
    # Each mail carries the link of its own invitation.
    for invitation in Invitation.objects.filter(distribution=distribution):
        [mail] = smtp_server.to(invitation.email)
        assert f"/s/{invitation.token}/" in mail.text()
    # Nothing is due any more: a second dispatch does nothing.
    assert distributions_dispatch_due() == []
    assert len(smtp_server.received) == 5


def test_not_yet_due_is_left_alone(db, smtp_server, eager):
    survey = published_survey()
    distribution = email_distribution(
        survey,
        make_list(survey.owner, n=2),
        send_at=timezone.now() + timedelta(hours=1),
    )

    assert distributions_dispatch_due() == []

    distribution.refresh_from_db()
    assert distribution.status == "scheduled"
    assert not distribution.deliveries.exists()


def test_suppressed_addresses_get_opted_out_and_no_mail(db, smtp_server, eager):
    survey = published_survey()
    contact_list = make_list(survey.owner, n=3)
    Suppression.objects.create(
        owner=survey.owner,
        team_id=personal_team_id(survey.owner.pk),
        email="PERSON1@Example.edu",
        reason="opted_out",
    )
    # Another owner's suppression does not apply.
    Suppression.objects.create(
        owner=(stranger := published_survey().owner),
        team_id=personal_team_id(stranger.pk),
        email="person2@example.edu",
    )
    distribution = email_distribution(survey, contact_list)

    distributions_dispatch_due()

    smtp_server.wait_for(2)
    assert smtp_server.to("person1@example.edu") == []
    assert len(smtp_server.to("person2@example.edu")) == 1
    opted_out = Delivery.objects.get(distribution=distribution, status="opted_out")
    assert opted_out.invitation.email == "person1@example.edu"
    assert opted_out.error == "Not sent: suppressed (Opted out)."
    distribution.refresh_from_db()
    assert distribution.status == "sent"
    assert delivery_statuses(distribution) == {"sent": 2, "opted_out": 1}


def test_reminder_audience_is_evaluated_when_it_is_sent(db, smtp_server, eager):
    survey = published_survey()
    invite = email_distribution(survey, make_list(survey.owner, n=4))
    distributions_dispatch_due()
    smtp_server.wait_for(4)
    reminder = email_distribution(
        survey,
        None,
        parent=invite,
        message_type="reminder",
        audience="not_finished",
        subject="Reminder",
        send_at=timezone.now() + timedelta(hours=1),
    )
    invitations = {i.email: i for i in invite.invitations.all()}
    # After the reminder was scheduled: person0 finishes, person1 only starts,
    # person2's link is revoked, person3 has done nothing.
    answer_survey(invitations["person0@example.edu"])
    answer_survey(invitations["person1@example.edu"], pages=1)
    Invitation.objects.filter(pk=invitations["person2@example.edu"].pk).update(
        revoked_at=timezone.now()
    )
    Distribution.objects.filter(pk=reminder.pk).update(send_at=timezone.now())

    distributions_dispatch_due()

    reminders = [m for m in smtp_server.wait_for(6) if m.subject == "Reminder"]
    assert sorted(m.recipients[0] for m in reminders) == [
        "person1@example.edu",
        "person3@example.edu",
    ]
    [to_person3] = [m for m in reminders if m.recipients == ["person3@example.edu"]]
    # The reminder reuses the invitation's own link.
    assert f"/s/{invitations['person3@example.edu'].token}/" in to_person3.text()
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.recipients_total == 2


def test_thank_you_goes_to_finished_only(db, smtp_server, eager):
    survey = published_survey()
    invite = email_distribution(survey, make_list(survey.owner, n=3))
    distributions_dispatch_due()
    smtp_server.wait_for(3)
    answer_survey(invite.invitations.get(email="person2@example.edu"))
    email_distribution(
        survey,
        None,
        parent=invite,
        message_type="thank_you",
        audience="finished",
        subject="Thanks",
        body="Thank you ${m://FirstName}",
    )

    distributions_dispatch_due()

    thanks = [m for m in smtp_server.wait_for(4) if m.subject == "Thanks"]
    assert [m.recipients[0] for m in thanks] == ["person2@example.edu"]


def test_a_reminder_waits_for_its_parent_to_be_dispatched(db, smtp_server, eager):
    survey = published_survey()
    invite = email_distribution(
        survey,
        make_list(survey.owner, n=2),
        send_at=timezone.now() + timedelta(hours=1),
    )
    reminder = email_distribution(
        survey, None, parent=invite, message_type="reminder", audience="not_finished"
    )

    assert distributions_dispatch_due() == []

    reminder.refresh_from_db()
    assert reminder.status == "scheduled"


def test_permanent_and_temporary_refusals(db, smtp_server, eager):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=4))
    smtp_server.refuse = {
        "person1@example.edu": "550 5.1.1 No such user",
        "person2@example.edu": "451 4.3.0 Try again later",
    }

    distributions_dispatch_due()

    smtp_server.wait_for(3)
    failed = Delivery.objects.get(distribution=distribution, status="failed")
    assert failed.invitation.email == "person1@example.edu"
    assert failed.error == "550 5.1.1 No such user"
    assert Suppression.objects.filter(
        owner=survey.owner, email="person1@example.edu", reason="bounced"
    ).exists()
    retried = Delivery.objects.get(
        distribution=distribution, invitation__email="person2@example.edu"
    )
    assert retried.status == "sent" and retried.attempts == 2
    assert len(smtp_server.to("person2@example.edu")) == 1
    distribution.refresh_from_db()
    assert distribution.status == "sent"
    # A reminder skips the bounced address, whose history stays Email Failed.
    reminder = email_distribution(
        survey,
        None,
        parent=distribution,
        message_type="reminder",
        audience="not_finished",
        subject="Reminder",
    )
    distributions_dispatch_due()
    assert sorted(reminder.deliveries.values_list("invitation__email", flat=True)) == [
        "person0@example.edu",
        "person2@example.edu",
        "person3@example.edu",
    ]
    statuses = {
        i.email: invitation_status(i)
        for i in invitations_with_status(distribution=distribution)
    }
    assert statuses["person1@example.edu"] == "Email Failed"


def test_temporary_failures_give_up_after_max_attempts(
    db, smtp_server, eager, settings
):
    settings.DISTRIBUTIONS_MAX_ATTEMPTS = 3
    smtp_server.temporary_times = 100
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=1))
    smtp_server.refuse = {"person0@example.edu": "452 4.2.2 Mailbox full"}

    distributions_dispatch_due()

    delivery = distribution.deliveries.get()
    assert delivery.status == "failed" and delivery.attempts == 3
    assert delivery.error == (
        "Gave up after 3 attempts; last reply: 452 4.2.2 Mailbox full"
    )
    assert smtp_server.received == []


def test_a_claimed_delivery_is_not_sent_again(db, smtp_server, eager):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=2))
    distributions_dispatch_due()
    smtp_server.wait_for(2)
    ids = list(distribution.deliveries.values_list("pk", flat=True))

    # A redelivered task with the same ids: every delivery is already sent.
    Delivery.objects.filter(pk=ids[0]).update(status="sending")
    assert deliveries_send(delivery_ids=ids) == {}

    assert len(smtp_server.received) == 2


def test_closed_survey_fails_the_distribution_with_a_reason(db, smtp_server, eager):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=2))
    survey.state = "closed"
    survey.save()

    distributions_dispatch_due()

    distribution.refresh_from_db()
    assert distribution.status == "failed"
    assert distribution.error == "Not sent: the survey is closed at the scheduled time."
    assert smtp_server.received == []


def test_cancel_until_it_starts_sending(db, smtp_server, eager):
    survey = published_survey()
    scheduled = email_distribution(
        survey,
        make_list(survey.owner, n=2),
        send_at=timezone.now() + timedelta(minutes=5),
    )
    started = email_distribution(survey, make_list(survey.owner, n=1))
    distributions_dispatch_due()

    assert distribution_cancel(user=survey.owner, distribution=scheduled) is True
    assert distribution_cancel(user=survey.owner, distribution=started) is False
    other = published_survey().owner
    assert distribution_cancel(user=other, distribution=scheduled) is False

    scheduled.refresh_from_db()
    assert scheduled.status == "cancelled" and scheduled.cancelled_at
    Distribution.objects.filter(pk=scheduled.pk).update(send_at=timezone.now())
    assert distributions_dispatch_due() == []
    assert len(smtp_server.received) == 1


def postgresql_started_at():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        return cursor.fetchone()[0]


def dead_claim(deliveries, claimed_at, *, in_flight):
    """Claim deliveries as a lane that died would have left them: "sending",
    under a claim lease last renewed an hour ago, carrying its in_flight."""
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status="sending", claimed_at=claimed_at
    )
    WorkerLease.objects.create(
        key=f"{CLAIM_LEASE}:{claimed_at.timestamp()}",
        holder="dead:1",
        renewed_at=timezone.now() - timedelta(hours=1),
        data={"claimed_at": claimed_at.isoformat(), "in_flight": in_flight},
    )


def test_sweeper_resolves_what_a_dead_worker_left(db, smtp_server, eager):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=5))
    # Dispatched by a worker that died: deliveries exist, no task carries them.
    dispatch_without_sending()
    in_flight, never_started, *lost = distribution.deliveries.order_by("pk")
    # Claimed since PostgreSQL's start (a claim from before a restart is all in
    # doubt), however recently the server started, and stuck by the time asked.
    claimed_at = postgresql_started_at()
    stuck_after = (timezone.now() - claimed_at) / 2
    # One claim group of a lane with one email in flight: the lowest still
    # "sending" may have reached the server.
    dead_claim([in_flight, never_started], claimed_at, in_flight=1)
    # Overdue even while the broker's queue holds other tasks (10× requeue_after).
    long_ago = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk__in=[d.pk for d in lost]).update(enqueued_at=long_ago)

    result = deliveries_sweep(
        stuck_after=stuck_after, requeue_after=timedelta(seconds=30)
    )

    assert result["interrupted"] == 1 and result["released"] == 1
    assert result["requeued"] == 4
    in_flight.refresh_from_db()
    assert in_flight.status == "failed" and in_flight.error == INTERRUPTED
    expected = sorted(d.invitation.email for d in [never_started, *lost])
    assert sorted(m.recipients[0] for m in smtp_server.wait_for(4)) == expected
    distribution.refresh_from_db()
    assert distribution.status == "sent"
    assert delivery_statuses(distribution) == {"sent": 4, "failed": 1}


def test_the_lowest_in_flight_of_a_dead_claim_are_in_doubt(db, smtp_server, eager):
    """A lane writes outcomes several at a time: a dead lane's group may have
    handed its lowest in_flight "sending" deliveries to the mail server; the
    rest never started and go out once, later."""
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=6))
    dispatch_without_sending()
    deliveries = list(distribution.deliveries.order_by("pk"))
    # The first was written sent before the lane died.
    Delivery.objects.filter(pk=deliveries[0].pk).update(status="sent")
    claimed_at = postgresql_started_at()
    dead_claim(deliveries[1:], claimed_at, in_flight=3)

    result = deliveries_sweep(stuck_after=(timezone.now() - claimed_at) / 2)

    assert result["interrupted"] == 3 and result["released"] == 2
    in_doubt = Delivery.objects.filter(distribution=distribution, status="failed")
    assert sorted(in_doubt.values_list("pk", flat=True)) == [
        d.pk for d in deliveries[1:4]
    ]
    assert {d.error for d in in_doubt} == {INTERRUPTED}
    mails = smtp_server.wait_for(2)
    assert sorted(m.recipients[0] for m in mails) == sorted(
        d.invitation.email for d in deliveries[4:]
    )
    assert not WorkerLease.objects.exists(), "the dead claim's lease is deleted"


@pytest.mark.parametrize("crashed", [True, False])
def test_a_claim_from_before_a_postgresql_crash_is_all_in_doubt(
    db, smtp_server, eager, monkeypatch, crashed
):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=2))
    dispatch_without_sending()
    # Outcome marks committed without waiting for the WAL flush may be lost in a
    # crash, so no delivery of a claim older than a crashed server counts as
    # unsent; a clean restart loses nothing, so only the lowest is in doubt.
    monkeypatch.setattr(sweeper, "_database_crashed", lambda cursor: crashed)
    dead_claim(
        distribution.deliveries.all(),
        postgresql_started_at() - timedelta(seconds=1),
        in_flight=1,
    )

    result = deliveries_sweep(stuck_after=timedelta(microseconds=1))

    if crashed:
        assert result["interrupted"] == 2 and result["released"] == 0
        assert delivery_statuses(distribution) == {"failed": 2}
        assert smtp_server.received == []
    else:
        assert result["interrupted"] == 1 and result["released"] == 1
        assert delivery_statuses(distribution) == {"failed": 1, "sent": 1}
        assert len(smtp_server.received) == 1


def test_the_sweeper_tells_a_clean_restart_from_a_crash(db):
    from django.db import connection

    with connection.cursor() as cursor:
        # The shared test server was started cleanly (and its statistics kept).
        cursor.execute(
            "SELECT (SELECT stats_reset FROM pg_stat_bgwriter), "
            "pg_postmaster_start_time()"
        )
        reset, started = cursor.fetchone()
        assert sweeper._database_crashed(cursor) == (reset >= started)


def test_a_live_send_is_not_swept(db, smtp_server, eager):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=1))
    dispatch_without_sending()
    Delivery.objects.filter(distribution=distribution).update(
        status="sending", claimed_at=timezone.now()
    )

    assert deliveries_sweep()["interrupted"] == 0

    assert distribution.deliveries.get().status == "sending"


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_dispatch_once(smtp_server):
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=50))
    results = []
    barrier = threading.Barrier(2)

    def dispatch():
        barrier.wait()
        try:
            results.append(_dispatch_one())
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=str) == [distribution.pk, None]
    assert distribution.deliveries.count() == 50
    assert Invitation.objects.filter(distribution=distribution).count() == 50


def test_reminder_of_a_personal_links_batch(db, smtp_server, eager):
    survey = published_survey()
    contact_list = make_list(survey.owner, n=3)
    batch = Distribution.objects.create(
        survey=survey,
        owner=survey.owner,
        team_id=personal_team_id(survey.owner.pk),
        kind="links",
        status="ready",
        contact_list=contact_list,
        list_name=contact_list.name,
    )
    invitations_create_from_list(
        distribution=batch,
        contact_list=contact_list,
        expires_at=timezone.now() + timedelta(days=30),
    )
    answer_survey(batch.invitations.get(email="person0@example.edu"))
    reminder = email_distribution(
        survey, None, parent=batch, message_type="reminder", audience="not_finished"
    )

    distributions_dispatch_due()

    mails = smtp_server.wait_for(2)
    assert sorted(m.recipients[0] for m in mails) == [
        "person1@example.edu",
        "person2@example.edu",
    ]
    reminder.refresh_from_db()
    assert reminder.status == "sent"


def test_other_mail_backends_get_the_same_email(db, eager, mailoutbox):
    """`make run` writes mail to files (DEBUG outbox); tests use locmem."""
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=2))

    distributions_dispatch_due()

    assert sorted(m.to[0] for m in mailoutbox) == [
        "person0@example.edu",
        "person1@example.edu",
    ]
    assert mailoutbox[0].extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    assert delivery_statuses(distribution) == {"sent": 2}


@pytest.mark.django_db(transaction=True)
def test_cancel_waits_for_a_dispatch_in_progress_and_then_refuses():
    survey = published_survey()
    distribution = email_distribution(survey, make_list(survey.owner, n=1))
    locked, results = threading.Event(), []

    def cancel():
        locked.wait()
        try:
            results.append(
                distribution_cancel(user=survey.owner, distribution=distribution)
            )
        finally:
            connection.close()

    canceller = threading.Thread(target=cancel)
    canceller.start()
    # The dispatcher's transaction: the row lock, then the move to "sending".
    with transaction.atomic():
        Distribution.objects.select_for_update().get(pk=distribution.pk)
        locked.set()
        canceller.join(timeout=0.5)
        assert canceller.is_alive(), "cancel did not wait for the row lock"
        Distribution.objects.filter(pk=distribution.pk).update(status="sending")
    canceller.join(timeout=10)

    assert results == [False]
    distribution.refresh_from_db()
    assert distribution.status == "sending" and distribution.cancelled_at is None
