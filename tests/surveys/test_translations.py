"""The Translations tab: languages, side-by-side texts, CSV out and in, rights."""

import csv
import io

import pytest

from surveys.models import SurveyTranslation
from surveys.services import publishing
from surveys.services import translations as services
from surveys.translations import translation_rows
from teams.models import Membership, Role
from tests.factories import UserFactory, build_survey
from tests.surveys.conftest import question
from tests.surveys.language_support import SPANISH, multilingual_survey, translate

pytestmark = pytest.mark.django_db


def _csv(http) -> list[list[str]]:
    body = b"".join(http.streaming_content)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_language_code_is_read_by_core_languages(owner):
    survey = build_survey(owner)
    assert services.survey_language_add(survey=survey, language="ZH-S") == "zh-hans"
    assert services.survey_language_add(survey=survey, language="es_MX") == "es-mx"
    survey.refresh_from_db()
    assert survey.languages == ["zh-hans", "es-mx"]
    assert survey.has_unpublished_changes
    with pytest.raises(services.TranslationRefused):
        services.survey_language_add(survey=survey, language="Spanish")


def test_publish_freezes_the_translations_into_the_version(owner):
    survey = multilingual_survey(owner)
    definition = survey.versions.get(number=survey.published_version).definition
    assert definition["default_language"] == "en"
    assert definition["languages"] == ["es", "ar"]
    campus = question(survey, "Do you live on campus?")
    assert definition["translations"]["es"][f"q:{campus['id']}:text"] == (
        "¿Vive en el campus?"
    )
    # A later edit of the translation waits for the next Publish.
    translate(survey, "ES", {"title": "Otra"})
    assert survey.versions.get(number=survey.published_version).definition[
        "translations"
    ]["es"]["title"] == ("Vida en el campus")


def test_a_save_with_an_unknown_key_or_broken_piping_changes_nothing(owner):
    survey = multilingual_survey(owner)
    before = SurveyTranslation.objects.get(survey=survey, language="es").texts
    with pytest.raises(services.TranslationRefused) as refused:
        services.survey_translation_save(
            survey=survey,
            language="es",
            texts={"title": "Nuevo", "q:999999:text": "?"},
        )
    assert "q:999999:text" in refused.value.problems[0]
    with pytest.raises(services.TranslationRefused) as refused:
        services.survey_translation_save(
            survey=survey,
            language="es",
            texts={"title": "Hola ${m://Nombre}"},
        )
    assert "${m://Nombre}" in refused.value.problems[0]
    assert SurveyTranslation.objects.get(survey=survey, language="es").texts == before


def test_the_page_shows_the_texts_side_by_side_and_marks_the_untranslated(
    owner_client, owner
):
    survey = multilingual_survey(owner)
    html = owner_client.get(f"/surveys/{survey.pk}/translations/es/").content.decode()
    assert "Do you live on campus?" in html and "¿Vive en el campus?" in html
    rows = translation_rows(survey, "es")
    missing = sum(1 for row in rows if not row["translation"])
    assert missing > 0
    assert f"{missing} untranslated" in html
    assert html.count("table-warning") == missing
    listing = owner_client.get(f"/surveys/{survey.pk}/translations/").content.decode()
    assert "Español" in listing and "العربيّة" in listing


def test_saving_the_form_stores_the_translation(owner_client, owner):
    survey = multilingual_survey(owner)
    key = f"q:{question(survey, 'Which college?')['id']}:text"
    data = {
        f"t:{row['key']}": row["translation"] for row in translation_rows(survey, "es")
    }
    data[f"t:{key}"] = "¿En qué colegio?"
    http = owner_client.post(f"/surveys/{survey.pk}/translations/es/", data)
    assert http.status_code == 302
    texts = SurveyTranslation.objects.get(survey=survey, language="es").texts
    assert texts[key] == "¿En qué colegio?"
    assert texts["title"] == SPANISH["title"]


