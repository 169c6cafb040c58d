"""Message library: the owner's saved messages, Canvass' defaults, isolation."""

import pytest
from django.urls import reverse

from distributions.models import Message
from teams.services import personal_team_id

pytestmark = pytest.mark.django_db

BODY = "Hi ${m://FirstName}\n${l://SurveyLink?d=Take the survey}"


def test_defaults_are_offered_when_the_library_is_empty(owner_client):
    page = owner_client.get(reverse("distributions:messages")).content.decode()

    assert "You have no saved messages yet" in page
    for name in ("Default invitation", "Default reminder", "Default thank-you"):
        assert name in page

    start = owner_client.get(
        reverse("distributions:message_new") + "?from_default=reminder"
    ).content.decode()
    assert "Reminder: your survey is waiting" in start


def test_create_edit_delete(owner_client, owner):
    created = owner_client.post(
        reverse("distributions:message_new"),
        {"name": "Spring", "message_type": "invite", "subject": "Hello", "body": BODY},
        follow=True,
    )
    assert "Saved “Spring”." in created.content.decode()
    message = Message.objects.get(owner=owner)
    assert (
        "Spring" in owner_client.get(reverse("distributions:messages")).content.decode()
    )

    owner_client.post(
        reverse("distributions:message_edit", kwargs={"pk": message.pk}),
        {
            "name": "Spring 2",
            "message_type": "reminder",
            "subject": "Again",
            "body": BODY,
        },
    )
    message.refresh_from_db()
    assert (message.name, message.message_type, message.subject) == (
        "Spring 2",
        "reminder",
        "Again",
    )

    url = reverse("distributions:message_delete", kwargs={"pk": message.pk})
    assert "Delete “Spring 2”?" in owner_client.get(url).content.decode()
    assert Message.objects.exists()  # a GET only asks
    owner_client.post(url)
    assert not Message.objects.exists()


def test_invites_need_the_survey_link_thank_yous_do_not(owner_client, owner):
    refused = owner_client.post(
        reverse("distributions:message_new"),
        {"name": "A", "message_type": "invite", "subject": "S", "body": "No link"},
    )
    assert "There is no survey link" in refused.content.decode()
    owner_client.post(
        reverse("distributions:message_new"),
        {"name": "B", "message_type": "thank_you", "subject": "S", "body": "Thanks!"},
    )
    assert list(Message.objects.values_list("name", flat=True)) == ["B"]


def test_unknown_placeholder_refused(owner_client):
    response = owner_client.post(
        reverse("distributions:message_new"),
        {"name": "A", "message_type": "invite", "subject": "${x://y}", "body": BODY},
    )
    assert "Unknown piped text ${x://y}" in response.content.decode()
    assert not Message.objects.exists()


def test_duplicate_name_refused(owner_client, owner):
    Message.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        name="Spring",
        message_type="invite",
        subject="S",
        body=BODY,
    )
    response = owner_client.post(
        reverse("distributions:message_new"),
        {"name": "spring", "message_type": "invite", "subject": "S", "body": BODY},
    )
    assert "The team already has a message named “spring”." in response.content.decode()
    assert Message.objects.count() == 1


def test_saved_messages_are_loadable_in_compose(owner_client, owner):
    from tests.distributions.ui_support import published_survey

    survey = published_survey(owner)
    Message.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        name="Spring",
        message_type="invite",
        subject="Spring subject",
        body=BODY,
    )

    page = owner_client.get(
        reverse("distributions:email_compose", kwargs={"survey_id": survey.pk})
    ).content.decode()

    assert '<option value="0">Spring</option>' in page
    assert "Spring subject" in page  # in the Load Message data


@pytest.mark.parametrize("name", ["message_edit", "message_delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_owners_message_is_404(client, owner, other_owner, name, method):
    message = Message.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        name="Mine",
        message_type="invite",
        subject="S",
        body=BODY,
    )
    client.force_login(other_owner)

    response = getattr(client, method)(
        reverse(f"distributions:{name}", kwargs={"pk": message.pk}),
        {"name": "Stolen", "message_type": "invite", "subject": "S", "body": BODY},
    )

    assert response.status_code == 404
    message.refresh_from_db()
    assert message.name == "Mine"
    assert "Mine" not in client.get(reverse("distributions:messages")).content.decode()
