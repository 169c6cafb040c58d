"""The Responses tab: the list, one response, the summary (exports: views.exports)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from accounts.selectors import owner_time_zone
from surveys import qtypes, results, selectors
from surveys.forms import ResponseFilterForm
from teams.access import Right


def response_filters_from(request, survey):
    """Return (form, ResponseFilter, query string to keep on page links)."""
    form = ResponseFilterForm(
        request.GET or None, embedded_fields=survey.embedded_fields
    )
    filters = form.response_filter(owner_time_zone(request.user))
    kept = request.GET.copy()
    kept.pop("page", None)
    return form, filters, kept.urlencode()


@login_required
def response_list(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.ANALYSE)
    form, filters, query = response_filters_from(request, survey)
    responses = filters.apply(selectors.response_list(user=request.user, survey=survey))
    page = Paginator(responses, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/response_list.html",
        {
            "survey": survey,
            "active_tab": "responses",
            "page_obj": page,
            "filter_form": form,
            "filters": filters,
            "query": query,
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
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.ANALYSE)
    form, filters, query = response_filters_from(request, survey)
    return render(
        request,
        "surveys/response_summary.html",
        {
            "survey": survey,
            "active_tab": "responses",
            "filter_form": form,
            "filters": filters,
            "query": query,
            "summaries": results.survey_summary(survey=survey, filters=filters),
        },
    )


@login_required
def response_text_answers(request, pk, question_id, other=False):
    """One text question's answers (or the text typed in a choice question's
    "Other"), searchable, with the Summary's filters."""
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.ANALYSE)
    question = next(
        (
            q
            for q in results.question_catalogue(survey=survey)
            if q["id"] == question_id
            and (qtypes.other_choice(q) if other else q["kind"] in results.TEXT_KINDS)
        ),
        None,
    )
    if question is None:
        raise Http404("No such text question.")
    form, filters, query = response_filters_from(request, survey)
    search = request.GET.get("q", "")[:200]
    answers = results.text_answers(
        survey=survey,
        question_id=qtypes.other_key(question_id) if other else question_id,
        filters=filters,
        search=search,
    )
    return render(
        request,
        "surveys/response_text_answers.html",
        {
            "survey": survey,
            "active_tab": "responses",
            "question": question,
            "other": qtypes.other_choice(question) if other else None,
            "filter_form": form,
            "filters": filters,
            "query": query,
            "search": search,
            "page_obj": Paginator(answers, 50).get_page(request.GET.get("page")),
        },
    )
