"""The Translations tab: a survey's languages and its texts in each of them.

VIEW sees the texts and downloads the CSV; EDIT adds and removes languages, sets the
default, saves a translation and imports a CSV (teams.access).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.csv_export import csv_download
from core.languages import language_name
from surveys import selectors
from surveys.services import translations as services
from surveys.translations import translation_rows
from teams.access import Right, can


def _survey(request, pk, right):
    return selectors.survey_get(user=request.user, pk=pk, right=right)


def _home(survey, language=None):
    if language:
        return reverse(
            "surveys:translation", kwargs={"pk": survey.pk, "language": language}
        )
    return reverse("surveys:translations", kwargs={"pk": survey.pk})


def _refused(request, error):
    for problem in error.problems:
        messages.error(request, problem)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def survey_translations(request, pk):
    """The survey's languages: add one, remove one, set the default."""
    if request.method == "POST":
        survey = _survey(request, pk, Right.EDIT)
        action = request.POST.get("action")
        code = request.POST.get("language", "")
        try:
            if action == "add":
                tag = services.survey_language_add(survey=survey, language=code)
                messages.success(request, f"Added {language_name(tag)} ({tag}).")
                return redirect(_home(survey, tag))
            if action == "remove":
                services.survey_language_remove(survey=survey, language=code)
                messages.success(request, f"Removed {code} and its translation.")
            elif action == "default":
                tag = services.survey_default_language_set(survey=survey, language=code)
                messages.success(request, f"The survey is written in {tag}.")
        except services.TranslationRefused as error:
            _refused(request, error)
        return redirect(_home(survey))
    survey = _survey(request, pk, Right.VIEW)
    languages = []
    for tag in survey.languages:
        rows = translation_rows(survey, tag)
        done = sum(1 for row in rows if row["translation"])
        languages.append(
            {
                "code": tag,
                "name": language_name(tag),
                "done": done,
                "total": len(rows),
                "missing": len(rows) - done,
            }
        )
    return render(
        request,
        "surveys/translations.html",
        {
            "survey": survey,
            "active_tab": "translations",
            "default_name": language_name(survey.default_language),
            "languages": languages,
            "can_edit": can(request.user, survey.team_id, Right.EDIT),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def survey_translation(request, pk, language):
    """One language side by side with the original; untranslated texts marked."""
    right = Right.EDIT if request.method == "POST" else Right.VIEW
    survey = _survey(request, pk, right)
    if language not in survey.languages:
        raise Http404("The survey is not offered in that language.")
    rows = translation_rows(survey, language)
    if request.method == "POST":
        texts = {row["key"]: request.POST.get(f"t:{row['key']}", "") for row in rows}
        try:
            services.survey_translation_save(
                survey=survey, language=language, texts=texts
            )
        except services.TranslationRefused as error:
            _refused(request, error)
            for row in rows:
                row["translation"] = texts[row["key"]]
        else:
            messages.success(
                request, "Translation saved. Publish to show the questions' texts."
            )
            return redirect(_home(survey, language))
    return render(
        request,
        "surveys/translation_edit.html",
        {
            "survey": survey,
            "active_tab": "translations",
            "language": language,
            "language_name": language_name(language),
            "default_name": language_name(survey.default_language),
            "rows": rows,
            "missing": sum(1 for row in rows if not row["translation"]),
            "can_edit": can(request.user, survey.team_id, Right.EDIT),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def survey_translation_csv(request, pk, language):
    """The translation as CSV: key, original, translation (one row per text)."""
    survey = _survey(request, pk, Right.VIEW)
    if language not in survey.languages:
        raise Http404("The survey is not offered in that language.")
    rows = [
        [row["key"], row["original"], row["translation"]]
        for row in translation_rows(survey, language)
    ]
    return csv_download(
        f"survey-{survey.pk}-{language}.csv", services.TRANSLATION_CSV_HEADER, rows
    )


@login_required
@require_POST
def survey_translation_import(request, pk, language):
    survey = _survey(request, pk, Right.EDIT)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a CSV file to import.")
        return redirect(_home(survey, language))
    if upload.size > services.TRANSLATION_CSV_MAX_BYTES:
        messages.error(request, "The file is larger than a survey's texts can be.")
        return redirect(_home(survey, language))
    try:
        services.survey_translation_import(
            survey=survey, language=language, content=upload.read()
        )
    except services.TranslationRefused as error:
        messages.error(request, "Nothing was imported.")
        _refused(request, error)
    else:
        messages.success(request, "Translation imported. Publish to show it.")
    return redirect(_home(survey, language))
