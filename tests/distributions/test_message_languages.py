"""Messages per language (issue 20): one subject and body per language, each
recipient gets the version for their contact Language, the history says which."""

import csv
import io
from email.header import decode_header, make_header

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from distributions.models import Delivery, Distribution, Message
from distributions.selectors.messages import message_library
from distributions.services.compose import message_create
from distributions.services.dispatch import distributions_dispatch_due
from distributions.services.message_versions import (
    message_version,
    survey_default_language,
    versions_validated,
)
from distributions.services.reminders import reminder_schedule
from tests.distributions.test_compose import compose_url, form_data
from tests.distributions.ui_support import GOOD_BODY, published_survey
from tests.helpers import make_list

pytestmark = pytest.mark.django_db

ES_BODY = "Hola ${m://FirstName},\n\n${l://SurveyLink?d=Responder la encuesta}"
AR_BODY = "مرحبا ${m://FirstName}،\n\n${l://SurveyLink?d=ابدأ الاستبيان}"
VERSIONS = {
    "es": {"subject": "Encuesta para ${m://FirstName}", "body": ES_BODY},
    "ar": {"subject": "استبيان", "body": AR_BODY},
}


def versions_post(*entries):
    """The versions formset's fields for (language, subject, body) entries."""
    data = {"versions-TOTAL_FORMS": str(len(entries)), "versions-INITIAL_FORMS": "0"}
    for n, (language, subject, body) in enumerate(entries):
        data[f"versions-{n}-language"] = language
        data[f"versions-{n}-subject"] = subject
        data[f"versions-{n}-body"] = body
    return data


@pytest.fixture
def survey(owner):
    return published_survey(owner)


@pytest.fixture
def languages_list(owner):
    return make_list(
        owner,
        rows=[
            {"email": "en@example.edu", "first_name": "Ann", "language": "EN"},
            {"email": "es@example.edu", "first_name": "Bea", "language": "ES"},
            {"email": "ar@example.edu", "first_name": "Cyd", "language": "AR"},
            {"email": "mx@example.edu", "first_name": "Dan", "language": "es-MX"},
            {"email": "xx@example.edu", "first_name": "Eve", "language": "Klingon!"},
            {"email": "none@example.edu", "first_name": "Fay", "language": ""},
        ],
    )


def _distribution(survey, contact_list, versions=VERSIONS):
    return Distribution.objects.create(
        survey=survey,
        owner=survey.owner,
        team_id=survey.team_id,
        kind=Distribution.Kind.EMAIL,
        contact_list=contact_list,
        list_name=contact_list.name,
        from_name="Study Team",
        from_email="study@uni.example",
        subject="Survey for ${m://FirstName}",
        body=GOOD_BODY,
        language="en",
        versions=versions,
        send_at=timezone.now(),
        link_expires_at=timezone.now() + timezone.timedelta(days=30),
    )


def test_message_version_follows_the_contact_language(survey, languages_list):
    distribution = _distribution(survey, languages_list)

    def chosen(code):
        return message_version(distribution, code).language

    assert chosen("ES") == "es"
    assert chosen("es-MX") == "es"
    assert chosen("ar") == "ar"
    assert chosen("EN") == "en"
    # Unreadable, unknown or empty: the default.
    assert chosen("Klingon!") == "en"
    assert chosen("FR") == "en"
    assert chosen("") == "en"
    assert message_version(distribution, "AR").subject == "استبيان"


def test_default_language_is_the_survey_s_or_the_setting(survey, settings):
    settings.CANVASS_DEFAULT_LANGUAGE = "EN"
    assert survey_default_language(survey) == "en"
    survey.default_language = "FR"  # Survey.default_language, where it exists
    assert survey_default_language(survey) == "fr"


