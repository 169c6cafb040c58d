"""Reads of surveys. Every owner-facing read takes the acting user."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from surveys.models import Survey


def survey_list(*, user) -> QuerySet[Survey]:
    return Survey.objects.filter(owner=user).order_by("-updated_at")


def survey_get(*, user, pk: int) -> Survey:
    """Return one of the user's surveys, or raise Http404 (also for another owner's)."""
    return get_object_or_404(Survey, owner=user, pk=pk)
