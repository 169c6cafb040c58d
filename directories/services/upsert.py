"""Add or update many contacts of a list by email in one statement (the API's bulk
upsert)."""

import json

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction

from directories.models import Contact, ContactList
from directories.reader import EMBEDDED_MAX_LENGTH, MAX_LENGTHS
from directories.services.lists import contact_values_clean

FIELDS = ("first_name", "last_name", "external_reference", "language")
_email_valid = EmailValidator()


def _row_errors(index: int, values: dict, seen: dict) -> list[tuple[str, str]]:
    errors = []
    for name, limit in MAX_LENGTHS.items():
        if len(values.get(name) or "") > limit:
            errors.append((f"[{index}].{name}", f"Too long: at most {limit}."))
    email = (values.get("email") or "").strip()
    try:
        _email_valid(email)
    except ValidationError:
        errors.append((f"[{index}].email", f"{email!r} is not a valid email address."))
    else:
        first = seen.setdefault(email.lower(), index)
        if first != index:
            errors.append((f"[{index}].email", f"{email} repeats row {first}."))
    for key, value in (values.get("embedded_data") or {}).items():
        if len(value) > EMBEDDED_MAX_LENGTH or not key.strip():
            errors.append((f"[{index}].embedded_data", f"Field {key!r} is not valid."))
    return errors


def contacts_upsert(*, contact_list: ContactList, rows: list[dict]) -> dict:
    """Add each row as a contact, or update the list's contact with its email.

    All or nothing: invalid rows raise ValidationError({field: message}) and write
    nothing. Given values replace the stored ones; embedded data is merged.
    Return {"added": n, "updated": m}.
    """
    rows = [contact_values_clean(values, field_names=True) for values in rows]
    seen: dict[str, int] = {}
    errors = [e for i, values in enumerate(rows) for e in _row_errors(i, values, seen)]
    if errors:
        raise ValidationError(dict(errors[:100]))
    if not rows:
        return {"added": 0, "updated": 0}
    records = [
        {
            "email": values["email"].strip(),
            # None (left out): an existing contact keeps its value.
            **{name: values.get(name) for name in FIELDS},
            "embedded_data": values.get("embedded_data") or {},
        }
        for values in rows
    ]
    table = Contact._meta.db_table
    keep = ", ".join(f"{name} = coalesce(r.{name}, c.{name})" for name in FIELDS)
    given = ", ".join(f"coalesce(r.{name}, '')" for name in FIELDS)
    # One statement, the rows sent as one JSON document (parsed by PostgreSQL):
    # update the contacts whose address the list has (the (list, lower(email))
    # unique index finds each), insert the others.
    sql = f"""
        WITH r AS (
            SELECT * FROM json_to_recordset(%s::json) AS r(email text,
                first_name text, last_name text, external_reference text,
                language text, embedded_data jsonb)
        ), updated AS (
            UPDATE {table} AS c SET {keep},
                embedded_data = c.embedded_data || r.embedded_data,
                updated_at = now()
            FROM r
            WHERE c.contact_list_id = %s AND lower(c.email) = lower(r.email)
            RETURNING lower(c.email) AS email
        ), added AS (
            INSERT INTO {table} (contact_list_id, email, first_name, last_name,
                external_reference, language, embedded_data, created_at, updated_at)
            SELECT %s, r.email, {given}, r.embedded_data, now(), now()
            FROM r
            WHERE lower(r.email) NOT IN (SELECT email FROM updated)
            ON CONFLICT (contact_list_id, lower(email)) DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM updated), (SELECT count(*) FROM added)
    """
    with transaction.atomic():
        # The list's row lock: Manual input, imports and upserts of one list take
        # turns, so no contact appears between the lookup and the insert.
        locked = ContactList.objects.select_for_update().get(pk=contact_list.pk)
        with connection.cursor() as cursor:
            cursor.execute(sql, [json.dumps(records), locked.pk, locked.pk])
            updated, added = cursor.fetchone()
        new_fields = {
            key for values in rows for key in (values.get("embedded_data") or {})
        }
        known = {name.lower() for name in locked.embedded_fields}
        added_fields = sorted(name for name in new_fields if name.lower() not in known)
        if added_fields:
            locked.embedded_fields = [*locked.embedded_fields, *added_fields]
            locked.save(update_fields=["embedded_fields", "updated_at"])
    return {"added": added, "updated": updated}
