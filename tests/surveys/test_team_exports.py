"""Response exports in a team: the right to ANALYSE is asked when the export is
made, again by the worker that builds it and again at download; every export
leaves an audit entry with a count and never an answer."""

import pytest
from django.test import Client

from core.models import AuditEntry
from surveys.models import ResponseExport
from surveys.services.exports import response_export_run
from teams.models import Membership, Role
from tests.helpers import answer_survey
from tests.surveys.conftest import CAMPUS_ANSWERS, client_of, team_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(lab, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    team, people = lab
    survey = team_survey(team, people["owner"])
    answer_survey(f"/r/{survey.public_key}/", answers=CAMPUS_ANSWERS)
    answer_survey(f"/r/{survey.public_key}/", client=Client(), answers=CAMPUS_ANSWERS)
    return survey


def _queue(client, survey, settings) -> ResponseExport:
    settings.SURVEYS_EXPORT_SYNC_MAX = 1
    http = client.post(
        f"/surveys/{survey.pk}/responses/exports/", {"format": "xlsx", "values": "text"}
    )
    assert http.status_code == 302
    return ResponseExport.objects.get(survey=survey)


def _audited(survey):
    return list(
        AuditEntry.objects.filter(
            action=AuditEntry.Action.RESPONSES_EXPORTED, team_id=survey.team_id
        ).values_list("actor_id", "subject", "counts")
    )


def test_a_csv_export_is_audited_with_a_count_and_no_answer(lab, answered):
    _, people = lab
    analyst = people["analyst"]
    http = client_of(analyst).get(f"/surveys/{answered.pk}/responses/export/")
    body = b"".join(http.streaming_content).decode("utf-8-sig")
    assert "Trinity" in body  # the file has the answers ...
    assert _audited(answered) == [(analyst.pk, "Campus life", {"responses": 2})]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RESPONSES_EXPORTED)
    # ... the trail never does.
    assert "Trinity" not in f"{entry.subject} {entry.counts} {entry.actor_name}"


def test_an_excel_export_in_the_request_is_audited(lab, answered):
    _, people = lab
    http = client_of(people["editor"]).post(
        f"/surveys/{answered.pk}/responses/exports/",
        {"format": "xlsx", "values": "coded"},
    )
    assert http.status_code == 200
    assert _audited(answered) == [
        (people["editor"].pk, "Campus life", {"responses": 2})
    ]


def test_a_workers_export_is_audited_once_built(lab, answered, settings):
    _, people = lab
    export = _queue(client_of(people["analyst"]), answered, settings)
    assert _audited(answered) == []  # asked for, nothing built yet
    response_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "done"
    assert _audited(answered) == [
        (people["analyst"].pk, "Campus life", {"responses": 2})
    ]


@pytest.mark.parametrize("change", ["removed", "made viewer"])
def test_the_worker_refuses_a_requester_who_lost_the_right(
    lab,
    answered,
    settings,
    change,
):
    team, people = lab
    analyst = people["analyst"]
    export = _queue(client_of(analyst), answered, settings)
    membership = Membership.objects.filter(team=team, user=analyst)
    if change == "removed":
        membership.delete()
    else:
        membership.update(role=Role.VIEWER)

    response_export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == "failed"
    assert "may no longer export this team's responses" in export.error
    assert export.stored_name == ""
    assert not any(settings.MEDIA_ROOT.rglob("*.xlsx"))
    assert _audited(answered) == []


def test_a_removed_member_s_download_link_is_refused(lab, answered, settings):
    team, people = lab
    analyst = people["analyst"]
    client = client_of(analyst)
    export = _queue(client, answered, settings)
    response_export_run(export_id=export.pk)
    file_url = f"/surveys/{answered.pk}/responses/exports/{export.pk}/file/"
    assert client.get(file_url).status_code == 200

    Membership.objects.filter(team=team, user=analyst).update(role=Role.VIEWER)
    assert client.get(file_url).status_code == 403
    Membership.objects.filter(team=team, user=analyst).delete()
    assert client.get(file_url).status_code == 404
    assert client.get(file_url[: -len("file/")]).status_code == 404


def test_another_members_export_is_not_theirs_to_download(lab, answered, settings):
    _, people = lab
    export = _queue(client_of(people["analyst"]), answered, settings)
    response_export_run(export_id=export.pk)
    file_url = f"/surveys/{answered.pk}/responses/exports/{export.pk}/file/"
    # Each member's exports are their own, whatever their role.
    assert client_of(people["owner"]).get(file_url).status_code == 404
