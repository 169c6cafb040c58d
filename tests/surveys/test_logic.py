"""Display and skip logic: on the server, on resume, after a publish, in words."""

import pytest

from surveys import logic, services
from surveys.logic import Facts
from surveys.models import Answer, Response
from surveys.services import logic as logic_services
from surveys.services import publishing
from surveys.services.rules import rules_problems
from tests.surveys.logic_support import (
    SCREEN_OUT,
    choice_id,
    logic_survey,
    personal_links,
)


def yes(q):
    return {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], "Yes")}


def test_a_question_is_shown_only_to_physics(client, owner):
    survey, q = logic_survey(owner)
    links = personal_links(owner, survey)

    for email, shown in (("ana@example.edu", True), ("ben@example.edu", False)):
        client.post(links[email], yes(q))
        page = client.get(links[email]).content.decode()
        assert ("Which lab" in page) is shown, email


def test_a_hidden_question_is_never_required_and_keeps_no_answer(client, owner):
    survey, q = logic_survey(owner)
    link = personal_links(owner, survey)["ben@example.edu"]  # Chemistry
    client.post(link, yes(q))

    # Q3 is required but hidden for Ben; a forged answer to it is not stored.
    moved = client.post(
        link, {"page": "2", f"q{q['q3'].pk}": choice_id(q["q3"], "No lab")}
    )

    assert moved.status_code == 302
    assert moved["Location"].endswith("?page=3")
    assert not Answer.objects.filter(question_id=q["q3"].pk).exists()
    assert "Thanks Ben" in client.post(link, {"page": "3"}).content.decode()


def test_a_shown_required_question_is_still_required(client, owner):
    survey, q = logic_survey(owner)
    link = personal_links(owner, survey)["ana@example.edu"]
    client.post(link, yes(q))

    page = client.post(link, {"page": "2"})

    assert page.status_code == 200
    assert "This question requires an answer." in page.content.decode()


def test_no_on_q1_screens_out_with_the_message(client, owner):
    survey, q = logic_survey(owner)
    link = personal_links(owner, survey)["ana@example.edu"]

    done = client.post(
        link, {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], "No")}
    ).content.decode()

    assert SCREEN_OUT in done
    response = Response.objects.get()
    assert response.finished_at is not None
    assert response.screened_out
    assert "already completed" in client.get(link).content.decode()


def test_a_skip_to_a_later_page_and_back_follow_the_path(client, owner):
    survey, q = logic_survey(owner, publish=False)
    logic_services.question_set_logic(
        question=q["q2"],
        display_logic={},
        skip_logic={
            "join": "and",
            "conditions": [
                {"source": f"q:{q['q2'].pk}", "op": "contains", "value": "x"}
            ],
            "to": q["q5"].page_id,
        },
    )
    publishing.survey_publish(survey=survey)
    survey.refresh_from_db()
    link = personal_links(owner, survey)["ana@example.edu"]

    moved = client.post(link, {**yes(q), f"q{q['q2'].pk}": "Xray"})
    assert moved["Location"].endswith("?page=3")
    back = client.post(link, {"page": "3", "action": "back"})
    assert back["Location"].endswith("?page=1")
    # Asking for the skipped page shows the page before it on the path.
    assert "Your course?" in client.get(f"{link}?page=2").content.decode()


def test_a_resumed_response_keeps_its_versions_rules_after_a_publish(client, owner):
    survey, q = logic_survey(owner)
    link = personal_links(owner, survey)["ben@example.edu"]
    client.post(link, yes(q))
    # The owner drops the display logic and publishes: Ben's response is on v1.
    logic_services.question_set_logic(question=q["q3"], display_logic={}, skip_logic={})
    publishing.survey_publish(survey=survey)

    page = client.get(link).content.decode()

    assert "Which lab" not in page
    assert "How big is" in page


