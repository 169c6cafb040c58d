"""Every survey page asks teams.access for its right: the role matrix.

A team made by its Owner, with an Editor, an Analyst and a Viewer, and an outsider
who belongs to none of it. Each role walks every owner URL of one survey of the team,
GET or POST as the page is used: allowed (200, or 302 after a write), 403 for a
member without the right, 404 for the outsider.
"""

import pytest

from surveys.models import Response, ResponseExport, Survey
from surveys.services import exports
from tests.factories import build_survey
from tests.helpers import answer_survey
from tests.surveys.conftest import CAMPUS_ANSWERS, client_of, team_survey

pytestmark = pytest.mark.django_db

VIEW, ANALYSE, EDIT, MANAGE = "view", "analyse", "edit", "manage"
RIGHTS = {
    "owner": {VIEW, ANALYSE, EDIT, MANAGE},
    "editor": {VIEW, ANALYSE, EDIT},
    "analyst": {VIEW, ANALYSE},
    "viewer": {VIEW},
    "outsider": set(),
}
POSTED = {
    "title": "Renamed by a member",
    "introduction": "",
    "kind": "short_text",
    "direction": "down",
    "format": "xlsx",
    "values": "text",
}
# (method, URL, right, what a member with the right gets). The page merge comes
# last: it removes the page the URLs before it name.
MATRIX = [
    ("get", "/surveys/{s}/", VIEW, 200),
    ("get", "/surveys/{s}/preview/", VIEW, 200),
    ("post", "/surveys/{s}/", EDIT, 302),
    ("get", "/surveys/{s}/rename/", EDIT, 200),
    ("post", "/surveys/{s}/rename/", EDIT, 302),
    ("post", "/surveys/{s}/duplicate/", EDIT, 302),
    ("get", "/surveys/{s}/options/", EDIT, 200),
    ("get", "/surveys/{s}/closing/", EDIT, 200),
    ("post", "/surveys/{s}/publish/", EDIT, 302),
    ("post", "/surveys/{s}/close/", EDIT, 302),
    ("post", "/surveys/{s}/reopen/", EDIT, 302),
    ("post", "/surveys/{s}/pages/add/", EDIT, 302),
    ("get", "/surveys/{s}/pages/{p}/", EDIT, 200),
    ("post", "/surveys/{s}/pages/{p}/questions/add/", EDIT, 302),
    ("get", "/surveys/{s}/questions/{q}/", EDIT, 200),
    ("get", "/surveys/{s}/questions/{q}/logic/", EDIT, 200),
    ("post", "/surveys/{s}/questions/{q}/move/", EDIT, 302),
    ("get", "/surveys/{s}/questions/{q}/delete/", EDIT, 200),
    ("get", "/surveys/{s}/responses/", ANALYSE, 200),
    ("get", "/surveys/{s}/responses/summary/", ANALYSE, 200),
    ("get", "/surveys/{s}/responses/text/{t}/", ANALYSE, 200),
    ("get", "/surveys/{s}/responses/{r}/", ANALYSE, 200),
    ("get", "/surveys/{s}/responses/export/", ANALYSE, 200),
    ("get", "/surveys/{s}/responses/exports/", ANALYSE, 200),
    ("post", "/surveys/{s}/responses/exports/", ANALYSE, 200),
    ("get", "/surveys/{s}/responses/exports/{e}/", ANALYSE, 200),
    ("get", "/surveys/{s}/responses/exports/{e}/file/", ANALYSE, 200),
    ("get", "/surveys/{s}/options/anonymize/", MANAGE, 302),
    ("get", "/surveys/{s}/delete/", MANAGE, 200),
    ("post", "/surveys/{s}/pages/{p2}/delete/", EDIT, 302),
]


def done_export(survey, user, settings) -> ResponseExport:
    """A built Excel file of the survey's, asked for by `user` (while they could)."""
    export = ResponseExport.objects.create(
        survey=survey,
        owner=user,
        team=survey.team,
        format="xlsx",
        status="done",
        stored_name=f"test-{user.pk}.xlsx",
    )
    exports.export_dir().mkdir(parents=True, exist_ok=True)
    (exports.export_dir() / export.stored_name).write_bytes(b"PK")
    return export


def expected(role, right, allowed):
    if role == "outsider":
        return 404
    return allowed if right in RIGHTS[role] else 403


