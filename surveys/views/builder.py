"""The Survey tab: builder, Options, Preview, Publish, Close/Reopen."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse

from surveys import anonymity, selectors, services
from surveys.forms import (
    QuestionAddForm,
    QuestionForm,
    SurveyHeaderForm,
    SurveyOptionsForm,
)
from surveys.logic import rule_words, skip_words
from surveys.models import Question
from surveys.navigation import survey_actions
from surveys.services import publishing
from surveys.services.rules import draft_order, piping_warnings
from surveys.views.logic import picker_context
from teams import access
from teams.access import Right


def _builder_context(survey, **extra):
    return {
        "survey": survey,
        "active_tab": "survey",
        "public_url": settings.SITE_URL
        + reverse("surveys:public_respond", args=[survey.public_key]),
        **extra,
    }


@login_required
def survey_detail(request, pk):
    """The survey's overview for every member; its forms are the builder (EDIT)."""
    survey = selectors.survey_get(
        user=request.user,
        pk=pk,
        right=Right.EDIT if request.method == "POST" else Right.VIEW,
    )
    header_form = SurveyHeaderForm(
        initial={"title": survey.title, "introduction": survey.introduction}
    )
    if request.method == "POST":
        header_form = SurveyHeaderForm(request.POST)
        if header_form.is_valid():
            services.survey_update_header(survey=survey, **header_form.cleaned_data)
            messages.success(request, "Saved. Publish to show respondents the change.")
            return redirect("surveys:detail", survey.pk)
    pages = selectors.survey_builder_pages(survey=survey)
    order, labels, page_labels = draft_order(survey)
    # Each rule in plain words ("Shown if Q2 is Yes"), and Q-numbers as the rules say.
    for item in pages:
        item["logic_words"] = rule_words(item["page"].display_logic, labels)
        for question in item["questions"]:
            question.label = labels.get(f"q:{question.pk}", "")
            question.logic_words = rule_words(question.display_logic, labels)
            question.skip_words = skip_words(question.skip_logic, labels, page_labels)
    return render(
        request,
        "surveys/survey_detail.html",
        _builder_context(
            survey,
            header_form=header_form,
            pages=pages,
            kinds=Question.Kind.choices,
            piping_warnings=piping_warnings(survey),
            **picker_context(survey, order, labels, page_pk=None),
        ),
    )


@login_required
def survey_options(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.EDIT)
    form = SurveyOptionsForm(
        request.POST or None,
        initial={name: getattr(survey, name) for name in SurveyOptionsForm.base_fields},
    )
    if request.method == "POST" and form.is_valid():
        was_anonymous = survey.anonymous_responses
        services.survey_set_options(survey=survey, **form.cleaned_data)
        messages.success(request, "Options saved.")
        # Those already collected keep their identity until the owner confirms.
        if (
            survey.anonymous_responses
            and not was_anonymous
            and anonymity.survey_finished_identified_count(survey=survey)
        ):
            if access.can(request.user, survey.team_id, Right.MANAGE):
                return redirect("surveys:anonymize_responses", survey.pk)
            messages.info(
                request,
                "Responses already collected keep their identity until an owner "
                "of the team anonymizes them.",
            )
        return redirect("surveys:options", survey.pk)
    order, labels, _ = draft_order(survey)
    return render(
        request,
        "surveys/survey_options.html",
        _builder_context(
            survey,
            form=form,
            survey_actions=survey_actions(survey),
            identified_count=(
                anonymity.survey_finished_identified_count(survey=survey)
                if survey.anonymous_responses
                else 0
            ),
            **picker_context(survey, order, labels),
        ),
    )


@login_required
def survey_anonymize_responses(request, pk):
    """Confirm, then anonymize the finished responses already collected: like
    stripping a survey, it takes identity off the team's data, so MANAGE."""
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.MANAGE)
    if not survey.anonymous_responses:
        return redirect("surveys:options", survey.pk)
    if request.method == "POST":
        done = anonymity.survey_responses_anonymize(survey=survey)
        messages.success(
            request, f"{done} finished response{pluralize(done)} anonymized."
        )
        return redirect("surveys:options", survey.pk)
    return render(
        request,
        "surveys/survey_anonymize.html",
        _builder_context(
            survey,
            identified_count=anonymity.survey_finished_identified_count(survey=survey),
        ),
    )


