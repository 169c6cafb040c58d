"""Writes to directories data."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from core.queue import enqueue
from directories.importing import ImportOutcome, ProgressReporter, analyse, process_file
from directories.models import Contact, ContactImport, ContactList, Suppression
from directories.reader import (
    EMBEDDED_MAX_LENGTH,
    MAX_LENGTHS,
    ImportRefused,
    guess_mapping,
    sniff,
)


@transaction.atomic
def suppression_add(
    *, owner, email: str, reason: str = Suppression.Reason.MANUAL
) -> bool:
    """Suppress an address for this owner; return False if it already was.

    Used by distributions for unsubscribes and hard bounces.
    """
    email = email.strip()
    if Suppression.objects.filter(owner=owner, email__iexact=email).exists():
        return False
    # The unique constraint on (owner, lower(email)) settles a concurrent double add.
    _, created = Suppression.objects.get_or_create(
        owner=owner, email=email, defaults={"reason": reason}
    )
    return created


# --- lists and contacts ---------------------------------------------------------


class DirectoryError(Exception):
    """A write the owner asked for that cannot be done; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _check_list_name(*, owner, name: str, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise DirectoryError("Enter a list name.")
    if len(name) > ContactList._meta.get_field("name").max_length:
        raise DirectoryError("The list name is too long (at most 200 characters).")
    taken = ContactList.objects.filter(owner=owner, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DirectoryError(f"You already have a list named “{name}”.")
    return name


def contact_list_create(*, owner, name: str) -> ContactList:
    name = _check_list_name(owner=owner, name=name)
    try:
        with transaction.atomic():
            return ContactList.objects.create(owner=owner, name=name)
    except IntegrityError as exc:
        # Two tabs creating the same name at once: the unique constraint decides.
        raise DirectoryError(f"You already have a list named “{name}”.") from exc


def contact_list_rename(*, contact_list: ContactList, name: str) -> ContactList:
    name = _check_list_name(
        owner=contact_list.owner, name=name, exclude_pk=contact_list.pk
    )
    contact_list.name = name
    try:
        with transaction.atomic():
            contact_list.save(update_fields=["name", "updated_at"])
    except IntegrityError as exc:
        raise DirectoryError(f"You already have a list named “{name}”.") from exc
    return contact_list


@transaction.atomic
def contact_list_delete(*, contact_list: ContactList) -> None:
    """Delete a list and its contacts, in a few statements whatever its size.

    Django's cascade would load every contact id (a million for a big list) to
    honour the SET_NULL of rows that point at contacts; one UPDATE per such
    relation and one DELETE do the same work in the database.
    """
    paths = list(contact_list.imports.values_list("stored_path", flat=True))
    if _detach_contacts(contact_list):
        Contact.objects.filter(contact_list=contact_list)._raw_delete(
            Contact.objects.db
        )
    contact_list.delete()
    transaction.on_commit(lambda: _remove_files(paths))


def _detach_contacts(contact_list: ContactList) -> bool:
    """SET NULL every reference to the list's contacts; False if one must cascade."""
    relations = [
        relation
        for relation in Contact._meta.get_fields(include_hidden=True)
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
    ]
    if any(relation.on_delete is not models.SET_NULL for relation in relations):
        return False
    for relation in relations:
        name = relation.field.name
        relation.related_model._base_manager.filter(
            **{f"{name}__contact_list": contact_list}
        ).update(**{name: None})
    return True


def _remove_files(paths):
    for path in paths:
        if path and str(path).startswith(str(import_directory())):
            Path(path).unlink(missing_ok=True)


def contact_values_errors(
    *, contact_list: ContactList, values: dict, exclude_pk: int | None = None
) -> dict[str, str]:
    """Return {field: message} for one contact's values, by the import's rules."""
    errors = {}
    for name, limit in MAX_LENGTHS.items():
        value = values.get(name) or ""
        if len(value) > limit:
            errors[name] = f"Too long: {len(value)} characters, at most {limit}."
    email = (values.get("email") or "").strip()
    if "email" not in errors:
        if not email:
            errors["email"] = "Email is missing."
        else:
            try:
                EmailValidator()(email)
            except ValidationError:
                errors["email"] = f"{email!r} is not a valid email address."
    if "email" not in errors:
        taken = contact_list.contacts.filter(email__iexact=email)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["email"] = f"{email} is already in this list."
    for name, value in (values.get("embedded_data") or {}).items():
        if len(value) > EMBEDDED_MAX_LENGTH:
            errors[f"embedded:{name}"] = (
                f"Too long: {len(value)} characters, at most {EMBEDDED_MAX_LENGTH}."
            )
    return errors


def contact_update(*, contact: Contact, values: dict) -> Contact:
    """Save edited values; raise DirectoryError listing the problems."""
    errors = contact_values_errors(
        contact_list=contact.contact_list, values=values, exclude_pk=contact.pk
    )
    if errors:
        raise DirectoryError(" ".join(errors.values()))
    for name in ("first_name", "last_name", "external_reference", "language"):
        setattr(contact, name, values.get(name) or "")
    contact.email = values["email"].strip()
    contact.embedded_data = {
        **contact.embedded_data,
        **(values.get("embedded_data") or {}),
    }
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:
        raise DirectoryError(f"{contact.email} is already in this list.") from exc
    return contact


def contact_delete(*, contact: Contact) -> None:
    contact.delete()


def contacts_add_manual(
    *, contact_list: ContactList, rows: list[dict], extra_fields: list[str]
) -> tuple[int, dict[tuple[int, str], str]]:
    """Add the rows typed into Manual input, all or none.

    Each row is {"first_name", "last_name", "email", "embedded_data": {...}}; rows
    with every cell empty are ignored. Return (added, errors) where errors maps
    (row index, field) to a message; when there are errors nothing is saved.
    """
    errors: dict[tuple[int, str], str] = {}
    seen: dict[str, int] = {}
    to_add = []
    for index, values in enumerate(rows):
        cells = [values.get(n) or "" for n in ("first_name", "last_name", "email")]
        cells += list((values.get("embedded_data") or {}).values())
        if not any(cell.strip() for cell in cells):
            continue
        row_errors = contact_values_errors(contact_list=contact_list, values=values)
        email = (values.get("email") or "").strip()
        if "email" not in row_errors and email.lower() in seen:
            row_errors["email"] = (
                f"{email} is already in row {seen[email.lower()] + 1} above."
            )
        seen.setdefault(email.lower(), index)
        for name, message in row_errors.items():
            errors[(index, name)] = message
        to_add.append(values)
    if errors:
        return 0, errors
    if not to_add:
        return 0, {(0, "email"): "Type at least one contact."}
    with transaction.atomic():
        locked = ContactList.objects.select_for_update().get(pk=contact_list.pk)
        Contact.objects.bulk_create(
            Contact(
                contact_list=locked,
                first_name=values.get("first_name") or "",
                last_name=values.get("last_name") or "",
                email=values["email"].strip(),
                embedded_data=values.get("embedded_data") or {},
            )
            for values in to_add
        )
        known = {name.lower() for name in locked.embedded_fields}
        new = [name for name in extra_fields if name.lower() not in known]
        if new:
            locked.embedded_fields = [*locked.embedded_fields, *new]
            locked.save(update_fields=["embedded_fields", "updated_at"])
    return len(to_add), {}


# --- suppressions ---------------------------------------------------------------


def suppression_add_manual(*, owner, email: str) -> Suppression:
    email = email.strip()
    try:
        EmailValidator()(email)
    except ValidationError as exc:
        raise DirectoryError(f"{email!r} is not a valid email address.") from exc
    if not suppression_add(owner=owner, email=email, reason=Suppression.Reason.MANUAL):
        raise DirectoryError(f"{email} is already on your opt-out list.")
    return Suppression.objects.get(owner=owner, email__iexact=email)


def suppression_remove(*, suppression: Suppression) -> None:
    suppression.delete()


# --- imports --------------------------------------------------------------------


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


def contact_import_start(*, contact_import: ContactImport) -> bool:
    """Queue the import (once, whatever the number of clicks) and run or enqueue it.

    Return False when the import had already been started.
    """
    claimed = ContactImport.objects.filter(
        pk=contact_import.pk,
        status__in=[ContactImport.Status.UPLOADED, ContactImport.Status.FAILED],
    ).update(status=ContactImport.Status.QUEUED, rows_done=0, error="")
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
    """Import a queued file. Return None when another process claimed it first."""
    claimed = ContactImport.objects.filter(
        pk=contact_import_id, status=ContactImport.Status.QUEUED
    ).update(status=ContactImport.Status.IMPORTING, started_at=timezone.now())
    if not claimed:
        return None
    contact_import = ContactImport.objects.get(pk=contact_import_id)
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
