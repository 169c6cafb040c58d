"""Compose Email: validation, scheduling, time zones, link expiry, preview."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from directories.models import Suppression
from distributions.models import Distribution, Message
from surveys.models import Response
from teams.services import personal_team_id
from tests.distributions.ui_support import (
    GOOD_BODY,
    published_survey,
)
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


def compose_url(survey):
    return reverse("distributions:email_compose", kwargs={"survey_id": survey.pk})


def form_data(the_list, **overrides):
    data = {
        "contact_list": the_list.pk,
        "from_name": "Study team",
        "from_email": "study@example.edu",
        "reply_to": "replies@example.edu",
        "when": "now",
        "send_at_custom": "",
        "subject": "Your survey, ${m://FirstName}",
        "body": GOOD_BODY,
        "expiry": "2m",
        "expires_on": "",
        "compose_token": "token-1",
        "action": "send",
    }
    data.update(overrides)
    return data


@pytest.fixture
def survey(owner):
    return published_survey(owner)


@pytest.fixture
def students(owner):
    return make_list(owner, n=3, embedded_fields=["Cohort"])


def test_compose_shows_lists_with_size_and_opted_out(owner_client, owner, survey):
    the_list = make_list(owner, name="Seniors", n=4)
    Suppression.objects.create(
        owner=owner, team_id=personal_team_id(owner.pk), email="PERSON1@example.edu"
    )

    page = owner_client.get(compose_url(survey)).content.decode()

    assert "Seniors (4 contacts, 1 opted out)" in page
    assert "Load Message" in page and "Send Preview Email" in page
    assert "Default invitation" in page  # the shipped defaults are loadable
    assert the_list.name in page
    assert 'value="study@example.edu"' not in page  # From defaults from settings
    assert "canvass@localhost" in page


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"body": "Hello ${m://FirstName}, no link here."}, "There is no survey link"),
        ({"body": GOOD_BODY + "${m://Nickname}"}, "Unknown piped text ${m://Nickname}"),
        (
            {"subject": "Hi ${e://Field/Department}"},
            "The embedded data field &#x27;Department&#x27; is not in this list",
        ),
        (
            {"when": "custom", "send_at_custom": "2020-01-01T10:00"},
            "This time is in the past",
        ),
        ({"when": "custom", "send_at_custom": ""}, "Choose the date and time"),
        ({"from_email": "not an address"}, "Enter a valid email address"),
        ({"subject": ""}, "This field is required"),
        ({"contact_list": ""}, "This field is required"),
        (
            {"expiry": "custom", "expires_on": "2020-01-01"},
            "The expiry date must be in the future.",
        ),
    ],
)
def test_compose_refuses_with_a_clear_message(
    owner_client, survey, students, overrides, expected
):
    response = owner_client.post(compose_url(survey), form_data(students, **overrides))

    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not Distribution.objects.exists()


def test_an_empty_list_is_refused(owner_client, owner, survey):
    empty = make_list(owner, name="Empty", n=0)

    response = owner_client.post(compose_url(survey), form_data(empty))

    assert "This list has no contacts" in response.content.decode()
    assert not Distribution.objects.exists()


def test_embedded_field_of_the_chosen_list_is_accepted(owner_client, survey, students):
    response = owner_client.post(
        compose_url(survey),
        form_data(students, body=GOOD_BODY + "Cohort: ${e://Field/Cohort}"),
    )

    assert response.status_code == 302
    assert Distribution.objects.get().body.endswith("${e://Field/Cohort}")


@pytest.mark.parametrize(
    "state, expected",
    [
        ("draft", "Only a published survey can be distributed"),
        ("closed", "This survey is closed"),
    ],
)
def test_unpublished_or_closed_survey_cannot_be_sent(
    owner_client, owner, students, state, expected
):
    survey = published_survey(owner, state=state)

    shown = owner_client.get(compose_url(survey))
    posted = owner_client.post(compose_url(survey), form_data(students))
    emails_page = owner_client.get(
        reverse("distributions:emails", kwargs={"survey_id": survey.pk})
    )

    assert expected in shown.content.decode()
    assert posted.status_code == 409
    assert expected in emails_page.content.decode()
    assert "Compose Email</a>" not in emails_page.content.decode()
    assert not Distribution.objects.exists()


def test_send_now_schedules_one_distribution(owner_client, owner, survey, students):
    before = timezone.now()

    response = owner_client.post(compose_url(survey), form_data(students), follow=True)

    distribution = Distribution.objects.get()
    assert distribution.kind == "email" and distribution.status == "scheduled"
    assert distribution.owner == owner and distribution.survey == survey
    assert distribution.list_name == "Students"
    assert distribution.reply_to == "replies@example.edu"
    assert before <= distribution.send_at <= timezone.now()
    # The default, "2 months", is two calendar months from the send time.
    assert distribution.link_expires_at == distribution.send_at + relativedelta(
        months=2
    )
    assert "Your email to Students is being sent." in response.content.decode()


def test_a_double_submit_creates_exactly_one_distribution(
    owner_client, survey, students
):
    first = owner_client.post(compose_url(survey), form_data(students))
    second = owner_client.post(compose_url(survey), form_data(students))

    assert first.status_code == second.status_code == 302
    assert Distribution.objects.count() == 1

    owner_client.post(compose_url(survey), form_data(students, compose_token="token-2"))
    assert Distribution.objects.count() == 2


def test_in_one_hour(owner_client, survey, students):
    before = timezone.now()
    owner_client.post(compose_url(survey), form_data(students, when="in_1_hour"))

    send_at = Distribution.objects.get().send_at
    assert before + timedelta(hours=1) <= send_at <= timezone.now() + timedelta(hours=1)


def test_custom_time_is_read_in_the_owners_time_zone(
    owner_client, owner, survey, students
):
    Profile.objects.update_or_create(
        user=owner, defaults={"time_zone": "America/Chicago"}
    )

    response = owner_client.post(
        compose_url(survey),
        form_data(students, when="custom", send_at_custom="2031-01-15T09:30"),
        follow=True,
    )

    distribution = Distribution.objects.get()
    # 09:30 in Chicago (UTC-6 in January) is 15:30 UTC.
    assert distribution.send_at == datetime(2031, 1, 15, 15, 30, tzinfo=UTC)
    assert "scheduled for 2031-01-15 09:30 (America/Chicago)" in (
        response.content.decode()
    )
    emails_page = response.content.decode()
    assert "Scheduled" in emails_page and "2031-01-15 09:30" in emails_page


@pytest.mark.parametrize(
    "choice, delta",
    [
        ("1w", relativedelta(weeks=1)),
        ("1m", relativedelta(months=1)),
        ("2m", relativedelta(months=2)),
        ("6m", relativedelta(months=6)),
    ],
)
def test_link_expiry_choices(owner_client, survey, students, choice, delta):
    owner_client.post(
        compose_url(survey),
        form_data(
            students,
            when="custom",
            send_at_custom="2031-01-31T10:00",
            expiry=choice,
        ),
    )

    distribution = Distribution.objects.get()
    assert distribution.link_expires_at == distribution.send_at + delta


def test_custom_link_expiry_ends_that_day_in_the_owners_zone(
    owner_client, owner, survey, students
):
    Profile.objects.update_or_create(user=owner, defaults={"time_zone": "Europe/Paris"})
    owner_client.post(
        compose_url(survey),
        form_data(students, expiry="custom", expires_on="2031-03-01"),
    )

    expires = Distribution.objects.get().link_expires_at
    assert expires == datetime(2031, 3, 1, 22, 59, 59, tzinfo=UTC)


def test_preview_email_arrives_and_its_link_records_nothing(
    owner_client, owner, survey, students, smtp_server
):
    response = owner_client.post(
        compose_url(survey), form_data(students, action="preview")
    )

    assert f"A preview email was sent to {owner.email}" in response.content.decode()
    [mail] = smtp_server.wait_for(1)
    assert mail.recipients == [owner.email]
    assert mail.subject == "[Preview] Your survey, First0"
    text = mail.text()
    assert "Dear First0," in text
    link = re.search(r"http://\S+/s/preview/[^\s>]+/", text).group(0)
    assert not Distribution.objects.exists()

    path = (
        link.split("testserver", 1)[-1]
        if "testserver" in link
        else "/" + link.split("/", 3)[3]
    )
    page = owner_client.get(path)
    assert page.status_code == 200
    assert "records nothing" in page.content.decode()
    assert "Do you live on campus?" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert not Response.objects.exists()


def test_a_tampered_preview_link_is_refused(client):
    assert client.get("/s/preview/not-a-signed-value/").status_code == 404


def test_save_as_new_message_from_compose(owner_client, owner, survey, students):
    response = owner_client.post(
        compose_url(survey),
        form_data(
            students,
            action="save_message",
            message_name="Spring invite",
            message_type="invite",
        ),
    )

    assert "Saved “Spring invite” in the message library." in response.content.decode()
    message = Message.objects.get(owner=owner)
    assert message.subject == "Your survey, ${m://FirstName}"
    assert message.body == GOOD_BODY.strip()
    assert not Distribution.objects.exists()
    # The compose window keeps what was typed.
    assert "Your survey, ${m://FirstName}" in response.content.decode()


def test_compose_is_404_for_another_owners_survey(
    client, other_owner, survey, students
):
    client.force_login(other_owner)

    assert client.get(compose_url(survey)).status_code == 404
    assert client.post(compose_url(survey), form_data(students)).status_code == 404
    assert not Distribution.objects.exists()


def test_another_owners_list_cannot_be_chosen(owner_client, other_owner, survey):
    theirs = make_list(other_owner, name="Theirs", n=3)

    response = owner_client.post(compose_url(survey), form_data(theirs))

    assert "Select a valid choice" in response.content.decode()
    assert not Distribution.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_one_form_make_one_distribution(owner):
    import threading

    from django.db import connection

    from distributions.services.compose import distribution_schedule

    survey = published_survey(owner)
    students = make_list(owner, n=2)
    barrier = threading.Barrier(2)
    made, errors = [], []

    def send():
        try:
            barrier.wait()
            now = timezone.now()
            made.append(
                distribution_schedule(
                    user=owner,
                    survey=survey,
                    contact_list=students,
                    from_name="Study team",
                    from_email="study@example.edu",
                    reply_to="",
                    subject="Hello",
                    body=GOOD_BODY,
                    send_at=now + timedelta(hours=1),
                    link_expires_at=now + timedelta(days=60),
                    compose_token="same-form",
                ).pk
            )
        except Exception as error:  # noqa: BLE001  (reported by the assert below)
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert len(made) == 2 and made[0] == made[1]
    assert Distribution.objects.count() == 1
