"""The Surveys list of the current team: create, rename, duplicate, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from surveys import selectors, services
from surveys.forms import SurveyTitleForm
from teams import access
from teams.access import Right
from teams.selectors import current_team


@login_required
def survey_list(request):
    team = current_team(request)
    form = SurveyTitleForm()
    if request.method == "POST":
        access.require(request.user, team.pk, Right.EDIT)
        form = SurveyTitleForm(request.POST)
        if form.is_valid():
            survey = services.survey_create(
                owner=request.user, team=team, title=form.cleaned_data["title"]
            )
            return redirect("surveys:detail", survey.pk)
    return render(
        request,
        "surveys/survey_list.html",
        {
            "surveys": selectors.survey_list_with_counts(user=request.user, team=team),
            "form": form,
        },
    )


@login_required
def survey_rename(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.EDIT)
    form = SurveyTitleForm(request.POST or None, initial={"title": survey.title})
    if request.method == "POST" and form.is_valid():
        services.survey_rename(survey=survey, title=form.cleaned_data["title"])
        messages.success(request, _("Survey renamed."))
        return redirect("surveys:list")
    return render(
        request, "surveys/survey_rename.html", {"survey": survey, "form": form}
    )


@login_required
def survey_duplicate(request, pk):
    # The copy stays in the survey's team.
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.EDIT)
    if request.method != "POST":
        # After the selector: someone else's survey is a 404 whatever the method.
        return HttpResponseNotAllowed(["POST"])
    copy = services.survey_duplicate(survey=survey, owner=request.user)
    messages.success(request, f"Created “{copy.title}”.")
    return redirect("surveys:list")


@login_required
def survey_delete(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.MANAGE)
    if request.method == "POST":
        title = survey.title
        services.survey_delete(survey=survey)
        messages.success(request, f"Deleted “{title}”.")
        return redirect("surveys:list")
    return render(
        request,
        "surveys/survey_delete.html",
        {"survey": survey, "response_count": survey.responses.count()},
    )
