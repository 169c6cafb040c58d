"""Surveys and their responses (read only)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

import surveys.selectors as survey_selectors
from api import scope
from api.pagination import page_of, paged_query, updated_since
from api.serializers.surveys import (
    ResponseSerializer,
    SurveyDetailSerializer,
    SurveySerializer,
)
from api.views.base import ApiView
from api.views.contacts import PAGE, SINCE
from teams.access import Right


def survey_data(survey) -> dict:
    return {
        "id": survey.pk,
        "title": survey.title,
        "state": survey.state,
        "anonymous_responses": survey.anonymous_responses,
        "created_at": survey.created_at,
        "updated_at": survey.updated_at,
    }


def _question(question: dict) -> dict:
    return {
        "id": question["id"],
        "kind": question["kind"],
        "text": question.get("text") or "",
        "removed": question.get("removed", False),
        "choices": question.get("choices") or [],
        "statements": question.get("statements") or [],
    }


class SurveysView(ApiView):
    @extend_schema(parameters=[*PAGE, SINCE], responses=page_of(SurveySerializer))
    def get(self, request):
        surveys = scope.surveys(request)
        since = updated_since(request)
        if since:
            surveys = surveys.filter(updated_at__gte=since)
        return paged_query(request, surveys, serialize=survey_data)


class SurveyView(ApiView):
    @extend_schema(responses=SurveyDetailSerializer)
    def get(self, request, pk: int):
        survey = scope.survey(request, pk)
        questions = survey_selectors.survey_questions(survey=survey)
        return Response(
            {**survey_data(survey), "questions": [_question(q) for q in questions]}
        )


def _flag(request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ValidationError({name: ["Give true or false."]})


class ResponsesView(ApiView):
    @extend_schema(
        parameters=[
            *PAGE,
            OpenApiParameter("finished", bool, description="Only (un)finished ones."),
            OpenApiParameter(
                "updated_since", str, description="Active at or after this time."
            ),
            OpenApiParameter("started_after", str, description="Started at or after."),
            OpenApiParameter("started_before", str, description="Started before."),
        ],
        responses=page_of(ResponseSerializer),
    )
    def get(self, request, survey_pk: int):
        survey = scope.survey(request, survey_pk, Right.ANALYSE)
        responses = survey_selectors.response_list(user=request.user, survey=survey)
        finished = _flag(request, "finished")
        if finished is not None:
            responses = responses.filter(finished_at__isnull=not finished)
        since = updated_since(request)
        if since:
            responses = responses.filter(last_activity_at__gte=since)
        after = updated_since(request, "started_after")
        if after:
            responses = responses.filter(started_at__gte=after)
        before = updated_since(request, "started_before")
        if before:
            responses = responses.filter(started_at__lt=before)
        page = paged_query(request, responses, serialize=lambda r: r)
        items = page.data["results"]
        answers = survey_selectors.response_answers_by_id(
            response_ids=[r.pk for r in items]
        )
        page.data["results"] = [
            {
                "id": r.public_id,
                "channel": r.channel,
                "first_name": r.first_name,
                "last_name": r.last_name,
                "email": r.email,
                "external_reference": r.external_reference,
                "embedded_data": r.embedded_data,
                "started_at": r.started_at,
                "last_activity_at": r.last_activity_at,
                "finished_at": r.finished_at,
                "screened_out": r.screened_out,
                "answers": answers[r.pk],
            }
            for r in items
        ]
        return page
