"""Personal links → Generate Links: the batch, the CSV, the page, the command line."""

import datetime
import math
import zoneinfo

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from distributions.expiry import ExpiryChoice, link_expiry_compute
from distributions.models import Distribution, Invitation
from distributions.services.links import links_generate
from teams.services import personal_team_id
from tests.distributions.links_support import read_csv, streamed
from tests.factories import build_survey
from tests.helpers import make_list

HISTORY = [
    "Response ID",
    "Last Name",
    "First Name",
    "Email",
    "External Data Reference",
    "Status",
    "Sent Date",
    "Start Date",
    "End Date",
    "Link",
    "Link Expiration",
    "Language",
]
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def survey(owner):
    return build_survey(owner)


def generate_url(survey):
    return reverse("distributions:links_generate", kwargs={"survey_id": survey.pk})


def links_url(survey):
    return reverse("distributions:links", kwargs={"survey_id": survey.pk})


def post_generate(client, survey, the_list, **data):
    payload = {
        "contact_list": the_list.pk,
        "scope": "all",
        "expiry": ExpiryChoice.DEFAULT,
        "request_token": "tok-" + str(the_list.pk),
    }
    payload.update(data)
    return client.post(generate_url(survey), payload)


# --- expiry choices ---------------------------------------------------------------


def test_expiry_choices_are_calendar_arithmetic_in_the_owners_zone():
    # 10:00 in Chicago on 1 March (CST, UTC-6); DST starts on 8 March 2026.
    now = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=CHICAGO)

    def local(choice):
        return link_expiry_compute(choice=choice, zone=CHICAGO, start=now).astimezone(
            CHICAGO
        )

    assert local("1w") == datetime.datetime(2026, 3, 8, 10, 0, tzinfo=CHICAGO)
    assert local("1m") == datetime.datetime(2026, 4, 1, 10, 0, tzinfo=CHICAGO)
    # The default, "2 months", is two calendar months (not 60 days).
    assert local("2m") == datetime.datetime(2026, 5, 1, 10, 0, tzinfo=CHICAGO)
    assert local("6m") == datetime.datetime(2026, 9, 1, 10, 0, tzinfo=CHICAGO)
    # Still 10:00 on the wall clock after the DST change: 15:00 UTC, not 16:00.
    assert local("1m").astimezone(datetime.UTC).hour == 15
    assert ExpiryChoice.DEFAULT == "2m"


def test_a_custom_date_is_the_end_of_that_day_in_the_owners_zone():
    now = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=CHICAGO)
    expires = link_expiry_compute(
        choice="custom", zone=CHICAGO, custom_date=datetime.date(2026, 5, 31), start=now
    )
    assert expires.astimezone(CHICAGO) == datetime.datetime(
        2026, 5, 31, 23, 59, 59, tzinfo=CHICAGO
    )


def test_a_custom_date_in_the_past_is_refused(owner_client, owner, survey):
    the_list = make_list(owner, n=5)
    response = post_generate(
        owner_client, survey, the_list, expiry="custom", expires_on="2020-01-01"
    )
    assert response.status_code == 200
    assert "must be in the future" in response.content.decode()
    assert not Distribution.objects.filter(kind="links").exists()


# --- generating -------------------------------------------------------------------


