"""The Export page of the Responses tab: CSV, Excel or SPSS, text or codes."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from core.csv_export import csv_download
from surveys import selectors
from surveys.exporting.columns import export_count, export_table
from surveys.exporting.writers import csv_header_and_rows
from surveys.forms import ResponseExportForm
from surveys.models import ResponseExport
from surveys.services import exports
from surveys.views.responses import response_filters_from
from teams.access import Right


def _csv(survey, owner, *, coded: bool, filters):
    table = export_table(survey=survey, owner=owner, coded=coded, filters=filters)
    exports.response_export_audit(actor=owner, survey=survey, responses=table.total)
    header, rows = csv_header_and_rows(table)
    name = exports.export_filename(survey=survey, fmt="csv", filtered=filters.active)
    return csv_download(name, header, rows)


@login_required
def response_export(request, pk):
    """The CSV as choice text, streamed (the history pages' kind of link); the
    Responses filter in the query string applies, as on the Export page."""
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.ANALYSE)
    _, filters, _ = response_filters_from(request, survey)
    return _csv(
        survey,
        request.user,
        coded=request.GET.get("values") == "coded",
        filters=filters,
    )


@login_required
@require_http_methods(["GET", "POST"])
def response_export_page(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.ANALYSE)
    # The Responses list's and Summary's filter, from the query string the
    # "Export responses" button carries (and the form posts back to).
    filter_form, filters, query = response_filters_from(request, survey)
    form = ResponseExportForm(request.POST or None)
    count = export_count(survey=survey, filters=filters)
    if request.method == "POST" and form.is_valid():
        fmt = form.cleaned_data["format"]
        coded = form.cleaned_data["values"] == "coded"
        if fmt == "csv":
            return _csv(survey, request.user, coded=coded, filters=filters)
        if count <= exports.export_sync_max():
            return _file_now(request, survey, fmt=fmt, coded=coded, filters=filters)
        export = exports.response_export_queue(
            survey=survey, owner=request.user, fmt=fmt, coded=coded, filters=filters
        )
        return redirect("surveys:response_export_status", survey.pk, export.pk)
    return render(
        request,
        "surveys/response_export.html",
        {
            "survey": survey,
            "active_tab": "responses",
            "form": form,
            "filter_form": filter_form,
            "filters": filters,
            "query": query,
            "count": count,
            "all_count": export_count(survey=survey) if filters.active else count,
            "sync_max": exports.export_sync_max(),
            "recent": ResponseExport.objects.filter(survey=survey, owner=request.user)[
                :6
            ],
        },
    )


def _file_now(request, survey, *, fmt: str, coded: bool, filters):
    """Build a small Excel or SPSS file in the request and send it."""
    # Deleted when the response closes it; on Linux the open file outlives the name.
    handle = tempfile.NamedTemporaryFile(suffix=f".{fmt}")  # noqa: SIM115
    try:
        exports.response_export_write(
            survey=survey,
            owner=request.user,
            fmt=fmt,
            coded=coded,
            path=handle.name,
            filters=filters,
        )
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=exports.export_filename(
            survey=survey, fmt=fmt, filtered=filters.active
        ),
        content_type=exports.CONTENT_TYPES[fmt],
    )


def _export_of(request, pk, export_pk) -> ResponseExport:
    # Asked again at every look and download: a member removed since the export
    # was made gets a 404 for the link they kept.
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.ANALYSE)
    return get_object_or_404(
        ResponseExport, pk=export_pk, survey=survey, owner=request.user
    )


@login_required
def response_export_status(request, pk, export_pk):
    """The progress of a worker's export; htmx asks again until it is done."""
    export = _export_of(request, pk, export_pk)
    template = (
        "surveys/_export_progress.html"
        if request.htmx
        else "surveys/response_export_status.html"
    )
    return render(
        request,
        template,
        {"survey": export.survey, "active_tab": "responses", "export": export},
    )


@login_required
def response_export_file(request, pk, export_pk):
    export = _export_of(request, pk, export_pk)
    path = exports.response_export_path(export)
    if export.status != ResponseExport.Status.DONE or path is None or not path.exists():
        raise Http404("This export is not ready.")
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115  FileResponse closes it
        as_attachment=True,
        filename=exports.export_filename(
            survey=export.survey, fmt=export.format, filtered=bool(export.filters)
        ),
        content_type=exports.CONTENT_TYPES[export.format],
    )
