"""The contact import: one pass over the file into a temp table, then one INSERT.

Rows are validated while they stream from the file into PostgreSQL through COPY, so
memory stays flat whatever the file's size; duplicates (in the file and against the
list) are found by SQL. Everything happens in one transaction, under a lock on the
list, so a crash leaves the list as it was and two imports never interleave.
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from operator import add

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from directories.models import Contact, ContactImport, ContactList
from directories.reader import (
    CONTACT_FIELDS,
    ImportRefused,
    check_width,
    clean_header,
    open_text,
    records,
)
from directories.rows import RowValidator

TEMP_TABLE = "contact_import_rows"
DIRECT_COLUMNS = (
    "contact_list_id, first_name, last_name, email, external_reference, language, "
    "embedded_data, created_at, updated_at"
)
PROGRESS_EVERY_ROWS = 5000
PROGRESS_EVERY_SECONDS = 0.5


@dataclass
class ImportOutcome:
    rows_total: int = 0
    added: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[dict] = field(default_factory=list)
    # Set when nothing was (or would be) imported, with the reason for the owner.
    refused: str = ""
    written: bool = False
    new_fields: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, "
            f"duplicates {self.duplicates}, rejected {self.rejected}"
        )


def mapping_list(contact_import: ContactImport, width: int) -> list[str]:
    return [contact_import.mapping.get(str(i), "ignore") for i in range(width)]


class ProgressReporter:
    """Write rows_done from a separate autocommit connection.

    The import's own transaction stays open until the end; progress must be visible
    to the page polling it before then.
    """

    def __init__(self, contact_import_id: int):
        self.contact_import_id = contact_import_id
        self.last = 0.0
        self.conn = None

    def __call__(self, rows_done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_EVERY_SECONDS:
            return
        self.last = now
        try:
            if self.conn is None:
                params = connection.settings_dict
                self.conn = psycopg.connect(
                    dbname=params["NAME"],
                    user=params.get("USER") or None,
                    password=params.get("PASSWORD") or None,
                    host=params.get("HOST") or None,
                    port=params.get("PORT") or None,
                    autocommit=True,
                )
            self.conn.execute(
                f"UPDATE {ContactImport._meta.db_table} SET rows_done = %s WHERE id = %s",
                (rows_done, self.contact_import_id),
            )
        except psycopg.Error:
            # Progress is a courtesy; the import must not fail because of it.
            self.close()

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class _DirectCopyAbandoned(Exception):
    """Roll back the direct COPY's savepoint."""


@contextmanager
def _open_rows(contact_import: ContactImport):
    """Yield (records after the header, RowValidator) for the import's settings."""
    with open_text(contact_import.stored_path, contact_import.encoding) as handle:
        rows = records(handle, contact_import.delimiter or ",")
        first = next(rows, None)
        if first is None:
            raise ImportRefused("The file is empty.")
        header = clean_header(first[1])
        check_width(header)
        mapping = mapping_list(contact_import, len(header))
        if "email" not in mapping:
            raise ImportRefused("Choose which column holds the Email address.")
        yield rows, RowValidator(header, mapping)


def _rejections_message(rejected: int, total: int, *, done: bool = True) -> str:
    consequence = "so nothing was imported" if done else "so nothing would be imported"
    return (
        f"{rejected} row{'s' if rejected != 1 else ''} of {total} "
        f"cannot be imported, {consequence}. Correct the rows "
        "listed below, or choose to import the valid rows and skip the "
        "rejected ones."
    )