def test_generate_links_for_a_whole_list_then_the_csv_downloads(
    owner_client, owner, survey, settings
):
    settings.SITE_URL = "https://canvass.example.edu"
    the_list = make_list(owner, n=5, embedded_fields=["Cohort"])
    page = owner_client.get(generate_url(survey)).content.decode()
    assert "Select Contacts" in page
    assert "Select when the link expires" in page
    assert "Generate Links" in page

    response = post_generate(owner_client, survey, the_list)

    batch = Distribution.objects.get(kind="links")
    assert response.status_code == 302
    assert response["Location"] == f"{links_url(survey)}?generated={batch.pk}"
    assert batch.status == "ready"
    assert batch.list_name == "Students"
    assert batch.recipients_total == 5
    assert batch.invitations.count() == 5
    # The page makes the browser download the CSV at once.
    page = owner_client.get(response["Location"]).content.decode()
    download = reverse(
        "distributions:links_download", kwargs={"survey_id": survey.pk, "pk": batch.pk}
    )
    assert f'href="{download}" data-auto-download="{batch.pk}"' in page

    csv_response = owner_client.get(download)
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv_response["Content-Disposition"]
    header, rows = read_csv(streamed(csv_response))
    assert header == HISTORY + ["Cohort"]
    assert len(rows) == 5
    assert {row["Status"] for row in rows} == {"Link Created"}
    assert sorted(row["Email"] for row in rows) == [
        f"person{i}@example.edu" for i in range(5)
    ]
    links = [row["Link"] for row in rows]
    assert len(set(links)) == 5
    tokens = {i.email: i.token for i in batch.invitations.all()}
    for row in rows:
        assert row["Link"] == f"https://canvass.example.edu/s/{tokens[row['Email']]}/"
        assert row["Cohort"] == "Cohort-" + row["Email"][len("person")]
        assert row["Link Expiration"]


def test_the_default_expiry_is_two_calendar_months(owner_client, owner, survey):
    the_list = make_list(owner, n=2)
    before = timezone.now()
    post_generate(owner_client, survey, the_list)
    after = timezone.now()
    batch = Distribution.objects.get(kind="links")
    # The owner's zone is UTC: two calendar months on the UTC wall clock.
    assert (
        before + relativedelta(months=2)
        <= batch.link_expires_at
        <= after + relativedelta(months=2)
    )
    assert all(i.expires_at == batch.link_expires_at for i in batch.invitations.all())


def test_a_random_sample_gets_that_many_links(owner_client, owner, survey):
    the_list = make_list(owner, n=20)
    post_generate(owner_client, survey, the_list, scope="sample", sample_size=7)
    batch = Distribution.objects.get(kind="links")
    assert batch.sample_size == 7
    assert batch.invitations.count() == 7
    assert batch.recipients_total == 7


def test_a_double_click_makes_one_batch(owner_client, owner, survey):
    the_list = make_list(owner, n=3)
    first = post_generate(owner_client, survey, the_list, request_token="same")
    second = post_generate(owner_client, survey, the_list, request_token="same")
    assert first["Location"] == second["Location"]
    assert Distribution.objects.filter(kind="links").count() == 1
    assert Invitation.objects.count() == 3


def test_the_links_can_be_downloaded_again_with_the_same_links(
    owner_client, owner, survey
):
    the_list = make_list(owner, n=4)
    post_generate(owner_client, survey, the_list)
    batch = Distribution.objects.get(kind="links")
    url = reverse(
        "distributions:links_download", kwargs={"survey_id": survey.pk, "pk": batch.pk}
    )
    _, first = read_csv(streamed(owner_client.get(url)))
    _, again = read_csv(streamed(owner_client.get(url)))
    assert [r["Link"] for r in first] == [r["Link"] for r in again]


def test_csv_cells_never_run_as_formulas(owner_client, owner, survey):
    the_list = make_list(owner, n=1)
    the_list.contacts.update(first_name='=HYPERLINK("http://evil")', last_name="+1")
    post_generate(owner_client, survey, the_list)
    batch = Distribution.objects.get(kind="links")
    url = reverse(
        "distributions:links_download", kwargs={"survey_id": survey.pk, "pk": batch.pk}
    )
    _, [row] = read_csv(streamed(owner_client.get(url)))
    assert row["First Name"] == '\'=HYPERLINK("http://evil")'
    assert row["Last Name"] == "'+1"


def test_the_page_shows_a_row_per_batch_with_its_counts(owner_client, owner, survey):
    the_list = make_list(owner, n=3)
    post_generate(owner_client, survey, the_list)
    batch = Distribution.objects.get(kind="links")
    invitation = batch.invitations.first()
    from surveys.respondent import response_create

    response = response_create(survey=survey, channel="invitation")
    response.started_at = timezone.now()
    response.save()
    invitation.response = response
    invitation.save()

    page = owner_client.get(links_url(survey)).content.decode()
    assert "Personal Links" in page
    assert "Students" in page
    assert "Surveys Started" in page and "Surveys Finished" in page
    assert 'data-count="surveys-started">1<' in page
    assert 'data-count="surveys-finished">0<' in page
    for item in ("Download history", "Download links", "Schedule Reminder"):
        assert item in page
    assert "Schedule Thank You" in page
    rows = owner_client.get(
        reverse("distributions:links_rows", kwargs={"survey_id": survey.pk})
    ).content.decode()
    assert 'hx-trigger="every 5s"' in rows
    assert 'data-count="surveys-started">1<' in rows