def test_a_page_with_display_logic_is_skipped(client, owner):
    survey, q = logic_survey(owner, publish=False)
    logic_services.page_update(
        page=q["q5"].page,
        introduction="Last page",
        display_logic={
            "join": "or",
            "conditions": [
                {"source": "m:first_name", "op": "is", "value": "Ana"},
                {"source": "e:Department", "op": "is", "value": "History"},
            ],
        },
    )
    publishing.survey_publish(survey=survey)
    survey.refresh_from_db()
    links = personal_links(owner, survey)
    ben = links["ben@example.edu"]
    client.post(ben, yes(q))

    page2 = client.get(ben).content.decode()
    assert ">Submit<" in page2  # page 3 is hidden for Ben: page 2 is the last
    assert "Thanks Ben" in client.post(ben, {"page": "2"}).content.decode()


@pytest.mark.parametrize(
    "op,value,answer,holds",
    [
        ("is", "yes", "c_yes", True),
        ("is_not", "Yes", "c_yes", False),
        ("is_not", "Yes", None, True),
        ("contains", "ES", "c_yes", True),
        ("gt", "3", 4, True),
        ("gt", "4", 4, False),
        ("lt", "4.5", 4, True),
        ("lt", "x", 4, False),
        ("answered", "", None, False),
        ("not_answered", "", None, True),
    ],
)
def test_each_operator(op, value, answer, holds):
    question = {
        "id": 1,
        "kind": "single_choice",
        "choices": [{"id": "c_yes", "label": "Yes"}],
    }
    number = {"id": 2, "kind": "number"}
    index = {1: question, 2: number}
    qid = 2 if isinstance(answer, int) else 1
    facts = Facts(answers={} if answer is None else {qid: answer})
    condition = {"source": f"q:{qid}", "op": op, "value": value}

    assert logic.condition_holds(condition, facts, index) is holds


def test_and_or_joins():
    facts = Facts(contact={"first_name": "Ana", "embedded_data": {"D": "Physics"}})
    a = {"source": "m:first_name", "op": "is", "value": "Ana"}
    b = {"source": "e:D", "op": "is", "value": "History"}

    assert not logic.rule_holds({"join": "and", "conditions": [a, b]}, facts, {})
    assert logic.rule_holds({"join": "or", "conditions": [a, b]}, facts, {})
    assert logic.rule_holds({}, facts, {})


def test_the_builder_states_each_rule_in_plain_words(owner_client, owner):
    survey, q = logic_survey(owner)

    page = owner_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert "Shown if Department is Physics" in page
    assert (
        "If Q1 is No, skip to the end of the survey with the screen-out message "
        "&quot;Sorry, this survey is only for people who teach.&quot;"
    ) in page


def test_the_logic_form_saves_a_rule(owner_client, owner):
    survey, q = logic_survey(owner)
    url = f"/surveys/{survey.pk}/questions/{q['q4'].pk}/logic/"
    assert "Display logic" in owner_client.get(url).content.decode()

    saved = owner_client.post(
        url,
        {
            "display-join": "and",
            "display-source_0": f"q:{q['q1'].pk}",
            "display-op_0": "is",
            "display-value_0": "Yes",
            "skip-join": "and",
            "skip-source_0": f"q:{q['q4'].pk}",
            "skip-op_0": "answered",
            "skip-to": "end",
        },
    )

    assert saved.status_code == 302
    q["q4"].refresh_from_db()
    assert q["q4"].display_logic == {
        "join": "and",
        "conditions": [{"source": f"q:{q['q1'].pk}", "op": "is", "value": "Yes"}],
    }
    assert q["q4"].skip_logic["to"] == "end"
    assert (
        "Shown if Q1 is Yes"
        in owner_client.get(f"/surveys/{survey.pk}/").content.decode()
    )


