"""Upload a file → Confirm import fields → Upload the file, and the import's progress.

Uploading and confirming need EDIT in the list's team, the progress page VIEW, the
rejected rows' download ANALYSE (teams.access).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from core.csv_export import csv_download
from core.middleware import reads_own_body
from directories import selectors
from directories.forms import (
    ConfirmImportForm,
    UploadForm,
)
from directories.models import ContactImport
from directories.reader import DELIMITER_NAMES, ENCODING_CHOICES, ImportRefused, sniff
from directories.services import DirectoryError, imports
from teams.access import Right

SAMPLE_ROWS = [
    ["Ana", "García", "ana.garcia@example.edu", "U00000001", "ES", "Biology"],
    ["Émile", "Dubois", "emile.dubois@example.edu", "U00000002", "FR", "History"],
    ["Grace", "O'Brien", "grace.obrien@example.edu", "U00000003", "EN", "Physics"],
]


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


@reads_own_body
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
    contact_list = selectors.contact_list_get(
        user=request.user, pk=pk, right=Right.EDIT
    )
    error = ""
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if cap.exceeded:
            error = imports.too_large_message()
        elif form.is_valid():
            try:
                contact_import = imports.contact_import_create(
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
        "large": imports.is_large(contact_import),
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
        user=request.user, list_pk=pk, pk=import_pk, right=Right.EDIT
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
            imports.contact_import_configure(
                contact_import=contact_import,
                encoding=form.cleaned_data["encoding"],
                mapping=form.mapping(),
                on_duplicate=form.cleaned_data["on_duplicate"],
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except ImportRefused as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        except DirectoryError:
            # Started meanwhile from another tab: show its progress.
            return redirect("directories:import_detail", pk=pk, import_pk=import_pk)
        if encoding_changed or request.POST.get("action") != "upload":
            # Show the counts for the new choices before anything is imported.
            return redirect(request.path)
        imports.contact_import_start(
            contact_import=contact_import, starter=request.user
        )
        return redirect("directories:import_detail", pk=pk, import_pk=import_pk)
    # A big file takes seconds to count: the page comes first, the counts follow.
    outcome = (
        None
        if contact_import.size_bytes > settings.CONTACT_IMPORT_INLINE_COUNT_BYTES
        else imports.contact_import_analyse(contact_import=contact_import)
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
        user=request.user, list_pk=pk, pk=import_pk, right=Right.EDIT
    )
    if contact_import.status not in (
        ContactImport.Status.UPLOADED,
        ContactImport.Status.FAILED,
    ):
        # Imported meanwhile (another tab): its file is gone, its result is the answer.
        detail = reverse("directories:import_detail", args=[pk, import_pk])
        if request.htmx:
            return HttpResponseClientRedirect(detail)
        return redirect(detail)
    outcome = imports.contact_import_analyse(contact_import=contact_import)
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
    if contact_import.status == ContactImport.Status.UPLOADED:
        return redirect("directories:import_confirm", pk=pk, import_pk=import_pk)
    contact_import = imports.contact_import_recover(contact_import=contact_import)
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
        user=request.user, list_pk=pk, pk=import_pk, right=Right.ANALYSE
    )
    return csv_download(
        f"rejected-rows-{contact_import.pk}.csv",
        ["Line", "Column", "Reason"],
        (
            [item["line"], item["column"], item["reason"]]
            for item in contact_import.rejections
        ),
    )
