"""Email distributions and personal-link batches of a survey, their links and
history (JSON pages and the streamed CSV)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.selectors import owner_time_zone
from api import scope
from api.idempotency import IDEMPOTENCY, created_once
from api.pagination import page_of, page_params, paged_response, updated_since
from api.renderers import CsvRenderer
from api.serializers.surveys import (
    DistributionSerializer,
    EmailDistributionWrite,
    HistorySerializer,
    LinkBatchWrite,
)
from api.views.base import ApiView
from api.views.contacts import PAGE
from core.audit import audit_record
from core.csv_export import csv_download
from core.models import AuditEntry
from distributions.selectors import api_rows
from distributions.selectors.history import history_header, history_source
from distributions.services.compose import distribution_schedule
from distributions.services.dispatch import distribution_cancel
from distributions.services.links import links_generate
from teams.access import Right

EMAIL = scope.EMAIL
LINKS = scope.LINKS


def distribution_data(distribution) -> dict:
    return {
        "id": distribution.pk,
        "kind": distribution.kind,
        "parent": distribution.parent_id,
        "message_type": distribution.message_type,
        "audience": distribution.audience,
        "status": distribution.status,
        "contact_list": distribution.contact_list_id,
        "list_name": distribution.list_name,
        "from_name": distribution.from_name,
        "from_email": distribution.from_email,
        "subject": distribution.subject,
        "send_at": distribution.send_at,
        "link_expires_at": distribution.link_expires_at,
        "sample_size": distribution.sample_size,
        "recipients_total": distribution.recipients_total,
        "created_at": distribution.created_at,
        "counts": api_rows.distribution_counts_dict(distribution),
    }


def message_text(request, data) -> tuple[str, str]:
    """Return (subject, body) given in the request or from a library message."""
    if "message" in data:
        message = scope.message(request, data["message"])
        return message.subject, message.body
    if "subject" in data and "body" in data:
        return data["subject"], data["body"]
    raise ValidationError({"": ["Give subject and body, or a library message."]})


class DistributionsView(ApiView):
    kind = EMAIL

    def get(self, request, survey_pk: int):
        survey = scope.survey(request, survey_pk)
        after, limit = page_params(request)
        rows = list(
            api_rows.survey_distributions(survey=survey, kind=self.kind)
            .filter(id__gt=after)
            .order_by("id")[: limit + 1]
        )
        page = paged_response(request, rows, limit=limit, last_id=lambda d: d.pk)
        page.data["results"] = [distribution_data(d) for d in page.data["results"]]
        return page


class EmailDistributionsView(DistributionsView):
    @extend_schema(parameters=PAGE, responses=page_of(DistributionSerializer))
    def get(self, request, survey_pk: int):
        return super().get(request, survey_pk)

    @extend_schema(
        parameters=[IDEMPOTENCY],
        request=EmailDistributionWrite,
        responses={201: DistributionSerializer, 200: DistributionSerializer},
    )
    def post(self, request, survey_pk: int):
        survey = scope.survey(request, survey_pk, Right.SEND)
        data = self.valid(EmailDistributionWrite)
        contact_list = scope.contact_list(request, data["contact_list"], Right.SEND)
        subject, body = message_text(request, data)
        send_at = data.get("send_at") or timezone.now()

        def create(token):
            return distribution_schedule(
                user=request.user,
                survey=survey,
                contact_list=contact_list,
                from_name=data["from_name"],
                from_email=data["from_email"],
                reply_to=data["reply_to"],
                subject=subject,
                body=body,
                send_at=send_at,
                link_expires_at=data.get("link_expires_at")
                or send_at + timedelta(days=60),
                compose_token=token,
            )

        return created_once(request, create, distribution_data)


class EmailDistributionView(ApiView):
    @extend_schema(responses=DistributionSerializer)
    def get(self, request, survey_pk: int, pk: int):
        distribution = scope.distribution(request, survey_pk, pk, EMAIL, Right.VIEW)
        return Response(distribution_data(distribution))


class EmailDistributionCancelView(ApiView):
    @extend_schema(request=None, responses=DistributionSerializer)
    def post(self, request, survey_pk: int, pk: int):
        distribution = scope.distribution(request, survey_pk, pk, EMAIL, Right.SEND)
        if not distribution_cancel(user=request.user, distribution=distribution):
            raise ValidationError(
                {"": ["Only a scheduled distribution can be cancelled."]}
            )
        distribution.refresh_from_db()
        return Response(distribution_data(distribution))


class LinkBatchesView(DistributionsView):
    kind = LINKS

    @extend_schema(parameters=PAGE, responses=page_of(DistributionSerializer))
    def get(self, request, survey_pk: int):
        return super().get(request, survey_pk)

    @extend_schema(
        parameters=[IDEMPOTENCY],
        request=LinkBatchWrite,
        responses={201: DistributionSerializer, 200: DistributionSerializer},
    )
    def post(self, request, survey_pk: int):
        survey = scope.survey(request, survey_pk, Right.SEND)
        data = self.valid(LinkBatchWrite)
        contact_list = scope.contact_list(request, data["contact_list"], Right.SEND)

        def create(token):
            return links_generate(
                user=request.user,
                survey=survey,
                contact_list=contact_list,
                expires_at=data["expires_at"],
                sample_size=data.get("sample_size"),
                include_opted_out=data["include_opted_out"],
                request_token=token,
            )

        return created_once(request, create, distribution_data)


class LinkBatchView(ApiView):
    @extend_schema(responses=DistributionSerializer)
    def get(self, request, survey_pk: int, pk: int):
        batch = scope.distribution(request, survey_pk, pk, LINKS, Right.VIEW)
        return Response(distribution_data(batch))


class HistoryView(ApiView):
    kind = EMAIL

    @extend_schema(
        parameters=[
            *PAGE,
            OpenApiParameter(
                "updated_since", str, description="Responses active since this time."
            ),
        ],
        responses=page_of(HistorySerializer),
    )
    def get(self, request, survey_pk: int, pk: int):
        distribution = scope.distribution(
            request, survey_pk, pk, self.kind, Right.ANALYSE
        )
        after, limit = page_params(request)
        rows = api_rows.history_page(
            distribution=distribution,
            after_id=after,
            limit=limit + 1,
            updated_since=updated_since(request),
        )
        return paged_response(request, rows, limit=limit, last_id=lambda r: r["id"])


class LinkHistoryView(HistoryView):
    kind = LINKS


class HistoryCsvView(ApiView):
    kind = EMAIL
    renderer_classes = [CsvRenderer]

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request, survey_pk: int, pk: int):
        distribution = scope.distribution(
            request, survey_pk, pk, self.kind, Right.ANALYSE
        )
        audit_record(
            actor=request.user,
            team_id=distribution.team_id,
            action=AuditEntry.Action.HISTORY_DOWNLOADED,
            subject=f"History of “{distribution.list_name}” ({distribution.pk})",
            via="API",
        )
        zone = owner_time_zone(request.user)
        name = slugify(distribution.list_name) or "list"
        return csv_download(
            f"history-{name}-{distribution.pk}.csv",
            history_header(distribution=distribution),
            history_source(distribution=distribution),
            zone=zone,
        )


class LinkHistoryCsvView(HistoryCsvView):
    kind = LINKS
