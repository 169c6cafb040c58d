"""Directories screens: Summary, Segments & lists, a list, Upload a file, Manual input."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from core.csv_export import csv_download
from directories import selectors, services
from directories.forms import (
    ConfirmImportForm,
    ContactForm,
    ContactListForm,
    SuppressionForm,
    UploadForm,
)
from directories.models import ContactImport
from directories.reader import DELIMITER_NAMES, ENCODING_CHOICES, ImportRefused, sniff

CONTACTS_PER_PAGE = 50
SAMPLE_ROWS = [
    ["Ana", "García", "ana.garcia@example.edu", "U00000001", "ES", "Biology"],
    ["Émile", "Dubois", "emile.dubois@example.edu", "U00000002", "FR", "History"],
    ["Grace", "O'Brien", "grace.obrien@example.edu", "U00000003", "EN", "Physics"],
]


# --- Directories page ---------------------------------------------------------


@login_required
def index(request):
    """The Directories page's Summary tab."""
    return render(
        request,
        "directories/index.html",
        {
            "tab": "summary",
            "summary": selectors.directory_summary(user=request.user),
            "lists": selectors.contact_list_list(user=request.user)[:5],
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
            "lists": selectors.contact_list_list(user=request.user),
            "form": ContactListForm(),
        },
    )


@login_required
def list_create(request):
    form = ContactListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_list = services.contact_list_create(
                owner=request.user, name=form.cleaned_data["name"]
            )
        except services.DirectoryError as exc:
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
        },
    )


