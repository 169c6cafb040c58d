"""Opt-out everywhere: personal-link batches leave out contacts who opted out
(unless included, then the CSVs flag them), and Opted Out counts later unsubscribes.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directories.models import Suppression
from directories.services.suppressions import suppression_add
from distributions.expiry import ExpiryChoice
from distributions.models import Distribution
from distributions.services.links import links_generate, links_generate_run
from distributions.services.privacy import person_erase
from teams.services import personal_team_id
from tests.distributions.links_support import read_csv, streamed
from tests.distributions.ui_support import deliver, email_distribution
from tests.factories import build_survey
from tests.helpers import make_list

pytestmark = pytest.mark.django_db

OPTED_OUT = {"person1@example.edu", "person4@example.edu"}


@pytest.fixture
def survey(owner):
    return build_survey(owner)


@pytest.fixture
def students(owner):
    """Eight contacts: 1 opted out, 4 added by hand (as an opt-out), 6 bounced."""
    the_list = make_list(owner, n=8)
    suppression_add(
        owner=owner, email="Person1@Example.edu", reason=Suppression.Reason.OPTED_OUT
    )
    suppression_add(owner=owner, email="person4@example.edu")
    # A hard bounce says the address fails, not that the person refused: a
    # personal link is how such a person can still be reached.
    suppression_add(
        owner=owner, email="person6@example.edu", reason=Suppression.Reason.BOUNCED
    )
    return the_list


def post_generate(client, survey, the_list, **data):
    payload = {
        "contact_list": the_list.pk,
        "scope": "all",
        "expiry": ExpiryChoice.DEFAULT,
        "request_token": f"tok-{the_list.pk}-{len(data)}",
        **data,
    }
    return client.post(
        reverse("distributions:links_generate", kwargs={"survey_id": survey.pk}),
        payload,
    )


def download(client, batch, name="links_download"):
    url = reverse(
        f"distributions:{name}", kwargs={"survey_id": batch.survey_id, "pk": batch.pk}
    )
    return read_csv(streamed(client.get(url)))


def emails_of(batch) -> set[str]:
    return set(batch.invitations.values_list("email", flat=True))


def generating_batch(survey, the_list, *, include_opted_out=False, **fields):
    return Distribution.objects.create(
        survey=survey,
        owner=survey.owner,
        team_id=personal_team_id(survey.owner.pk),
        kind="links",
        contact_list=the_list,
        list_name=the_list.name,
        status="generating",
        include_opted_out=include_opted_out,
        recipients_total=0,
        link_expires_at=timezone.now() + datetime.timedelta(days=7),
        **fields,
    )


# --- the batch ---------------------------------------------------------------------


def test_generate_links_leaves_out_contacts_who_opted_out(
    owner_client, survey, students
):
    post_generate(owner_client, survey, students)
    batch = Distribution.objects.get(kind="links")
    assert not batch.include_opted_out
    assert batch.status == "ready"
    assert batch.recipients_total == 6
    assert emails_of(batch) == {
        f"person{i}@example.edu" for i in range(8) if i not in (1, 4)
    }
    header, rows = download(owner_client, batch)
    assert "Unsubscribed" not in header
    assert len(rows) == 6


def test_included_contacts_are_flagged_unsubscribed_in_both_csvs(
    owner_client, owner, survey, students
):
    post_generate(owner_client, survey, students, include_opted_out="on")
    batch = Distribution.objects.get(kind="links")
    assert batch.include_opted_out
    assert batch.recipients_total == 8
    for name in ("links_download", "links_history"):
        header, rows = download(owner_client, batch, name)
        assert header[-1] == "Unsubscribed", name
        flags = {row["Email"]: row["Unsubscribed"] for row in rows}
        assert flags == {
            f"person{i}@example.edu": "1" if i in (1, 4) else "0" for i in range(8)
        }, name
        assert rows[0]["Link"].endswith("/") and rows[0]["Last Name"] == "Last0"

    # The flag is the opt-out list at download time.
    suppression_add(owner=owner, email="person2@example.edu")
    Suppression.objects.filter(email="person4@example.edu").delete()
    for name in ("links_download", "links_history"):
        _, rows = download(owner_client, batch, name)
        flagged = {row["Email"] for row in rows if row["Unsubscribed"] == "1"}
        assert flagged == {"person1@example.edu", "person2@example.edu"}, name


def test_embedded_fields_stay_before_the_unsubscribed_column(
    owner_client, owner, survey
):
    the_list = make_list(owner, n=2, embedded_fields=["Dorm"])
    suppression_add(owner=owner, email="person0@example.edu")
    post_generate(owner_client, survey, the_list, include_opted_out="on")
    batch = Distribution.objects.get(kind="links")
    for name in ("links_download", "links_history"):
        header, rows = download(owner_client, batch, name)
        assert header[-2:] == ["Dorm", "Unsubscribed"], name
        assert [(r["Dorm"], r["Unsubscribed"]) for r in rows] == [
            ("Dorm-0", "1"),
            ("Dorm-1", "0"),
        ], name


def test_a_list_of_only_opted_out_contacts_says_so(owner, survey):
    the_list = make_list(owner, n=1)
    suppression_add(owner=owner, email="person0@example.edu")
    with pytest.raises(ValidationError, match="Every contact of this list opted out"):
        links_generate(
            user=owner,
            survey=survey,
            contact_list=the_list,
            expires_at=timezone.now() + datetime.timedelta(days=3),
        )
    assert not Distribution.objects.exists()
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=the_list,
        expires_at=timezone.now() + datetime.timedelta(days=3),
        include_opted_out=True,
    )
    assert batch.recipients_total == 1


def test_a_sample_is_drawn_among_the_eligible_contacts(owner, survey, students):
    expires_at = timezone.now() + datetime.timedelta(days=3)
    sample = links_generate(
        user=owner,
        survey=survey,
        contact_list=students,
        expires_at=expires_at,
        sample_size=5,
    )
    assert sample.recipients_total == 5
    assert len(emails_of(sample)) == 5 and not emails_of(sample) & OPTED_OUT
    # More than there are eligible contacts: every eligible one.
    everyone = links_generate(
        user=owner,
        survey=survey,
        contact_list=students,
        expires_at=expires_at,
        sample_size=50,
    )
    assert everyone.recipients_total == 6
    assert not emails_of(everyone) & OPTED_OUT


def test_the_worker_size_decision_counts_the_eligible_contacts(
    owner, survey, students, settings, django_capture_on_commit_callbacks
):
    settings.LINKS_SYNC_MAX = 6
    expires_at = timezone.now() + datetime.timedelta(days=3)
    # 8 contacts, 6 eligible: made in the request.
    batch = links_generate(
        user=owner, survey=survey, contact_list=students, expires_at=expires_at
    )
    assert batch.status == "ready" and batch.recipients_total == 6
    # Including them, 8: left to the worker, whose progress bar counts 8.
    with django_capture_on_commit_callbacks(execute=False):
        queued = links_generate(
            user=owner,
            survey=survey,
            contact_list=students,
            expires_at=expires_at,
            include_opted_out=True,
        )
    assert queued.status == "generating" and queued.recipients_total == 8


@pytest.mark.parametrize("include", [False, True])
def test_the_worker_steps_leave_them_out_unless_included(
    owner, survey, students, include
):
    batch = generating_batch(survey, students, include_opted_out=include)
    made = 8 if include else 6
    assert links_generate_run(distribution_id=batch.pk, batch_size=2) == made
    batch.refresh_from_db()
    assert batch.status == "ready" and batch.recipients_total == made
    assert bool(emails_of(batch) & OPTED_OUT) is include
    # A rerun (a redelivered task) makes none.
    assert links_generate_run(distribution_id=batch.pk, batch_size=2) == 0


def test_two_lanes_leave_them_out_too(transactional_db, owner, survey):
    the_list = make_list(owner, n=23)
    for i in (0, 5, 6, 22):
        suppression_add(owner=owner, email=f"person{i}@example.edu")
    batch = generating_batch(survey, the_list)
    assert links_generate_run(distribution_id=batch.pk, batch_size=5, lanes=2) == 19
    assert not emails_of(batch) & {"person0@example.edu", "person22@example.edu"}


def test_the_sample_path_of_the_worker_leaves_them_out(owner, survey, students):
    batch = generating_batch(survey, students, sample_size=7)
    assert links_generate_run(distribution_id=batch.pk, batch_size=2) == 6
    assert not emails_of(batch) & OPTED_OUT


# --- the page and the command line --------------------------------------------------


def test_the_form_says_how_many_opted_out_and_offers_the_checkbox(
    owner_client, survey, students
):
    page = owner_client.get(
        reverse("distributions:links_generate", kwargs={"survey_id": survey.pk})
    ).content.decode()
    assert "Students (8 contacts, 2 opted out: left out unless included)" in page
    checkbox = re.search(r'<input[^>]*name="include_opted_out"[^>]*>', page).group(0)
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox
    assert "Include contacts who opted out" in page


def test_the_command_leaves_them_out_unless_asked(
    owner, survey, students, tmp_path, capsys
):
    left_out, included = tmp_path / "a.csv", tmp_path / "b.csv"
    call_command(
        "generate_links", survey=survey.pk, list_name="Students", output=left_out
    )
    assert "2 contacts who opted out were left out" in capsys.readouterr().out
    call_command(
        "generate_links",
        "--include-opted-out",
        survey=survey.pk,
        list_name="Students",
        output=included,
    )
    header, rows = read_csv(left_out.read_bytes())
    assert "Unsubscribed" not in header and len(rows) == 6
    header, rows = read_csv(included.read_bytes())
    assert header[-1] == "Unsubscribed" and len(rows) == 8
    assert {r["Email"] for r in rows if r["Unsubscribed"] == "1"} == OPTED_OUT


# --- the Opted Out count ------------------------------------------------------------


def row_count(html, distribution, name="opted-out") -> int:
    row = re.search(
        rf'<tr data-distribution="{distribution.pk}".*?</tr>', html, re.S
    ).group(0)
    return int(re.search(rf'data-count="{name}">(\d+)<', row).group(1))


def test_opted_out_counts_people_who_unsubscribed_after_the_send(
    owner_client, owner, other_owner, survey
):
    the_list = make_list(owner, n=4)
    sent = email_distribution(survey, the_list)
    a, b, c, d = sent.invitations.order_by("id")
    deliver(sent, a)
    deliver(sent, b)
    deliver(sent, c, "failed", error="550 No such user")
    deliver(sent, d, "opted_out")
    other = email_distribution(survey, make_list(owner, name="Staff", n=1))
    deliver(other, other.invitations.get())
    url = reverse("distributions:emails", kwargs={"survey_id": survey.pk})
    assert row_count(owner_client.get(url).content.decode(), sent) == 1

    suppression_add(
        owner=owner, email=b.email.upper(), reason=Suppression.Reason.OPTED_OUT
    )
    # Skipped at send and still suppressed: counted once.
    suppression_add(owner=owner, email=d.email, reason=Suppression.Reason.OPTED_OUT)
    # A hard bounce of this send is Emails Failed, not an opt-out.
    suppression_add(owner=owner, email=c.email, reason=Suppression.Reason.BOUNCED)
    # Another owner's opt-out of the same address changes nothing here.
    suppression_add(owner=other_owner, email=a.email)
    page = owner_client.get(url).content.decode()
    assert row_count(page, sent) == 2
    assert row_count(page, other) == 0
    assert "including people who unsubscribed after it was sent" in page


def test_a_link_batch_counts_its_people_on_the_opt_out_list(
    owner_client, owner, other_owner, survey, students
):
    included = links_generate(
        user=owner,
        survey=survey,
        contact_list=students,
        expires_at=timezone.now() + datetime.timedelta(days=3),
        include_opted_out=True,
    )
    left_out = links_generate(
        user=owner,
        survey=survey,
        contact_list=students,
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    suppression_add(owner=other_owner, email="person0@example.edu")
    url = reverse("distributions:links", kwargs={"survey_id": survey.pk})
    page = owner_client.get(url).content.decode()
    assert row_count(page, included) == 2
    assert row_count(page, left_out) == 0
    # Someone who unsubscribes later (from an email of the same list) counts.
    suppression_add(owner=owner, email="person0@example.edu")
    page = owner_client.get(url).content.decode()
    assert row_count(page, included) == 3
    assert row_count(page, left_out) == 1
    assert "unsubscribed after the links were made" in page


def test_the_opted_out_counts_take_the_same_queries_for_one_row_or_many(
    owner_client, owner, survey
):
    url = reverse("distributions:emails", kwargs={"survey_id": survey.pk})

    def send():
        the_list = make_list(owner, name=f"List {Distribution.objects.count()}", n=5)
        sent = email_distribution(survey, the_list)
        for invitation in sent.invitations.all():
            deliver(sent, invitation)
        suppression_add(owner=owner, email=f"x{sent.pk}@example.edu")

    send()
    with CaptureQueriesContext(connection) as one:
        owner_client.get(url)
    for _ in range(3):
        send()
    with CaptureQueriesContext(connection) as four:
        owner_client.get(url)
    assert len(four.captured_queries) == len(one.captured_queries)


def test_an_erased_person_who_opted_out_stays_out_when_imported_again(
    owner, survey, students
):
    person_erase(
        actor=owner, owner=owner, email="person1@example.edu", keep_responses=False
    )
    # The same address comes back in a later import: only the hash remembers it.
    again = make_list(owner, name="Next term", rows=[{"email": "PERSON1@example.edu"}])
    assert not Suppression.objects.filter(email__iexact="person1@example.edu").exists()

    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=again,
        expires_at=timezone.now() + datetime.timedelta(days=7),
        include_opted_out=True,
    )
    assert batch.invitations.count() == 1
    with pytest.raises(ValidationError):
        links_generate(
            user=owner,
            survey=survey,
            contact_list=again,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
