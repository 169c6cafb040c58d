"""Upload a file: a contact import from the stored upload to its contacts.

Create, configure (Confirm import fields), analyse, start (in the request, or by
the `directories.import_contacts` task when large), run and recover. The reading
is reader.py's, the analysis and the writing importing.py's.
"""

import logging
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEntry
from core.queue import enqueue, enqueue_now, queue_is_idle
from directories.importing import ImportOutcome, ProgressReporter, analyse, process_file
from directories.models import ContactImport, ContactList
from directories.reader import ImportRefused, guess_mapping, sniff
from directories.services import DirectoryError
from teams import access
from teams.access import Right

logger = logging.getLogger(__name__)


def import_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "contact_imports"


def contact_import_create(
    *, owner, contact_list: ContactList, uploaded_file=None, path=None, name: str = ""
) -> ContactImport:
    """Store an uploaded file (or point at a local one) and detect how to read it.

    Raise ImportRefused when the file is too large, not text or has no Email column.
    """
    limit = settings.CONTACT_IMPORT_MAX_BYTES
    if uploaded_file is not None:
        if uploaded_file.size > limit:
            raise ImportRefused(too_large_message())
        directory = import_directory()
        directory.mkdir(parents=True, exist_ok=True)
        stored = directory / f"{uuid.uuid4().hex}.csv"
        with open(stored, "wb") as out:
            for chunk in uploaded_file.chunks():
                out.write(chunk)
        name = uploaded_file.name
    else:
        stored = Path(path).resolve()
        if stored.stat().st_size > limit:
            raise ImportRefused(too_large_message())
    try:
        sniffed = sniff(stored)
    except ImportRefused:
        if uploaded_file is not None:
            stored.unlink(missing_ok=True)
        raise
    return ContactImport.objects.create(
        owner=owner,
        team_id=contact_list.team_id,
        contact_list=contact_list,
        original_name=(name or stored.name)[:255],
        stored_path=str(stored),
        size_bytes=stored.stat().st_size,
        encoding=sniffed.encoding,
        delimiter=sniffed.delimiter,
        mapping={str(i): t for i, t in enumerate(guess_mapping(sniffed.header))},
    )


def too_large_message() -> str:
    limit_mb = settings.CONTACT_IMPORT_MAX_BYTES / (1024 * 1024)
    return (
        f"The file is larger than the {limit_mb:g} MB limit. Split it into smaller "
        "files and upload each."
    )


def contact_import_configure(
    *,
    contact_import: ContactImport,
    encoding: str,
    mapping: dict[str, str] | None,
    on_duplicate: str,
    skip_invalid: bool,
) -> ContactImport:
    """Save the Confirm import fields choices. A new encoding re-reads the header."""
    if contact_import.status not in (
        ContactImport.Status.UPLOADED,
        ContactImport.Status.FAILED,
    ):
        raise DirectoryError("This file is already being imported.")
    if encoding != contact_import.encoding:
        sniffed = sniff(contact_import.stored_path, encoding=encoding)
        contact_import.encoding = sniffed.encoding
        contact_import.delimiter = sniffed.delimiter
        mapping = {str(i): t for i, t in enumerate(guess_mapping(sniffed.header))}
    if mapping is not None:
        contact_import.mapping = mapping
    contact_import.on_duplicate = on_duplicate
    contact_import.skip_invalid = skip_invalid
    contact_import.save(
        update_fields=[
            "encoding",
            "delimiter",
            "mapping",
            "on_duplicate",
            "skip_invalid",
        ]
    )
    return contact_import


def contact_import_analyse(*, contact_import: ContactImport) -> ImportOutcome:
    """Return the counts the import would produce now, and remember the row count."""
    outcome = analyse(contact_import)
    if outcome.rows_total and outcome.rows_total != contact_import.rows_total:
        contact_import.rows_total = outcome.rows_total
        contact_import.save(update_fields=["rows_total"])
    return outcome


