"""The responses export: CSV, Excel and SPSS, as choice text or codes, in the request
or by a worker, with the Qualtrics metadata and the same columns in every format."""

import csv
import io
from datetime import datetime, timedelta

import openpyxl
import pyreadstat
import pytest
from django.test import Client
from django.utils import timezone

from surveys.models import Response, ResponseExport
from surveys.services.exports import response_export_run
from teams.services import personal_team_id
from tests.factories import build_survey
from tests.helpers import answer_survey
from tests.surveys.conftest import CAMPUS_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    survey = build_survey(owner)
    answer_survey(f"/r/{survey.public_key}/", answers=CAMPUS_ANSWERS)
    invited = Response.objects.create(
        survey=survey,
        version=survey.versions.get(),
        channel="invitation",
        first_name="Ana",
        last_name="Lopez",
        email="ana@example.edu",
        embedded_data={"Dept": "Physics"},
    )
    invited.started_at = invited.created_at
    invited.save()
    return survey


def _download(owner_client, survey, fmt, values="text"):
    http = owner_client.post(
        f"/surveys/{survey.pk}/responses/exports/", {"format": fmt, "values": values}
    )
    assert http.status_code == 200, http.content[:500]
    assert f".{fmt}" in http["Content-Disposition"]
    return b"".join(http.streaming_content)


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_as_codes(owner_client, answered):
    rows = _csv_rows(_download(owner_client, answered, "csv", "coded"))
    header, finished, started = rows[0], rows[1], rows[2]
    assert header[:6] == [
        "Response ID",
        "Start Date",
        "End Date",
        "Duration (in seconds)",
        "Finished",
        "Screened Out",
    ]
    assert (finished[4], started[4]) == ("1", "0")
    assert (finished[5], started[5]) == ("0", "0")
    assert finished[header.index("Do you live on campus?")] == "1"  # Yes, first
    assert finished[header.index("How much do you agree? - Rooms are clean")] == "3"
    assert finished[header.index("Which services do you use? - Gym")] == "1"
    assert finished[header.index("Which services do you use? - Canteen")] == "0"
    assert started[header.index("Do you live on campus?")] == ""
    assert started[header.index("Dept")] == "Physics"


