"""Directories screens: Summary, Segments & lists, a list, contacts, Manual input, opt-outs.

Each asks for its right in the list's team (teams.access): pages VIEW, changes to
lists, contacts and opt-outs EDIT, the contacts' download ANALYSE, deleting a
list MANAGE. The index pages and Create list work in the team of the switcher.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.audit import audit_record
from core.csv_export import csv_download
from core.models import AuditEntry
from directories import selectors
from directories.forms import (
    ContactForm,
    ContactListForm,
    SuppressionForm,
)
from directories.navigation import contact_actions
from directories.selectors import suppressions as suppression_selectors
from directories.selectors.languages import (
    contact_list_unknown_languages,
    contacts_with_language,
)
from directories.services import DirectoryError, lists, suppressions
from teams.access import Right, require
from teams.selectors import current_team

CONTACTS_PER_PAGE = 50


# --- Directories page ---------------------------------------------------------


@login_required
def index(request):
    """The Directories page's Summary tab."""
    team_id = current_team(request).pk
    lists = selectors.contact_list_list(user=request.user, team_id=team_id)
    return render(
        request,
        "directories/index.html",
        {
            "tab": "summary",
            "summary": selectors.directory_summary(user=request.user, team_id=team_id),
            "lists": lists[:5],
        },
    )


@login_required
def list_index(request):
    """The Segments & lists tab, with the Create a list window."""
    return render(
        request,
        "directories/lists.html",
        {
            "tab": "lists",
            "lists": selectors.contact_list_list(
                user=request.user, team_id=current_team(request).pk
            ),
            "form": ContactListForm(),
        },
    )


@login_required
def list_create(request):
    team = current_team(request)
    require(request.user, team.pk, Right.EDIT)
    form = ContactListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_list = lists.contact_list_create(
                owner=request.user, team=team, name=form.cleaned_data["name"]
            )
        except DirectoryError as exc:
            form.add_error("name", exc.message)
        else:
            return redirect("directories:list_detail", pk=contact_list.pk)
    return render(
        request, "directories/list_create.html", {"form": form, "tab": "lists"}
    )


@login_required
def list_detail(request, pk):
    contact_list = selectors.contact_list_get(user=request.user, pk=pk)
    query = request.GET.get("q", "")
    contacts = selectors.contact_search(contact_list=contact_list, query=query)
    # ?language=CODE: the contacts with that Language value (an unknown one's link).
    language = request.GET.get("language", "")[:32]
    if language:
        contacts = contacts_with_language(contacts, code=language)
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "directories/list_detail.html",
        {
            "contact_list": contact_list,
            "page": page,
            "query": query,
            "size": selectors.contact_list_size(contact_list=contact_list),
            "imports": selectors.contact_import_recent(contact_list=contact_list),
            "language": language,
            "unknown_languages": contact_list_unknown_languages(
                contact_list=contact_list
            ),
        },
    )


@login_required
def list_rename(request, pk):
    contact_list = selectors.contact_list_get(
        user=request.user, pk=pk, right=Right.EDIT
    )
    form = ContactListForm(request.POST or None, initial={"name": contact_list.name})
    if request.method == "POST" and form.is_valid():
        try:
            lists.contact_list_rename(
                contact_list=contact_list, name=form.cleaned_data["name"]
            )
        except DirectoryError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("List renamed."))
            return redirect("directories:list_detail", pk=pk)
    return render(
        request,
        "directories/list_rename.html",
        {"form": form, "contact_list": contact_list},
    )


@login_required
def list_delete(request, pk):
    contact_list = selectors.contact_list_get(
        user=request.user, pk=pk, right=Right.MANAGE
    )
    if request.method == "POST":
        name = contact_list.name
        lists.contact_list_delete(contact_list=contact_list)
        messages.success(request, f"List “{name}” deleted.")
        return redirect("directories:lists")
    return render(
        request,
        "directories/list_delete.html",
        {
            "contact_list": contact_list,
            "size": selectors.contact_list_size(contact_list=contact_list),
        },
    )


@login_required
def list_export(request, pk):
    contact_list = selectors.contact_list_get(
        user=request.user, pk=pk, right=Right.ANALYSE
    )
    audit_record(
        actor=request.user,
        team_id=contact_list.team_id,
        action=AuditEntry.Action.CONTACTS_EXPORTED,
        subject=f"list “{contact_list.name}”",
        counts={"contacts": selectors.contact_list_size(contact_list=contact_list)},
    )
    return csv_download(
        f"{_filename(contact_list.name)}.csv",
        selectors.contact_export_header(contact_list=contact_list),
        selectors.contact_export_rows(contact_list=contact_list),
    )


