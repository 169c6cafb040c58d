"""The Surveys list and the builder, as an owner uses them."""

from surveys.models import Page, Question, Survey, SurveyVersion
from tests.factories import build_survey


def test_owner_lands_on_an_empty_list_and_creates_a_survey(owner_client, owner):
    page = owner_client.get("/surveys/")
    assert "You have no surveys yet" in page.content.decode()

    created = owner_client.post("/surveys/", {"title": "Alumni 2026"})

    survey = Survey.objects.get(owner=owner)
    assert created["Location"] == f"/surveys/{survey.pk}/"
    builder = owner_client.get(created["Location"]).content.decode()
    assert "Alumni 2026" in builder
    assert "Not published yet" in builder
    assert "Alumni 2026" in owner_client.get("/surveys/").content.decode()


def test_rename_duplicate_and_delete_with_confirmation(owner_client, owner):
    survey = build_survey(owner)

    owner_client.post(f"/surveys/{survey.pk}/rename/", {"title": "Renamed"})
    survey.refresh_from_db()
    assert survey.title == "Renamed"

    owner_client.post(f"/surveys/{survey.pk}/duplicate/")
    copy = Survey.objects.get(title="Renamed (copy)")
    assert copy.published_version == 0
    assert [q.text for q in copy.questions.all()] == [
        q.text for q in survey.questions.all()
    ]
    assert copy.pages.count() == 2
    assert copy.public_key != survey.public_key

    confirm = owner_client.get(f"/surveys/{survey.pk}/delete/")
    assert "cannot be undone" in confirm.content.decode()
    assert Survey.objects.filter(pk=survey.pk).exists()
    owner_client.post(f"/surveys/{survey.pk}/delete/")
    assert not Survey.objects.filter(pk=survey.pk).exists()
    assert Survey.objects.filter(pk=copy.pk).exists()


def test_add_edit_reorder_and_move_questions(owner_client, owner):
    owner_client.post("/surveys/", {"title": "Builder"})
    survey = Survey.objects.get(owner=owner)
    page1 = survey.pages.get()

    added = owner_client.post(
        f"/surveys/{survey.pk}/pages/{page1.pk}/questions/add/", {"kind": "dropdown"}
    )
    first = Question.objects.get(survey=survey)
    assert added["Location"] == f"/surveys/{survey.pk}/questions/{first.pk}/"
    form = owner_client.get(added["Location"]).content.decode()
    assert "Choices" in form
    owner_client.post(
        added["Location"],
        {
            "text": "Favourite colour?",
            "help_text": "Pick one",
            "required": "on",
            "choices": "Red\nGreen\nBlue",
        },
    )
    first.refresh_from_db()
    assert first.text == "Favourite colour?"
    assert first.required
    assert [c["label"] for c in first.choices] == ["Red", "Green", "Blue"]
    ids = {c["label"]: c["id"] for c in first.choices}

    # Reorder and rename choices: ids follow the labels.
    owner_client.post(
        added["Location"],
        {"text": "Favourite colour?", "choices": "Blue\nRed\nEmerald"},
    )
    first.refresh_from_db()
    assert [c["label"] for c in first.choices] == ["Blue", "Red", "Emerald"]
    assert first.choices[0]["id"] == ids["Blue"]
    assert first.choices[1]["id"] == ids["Red"]
    assert first.choices[2]["id"] == ids["Green"]

    owner_client.post(
        f"/surveys/{survey.pk}/pages/{page1.pk}/questions/add/", {"kind": "short_text"}
    )
    second = Question.objects.get(survey=survey, kind="short_text")
    owner_client.post(
        f"/surveys/{survey.pk}/questions/{second.pk}/move/", {"direction": "up"}
    )
    assert list(page1.questions.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]

    owner_client.post(f"/surveys/{survey.pk}/pages/add/")
    page2 = survey.pages.order_by("position").last()
    owner_client.post(
        f"/surveys/{survey.pk}/questions/{first.pk}/move/", {"direction": "next_page"}
    )
    first.refresh_from_db()
    assert first.page == page2
    builder = owner_client.get(f"/surveys/{survey.pk}/").content.decode()
    assert "Page 2" in builder
    assert builder.index("Favourite colour?") > builder.index("Page 2")

    # Removing the page break brings the question back to page 1.
    owner_client.post(f"/surveys/{survey.pk}/pages/{page2.pk}/delete/")
    assert Page.objects.filter(survey=survey).count() == 1
    first.refresh_from_db()
    assert first.page == page1


