"""What every Distributions page shares: the survey's tabs, the CSV downloads."""

from django.utils import timezone
from django.utils.text import slugify

from core.csv_export import csv_download
from core.models import AuditEntry
from distributions.models import Distribution
from distributions.selectors.history import history_header, history_source
from distributions.services.audit import download_audit
from distributions.services.compose import survey_distributable_problem
from surveys.navigation import survey_home_url

RECIPIENTS_PER_PAGE = 25


def tab_context(survey, active: str) -> dict:
    """Return what every Distributions page needs: tabs, side nav, survey state."""
    return {
        "survey": survey,
        "active_tab": "distributions",
        "active_side": active,
        "survey_url": survey_home_url(survey),
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


def same_team_lists(lists, survey):
    """The lists a survey of this team may be sent to: its team's only (a list of
    another team is refused like one that does not exist)."""
    return lists.filter(team_id=survey.team_id)


def history_download(distribution: Distribution, zone, user):
    """Return the streamed history CSV of a distribution, dates in `zone`; the
    team's audit trail records that `user` downloaded it."""
    download_audit(
        user=user,
        distribution=distribution,
        action=AuditEntry.Action.HISTORY_DOWNLOADED,
    )
    return csv_download(
        csv_filename(distribution, zone, "history"),
        history_header(distribution=distribution),
        history_source(distribution=distribution),
        zone=zone,
    )
