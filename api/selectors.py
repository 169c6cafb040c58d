"""Reads of the API's own data; every owner-facing read takes the acting user."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from api.models import ApiKey


def api_key_list(*, user) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(owner=user).order_by("revoked_at", "-created_at")


def api_key_get(*, user, pk: int) -> ApiKey:
    return get_object_or_404(ApiKey, owner=user, pk=pk)