def test_publish_refuses_broken_rules_naming_them(owner_client, owner):
    survey, q = logic_survey(owner)
    # A condition on a later question, a backward jump, then a deleted question.
    logic_services.question_set_logic(
        question=q["q2"],
        display_logic={
            "join": "and",
            "conditions": [{"source": f"q:{q['q5'].pk}", "op": "answered"}],
        },
        skip_logic={},
    )
    logic_services.question_set_logic(
        question=q["q4"],
        display_logic={
            "join": "and",
            "conditions": [{"source": f"q:{q['q1'].pk}", "op": "is", "value": "Yes"}],
        },
        skip_logic={
            "join": "and",
            "conditions": [{"source": f"q:{q['q4'].pk}", "op": "answered"}],
            "to": q["q1"].page_id,
        },
    )
    services.question_delete(question=q["q1"])
    type(survey).objects.filter(pk=survey.pk).update(
        quotas=[{"source": "e:", "limit": 3}]
    )

    refused = owner_client.post(f"/surveys/{survey.pk}/publish/", follow=True)

    text = refused.content.decode()
    assert "Not published." in text
    assert "Q1&#x27;s display logic" in text and "Q4, which is not asked before" in text
    assert "jumps backwards" in text
    assert "refers to a deleted question" in text
    assert "A quota names no field" in text
    survey.refresh_from_db()
    assert survey.published_version == 1


def test_a_duplicate_keeps_its_rules_pointing_at_its_own_questions(owner):
    survey, q = logic_survey(owner)

    copy = services.survey_duplicate(survey=survey, owner=owner)

    copied = {c.text: c for c in copy.questions.all()}
    q1 = copied["Do you teach?"]
    assert q1.skip_logic["conditions"][0]["source"] == f"q:{q1.pk}"
    q2 = copied["Your course?"]
    assert f"${{q://QID{q2.pk}/ChoiceTextEntryValue}}" in "".join(copied)
    assert copy.embedded_fields == ["Department"]
    assert rules_problems(copy) == []


def test_a_display_condition_on_the_same_page_is_refused_with_the_reason(
    owner_client, owner
):
    survey, q = logic_survey(owner)
    url = f"/surveys/{survey.pk}/questions/{q['q2'].pk}/logic/"
    page = owner_client.get(url).content.decode()
    # Q2 shares page 1 with Q1: not offered, and the builder says why.
    assert "Not offered: Q1, on this question's page." in page
    assert "only test questions of earlier pages" in page
    crafted = owner_client.post(
        url,
        {
            "display-join": "and",
            "display-source_0": f"q:{q['q1'].pk}",
            "display-op_0": "is",
            "display-value_0": "Yes",
            "skip-join": "and",
        },
    ).content.decode()
    assert "That question cannot be tested here." in crafted
    q["q2"].refresh_from_db()
    assert q["q2"].display_logic == {}

    # Set anyway (an older rule, a question moved): Publish names it and says why.
    logic_services.question_set_logic(
        question=q["q2"],
        display_logic={
            "join": "and",
            "conditions": [{"source": f"q:{q['q1'].pk}", "op": "is", "value": "Yes"}],
        },
        skip_logic={},
    )
    refused = owner_client.post(f"/surveys/{survey.pk}/publish/", follow=True)
    text = refused.content.decode()
    assert (
        "Q2&#x27;s display logic (Shown if Q1 is Yes): it refers to Q1, on the same page."
        in text
    )
    assert "only test questions of earlier pages" in text


def test_a_decided_rule_is_decided_again_once_the_answers_change():
    """Rules are remembered per Facts (one page view asks several times); a new
    answer must never be judged by the old one's verdict."""
    rule = {
        "join": "and",
        "conditions": [{"source": "q:7", "op": "is", "value": "Yes"}],
    }
    facts = Facts(answers={7: "No"})
    assert not logic.rule_holds(rule, facts, {})
    assert not logic.rule_holds(rule, facts, {})  # the remembered verdict
    facts.answers_replace([7], {7: "Yes"})
    assert logic.rule_holds(rule, facts, {})
    facts.answers_replace([7], {})
    assert not logic.rule_holds(rule, facts, {})
