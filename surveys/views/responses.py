"""The Responses tab: the list, one response, the summary (exports: views.exports)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from surveys import results, selectors


@login_required
def response_list(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk)
    responses = selectors.response_list(user=request.user, survey=survey)
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
