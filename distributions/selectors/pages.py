"""A survey's distributions as the rows of its Emails and Personal links pages,
and the gets every distribution page starts from.

A distribution is its survey's team's: each read asks teams.access for the
survey's team (VIEW), the caller having asked for the survey with the right its
page needs (surveys.selectors.survey_get).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone

from directories.selectors import contact_list_sizes
from distributions.models import Distribution
from distributions.selectors.counts import DistributionCounts, distribution_counts
from distributions.services.send_rate import send_rate_per_second
from teams import access
from teams.access import Right


@dataclass
class DistributionRow:
    """One row of the Emails page: a distribution, its counts and its children."""

    distribution: Distribution
    counts: DistributionCounts
    list_size: int
    children: list["DistributionRow"]

    @property
    def progress_percent(self) -> int:
        """Return how much of the sending is done, for the live progress bar."""
        total = self.counts.recipients
        if not total:
            return 0
        done = total - self.counts.emails_queued
        return max(0, min(100, round(100 * done / total)))

    @property
    def expected_finish(self):
        """When its queued emails should be out at the sending account's rate limit
        (distributions.services.send_rate), or None without a limit. Its own
        queue only: other distributions sending at once share the rate."""
        rate = send_rate_per_second()
        if not rate or self.distribution.status != Distribution.Status.SENDING:
            return None
        return timezone.now() + timedelta(seconds=self.counts.emails_queued / rate)

    @property
    def is_active(self) -> bool:
        return self.distribution.status in (
            Distribution.Status.SCHEDULED,
            Distribution.Status.SENDING,
        )


def email_distribution_rows(*, user, survey) -> list[DistributionRow]:
    """Return the Emails page rows of a survey, newest first.

    Every count comes from distribution_counts() (grouped queries), so the page
    costs the same few queries at 10 or 100,000 invitations.
    """
    access.require(user, survey.team_id, Right.VIEW)
    roots = list(
        Distribution.objects.filter(
            survey=survey, kind=Distribution.Kind.EMAIL, parent=None
        ).order_by("-created_at", "-pk")
    )
    children = list(
        Distribution.objects.filter(parent__in=roots)
        .select_related("parent")
        .order_by("created_at", "pk")
    )
    counts = distribution_counts(roots + children)
    # A distribution not yet dispatched has no invitations: show its list's size.
    pending_list_ids = {
        d.contact_list_id
        for d in roots + children
        if d.contact_list_id and not counts[d.pk].recipients
    }
    list_sizes = contact_list_sizes(list_ids=pending_list_ids)

    def row(distribution):
        recipients = counts[distribution.pk].recipients
        return DistributionRow(
            distribution=distribution,
            counts=counts[distribution.pk],
            list_size=recipients or list_sizes.get(distribution.contact_list_id, 0),
            children=[],
        )

    rows = {d.pk: row(d) for d in roots}
    for child in children:
        rows[child.parent_id].children.append(row(child))
    return [rows[d.pk] for d in roots]


def email_distribution_get(*, user, survey, pk: int) -> Distribution:
    """Return one of the survey's email distributions, or raise Http404."""
    access.require(user, survey.team_id, Right.VIEW)
    return get_object_or_404(
        Distribution.objects.select_related("survey", "parent", "contact_list"),
        survey=survey,
        kind=Distribution.Kind.EMAIL,
        pk=pk,
    )


@dataclass
class LinkBatchRow:
    """One row of the Personal links page: a batch, its counts and its children."""

    distribution: Distribution
    counts: DistributionCounts
    done: int
    children: list

    @property
    def is_generating(self) -> bool:
        return self.distribution.status == Distribution.Status.GENERATING

    @property
    def progress_percent(self) -> int:
        total = self.distribution.recipients_total
        if not total:
            return 0
        return max(0, min(100, round(100 * self.done / total)))


def link_batch_rows(*, user, survey) -> list[LinkBatchRow]:
    """Return the Personal links page rows of a survey, newest first.

    Counts come from distribution_counts() (grouped queries), never one per row.
    """
    access.require(user, survey.team_id, Right.VIEW)
    roots = list(
        Distribution.objects.filter(
            survey=survey, kind=Distribution.Kind.LINKS, parent=None
        ).order_by("-created_at", "-pk")
    )
    children = list(
        Distribution.objects.filter(parent__in=roots).order_by("created_at", "pk")
    )
    counts = distribution_counts(roots + children)
    rows = {
        d.pk: LinkBatchRow(
            distribution=d,
            counts=counts[d.pk],
            done=counts[d.pk].recipients,
            children=[],
        )
        for d in roots
    }
    for child in children:
        rows[child.parent_id].children.append(
            LinkBatchRow(
                distribution=child, counts=counts[child.pk], done=0, children=[]
            )
        )
    return [rows[d.pk] for d in roots]


def link_batch_get(*, user, survey, pk: int) -> Distribution:
    """Return one personal-links batch of the survey, or raise Http404."""
    access.require(user, survey.team_id, Right.VIEW)
    return get_object_or_404(
        Distribution.objects.select_related("survey", "contact_list"),
        survey=survey,
        kind=Distribution.Kind.LINKS,
        parent=None,
        pk=pk,
    )


def root_distribution_get(*, user, survey, pk: int) -> Distribution:
    """Return a top-level distribution (email or links) of the survey, or 404."""
    access.require(user, survey.team_id, Right.VIEW)
    return get_object_or_404(
        Distribution.objects.select_related("survey", "contact_list"),
        survey=survey,
        parent=None,
        pk=pk,
    )
