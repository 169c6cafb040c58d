"""The survey's tab bar (Survey, Distributions, Responses), the actions other apps
add to its Options page, and the survey's own pages.

Surveys owns the bar. Another app adds its tab with register_survey_tab() in its
AppConfig.ready(), with a url(survey) that reverses that app's own URL names, so
surveys never names another app's URLs and the other app never names surveys'.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class SurveyTab:
    """One tab: `key` is what a page passes as active_tab; lower `order` is leftmost."""

    key: str
    label: str
    url: Callable[[object], str]
    order: int = 100


@dataclass(frozen=True)
class SurveyTabLink:
    """A tab of one survey's bar, its URL reversed."""

    key: str
    label: str
    url: str


_TABS: dict[str, SurveyTab] = {}


def register_survey_tab(tab: SurveyTab) -> None:
    """Add tab to every survey's bar; registering a key again replaces it."""
    _TABS[tab.key] = tab


def survey_tabs(survey) -> list[SurveyTabLink]:
    """Return the survey's tabs, left to right."""
    tabs = sorted(_TABS.values(), key=lambda tab: (tab.order, tab.label))
    return [SurveyTabLink(tab.key, tab.label, tab.url(survey)) for tab in tabs]


@dataclass(frozen=True)
class SurveyAction:
    """An action another app adds to the survey's Options page (like a tab)."""

    key: str
    label: str
    description: str
    url: Callable[[object], str]
    order: int = 100


@dataclass(frozen=True)
class SurveyActionLink:
    key: str
    label: str
    description: str
    url: str


_ACTIONS: dict[str, SurveyAction] = {}


def register_survey_action(action: SurveyAction) -> None:
    """Add action to every survey's Options page; a key registered again replaces it."""
    _ACTIONS[action.key] = action


def survey_actions(survey) -> list[SurveyActionLink]:
    """Return the Options page's registered actions, in order."""
    actions = sorted(_ACTIONS.values(), key=lambda action: (action.order, action.label))
    return [
        SurveyActionLink(
            action.key, action.label, action.description, action.url(survey)
        )
        for action in actions
    ]


def survey_home_url(survey) -> str:
    """Return the survey's own page (the Survey tab: builder, Publish)."""
    return reverse("surveys:detail", kwargs={"pk": survey.pk})


def _responses_url(survey) -> str:
    return reverse("surveys:responses", kwargs={"pk": survey.pk})


def register_own_tabs() -> None:
    """Register the tabs surveys provides: Survey first, Responses last."""
    register_survey_tab(
        SurveyTab(key="survey", label="Survey", url=survey_home_url, order=10)
    )
    register_survey_tab(
        SurveyTab(key="responses", label="Responses", url=_responses_url, order=90)
    )


def survey_options_url(survey) -> str:
    return reverse("surveys:options", kwargs={"pk": survey.pk})
