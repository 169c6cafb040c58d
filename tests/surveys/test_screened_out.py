"""A screened-out respondent reads "Survey Screened Out" wherever a status shows
(history CSV, recipients page, a link's timeline) and is flagged in the export."""

import csv
import io

import pytest

from distributions.models import Distribution, Invitation
from distributions.selectors.history import history_rows
from distributions.status import InvitationStatus
from tests.surveys.logic_support import choice_id, logic_survey, personal_links
from tests.surveys.test_closing import finish

pytestmark = pytest.mark.django_db


def test_screened_out_is_its_own_status_and_export_flag(client, owner, owner_client):
    survey, q = logic_survey(owner)
    links = personal_links(owner, survey)
    # Ben teaches not: Q1's skip to the end with a screen-out message.
    client.post(
        links["ben@example.edu"],
        {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], "No")},
    )
    assert "Thanks Ana" in finish(client, links["ana@example.edu"], q)
    distribution = Distribution.objects.get(survey=survey)

    statuses = {row[3]: row[5] for row in history_rows(distribution=distribution)}
    assert statuses["ben@example.edu"] == InvitationStatus.SURVEY_SCREENED_OUT
    assert statuses["ana@example.edu"] == InvitationStatus.SURVEY_FINISHED
    assert statuses["cy@example.edu"] == InvitationStatus.LINK_CREATED

    base = f"/surveys/{survey.pk}/distributions/{distribution.pk}/recipients/"
    page = owner_client.get(base + "?q=ben").content.decode()
    assert "Survey Screened Out" in page
    ben = Invitation.objects.get(email="ben@example.edu")
    detail = owner_client.get(f"{base}{ben.pk}/").content.decode()
    assert "Survey screened out" in detail and "Survey finished" not in detail
    ana = Invitation.objects.get(email="ana@example.edu")
    assert "Survey finished" in owner_client.get(f"{base}{ana.pk}/").content.decode()

    http = owner_client.post(
        f"/surveys/{survey.pk}/responses/exports/",
        {"format": "csv", "values": "text"},
    )
    body = b"".join(http.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    by_email = {row["Email"]: row for row in rows}
    # Qualtrics' semantics: a screen-out reached an end, so Finished is True.
    assert by_email["ben@example.edu"]["Finished"] == "True"
    assert by_email["ben@example.edu"]["Screened Out"] == "True"
    assert by_email["ana@example.edu"]["Screened Out"] == "False"