@pytest.mark.parametrize("role", list(RIGHTS))
def test_each_survey_page_answers_by_role(lab, role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    team, people = lab
    survey = team_survey(team, people["owner"])
    answer_survey(f"/r/{survey.public_key}/", answers=CAMPUS_ANSWERS)
    user = people[role]
    ids = {
        "s": survey.pk,
        "p": survey.pages.order_by("position").first().pk,
        "p2": survey.pages.order_by("position").last().pk,
        "q": survey.questions.get(text="Which college?").pk,
        "t": survey.questions.get(text="Which college?").pk,
        "r": Response.objects.get(survey=survey).public_id,
        "e": done_export(survey, user, settings).pk,
    }
    client = client_of(user)
    answered, wanted = {}, {}
    for method, pattern, right, allowed in MATRIX:
        url = pattern.format(**ids)
        http = client.post(url, POSTED) if method == "post" else client.get(url)
        answered[f"{method} {url}"] = http.status_code
        wanted[f"{method} {url}"] = expected(role, right, allowed)

    assert answered == wanted
    if EDIT not in RIGHTS[role]:
        survey.refresh_from_db()
        assert survey.title == "Campus life"
        assert Survey.objects.filter(team=team).count() == 1


def test_editor_may_not_delete_a_survey_and_owner_may(lab):
    team, people = lab
    survey = team_survey(team, people["owner"])
    assert (
        client_of(people["editor"]).post(f"/surveys/{survey.pk}/delete/").status_code
        == 403
    )
    assert Survey.objects.filter(pk=survey.pk).exists()
    http = client_of(people["owner"]).post(f"/surveys/{survey.pk}/delete/")
    assert http.status_code == 302
    assert not Survey.objects.filter(pk=survey.pk).exists()


def test_the_list_shows_the_current_teams_surveys(lab):
    team, people = lab
    team_survey(team, people["owner"], title="Team sleep study", publish=False)
    build_survey(people["viewer"], title="My own notes", publish=False)

    in_team = client_of(people["viewer"], team).get("/surveys/").content.decode()
    assert "Team sleep study" in in_team and "My own notes" not in in_team
    # A Viewer is not offered what they may not do.
    assert "Create survey" not in in_team and ">Delete<" not in in_team
    personal = client_of(people["viewer"]).get("/surveys/").content.decode()
    assert "My own notes" in personal and "Team sleep study" not in personal
    # An outsider who names the team in their session gets their own surveys.
    outsider = client_of(people["outsider"], team).get("/surveys/").content.decode()
    assert "Team sleep study" not in outsider


@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("analyst", 403), ("editor", 302)]
)
def test_create_survey_makes_it_in_the_current_team(lab, role, status):
    team, people = lab
    http = client_of(people[role], team).post("/surveys/", {"title": "Pilot"})
    assert http.status_code == status
    made = Survey.objects.filter(title="Pilot")
    if status == 302:
        survey = made.get()
        assert (survey.team_id, survey.owner_id) == (team.pk, people[role].pk)
    else:
        assert not made.exists()


def test_duplicate_stays_in_the_survey_team(lab):
    team, people = lab
    survey = team_survey(team, people["owner"])
    client_of(people["editor"]).post(f"/surveys/{survey.pk}/duplicate/")
    copy = Survey.objects.get(title="Campus life (copy)")
    assert (copy.team_id, copy.owner_id) == (team.pk, people["editor"].pk)


def test_a_viewer_sees_the_overview_without_the_builder(lab):
    team, people = lab
    survey = team_survey(team, people["owner"])
    page = client_of(people["viewer"]).get(f"/surveys/{survey.pk}/").content.decode()
    assert "Which college?" in page
    for control in ("Add question", "Publish</button>", "Save title", ">Options<"):
        assert control not in page
    assert ">Responses<" not in page
    editor = client_of(people["editor"]).get(f"/surveys/{survey.pk}/").content.decode()
    assert "Add question" in editor and ">Responses<" in editor


def test_an_editor_who_turns_on_anonymity_is_not_sent_to_the_owners_page(lab):
    team, people = lab
    survey = team_survey(team, people["owner"])
    answer_survey(f"/r/{survey.public_key}/", answers=CAMPUS_ANSWERS)
    http = client_of(people["editor"]).post(
        f"/surveys/{survey.pk}/options/",
        {
            "access": "anyone",
            "thank_you_message": "Thanks",
            "closed_message": "Closed",
            "already_completed_message": "Done",
            "anonymous_responses": "on",
        },
    )
    assert http.status_code == 302
    assert http["Location"] == f"/surveys/{survey.pk}/options/"
    survey.refresh_from_db()
    assert survey.anonymous_responses
    # Those already collected keep their identity until an owner confirms.
    assert Response.objects.filter(survey=survey, resume_key__isnull=False).exists()
