"""The key's team's webhook endpoints through the API: list, add, read (with the
signing secret), turn on again, delete, and each endpoint's attempt log."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import scope
from api.pagination import page_of, paged_query
from api.selectors import (
    webhook_attempts_all,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from api.serializers.webhooks import (
    WebhookAttemptSerializer,
    WebhookEndpointDetailSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWrite,
    webhook_attempt_data,
    webhook_endpoint_data,
)
from api.views.base import ApiView
from api.views.contacts import PAGE
from api.webhooks.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_enable,
)
from teams.access import Right


def _endpoint(request, pk: int):
    return webhook_endpoint_get(
        user=request.user, pk=pk, team_id=scope.team_id(request)
    )


class WebhookEndpointsView(ApiView):
    @extend_schema(parameters=PAGE, responses=page_of(WebhookEndpointSerializer))
    def get(self, request):
        return paged_query(
            request,
            webhook_endpoint_list(user=request.user, team_id=scope.team_id(request)),
            serialize=webhook_endpoint_data,
        )

    @extend_schema(
        request=WebhookEndpointWrite, responses={201: WebhookEndpointDetailSerializer}
    )
    def post(self, request):
        scope.require(request, Right.EDIT)
        data = self.valid(WebhookEndpointWrite)
        try:
            endpoint = webhook_endpoint_create(
                owner=request.user, team=scope.team(request), **data
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(
            webhook_endpoint_data(endpoint, secret=True),
            status=status.HTTP_201_CREATED,
        )


class WebhookEndpointView(ApiView):
    @extend_schema(responses=WebhookEndpointDetailSerializer)
    def get(self, request, pk: int):
        endpoint = _endpoint(request, pk)
        return Response(webhook_endpoint_data(endpoint, secret=True))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        endpoint = _endpoint(request, pk)
        webhook_endpoint_delete(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointEnableView(ApiView):
    @extend_schema(request=None, responses=WebhookEndpointSerializer)
    def post(self, request, pk: int):
        endpoint = _endpoint(request, pk)
        webhook_endpoint_enable(endpoint=endpoint)
        endpoint.refresh_from_db()
        return Response(webhook_endpoint_data(endpoint))


class WebhookAttemptsView(ApiView):
    @extend_schema(parameters=PAGE, responses=page_of(WebhookAttemptSerializer))
    def get(self, request, pk: int):
        endpoint = _endpoint(request, pk)
        return paged_query(
            request,
            webhook_attempts_all(endpoint=endpoint),
            serialize=webhook_attempt_data,
        )
