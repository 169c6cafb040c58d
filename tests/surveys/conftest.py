import pytest
from django.test import Client

from surveys import definitions
from surveys.models import Survey
from teams.models import Membership, Role
from teams.selectors import SESSION_KEY
from teams.services import team_create
from tests.factories import UserFactory, build_survey

# What page1_answers and page2_answers post, for tests.helpers.answer_survey.
CAMPUS_ANSWERS = {
    "Do you live on campus?": "Yes",
    "Which college?": "Trinity",
    "How many courses?": "4",
    "Which services do you use?": ["Library", "Gym"],
    "How likely are you to recommend us?": "9",
    "Rooms are clean": "Agree",
    "Staff are kind": "Agree",
    "Your email (optional)": "ana@example.edu",
    "Anything else?": '=HYPERLINK("x")',
}


@pytest.fixture
def survey(owner):
    return build_survey(owner)


@pytest.fixture
def link(survey):
    return f"/r/{survey.public_key}/"


def question(survey, text):
    """Return a published question (definition dict) by its text."""
    _, definition = definitions.published_definition(survey)
    for page in definition["pages"]:
        for item in page["questions"]:
            if item["text"] == text:
                return item
    raise LookupError(text)


def choice(item, label):
    return next(c["id"] for c in item["choices"] if c["label"] == label)


def page1_answers(survey):
    q = question(survey, "Do you live on campus?")
    return {
        "page": "1",
        f"q{q['id']}": choice(q, "Yes"),
        f"q{question(survey, 'Which college?')['id']}": "Trinity",
        f"q{question(survey, 'How many courses?')['id']}": "4",
    }


def page2_answers(survey):
    services_q = question(survey, "Which services do you use?")
    matrix = question(survey, "How much do you agree?")
    data = {
        "page": "2",
        f"q{services_q['id']}": [
            choice(services_q, "Library"),
            choice(services_q, "Gym"),
        ],
        f"q{question(survey, 'How likely are you to recommend us?')['id']}": "9",
        f"q{question(survey, 'Your email (optional)')['id']}": "ana@example.edu",
        f"q{question(survey, 'Anything else?')['id']}": '=HYPERLINK("x")',
    }
    for statement in matrix["statements"]:
        data[f"q{matrix['id']}_{statement['id']}"] = choice(matrix, "Agree")
    return data


# --- teams ---


@pytest.fixture
def lab(db):
    """A team with one member of each role; {role: user} and the team."""
    owner = UserFactory()
    team = team_create(user=owner, name="Sleep lab")
    people = {"owner": owner, "outsider": UserFactory()}
    for role in (Role.EDITOR, Role.ANALYST, Role.VIEWER):
        people[role.value] = UserFactory()
        Membership.objects.create(team=team, user=people[role.value], role=role)
    return team, people


def team_survey(team, owner, **kwargs) -> Survey:
    """build_survey's survey (made in the owner's personal team), moved into `team`."""
    survey = build_survey(owner, **kwargs)
    Survey.objects.filter(pk=survey.pk).update(team=team)
    survey.refresh_from_db()
    return survey


def client_of(user, team=None) -> Client:
    client = Client()
    client.force_login(user)
    if team is not None:
        session = client.session
        session[SESSION_KEY] = team.pk
        session.save()
    return client
