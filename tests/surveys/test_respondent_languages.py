"""The anonymous link in the respondent's language: ?lang=, Accept-Language, the
menu (answers kept), right-to-left, unknown codes, the export's Language column."""

import pytest
from django.test import Client

from surveys.models import Response
from tests.surveys.conftest import choice, page1_answers, page2_answers, question
from tests.surveys.language_support import multilingual_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(owner):
    return multilingual_survey(owner)


@pytest.fixture
def link(survey):
    return f"/r/{survey.public_key}/"


def test_lang_parameter_shows_the_translation_and_canvass_words(client, link):
    html = client.get(f"{link}?lang=es").content.decode()
    assert '<html lang="es" dir="ltr">' in html
    assert "Vida en el campus" in html and "¿Vive en el campus?" in html
    assert ">Sí</label>" in html
    assert "Página 1 de 2" in html and ">Siguiente</button>" in html
    # Untranslated texts show the original.
    assert "Tell us about your term." in html
    assert "bootstrap.min.css" in html and "rtl" not in html.split("<body")[0]


def test_accept_language_chooses_when_no_parameter(client, link):
    html = client.get(link, HTTP_ACCEPT_LANGUAGE="fr;q=0.9, es-MX;q=0.8").content
    assert "¿Vive en el campus?" in html.decode()


@pytest.mark.parametrize("code", ["xx", "klingon", "fr", ""])
def test_an_unknown_or_unoffered_code_gives_the_default_language(client, link, code):
    html = client.get(f"{link}?lang={code}").content.decode()
    assert "Do you live on campus?" in html and "Page 1 of 2" in html
    assert '<html lang="en" dir="ltr">' in html


def test_arabic_is_right_to_left_with_bootstrap_rtl(client, link):
    html = client.get(f"{link}?lang=AR").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html
    assert "هل تسكن في الحرم الجامعي؟" in html and ">التالي</button>" in html


def test_a_required_field_error_is_in_the_page_language(survey, link):
    client = Client()
    data = page1_answers(survey)
    campus = question(survey, "Do you live on campus?")
    del data[f"q{campus['id']}"]
    html = client.post(link, {**data, "lang": "es", "action": "next"}).content.decode()
    assert "Esta pregunta requiere una respuesta." in html
    assert "Hay un problema con 1 respuesta" in html
    number = question(survey, "How many courses?")
    data[f"q{number['id']}"] = "99"
    # The response remembers Spanish: a code the survey does not offer changes
    # nothing; for a new respondent it means the default language, English words.
    html = client.post(link, {**data, "lang": "de", "action": "next"}).content.decode()
    assert "Introduzca un número del 1 al 10." in html
    html = (
        Client().post(link, {**data, "lang": "de", "action": "next"}).content.decode()
    )
    assert "This question requires an answer." in html
    assert "Enter a number from 1 to 10." in html


def test_switching_language_keeps_the_answers_and_is_recorded(client, survey, link):
    campus = question(survey, "Do you live on campus?")
    college = question(survey, "Which college?")
    http = client.post(
        link,
        {
            "page": "1",
            f"q{campus['id']}": choice(campus, "Yes"),
            f"q{college['id']}": "Trinity",
            "lang": "en",
            "switch_language": "ar",
        },
    )
    assert http.status_code == 302
    response = Response.objects.get(survey=survey)
    assert response.language == "ar"
    assert response.finished_at is None
    html = client.get(http["Location"]).content.decode()
    assert 'dir="rtl"' in html
    assert 'value="Trinity"' in html
    assert f'value="{choice(campus, "Yes")}" checked' in html
    # The menu names each language in itself and marks the current one.
    assert 'aria-current="true">العربيّة</button>' in html
    assert ">Español</button>" in html and ">English</button>" in html


def test_finishing_records_the_language_and_the_export_has_it(
    client, owner_client, survey, link
):
    client.post(link, {**page1_answers(survey), "lang": "es", "action": "next"})
    html = client.post(
        link, {**page2_answers(survey), "lang": "es", "action": "next"}
    ).content.decode()
    assert "Gracias por completar la encuesta." in html
    assert Response.objects.get(survey=survey).language == "es"
    export = owner_client.get(f"/surveys/{survey.pk}/responses/export/?format=csv")
    body = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    header = body[0].split(",")
    assert header[6] == "Language"
    assert body[1].split(",")[6] == "es"


def test_the_unknown_link_page_follows_the_browser(client):
    html = client.get("/r/nope/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="zh-hans"' in html and "此链接不可用" in html
    html = client.get("/r/nope/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html and "هذا الرابط غير متاح" in html


def test_invitation_only_refusal_speaks_the_browser_language(client, owner):
    survey = multilingual_survey(owner, access="invitation")
    html = client.get(
        f"/r/{survey.public_key}/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Esta encuesta solo puede responderse por invitación." in html


def test_already_completed_speaks_the_language_answered_in(client, owner, survey, link):
    from surveys.services import translations

    translations.survey_translation_save(
        survey=survey,
        language="es",
        texts={
            "title": "Vida en el campus",
            "already_completed_message": "Ya ha completado esta encuesta.",
        },
    )
    client.post(link, {**page1_answers(survey), "lang": "es", "action": "next"})
    client.post(link, {**page2_answers(survey), "lang": "es", "action": "next"})
    html = client.get(link).content.decode()
    assert "Ya ha completado esta encuesta." in html
    assert '<html lang="es"' in html
