"""Add recipients to an email distribution that has gone out (services/recipients_add.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from directories.selectors import contacts_by_emails
from distributions.selectors.pages import email_distribution_get
from distributions.services.recipients_add import distribution_recipients_add
from surveys.selectors import survey_get


@login_required
@require_POST
def email_recipients_add(request, survey_id: int, pk: int):
    """Contacts of the distribution's list, by address, get their own email."""
    survey = survey_get(user=request.user, pk=survey_id)
    distribution = email_distribution_get(user=request.user, survey=survey, pk=pk)
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
            request,
            f"{added} recipient{'s' if added != 1 else ''} added; "
            "their emails go out now, nobody else is emailed again.",
        )
    if missing:
        messages.warning(
            request,
            f"Not on {distribution.list_name}: {', '.join(missing[:10])}"
            + (" …" if len(missing) > 10 else "")
            + ". Add them to the list first.",
        )
    return redirect(
        "distributions:email_detail", survey_id=survey.pk, pk=distribution.pk
    )
