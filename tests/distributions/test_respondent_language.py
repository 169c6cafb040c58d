"""The personal link opens in the contact's Language (their list's column)."""

import datetime

import pytest
from django.utils import timezone

from distributions.models import Invitation
from distributions.services.links import links_generate
from surveys.models import Response
from tests.helpers import make_list
from tests.surveys.conftest import page1_answers, question
from tests.surveys.language_support import multilingual_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def links(owner):
    survey = multilingual_survey(owner, access="invitation")
    rows = [
        {"first_name": name, "email": f"{name.lower()}@example.edu", "language": code}
        for name, code in (
            ("Ana", "ES"),
            ("Amal", "AR"),
            ("Eve", "EN"),
            ("Zed", "XX-UNKNOWN"),
            ("Max", "es-MX"),
        )
    ]
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=make_list(owner, rows=rows),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    return survey, {
        i.first_name: f"/s/{i.token}/"
        for i in Invitation.objects.filter(distribution=batch)
    }


def test_each_contact_reads_their_language(client, links):
    _, link = links
    spanish = client.get(link["Ana"]).content.decode()
    assert '<html lang="es"' in spanish and "¿Vive en el campus?" in spanish
    assert ">Siguiente</button>" in spanish
    arabic = client.get(link["Amal"]).content.decode()
    assert 'dir="rtl"' in arabic and "هل تسكن في الحرم الجامعي؟" in arabic
    assert "Do you live on campus?" in client.get(link["Eve"]).content.decode()
    # An unknown code is the default language; a regional one its language.
    assert "Do you live on campus?" in client.get(link["Zed"]).content.decode()
    assert "¿Vive en el campus?" in client.get(link["Max"]).content.decode()
    # ?lang= still wins for the person who prefers another.
    assert (
        "Do you live on campus?"
        in client.get(f"{link['Ana']}?lang=en").content.decode()
    )


def test_the_contact_language_is_recorded_and_errors_are_translated(client, links):
    survey, link = links
    data = page1_answers(survey)
    del data[f"q{question(survey, 'Do you live on campus?')['id']}"]
    html = client.post(link["Ana"], {**data, "action": "next"}).content.decode()
    assert "Esta pregunta requiere una respuesta." in html
    assert Response.objects.get(survey=survey).language == "es"


def test_opt_out_pages_speak_the_contact_language(client, links):
    _, link = links
    asked = client.get(f"{link['Ana']}opt-out/").content.decode()
    assert ">Darse de baja</button>" in asked
    done = client.post(f"{link['Amal']}opt-out/").content.decode()
    assert 'dir="rtl"' in done and "تم إلغاء اشتراكك" in done


def test_an_expired_link_page_follows_the_browser(client, links):
    survey, link = links
    Invitation.objects.filter(distribution__survey=survey).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    html = client.get(link["Ana"], HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ce lien n’est pas disponible" in html
