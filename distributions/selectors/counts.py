"""The counts on the Emails and Personal links rows, in a few grouped queries."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Collate, Lower

from directories.selectors.suppressions import opted_out_queryset
from distributions.models import Delivery, Distribution, Invitation
from distributions.status import HARD_BOUNCED, IN_DOUBT, OPENED


@dataclass(frozen=True)
class DistributionCounts:
    recipients: int = 0
    emails_queued: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    # Interrupted mid-send (distributions.status.IN_DOUBT): not in emails_failed.
    emails_in_doubt: int = 0
    # Of the emails sent, those a later report said failed for good (a DSN or a
    # provider's webhook; distributions.services.bounces): Email Bounced.
    emails_bounced: int = 0
    # The first opens of those with open tracking on (distributions.status.OPENED).
    emails_opened: int = 0
    # Not sent because of the owner's contact frequency rule (services.frequency).
    emails_skipped: int = 0
    opted_out: int = 0
    surveys_started: int = 0
    surveys_finished: int = 0


def distribution_counts(
    distributions: list[Distribution],
) -> dict[int, DistributionCounts]:
    """Return the row counts for each distribution, in at most five grouped queries.

    Started counts respondents who started and have not finished; Finished those who
    finished. For reminders and thank-yous, they are those of the parent's links.
    Opted Out counts the recipients skipped at send and those whose address is
    opted out now (they unsubscribed after it was sent, or were included in a
    personal-links batch).
    """
    ids = [d.pk for d in distributions]
    root_ids = {d.root.pk for d in distributions}
    emails = {
        row["distribution_id"]: row
        for row in Delivery.objects.filter(distribution_id__in=ids)
        .values("distribution_id")
        .annotate(
            total=Count("id"),
            queued=Count(
                "id",
                filter=Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]),
            ),
            sent=Count("id", filter=Q(status=Delivery.Status.SENT)),
            failed=Count("id", filter=Q(status=Delivery.Status.FAILED) & ~IN_DOUBT),
            in_doubt=Count("id", filter=IN_DOUBT),
            bounced=Count("id", filter=HARD_BOUNCED),
            opened=Count("id", filter=OPENED),
            skipped=Count("id", filter=Q(status=Delivery.Status.SKIPPED)),
            opted_out=Count("id", filter=Q(status=Delivery.Status.OPTED_OUT)),
        )
    }
    # Totals from the invitations' own index, only where no email was made (the
    # deliveries already count an email's recipients); progress from the (fewer)
    # responses, joined through the unique invitation.response_id, so no query
    # walks every invitation joined to its response.
    total_ids = {d.root.pk for d in distributions if d.pk not in emails}
    progress = (
        {
            row["distribution_id"]: dict(row)
            for row in Invitation.objects.filter(distribution_id__in=total_ids)
            .values("distribution_id")
            .annotate(total=Count("id"))
        }
        if total_ids
        else {}
    )
    response_model = Invitation._meta.get_field("response").related_model
    for row in (
        response_model.objects.filter(invitation__distribution_id__in=root_ids)
        .values("invitation__distribution_id")
        .annotate(
            started=Count(
                "id", filter=Q(started_at__isnull=False, finished_at__isnull=True)
            ),
            finished=Count("id", filter=Q(finished_at__isnull=False)),
        )
    ):
        progress.setdefault(row["invitation__distribution_id"], {}).update(
            started=row["started"], finished=row["finished"]
        )
    # An anonymous finish leaves its links only finished_anonymously_at (the
    # response no longer names them): each row counts its own. Only for surveys
    # whose responses are anonymous: no index serves it (a scan of every link).
    anonymous_ids = list(
        Distribution.objects.filter(
            pk__in=root_ids, survey__anonymous_responses=True
        ).values_list("pk", flat=True)
    )
    for row in (
        Invitation.objects.filter(
            distribution_id__in=anonymous_ids,
            finished_anonymously_at__isnull=False,
            response__isnull=True,
        )
        .values("distribution_id")
        .annotate(finished=Count("id"))
        if anonymous_ids
        else ()
    ):
        links = progress.setdefault(row["distribution_id"], {})
        links["finished"] = links.get("finished", 0) + row["finished"]
    opted_out_now = _opted_out_now(distributions, emailed=set(emails))
    counts = {}
    for distribution in distributions:
        mail = emails.get(distribution.pk, {})
        links = progress.get(distribution.root.pk, {})
        counts[distribution.pk] = DistributionCounts(
            recipients=mail.get("total") or links.get("total", 0),
            emails_queued=mail.get("queued", 0),
            emails_sent=mail.get("sent", 0),
            emails_failed=mail.get("failed", 0),
            emails_in_doubt=mail.get("in_doubt", 0),
            emails_bounced=mail.get("bounced", 0),
            emails_opened=mail.get("opened", 0),
            emails_skipped=mail.get("skipped", 0),
            opted_out=mail.get("opted_out", 0) + opted_out_now.get(distribution.pk, 0),
            surveys_started=links.get("started", 0),
            surveys_finished=links.get("finished", 0),
        )
    return counts


def _opted_out_now(
    distributions: list[Distribution], *, emailed: set[int]
) -> dict[int, int]:
    """Return {distribution id: recipients whose address is opted out now}.

    Emails skipped at send are left out (the deliveries count them already). One
    grouped query for the rows with emails and one for the personal-links
    batches; each matches the invitations on their (distribution, lower(email))
    index against the few opted-out addresses of each owner.
    """
    emails, links = {}, {}
    teams = {d.team_id for d in distributions}
    # Most teams' pages: nobody opted out, and no address left to match.
    opted_out_teams = {t for t in teams if opted_out_queryset(team_id=t).exists()}
    for d in distributions:
        if d.team_id not in opted_out_teams:
            continue
        if d.pk in emailed:
            emails.setdefault(d.team_id, []).append(d.pk)
        elif d.parent_id is None:
            links.setdefault(d.team_id, []).append(d.pk)
    found = {}
    if emails:
        # The few opted-out addresses find their invitations by the
        # (distribution, lower(email)) index; their deliveries by invitation.
        roots = {d.pk: d.root.pk for d in distributions if d.pk in emailed}
        for team_id, ids in emails.items():
            invitations = Invitation.objects.alias(
                email_key=Collate(Lower("email"), "C")
            ).filter(
                distribution_id__in={roots[i] for i in ids},
                email_key__in=opted_out_queryset(team_id=team_id),
            )
            found.update(
                _by_distribution(
                    Delivery.objects.exclude(status=Delivery.Status.OPTED_OUT).filter(
                        distribution_id__in=ids,
                        invitation_id__in=invitations.values("id"),
                    )
                )
            )
    if links:
        found.update(
            _by_distribution(
                Invitation.objects.alias(email_key=Collate(Lower("email"), "C")).filter(
                    _opted_out_q(links)
                )
            )
        )
    # Addresses erased or stripped since (they match no opt-out any more): a query
    # of their own, so the address match above keeps its index, and only when the
    # partial index invitation_opted_out_removed finds any.
    emailed_ids = [d.pk for d in distributions if d.pk in emailed]
    root_ids = emailed_ids + [
        d.pk for d in distributions if d.pk not in emailed and d.parent_id is None
    ]
    removed = Invitation.objects.filter(
        distribution_id__in=root_ids, opted_out_at_removal=True
    )
    if root_ids and removed.exists():
        for distribution_id, n in (
            *_by_distribution(
                Delivery.objects.exclude(status=Delivery.Status.OPTED_OUT).filter(
                    distribution_id__in=emailed_ids,
                    invitation__opted_out_at_removal=True,
                )
            ).items(),
            *_by_distribution(removed.exclude(distribution_id__in=emailed_ids)).items(),
        ):
            found[distribution_id] = found.get(distribution_id, 0) + n
    return found


def _opted_out_q(ids_by_team: dict[int, list[int]]) -> Q:
    # One team on a survey's page; the OR keeps each team to its own list.
    match = Q()
    for team_id, ids in ids_by_team.items():
        match |= Q(
            distribution_id__in=ids,
            email_key__in=opted_out_queryset(team_id=team_id),
        )
    return match


def _by_distribution(rows) -> dict[int, int]:
    return dict(
        rows.values("distribution_id")
        .annotate(n=Count("id"))
        .values_list("distribution_id", "n")
    )