@login_required
def list_rename(request, pk):
    contact_list = selectors.contact_list_get(user=request.user, pk=pk)
    form = ContactListForm(request.POST or None, initial={"name": contact_list.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_list_rename(
                contact_list=contact_list, name=form.cleaned_data["name"]
            )
        except services.DirectoryError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, "List renamed.")
            return redirect("directories:list_detail", pk=pk)
    return render(
        request,
        "directories/list_rename.html",
        {"form": form, "contact_list": contact_list},
    )


@login_required
def list_delete(request, pk):
    contact_list = selectors.contact_list_get(user=request.user, pk=pk)
    if request.method == "POST":
        name = contact_list.name
        services.contact_list_delete(contact_list=contact_list)
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
    contact_list = selectors.contact_list_get(user=request.user, pk=pk)
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
    contact = selectors.contact_get(user=request.user, list_pk=pk, pk=contact_pk)
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
            services.contact_update(contact=contact, values=form.contact_values())
        except services.DirectoryError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{contact.email} saved.")
            return redirect("directories:list_detail", pk=pk)
    return render(
        request,
        "directories/contact_edit.html",
        {"form": form, "contact": contact, "contact_list": contact_list},
    )


@login_required
def contact_delete(request, pk, contact_pk):
    contact = selectors.contact_get(user=request.user, list_pk=pk, pk=contact_pk)
    if request.method == "POST":
        services.contact_delete(contact=contact)
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
    contact_list = selectors.contact_list_get(user=request.user, pk=pk)
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
        added, errors = services.contacts_add_manual(
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


# --- Upload a file ----------------------------------------------------------------


class SizeCapUploadHandler(FileUploadHandler):
    """Stop reading an upload as soon as it passes CONTACT_IMPORT_MAX_BYTES."""

    def __init__(self, request=None):
        super().__init__(request)
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.CONTACT_IMPORT_MAX_BYTES:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


@login_required
def sample_template(request):
    return csv_download(
        "contacts-template.csv",
        [
            "FirstName",
            "LastName",
            "Email",
            "ExternalDataReference",
            "Language",
            "Department",
        ],
        SAMPLE_ROWS,
    )


@csrf_exempt
@login_required
def upload(request, pk):
    # The size cap must be installed before anything reads the body, which CSRF's
    # check would do: csrf_protect runs inside, after the handler is in place.
    cap = SizeCapUploadHandler(request)
    request.upload_handlers.insert(0, cap)
    return _upload(request, pk, cap)


@csrf_protect
def _upload(request, pk, cap):
    contact_list = selectors.contact_list_get(user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if cap.exceeded:
            error = services.too_large_message()
        elif form.is_valid():
            try:
                contact_import = services.contact_import_create(
                    owner=request.user,
                    contact_list=contact_list,
                    uploaded_file=form.cleaned_data["file"],
                )
            except ImportRefused as exc:
                error = exc.message
            else:
                return redirect(
                    "directories:import_confirm", pk=pk, import_pk=contact_import.pk
                )
        else:
            error = " ".join(form.errors.get("file", ["Select a file to upload."]))
    return render(
        request,
        "directories/upload.html",
        {
            "contact_list": contact_list,
            "form": UploadForm(),
            "error": error,
            "max_mb": settings.CONTACT_IMPORT_MAX_BYTES // (1024 * 1024),
        },
        status=400 if error else 200,
    )


def _confirm_context(request, contact_import, form, outcome):
    sniffed = None
    try:
        sniffed = sniff(contact_import.stored_path, encoding=contact_import.encoding)
    except ImportRefused as exc:
        if outcome is not None:
            outcome.refused = outcome.refused or exc.message
    return {
        "contact_list": contact_import.contact_list,
        "contact_import": contact_import,
        "form": form,
        "outcome": outcome,
        "sniffed": sniffed,
        "columns": list(
            zip(
                form.column_fields(),
                form.header,
                _columns_preview(sniffed),
                strict=False,
            )
        )
        if sniffed
        else [],
        "detected_encoding": dict(ENCODING_CHOICES).get(
            sniffed.detected_encoding if sniffed else "", ""
        ),
        "delimiter_name": DELIMITER_NAMES.get(contact_import.delimiter, "comma"),
        "large": services.is_large(contact_import),
        "preview_rejections": outcome.rejections[:50] if outcome else [],
    }


def _columns_preview(sniffed):
    return [[row[i] for row in sniffed.preview] for i in range(len(sniffed.header))]


def _confirm_form(contact_import, data=None):
    try:
        header = sniff(
            contact_import.stored_path, encoding=contact_import.encoding
        ).header
    except ImportRefused:
        header = []
    initial = {
        "encoding": contact_import.encoding,
        "on_duplicate": contact_import.on_duplicate,
        "skip_invalid": contact_import.skip_invalid,
        **{
            f"col_{i}": contact_import.mapping.get(str(i), "ignore")
            for i in range(len(header))
        },
    }
    return ConfirmImportForm(data, initial=initial, header=header)


@login_required
def import_confirm(request, pk, import_pk):
    """Confirm import fields: mapping, preview, counts, then Upload the file."""
    contact_import = selectors.contact_import_get(
        user=request.user, list_pk=pk, pk=import_pk
    )
    if contact_import.status not in (
        ContactImport.Status.UPLOADED,
        ContactImport.Status.FAILED,
    ):
        return redirect("directories:import_detail", pk=pk, import_pk=import_pk)
    form = _confirm_form(contact_import, request.POST or None)
    if request.method == "POST" and form.is_valid():
        encoding_changed = form.cleaned_data["encoding"] != contact_import.encoding
        try:
            services.contact_import_configure(
                contact_import=contact_import,
                encoding=form.cleaned_data["encoding"],
                mapping=form.mapping(),
                on_duplicate=form.cleaned_data["on_duplicate"],
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except ImportRefused as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        if encoding_changed or request.POST.get("action") != "upload":
            # Show the counts for the new choices before anything is imported.
            return redirect(request.path)
        services.contact_import_start(contact_import=contact_import)
        return redirect("directories:import_detail", pk=pk, import_pk=import_pk)
    # A big file takes seconds to count: the page comes first, the counts follow.
    outcome = (
        None
        if contact_import.size_bytes > settings.CONTACT_IMPORT_INLINE_COUNT_BYTES
        else services.contact_import_analyse(contact_import=contact_import)
    )
    return render(
        request,
        "directories/import_confirm.html",
        _confirm_context(request, contact_import, form, outcome),
        status=400 if form.is_bound else 200,
    )


@login_required
def import_counts(request, pk, import_pk):
    """The counts of Confirm import fields, loaded after the page for big files."""
    contact_import = selectors.contact_import_get(
        user=request.user, list_pk=pk, pk=import_pk
    )
    outcome = services.contact_import_analyse(contact_import=contact_import)
    return render(
        request,
        "directories/_import_counts.html",
        {
            "outcome": outcome,
            "preview_rejections": outcome.rejections[:50],
            "contact_import": contact_import,
        },
    )


@login_required
def import_detail(request, pk, import_pk):
    """Progress while importing, then the result with the rejected rows."""
    contact_import = selectors.contact_import_get(
        user=request.user, list_pk=pk, pk=import_pk
    )
    contact_import = services.contact_import_recover(contact_import=contact_import)
    running = contact_import.status in (
        ContactImport.Status.QUEUED,
        ContactImport.Status.IMPORTING,
    )
    if request.htmx and not running:
        return HttpResponseClientRefresh()
    template = (
        "directories/_import_progress.html"
        if request.htmx
        else "directories/import_detail.html"
    )
    return render(
        request,
        template,
        {
            "contact_list": contact_import.contact_list,
            "contact_import": contact_import,
            "running": running,
            "percent": _percent(contact_import),
            "rejections": contact_import.rejections[:200],
        },
    )


def _percent(contact_import) -> int:
    if contact_import.status == ContactImport.Status.DONE:
        return 100
    if not contact_import.rows_total:
        return 0
    return min(99, int(100 * contact_import.rows_done / contact_import.rows_total))


@login_required
def import_rejections(request, pk, import_pk):
    contact_import = selectors.contact_import_get(
        user=request.user, list_pk=pk, pk=import_pk
    )
    return csv_download(
        f"rejected-rows-{contact_import.pk}.csv",
        ["Line", "Column", "Reason"],
        (
            [item["line"], item["column"], item["reason"]]
            for item in contact_import.rejections
        ),
    )


# --- suppressions -----------------------------------------------------------------


@login_required
def suppression_index(request):
    form = SuppressionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suppression = services.suppression_add_manual(
                owner=request.user, email=form.cleaned_data["email"]
            )
        except services.DirectoryError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, f"{suppression.email} will not be emailed again.")
            return redirect("directories:suppressions")
    query = request.GET.get("q", "")
    page = Paginator(
        selectors.suppression_list(user=request.user, query=query), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "directories/suppressions.html",
        {"tab": "suppressions", "form": form, "page": page, "query": query},
    )


@login_required
@require_POST
def suppression_remove(request, suppression_pk):
    suppression = selectors.suppression_get(user=request.user, pk=suppression_pk)
    services.suppression_remove(suppression=suppression)
    messages.success(request, f"{suppression.email} removed from the opt-out list.")
    return redirect(reverse("directories:suppressions"))