def contact_import_start(*, contact_import: ContactImport, starter=None) -> bool:
    """Queue the import (once, whatever the number of clicks) and run or enqueue it.

    `starter`, the member who pressed Upload the file, becomes the import's
    `owner`: the one whose right to edit the team's lists the run checks.
    Return False when the import had already been started.
    """
    starter_id = {"owner_id": starter.pk} if starter is not None else {}
    claimed = ContactImport.objects.filter(
        pk=contact_import.pk,
        status__in=[ContactImport.Status.UPLOADED, ContactImport.Status.FAILED],
    ).update(
        **starter_id,
        # started_at: when it was queued, until a worker claims it (the sweep
        # re-enqueues an import queued too long ago: its task was lost).
        status=ContactImport.Status.QUEUED,
        rows_done=0,
        error="",
        started_at=timezone.now(),
    )
    if not claimed:
        # Nothing got updated: a second click, or another tab got there first.
        return False
    if is_large(contact_import):
        # on_commit (enqueue's): the worker must see the queued row.
        enqueue("directories.import_contacts", contact_import.pk)
    else:
        contact_import_run(contact_import_id=contact_import.pk)
    return True


def is_large(contact_import: ContactImport) -> bool:
    threshold = settings.CONTACT_IMPORT_ASYNC_ROWS
    if contact_import.rows_total:
        return contact_import.rows_total > threshold
    # Not analysed yet: about 80 bytes a row.
    return contact_import.size_bytes > threshold * 80


def contact_import_run(
    *, contact_import_id: int, progress: bool = True
) -> ImportOutcome | None:
    """Import a queued file. Return None when another process claimed it first.

    The member who started it must still be allowed to edit the list's team
    (removed or demoted since it was queued: the import fails, writing nothing).
    """
    claimed = ContactImport.objects.filter(
        pk=contact_import_id, status=ContactImport.Status.QUEUED
    ).update(status=ContactImport.Status.IMPORTING, started_at=timezone.now())
    if not claimed:
        return None
    contact_import = ContactImport.objects.select_related("contact_list").get(
        pk=contact_import_id
    )
    refused = _starter_refusal(contact_import)
    if refused:
        ContactImport.objects.filter(pk=contact_import_id).update(
            status=ContactImport.Status.FAILED,
            error=refused,
            finished_at=timezone.now(),
        )
        return ImportOutcome(refused=refused)
    reporter = ProgressReporter(contact_import_id) if progress else None
    try:
        with transaction.atomic():
            # The import's commit need not wait for the WAL flush: a crash in the
            # next instant loses the whole transaction, list and status together,
            # which leaves the list as it was (and the import to run again).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            try:
                # A savepoint: a refusal raised mid-COPY aborts what it wrapped.
                with transaction.atomic():
                    outcome = process_file(
                        contact_import, write=True, progress=reporter
                    )
            except ImportRefused as exc:
                outcome = ImportOutcome(refused=exc.message)
            contact_import.rows_total = outcome.rows_total
            contact_import.rows_done = outcome.rows_total
            contact_import.added = outcome.added
            contact_import.updated = outcome.updated
            contact_import.duplicates = outcome.duplicates
            contact_import.rejected = outcome.rejected
            contact_import.rejections = outcome.rejections
            contact_import.error = outcome.refused
            contact_import.status = (
                ContactImport.Status.DONE
                if outcome.written
                else ContactImport.Status.FAILED
            )
            contact_import.finished_at = timezone.now()
            contact_import.save()
            if outcome.written:
                _audit_imported(contact_import)
    except Exception:
        ContactImport.objects.filter(pk=contact_import_id).update(
            status=ContactImport.Status.FAILED,
            error="The import stopped on an unexpected error; nothing was imported.",
            finished_at=timezone.now(),
        )
        raise
    finally:
        if reporter is not None:
            reporter.close()
    if outcome.written and contact_import.stored_path.startswith(
        str(import_directory())
    ):
        Path(contact_import.stored_path).unlink(missing_ok=True)
    return outcome


def _audit_imported(contact_import: ContactImport) -> None:
    # In the import's transaction: an import rolled back leaves no entry.
    audit_record(
        actor=contact_import.owner,
        team_id=contact_import.team_id,
        action=AuditEntry.Action.CONTACTS_IMPORTED,
        subject=contact_import.contact_list.name,
        counts={
            "added": contact_import.added,
            "updated": contact_import.updated,
            "rejected": contact_import.rejected,
        },
    )


