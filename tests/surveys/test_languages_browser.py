"""Issue 20's acceptance in Chromium: contacts in EN, ES and AR open their personal
links in their language (Canvass's own buttons and errors too), Arabic right to
left, switching language keeps the answers, and the export has the language."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from distributions.models import Invitation
from distributions.services.links import links_generate
from surveys.models import Response
from tests.conftest import assert_no_axe_violations
from tests.helpers import make_list
from tests.surveys.language_support import multilingual_survey

pytestmark = pytest.mark.browser


@pytest.fixture
def links(owner, transactional_db):
    survey = multilingual_survey(owner, access="invitation")
    rows = [
        {"first_name": name, "email": f"{name.lower()}@example.edu", "language": code}
        for name, code in (("Eve", "EN"), ("Ana", "ES"), ("Amal", "AR"))
    ]
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=make_list(owner, rows=rows),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    invitations = Invitation.objects.filter(distribution=batch)
    return survey, {i.first_name: f"/s/{i.token}/" for i in invitations}


def _x(tab, selector) -> float:
    return tab.locator(selector).first.bounding_box()["x"]


def test_each_contact_in_their_language(page, links, client, owner):
    survey, link = links
    # Ana (ES): the survey and Canvass's words in Spanish, a required-field error too.
    page.goto(link["Ana"])
    page.get_by_text("¿Vive en el campus?").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_text("Página 1 de 2").wait_for()
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_text("Esta pregunta requiere una respuesta.").first.wait_for()
    page.get_by_text("Hay un problema con 1 respuesta").wait_for()

    # Amal (AR): right to left, Bootstrap's mirrored layout.
    page.goto(link["Amal"])
    page.get_by_text("هل تسكن في الحرم الجامعي؟").wait_for()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    radio, label = 'input[type="radio"]', ".form-check-label"
    assert _x(page, radio) > _x(page, label)  # the box on the right of its label
    page.get_by_role("button", name="التالي").wait_for()

    # Eve (EN) starts in English, types, switches to Spanish: nothing is lost.
    page.goto(link["Eve"])
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Which college?").fill("Trinity")
    assert _x(page, radio) < _x(page, label)
    page.get_by_role("button", name="Español").click()
    page.get_by_text("¿Vive en el campus?").wait_for()
    assert page.get_by_label("¿Qué colegio?").input_value() == "Trinity"
    assert page.get_by_label("Sí", exact=True).is_checked()
    page.get_by_label("¿Cuántos cursos?").fill("4")
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_text("Página 2 de 2").wait_for()
    for row in ("Rooms are clean", "Staff are kind"):
        page.get_by_role("group", name=row).get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Enviar").click()
    page.get_by_text("Gracias por completar la encuesta.").wait_for()

    response = Response.objects.get(survey=survey, email="eve@example.edu")
    assert response.language == "es" and response.finished_at is not None

    client.force_login(owner)
    export = client.get(f"/surveys/{survey.pk}/responses/export/?format=csv")
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    by_email = {row["Email"]: row for row in rows}
    assert by_email["eve@example.edu"]["Language"] == "es"


def test_translation_pages_and_the_arabic_page_pass_axe(logged_in_page, owner):
    survey = multilingual_survey(owner)
    tab = logged_in_page
    for path, text in [
        (f"/surveys/{survey.pk}/translations/", "Add language"),
        (f"/surveys/{survey.pk}/translations/es/", "untranslated"),
        (f"/r/{survey.public_key}/?lang=ar", "هل تسكن في الحرم الجامعي؟"),
    ]:
        tab.goto(path)
        tab.get_by_text(text).first.wait_for()
        assert_no_axe_violations(tab)
