"""Add recipients to an email distribution or a personal-links batch that has
gone out (services/recipients_add.py), by the addresses of contacts on its list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from directories.selectors import contacts_by_emails
from distributions.models import Distribution
from distributions.selectors.pages import email_distribution_get, link_batch_get
from distributions.services.recipients_add import distribution_recipients_add
from distributions.views.shared import tab_context
from surveys.selectors import survey_get
from teams.access import Right


def _add_by_addresses(request, distribution: Distribution, done: str) -> None:
    """Add the contacts of the distribution's list whose addresses were posted,
    and say what happened (`done` ends the success message)."""
    addresses = request.POST.get("emails", "").replace(",", "\n").split("\n")
    wanted = {a.strip().lower() for a in addresses if a.strip()}
    contacts = (
        contacts_by_emails(contact_list=distribution.contact_list, emails=wanted)
        if distribution.contact_list
        else []
    )
    missing = sorted(wanted - {c.email.lower() for c in contacts})
    try:
        added = distribution_recipients_add(
            user=request.user, distribution=distribution, contacts=contacts
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{added} recipient{'s' if added != 1 else ''} added; {done}"
        )
    if missing:
        messages.warning(
            request,
            f"Not on {distribution.list_name}: {', '.join(missing[:10])}"
            + (" …" if len(missing) > 10 else "")
            + ". Add them to the list first.",
        )


@login_required
@require_POST
def email_recipients_add(request, survey_id: int, pk: int):
    """Contacts of the distribution's list, by address, get their own email."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.SEND)
    distribution = email_distribution_get(user=request.user, survey=survey, pk=pk)
    _add_by_addresses(
        request,
        distribution,
        "their emails go out now, nobody else is emailed again.",
    )
    return redirect(
        "distributions:email_detail", survey_id=survey.pk, pk=distribution.pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def links_recipients_add(request, survey_id: int, pk: int):
    """Contacts of the batch's list, by address, get their own link in it (no
    email: the owner sends links batches themselves); nobody else's changes."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.SEND)
    batch = link_batch_get(user=request.user, survey=survey, pk=pk)
    if request.method == "POST":
        _add_by_addresses(
            request,
            batch,
            "their links are in this batch's Download links CSV; "
            "nobody else's link changed.",
        )
        return redirect("distributions:links", survey_id=survey.pk)
    return render(
        request,
        "distributions/links_recipients_add.html",
        {**tab_context(survey, "links"), "distribution": batch},
    )
