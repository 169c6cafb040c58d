"""Piped text on respondent pages: contact, embedded and answer values, escaped."""

from surveys.models import Response
from surveys.services import logic as logic_services
from surveys.services import publishing
from tests.surveys.logic_support import choice_id, logic_survey, personal_links


def test_a_personal_link_pipes_the_contact_from_the_first_page_escaped(client, owner):
    survey, _ = logic_survey(owner)
    links = personal_links(owner, survey)

    page = client.get(links["ana@example.edu"]).content.decode()

    assert "Hi Ana, as a member of Physics, tell us." in page
    assert "${" not in page
    assert Response.objects.count() == 0  # a GET records nothing


def test_piped_values_are_always_escaped(client, owner):
    survey, q = logic_survey(owner, publish=False)
    survey.introduction = "Dear ${m://LastName}"
    survey.save()

    publishing.survey_publish(survey=survey)
    survey.refresh_from_db()
    links = personal_links(owner, survey)

    page = client.get(links["ana@example.edu"]).content.decode()

    assert "Dear O&#x27;Brien &lt;b&gt;" in page
    assert "<b>" not in page.split("<main", 1)[1]


def test_an_earlier_answer_is_piped_into_a_later_page_and_choices(client, owner):
    survey, q = logic_survey(owner)
    link = personal_links(owner, survey)["ana@example.edu"]

    client.post(
        link,
        {
            "page": "1",
            f"q{q['q1'].pk}": choice_id(q["q1"], "Yes"),
            f"q{q['q2'].pk}": "Optics & <Waves>",
        },
    )
    page = client.get(link).content.decode()

    assert "How big is Optics &amp; &lt;Waves&gt;?" in page
    assert "Which lab, Ana?" in page
    assert "Lab Physics" in page  # a choice label piped


def test_unknown_fields_and_malformed_text_render_empty_and_are_listed(
    client, owner, owner_client
):
    survey, q = logic_survey(owner, publish=False)
    survey.introduction = "A ${e://Field/Nope} B ${x://Junk} C ${m://FirstName"
    survey.save()

    publishing.survey_publish(survey=survey)

    page = client.get(f"/r/{survey.public_key}/")
    builder = owner_client.get(f"/surveys/{survey.pk}/").content.decode()

    assert page.status_code == 200
    text = page.content.decode()
    assert "A  B  C" in text  # unknown pieces empty; an unclosed ${ stays as text
    assert "${x://Junk}" not in text
    assert "Unknown piped text ${x://Junk}" in builder
    assert "is not closed" in builder


def test_the_thank_you_message_is_piped(client, owner):
    survey, q = logic_survey(owner)
    link = personal_links(owner, survey)["ben@example.edu"]  # Chemistry: no Q3
    client.post(link, {"page": "1", f"q{q['q1'].pk}": choice_id(q["q1"], "Yes")})
    client.post(link, {"page": "2"})

    done = client.post(link, {"page": "3"}).content.decode()

    assert "Thanks Ben!" in done
    assert Response.objects.get().finished_at is not None


def test_anonymous_link_carries_declared_url_fields_only(client, owner):
    survey, q = logic_survey(owner)
    link = f"/r/{survey.public_key}/"

    page = client.get(link + "?Department=Physics&Secret=x").content.decode()
    assert "as a member of Physics" in page
    assert 'name="ed:Department" value="Physics"' in page
    assert "Secret" not in page

    client.post(
        link,
        {
            "page": "1",
            f"q{q['q1'].pk}": choice_id(q["q1"], "Yes"),
            "ed:Department": "Physics",
        },
    )
    response = Response.objects.get()
    assert response.embedded_data == {"Department": "Physics"}
    assert "Which lab" in client.get(link).content.decode()


def test_the_builder_offers_a_picker_with_fields_and_earlier_answers(
    owner_client, owner
):
    survey, q = logic_survey(owner)
    logic_services.page_update(
        page=q["q3"].page,
        introduction=f"About ${{q://QID{q['q1'].pk}/ChoiceGroup/SelectedChoices}}",
        display_logic={},
    )

    edit = owner_client.get(
        f"/surveys/{survey.pk}/questions/{q['q3'].pk}/"
    ).content.decode()

    assert "data-piping-picker" in edit
    assert "${m://FirstName}" in edit
    assert "${e://Field/Department}" in edit
    assert f"${{q://QID{q['q1'].pk}/ChoiceGroup/SelectedChoices}}" in edit
    assert "js/piping_picker.js" in edit