def test_an_unpublished_survey_cannot_generate_links(owner_client, owner):
    draft = build_survey(owner, publish=False)
    the_list = make_list(owner, n=2)
    response = post_generate(owner_client, draft, the_list)
    assert response.status_code == 409
    assert "published" in response.content.decode()
    assert not Distribution.objects.exists()


def test_a_large_list_generates_in_a_task_with_progress(
    owner_client,
    owner,
    survey,
    settings,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    settings.LINKS_SYNC_MAX = 3
    settings.LINKS_BATCH_SIZE = 4
    # One lane: a second lane's connection would not see this test's transaction.
    settings.LINKS_GENERATE_LANES = 1
    the_list = make_list(owner, n=10)
    from distributions import tasks

    calls = []

    def send_task(name, args, countdown=None):
        assert name == tasks.generate_links.name
        calls.append(args)

    monkeypatch.setattr(celery_app, "send_task", send_task)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_generate(owner_client, survey, the_list)
    monkeypatch.undo()
    batch = Distribution.objects.get(kind="links")
    assert batch.status == "generating"
    assert calls == [(batch.pk,)]
    page = owner_client.get(response["Location"]).content.decode()
    assert "Generating the links for" in page
    assert "{#" not in page
    assert 'role="progressbar"' in page
    assert 'hx-trigger="every 1s"' in page

    # The task body, run here: it makes every link and the row offers the CSV.
    assert tasks.generate_links.run(batch.pk) == 10
    batch.refresh_from_db()
    assert batch.status == "ready"
    assert batch.invitations.count() == 10
    rows = owner_client.get(
        reverse("distributions:links_rows", kwargs={"survey_id": survey.pk})
        + f"?generated={batch.pk}"
    ).content.decode()
    assert f'data-auto-download="{batch.pk}"' in rows
    # The notice above the table turns from "Generating…" into the download.
    assert 'id="generated-notice" hx-swap-oob="true"' in rows
    assert "Your links CSV is downloading." in rows
    # Re-running (a redelivered task) changes nothing.
    assert tasks.generate_links.run(batch.pk) == 0
    assert batch.invitations.count() == 10


def generating_batch(survey, the_list):
    """A personal-links batch whose links are still to be made, as the task finds it."""
    return Distribution.objects.create(
        survey=survey,
        owner=survey.owner,
        team_id=personal_team_id(survey.owner.pk),
        kind="links",
        contact_list=the_list,
        list_name=the_list.name,
        status="generating",
        recipients_total=the_list.contacts.count(),
        link_expires_at=timezone.now() + datetime.timedelta(days=7),
    )


def test_a_rerun_gives_links_only_to_the_contacts_without_one(owner, survey):
    the_list = make_list(owner, n=10)
    batch = generating_batch(survey, the_list)
    from distributions.services.invitations import invitations_copy_rows
    from distributions.services.links import links_generate_run

    # A first run died after one step, and a later one in the middle of the list.
    contacts = list(the_list.contacts.order_by("id"))
    for after in (0, contacts[5].pk):
        invitations_copy_rows(
            distribution=batch,
            contact_list=the_list,
            expires_at=batch.link_expires_at,
            after_contact_id=after,
            limit=2,
        )
    kept = dict(batch.invitations.values_list("email", "token"))
    assert len(kept) == 4

    assert links_generate_run(distribution_id=batch.pk, batch_size=3) == 10
    tokens = dict(batch.invitations.values_list("email", "token"))
    assert sorted(tokens) == sorted(c.email for c in contacts)
    # The links already made (maybe already sent) keep their tokens.
    assert {email: tokens[email] for email in kept} == kept


def test_two_lanes_make_every_link_once_and_a_second_run_makes_none(
    transactional_db, owner, survey
):
    the_list = make_list(owner, n=23)
    batch = generating_batch(survey, the_list)
    from distributions.services.links import links_generate_run

    assert links_generate_run(distribution_id=batch.pk, batch_size=5, lanes=2) == 23
    batch.refresh_from_db()
    assert batch.status == "ready"
    emails = list(batch.invitations.values_list("email", flat=True))
    assert sorted(emails) == sorted(the_list.contacts.values_list("email", flat=True))
    assert links_generate_run(distribution_id=batch.pk, batch_size=5, lanes=2) == 0
    assert batch.invitations.count() == 23


def test_a_batch_mints_one_token_per_link_made(owner, survey, monkeypatch):
    # Ranges that end exactly on a step, and the open range after the last cut,
    # take no contact on their last step: they must mint no token for it.
    from distributions.services import invitations
    from distributions.services.links import links_generate_run

    the_list = make_list(owner, n=10)
    batch = generating_batch(survey, the_list)
    minted = []
    real_new_token = invitations.new_token
    monkeypatch.setattr(
        invitations, "new_token", lambda: minted.append(1) or real_new_token()
    )

    assert links_generate_run(distribution_id=batch.pk, batch_size=5) == 10
    assert len(minted) == 10
    assert len(set(batch.invitations.values_list("token", flat=True))) == 10


@pytest.mark.parametrize(
    "total, batch_size, lanes, step",
    [
        (100_000, 20_000, 2, 16_667),  # six ranges, not five: three full rounds
        (100_000, 20_000, 1, 20_000),
        (100_000, 25_000, 2, 25_000),
        (23, 5, 2, 4),
        (3, 20_000, 2, 2),
    ],
)
def test_a_batch_is_cut_into_equal_ranges_a_multiple_of_the_lanes(
    total, batch_size, lanes, step
):
    from distributions.services.links import _even_step

    assert _even_step(total, batch_size, lanes) == step
    assert step <= batch_size
    assert math.ceil(total / step) % lanes == 0


def test_a_second_run_waits_for_the_first_then_finds_the_batch_ready(
    transactional_db, owner, survey
):
    import threading

    import psycopg

    from distributions.services.links import ADVISORY_LOCK_LINKS, links_generate_run
    from tests import harness

    the_list = make_list(owner, n=6)
    batch = generating_batch(survey, the_list)
    results = []
    with psycopg.connect(harness.test_database_url(), autocommit=True) as first:
        # The first run holds its lock...
        first.execute(
            "SELECT pg_advisory_lock(%s, %s)", [ADVISORY_LOCK_LINKS, batch.pk]
        )

        def second_run():
            try:
                results.append(
                    links_generate_run(distribution_id=batch.pk, batch_size=4)
                )
            finally:
                connections.close_all()

        thread = threading.Thread(target=second_run)
        thread.start()
        waiting = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )
        for _ in range(200):
            if first.execute(waiting).fetchone()[0]:
                break
            thread.join(0.05)
        assert first.execute(waiting).fetchone()[0] == 1
        # ...and finishes the batch while the second waits.
        first.execute(
            "UPDATE distributions_distribution SET status = 'ready' WHERE id = %s",
            [batch.pk],
        )
        first.execute(
            "SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_LINKS, batch.pk]
        )
        thread.join(30)

    assert results == [0]
    assert batch.invitations.count() == 0