def test_xlsx_opens_with_the_answers_as_typed_cells(owner_client, answered):
    body = _download(owner_client, answered, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    rows = list(book["Responses"].iter_rows(values_only=True))
    header, finished, started = rows[0], rows[1], rows[2]
    assert header[:11] == (
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
    )
    assert finished[0].startswith("R_")
    assert isinstance(finished[1], datetime) and isinstance(finished[2], datetime)
    assert finished[3] >= 0
    assert (finished[4], started[4]) == ("True", "False")
    assert finished[5] == "False"
    assert started[7:10] == ("Lopez", "Ana", "ana@example.edu")
    assert finished[header.index("Do you live on campus?")] == "Yes"
    assert finished[header.index("How many courses?")] == 4
    assert finished[header.index("How much do you agree? - Staff are kind")] == "Agree"
    # A respondent's "=..." stays text: a string cell, never a formula.
    assert finished[header.index("Anything else?")] == '=HYPERLINK("x")'
    assert started[header.index("How many courses?")] is None
    assert "Value labels" not in book.sheetnames


def test_xlsx_as_codes_lists_the_value_labels(owner_client, answered):
    body = _download(owner_client, answered, "xlsx", "coded")
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    header, finished = list(book["Responses"].iter_rows(values_only=True))[:2]
    assert finished[header.index("Do you live on campus?")] == 1
    labels = list(book["Value labels"].iter_rows(values_only=True))
    assert ("Do you live on campus?", "Q1", 2, "No") in labels


def test_sav_has_variable_and_value_labels(owner_client, answered, tmp_path):
    path = tmp_path / "out.sav"
    path.write_bytes(_download(owner_client, answered, "sav", "coded"))
    frame, meta = pyreadstat.read_sav(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert meta.column_names[:6] == [
        "ResponseId",
        "StartDate",
        "EndDate",
        "Duration",
        "Finished",
        "ScreenedOut",
    ]
    assert labels["Q1"] == "Do you live on campus?"
    assert labels["Q6_1"] == "How much do you agree? - Rooms are clean"
    assert meta.variable_value_labels["Q1"] == {1.0: "Yes", 2.0: "No"}
    assert meta.variable_value_labels["Q6_1"] == {
        1.0: "Disagree",
        2.0: "Neutral",
        3.0: "Agree",
    }
    assert meta.variable_value_labels["Finished"] == {1.0: "True", 0.0: "False"}
    assert meta.variable_value_labels["ScreenedOut"] == {1.0: "True", 0.0: "False"}
    first = frame.iloc[0]
    assert first["Q1"] == 1.0
    assert first["Q3"] == 4.0
    assert first["Q6_2"] == 3.0
    assert first["Finished"] == 1.0
    assert first["Q9"] == '=HYPERLINK("x")'
    assert str(frame["StartDate"].dtype).startswith("datetime64")
    second = frame.iloc[1]
    assert second["Dept"] == "Physics"
    assert second["RecipientFirstName"] == "Ana"
    assert second["Finished"] == 0.0


def test_sav_as_choice_text(owner_client, answered, tmp_path):
    path = tmp_path / "out.sav"
    path.write_bytes(_download(owner_client, answered, "sav"))
    frame, meta = pyreadstat.read_sav(str(path))
    assert frame.iloc[0]["Q1"] == "Yes"
    assert frame.iloc[0]["Q3"] == 4.0
    assert "Q1" not in meta.variable_value_labels


def test_an_anonymous_survey_names_nobody_in_any_format(owner_client, answered):
    answered.anonymous_responses = True
    answered.save()
    header = _csv_rows(_download(owner_client, answered, "csv"))[0]
    book = openpyxl.load_workbook(
        io.BytesIO(_download(owner_client, answered, "xlsx")), read_only=True
    )
    xlsx_header = next(book["Responses"].iter_rows(values_only=True))
    for names in (header, xlsx_header):
        assert "Email" not in names and "First Name" not in names
        assert "Start Date" in names


def test_a_large_export_runs_in_a_worker_with_progress(
    owner_client, answered, settings, other_owner
):
    settings.SURVEYS_EXPORT_SYNC_MAX = 1
    page = owner_client.get(f"/surveys/{answered.pk}/responses/exports/")
    assert "built in the background" in page.content.decode()
    http = owner_client.post(
        f"/surveys/{answered.pk}/responses/exports/",
        {"format": "sav", "values": "coded"},
    )
    export = ResponseExport.objects.get()
    status_url = f"/surveys/{answered.pk}/responses/exports/{export.pk}/"
    assert http.status_code == 302 and http["Location"] == status_url
    assert export.rows_total == 2
    waiting = owner_client.get(status_url, headers={"HX-Request": "true"})
    assert "Waiting for a worker" in waiting.content.decode()
    assert 'hx-trigger="every 1s"' in waiting.content.decode()
    assert owner_client.get(status_url + "file/").status_code == 404

    response_export_run(export_id=export.pk)  # what the worker's task does
    response_export_run(export_id=export.pk)  # a redelivery changes nothing
    export.refresh_from_db()
    assert (export.status, export.rows_done, export.percent) == ("done", 2, 100)
    done = owner_client.get(status_url).content.decode()
    assert "Download the file" in done
    body = b"".join(owner_client.get(status_url + "file/").streaming_content)
    assert body[:4] == b"$FL2"  # an SPSS system file

    stranger = Client()
    stranger.force_login(other_owner)
    assert stranger.get(status_url).status_code == 404
    assert stranger.get(status_url + "file/").status_code == 404


def test_an_export_whose_worker_died_is_built_again(owner, answered, settings):
    settings.SURVEYS_EXPORT_STUCK_AFTER = 600
    export = ResponseExport.objects.create(
        survey=answered,
        owner=owner,
        team_id=personal_team_id(owner.pk),
        format="xlsx",
        status="running",
        rows_total=2,
    )
    ResponseExport.objects.filter(pk=export.pk).update(
        progress_at=timezone.now() - timedelta(seconds=60)
    )
    response_export_run(export_id=export.pk)  # alive a minute ago: left alone
    export.refresh_from_db()
    assert export.status == "running"
    ResponseExport.objects.filter(pk=export.pk).update(
        progress_at=timezone.now() - timedelta(seconds=601)
    )
    response_export_run(export_id=export.pk)  # the redelivered message
    export.refresh_from_db()
    assert (export.status, export.rows_done) == ("done", 2)


def test_exports_apply_the_responses_filter_and_say_so(
    owner_client, answered, settings
):
    url = f"/surveys/{answered.pk}/responses/exports/"
    summary = owner_client.get(
        f"/surveys/{answered.pk}/responses/summary/?status=finished"
    ).content.decode()
    assert f"{url}?status=finished" in summary  # the button carries the filter

    page = owner_client.get(url + "?status=finished").content.decode()
    assert "Filter applied:" in page and "Finished only" in page
    assert "1 of the 2 responses" in page
    http = owner_client.post(
        url + "?status=finished", {"format": "csv", "values": "text"}
    )
    assert "responses-filtered" in http["Content-Disposition"]
    rows = _csv_rows(b"".join(http.streaming_content))
    assert [row[4] for row in rows[1:]] == ["True"]
    book = openpyxl.load_workbook(
        io.BytesIO(
            b"".join(
                owner_client.post(
                    url + "?status=in_progress", {"format": "xlsx", "values": "text"}
                ).streaming_content
            )
        ),
        read_only=True,
    )
    xlsx_rows = list(book["Responses"].iter_rows(values_only=True))
    assert [row[4] for row in xlsx_rows[1:]] == ["False"]
    assert "No filter: every response" in owner_client.get(url).content.decode()

    # A worker's export keeps the filter it was asked with, and says so.
    settings.SURVEYS_EXPORT_SYNC_MAX = 0
    owner_client.post(url + "?status=finished", {"format": "xlsx", "values": "coded"})
    export = ResponseExport.objects.get()
    assert export.filters["status"] == "finished" and export.rows_total == 1
    response_export_run(export_id=export.pk)
    status = owner_client.get(f"{url}{export.pk}/").content.decode()
    assert "Filter applied: Finished only." in status
    body = b"".join(owner_client.get(f"{url}{export.pk}/file/").streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True)["Responses"]
    assert [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)] == [1]


def test_xlsx_text_is_escaped_and_kept_as_typed(tmp_path):
    from surveys.exporting.columns import Column, ExportTable
    from surveys.exporting.xlsx import write_xlsx

    typed = ["a & b <c>", " padded ", "0042", "line\nbreak", "bell\x07"]
    table = ExportTable(
        columns=[Column(f"Text {n}", f"T{n}") for n in range(len(typed))],
        rows=iter([list(typed)]),
        total=1,
    )
    path = tmp_path / "t.xlsx"
    write_xlsx(path, table, coded=False)
    row = list(openpyxl.load_workbook(path)["Responses"].iter_rows(values_only=True))
    assert row[1][:4] == tuple(typed[:4])
    assert row[1][4].startswith("bell")  # a control character cannot break the XML


def test_batches_read_ahead_on_a_second_connection_give_every_row_once(
    transactional_db, owner
):
    """Outside a transaction the next batch is read on a helper thread's connection."""
    from surveys.exporting.columns import export_table

    survey = build_survey(owner)
    for n in range(5):
        answer_survey(f"/r/{survey.public_key}/", answers=CAMPUS_ANSWERS)
        assert Response.objects.count() == n + 1
    table = export_table(survey=survey, owner=owner, batch_size=2)
    ids = [row[0] for row in table.rows]
    assert ids == list(
        Response.objects.order_by("id").values_list("public_id", flat=True)
    )