def test_compose_schedules_each_language_version(owner_client, survey, languages_list):
    data = form_data(languages_list) | versions_post(
        ("ES", VERSIONS["es"]["subject"], ES_BODY),
        ("ar", VERSIONS["ar"]["subject"], AR_BODY),
    )
    response = owner_client.post(compose_url(survey), data)

    assert response.status_code == 302
    distribution = Distribution.objects.get(survey=survey)
    assert distribution.language == "en"
    assert distribution.versions == VERSIONS


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        (("Klingon!", "Hola", ES_BODY), "Enter a language code"),
        (("EN", "Hi", GOOD_BODY), "the default message&#x27;s language"),
        (("es", "Hola", "Sin enlace"), "there is no survey link"),
        (("es", "Hola ${m://Nope}", ES_BODY), "Hola"),
        (("es", "", ES_BODY), "Enter the subject in this language"),
    ],
)
def test_compose_refuses_a_bad_version(
    owner_client, survey, languages_list, entry, error
):
    data = form_data(languages_list) | versions_post(entry)
    response = owner_client.post(compose_url(survey), data)

    assert response.status_code == 200
    assert error.lower() in response.content.decode().lower()
    assert not Distribution.objects.filter(survey=survey).exists()


def test_compose_refuses_a_language_twice(owner_client, survey, languages_list):
    data = form_data(languages_list) | versions_post(
        ("es", "Hola", ES_BODY), ("ES", "Hola otra vez", ES_BODY)
    )
    response = owner_client.post(compose_url(survey), data)

    assert "has two versions" in response.content.decode()
    assert not Distribution.objects.exists()


def test_a_post_without_versions_sends_the_default_only(
    owner_client, survey, languages_list
):
    response = owner_client.post(compose_url(survey), form_data(languages_list))

    assert response.status_code == 302
    assert Distribution.objects.get(survey=survey).versions == {}