# --- command line -----------------------------------------------------------------


def test_generate_links_command_writes_the_links_csv(owner, survey, tmp_path):
    make_list(owner, name="Seniors 2026", n=6)
    output = tmp_path / "links.csv"

    call_command(
        "generate_links",
        "--survey",
        str(survey.pk),
        "--list",
        "seniors 2026",
        "--expires",
        "2099-12-31",
        "--output",
        str(output),
    )

    header, rows = read_csv(output.read_bytes())
    assert header == HISTORY
    assert len(rows) == 6
    assert len({r["Link"] for r in rows}) == 6
    assert {r["Status"] for r in rows} == {"Link Created"}
    assert rows[0]["Link Expiration"].startswith("2099-12-31T23:59:59")
    batch = Distribution.objects.get(kind="links")
    assert batch.owner == owner and batch.list_name == "Seniors 2026"


def test_generate_links_command_only_finds_the_owners_lists(
    owner, other_owner, survey, tmp_path
):
    from django.core.management.base import CommandError

    make_list(other_owner, name="Theirs", n=2)
    with pytest.raises(CommandError, match="no list named"):
        call_command(
            "generate_links",
            "--survey",
            str(survey.pk),
            "--list",
            "Theirs",
            "--output",
            str(tmp_path / "x.csv"),
        )


