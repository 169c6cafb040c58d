"""The Responses tab: the list, one response, the summary, the CSV export."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify

from core.csv_export import csv_download
from surveys import results, selectors


@login_required
def response_list(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk)
    responses = selectors.response_list(user=request.user, survey=survey)
    field = request.GET.get("field", "")
    value = request.GET.get("value", "").strip()
    if field in survey.embedded_fields and value:
        responses = selectors.responses_with_field(responses, name=field, value=value)
    else:
        field, value = "", ""
    page = Paginator(responses, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/response_list.html",
        {
            "survey": survey,
            "active_tab": "responses",
            "page_obj": page,
            "finished_count": responses.filter(finished_at__isnull=False).count(),
            "in_progress_count": responses.filter(finished_at__isnull=True).count(),
            "field": field,
            "value": value,
        },
    )


@login_required
def response_detail(request, pk, response_id):
    response = selectors.response_get(
        user=request.user, survey_pk=pk, public_id=response_id
    )
    catalogue = results.question_catalogue(survey=response.survey)
    return render(
        request,
        "surveys/response_detail.html",
        {
            "survey": response.survey,
            "active_tab": "responses",
            "response": response,
            "answers": results.response_answers(response=response, catalogue=catalogue),
        },
    )


@login_required
def response_summary(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk)
    return render(
        request,
        "surveys/response_summary.html",
        {
            "survey": survey,
            "active_tab": "responses",
            "summaries": results.survey_summary(survey=survey),
        },
    )


@login_required
def response_export(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk)
    header, rows = results.export_header_and_rows(survey=survey, owner=request.user)
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    name = slugify(survey.title)[:60] or "survey"
    return csv_download(f"{name}-responses-{stamp}.csv", header, rows)