def test_each_recipient_gets_their_language_over_smtp(
    owner_client, survey, languages_list, smtp_server, settings
):
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    distribution = _distribution(survey, languages_list)
    celery_app.conf.task_always_eager = True
    try:
        distributions_dispatch_due()
    finally:
        celery_app.conf.task_always_eager = False
    mails = smtp_server.wait_for(6)

    def subject(address):
        [mail] = [m for m in mails if m.recipients == [address]]
        return str(make_header(decode_header(mail.message["Subject"])))

    assert subject("en@example.edu") == "Survey for Ann"
    assert subject("es@example.edu") == "Encuesta para Bea"
    assert subject("mx@example.edu") == "Encuesta para Dan"
    assert subject("ar@example.edu") == "استبيان"
    # An unknown code and no code: the default.
    assert subject("xx@example.edu") == "Survey for Eve"
    assert subject("none@example.edu") == "Survey for Fay"
    [arabic] = [m for m in mails if m.recipients == ["ar@example.edu"]]
    assert "ابدأ الاستبيان" in arabic.raw.decode()

    sent = {
        d.invitation.email: d.language
        for d in Delivery.objects.filter(distribution=distribution).select_related(
            "invitation"
        )
    }
    assert sent == {
        "en@example.edu": "en",
        "es@example.edu": "es",
        "mx@example.edu": "es",
        "ar@example.edu": "ar",
        "xx@example.edu": "en",
        "none@example.edu": "en",
    }

    # The history CSV says which language each was sent.
    url = reverse(
        "distributions:email_history",
        kwargs={"survey_id": survey.pk, "pk": distribution.pk},
    )
    raw = b"".join(owner_client.get(url).streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert {row["Email"]: row["Language"] for row in rows} == sent

    # So does the Emails page's per-recipient view, with that version's text.
    detail = reverse(
        "distributions:email_detail",
        kwargs={"survey_id": survey.pk, "pk": distribution.pk},
    )
    page = owner_client.get(detail).content.decode()
    assert page.count('data-testid="recipient-language">es<') == 2
    assert page.count('data-testid="recipient-language">ar<') == 1
    assert "Encuesta para Bea" in page
    assert "Español (es)" in page


def test_library_message_keeps_its_versions(owner_client, owner):
    response = owner_client.post(
        reverse("distributions:message_new"),
        {
            "name": "Invite in three",
            "message_type": "invite",
            "subject": "Survey",
            "body": GOOD_BODY,
            **versions_post(("ES", "Encuesta", ES_BODY), ("ar", "استبيان", AR_BODY)),
        },
    )
    assert response.status_code == 302
    message = Message.objects.get(owner=owner)
    assert set(message.versions) == {"es", "ar"}

    edit = owner_client.get(
        reverse("distributions:message_edit", kwargs={"pk": message.pk})
    )
    assert 'value="es"' in edit.content.decode()
    library = message_library(user=owner, team_id=message.team_id)
    entry = next(e for e in library if e["name"] == message.name)
    assert entry["versions"]["es"]["subject"] == "Encuesta"


def test_library_refuses_a_version_without_a_link(owner_client, owner):
    response = owner_client.post(
        reverse("distributions:message_new"),
        {
            "name": "Broken",
            "message_type": "invite",
            "subject": "Survey",
            "body": GOOD_BODY,
            **versions_post(("es", "Encuesta", "sin enlace")),
        },
    )
    assert response.status_code == 200
    assert "there is no survey link" in response.content.decode().lower()
    assert not Message.objects.exists()
    # The service checks too, whatever calls it.
    with pytest.raises(ValidationError):
        message_create(
            user=owner,
            name="Broken",
            message_type="invite",
            subject="Survey",
            body=GOOD_BODY,
            versions={"xx yy": {"subject": "a", "body": GOOD_BODY}},
        )


def test_reminder_carries_versions(owner, survey, languages_list):
    parent = _distribution(survey, languages_list, versions={})
    parent.status = Distribution.Status.SENT
    parent.save()
    child = reminder_schedule(
        user=owner,
        parent=parent,
        message_type="reminder",
        audience="not_finished",
        send_at=timezone.now(),
        from_name="Study Team",
        from_email="",
        reply_to="",
        subject="Reminder",
        body=GOOD_BODY,
        versions={"ES": {"subject": "Recordatorio", "body": ES_BODY}},
    )
    assert child.language == "en"
    assert child.versions == {"es": {"subject": "Recordatorio", "body": ES_BODY}}


def test_versions_validated_names_the_language():
    with pytest.raises(ValidationError) as caught:
        versions_validated(
            {"es": {"subject": "Hola", "body": "no link"}},
            default_language="en",
            embedded_fields=[],
        )
    assert any(m.startswith("Español (es):") for m in caught.value.messages)


def test_history_language_names_both_when_a_follow_up_used_another(
    owner, survey, languages_list
):
    from distributions.selectors.history import history_header, history_rows
    from tests.distributions.ui_support import email_distribution

    root = email_distribution(survey, languages_list)
    reminder = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team_id=survey.team_id,
        parent=root,
        kind=Distribution.Kind.EMAIL,
        message_type="reminder",
        list_name=root.list_name,
        send_at=timezone.now(),
        status=Distribution.Status.SENT,
    )
    es = root.invitations.get(email="es@example.edu")
    en = root.invitations.get(email="en@example.edu")
    now = timezone.now()
    Delivery.objects.create(
        distribution=root, invitation=es, status="sent", sent_at=now, language="es"
    )
    # The reminder had no Spanish version.
    Delivery.objects.create(
        distribution=reminder, invitation=es, status="sent", sent_at=now, language="en"
    )
    Delivery.objects.create(
        distribution=root, invitation=en, status="sent", sent_at=now, language="en"
    )
    # Failed: no language was sent.
    Delivery.objects.create(
        distribution=reminder, invitation=en, status="failed", language="fr"
    )

    column = history_header(distribution=root).index("Language")
    sent = {row[3]: row[column] for row in history_rows(distribution=root)}
    assert sent["es@example.edu"] == "en, es"
    assert sent["en@example.edu"] == "en"
    assert sent["ar@example.edu"] == ""
