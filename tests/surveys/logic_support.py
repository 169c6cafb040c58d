"""A survey with piped text, display and skip logic, and personal links to it."""

import datetime

from django.utils import timezone

from distributions.services.links import links_generate
from surveys import services
from surveys.services import logic as logic_services
from surveys.services import publishing
from tests.helpers import make_list

GREETING = "Hi ${m://FirstName}, as a member of ${e://Field/Department}, tell us."
SCREEN_OUT = "Sorry, this survey is only for people who teach."
PEOPLE = [
    ("Ana", "O'Brien <b>", "ana@example.edu", "Physics"),
    ("Ben", "Li", "ben@example.edu", "Chemistry"),
    ("Cy", "Ode", "cy@example.edu", "Physics"),
    ("Di", "Fox", "di@example.edu", "History"),
]


def add(survey, page, kind, text, **changes):
    question = services.question_add(survey=survey, page=page, kind=kind)
    return services.question_update(
        question=question,
        text=text,
        required=changes.pop("required", False),
        **changes,
    )


def logic_survey(owner, *, publish=True):
    """Page 1: Q1 "Do you teach?" (Yes/No, required; No skips to the end with a
    screen-out), Q2 "Your course?" (text). Page 2: Q3 "Which lab, <name>?" shown only
    for Department Physics (required), Q4 pipes Q2's answer. Page 3: Q5 "Anything
    else?"."""
    survey = services.survey_create(owner=owner, title="Teaching survey")
    survey.introduction = GREETING
    survey.embedded_fields = ["Department"]
    survey.thank_you_message = "Thanks ${m://FirstName}!"
    survey.save()
    page1 = survey.pages.get()
    page2 = services.page_add(survey=survey)
    page3 = services.page_add(survey=survey)
    q1 = add(survey, page1, "single_choice", "Do you teach?", required=True)
    q2 = add(survey, page1, "short_text", "Your course?")
    q3 = add(
        survey,
        page2,
        "single_choice",
        "Which lab, ${m://FirstName}?",
        required=True,
        choice_labels=["Lab ${e://Field/Department}", "No lab"],
    )
    q4 = add(
        survey,
        page2,
        "short_text",
        f"How big is ${{q://QID{q2.pk}/ChoiceTextEntryValue}}?",
    )
    q5 = add(survey, page3, "long_text", "Anything else?")
    logic_services.question_set_logic(
        question=q1,
        display_logic={},
        skip_logic={
            "join": "and",
            "conditions": [{"source": f"q:{q1.pk}", "op": "is", "value": "No"}],
            "to": "end",
            "message": SCREEN_OUT,
        },
    )
    logic_services.question_set_logic(
        question=q3,
        display_logic={
            "join": "and",
            "conditions": [{"source": "e:Department", "op": "is", "value": "Physics"}],
        },
        skip_logic={},
    )
    if publish:
        publishing.survey_publish(survey=survey)
    survey.refresh_from_db()
    return survey, {"q1": q1, "q2": q2, "q3": q3, "q4": q4, "q5": q5}


def personal_links(owner, survey, people=PEOPLE) -> dict:
    """{email: "/s/<token>/"} for the people, through a personal-links batch."""
    contact_list = make_list(
        owner,
        rows=[
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "embedded_data": {"Department": department},
            }
            for first, last, email, department in people
        ],
        embedded_fields=["Department"],
    )
    distribution = links_generate(
        user=owner,
        survey=survey,
        contact_list=contact_list,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    return {i.email: f"/s/{i.token}/" for i in distribution.invitations.all()}


def choice_id(question, label):
    return next(c["id"] for c in question.choices if c["label"] == label)
