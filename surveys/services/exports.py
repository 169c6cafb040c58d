"""Building responses exports as files: in the request when small, else by a worker.

A CSV always streams (surveys.views.exports). Excel and SPSS files are built whole
(a zip, a data frame), so up to SURVEYS_EXPORT_SYNC_MAX responses they are built in
the request into a temporary file; past it a ResponseExport row is queued, the
`surveys.build_response_export` task writes the file under
MEDIA_ROOT/response_exports/ while counting rows into the row (the progress bar),
and the member who asked (ResponseExport.owner) downloads it when it is done.

Every export needs the right to ANALYSE the survey's team's data (teams.access):
the views ask it, the worker asks it again of the requester as the database has
them when it runs, and the download asks it again. Each export built leaves an
audit entry (who, which survey, how many responses; never an answer).
"""

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from core.audit import audit_record
from core.models import AuditEntry
from core.queue import enqueue
from core.tokens import new_token
from surveys.exporting.columns import export_count, export_table
from surveys.exporting.sav import write_sav
from surveys.exporting.writers import write_csv_file
from surveys.exporting.xlsx import write_xlsx
from surveys.models import ResponseExport, Survey
from surveys.response_filters import ResponseFilter
from teams import access
from teams.access import Right

logger = logging.getLogger(__name__)

Format = ResponseExport.Format
CONTENT_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.SAV: "application/x-spss-sav",
}
# Exports kept per survey, owner and format: older files are removed.
KEEP_PER_FORMAT = 3


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "response_exports"


def export_filename(*, survey: Survey, fmt: str, filtered: bool = False) -> str:
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    name = slugify(survey.title)[:60] or "survey"
    kind = "responses-filtered" if filtered else "responses"
    return f"{name}-{kind}-{stamp}.{fmt}"


def export_sync_max() -> int:
    return getattr(settings, "SURVEYS_EXPORT_SYNC_MAX", 5000)


def response_export_write(
    *,
    survey: Survey,
    owner,
    fmt: str,
    coded: bool,
    path,
    filters: ResponseFilter | None = None,
    progress=None,
) -> None:
    """Write the survey's responses export (those `filters` selects) to `path`,
    for `owner` (the member who asked: their time zone, their audit entry)."""
    table = export_table(survey=survey, owner=owner, coded=coded, filters=filters)
    if fmt == Format.XLSX:
        write_xlsx(path, table, coded=coded, progress=progress)
    elif fmt == Format.SAV:
        write_sav(path, table, coded=coded, progress=progress)
    else:
        write_csv_file(path, table, progress=progress)
    response_export_audit(actor=owner, survey=survey, responses=table.total)


def response_export_audit(*, actor, survey: Survey, responses: int) -> None:
    """Record in the team's audit trail that `actor` exported the survey's
    responses: how many, never what they say."""
    audit_record(
        actor=actor,
        team_id=survey.team_id,
        action=AuditEntry.Action.RESPONSES_EXPORTED,
        subject=survey.title,
        counts={"responses": responses},
    )


def response_export_queue(
    *,
    survey: Survey,
    owner,
    fmt: str,
    coded: bool,
    filters: ResponseFilter | None = None,
) -> ResponseExport:
    """Record an export for a worker to build and enqueue it; prune older ones."""
    filters = filters or ResponseFilter()
    export = ResponseExport.objects.create(
        survey=survey,
        owner=owner,
        team_id=survey.team_id,
        format=fmt,
        coded=coded,
        filters=filters.to_dict(),
        rows_total=export_count(survey=survey, filters=filters),
    )
    older = ResponseExport.objects.filter(
        survey=survey, owner=owner, format=fmt
    ).order_by("-created_at", "-id")[KEEP_PER_FORMAT:]
    for stale in list(older):
        response_export_delete(export=stale)
    enqueue("surveys.build_response_export", export.pk)
    return export


def response_export_path(export: ResponseExport) -> Path | None:
    if not export.stored_name:
        return None
    return export_dir() / export.stored_name


def response_export_delete(*, export: ResponseExport) -> None:
    path = response_export_path(export)
    if path is not None:
        path.unlink(missing_ok=True)
    export.delete()


def export_stuck_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "SURVEYS_EXPORT_STUCK_AFTER", 600))


def response_export_run(*, export_id: int) -> None:
    """Build a queued export; the queued → running claim makes a redelivery harmless.

    The task is acks_late, so a worker killed mid-export has its message delivered
    again: an export running without progress for SURVEYS_EXPORT_STUCK_AFTER is
    claimed again and built from the start.
    """
    now = timezone.now()
    claimed = (
        ResponseExport.objects.filter(pk=export_id)
        .filter(
            Q(status=ResponseExport.Status.QUEUED)
            | Q(
                status=ResponseExport.Status.RUNNING,
                progress_at__lt=now - export_stuck_after(),
            )
        )
        .update(status=ResponseExport.Status.RUNNING, progress_at=now, rows_done=0)
    )
    if not claimed:
        return
    # The requester as the database has them now: a member removed (or no longer
    # allowed to analyse) since they asked gets nothing built.
    export = ResponseExport.objects.select_related("survey", "owner").get(pk=export_id)
    rows = ResponseExport.objects.filter(pk=export_id)
    if not (
        export.owner.is_active
        and access.can(export.owner, export.survey.team_id, Right.ANALYSE)
    ):
        rows.update(
            status=ResponseExport.Status.FAILED,
            error=(
                "Refused: the member who asked for this export may no longer "
                "export this team's responses."
            ),
            finished_at=timezone.now(),
        )
        logger.info("response export %s refused: requester lost access", export_id)
        return
    export_dir().mkdir(parents=True, exist_ok=True)
    stored_name = f"{new_token(18)}.{export.format}"
    path = export_dir() / stored_name

    def progress(done: int) -> None:
        rows.update(rows_done=done, progress_at=timezone.now())

    try:
        response_export_write(
            survey=export.survey,
            owner=export.owner,
            fmt=export.format,
            coded=export.coded,
            path=path,
            filters=ResponseFilter.from_dict(export.filters),
            progress=progress,
        )
    except Exception as error:
        logger.exception("response export %s failed", export_id)
        path.unlink(missing_ok=True)
        rows.update(
            status=ResponseExport.Status.FAILED,
            error=f"The export could not be built ({type(error).__name__}).",
            finished_at=timezone.now(),
        )
        return
    with transaction.atomic():
        rows.update(
            status=ResponseExport.Status.DONE,
            stored_name=stored_name,
            finished_at=timezone.now(),
        )
