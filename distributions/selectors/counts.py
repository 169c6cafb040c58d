"""The counts on the Emails and Personal links rows, in a few grouped queries."""

from dataclasses import dataclass

from django.db.models import Count, Q

from distributions.models import Delivery, Distribution, Invitation


@dataclass(frozen=True)
class DistributionCounts:
    recipients: int = 0
    emails_queued: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    opted_out: int = 0
    surveys_started: int = 0
    surveys_finished: int = 0


def distribution_counts(
    distributions: list[Distribution],
) -> dict[int, DistributionCounts]:
    """Return the row counts for each distribution, in at most three grouped queries.

    Started counts respondents who started and have not finished; Finished those who
    finished. For reminders and thank-yous, they are those of the parent's links.
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
            failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
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
    counts = {}
    for distribution in distributions:
        mail = emails.get(distribution.pk, {})
        links = progress.get(distribution.root.pk, {})
        counts[distribution.pk] = DistributionCounts(
            recipients=mail.get("total") or links.get("total", 0),
            emails_queued=mail.get("queued", 0),
            emails_sent=mail.get("sent", 0),
            emails_failed=mail.get("failed", 0),
            opted_out=mail.get("opted_out", 0),
            surveys_started=links.get("started", 0),
            surveys_finished=links.get("finished", 0),
        )
    return counts