def _copy_direct(
    contact_import: ContactImport, contact_list: ContactList, progress
) -> ImportOutcome | None:
    """COPY straight into an empty list; return None if the file repeats an address.

    The fast path for the common case (a new list from a clean file): no temp table,
    no INSERT ... SELECT. A repeated address trips the unique constraint, the
    savepoint is rolled back and the caller takes the temp-table path.
    """
    outcome = ImportOutcome()
    # As text: psycopg adapting a datetime per row costs more than the rest of it.
    now = timezone.now().isoformat()
    list_id = str(contact_list.pk)
    try:
        with transaction.atomic(), _open_rows(contact_import) as (rows, validator):
            keys = [encode_basestring(name) + ": " for _, name in validator.embedded]
            validate = validator.validate
            rejections = outcome.rejections
            rejected = total = 0
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(
                    f"COPY {Contact._meta.db_table} ({DIRECT_COLUMNS}) FROM STDIN"
                ) as copy,
            ):
                write_row = copy.write_row
                skip_invalid = contact_import.skip_invalid
                for line, cells in rows:
                    total += 1
                    if progress is not None and not total % PROGRESS_EVERY_ROWS:
                        progress(total)
                    row, errors = validate(line, cells)
                    if errors:
                        rejected += 1
                        rejections.extend(
                            {"line": line, "column": column, "reason": reason}
                            for column, reason in errors
                        )
                        continue
                    if rejected and not skip_invalid:
                        # Nothing will be kept: only list the remaining rejections.
                        continue
                    embedded = (
                        "{"
                        + ", ".join(map(add, keys, map(encode_basestring, row[7:])))
                        + "}"
                    )
                    write_row(
                        (
                            list_id,
                            row[3],
                            row[4],
                            row[1],
                            row[5],
                            row[6],
                            embedded,
                            now,
                            now,
                        )
                    )
            outcome.rows_total = total
            outcome.rejected = rejected
            outcome.added = total - rejected
            if (rejected and not contact_import.skip_invalid) or not outcome.added:
                raise _DirectCopyAbandoned
            _remember_fields(contact_list, validator, outcome)
    except (IntegrityError, psycopg.errors.UniqueViolation):
        return None
    except _DirectCopyAbandoned:
        outcome.added = 0
        outcome.refused = (
            _rejections_message(outcome.rejected, outcome.rows_total)
            if outcome.rejected and not contact_import.skip_invalid
            else "The file has no contact that can be imported."
        )
        return outcome
    outcome.written = True
    return outcome


def _remember_fields(contact_list: ContactList, validator, outcome: ImportOutcome):
    known = {name.lower() for name in contact_list.embedded_fields}
    outcome.new_fields = [
        name for _, name in validator.embedded if name.lower() not in known
    ]
    if outcome.new_fields:
        contact_list.embedded_fields = [
            *contact_list.embedded_fields,
            *outcome.new_fields,
        ]
        contact_list.save(update_fields=["embedded_fields", "updated_at"])