def _filename(name: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")
    return safe or "contacts"


# --- contacts -----------------------------------------------------------------


@login_required
def contact_edit(request, pk, contact_pk):
    contact = selectors.contact_get(
        user=request.user, list_pk=pk, pk=contact_pk, right=Right.EDIT
    )
    contact_list = contact.contact_list
    fields = list(contact_list.embedded_fields)
    for name in contact.embedded_data:
        if name not in fields:
            fields.append(name)
    initial = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "external_reference": contact.external_reference,
        "language": contact.language,
        **{
            f"embedded_{i}": contact.embedded_data.get(name, "")
            for i, name in enumerate(fields)
        },
    }
    form = ContactForm(request.POST or None, initial=initial, embedded_fields=fields)
    if request.method == "POST" and form.is_valid():
        try:
            lists.contact_update(contact=contact, values=form.contact_values())
        except DirectoryError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{contact.email} saved.")
            return redirect("directories:list_detail", pk=pk)
    return render(
        request,
        "directories/contact_edit.html",
        {
            "form": form,
            "contact": contact,
            "contact_list": contact_list,
            "contact_actions": contact_actions(contact),
        },
    )


@login_required
def contact_delete(request, pk, contact_pk):
    contact = selectors.contact_get(
        user=request.user, list_pk=pk, pk=contact_pk, right=Right.EDIT
    )
    if request.method == "POST":
        lists.contact_delete(contact=contact)
        messages.success(request, f"{contact.email} deleted from the list.")
        return redirect("directories:list_detail", pk=pk)
    return render(
        request,
        "directories/contact_delete.html",
        {"contact": contact, "contact_list": contact.contact_list},
    )


# --- Manual input ---------------------------------------------------------------


@login_required
def manual_input(request, pk):
    contact_list = selectors.contact_list_get(
        user=request.user, pk=pk, right=Right.EDIT
    )
    extra_fields = [name.strip() for name in request.POST.getlist("extra_name")]
    rows = []
    errors = {}
    if request.method == "POST":
        firsts = request.POST.getlist("first_name")
        lasts = request.POST.getlist("last_name")
        emails = request.POST.getlist("email")
        extras = [request.POST.getlist(f"extra_{i}") for i in range(len(extra_fields))]
        for index, email in enumerate(emails):
            rows.append(
                {
                    "first_name": _at(firsts, index),
                    "last_name": _at(lasts, index),
                    "email": email,
                    "embedded_data": {
                        name: _at(extras[i], index)
                        for i, name in enumerate(extra_fields)
                        if name
                    },
                }
            )
        added, errors = lists.contacts_add_manual(
            contact_list=contact_list,
            rows=rows,
            extra_fields=[name for name in extra_fields if name],
        )
        if not errors:
            messages.success(
                request,
                f"{added} contact{'s' if added != 1 else ''} added to {contact_list.name}.",
            )
            return redirect("directories:list_detail", pk=pk)
    if not rows:
        rows = [
            {"first_name": "", "last_name": "", "email": "", "embedded_data": {}}
        ] * 3
    table = [
        {
            "number": index + 1,
            "cells": [
                (
                    "first_name",
                    "First name",
                    row["first_name"],
                    errors.get((index, "first_name")),
                ),
                (
                    "last_name",
                    "Last name",
                    row["last_name"],
                    errors.get((index, "last_name")),
                ),
                ("email", "Email", row["email"], errors.get((index, "email"))),
            ],
            "extras": [
                (
                    f"extra_{i}",
                    name,
                    row["embedded_data"].get(name, ""),
                    errors.get((index, f"embedded:{name}")),
                )
                for i, name in enumerate(extra_fields)
            ],
        }
        for index, row in enumerate(rows)
    ]
    return render(
        request,
        "directories/manual_input.html",
        {
            "contact_list": contact_list,
            "table": table,
            "extra_fields": extra_fields,
            "error_count": len(errors),
        },
        status=400 if errors else 200,
    )


def _at(values: list[str], index: int) -> str:
    return values[index] if index < len(values) else ""


# --- suppressions -----------------------------------------------------------------


@login_required
def suppression_index(request):
    """The team's opt-out list (VIEW), and its Add form (EDIT)."""
    team_id = current_team(request).pk
    if request.method == "POST":
        require(request.user, team_id, Right.EDIT)
    form = SuppressionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suppression = suppressions.suppression_add_manual(
                owner=request.user, team_id=team_id, email=form.cleaned_data["email"]
            )
        except DirectoryError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, f"{suppression.email} will not be emailed again.")
            return redirect("directories:suppressions")
    query = request.GET.get("q", "")
    page = Paginator(
        suppression_selectors.suppression_list(
            user=request.user, team_id=team_id, query=query
        ),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "directories/suppressions.html",
        {"tab": "suppressions", "form": form, "page": page, "query": query},
    )


@login_required
@require_POST
def suppression_remove(request, suppression_pk):
    suppression = suppression_selectors.suppression_get(
        user=request.user, pk=suppression_pk, right=Right.EDIT
    )
    suppressions.suppression_remove(suppression=suppression)
    messages.success(request, f"{suppression} removed from the opt-out list.")
    return redirect(reverse("directories:suppressions"))
