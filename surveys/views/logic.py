"""The builder's rules: a question's logic, a page's settings, closing rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.selectors import owner_time_zone
from surveys import closing, logic, selectors
from surveys.piping import picker_entries
from surveys.rule_forms import ClosingForm, PageForm, RuleForm, rule_sources
from surveys.services import logic as logic_services
from surveys.services.rules import SAME_PAGE_REASON, draft_order
from teams.access import Right


def _questions_before(order, labels, *, page_pk, upto_pk=None):
    """[(label, question)] of the pages before page_pk, and with upto_pk the
    questions of that page up to and including it."""
    found = []
    for page, questions in order:
        if page.pk == page_pk:
            if upto_pk is not None:
                for question in questions:
                    found.append((labels[f"q:{question.pk}"], question))
                    if question.pk == upto_pk:
                        break
            break
        found += [(labels[f"q:{q.pk}"], q) for q in questions]
    return found


def picker_context(survey, order, labels, *, page_pk=None) -> dict:
    questions = []
    for page, items in order:
        if page.pk == page_pk:
            break
        questions += [(labels[f"q:{q.pk}"][1:], q) for q in items]
    return {
        "picker": picker_entries(
            embedded_fields=survey.embedded_fields, questions=questions
        )
    }


@login_required
def question_logic(request, pk, question_pk):
    question = selectors.question_get(user=request.user, survey_pk=pk, pk=question_pk)
    survey = question.survey
    order, labels, page_labels = draft_order(survey)
    fields = survey.embedded_fields
    display_sources = rule_sources(
        questions=_questions_before(order, labels, page_pk=question.page_id),
        embedded_fields=fields,
    )
    skip_sources = rule_sources(
        questions=_questions_before(
            order, labels, page_pk=question.page_id, upto_pk=question.pk
        ),
        embedded_fields=fields,
    )
    later = [p for p, _ in order]
    later = later[[p.pk for p in later].index(question.page_id) + 1 :]
    targets = [(str(p.pk), page_labels[p.pk]) for p in later]
    targets.append((logic.END, "The end of the survey"))
    data = request.POST or None
    display = RuleForm(
        data,
        prefix="display",
        sources=display_sources,
        rule=question.display_logic,
        refused_reason=SAME_PAGE_REASON,
    )
    same_page = [
        labels[f"q:{q.pk}"]
        for page, questions in order
        if page.pk == question.page_id
        for q in questions
        if q.pk != question.pk
    ]
    skip = RuleForm(
        data,
        prefix="skip",
        sources=skip_sources,
        targets=targets,
        rule=question.skip_logic,
    )
    if request.method == "POST" and display.is_valid() and skip.is_valid():
        logic_services.question_set_logic(
            question=question, display_logic=display.rule(), skip_logic=skip.rule()
        )
        messages.success(request, "Logic saved. Publish to show respondents.")
        return redirect(
            reverse("surveys:detail", args=[pk]) + f"#question-{question.pk}"
        )
    return render(
        request,
        "surveys/question_logic.html",
        {
            "survey": survey,
            "active_tab": "survey",
            "question": question,
            "label": labels[f"q:{question.pk}"],
            "display_form": display,
            "skip_form": skip,
            "display_words": logic.rule_words(question.display_logic, labels),
            "same_page": same_page,
            "same_page_reason": SAME_PAGE_REASON,
            "skip_words": logic.skip_words(question.skip_logic, labels, page_labels),
        },
    )


@login_required
def page_settings(request, pk, page_pk):
    page = selectors.page_get(user=request.user, survey_pk=pk, pk=page_pk)
    survey = page.survey
    order, labels, page_labels = draft_order(survey)
    sources = rule_sources(
        questions=_questions_before(order, labels, page_pk=page.pk),
        embedded_fields=survey.embedded_fields,
    )
    data = request.POST or None
    form = PageForm(data, initial={"introduction": page.introduction})
    display = RuleForm(data, prefix="display", sources=sources, rule=page.display_logic)
    if request.method == "POST" and form.is_valid() and display.is_valid():
        logic_services.page_update(
            page=page,
            introduction=form.cleaned_data["introduction"].strip(),
            display_logic=display.rule(),
        )
        messages.success(request, "Page saved. Publish to show respondents.")
        return redirect(reverse("surveys:detail", args=[pk]) + f"#page-{page.pk}")
    return render(
        request,
        "surveys/page_settings.html",
        {
            "survey": survey,
            "active_tab": "survey",
            "page": page,
            "page_label": page_labels[page.pk],
            "form": form,
            "display_form": display,
            "display_words": logic.rule_words(page.display_logic, labels),
            **picker_context(survey, order, labels, page_pk=page.pk),
        },
    )


@login_required
def survey_closing(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.EDIT)
    zone = owner_time_zone(request.user)
    order, labels, _ = draft_order(survey)
    sources = [
        (f"e:{name}", f"Embedded field: {name}") for name in survey.embedded_fields
    ]
    sources += [
        (f"q:{q.pk}", f"{labels[f'q:{q.pk}']}: {q.text[:60]}")
        for _, questions in order
        for q in questions
        if q.choices
    ]
    form = ClosingForm(
        request.POST or None,
        zone=zone,
        sources=sources,
        quotas=survey.quotas or [],
        initial={
            "embedded_fields": "\n".join(survey.embedded_fields),
            "close_at": survey.close_at.astimezone(zone).replace(tzinfo=None)
            if survey.close_at
            else None,
            "close_after_finished": survey.close_after_finished,
            "screen_out_message": survey.screen_out_message,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        logic_services.survey_set_closing(
            survey=survey,
            embedded_fields=data["embedded_fields"],
            close_at=data["close_at"],
            close_after_finished=data["close_after_finished"],
            quotas=form.quotas(),
            screen_out_message=data["screen_out_message"].strip(),
        )
        messages.success(request, "Closing rules and embedded data saved.")
        return redirect("surveys:closing", pk)
    return render(
        request,
        "surveys/survey_closing.html",
        {
            "survey": survey,
            "active_tab": "survey",
            "form": form,
            "zone": str(zone),
            "finished": closing.finished_count(survey),
            "closed_by_date": closing.closed_by_date(survey),
        },
    )