STARTER_REFUSED = (
    "The import was refused: the member who started it is no longer allowed to "
    "edit this team's lists. Nothing was imported."
)


def _starter_refusal(contact_import: ContactImport) -> str:
    """Return why the import's starter may not run it now, or ""."""
    # Loaded afresh, memberships and all: in a worker the starter may have been
    # removed from the team (or demoted) since the import was queued.
    starter = get_user_model().objects.filter(pk=contact_import.owner_id).first()
    try:
        access.require(starter, contact_import.contact_list.team_id, Right.EDIT)
    except (Http404, PermissionDenied):
        return STARTER_REFUSED
    return ""


INTERRUPTED = (
    "The import was interrupted before it finished; nothing was imported. "
    "Check the choices and press Upload the file again."
)


def contact_import_recover(*, contact_import: ContactImport, grace_seconds: int = 60):
    """Mark an import whose worker died as failed, so the owner can start it again.

    A running import holds a lock on its list for its whole transaction; a claim
    older than the grace period whose list is not locked has lost its process (and
    its transaction, so the list is as it was).
    """
    if contact_import.status != ContactImport.Status.IMPORTING:
        return contact_import
    started = contact_import.started_at
    if started is None or (timezone.now() - started).total_seconds() < grace_seconds:
        return contact_import
    with transaction.atomic():
        unlocked = (
            ContactList.objects.select_for_update(skip_locked=True)
            .filter(pk=contact_import.contact_list_id)
            .exists()
        )
        if unlocked:
            ContactImport.objects.filter(
                pk=contact_import.pk, status=ContactImport.Status.IMPORTING
            ).update(
                status=ContactImport.Status.FAILED,
                error=INTERRUPTED,
                finished_at=timezone.now(),
            )
    contact_import.refresh_from_db()
    return contact_import


def contact_imports_sweep(*, grace_seconds: int = 60, requeue_after=None) -> dict:
    """Recover imports nobody is looking at (the periodic directories.sweep_imports).

    An import left "importing" by a dead worker (its claim older than
    grace_seconds and its list no longer locked by its transaction) is marked
    failed (contact_import_recover): its transaction died with it, so nothing of
    it is visible, and the owner runs it again from Confirm import fields. It is
    not restarted on its own: a file that kills its worker would do so forever.
    An import queued longer than requeue_after ago (IMPORT_REQUEUE_AFTER) whose
    task never ran (lost with a killed worker or a flushed broker) is enqueued
    again when the queue is empty, or regardless after ten times that; a
    duplicate task is harmless (the queued → importing claim runs it once).
    """
    now = timezone.now()
    requeue_after = requeue_after or timedelta(seconds=settings.IMPORT_REQUEUE_AFTER)
    failed = 0
    stale = ContactImport.objects.filter(
        status=ContactImport.Status.IMPORTING,
        started_at__lt=now - timedelta(seconds=grace_seconds),
    )
    for contact_import in stale:
        recovered = contact_import_recover(
            contact_import=contact_import, grace_seconds=grace_seconds
        )
        failed += recovered.status == ContactImport.Status.FAILED
    overdue = now - requeue_after * (1 if queue_is_idle() else 10)
    requeued = []
    for pk in ContactImport.objects.filter(
        status=ContactImport.Status.QUEUED, started_at__lt=overdue
    ).values_list("pk", flat=True):
        # Conditional: a worker that claimed it meanwhile keeps its started_at.
        if ContactImport.objects.filter(
            pk=pk, status=ContactImport.Status.QUEUED, started_at__lt=overdue
        ).update(started_at=now):
            enqueue_now("directories.import_contacts", pk)
            requeued.append(pk)
    if failed or requeued:
        logger.warning(
            "import sweep: %s interrupted imports failed, %s requeued",
            failed,
            len(requeued),
        )
    return {"failed": failed, "requeued": len(requeued)}
