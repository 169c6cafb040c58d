"""What every Distributions page shares: the survey's tabs, the CSV downloads."""

from functools import cache

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import slugify

from core.csv_export import csv_download
from distributions.models import Distribution
from distributions.selectors.history import history_header, history_rows
from distributions.services.compose import survey_distributable_problem

RECIPIENTS_PER_PAGE = 25


@cache
def survey_tabs_template() -> str | None:
    """Return the survey tabs partial once the surveys app provides it."""
    try:
        get_template("surveys/_survey_tabs.html")
    except TemplateDoesNotExist:
        return None
    return "surveys/_survey_tabs.html"


def survey_url(survey) -> str:
    """Return the survey's own page (its editor once it exists, else the list)."""
    for name in ("surveys:detail", "surveys:edit", "surveys:builder"):
        try:
            return reverse(name, kwargs={"pk": survey.pk})
        except NoReverseMatch:
            try:
                return reverse(name, kwargs={"survey_id": survey.pk})
            except NoReverseMatch:
                continue
    return reverse("surveys:list")


def tab_context(survey, active: str) -> dict:
    """Return what every Distributions page needs: tabs, side nav, survey state."""
    return {
        "survey": survey,
        "survey_tabs_template": survey_tabs_template(),
        "active_tab": "distributions",
        "active_side": active,
        "survey_url": survey_url(survey),
        "distributable_problem": survey_distributable_problem(survey=survey),
    }


def side_of(distribution: Distribution) -> str:
    """Return the side-nav entry a distribution's pages belong under."""
    return "links" if distribution.root.kind == Distribution.Kind.LINKS else "emails"


def csv_filename(distribution: Distribution, zone, what: str) -> str:
    """Return e.g. history-students-2026-01-31-12.csv for a distribution's CSV."""
    name = slugify(distribution.list_name) or "list"
    created = timezone.localtime(distribution.created_at, zone)
    return f"{what}-{name}-{created:%Y-%m-%d}-{distribution.pk}.csv"


def history_download(distribution: Distribution, zone):
    """Return the streamed history CSV of a distribution, dates in `zone`."""
    return csv_download(
        csv_filename(distribution, zone, "history"),
        history_header(distribution=distribution),
        history_rows(distribution=distribution),
        zone=zone,
    )
