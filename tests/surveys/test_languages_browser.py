"""Issue 20's acceptance in Chromium, one flow: a list with contacts in EN, ES and
AR; one email distribution, composed with Spanish and Arabic versions, sends each
their language's message through the real pipeline to an SMTP server; the links
read from the mails open the survey in each language (Canvass's own buttons and
errors too), Arabic right to left; switching language keeps the answers; the
history and the response export say the language."""

import csv
import io
import re

import pytest

from config.celery import app as celery_app
from distributions.models import Distribution
from surveys.models import Response
from tests.conftest import assert_no_axe_violations
from tests.helpers import make_list
from tests.surveys.language_support import multilingual_survey

pytestmark = pytest.mark.browser

LIST_NAME = "Residents"
CONTACTS = {  # first name: (address, contact Language)
    "Eve": ("eve@example.edu", "EN"),
    "Ana": ("ana@example.edu", "ES"),
    "Amal": ("amal@example.edu", "AR"),
}
VERSIONS = [  # (language, subject, body) typed into Compose Email
    (
        "ES",
        "Encuesta para ${m://FirstName}",
        "Hola ${m://FirstName},\n\n${l://SurveyLink?d=Responder la encuesta}",
    ),
    (
        "AR",
        "استبيان الحرم الجامعي",
        "مرحبا ${m://FirstName}،\n\n${l://SurveyLink?d=ابدأ الاستبيان}",
    ),
]


@pytest.fixture
def eager(settings):
    """Run the send tasks in the live server's thread, as soon as Send commits.

    One sending lane: the rows are committed (transactional_db), but one lane
    keeps the order of work simple to follow; a real worker is the seed flow's test
    (tests/distributions/test_seed_email_flow.py).
    """
    settings.DISTRIBUTIONS_SEND_THREADS = 1
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def compose_and_send(page, survey) -> Distribution:
    """Compose Email: the default message in English plus ES and AR versions."""
    page.goto(f"/surveys/{survey.pk}/distributions/emails/compose/")
    page.get_by_role("combobox", name=re.compile(r"^To")).select_option(
        label=f"{LIST_NAME} (3 contacts, 0 opted out)"
    )
    page.get_by_role("combobox", name="Load Message").select_option(
        label="Default invitation"
    )
    page.get_by_role("textbox", name=re.compile(r"^Subject")).fill(
        "Campus life survey for ${m://FirstName}"
    )
    for n, (language, subject, body) in enumerate(VERSIONS):
        page.get_by_role("button", name="Add a language").click()
        page.get_by_label("Language", exact=True).nth(n).fill(language)
        page.get_by_label("Translated subject").nth(n).fill(subject)
        page.get_by_label("Translated message").nth(n).fill(body)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text(f"Your email to {LIST_NAME} is being sent.").wait_for()
    return Distribution.objects.get(survey=survey)


def links_from_the_mails(smtp_server, live_server) -> dict[str, str]:
    """Each contact's mail is in their language; return their personal links."""
    smtp_server.wait_for(3, timeout=60)
    expected = {
        "Eve": ("Campus life survey for Eve", "Take the survey"),
        "Ana": ("Encuesta para Ana", "Hola Ana,"),
        "Amal": ("استبيان الحرم الجامعي", "مرحبا Amal،"),
    }
    links = {}
    for name, (address, _code) in CONTACTS.items():
        [mail] = smtp_server.to(address)
        subject, words = expected[name]
        assert mail.subject == subject
        assert words in mail.text()
        link = re.search(
            re.escape(live_server.url) + r"(/s/[A-Za-z0-9_-]{43}/)", mail.text()
        )
        assert link, f"no personal link in {name}'s mail"
        links[name] = link.group(1)
    assert len(set(links.values())) == 3
    return links


def download_history(page, survey) -> dict[str, str]:
    """The Emails row's down arrow → Download history: address → Language."""
    page.goto(f"/surveys/{survey.pk}/distributions/")
    row = page.locator("tr[data-distribution]").first
    row.get_by_role("button", name=f"Actions for the email to {LIST_NAME}").click()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download history").click()
    raw = download_info.value.path().read_bytes().decode("utf-8-sig")
    return {row["Email"]: row["Language"] for row in csv.DictReader(io.StringIO(raw))}


def _x(tab, selector) -> float:
    return tab.locator(selector).first.bounding_box()["x"]


def test_one_distribution_each_contact_in_their_language(
    logged_in_page, browser, live_server, smtp_server, eager, owner, client, settings
):
    # The links in the mails point at this live server.
    settings.SITE_URL = live_server.url
    survey = multilingual_survey(owner, access="invitation")
    make_list(
        owner,
        name=LIST_NAME,
        rows=[
            {"first_name": name, "email": address, "language": code}
            for name, (address, code) in CONTACTS.items()
        ],
    )
    distribution = compose_and_send(logged_in_page, survey)
    assert sorted(distribution.versions) == ["ar", "es"]
    link = links_from_the_mails(smtp_server, live_server)

    # The respondents open their links in a browser of their own (not signed in).
    respondent = browser.new_context(base_url=live_server.url)
    respondent.set_default_timeout(15_000)
    page = respondent.new_page()
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

    respondent.close()
    response = Response.objects.get(survey=survey, email="eve@example.edu")
    assert response.language == "es" and response.finished_at is not None

    # The history says the language each was sent: the contact's, not the page's.
    assert download_history(logged_in_page, survey) == {
        "eve@example.edu": "en",
        "ana@example.edu": "es",
        "amal@example.edu": "ar",
    }

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
