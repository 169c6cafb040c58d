"""A personal-links batch's links: pages, the CSV, and one link's controls."""

from django.utils.text import slugify
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts.selectors import owner_time_zone
from api import scope
from api.pagination import page_of, paged_json
from api.renderers import CsvRenderer
from api.serializers.surveys import DoneSerializer, ExtendWrite, LinkSerializer
from api.views.base import ApiView
from api.views.contacts import PAGE
from api.views.distributions import LINKS
from core.audit import audit_record
from core.csv_export import csv_download
from core.models import AuditEntry
from distributions.selectors import api_rows
from distributions.selectors.history import history_header, links_csv_source
from distributions.services import links as link_services
from teams.access import Right

LINK_FIELDS = {
    name: name
    for name in (
        "id",
        "first_name",
        "last_name",
        "email",
        "external_reference",
        "language",
        "embedded_data",
        "link",
        "status",
        "expires_at",
        "revoked_at",
        "created_at",
    )
}


class LinksView(ApiView):
    @extend_schema(parameters=PAGE, responses=page_of(LinkSerializer))
    def get(self, request, survey_pk: int, pk: int):
        batch = scope.distribution(request, survey_pk, pk, LINKS, Right.ANALYSE)
        return paged_json(
            request, api_rows.batch_links(distribution=batch), LINK_FIELDS
        )


class LinksCsvView(ApiView):
    renderer_classes = [CsvRenderer]

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request, survey_pk: int, pk: int):
        batch = scope.distribution(request, survey_pk, pk, LINKS, Right.ANALYSE)
        audit_record(
            actor=request.user,
            team_id=batch.team_id,
            action=AuditEntry.Action.LINKS_DOWNLOADED,
            subject=f"Links of “{batch.list_name}” ({batch.pk})",
            via="API",
        )
        name = slugify(batch.list_name) or "list"
        return csv_download(
            f"links-{name}-{batch.pk}.csv",
            history_header(distribution=batch),
            links_csv_source(distribution=batch),
            zone=owner_time_zone(request.user),
        )


class LinkActionView(ApiView):
    """POST .../links/<id>/revoke|regenerate: one link at once."""

    action = "revoke"

    @extend_schema(request=None, responses=DoneSerializer)
    def post(self, request, survey_pk: int, pk: int, link_pk: int):
        invitation = scope.link(request, survey_pk, pk, link_pk, Right.SEND)
        act = (
            link_services.invitation_revoke
            if self.action == "revoke"
            else link_services.invitation_regenerate
        )
        return Response(
            {"changed": act(user=request.user, invitation_id=invitation.pk)}
        )


class LinkRegenerateView(LinkActionView):
    action = "regenerate"


class LinkExtendView(ApiView):
    @extend_schema(request=ExtendWrite, responses=DoneSerializer)
    def post(self, request, survey_pk: int, pk: int, link_pk: int):
        invitation = scope.link(request, survey_pk, pk, link_pk, Right.SEND)
        data = self.valid(ExtendWrite)
        changed = link_services.invitation_extend(
            user=request.user,
            invitation_id=invitation.pk,
            expires_at=data["expires_at"],
        )
        return Response({"changed": changed})
