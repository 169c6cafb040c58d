"""A person's data (export, erasure) from a contact's page, and a survey's close
and strip from its Options page. The pages belong to directories and surveys;
their apps show these actions because distributions registers them (apps.py).
docs/architecture.md, "Privacy: export, erasure, close and strip"."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from directories.navigation import contact_list_page_url, contact_page_url
from directories.selectors import contact_get
from distributions.forms.privacy import PersonEraseForm, SurveyStripForm
from distributions.selectors.privacy import person_export, survey_strip_preview
from distributions.services.privacy import person_erase, survey_close_and_strip
from surveys.navigation import survey_options_url
from surveys.selectors import survey_get
from teams import access
from teams.access import Right


@login_required
@require_GET
def person_export_view(request, list_pk: int, contact_pk: int):
    """Export this person's data: one JSON file of everything with the address."""
    contact = contact_get(user=request.user, list_pk=list_pk, pk=contact_pk)
    data = person_export(
        user=request.user, team_id=contact.contact_list.team_id, email=contact.email
    )
    if data is None:  # the contact itself has the address: only if it has none
        raise Http404
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    # The address stays out of the file name (download folders, proxies' logs).
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = (
        f'attachment; filename="person-{contact.pk}-{stamp}.json"'
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_erase_view(request, list_pk: int, contact_pk: int):
    """Erase this person everywhere, after a confirmation typed by hand."""
    contact = contact_get(user=request.user, list_pk=list_pk, pk=contact_pk)
    team_id = contact.contact_list.team_id
    access.require(request.user, team_id, Right.MANAGE)
    data = request.POST if request.method == "POST" else None
    form = PersonEraseForm(data, email=contact.email)
    if request.method == "POST" and form.is_valid():
        try:
            counts = person_erase(
                actor=request.user,
                owner=request.user,
                team_id=team_id,
                email=contact.email,
                keep_responses=form.cleaned_data["keep_responses"],
                via="contact page",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, erased_summary(counts))
            return redirect(contact_list_page_url(contact.contact_list))
    return render(
        request,
        "distributions/person_erase.html",
        {
            "contact": contact,
            "form": form,
            "contact_url": contact_page_url(contact),
            "list_url": contact_list_page_url(contact.contact_list),
        },
    )


def erased_summary(counts: dict) -> str:
    """Return the sentence an owner reads after an erasure (no address in it)."""
    parts = [
        f"{counts['contacts']} contact row(s) deleted",
        f"{counts['invitations']} invitation(s) blanked",
    ]
    if counts.get("responses_deleted"):
        parts.append(f"{counts['responses_deleted']} response(s) deleted")
    if counts.get("responses_anonymized"):
        parts.append(f"{counts['responses_anonymized']} response(s) kept anonymous")
    if counts.get("suppression_hashed"):
        parts.append("their opt-out kept as a one-way hash")
    return "Person erased: " + ", ".join(parts) + ". The audit log records it."


@login_required
@require_http_methods(["GET", "POST"])
def survey_strip_view(request, survey_id: int):
    """Close and strip identifiers: a confirmation page that says what goes."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.MANAGE)
    form = SurveyStripForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        counts = survey_close_and_strip(
            actor=request.user, survey=survey, via="survey options"
        )
        survey.refresh_from_db(fields=["state"])
        closed = "Survey closed. " if survey.state == survey.State.CLOSED else ""
        messages.success(
            request,
            f"{closed}Identifiers removed from {counts['invitations']} "
            f"invitation(s) and {counts['responses']} response(s); statuses and "
            "counts are unchanged.",
        )
        return redirect(survey_options_url(survey))
    return render(
        request,
        "distributions/survey_strip.html",
        {
            "survey": survey,
            "form": form,
            "preview": survey_strip_preview(user=request.user, survey=survey),
            "options_url": survey_options_url(survey),
        },
    )
