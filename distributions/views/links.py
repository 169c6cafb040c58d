"""Distributions tab → Personal links: the batches, Generate Links, their CSVs.

Rights (teams.access, through survey_get): the rows need VIEW, Generate Links
(GET too) SEND, the links and history CSVs ANALYSE (audited).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import owner_time_zone
from core.csv_export import csv_download
from core.models import AuditEntry
from directories.selectors import (
    contact_list_get,
    contact_list_list,
    contact_list_opt_out_counts,
)
from distributions.forms.links import GenerateLinksForm
from distributions.models import Distribution
from distributions.selectors.history import history_header, links_csv_source
from distributions.selectors.pages import link_batch_get, link_batch_rows
from distributions.services.audit import download_audit
from distributions.services.links import links_generate
from distributions.views.polling import POLL_GENERATING, rows_poll
from distributions.views.shared import (
    csv_filename,
    history_download,
    tab_context,
)
from surveys.selectors import survey_get
from teams.access import Right


def _rows_context(request, survey) -> dict:
    rows = link_batch_rows(user=request.user, survey=survey)
    generating = any(row.is_generating for row in rows)
    # ?generated=<id>: the batch just made, whose links CSV downloads at once
    # (or, made by the worker, when the polled rows find it ready).
    generated_id = request.GET.get("generated", "")
    generated = next((r for r in rows if str(r.distribution.pk) == generated_id), None)
    return {
        "survey": survey,
        "rows": rows,
        "poll": rows_poll(survey, rows, busy=generating, busy_every=POLL_GENERATING),
        "generated": generated,
        "generated_id": generated.distribution.pk if generated else None,
    }


@login_required
@require_GET
def links_list(request, survey_id: int):
    """Personal links: a row per batch with its counts, and Generate Links."""
    survey = survey_get(user=request.user, pk=survey_id)
    context = {**tab_context(survey, "links"), **_rows_context(request, survey)}
    return render(request, "distributions/links_list.html", context)


@login_required
@require_GET
def links_rows(request, survey_id: int):
    """The rows alone, polled by htmx: progress while generating, live counts."""
    survey = survey_get(user=request.user, pk=survey_id)
    context = {**_rows_context(request, survey), "polled": True}
    return render(request, "distributions/links_rows.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def links_generate_view(request, survey_id: int):
    """Generate Links: Select Contacts, "Select when the link expires", Generate."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.SEND)
    context = tab_context(survey, "links")
    if context["distributable_problem"]:
        return render(request, "distributions/links_generate.html", context, status=409)
    lists = contact_list_list(user=request.user, team_id=survey.team_id)
    zone = owner_time_zone(request.user)
    form_kwargs = {
        "lists": lists,
        "zone": zone,
        "opt_out_counts": contact_list_opt_out_counts(
            user=request.user, team_id=survey.team_id
        ),
    }
    if request.method == "POST":
        form = GenerateLinksForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = links_generate(
                    user=request.user,
                    survey=survey,
                    contact_list=contact_list_get(
                        user=request.user, pk=data["contact_list"].pk
                    ),
                    expires_at=data["expires_at"],
                    sample_size=data["sample_size"],
                    include_opted_out=data["include_opted_out"],
                    request_token=data.get("request_token") or None,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # The page's notice says what was generated and holds the
                # download (the polled rows fill it in when the worker is done).
                url = reverse("distributions:links", kwargs={"survey_id": survey.pk})
                return redirect(f"{url}?generated={batch.pk}")
    else:
        form = GenerateLinksForm(**form_kwargs)
    return render(
        request,
        "distributions/links_generate.html",
        {**context, "form": form, "zone": zone},
    )


@login_required
@require_GET
def links_download(request, survey_id: int, pk: int):
    """Download links: the mail-merge CSV of a batch, again at any time."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.ANALYSE)
    batch = link_batch_get(user=request.user, survey=survey, pk=pk)
    if batch.status == Distribution.Status.GENERATING:
        messages.info(request, _("The links are still being generated."))
        return redirect("distributions:links", survey_id=survey.pk)
    zone = owner_time_zone(request.user)
    download_audit(
        user=request.user,
        distribution=batch,
        action=AuditEntry.Action.LINKS_DOWNLOADED,
    )
    return csv_download(
        csv_filename(batch, zone, "links"),
        history_header(distribution=batch),
        links_csv_source(distribution=batch),
        zone=zone,
    )


@login_required
@require_GET
def links_history(request, survey_id: int, pk: int):
    """Download history: the same columns, with each contact's current status."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.ANALYSE)
    batch = link_batch_get(user=request.user, survey=survey, pk=pk)
    return history_download(batch, owner_time_zone(request.user), request.user)
