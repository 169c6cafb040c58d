"""The survey tab bar: surveys owns it, other apps register their tab.

Before, templates/surveys/_survey_tabs.html reversed distributions' URL names and
distributions guessed surveys' (a TemplateDoesNotExist fallback, a loop over
candidate URL names).
"""

import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from core.navigation import NavEntry
from surveys.navigation import (
    _TABS,
    register_survey_tab,
    survey_home_url,
    survey_tabs,
)
from tests.factories import build_survey


def test_the_tabs_are_survey_translations_distributions_responses(owner):
    survey = build_survey(owner)
    assert [(tab.key, tab.label, tab.url) for tab in survey_tabs(survey)] == [
        ("survey", "Survey", f"/surveys/{survey.pk}/"),
        ("translations", "Translations", f"/surveys/{survey.pk}/translations/"),
        ("distributions", "Distributions", f"/surveys/{survey.pk}/distributions/"),
        ("responses", "Responses", f"/surveys/{survey.pk}/responses/"),
    ]
    assert survey_home_url(survey) == f"/surveys/{survey.pk}/"


def test_a_registered_tab_shows_in_the_bar(owner):
    survey = build_survey(owner)
    register_survey_tab(
        NavEntry(key="reports", label="Reports", url=lambda s: f"/r{s.pk}/", order=95)
    )
    try:
        html = render_to_string(
            "surveys/_survey_tabs.html",
            {"survey": survey, "active_tab": "reports", "team_rights": ["analyse"]},
        )
        viewers = render_to_string(
            "surveys/_survey_tabs.html",
            {"survey": survey, "active_tab": "reports", "team_rights": ["view"]},
        )
    finally:
        _TABS.unregister("reports")
    labels = re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', html)
    assert labels == ["Survey", "Translations", "Distributions", "Responses", "Reports"]
    assert f'class="nav-link active" aria-current="page" href="/r{survey.pk}/"' in html
    # A Viewer may not see responses: no tab leads to the 403.
    labels = re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', viewers)
    assert labels == ["Survey", "Translations", "Distributions", "Reports"]


def test_each_page_marks_its_own_tab(owner_client, owner):
    survey = build_survey(owner)
    for path, active in (
        (f"/surveys/{survey.pk}/", "Survey"),
        (f"/surveys/{survey.pk}/distributions/", "Distributions"),
        (f"/surveys/{survey.pk}/distributions/links/", "Distributions"),
        (f"/surveys/{survey.pk}/responses/", "Responses"),
    ):
        html = owner_client.get(path).content.decode()
        bar = re.search(r'<nav aria-label="Survey sections">.*?</nav>', html, re.S)
        current = re.findall(
            r'aria-current="page" href="[^"]*">([^<]+)</a>', bar.group(0)
        )
        assert current == [active], path


def test_survey_templates_name_no_other_apps_urls():
    templates = Path(settings.BASE_DIR, "templates", "surveys")
    for path in templates.rglob("*.html"):
        text = path.read_text()
        for name in re.findall(r"\{% url ['\"](\w+):", text):
            assert name == "surveys", f"{path.name} reverses {name}: URLs"
