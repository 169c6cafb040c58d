"""What a new owner and respondent met on the survey pages (issue 11, point 6)."""

import re

from tests.factories import build_survey


def publish_buttons(html: str) -> list[str]:
    return re.findall(r'<button[^>]*type="submit">Publish</button>', html)


def test_publish_is_offered_only_for_something_to_publish(owner_client, owner):
    never = build_survey(owner, title="Never published", publish=False)
    html = owner_client.get(f"/surveys/{never.pk}/").content.decode()
    assert len(publish_buttons(html)) == 1

    same = build_survey(owner, title="Published as is")
    html = owner_client.get(f"/surveys/{same.pk}/").content.decode()
    assert "the same as this draft" in html
    assert publish_buttons(html) == []

    question = same.questions.get(text="Which college?")
    owner_client.post(
        f"/surveys/{same.pk}/questions/{question.pk}/", {"text": "Which hall?"}
    )
    html = owner_client.get(f"/surveys/{same.pk}/").content.decode()
    assert len(publish_buttons(html)) == 1


def test_a_stale_publish_makes_no_new_version(owner_client, owner):
    survey = build_survey(owner)
    response = owner_client.post(f"/surveys/{survey.pk}/publish/", follow=True)
    survey.refresh_from_db()
    assert survey.published_version == 1
    assert survey.versions.count() == 1
    assert "Nothing to publish" in response.content.decode()


def test_an_invitation_only_survey_points_to_the_personal_link(client, owner):
    survey = build_survey(owner, access="invitation")
    refused = client.get(f"/r/{survey.public_key}/")
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "This survey can only be taken by invitation." in html
    assert "personal link in the email that invited you" in html