@login_required
def page_add(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.EDIT)
    if request.method != "POST":
        # After the selector: someone else's survey is a 404 whatever the method.
        return HttpResponseNotAllowed(["POST"])
    page = services.page_add(survey=survey)
    return redirect(reverse("surveys:detail", args=[survey.pk]) + f"#page-{page.pk}")


@login_required
def page_delete(request, pk, page_pk):
    page = selectors.page_get(user=request.user, survey_pk=pk, pk=page_pk)
    if request.method != "POST":
        # After the selector: someone else's survey is a 404 whatever the method.
        return HttpResponseNotAllowed(["POST"])
    services.page_delete(survey=page.survey, page=page)
    return redirect("surveys:detail", pk)


@login_required
def question_add(request, pk, page_pk):
    page = selectors.page_get(user=request.user, survey_pk=pk, pk=page_pk)
    if request.method != "POST":
        # After the selector: someone else's survey is a 404 whatever the method.
        return HttpResponseNotAllowed(["POST"])
    form = QuestionAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a question type.")
        return redirect("surveys:detail", pk)
    question = services.question_add(
        survey=page.survey, page=page, kind=form.cleaned_data["kind"]
    )
    return redirect("surveys:question_edit", pk, question.pk)


@login_required
def question_edit(request, pk, question_pk):
    question = selectors.question_get(user=request.user, survey_pk=pk, pk=question_pk)
    form = QuestionForm(
        request.POST or None,
        question=question,
        initial=QuestionForm.initial_for(question),
    )
    if request.method == "POST" and form.is_valid():
        services.question_update(question=question, **form.service_kwargs())
        return redirect(
            reverse("surveys:detail", args=[pk]) + f"#question-{question.pk}"
        )
    order, labels, _ = draft_order(question.survey)
    return render(
        request,
        "surveys/question_edit.html",
        _builder_context(
            question.survey,
            question=question,
            form=form,
            **picker_context(question.survey, order, labels, page_pk=question.page_id),
        ),
    )


@login_required
def question_move(request, pk, question_pk):
    question = selectors.question_get(user=request.user, survey_pk=pk, pk=question_pk)
    if request.method != "POST":
        # After the selector: someone else's survey is a 404 whatever the method.
        return HttpResponseNotAllowed(["POST"])
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down", "previous_page", "next_page"):
        raise Http404("Unknown direction")
    services.question_move(question=question, direction=direction)
    return redirect(reverse("surveys:detail", args=[pk]) + f"#question-{question.pk}")


@login_required
def question_delete(request, pk, question_pk):
    question = selectors.question_get(user=request.user, survey_pk=pk, pk=question_pk)
    has_answers = services.question_has_answers(question=question)
    if request.method == "POST" and (not has_answers or request.POST.get("confirm")):
        services.question_delete(question=question)
        messages.success(
            request,
            "Question removed from the draft."
            + (" Its answers stay in the export." if has_answers else ""),
        )
        return redirect("surveys:detail", pk)
    return render(
        request,
        "surveys/question_delete.html",
        _builder_context(question.survey, question=question, has_answers=has_answers),
    )


@login_required
def survey_publish(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.EDIT)
    if request.method != "POST":
        # After the selector: someone else's survey is a 404 whatever the method.
        return HttpResponseNotAllowed(["POST"])
    if survey.published_version and not survey.has_unpublished_changes:
        # A second tab's Publish: the draft is already what respondents see.
        messages.info(
            request,
            f"Nothing to publish: respondents already see version "
            f"{survey.published_version}.",
        )
        return redirect("surveys:detail", pk)
    try:
        version = publishing.survey_publish(survey=survey)
    except publishing.PublishRefused as refused:
        for problem in refused.problems:
            messages.error(request, f"Not published. {problem}")
        return redirect("surveys:detail", pk)
    messages.success(request, f"Published version {version.number}.")
    return redirect("surveys:detail", pk)


@login_required
def survey_close(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.EDIT)
    if request.method != "POST":
        # After the selector: someone else's survey is a 404 whatever the method.
        return HttpResponseNotAllowed(["POST"])
    publishing.survey_close(survey=survey)
    messages.success(request, "Survey closed: links now show the closed message.")
    return redirect("surveys:detail", pk)


@login_required
def survey_reopen(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.EDIT)
    if request.method != "POST":
        # After the selector: someone else's survey is a 404 whatever the method.
        return HttpResponseNotAllowed(["POST"])
    publishing.survey_reopen(survey=survey)
    messages.success(request, "Survey reopened.")
    return redirect("surveys:detail", pk)