def test_rating_and_number_bounds_are_checked(owner_client, owner):
    survey = build_survey(owner, publish=False)
    rating = survey.questions.get(kind="rating")

    refused = owner_client.post(
        f"/surveys/{survey.pk}/questions/{rating.pk}/",
        {"text": "Rate", "min_value": "10", "max_value": "0"},
    )

    assert "The maximum must not be below the minimum." in refused.content.decode()


def test_preview_shows_the_draft_and_records_nothing(owner_client, owner):
    survey = build_survey(owner, publish=False)

    first = owner_client.get(f"/surveys/{survey.pk}/preview/").content.decode()
    assert "Preview." in first
    assert "Do you live on campus?" in first
    refused = owner_client.post(f"/surveys/{survey.pk}/preview/", {"page": "1"})
    assert "This question requires an answer." in refused.content.decode()
    yes = survey.questions.get(text="Do you live on campus?")
    moved = owner_client.post(
        f"/surveys/{survey.pk}/preview/",
        {"page": "1", f"q{yes.pk}": yes.choices[0]["id"]},
    )
    assert "Page 2 of 2" in moved.content.decode()
    assert survey.responses.count() == 0
    assert SurveyVersion.objects.filter(survey=survey).count() == 0


def test_publish_bumps_the_version_and_respondents_see_only_published(
    owner_client, owner, client
):
    survey = build_survey(owner)
    link = f"/r/{survey.public_key}/"
    question = survey.questions.get(text="Which college?")

    owner_client.post(
        f"/surveys/{survey.pk}/questions/{question.pk}/",
        {"text": "Which residence hall?"},
    )
    survey.refresh_from_db()
    assert survey.has_unpublished_changes
    assert "Which college?" in client.get(link).content.decode()
    assert (
        "unpublished changes"
        in owner_client.get(f"/surveys/{survey.pk}/").content.decode()
    )

    owner_client.post(f"/surveys/{survey.pk}/publish/")
    survey.refresh_from_db()
    assert survey.published_version == 2
    assert not survey.has_unpublished_changes
    assert "Which residence hall?" in client.get(link).content.decode()


def test_close_and_reopen(owner_client, owner, client):
    survey = build_survey(owner)
    link = f"/r/{survey.public_key}/"

    owner_client.post(
        f"/surveys/{survey.pk}/options/",
        {
            "access": "anyone",
            "thank_you_message": "Thanks!",
            "closed_message": "Closed for the summer.",
        },
    )
    owner_client.post(f"/surveys/{survey.pk}/close/")
    assert "Closed for the summer." in client.get(link).content.decode()
    owner_client.post(f"/surveys/{survey.pk}/publish/")
    assert "Closed for the summer." in client.get(link).content.decode()
    owner_client.post(f"/surveys/{survey.pk}/reopen/")
    assert "Do you live on campus?" in client.get(link).content.decode()


def test_survey_access_option_takes_effect_at_once(owner_client, owner, client):
    survey = build_survey(owner)
    link = f"/r/{survey.public_key}/"
    options = owner_client.get(f"/surveys/{survey.pk}/options/").content.decode()
    assert "Security" in options
    assert "Survey access" in options
    assert "Available to anyone" in options
    assert "Invitation only" in options

    owner_client.post(
        f"/surveys/{survey.pk}/options/",
        {
            "access": "invitation",
            "thank_you_message": "Thanks!",
            "closed_message": "Closed.",
        },
    )

    refused = client.get(link)
    assert refused.status_code == 403
    assert "This survey can only be taken by invitation." in refused.content.decode()


def test_deleting_a_survey_with_responses(owner_client, owner):
    from django.test import Client

    from surveys.models import Response
    from tests.surveys.conftest import page1_answers

    survey = build_survey(owner)
    Client().post(f"/r/{survey.public_key}/", page1_answers(survey))

    confirm = owner_client.get(f"/surveys/{survey.pk}/delete/").content.decode()
    assert "1 response" in confirm
    owner_client.post(f"/surveys/{survey.pk}/delete/")

    assert not Survey.objects.filter(pk=survey.pk).exists()
    assert not Response.objects.exists()
    assert Client().get(f"/r/{survey.public_key}/").status_code == 404
