"""The survey's tab bar (Survey, Distributions, Responses), the actions other apps
add to its Options page, and the survey's own pages.

Surveys owns the bar. Another app adds its tab with register_survey_tab() in its
AppConfig.ready(), with a url(survey) that reverses that app's own URL names, so
surveys never names another app's URLs and the other app never names surveys'.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.navigation import NavEntry, NavLink, NavRegistry

_TABS = NavRegistry()
_ACTIONS = NavRegistry()


def register_survey_tab(tab: NavEntry) -> None:
    """Add tab to every survey's bar (lower `order` is leftmost)."""
    _TABS.register(tab)


def survey_tabs(survey) -> list[NavLink]:
    """Return the survey's tabs, left to right."""
    return _TABS.links(survey)


def register_survey_action(action: NavEntry) -> None:
    """Add action (with its `description`) to every survey's Options page."""
    _ACTIONS.register(action)


def survey_actions(survey) -> list[NavLink]:
    """Return the Options page's registered actions, in order."""
    return _ACTIONS.links(survey)


def survey_home_url(survey) -> str:
    """Return the survey's own page (the Survey tab: builder, Publish)."""
    return reverse("surveys:detail", kwargs={"pk": survey.pk})


def _translations_url(survey) -> str:
    return reverse("surveys:translations", kwargs={"pk": survey.pk})


def _responses_url(survey) -> str:
    return reverse("surveys:responses", kwargs={"pk": survey.pk})


def register_own_tabs() -> None:
    """Register the tabs surveys provides: Survey first, Responses last."""
    register_survey_tab(
        NavEntry(key="survey", label=_("Survey"), url=survey_home_url, order=10)
    )
    register_survey_tab(
        NavEntry(
            key="translations", label=_("Translations"), url=_translations_url, order=20
        )
    )
    register_survey_tab(
        NavEntry(key="responses", label=_("Responses"), url=_responses_url, order=90)
    )


def survey_options_url(survey) -> str:
    return reverse("surveys:options", kwargs={"pk": survey.pk})
