"""The team's suppression (opt-out) list."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from api import scope
from api.pagination import page_of, paged_query
from api.serializers.contacts import (
    SuppressionSerializer,
    SuppressionWrite,
    suppression_data,
)
from api.views.base import ApiView
from api.views.contacts import PAGE
from directories.services import suppressions as suppression_services
from teams.access import Right


class SuppressionsView(ApiView):
    @extend_schema(
        parameters=[
            *PAGE,
            OpenApiParameter("q", str, description="Part of an address."),
        ],
        responses=page_of(SuppressionSerializer),
    )
    def get(self, request):
        found = scope.suppressions(request, request.query_params.get("q", ""))
        return paged_query(request, found, serialize=suppression_data)

    @extend_schema(request=SuppressionWrite, responses={201: SuppressionSerializer})
    def post(self, request):
        scope.require(request, Right.EDIT)
        data = self.valid(SuppressionWrite)
        suppression = suppression_services.suppression_add_manual(
            owner=request.user,
            team_id=scope.team_id(request),
            email=data["email"],
        )
        return Response(suppression_data(suppression), status=status.HTTP_201_CREATED)


class SuppressionView(ApiView):
    @extend_schema(responses=SuppressionSerializer)
    def get(self, request, pk: int):
        return Response(suppression_data(scope.suppression(request, pk)))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        suppression = scope.suppression(request, pk, Right.EDIT)
        suppression_services.suppression_remove(suppression=suppression)
        return Response(status=status.HTTP_204_NO_CONTENT)