def test_export_history_covers_a_links_batch(owner, survey, tmp_path):
    the_list = make_list(owner, n=2)
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=the_list,
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    output = tmp_path / "history.csv"
    call_command("export_history", "--distribution", str(batch.pk), "--output", output)
    _, rows = read_csv(output.read_bytes())
    assert {r["Status"] for r in rows} == {"Link Created"}


# --- isolation --------------------------------------------------------------------


def test_another_owner_gets_404_everywhere(client, owner, other_owner, survey):
    the_list = make_list(owner, n=2)
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=the_list,
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    invitation = batch.invitations.first()
    client.force_login(other_owner)
    s, p, i = survey.pk, batch.pk, invitation.pk
    gets = [
        reverse("distributions:links", kwargs={"survey_id": s}),
        reverse("distributions:links_rows", kwargs={"survey_id": s}),
        reverse("distributions:links_generate", kwargs={"survey_id": s}),
        reverse("distributions:links_download", kwargs={"survey_id": s, "pk": p}),
        reverse("distributions:links_history", kwargs={"survey_id": s, "pk": p}),
        reverse("distributions:recipients", kwargs={"survey_id": s, "pk": p}),
        reverse(
            "distributions:invitation_detail",
            kwargs={"survey_id": s, "pk": p, "invitation_id": i},
        ),
        reverse("distributions:reminder_new", kwargs={"survey_id": s, "pk": p}),
        reverse("distributions:thank_you_new", kwargs={"survey_id": s, "pk": p}),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = (
        gets[2:3]
        + gets[-2:]
        + [
            reverse("distributions:links_extend_all", kwargs={"survey_id": s, "pk": p}),
        ]
    )
    posts += [
        reverse(
            f"distributions:invitation_{action}",
            kwargs={"survey_id": s, "pk": p, "invitation_id": i},
        )
        for action in ("revoke", "extend", "regenerate")
    ]
    for url in posts:
        assert client.post(url, {"expiry": "1w"}).status_code == 404, url
    # Their own survey with the owner's batch id: still 404.
    theirs = build_survey(other_owner)
    url = reverse(
        "distributions:links_download", kwargs={"survey_id": theirs.pk, "pk": p}
    )
    assert client.get(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Distribution.objects.count() == 1


def test_the_generate_form_offers_only_the_owners_lists(
    owner_client, owner, other_owner, survey
):
    theirs = make_list(other_owner, name="Not mine", n=2)
    make_list(owner, name="Mine", n=2)
    page = owner_client.get(generate_url(survey)).content.decode()
    assert "Mine" in page and "Not mine" not in page
    response = post_generate(owner_client, survey, theirs)
    assert response.status_code == 200
    assert not Distribution.objects.exists()


def test_the_rows_cost_the_same_queries_for_one_batch_or_many(
    owner_client, owner, survey
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("distributions:links_rows", kwargs={"survey_id": survey.pk})
    the_list = make_list(owner, n=3)

    def make_batch():
        links_generate(
            user=owner,
            survey=survey,
            contact_list=the_list,
            expires_at=timezone.now() + datetime.timedelta(days=3),
        )

    make_batch()
    with CaptureQueriesContext(connection) as one:
        assert owner_client.get(url).status_code == 200
    for _ in range(4):
        make_batch()
    with CaptureQueriesContext(connection) as five:
        page = owner_client.get(url).content.decode()
    assert page.count("<tr data-distribution") == 5
    assert len(five.captured_queries) == len(one.captured_queries)