def process_file(
    contact_import: ContactImport, *, write: bool, progress=None
) -> ImportOutcome:
    """Read, validate and (when write) store the file; return the counts.

    Call inside a transaction. With write=False nothing is stored (the preview
    rolls back its temp table with the transaction).
    """
    # One import at a time per list: counts stay exact and two imports of the same
    # file cannot both add it.
    contact_list = ContactList.objects.select_for_update().get(
        pk=contact_import.contact_list_id
    )
    if write and not contact_list.contacts.exists():
        outcome = _copy_direct(contact_import, contact_list, progress)
        if outcome is not None:
            return outcome
    outcome = ImportOutcome()
    with _open_rows(contact_import) as (rows, validator):
        mapping = mapping_list(contact_import, validator.width)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLE}")
            extra_columns = "".join(
                f", e{i} text" for i in range(len(validator.embedded))
            )
            cursor.execute(
                f"CREATE TEMP TABLE {TEMP_TABLE} (line integer, email text, "
                "email_lower text, first_name text, last_name text, "
                f"external_reference text, language text{extra_columns}) "
                "ON COMMIT DROP"
            )
            validate = validator.validate
            rejections = outcome.rejections
            rejected = 0
            total = 0
            with cursor.cursor.copy(f"COPY {TEMP_TABLE} FROM STDIN") as copy:
                write_row = copy.write_row
                for line, cells in rows:
                    total += 1
                    row, errors = validate(line, cells)
                    if errors:
                        rejected += 1
                        rejections.extend(
                            {"line": line, "column": column, "reason": reason}
                            for column, reason in errors
                        )
                    else:
                        write_row(row)
                    if progress is not None and not total % PROGRESS_EVERY_ROWS:
                        progress(total)
            outcome.rows_total = total
            outcome.rejected = rejected
            valid = total - rejected
            if rejected and not contact_import.skip_invalid:
                outcome.refused = _rejections_message(rejected, total, done=write)
                if write:
                    return outcome
            if valid == 0:
                outcome.refused = "The file has no contact that can be imported."
                return outcome
            if progress is not None:
                progress(total, force=True)
            # A repeated address in the file: the first row wins.
            cursor.execute(
                f"DELETE FROM {TEMP_TABLE} t USING (SELECT line, row_number() OVER "
                f"(PARTITION BY email_lower ORDER BY line) AS n FROM {TEMP_TABLE}) d "
                "WHERE t.line = d.line AND d.n > 1"
            )
            in_file_duplicates = cursor.rowcount
            unique = valid - in_file_duplicates
            existing = 0
            if contact_list.contacts.exists():
                cursor.execute(
                    f"SELECT count(*) FROM {TEMP_TABLE} t WHERE EXISTS (SELECT 1 FROM "
                    "directories_contact c WHERE c.contact_list_id = %s "
                    "AND lower(c.email) = t.email_lower)",
                    [contact_list.pk],
                )
                existing = cursor.fetchone()[0]
            update = contact_import.on_duplicate == ContactImport.OnDuplicate.UPDATE
            outcome.added = unique - existing
            outcome.updated = existing if update else 0
            outcome.duplicates = in_file_duplicates + (0 if update else existing)
            if write:
                _insert(
                    cursor,
                    contact_list,
                    mapping,
                    [name for _, name in validator.embedded],
                    update=update,
                )
                _remember_fields(contact_list, validator, outcome)
                outcome.written = True
    return outcome


def _embedded_sql(names: list[str]) -> tuple[str, list[str]]:
    """Return SQL building the embedded-data object from columns e0..eN, and params.

    Built in PostgreSQL rather than json.dumps per row in Python (several times
    faster at a million rows); jsonb_build_object takes at most 100 arguments.
    """
    if not names:
        return "'{}'::jsonb", []
    parts, params = [], []
    for start in range(0, len(names), 40):
        chunk = list(enumerate(names))[start : start + 40]
        parts.append(
            "jsonb_build_object(" + ", ".join(f"%s::text, e{i}" for i, _ in chunk) + ")"
        )
        params.extend(name for _, name in chunk)
    return " || ".join(parts), params


def _insert(
    cursor,
    contact_list: ContactList,
    mapping: list[str],
    embedded: list[str],
    *,
    update: bool,
):
    columns = "first_name, last_name, email, external_reference, language"
    embedded_sql, params = _embedded_sql(embedded)
    sql = (
        "INSERT INTO directories_contact (contact_list_id, "
        f"{columns}, embedded_data, created_at, updated_at) "
        f"SELECT %s, {columns}, {embedded_sql}, now(), now() FROM {TEMP_TABLE} "
        "ORDER BY line ON CONFLICT (contact_list_id, lower(email)) "
    )
    if update:
        # Only the columns the file maps are replaced; extra fields are merged.
        sets = [
            f"{name} = EXCLUDED.{name}"
            for name in CONTACT_FIELDS
            if name != "email" and name in mapping
        ]
        sets.append(
            "embedded_data = directories_contact.embedded_data || EXCLUDED.embedded_data"
        )
        sets.append("updated_at = now()")
        sql += "DO UPDATE SET " + ", ".join(sets)
    else:
        sql += "DO NOTHING"
    cursor.execute(sql, [contact_list.pk, *params])


def analyse(contact_import: ContactImport) -> ImportOutcome:
    """Return what importing the file with its current settings would do."""
    try:
        with transaction.atomic():
            outcome = process_file(contact_import, write=False)
            transaction.set_rollback(True)
    except ImportRefused as exc:
        # Raised mid-COPY the transaction is aborted: atomic() has rolled it back.
        outcome = ImportOutcome(refused=exc.message)
    return outcome
