"""Download history: the history CSV, streamed, formula-safe, owner's time zone."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Profile
from surveys.models import Response
from teams.services import personal_team_id
from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
STARTED = datetime(2026, 1, 11, 14, 0, tzinfo=UTC)
FINISHED = datetime(2026, 1, 11, 14, 5, 30, tzinfo=UTC)


@pytest.fixture
def distribution(owner):
    Profile.objects.update_or_create(
        user=owner, defaults={"time_zone": "America/New_York"}
    )
    survey = published_survey(owner)
    students = make_list(owner, n=4, embedded_fields=["Cohort"])
    # A value a spreadsheet would run as a formula.
    students.contacts.filter(email="person3@example.edu").update(
        embedded_data={"Cohort": '=HYPERLINK("http://evil")'}, first_name="+Eve"
    )
    distribution = email_distribution(
        survey,
        students,
        send_at=SENT,
        expires_in=datetime(2027, 1, 11, tzinfo=UTC) - SENT,
    )
    finished, started, failed, sent = distribution.invitations.order_by("id")
    for invitation in (finished, started, sent):
        deliver(distribution, invitation, sent_at=SENT)
    deliver(distribution, failed, "failed", error="550 No such user")
    version = survey.versions.get()
    finished.response = Response.objects.create(
        survey=survey,
        version=version,
        channel="invitation",
        started_at=STARTED,
        finished_at=FINISHED,
    )
    finished.save()
    started.response = Response.objects.create(
        survey=survey, version=version, channel="invitation", started_at=STARTED
    )
    started.save()
    return distribution


def download(client, distribution):
    url = reverse(
        "distributions:email_history",
        kwargs={"survey_id": distribution.survey_id, "pk": distribution.pk},
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="history-')
    return b"".join(response.streaming_content)


def test_history_csv_has_the_columns_statuses_and_owner_time_zone(
    owner_client, distribution
):
    raw = download(owner_client, distribution)

    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
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
        "Cohort",
    ]
    by_email = {row[3]: row for row in rows[1:]}
    assert len(by_email) == 4
    invitations = {i.email: i for i in distribution.invitations.all()}

    finished = by_email["person0@example.edu"]
    assert finished[5] == "Survey Finished"
    assert finished[0] == invitations["person0@example.edu"].response.public_id
    # New York is UTC-5 in January.
    assert finished[6] == "2026-01-10T10:00:00-05:00"
    assert finished[7] == "2026-01-11T09:00:00-05:00"
    assert finished[8] == "2026-01-11T09:05:30-05:00"
    assert finished[9].endswith(f"/s/{invitations['person0@example.edu'].token}/")
    assert finished[10] == "2027-01-10T19:00:00-05:00"
    assert finished[12] == "Cohort-0"

    assert by_email["person1@example.edu"][5] == "Survey Started"
    assert by_email["person1@example.edu"][8] == ""
    assert by_email["person2@example.edu"][5] == "Email Failed"
    assert by_email["person2@example.edu"][6] == ""
    eve = by_email["person3@example.edu"]
    assert eve[5] == "Email Sent"
    assert eve[0] == ""
    # Formula injection neutralised.
    assert eve[2] == "'+Eve"
    assert eve[12] == '\'=HYPERLINK("http://evil")'


def test_export_history_command_writes_the_same_file(
    owner_client, distribution, tmp_path
):
    output = tmp_path / "history.csv"
    out = io.StringIO()

    call_command(
        "export_history", distribution=distribution.pk, output=str(output), stdout=out
    )

    assert output.read_bytes() == download(owner_client, distribution)
    assert "Wrote 4 rows" in out.getvalue()
    assert "America/New_York" in out.getvalue()


def test_export_history_unknown_distribution(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No distribution with id 999999"):
        call_command(
            "export_history", distribution=999999, output=str(tmp_path / "x.csv")
        )


def test_history_is_404_for_another_owner(client, other_owner, distribution):
    client.force_login(other_owner)
    url = reverse(
        "distributions:email_history",
        kwargs={"survey_id": distribution.survey_id, "pk": distribution.pk},
    )
    assert client.get(url).status_code == 404


def test_a_reminder_sent_after_a_failed_invite_counts(owner_client, owner):
    from distributions.models import Distribution

    survey = published_survey(owner)
    parent = email_distribution(
        survey, make_list(owner, n=1), send_at=SENT, expires_in=timedelta(3650)
    )
    invitation = parent.invitations.get()
    deliver(parent, invitation, "failed", error="451 later")
    reminder = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team_id=personal_team_id(owner.pk),
        kind="email",
        parent=parent,
        message_type="reminder",
        list_name=parent.list_name,
        send_at=STARTED,
        status="sent",
    )
    deliver(reminder, invitation, sent_at=STARTED)

    for distribution in (parent, reminder):
        rows = list(
            csv.reader(
                io.StringIO(download(owner_client, distribution).decode("utf-8-sig"))
            )
        )
        assert rows[1][5] == "Email Sent"
        assert rows[1][6] == "2026-01-11T14:00:00+00:00"


def test_the_sql_status_agrees_with_status_from():
    """The CSVs take their Status from status_sql; pages from status_from."""
    from itertools import product

    from django.db import connection

    from distributions.status import (
        _RANK_STATUS,
        InvitationStatus,
        status_from,
        status_sql,
    )

    facts = list(product([False, True], repeat=5))
    # Every delivery rank, issue 17's Skipped, Opened and Bounced among them.
    ranks = [None, *_RANK_STATUS]
    assert {_RANK_STATUS[r] for r in ranks[1:]} >= {
        InvitationStatus.EMAIL_SKIPPED,
        InvitationStatus.EMAIL_OPENED,
        InvitationStatus.EMAIL_BOUNCED,
    }
    sql = status_sql(
        finished="f",
        revoked="r",
        expired="e",
        started="s",
        delivery_rank="k",
        screened_out="o",
    )
    seen = set()
    with connection.cursor() as cursor:
        for (finished, revoked, expired, started, screened), rank in product(
            facts, ranks
        ):
            cursor.execute(
                f"SELECT {sql} FROM (SELECT %s AS f, %s AS r, %s AS e, %s AS s, "
                "%s::int AS k, %s AS o) AS t",
                [finished, revoked, expired, started, rank, screened],
            )
            status = cursor.fetchone()[0]
            assert status == status_from(
                finished=finished,
                revoked=revoked,
                expired=expired,
                started=started,
                delivery_rank=rank,
                screened_out=screened,
            )
            seen.add(status)
    assert "Survey Screened Out" in seen and "Survey Finished" in seen