def test_csv_export_then_import_round_trips(owner_client, owner):
    survey = multilingual_survey(owner)
    rows = _csv(owner_client.get(f"/surveys/{survey.pk}/translations/es/csv/"))
    assert rows[0] == ["key", "original", "translation"]
    by_key = {row[0]: row for row in rows[1:]}
    assert by_key["title"][1:] == ["Campus life", "Vida en el campus"]
    key = f"q:{question(survey, 'Anything else?')['id']}:text"
    assert by_key[key][2] == ""  # untranslated
    by_key[key][2] = "-¿Algo más?"  # a leading "-" is written formula-safe
    out = io.StringIO()
    csv.writer(out).writerows([rows[0], *by_key.values()])
    http = owner_client.post(
        f"/surveys/{survey.pk}/translations/es/import/",
        {"file": io.BytesIO(out.getvalue().encode())},
    )
    assert http.status_code == 302
    texts = SurveyTranslation.objects.get(survey=survey, language="es").texts
    assert texts[key] == "-¿Algo más?"
    again = _csv(owner_client.get(f"/surveys/{survey.pk}/translations/es/csv/"))
    assert {row[0]: row for row in again}[key][2] == "'-¿Algo más?"
    services.survey_translation_import(
        survey=survey, language="es", content=out.getvalue().encode()
    )
    assert SurveyTranslation.objects.get(survey=survey, language="es").texts == texts


def test_an_import_with_a_bad_row_is_refused_naming_the_line(owner_client, owner):
    survey = multilingual_survey(owner)
    before = SurveyTranslation.objects.get(survey=survey, language="es").texts
    campus = question(survey, "Do you live on campus?")["id"]
    body = (
        "key,original,translation\r\n"
        "title,Campus life,Vida universitaria\r\n"
        f'q:{campus}:text,x,"¿Vive ${{q://QID{campus}/ChoiceTextEntryValue}}?"\r\n'
        "q:424242:text,Gone,Ido\r\n"
        "introduction,,Cuéntenos ${x://Broken}\r\n"
    ).encode()
    http = owner_client.post(
        f"/surveys/{survey.pk}/translations/es/import/",
        {"file": io.BytesIO(body)},
        follow=True,
    )
    html = http.content.decode()
    assert "Nothing was imported." in html
    assert "Line 4: “q:424242:text” is not a text of this survey." in html
    assert "Line 5: introduction: Unknown piped text ${x://Broken}." in html
    assert "Line 2" not in html and "Line 3" not in html
    # Nothing applied: the good rows wait with the bad ones.
    assert SurveyTranslation.objects.get(survey=survey, language="es").texts == before


def test_an_import_naming_a_question_the_survey_lacks_is_refused(owner):
    survey = multilingual_survey(owner)
    body = (
        "key,original,translation\ntitle,x,Hola ${q://QID999999/ChoiceTextEntryValue}\n"
    )
    with pytest.raises(services.TranslationRefused) as refused:
        services.survey_translation_import(
            survey=survey, language="es", content=body.encode()
        )
    assert refused.value.problems == [
        "Line 2: title: Piped text names question 999999, which the survey does not "
        "have."
    ]


def test_removing_a_language_deletes_its_translation(owner_client, owner):
    survey = multilingual_survey(owner)
    owner_client.post(
        f"/surveys/{survey.pk}/translations/", {"action": "remove", "language": "ar"}
    )
    survey.refresh_from_db()
    assert survey.languages == ["es"]
    assert not SurveyTranslation.objects.filter(survey=survey, language="ar").exists()
    publishing.survey_publish(survey=survey)
    assert survey.versions.order_by("-number").first().definition["languages"] == ["es"]


# --- rights (teams.access): VIEW sees, EDIT changes -------------------------------


def _member(survey, role):
    user = UserFactory()
    Membership.objects.create(team_id=survey.team_id, user=user, role=role)
    return user


@pytest.mark.parametrize(
    ("role", "see", "change"),
    [
        (Role.VIEWER, 200, 403),
        (Role.ANALYST, 200, 403),
        (Role.EDITOR, 200, 302),
        (None, 404, 404),
    ],
)
def test_rights(client, owner, role, see, change):
    survey = multilingual_survey(owner)
    user = _member(survey, role) if role else UserFactory()
    client.force_login(user)
    base = f"/surveys/{survey.pk}/translations/"
    assert client.get(base).status_code == see
    assert client.get(f"{base}es/").status_code == see
    assert client.get(f"{base}es/csv/").status_code == see
    added = client.post(base, {"action": "add", "language": "FR"})
    assert added.status_code == change
    saved = client.post(f"{base}es/", {"t:title": "Cambiado"})
    assert saved.status_code == change
    imported = client.post(
        f"{base}es/import/",
        {"file": io.BytesIO(b"key,original,translation\ntitle,x,Importado\n")},
    )
    assert imported.status_code == change
    survey.refresh_from_db()
    title = SurveyTranslation.objects.get(survey=survey, language="es").texts["title"]
    if change == 302:
        assert "fr" in survey.languages and title == "Importado"
    else:
        assert "fr" not in survey.languages and title == SPANISH["title"]
    if see == 200:
        page = client.get(f"{base}es/").content.decode()
        assert ("Save translation" in page) == (change == 302)
