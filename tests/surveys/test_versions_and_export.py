"""Responses survive edits and re-publishing; the owner's Responses tab and export."""

import csv
import io
import zoneinfo

from django.test import Client

from accounts.models import Profile
from surveys import services
from surveys.models import Response
from tests.factories import build_survey
from tests.helpers import answer_survey
from tests.surveys.conftest import CAMPUS_ANSWERS, page1_answers, page2_answers


def _export(owner_client, survey):
    http = owner_client.get(f"/surveys/{survey.pk}/responses/export/")
    assert http.status_code == 200
    assert http["Content-Type"].startswith("text/csv")
    body = b"".join(http.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_a_response_survives_an_edit_and_republish(owner_client, owner):
    survey = build_survey(owner)
    respondent = Client()
    link = f"/r/{survey.public_key}/"
    respondent.post(link, page1_answers(survey))
    college = survey.questions.get(text="Which college?")

    # The owner removes an answered question (confirming) and adds one, then publishes.
    confirm = owner_client.post(f"/surveys/{survey.pk}/questions/{college.pk}/delete/")
    assert "already has answers" in confirm.content.decode()
    assert survey.questions.filter(pk=college.pk).exists()
    owner_client.post(
        f"/surveys/{survey.pk}/questions/{college.pk}/delete/", {"confirm": "1"}
    )
    assert not survey.questions.filter(pk=college.pk).exists()
    page2 = survey.pages.order_by("position").last()
    services.question_add(survey=survey, page=page2, kind="short_text")
    owner_client.post(f"/surveys/{survey.pk}/publish/")
    survey.refresh_from_db()
    assert survey.published_version == 2

    # The started respondent finishes on the version they began.
    finished = respondent.post(link, page2_answers(survey))
    assert "Thank you" in finished.content.decode()
    old = Response.objects.get()
    assert old.version.number == 1
    assert old.finished_at is not None
    # A new respondent gets version 2, without the removed question.
    fresh = Client().get(link).content.decode()
    assert "Which college?" not in fresh

    detail = owner_client.get(f"/surveys/{survey.pk}/responses/{old.public_id}/")
    text = detail.content.decode()
    assert "Which college?" in text
    assert "Trinity" in text
    assert "removed from the survey" in text

    rows = _export(owner_client, survey)
    header = rows[0]
    assert "Which college?" in header
    assert rows[1][header.index("Which college?")] == "Trinity"


def test_export_columns_values_and_safety(owner_client, owner, settings):
    settings.TIME_ZONE = "UTC"
    Profile.objects.update_or_create(
        user=owner, defaults={"time_zone": "America/Chicago"}
    )
    survey = build_survey(owner)
    answer_survey(f"/r/{survey.public_key}/", answers=CAMPUS_ANSWERS)
    # A personal-link response carries its contact's data.
    invited_response = Response.objects.create(
        survey=survey,
        version=survey.versions.get(),
        channel="invitation",
        first_name="Ana",
        last_name="Lopez",
        email="ana@example.edu",
        external_reference="=cmd",
        embedded_data={"Cohort": "2026", "Dept": "Maths"},
    )
    invited_response.started_at = invited_response.created_at
    invited_response.save()

    rows = _export(owner_client, survey)
    header = rows[0]
    assert header[:11] == [
        "Response ID",
        "Start Date",
        "End Date",
        "Duration (in seconds)",
        "Finished",
        "Screened Out",
        "Language",
        "Last Name",
        "First Name",
        "Email",
        "External Data Reference",
    ]
    assert header[11:13] == ["Cohort", "Dept"]
    assert "Which services do you use? - Library" in header
    assert "Which services do you use? - Canteen" in header
    assert "How much do you agree? - Rooms are clean" in header
    anonymous, invited = rows[1], rows[2]
    assert anonymous[4] == "True"
    assert invited[4] == "False"
    assert int(anonymous[3]) >= 0
    assert invited[3] == ""
    # The anonymous respondent answered in the survey's language; the response
    # made here by hand has none (as those from before surveys had languages).
    assert (anonymous[6], invited[6]) == ("en", "")
    assert invited[7:11] == ["Lopez", "Ana", "ana@example.edu", "'=cmd"]
    assert invited[11:13] == ["2026", "Maths"]
    assert anonymous[header.index("Which services do you use? - Library")] == "1"
    assert anonymous[header.index("Which services do you use? - Canteen")] == "0"
    assert (
        anonymous[header.index("How much do you agree? - Rooms are clean")] == "Agree"
    )
    assert anonymous[header.index("Do you live on campus?")] == "Yes"
    assert anonymous[header.index("How likely are you to recommend us?")] == "9"
    assert anonymous[header.index("Anything else?")] == '\'=HYPERLINK("x")'
    started = Response.objects.filter(channel="anonymous").get().started_at
    chicago = started.astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    assert anonymous[1] == chicago.isoformat(timespec="seconds")
    assert anonymous[1].endswith(("-06:00", "-05:00"))


def test_responses_tab_lists_and_summarises(owner_client, owner):
    survey = build_survey(owner)
    answer_survey(f"/r/{survey.public_key}/", answers=CAMPUS_ANSWERS)
    Client().post(f"/r/{survey.public_key}/", page1_answers(survey))

    listing = owner_client.get(f"/surveys/{survey.pk}/responses/").content.decode()
    assert "1 finished · 1 in progress" in listing
    assert "Anonymous link" in listing
    assert "Export responses" in listing

    summary = owner_client.get(
        f"/surveys/{survey.pk}/responses/summary/"
    ).content.decode()
    assert "Do you live on campus?" in summary
    assert "summary-bar-fill" in summary
    # Two answered "Yes" (100%), none "No".
    assert '2 <span class="text-body-secondary">(100%)</span>' in summary
    assert '0 <span class="text-body-secondary">(0%)</span>' in summary
    assert (
        "2 answers · mean 4 · median 4 · lowest 4 · highest 4 · standard deviation 0"
        in summary
    )
    assert "1 answer · mean 9 · median 9" in summary
